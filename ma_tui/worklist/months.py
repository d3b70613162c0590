"""Calendar months, as protocols and providers count them ("within 12 months", "in 3 months")."""

from __future__ import annotations

import calendar
from datetime import date


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later (or earlier, if negative); the 31st of a shorter
    month becomes its last day. Dates outside the calendar stay at its ends."""
    index = day.year * 12 + (day.month - 1) + months
    year, month = divmod(index, 12)
    if year < date.min.year:
        return date.min
    if year > date.max.year:
        return date.max
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last))


def within_months(earlier: date, today: date, months: int) -> bool:
    """Whether ``earlier`` is no more than ``months`` calendar months before ``today``."""
    return add_months(today, -months) <= earlier <= today
