"""Follow-ups: the provider's interval read, its window, a slot checked and proposed, booked."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ma_tui.core.errors import Conflict, InvalidInput
from ma_tui.data.catalogs import CatalogError, strict
from ma_tui.data.catalogs.clinic_hours import CATALOG, clinic_hours
from ma_tui.worklist.fhir import resources
from ma_tui.worklist.followup import (
    BookedSlot,
    DateWindow,
    FollowUp,
    Interval,
    ProblemKind,
    Unit,
    book,
    check_slot,
    new_follow_up,
    parse_interval,
    propose_slots,
)
from ma_tui.worklist.items import Actor, PatientRef, StaffRole, Status, WorkItem, claim
from tests.fhir_checks import SUBJECT, assert_valid, ids

TZ = ZoneInfo("America/Chicago")
NOW = datetime(2026, 11, 23, 9, 20, tzinfo=TZ)  # a Monday
MARIA = Actor(1, "Maria Lopez", StaffRole.MA)
DANA = PatientRef(1, "Dana Whitfield")
DR_CHEN = 10


def _at(day: date, hh: int, mm: int = 0) -> datetime:
    return datetime.combine(day, time(hh, mm), tzinfo=TZ)


# ------------------------------------------------------------------ the interval


@pytest.mark.parametrize(
    ("typed", "interval"),
    [
        ("follow up in 3 months", Interval(3, 3, Unit.MONTHS)),
        ("2 weeks", Interval(2, 2, Unit.WEEKS)),
        ("F/U 3-4 wks", Interval(3, 4, Unit.WEEKS)),
        ("rtc in six weeks", Interval(6, 6, Unit.WEEKS)),
        ("return to clinic 1 yr", Interval(1, 1, Unit.YEARS)),
        ("3m", Interval(3, 3, Unit.MONTHS)),
        ("10 days.", Interval(10, 10, Unit.DAYS)),
        ("Follow-up: 1 to 2 weeks", Interval(1, 2, Unit.WEEKS)),
        ("in a month", Interval(1, 1, Unit.MONTHS)),
    ],
)
def test_the_providers_words_are_read(typed: str, interval: Interval) -> None:
    assert parse_interval(typed) == interval


@pytest.mark.parametrize(
    ("typed", "why"),
    [
        ("", "type when"),
        ("soon", "not an interval"),
        ("3 fortnights", "not days, weeks"),
        ("4-3 weeks", "must go up"),
        ("0 days", "at least 1"),
        ("70 months", "at most 60"),
        ("many weeks", "not a number"),
    ],
)
def test_what_is_not_an_interval_is_refused_with_why(typed: str, why: str) -> None:
    with pytest.raises(InvalidInput, match=why):
        parse_interval(typed)


@given(st.text(max_size=70))
def test_any_text_is_an_interval_or_a_refusal(text: str) -> None:
    try:
        interval = parse_interval(text)
    except InvalidInput as refusal:
        assert str(refusal)
    else:
        assert 1 <= interval.low <= interval.high
        assert parse_interval(interval.text) == interval


def test_the_window_around_the_request() -> None:
    ordered = date(2026, 11, 23)
    three_months = parse_interval("3 months").window(ordered)
    assert three_months == DateWindow(date(2027, 2, 16), date(2027, 2, 23), date(2027, 3, 2))
    ranged = parse_interval("3-4 weeks").window(ordered)
    assert (ranged.earliest, ranged.latest) == (date(2026, 12, 14), date(2026, 12, 21))
    tomorrow = parse_interval("1 day").window(ordered)
    assert tomorrow.earliest == date(2026, 11, 24)


@given(st.builds(Interval, st.integers(1, 12), st.integers(12, 60), st.sampled_from(list(Unit))),
       st.dates())  # fmt: skip
def test_a_window_is_ordered_and_after_the_order(interval: Interval, ordered: date) -> None:
    window = interval.window(ordered)
    assert window.earliest <= window.target <= window.latest
    assert window.earliest > ordered or ordered == date.max


# ------------------------------------------------------------------ slots


SCHEDULE = (
    BookedSlot(_at(date(2026, 12, 7), 9, 0), 20, DR_CHEN, "Omar Haddad"),
    BookedSlot(_at(date(2026, 12, 7), 9, 20), 40, DR_CHEN, "Ruth Alvarez"),
    BookedSlot(_at(date(2026, 12, 7), 10, 0), 20, 11, "other provider's patient"),
)


def _problems(start: datetime, window: DateWindow | None = None) -> list[ProblemKind]:
    slot = BookedSlot(start, 20, DR_CHEN)
    return [p.kind for p in check_slot(slot, SCHEDULE, clinic_hours(), TZ, NOW, window)]


def test_a_free_slot_in_hours_has_no_problem() -> None:
    assert _problems(_at(date(2026, 12, 7), 10, 0)) == []  # the other provider is busy


def test_a_conflicting_slot_says_with_whom() -> None:
    slot = BookedSlot(_at(date(2026, 12, 7), 9, 10), 20, DR_CHEN)
    problems = check_slot(slot, SCHEDULE, clinic_hours(), TZ, NOW)
    assert [p.text for p in problems] == [
        "overlaps Omar Haddad 09:00-09:20",
        "overlaps Ruth Alvarez 09:20-10:00",
    ]


def test_closed_days_hours_lunch_and_the_past() -> None:
    assert _problems(_at(date(2026, 11, 26), 9)) == [ProblemKind.CLOSED]  # Thanksgiving
    assert _problems(_at(date(2026, 12, 5), 9)) == [ProblemKind.CLOSED]  # a Saturday
    assert _problems(_at(date(2026, 12, 8), 11, 50)) == [ProblemKind.OUTSIDE_HOURS]  # lunch
    assert _problems(_at(date(2026, 12, 8), 7, 30)) == [ProblemKind.OUTSIDE_HOURS]
    assert _problems(_at(date(2026, 12, 11), 15, 50)) == [ProblemKind.OUTSIDE_HOURS]  # Friday
    assert _problems(_at(date(2026, 11, 23), 8, 0)) == [ProblemKind.PAST]
    closed = check_slot(
        BookedSlot(_at(date(2026, 11, 26), 9), 20, DR_CHEN), (), clinic_hours(), TZ, NOW
    )
    assert closed[0].text == "the clinic is closed 2026-11-26: Thanksgiving Day"


def test_outside_the_requested_window() -> None:
    window = parse_interval("2 weeks").window(NOW.date())
    assert _problems(_at(date(2026, 12, 1), 9), window) == [ProblemKind.OUTSIDE_WINDOW]
    assert _problems(_at(date(2026, 12, 7), 10, 0), window) == []


def test_slots_are_proposed_nearest_the_target_and_free() -> None:
    window = parse_interval("2 weeks").window(NOW.date())  # target Monday 12/7
    slots = propose_slots(window, DR_CHEN, 20, SCHEDULE, clinic_hours(), TZ, NOW, count=2)
    assert [s.start for s in slots] == [_at(date(2026, 12, 7), 8, 0), _at(date(2026, 12, 7), 8, 15)]
    busy_morning = (*SCHEDULE, BookedSlot(_at(date(2026, 12, 7), 8, 0), 60, DR_CHEN))
    first = propose_slots(window, DR_CHEN, 20, busy_morning, clinic_hours(), TZ, NOW, count=1)
    assert first[0].start == _at(date(2026, 12, 7), 10, 0)


def test_no_slot_is_proposed_when_the_window_is_closed() -> None:
    holiday = DateWindow(date(2026, 11, 26), date(2026, 11, 26), date(2026, 11, 26))
    assert propose_slots(holiday, DR_CHEN, 20, (), clinic_hours(), TZ, NOW) == []


@given(
    day=st.dates(date(2026, 11, 20), date(2027, 3, 1)),
    minutes=st.integers(5, 240),
    hour=st.integers(0, 23),
    quarter=st.integers(0, 3),
)
def test_a_proposed_slot_has_no_problem(day: date, minutes: int, hour: int, quarter: int) -> None:
    window = DateWindow(day, day, day + timedelta(days=3))
    schedule = (BookedSlot(_at(day, hour, quarter * 15), 30, DR_CHEN),)
    for slot in propose_slots(window, DR_CHEN, minutes, schedule, clinic_hours(), TZ, NOW):
        assert check_slot(slot, schedule, clinic_hours(), TZ, NOW, window) == ()


# ------------------------------------------------------------------ booking


def _follow_up() -> WorkItem[FollowUp]:
    follow_up = FollowUp(
        request="follow up in 2 weeks",
        interval=parse_interval("follow up in 2 weeks"),
        ordered_on=NOW.date(),
        provider_id=DR_CHEN,
        provider_name="Dr. Lee Chen",
    )
    item = new_follow_up(DANA, follow_up, due=NOW + timedelta(days=1), at=NOW, by=MARIA)
    return claim(item, MARIA, NOW)


def test_a_follow_up_is_booked() -> None:
    booked = book(
        _follow_up(), _at(date(2026, 12, 7), 10, 0), SCHEDULE, clinic_hours(), TZ, by=MARIA, at=NOW
    )
    assert booked.status is Status.BOOKED
    assert booked.details.booked == BookedSlot(
        _at(date(2026, 12, 7), 10, 0), 20, DR_CHEN, "Dana Whitfield"
    )
    assert booked.last_event.note == "2026-12-07 10:00 with Dr. Lee Chen"
    moved = book(
        booked, _at(date(2026, 12, 8), 9, 0), SCHEDULE, clinic_hours(), TZ, by=MARIA, at=NOW
    )
    assert moved.status is Status.BOOKED
    assert moved.last_event.note.startswith("moved to 2026-12-08 09:00")


def test_a_conflicting_follow_up_is_refused_with_the_conflict() -> None:
    with pytest.raises(Conflict, match="overlaps Omar Haddad 09:00-09:20"):
        book(_follow_up(), _at(date(2026, 12, 7), 9, 0), SCHEDULE, clinic_hours(), TZ,
             by=MARIA, at=NOW)  # fmt: skip


def test_outside_the_window_only_when_the_ma_says_so() -> None:
    start = _at(date(2026, 12, 1), 9, 0)
    with pytest.raises(Conflict, match="book it anyway"):
        book(_follow_up(), start, SCHEDULE, clinic_hours(), TZ, by=MARIA, at=NOW)
    booked = book(
        _follow_up(), start, SCHEDULE, clinic_hours(), TZ, by=MARIA, at=NOW, outside_window_ok=True
    )
    assert "before the requested" in booked.last_event.note


# ------------------------------------------------------------------ the hours catalog


@pytest.fixture
def edited(tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Any]]:
    document: dict[str, Any] = json.loads((strict.CATALOG_DIR / CATALOG).read_text("utf-8"))
    monkeypatch.setattr(strict, "CATALOG_DIR", tmp_path)
    clinic_hours.cache_clear()
    yield document
    clinic_hours.cache_clear()


def _load(document: dict[str, Any]) -> None:
    (strict.CATALOG_DIR / CATALOG).write_text(json.dumps(document), "utf-8")
    clinic_hours.cache_clear()
    clinic_hours()


def test_the_unedited_hours_load(edited: dict[str, Any]) -> None:
    _load(edited)


@pytest.mark.parametrize(
    ("span", "why"),
    [
        (["13:00", "12:00"], "close after it opens"),
        (["8:00", "12:00"], "not a time HH:MM"),
        (["11:00", "14:00"], "start after the span before"),
        (["14:00"], "opening then closing"),
    ],
)
def test_bad_hours_are_refused(edited: dict[str, Any], span: list[str], why: str) -> None:
    edited["weekly"]["mon"] = [["08:00", "12:00"], span] if why.startswith("start") else [span]
    with pytest.raises(CatalogError, match=why):
        _load(edited)


def test_a_holiday_given_twice_is_refused(edited: dict[str, Any]) -> None:
    edited["closed"].append(edited["closed"][0])
    with pytest.raises(CatalogError, match="repeats the date"):
        _load(edited)


# ------------------------------------------------------------------ FHIR


def test_a_booked_follow_up_is_an_order_a_task_and_an_appointment() -> None:
    booked = book(
        _follow_up(), _at(date(2026, 12, 7), 10, 0), SCHEDULE, clinic_hours(), TZ, by=MARIA, at=NOW
    )
    order, task, appointment = resources(
        booked, subject=SUBJECT, clinic={"display": "c"}, new_id=ids()
    )
    assert_valid([order, task, appointment])
    assert order["occurrencePeriod"] == {"start": "2026-12-04", "end": "2026-12-10"}
    assert order["note"] == [{"text": "follow up in 2 weeks"}]
    assert task["code"]["coding"][0]["code"] == "fulfill"
    assert (appointment["status"], appointment["minutesDuration"]) == ("booked", 20)
    assert appointment["start"] == "2026-12-07T10:00:00-06:00"
    assert appointment["basedOn"] == [{"reference": f"urn:uuid:{order['id']}"}]


def test_an_unbooked_follow_up_has_no_appointment() -> None:
    exported = resources(_follow_up(), subject=SUBJECT, clinic={"display": "c"}, new_id=ids())
    assert [r["resourceType"] for r in exported] == ["ServiceRequest", "Task"]
    assert_valid(exported)
