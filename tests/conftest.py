"""Shared fixtures: engines injected into the code under test, a fixed clinic clock."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, settings
from sqlalchemy.engine import Engine

from data.migrate import upgrade
from data.store import create_store_engine, memory_engine, sqlite_url

settings.register_profile(
    "ci", max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile("ci")

CLINIC_TZ = ZoneInfo("America/Chicago")
# A Monday morning, 09:20 at the clinic: Dana Whitfield (09:00) is waiting.
CLINIC_NOW = datetime(2026, 11, 23, 9, 20, tzinfo=CLINIC_TZ)


@pytest.fixture
def engine() -> Iterator[Engine]:
    """A migrated, empty in-memory database."""
    eng = memory_engine()
    upgrade(eng)
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


@pytest.fixture
def demo_engine(engine: Engine) -> Engine:
    """The in-memory database filled with the demo clinic for CLINIC_NOW's day."""
    from ma_tui.demo import build_demo_clinic

    build_demo_clinic(engine, CLINIC_NOW.date(), CLINIC_TZ)
    return engine


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

    from data.models import Encounter, Patient
    from ma_tui.queue import local_day_bounds

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
