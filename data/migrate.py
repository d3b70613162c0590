"""Create and upgrade the schema with Alembic, from inside the program.

Every start runs ``upgrade`` so that a database written by an older ma-tui is
brought up to date in place, keeping its data. A migration that rebuilt the audit
table gets its append-only triggers back here; a trigger missing from a database
already at the head is put back by ``ma_tui.core.trail`` as a warning and an audit
event, never silently.

A database already at the newest revision (every start but the first after an
upgrade) needs no Alembic: its stored revision is read with one query and compared
with ``HEAD``, and Alembic (slow to import, and it reads every migration script) is
only loaded when there is something to migrate. ``HEAD`` is checked against the
migration scripts by the tests.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from ma_tui.data.audit import install_append_only
from ma_tui.data.store import StoreError

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
HEAD = "0019"  # the newest revision in migrations/versions (tests/test_migrations.py)
VERSION_TABLE = "alembic_version"


def alembic_config() -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def head_revision() -> str:
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def current_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def stored_revision(engine: Engine) -> str | None:
    """The revision the database says it is at (None: no ma-tui schema), without Alembic."""
    with engine.connect() as connection:
        if not sa.inspect(connection).has_table(VERSION_TABLE):
            return None
        versions = connection.execute(sa.text(f"SELECT version_num FROM {VERSION_TABLE}"))
        found = versions.scalars().all()
    return found[0] if len(found) == 1 else None


def known_revisions() -> set[str]:
    from alembic.script import ScriptDirectory

    scripts = ScriptDirectory.from_config(alembic_config()).walk_revisions()
    return {script.revision for script in scripts}


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the schema to ``revision``.

    Refuses, changing nothing, a database from a newer ma-tui and a database that
    belongs to another program (tables, but no ma-tui schema version). After
    migrating to the head, puts back any append-only trigger a migration dropped.
    """
    if revision in ("head", HEAD) and stored_revision(engine) == HEAD:
        return  # a trigger missing here is ma_tui.core.trail's to report and put back
    _migrate(engine, revision)


def _migrate(engine: Engine, revision: str) -> None:
    """``upgrade`` with Alembic: the database is behind (or new, or not ma-tui's)."""
    from alembic import command

    found = current_revision(engine)
    if found is not None and found not in known_revisions():
        raise StoreError(
            f"this database was written by a newer ma-tui (schema {found}); upgrade ma-tui"
        )
    if found is None:
        foreign = sorted(sa.inspect(engine).get_table_names())
        if foreign and foreign != [VERSION_TABLE]:
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
