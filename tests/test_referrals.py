"""Referrals: the loop closes only when the consult note is back; alerts at 7 and 14 days."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ma_tui.core.errors import Conflict, InvalidInput
from ma_tui.worklist.fhir import REFERRAL_CATEGORY, TASK_CODE, resources
from ma_tui.worklist.items import Actor, PatientRef, StaffRole, Status, WorkItem, claim, close
from ma_tui.worklist.referrals import (
    Referral,
    Urgency,
    loop_alert,
    new_referral,
    record_appointment,
    record_consult_note,
    record_sent,
)
from tests.fhir_checks import SUBJECT, assert_valid, ids

TZ = ZoneInfo("America/Chicago")
ORDERED = date(2026, 11, 2)
T0 = datetime(2026, 11, 2, 10, 0, tzinfo=TZ)
MARIA = Actor(1, "Maria Lopez", StaffRole.MA)
DANA = PatientRef(1, "Dana Whitfield")


def _referral(**changes: Any) -> Referral:
    fields: dict[str, Any] = {
        "specialist": "Dr. Amal Reyes, North Cardiology",
        "specialty": "cardiology",
        "reason": "exertional chest pressure, abnormal ECG",
        "urgency": Urgency.URGENT,
        "ordered_on": ORDERED,
        **changes,
    }
    return Referral(**fields)


def _at(days: int) -> datetime:
    return T0 + timedelta(days=days)


def _sent() -> WorkItem[Referral]:
    item = claim(new_referral(DANA, _referral(), due=_at(3), at=T0, by=MARIA), MARIA, _at(0))
    return record_sent(item, ("referral letter", "ECG", " "), ORDERED, MARIA, _at(0))


def test_a_referral_loop_closes_when_the_note_is_back() -> None:
    sent = _sent()
    assert sent.status is Status.SENT
    assert [d.name for d in sent.details.documents] == ["referral letter", "ECG"]
    scheduled = record_appointment(sent, date(2026, 11, 12), MARIA, _at(2))
    assert scheduled.status is Status.SCHEDULED
    with pytest.raises(Conflict, match="consult note is back"):
        close(scheduled, MARIA, _at(3))
    closed = record_consult_note(scheduled, date(2026, 11, 16), MARIA, _at(14))
    assert closed.status is Status.CLOSED
    assert closed.last_event.note == "consult note received 2026-11-16"
    assert loop_alert(closed.details, date(2026, 12, 30)) is None


def test_an_appointment_can_move_and_a_note_needs_the_referral_sent() -> None:
    scheduled = record_appointment(_sent(), date(2026, 11, 12), MARIA, _at(2))
    moved = record_appointment(scheduled, date(2026, 11, 19), MARIA, _at(3))
    assert (moved.status, moved.details.appointment_on) == (Status.SCHEDULED, date(2026, 11, 19))
    assert moved.last_event.note == "moved to appointment 2026-11-19"
    unsent = new_referral(DANA, _referral(), due=_at(3), at=T0, by=MARIA)
    with pytest.raises(Conflict, match="went out first"):
        record_consult_note(unsent, ORDERED, MARIA, _at(1))
    with pytest.raises(InvalidInput, match="before the referral went out"):
        record_appointment(_sent(), date(2026, 11, 1), MARIA, _at(1))


def test_an_overdue_referral_alerts_at_7_and_14_days_without_an_appointment() -> None:
    referral = _sent().details
    assert loop_alert(referral, ORDERED + timedelta(days=6)) is None
    seven = loop_alert(referral, ORDERED + timedelta(days=7))
    assert seven is not None
    assert seven.days == 7
    assert seven.text == "7 days without an appointment (since 2026-11-02)"
    fourteen = loop_alert(referral, ORDERED + timedelta(days=20))
    assert fourteen is not None
    assert (fourteen.days, fourteen.elapsed) == (14, 20)


def test_after_the_appointment_the_clock_waits_for_the_note() -> None:
    referral = record_appointment(_sent(), date(2026, 11, 12), MARIA, _at(2)).details
    assert loop_alert(referral, date(2026, 11, 11)) is None  # still ahead
    assert loop_alert(referral, date(2026, 11, 18)) is None  # 6 days after
    alert = loop_alert(referral, date(2026, 11, 26))
    assert alert is not None
    assert alert.days == 14
    assert alert.waiting_for == "the consult note"


def test_an_unsent_referral_counts_from_its_order() -> None:
    alert = loop_alert(_referral(), ORDERED + timedelta(days=8))
    assert alert is not None
    assert alert.since == ORDERED


def test_a_referral_needs_whom_what_and_why() -> None:
    with pytest.raises(InvalidInput, match="give the specialist"):
        new_referral(DANA, _referral(specialist=""), due=_at(3), at=T0, by=MARIA)
    with pytest.raises(InvalidInput, match="not been sent"):
        new_referral(DANA, _referral(sent_on=ORDERED), due=_at(3), at=T0, by=MARIA)
    item = claim(new_referral(DANA, _referral(), due=_at(3), at=T0, by=MARIA), MARIA, _at(0))
    with pytest.raises(InvalidInput, match="at least the referral letter"):
        record_sent(item, (" ",), ORDERED, MARIA, _at(0))
    with pytest.raises(InvalidInput, match="before it was ordered"):
        record_sent(item, ("letter",), date(2026, 11, 1), MARIA, _at(0))


@given(
    sent=st.none() | st.dates(),
    appointment=st.none() | st.dates(),
    note=st.none() | st.dates(),
    today=st.dates(),
)
def test_the_alert_is_always_7_14_or_none(
    sent: date | None, appointment: date | None, note: date | None, today: date
) -> None:
    referral = _referral(sent_on=sent, appointment_on=appointment, note_received_on=note)
    alert = loop_alert(referral, today)
    if alert is not None:
        assert alert.days in (7, 14)
        assert alert.elapsed >= alert.days
        assert note is None


# ------------------------------------------------------------------ FHIR


def test_a_referral_is_a_service_request_tracked_by_a_task() -> None:
    scheduled = record_appointment(_sent(), date(2026, 11, 12), MARIA, _at(2))
    request, task = resources(scheduled, subject=SUBJECT, clinic={"display": "c"}, new_id=ids())
    assert_valid([request, task])
    assert request["category"][0]["coding"] == [REFERRAL_CATEGORY]
    assert (request["status"], request["intent"], request["priority"]) == (
        "active",
        "order",
        "urgent",
    )
    assert request["performer"] == [{"display": "Dr. Amal Reyes, North Cardiology"}]
    assert request["occurrenceDateTime"] == "2026-11-12"
    assert task["code"]["coding"][0] == {"system": TASK_CODE, "code": "fulfill"}
    assert task["priority"] == "urgent"
    assert task["restriction"] == {"period": {"end": "2026-11-05T10:00:00-06:00"}}
    assert [i["valueString"] for i in task["input"]] == [
        "referral letter (2026-11-02)",
        "ECG (2026-11-02)",
    ]


def test_a_closed_referral_is_completed() -> None:
    closed = record_consult_note(_sent(), date(2026, 11, 16), MARIA, _at(14))
    request, task = resources(closed, subject=SUBJECT, clinic={"display": "c"}, new_id=ids())
    assert_valid([request, task])
    assert (request["status"], task["status"]) == ("completed", "completed")
