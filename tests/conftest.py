"""Shared fixtures: engines injected into the code under test, a fixed clinic clock."""

from __future__ import annotations

import os
import sqlite3
import tempfile
import uuid
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, settings
from sqlalchemy.engine import Connection, Engine

from ma_tui.data.migrate import upgrade
from ma_tui.data.store import create_store_engine, memory_engine, sqlite_url
from tests.pgserver import PgServer, why_not_available

# Examples for every parser and validator (issue 4): 500 in `make test`, which must
# stay under 10 minutes on a 2-core machine; 5,000 in `make test-thorough`
# (MA_TUI_HYPOTHESIS=thorough). Tests that touch the database or build huge strings
# set fewer themselves.
for _name, _examples in (("ci", 500), ("thorough", 5000)):
    settings.register_profile(
        _name,
        max_examples=_examples,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow],
    )
settings.load_profile(os.environ.get("MA_TUI_HYPOTHESIS", "ci"))

# The audit key and anchors live in the user's config folder (issue 15): the tests,
# and the programs they start, keep theirs in a folder of their own, never the home's.
os.environ["XDG_CONFIG_HOME"] = tempfile.mkdtemp(prefix="ma-tui-test-config-")

CLINIC_TZ = ZoneInfo("America/Chicago")
# A Monday morning, 09:20 at the clinic: Dana Whitfield (09:00) is waiting.
CLINIC_NOW = datetime(2026, 11, 23, 9, 20, tzinfo=CLINIC_TZ)


# Migrating and building the demo clinic cost about 2 s a test, for hundreds of
# tests: each is done once per test process into a template, and each test gets a
# copy of it (SQLite's backup API, a few milliseconds), its own database as before.
_TEMPLATES: dict[str, sqlite3.Connection] = {}


def _from_template(engine: Engine, kind: str, build: Callable[[Engine], None]) -> None:
    """Fill the in-memory ``engine`` with a copy of the ``kind`` template."""
    template = _TEMPLATES.get(kind)
    if template is None:
        source = memory_engine()
        build(source)
        template = sqlite3.connect(":memory:", check_same_thread=False)
        with source.connect() as connection:
            _dbapi(connection).backup(template)
        source.dispose()
        _TEMPLATES[kind] = template
    with engine.connect() as connection:
        template.backup(_dbapi(connection))


def _dbapi(connection: Connection) -> sqlite3.Connection:
    raw = connection.connection.dbapi_connection
    assert isinstance(raw, sqlite3.Connection)
    return raw


def _build_demo(engine: Engine) -> None:
    from ma_tui.demo.clinic import build_demo_clinic

    upgrade(engine)
    build_demo_clinic(engine, CLINIC_NOW.date(), CLINIC_TZ)


@pytest.fixture
def engine() -> Iterator[Engine]:
    """A migrated, empty in-memory database."""
    eng = memory_engine()
    _from_template(eng, "migrated", upgrade)
    yield eng
    eng.dispose()


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "clinic.db"


@pytest.fixture
def file_engine(db_path: Path) -> Iterator[Engine]:
    """A migrated, empty SQLite file database, opened as the program opens it."""
    eng = create_store_engine(sqlite_url(db_path))
    upgrade(eng)
    yield eng
    eng.dispose()


# Set to a PostgreSQL URL (an empty database it may wipe) to run every demo-clinic
# test on PostgreSQL as well, e.g. postgresql+psycopg://postgres@127.0.0.1/ma_tui_test
POSTGRES_ENV = "MA_TUI_TEST_POSTGRES_URL"
# Set to 1 (make test-postgres) to run them on a throwaway server the tests start
# (tests/pgserver.py): one per xdist worker, the demo clinic built once in a template
# database, and a database copied from it for each test.
POSTGRES_ALL_ENV = "MA_TUI_TEST_POSTGRES"
BACKENDS = [
    "sqlite",
    *(["postgresql"] if os.environ.get(POSTGRES_ENV) or os.environ.get(POSTGRES_ALL_ENV) else []),
]
TEMPLATE = "ma_tui_demo_template"


@pytest.fixture
def demo_sqlite(engine: Engine) -> Engine:
    """The in-memory database with the demo clinic: what the snapshots are taken of."""
    _from_template(engine, "demo", _build_demo)
    return engine


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PgServer]:
    """This worker's own throwaway PostgreSQL server (skipped, saying why, without one)."""
    reason = why_not_available()
    if reason is not None:
        pytest.skip(reason)
    server = PgServer()
    server.start()
    yield server
    server.remove()


@pytest.fixture(scope="session")
def postgres_template(postgres_server: PgServer) -> str:
    """The demo clinic for CLINIC_NOW's day, built once, in a template database."""
    from ma_tui.demo.clinic import build_demo_clinic

    _admin(postgres_server, f"CREATE DATABASE {TEMPLATE}")
    engine = create_store_engine(postgres_server.url(TEMPLATE))
    upgrade(engine)
    build_demo_clinic(engine, CLINIC_NOW.date(), CLINIC_TZ)
    engine.dispose()
    return TEMPLATE


def _admin(server: PgServer, statement: str) -> None:
    admin = create_store_engine(server.url())
    with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.exec_driver_sql(statement)
    admin.dispose()


@pytest.fixture
def postgres_demo(postgres_server: PgServer, postgres_template: str) -> Iterator[Engine]:
    """A database of its own holding the demo clinic, copied from the template."""
    name = f"t_{uuid.uuid4().hex[:12]}"
    _admin(postgres_server, f"CREATE DATABASE {name} TEMPLATE {postgres_template}")
    engine = create_store_engine(postgres_server.url(name))
    yield engine
    engine.dispose()
    _admin(postgres_server, f"DROP DATABASE {name} WITH (FORCE)")


@pytest.fixture(params=BACKENDS)
def demo_engine(request: pytest.FixtureRequest, engine: Engine) -> Iterator[Engine]:
    """A database filled with the demo clinic for CLINIC_NOW's day, on each backend."""
    from ma_tui.demo.clinic import build_demo_clinic

    if request.param == "sqlite":
        _from_template(engine, "demo", _build_demo)
        yield engine
        return
    if not os.environ.get(POSTGRES_ENV):
        yield request.getfixturevalue("postgres_demo")
        return
    postgres = create_store_engine(os.environ[POSTGRES_ENV])
    with postgres.begin() as connection:
        connection.exec_driver_sql("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
    upgrade(postgres)
    build_demo_clinic(postgres, CLINIC_NOW.date(), CLINIC_TZ)
    yield postgres
    postgres.dispose()


def read_only_folder(tmp_path: Path) -> Path:
    """A folder no one may create files in, root included."""
    if os.geteuid() == 0:
        # root writes through permission bits; sysfs refuses even root.
        return Path("/sys")
    folder = tmp_path / "locked"
    folder.mkdir()
    folder.chmod(0o500)
    return folder


def todays_encounter_id(engine: Engine, family_name: str) -> int:
    """The id of today's visit for the demo patient with this family name."""
    from sqlmodel import Session, col, select

    from ma_tui.data.models.patients import Patient
    from ma_tui.data.models.visits import Encounter
    from ma_tui.visits.queue import local_day_bounds

    start, end = local_day_bounds(CLINIC_NOW.date(), CLINIC_TZ)
    with Session(engine) as session:
        encounter = session.exec(
            select(Encounter)
            .join(Patient, col(Patient.id) == col(Encounter.patient_id))
            .where(
                Patient.family_name == family_name,
                col(Encounter.scheduled_at) >= start,
                col(Encounter.scheduled_at) < end,
            )
        ).one()
        assert encounter.id is not None
        return encounter.id
