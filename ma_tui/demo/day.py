"""The day the demo is built for, and every time in it.

Scheduled times are local wall-clock times on that day in its time zone; infants'
birth dates move with it (they stay infants); past visits fall on weekdays; each
visit was booked at a fixed point of a sequence, so the same day and zone always
give the same times.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo

from ma_tui.demo.shapes import Person, Visit


@dataclass(frozen=True)
class DemoDay:
    today: date
    tz: tzinfo

    def local(self, day: date, hhmm: str, minutes: int = 0) -> datetime:
        """``minutes`` after the wall-clock time ``hhmm`` of ``day``, in the clinic's zone."""
        hour, minute = (int(part) for part in hhmm.split(":"))
        return datetime.combine(day, time(hour, minute), tzinfo=self.tz) + timedelta(
            minutes=minutes
        )

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
