"""Days and times as the MA types them on the worklist: ``today``, ``+14``, ``12/10``, ``10:30``."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta, tzinfo

from ma_tui.core.errors import InvalidInput

DAY_FORMS = "today, +7 (days from today), 12/10, 12/10/2026 or 2026-12-10"
_PLUS = re.compile(r"\+([0-9]{1,3})")
_US = re.compile(r"([0-9]{1,2})/([0-9]{1,2})(?:/([0-9]{4}))?")
_ISO = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")
_TIME = re.compile(r"([0-9]{1,2}):?([0-9]{2})")


def parse_day(text: str, today: date) -> date:
    """A day typed short; ``12/10`` without a year is the next 12/10 from a month ago."""
    typed = text.strip().casefold()
    if typed in ("today", "t"):
        return today
    if match := _PLUS.fullmatch(typed):
        return today + timedelta(days=int(match[1]))
    try:
        if match := _ISO.fullmatch(typed):
            return date(int(match[1]), int(match[2]), int(match[3]))
        if match := _US.fullmatch(typed):
            month, day = int(match[1]), int(match[2])
            if match[3] is not None:
                return date(int(match[3]), month, day)
            guess = date(today.year, month, day)
            return (
                guess if guess >= today - timedelta(days=31) else guess.replace(year=today.year + 1)
            )
    except ValueError as exc:
        raise InvalidInput(f"{text.strip()!r} is not a day of the calendar") from exc
    raise InvalidInput(f"type a day: {DAY_FORMS}")


def parse_slot(text: str, today: date, tz: tzinfo) -> datetime:
    """``12/10 10:30`` or ``+7 1430``: a day and a time of the clinic's time zone."""
    parts = text.split()
    if len(parts) != 2:
        raise InvalidInput("type a day and a time: 12/10 10:30")
    day = parse_day(parts[0], today)
    match = _TIME.fullmatch(parts[1])
    if match is None or int(match[1]) > 23 or int(match[2]) > 59:
        raise InvalidInput(f"{parts[1]!r} is not a time: 10:30 or 1430")
    return datetime.combine(day, time(int(match[1]), int(match[2])), tzinfo=tz)
