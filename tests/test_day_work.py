"""The day's work stored: typed days, the details kept as JSON, an audit event per change."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, func, select

from ma_tui.core.errors import Conflict
from ma_tui.data.models.audit import AuditEvent
from ma_tui.data.models.patients import Patient
from ma_tui.rooms.store import provider_done, room_board
from ma_tui.sterilization.loads import CycleType, PackLabel, Reading, new_load
from ma_tui.sterilization.store import (
    add_load,
    record_chemical,
    release_load,
    sterilization_log,
    use_pack,
)
from ma_tui.worklist.store import decode_details, encode_details
from ma_tui.worklist.typed import parse_day
from ma_tui.worklist.work import Move, claim_item, open_items
from tests.conftest import CLINIC_NOW
from tests.day_work import staff_id

TODAY = date(2026, 11, 23)


@settings(max_examples=50)
@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2099, 12, 31)))
def test_a_day_typed_in_full_is_that_day(day: date) -> None:
    assert parse_day(day.isoformat(), TODAY) == day
    assert parse_day(f"{day.month}/{day.day}/{day.year}", TODAY) == day


@settings(max_examples=20)
@given(st.integers(min_value=0, max_value=999))
def test_plus_days_count_from_today(days: int) -> None:
    assert parse_day(f"+{days}", TODAY) == TODAY + timedelta(days=days)


def test_a_day_without_its_year_is_the_next_one_from_a_month_ago() -> None:
    assert parse_day("12/10", TODAY) == date(2026, 12, 10)
    assert parse_day("11/1", TODAY) == date(2026, 11, 1)
    assert parse_day("1/5", TODAY) == date(2027, 1, 5)
    assert parse_day("today", TODAY) == TODAY


def _events(engine: Engine, entity: str) -> int:
    with Session(engine) as session:
        return session.exec(
            select(func.count()).select_from(AuditEvent).where(col(AuditEvent.entity) == entity)
        ).one()


def test_each_kinds_details_read_back_as_stored_and_each_change_is_audited(
    demo_sqlite: Engine,
) -> None:
    items = open_items(demo_sqlite)
    assert {item.type for item in items} == {
        "refill",
        "referral",
        "prior-auth",
        "follow-up",
    }
    for item in items:
        assert decode_details(item.type, encode_details(item.details)) == item.details
    unclaimed = next(item for item in items if item.owner is None)
    assert unclaimed.item_id is not None
    mia = staff_id(demo_sqlite, "mia")
    before = _events(demo_sqlite, "worklist_item")
    claimed = claim_item(Move(demo_sqlite, mia, CLINIC_NOW), unclaimed.item_id)
    assert claimed.owner is not None
    assert claimed.owner.staff_id == mia
    assert _events(demo_sqlite, "worklist_item") == before + 1
    exam_1 = next(room for room in room_board(demo_sqlite) if room.name == "Exam 1")
    assert exam_1.room_id is not None
    provider_done(demo_sqlite, exam_1.room_id, at=CLINIC_NOW, staff_id=mia)
    assert _events(demo_sqlite, "room") == 1


def test_a_load_is_read_released_and_its_pack_used_for_a_patient(demo_sqlite: Engine) -> None:
    jorge = staff_id(demo_sqlite, "jorge")
    new = new_load(
        number=2001,
        sterilizer="Autoclave A",
        cycle_number=3001,
        cycle_type=CycleType.PREVACUUM,
        started_at=CLINIC_NOW - timedelta(hours=1),
        temperature_c=Decimal("132.0"),
        pressure_kpa=Decimal("206.8"),
        exposure_minutes=4,
        operator="Jorge Castillo",
        packs=[("suture removal kit", False)],
        biological_indicator=False,
    )
    add_load(demo_sqlite, new, at=CLINIC_NOW, staff_id=jorge)
    with pytest.raises(Conflict, match="read the chemical indicator"):
        release_load(demo_sqlite, 2001, at=CLINIC_NOW, staff_id=jorge)
    record_chemical(demo_sqlite, 2001, Reading.PASS, at=CLINIC_NOW, staff_id=jorge)
    released = release_load(demo_sqlite, 2001, at=CLINIC_NOW, staff_id=jorge)
    assert released.released_by == "Jorge Castillo"
    with Session(demo_sqlite) as session:
        dana = session.exec(select(Patient.id).where(Patient.mrn == "1000105")).one()
    assert dana is not None
    use_pack(
        demo_sqlite,
        PackLabel(2001, 1),
        patient_id=dana,
        procedure="suture removal",
        by="Mia Sorensen",
        at=CLINIC_NOW,
        staff_id=jorge,
    )
    log = sterilization_log(demo_sqlite)
    assert [u.patient_name for u in log.uses if u.label.load == 2001] == ["Dana Whitfield"]
    with pytest.raises(Conflict, match="already opened for Dana Whitfield"):
        use_pack(
            demo_sqlite,
            PackLabel(2001, 1),
            patient_id=dana,
            procedure="again",
            by="Mia Sorensen",
            at=CLINIC_NOW,
            staff_id=jorge,
        )
    assert _events(demo_sqlite, "sterilizer_load") == 4  # added, read, released, used
