"""The schema is built and upgraded by Alembic, keeping data, on any database."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.dialects import postgresql
from sqlalchemy.schema import CreateTable
from sqlmodel import SQLModel

from ma_tui.core.trail import open_trail
from ma_tui.data import models  # noqa: F401
from ma_tui.data.folding import patient_search_keys
from ma_tui.data.migrate import (
    HEAD,
    alembic_config,
    current_revision,
    head_revision,
    stored_revision,
    upgrade,
)
from ma_tui.data.store import StoreError, create_store_engine, sqlite_url
from tests.conftest import CLINIC_NOW


def _revisions_oldest_first() -> list[str]:
    scripts = ScriptDirectory.from_config(alembic_config()).walk_revisions()
    return [script.revision for script in reversed(list(scripts))]


def test_migrations_build_exactly_the_models(engine: sa.Engine) -> None:
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, SQLModel.metadata) == []
    assert current_revision(engine) == head_revision()


def test_the_head_ma_tui_checks_at_start_is_the_newest_migration(engine: sa.Engine) -> None:
    """A start compares the stored revision with HEAD and needs no Alembic when they
    match: HEAD must be the newest migration script, and read back as Alembic does."""
    assert head_revision() == HEAD
    assert stored_revision(engine) == current_revision(engine) == HEAD


def test_a_start_at_head_puts_back_a_missing_audit_trigger_and_says_so(tmp_path: Path) -> None:
    """The migration's fast path leaves it to the start, which records the repair."""
    engine = create_store_engine(sqlite_url(tmp_path / "clinic.db"))
    upgrade(engine)
    with engine.begin() as connection:
        connection.exec_driver_sql("DROP TRIGGER audit_event_no_delete")
    upgrade(engine)  # at head: the fast path, no silent repair
    assert _sqlite_triggers(engine) == ["audit_event_no_update"]
    (warning,) = open_trail(engine, environ={}, now=CLINIC_NOW)
    assert "audit_event_no_delete" in warning
    assert _sqlite_triggers(engine) == AUDIT_TRIGGERS
    engine.dispose()


@pytest.mark.parametrize("start", _revisions_oldest_first()[:-1])
def test_upgrade_from_an_older_version_keeps_its_data(tmp_path: Path, start: str) -> None:
    """A clinic's database written by an older ma-tui upgrades in place."""
    url = sqlite_url(tmp_path / "old.db")
    engine = create_store_engine(url)
    upgrade(engine, start)
    with engine.begin() as connection:
        connection.execute(
            sa.text(
                "INSERT INTO patient (mrn, family_name, given_name, birth_date, sex, "
                "interpreter_needed, active, created_at, updated_at) VALUES "
                "('7000001', 'Whitfield', 'Dana', '1968-04-12', 'female', 0, 1, "
                "'2026-01-05 15:00:00', '2026-01-05 15:00:00')"
            )
        )
    engine.dispose()

    reopened = create_store_engine(url)
    upgrade(reopened)
    assert current_revision(reopened) == head_revision()
    with reopened.connect() as connection:
        row = connection.execute(sa.text("SELECT mrn, family_name, birth_date FROM patient")).one()
    assert tuple(row) == ("7000001", "Whitfield", str(date(1968, 4, 12)))
    reopened.dispose()


def test_upgrading_twice_changes_nothing(file_engine: sa.Engine) -> None:
    before = sorted(sa.inspect(file_engine).get_table_names())
    upgrade(file_engine)
    assert sorted(sa.inspect(file_engine).get_table_names()) == before


def test_a_newer_schema_is_refused(file_engine: sa.Engine) -> None:
    with file_engine.begin() as connection:
        connection.execute(sa.text("UPDATE alembic_version SET version_num = '9999'"))
    with pytest.raises(StoreError, match="newer ma-tui"):
        upgrade(file_engine)


def test_another_programs_database_is_refused_untouched(tmp_path: Path) -> None:
    path = tmp_path / "other.db"
    engine = create_store_engine(sqlite_url(path))
    with engine.begin() as connection:
        connection.execute(sa.text("CREATE TABLE recipes (id INTEGER PRIMARY KEY)"))
    with pytest.raises(StoreError, match="another program"):
        upgrade(engine)
    assert sa.inspect(engine).get_table_names() == ["recipes"]
    engine.dispose()


def test_every_table_compiles_for_postgresql() -> None:
    """Nothing SQLite-only leaks into the model."""
    dialect = postgresql.dialect()  # type: ignore[no-untyped-call]
    for table in SQLModel.metadata.sorted_tables:
        ddl = str(CreateTable(table).compile(dialect=dialect))
        assert f"CREATE TABLE {table.name}" in ddl


def test_migrations_render_for_postgresql_offline() -> None:
    config = alembic_config()
    config.set_main_option("sqlalchemy.url", "postgresql://clinic/db")
    buffer = io.StringIO()
    config.output_buffer = buffer
    command.upgrade(config, "head", sql=True)
    sql = buffer.getvalue()
    assert "CREATE TABLE observation" in sql
    assert "CREATE UNIQUE INDEX ix_patient_mrn" in sql


# ------------------------------------------------------- the audit triggers


def _sqlite_triggers(engine: sa.Engine) -> list[str]:
    with engine.connect() as connection:
        rows = connection.execute(
            sa.text("SELECT name FROM sqlite_master WHERE type = 'trigger' ORDER BY name")
        )
        return list(rows.scalars())


AUDIT_TRIGGERS = ["audit_event_no_delete", "audit_event_no_update"]


