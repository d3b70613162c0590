"""The demo built at any hour: nothing in it happens after the moment it is built."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, time
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func
from sqlalchemy import select as sa_select
from sqlalchemy.engine import Engine
from sqlmodel import Session, SQLModel, col, select

import ma_tui.data.models  # noqa: F401  (every table, for the scan)
from ma_tui.data.migrate import upgrade
from ma_tui.data.models.audit import AuditEvent
from ma_tui.data.models.rooms import Room
from ma_tui.data.store import memory_engine
from ma_tui.data.types import UTCDateTime
from ma_tui.demo.clinic import build_demo_clinic
from tests.signing import sign_dana_with_a_pulse_of_76

TZ = ZoneInfo("America/Chicago")
TODAY = datetime(2026, 11, 23, tzinfo=TZ).date()
# Times that are plans, not events: a visit booked for later today, a task due later.
PLANNED = {"scheduled_at", "due"}


def _built_at(now: datetime) -> Engine:
    engine = memory_engine()
    upgrade(engine)
    build_demo_clinic(engine, now.date(), TZ, now)
    return engine


@pytest.fixture
def early() -> Iterator[tuple[Engine, datetime]]:
    now = datetime.combine(TODAY, time(3, 5), tzinfo=TZ)
    engine = _built_at(now)
    yield engine, now
    engine.dispose()


def _latest_events(engine: Engine) -> dict[str, datetime]:
    """The latest stored time of every event column (rooms, worklist, QC, loads, visits...)."""
    latest: dict[str, datetime] = {}
    with Session(engine) as session:
        for table in SQLModel.metadata.sorted_tables:
            for column in table.columns:
                if isinstance(column.type, UTCDateTime) and column.name not in PLANNED:
                    value = session.execute(sa_select(func.max(column))).scalar()
                    if value is not None:
                        latest[f"{table.name}.{column.name}"] = value
    return latest


@pytest.mark.parametrize("hhmm", [time(0, 20), time(3, 5), time(8, 0), time(23, 0)])
def test_no_event_is_later_than_the_moment_the_demo_is_built(hhmm: time) -> None:
    now = datetime.combine(TODAY, hhmm, tzinfo=TZ)
    engine = _built_at(now)
    try:
        latest = _latest_events(engine)
        with Session(engine) as session:
            trail = session.exec(select(AuditEvent.at).order_by(col(AuditEvent.id))).all()
    finally:
        engine.dispose()
    for name in ("room_event.at", "worklist_event.at", "poc_qc_record.recorded_at"):
        assert name in latest
    assert {name: at for name, at in latest.items() if at > now} == {}
    assert list(trail) == sorted(trail)  # moved or squeezed, the trail reads forward


def test_the_morning_keeps_its_order_and_spacing_when_moved(
    early: tuple[Engine, datetime],
) -> None:
    engine, now = early
    with Session(engine) as session:
        rooms = {room.name: room.since for room in session.exec(select(Room)).all()}
    # Exam 7 went out of service 5 minutes after the rooms opened, as at 07:20.
    assert (rooms["Exam 7"] - rooms["Exam 6"]).total_seconds() == 5 * 60
    assert rooms["Exam 6"] < now
    assert max(_latest_events(engine).values()) > now.replace(hour=2, minute=30)


def test_a_visit_signs_into_a_room_right_after_an_early_build(
    early: tuple[Engine, datetime],
) -> None:
    engine, built = early
    now = built.replace(minute=6)
    sign_dana_with_a_pulse_of_76(engine, now, room="Exam 6")
    with Session(engine) as session:
        room = session.exec(select(Room).where(Room.name == "Exam 6")).one()
    assert room.since == now
