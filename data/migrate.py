"""Create and upgrade the schema with Alembic, from inside the program.

Every start runs ``upgrade`` so that a database written by an older ma-tui is
brought up to date in place, keeping its data. A migration that rebuilt the audit
table gets its append-only triggers back here; a trigger missing from a database
already at the head is put back by ``ma_tui.core.trail`` as a warning and an audit
event, never silently.
"""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Engine

from ma_tui.data.audit import install_append_only
from ma_tui.data.store import StoreError

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def known_revisions() -> set[str]:
    scripts = ScriptDirectory.from_config(alembic_config()).walk_revisions()
    return {script.revision for script in scripts}


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the schema to ``revision``.

    Refuses, changing nothing, a database from a newer ma-tui and a database that
    belongs to another program (tables, but no ma-tui schema version). After
    migrating to the head, puts back any append-only trigger a migration dropped.
    """
    found = current_revision(engine)
    if found is not None and found not in known_revisions():
        raise StoreError(
            f"this database was written by a newer ma-tui (schema {found}); upgrade ma-tui"
        )
    if found is None:
        foreign = sorted(sa.inspect(engine).get_table_names())
        if foreign and foreign != ["alembic_version"]:
            raise StoreError(
                "this database belongs to another program "
                f"(it has tables such as {foreign[0]!r} but no ma-tui schema)"
            )
    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)
        head = head_revision()
        if revision in ("head", head) and found != head:
            install_append_only(connection)