def test_the_audit_table_is_append_only_after_migrating(file_engine: sa.Engine) -> None:
    assert _sqlite_triggers(file_engine) == AUDIT_TRIGGERS
    with file_engine.begin() as connection:
        connection.execute(
            sa.text("INSERT INTO audit_event (at, action) VALUES ('2026-11-23 15:00:00', 'view')")
        )
    for statement in ("UPDATE audit_event SET action = 'x'", "DELETE FROM audit_event"):
        with (
            pytest.raises(sa.exc.IntegrityError, match="append-only"),
            file_engine.begin() as connection,
        ):
            connection.execute(sa.text(statement))


def test_the_audit_triggers_downgrade_and_upgrade(file_engine: sa.Engine) -> None:
    config = alembic_config()
    with file_engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0005")
    assert _sqlite_triggers(file_engine) == []
    upgrade(file_engine)
    assert _sqlite_triggers(file_engine) == AUDIT_TRIGGERS
    with file_engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, SQLModel.metadata) == []


def test_every_start_puts_back_a_dropped_audit_trigger(file_engine: sa.Engine) -> None:
    """As a batch migration that rebuilds the table, or a tamperer, would leave it."""
    with file_engine.begin() as connection:
        connection.execute(sa.text("DROP TRIGGER audit_event_no_delete"))
    assert _sqlite_triggers(file_engine) == ["audit_event_no_update"]
    upgrade(file_engine)
    open_trail(file_engine, environ={}, now=CLINIC_NOW)
    assert _sqlite_triggers(file_engine) == AUDIT_TRIGGERS


def test_older_revisions_get_no_triggers_early(tmp_path: Path) -> None:
    engine = create_store_engine(sqlite_url(tmp_path / "old.db"))
    upgrade(engine, "0005")
    assert _sqlite_triggers(engine) == []
    engine.dispose()


def test_the_audit_triggers_render_for_postgresql_offline() -> None:
    config = alembic_config()
    config.set_main_option("sqlalchemy.url", "postgresql://clinic/db")
    buffer = io.StringIO()
    config.output_buffer = buffer
    command.upgrade(config, "0005:0006", sql=True)
    sql = buffer.getvalue()
    assert "CREATE OR REPLACE FUNCTION audit_event_append_only() RETURNS trigger" in sql
    for trigger, event in (("update", "UPDATE"), ("delete", "DELETE"), ("truncate", "TRUNCATE")):
        assert f"CREATE TRIGGER audit_event_no_{trigger} BEFORE {event} ON audit_event" in sql


# ------------------------------------------------------------ the search keys


def _patient_columns(engine: sa.Engine) -> set[str]:
    return {column["name"] for column in sa.inspect(engine).get_columns("patient")}


def test_upgrading_fills_the_search_keys_of_existing_patients(tmp_path: Path) -> None:
    """0007 folds the names of the patients already there; downgrading keeps them."""
    engine = create_store_engine(sqlite_url(tmp_path / "old.db"))
    upgrade(engine, "0006")
    people = [
        ("7000001", "Nguyễn", "Văn Đức"),
        ("7000002", "O'Brien", "Margaret"),
        ("A-3", "김", "민준"),
    ]
    with engine.begin() as connection:
        for mrn, family, given in people:
            connection.execute(
                sa.text(
                    "INSERT INTO patient (mrn, family_name, given_name, birth_date, sex, "
                    "interpreter_needed, active, created_at, updated_at) VALUES "
                    "(:mrn, :family, :given, '1968-04-12', 'female', 0, 1, "
                    "'2026-01-05 15:00:00', '2026-01-05 15:00:00')"
                ),
                {"mrn": mrn, "family": family, "given": given},
            )
        # A row that refers to a patient: the columns are added and dropped in place.
        connection.execute(
            sa.text(
                "INSERT INTO encounter (patient_id, scheduled_at, visit_type, status, "
                "status_changed_at, walk_in, created_at) VALUES (1, '2026-01-05 15:00:00', "
                "'follow-up', 'scheduled', '2026-01-05 15:00:00', 0, '2026-01-05 15:00:00')"
            )
        )
    upgrade(engine)
    keys = "SELECT family_key, given_key, name_key, mrn_key FROM patient ORDER BY id"
    with engine.connect() as connection:
        rows = [tuple(row) for row in connection.execute(sa.text(keys))]
    assert rows == [
        tuple(patient_search_keys(family, given, mrn).values()) for mrn, family, given in people
    ]
    assert rows[0] == ("nguyen", "van duc", "nguyenvan duc", "7000001")

    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0006")
    assert not _patient_columns(engine) & {"family_key", "given_key", "name_key", "mrn_key"}
    with engine.connect() as connection:
        assert connection.execute(sa.text("SELECT count(*) FROM encounter")).scalar() == 1
    upgrade(engine)
    with engine.connect() as connection:
        assert [tuple(row) for row in connection.execute(sa.text(keys))] == rows
    engine.dispose()


def test_the_search_key_columns_compare_by_code_point_on_postgresql() -> None:
    """COLLATE "C": a prefix range on a linguistic collation would not be a prefix test."""
    dialect = postgresql.dialect()  # type: ignore[no-untyped-call]
    ddl = str(CreateTable(SQLModel.metadata.tables["patient"]).compile(dialect=dialect))
    for key in ("family_key", "given_key", "name_key", "mrn_key"):
        assert f"{key} VARCHAR COLLATE \"C\" DEFAULT '' NOT NULL" in ddl
