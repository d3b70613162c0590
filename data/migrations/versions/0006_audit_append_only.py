"""The audit trail is append-only: triggers refuse UPDATE and DELETE on audit_event

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-24

The definitions are written out here, as they were at this revision;
``ma_tui.data.audit.install_append_only`` holds the same ones and puts back any trigger
that goes missing later. On SQLite a batch migration that rebuilds audit_event
drops its triggers with the old table: the start-up check restores them, but such
a migration should recreate them itself too.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

MESSAGE = "audit_event is append-only"


def upgrade() -> None:
    dialect = op.get_context().dialect.name
    if dialect == "sqlite":
        for trigger, event in (
            ("audit_event_no_update", "UPDATE"),
            ("audit_event_no_delete", "DELETE"),
        ):
            op.execute(
                f"CREATE TRIGGER {trigger} BEFORE {event} ON audit_event "
                f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END"
            )
    elif dialect == "postgresql":
        op.execute(
            "CREATE OR REPLACE FUNCTION audit_event_append_only() RETURNS trigger "
            "LANGUAGE plpgsql AS $$ BEGIN "
            f"RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'restrict_violation'; "
            "END $$"
        )
        for trigger, event, level in (
            ("audit_event_no_update", "UPDATE", "ROW"),
            ("audit_event_no_delete", "DELETE", "ROW"),
            # TRUNCATE fires no row triggers: refuse it as a statement.
            ("audit_event_no_truncate", "TRUNCATE", "STATEMENT"),
        ):
            op.execute(
                f"CREATE TRIGGER {trigger} BEFORE {event} ON audit_event "
                f"FOR EACH {level} EXECUTE FUNCTION audit_event_append_only()"
            )


def downgrade() -> None:
    dialect = op.get_context().dialect.name
    if dialect == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS audit_event_no_update")
        op.execute("DROP TRIGGER IF EXISTS audit_event_no_delete")
    elif dialect == "postgresql":
        for trigger in ("update", "delete", "truncate"):
            op.execute(f"DROP TRIGGER IF EXISTS audit_event_no_{trigger} ON audit_event")
        op.execute("DROP FUNCTION IF EXISTS audit_event_append_only()")
