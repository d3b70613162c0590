"""Follow-up scheduling: the provider's "follow up in 3 months", booked into a free slot.

:func:`parse_interval` reads what the provider asked for (``3 months``, ``f/u 2-3
wks``, ``rtc in six weeks``), :meth:`Interval.window` turns it into the dates it
allows, :func:`check_slot` says what is wrong with a slot (in the past, the clinic
closed, outside its hours, over another of the provider's visits, outside the
window) and :func:`propose_slots` finds the first free ones, nearest the target
day first. The schedule is a list of booked slots (start, minutes, provider), as
the queue's visits give them; the hours come from ``data/catalogs/clinic_hours.json``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta, tzinfo
from enum import StrEnum

from ma_tui.core.errors import Conflict, InvalidInput
from ma_tui.data.catalogs.clinic_hours import ClinicHours
from ma_tui.worklist.items import (
    Actor,
    ItemType,
    PatientRef,
    Status,
    WorkItem,
    move,
    new_item,
    update_details,
)
from ma_tui.worklist.months import add_months

MAX_TEXT = 60
SLOT_STEP_MINUTES = 15
VISIT_MINUTES_MIN, VISIT_MINUTES_MAX = 5, 240
INTERVAL_FORMS = "3 months, 2 weeks, 10 days, 1 year or a range such as 3-4 weeks"


class Unit(StrEnum):
    DAYS = "days"
    WEEKS = "weeks"
    MONTHS = "months"
    YEARS = "years"


_UNIT_WORDS = {
    **dict.fromkeys(("d", "day", "days", "dy", "dys"), Unit.DAYS),
    **dict.fromkeys(("w", "wk", "wks", "week", "weeks"), Unit.WEEKS),
    **dict.fromkeys(("m", "mo", "mos", "mon", "mons", "month", "months"), Unit.MONTHS),
    **dict.fromkeys(("y", "yr", "yrs", "year", "years"), Unit.YEARS),
}
_NUMBER_WORDS = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
    "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12,
}  # fmt: skip
# The most of each unit a follow-up may be asked for: about five years.
_MOST = {Unit.DAYS: 365, Unit.WEEKS: 104, Unit.MONTHS: 60, Unit.YEARS: 5}
# How far either side of a single interval a visit is still "in 3 months".
_SLACK_DAYS = {Unit.DAYS: 1, Unit.WEEKS: 3, Unit.MONTHS: 7, Unit.YEARS: 14}
_LEAD = re.compile(
    r"^(?:(?:please\s+)?(?:follow[\s-]*up|f/u|fu|rtc|return(?:\s+to\s+clinic)?|recheck|"
    r"see\s+(?:back|again)|come\s+back)\b[\s:,-]*)?(?:in\s+)?"
)
_AMOUNT = r"([0-9]{1,3}|[a-z]+\b)"  # a word amount ends at its word's end
_BODY = re.compile(rf"{_AMOUNT}(?:\s*(?:-|–|to)\s*{_AMOUNT})?\s*([a-z]+)\.?")


@dataclass(frozen=True, slots=True)
class DateWindow:
    earliest: date
    target: date
    latest: date

    def holds(self, day: date) -> bool:
        return self.earliest <= day <= self.latest

    @property
    def text(self) -> str:
        return f"{self.earliest.isoformat()} to {self.latest.isoformat()}"


@dataclass(frozen=True, slots=True)
class Interval:
    low: int
    high: int
    unit: Unit

    @property
    def text(self) -> str:
        amount = str(self.low) if self.low == self.high else f"{self.low}-{self.high}"
        unit = self.unit.value[:-1] if self.high == 1 else self.unit.value
        return f"{amount} {unit}"

    def window(self, ordered_on: date) -> DateWindow:
        """The days this request allows, counted from the day it was ordered.

        A range (``3-4 weeks``) allows exactly its span; a single interval allows a
        few days either side: 1 for days, 3 for weeks, 7 for months, 14 for years.
        Never the order day itself.
        """
        earliest = _after(ordered_on, self.low, self.unit)
        latest = _after(ordered_on, self.high, self.unit)
        target = earliest
        if self.low == self.high:
            slack = _SLACK_DAYS[self.unit]
            earliest, latest = _clamped_add(target, -slack), _clamped_add(target, slack)
        first = _clamped_add(ordered_on, 1)
        return DateWindow(max(earliest, first), max(target, first), max(latest, first))


def _after(day: date, amount: int, unit: Unit) -> date:
    if unit is Unit.MONTHS:
        return add_months(day, amount)
    if unit is Unit.YEARS:
        return add_months(day, 12 * amount)
    days = amount * (7 if unit is Unit.WEEKS else 1)
    return _clamped_add(day, days)


def _clamped_add(day: date, days: int) -> date:
    try:
        return day + timedelta(days=days)
    except OverflowError:
        return date.max if days > 0 else date.min


def parse_interval(text: str) -> Interval:
    """What the provider asked for, as an interval; a clear refusal otherwise."""
    typed = " ".join(text.casefold().split())
    if not typed or len(typed) > MAX_TEXT:
        raise InvalidInput(f"type when to follow up: {INTERVAL_FORMS}")
    body = _LEAD.sub("", typed, count=1).strip()
    match = _BODY.fullmatch(body)
    if match is None:
        raise InvalidInput(f"{text.strip()!r}: not an interval; use {INTERVAL_FORMS}")
    low_text, high_text, unit_text = match.groups()
    unit = _UNIT_WORDS.get(unit_text)
    if unit is None:
        raise InvalidInput(f"{unit_text!r} is not days, weeks, months or years")
    low = _amount(low_text)
    high = _amount(high_text) if high_text is not None else low
    if low < 1 or high < low:
        raise InvalidInput("the interval must be at least 1, and a range must go up")
    if high > _MOST[unit]:
        raise InvalidInput(f"at most {_MOST[unit]} {unit.value}; is that right?")
    return Interval(low, high, unit)


def _amount(text: str) -> int:
    if text.isdigit() and text.isascii():
        return int(text)
    if text in _NUMBER_WORDS:
        return _NUMBER_WORDS[text]
    raise InvalidInput(f"{text!r} is not a number")


# ------------------------------------------------------------------ slots


@dataclass(frozen=True, slots=True)
class BookedSlot:
    start: datetime  # aware
    minutes: int
    provider_id: int
    label: str = ""  # who is booked, for a conflict message

    @property
    def end(self) -> datetime:
        return self.start + timedelta(minutes=self.minutes)

    def overlaps(self, other: BookedSlot) -> bool:
        return (
            self.provider_id == other.provider_id
            and self.start < other.end
            and other.start < self.end
        )


class ProblemKind(StrEnum):
    PAST = "past"
    CLOSED = "closed"
    OUTSIDE_HOURS = "outside-hours"
    OVERLAP = "overlap"
    OUTSIDE_WINDOW = "outside-window"


# A slot with one of these cannot be booked; outside the window only needs a yes.
HARD_PROBLEMS = frozenset({ProblemKind.PAST, ProblemKind.CLOSED, ProblemKind.OUTSIDE_HOURS,
                           ProblemKind.OVERLAP})  # fmt: skip


@dataclass(frozen=True, slots=True)
class SlotProblem:
    kind: ProblemKind
    text: str


def check_slot(
    slot: BookedSlot,
    schedule: Sequence[BookedSlot],
    hours: ClinicHours,
    tz: tzinfo,
    now: datetime,
    window: DateWindow | None = None,
) -> tuple[SlotProblem, ...]:
    """Everything wrong with booking ``slot``; none means it is free and fits."""
    if not VISIT_MINUTES_MIN <= slot.minutes <= VISIT_MINUTES_MAX:
        raise InvalidInput(f"a visit lasts {VISIT_MINUTES_MIN} to {VISIT_MINUTES_MAX} minutes")
    local = slot.start.astimezone(tz)
    local_end = slot.end.astimezone(tz)
    found: list[SlotProblem] = []
    if slot.start < now:
        found.append(SlotProblem(ProblemKind.PAST, "that time has passed"))
    day = local.date()
    spans = hours.spans_on(day)
    if not spans:
        why = hours.closed.get(day, day.strftime("%A"))
        found.append(SlotProblem(ProblemKind.CLOSED, f"the clinic is closed {day}: {why}"))
    elif local_end.date() != day or not any(
        s.opens <= local.time() and local_end.time() <= s.closes for s in spans
    ):
        open_text = ", ".join(f"{s.opens:%H:%M}-{s.closes:%H:%M}" for s in spans)
        found.append(SlotProblem(ProblemKind.OUTSIDE_HOURS, f"outside hours ({open_text})"))
    for other in schedule:
        if slot.overlaps(other):
            who = f" {other.label}" if other.label else ""
            when = f"{other.start.astimezone(tz):%H:%M}-{other.end.astimezone(tz):%H:%M}"
            found.append(SlotProblem(ProblemKind.OVERLAP, f"overlaps{who} {when}"))
    if window is not None and not window.holds(day):
        side = "before" if day < window.earliest else "after"
        found.append(SlotProblem(ProblemKind.OUTSIDE_WINDOW, f"{side} the requested {window.text}"))
    return tuple(found)


def propose_slots(
    window: DateWindow,
    provider_id: int,
    minutes: int,
    schedule: Sequence[BookedSlot],
    hours: ClinicHours,
    tz: tzinfo,
    now: datetime,
    *,
    count: int = 3,
    step_minutes: int = SLOT_STEP_MINUTES,
) -> list[BookedSlot]:
    """The first ``count`` free slots in the window, from the target day outwards."""
    found: list[BookedSlot] = []
    for day in _days_from_target(window):
        for span in hours.spans_on(day):
            start = datetime.combine(day, span.opens, tzinfo=tz)
            closes = datetime.combine(day, span.closes, tzinfo=tz)
            while start + timedelta(minutes=minutes) <= closes:
                slot = BookedSlot(start, minutes, provider_id)
                if start >= now and not any(slot.overlaps(other) for other in schedule):
                    found.append(slot)
                    if len(found) == count:
                        return found
                start += timedelta(minutes=step_minutes)
    return found


def _days_from_target(window: DateWindow) -> Iterator[date]:
    """target, target+1, target-1, target+2, ... inside the window."""
    yield window.target
    for offset in range(1, (window.latest - window.earliest).days + 1):
        for day in (
            _clamped_add(window.target, offset),
            _clamped_add(window.target, -offset),
        ):
            if window.holds(day) and day != window.target:
                yield day


# ------------------------------------------------------------------ the item


@dataclass(frozen=True, slots=True)
class FollowUp:
    request: str  # as the provider put it: "follow up in 3 months"
    interval: Interval
    ordered_on: date
    provider_id: int
    provider_name: str
    minutes: int = 20
    reason: str = ""
    booked: BookedSlot | None = None

    @property
    def window(self) -> DateWindow:
        return self.interval.window(self.ordered_on)

    def refusal(self, to: Status) -> str | None:
        if to is Status.BOOKED and self.booked is None:
            return "choose a slot first"
        return None


def new_follow_up(
    patient: PatientRef, follow_up: FollowUp, *, due: datetime, at: datetime, by: Actor
) -> WorkItem[FollowUp]:
    if not VISIT_MINUTES_MIN <= follow_up.minutes <= VISIT_MINUTES_MAX:
        raise InvalidInput(f"a visit lasts {VISIT_MINUTES_MIN} to {VISIT_MINUTES_MAX} minutes")
    if follow_up.booked is not None:
        raise InvalidInput("a new follow-up is not booked yet")
    note = f"{follow_up.interval.text} with {follow_up.provider_name}"
    return new_item(ItemType.FOLLOW_UP, patient, follow_up, due=due, at=at, by=by, note=note)


def book(
    item: WorkItem[FollowUp],
    start: datetime,
    schedule: Sequence[BookedSlot],
    hours: ClinicHours,
    tz: tzinfo,
    *,
    by: Actor,
    at: datetime,
    outside_window_ok: bool = False,
) -> WorkItem[FollowUp]:
    """Book (or move) the follow-up at ``start``; refused when the slot is not free.

    A slot outside the requested window is booked only when the MA says so
    (``outside_window_ok``), and the history says it was.
    """
    follow_up = item.details
    slot = BookedSlot(start, follow_up.minutes, follow_up.provider_id, item.patient.name)
    others = [s for s in schedule if s != follow_up.booked]
    problems = check_slot(slot, others, hours, tz, at, follow_up.window)
    hard = [p.text for p in problems if p.kind in HARD_PROBLEMS]
    if hard:
        raise Conflict("; ".join(hard))
    outside = [p.text for p in problems if p.kind is ProblemKind.OUTSIDE_WINDOW]
    if outside and not outside_window_ok:
        raise Conflict(outside[0] + ": book it anyway?")
    note = f"{start.astimezone(tz):%Y-%m-%d %H:%M} with {follow_up.provider_name}"
    if outside:
        note += f" ({outside[0]})"
    details = replace(follow_up, booked=slot)
    if item.status is Status.BOOKED:
        return update_details(item, details, by, at, note="moved to " + note)
    return move(replace(item, details=details), Status.BOOKED, by, at, note=note)
