"""Which terminal holds a visit's draft, its heartbeat, and the draft's version

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-26

A draft was held by a username, so the same MA on two terminals could both write
it. Now one terminal (one running ma-tui: a session id made at start, with its host
and process id for the message) holds it, and says it is alive with a heartbeat; a
terminal silent for longer than the hold time, or whose process is gone on the same
host, holds nothing. ``version`` counts the saves: a save or a sign from a screen
that loaded an older version is refused. Existing drafts start at version 0, held
by no terminal (their MA takes them at the next opening).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import ma_tui.data.types

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("rooming_draft", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("version", sa.Integer(), nullable=False, server_default=sa.text("0"))
        )
        batch_op.add_column(sa.Column("terminal_id", sa.String(length=36), nullable=True))
        batch_op.add_column(sa.Column("terminal_host", sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column("terminal_pid", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("heartbeat_at", ma_tui.data.types.UTCDateTime(), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("rooming_draft", schema=None) as batch_op:
        batch_op.drop_column("heartbeat_at")
        batch_op.drop_column("terminal_pid")
        batch_op.drop_column("terminal_host")
        batch_op.drop_column("terminal_id")
        batch_op.drop_column("version")
