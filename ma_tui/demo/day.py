"""The day the demo is built for, and every time in it.

Scheduled times are local wall-clock times on that day in its time zone; infants'
birth dates move with it (they stay infants); past visits fall on weekdays; each
visit was booked at a fixed point of a sequence, so the same day and zone always
give the same times.

Built before the day's scene (09:20), today's script is moved earlier so that nothing
has happened after the moment of building: a clock that reads "now" never sees a room,
QC run or status change from its future (``DemoDay.now``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from itertools import pairwise

from ma_tui.demo.shapes import Person, Visit

# Today's script: its first event is after OPENS, its last before SCENE, and its
# schedule ends before CLOSES.
OPENS = time(7, 0)
SCENE = time(9, 20)
CLOSES = time(18, 0)
# How long before the moment of building the moved script's scene falls.
SCENE_LEAD = timedelta(minutes=10)


@dataclass(frozen=True)
class DemoDay:
    """The day built and its zone; ``now``, when given, is the moment of building."""

    today: date
    tz: tzinfo
    now: datetime | None = None

    def local(self, day: date, hhmm: str, minutes: int = 0) -> datetime:
        """``minutes`` after the wall-clock time ``hhmm`` of ``day``, in the clinic's zone
        (today's moved earlier when the demo is built before its scene)."""
        hour, minute = (int(part) for part in hhmm.split(":"))
        at = datetime.combine(day, time(hour, minute), tzinfo=self.tz) + timedelta(minutes=minutes)
        return self._before_now(at)

    def _before_now(self, at: datetime) -> datetime:
        """``at`` moved so that today's scene ends SCENE_LEAD before ``now``.

        Today's script is shifted earlier as one piece (its order and spacing kept);
        only when that would push its start past midnight is the morning squeezed into
        the hours since midnight. Other days, and everything when built after the
        scene, are unchanged.
        """
        start = datetime.combine(self.today, time.min, tzinfo=self.tz)
        end = start + timedelta(days=1)
        scene = datetime.combine(self.today, SCENE, tzinfo=self.tz)
        if self.now is None or not start <= at < end:
            return at
        cap = max(self.now.astimezone(self.tz) - SCENE_LEAD, start + timedelta(minutes=1))
        cap = cap.replace(second=0, microsecond=0)
        if cap >= scene:
            return at
        shift = scene - cap
        opens = datetime.combine(self.today, OPENS, tzinfo=self.tz)
        closes = datetime.combine(self.today, CLOSES, tzinfo=self.tz)
        opens_to = max(opens - shift, start + (cap - start) / 2)
        knots = ((start, start), (opens, opens_to), (scene, cap), (closes, closes - shift))
        return _between((*knots, (end, end)), at)

    def birth_date(self, person: Person) -> date:
        if isinstance(person.born, date):
            return person.born
        return self.today - timedelta(days=person.born)

    def visit_day(self, visit: Visit) -> date:
        if not visit.days_ago:
            return self.today
        return clinic_day(self.today - timedelta(days=visit.days_ago))


def clinic_day(day: date) -> date:
    """The weekday on or before ``day``: past visits fall on days the clinic is open."""
    while day.weekday() >= 5:
        day -= timedelta(days=1)
    return day


class Bookings:
    """When the front desk booked each visit, the n-th booking of the build at a fixed
    point: 1-3 weeks before the visit, in office hours, never before the birth."""

    def __init__(self, day: DemoDay) -> None:
        self._day = day
        self._count = 0

    def booked_at(self, on: date, born: date) -> datetime:
        self._count += 1
        n = self._count
        booked = self._day.local(on - timedelta(days=7 + (n * 5) % 15), "09:00", (n * 37) % 420)
        return max(booked, self._day.local(born, "12:00"))


def _between(knots: tuple[tuple[datetime, datetime], ...], at: datetime) -> datetime:
    """``at`` carried by the piecewise-linear map through ``knots`` (from, to) pairs."""
    for (x0, y0), (x1, y1) in pairwise(knots):
        if x0 <= at <= x1:
            moved = y0 + (at - x0) * ((y1 - y0) / (x1 - x0))
            return moved.replace(second=0, microsecond=0)
    return at
