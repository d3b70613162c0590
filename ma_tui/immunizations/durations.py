"""Ages and intervals as schedules write them: ``0d``, ``6w``, ``2m``, ``4y``.

Dates are added the way CDC's CDSi logic specification adds them: years and months
on the calendar, weeks and days as days; a day that does not exist in the
resulting month (31 January + 1 month) becomes the first day of the next month
(1 March), never silently the last day of the short month.
"""

from __future__ import annotations

import calendar
import re
from datetime import date, timedelta

_DURATION = re.compile(r"(?P<n>[0-9]{1,3})(?P<unit>[dwmy])")
UNIT_WORDS = {"d": "day", "w": "week", "m": "month", "y": "year"}


def parse_duration(text: str) -> tuple[int, str]:
    match = _DURATION.fullmatch(text)
    if match is None:
        raise ValueError(f"{text!r} is not a duration like 6w, 2m or 10y")
    return int(match["n"]), match["unit"]


def add_duration(start: date, text: str) -> date:
    """``start`` plus the duration, by the CDSi rule for dates that do not exist."""
    count, unit = parse_duration(text)
    if unit == "d":
        return start + timedelta(days=count)
    if unit == "w":
        return start + timedelta(weeks=count)
    months = count * 12 if unit == "y" else count
    month_index = start.month - 1 + months
    year, month = start.year + month_index // 12, month_index % 12 + 1
    if start.day <= calendar.monthrange(year, month)[1]:
        return date(year, month, start.day)
    return date(year, month, 1) + timedelta(days=calendar.monthrange(year, month)[1])


def describe(text: str) -> str:
    """``2 months``, ``1 year``, ``birth``: a duration in words for a reason text."""
    count, unit = parse_duration(text)
    if count == 0:
        return "birth"
    word = UNIT_WORDS[unit]
    return f"{count} {word}" + ("s" if count != 1 else "")


def age_reached(birth: date, text: str, on: date) -> bool:
    """Whether someone born on ``birth`` is at least this age on ``on``."""
    return on >= add_duration(birth, text)
