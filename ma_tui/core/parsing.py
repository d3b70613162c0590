"""Parsing what the MA types into dates and phone numbers, with a message when it is wrong.

Every parser takes any string and either returns a value or raises ``ParseError``,
whose text is the one line shown under the field. Dates are US month-first.
"""

from __future__ import annotations

import re
from datetime import date

from ma_tui.core.errors import InvalidInput

MAX_AGE_YEARS = 125
# Longer input is never a date or a phone number; refusing it early keeps messages short.
MAX_INPUT = 40
DOB_FORMS = "MM/DD/YYYY, M/D/YY, MMDDYYYY, MMDDYY or YYYY-MM-DD"
PHONE_EXAMPLE = "555-555-0142"

# [0-9], not \d: \d also matches other scripts' digits, which int() would accept.
_MONTH_FIRST = re.compile(r"([0-9]{1,2})([/.-])([0-9]{1,2})\2([0-9]{2}|[0-9]{4})")
_YEAR_FIRST = re.compile(r"([0-9]{4})([/.-])([0-9]{1,2})\2([0-9]{1,2})")
_DIGITS = re.compile(r"[0-9]+")
_PHONE_CHARS = re.compile(r"\+?[0-9 ()./-]+")


class ParseError(InvalidInput, ValueError):
    """Input that cannot be used; ``str()`` is the message shown under the field.

    A ``ValueError`` too, for the parsers that build on Python's own (``int``, ``date``).
    """


def parse_date_of_birth(text: str, today: date) -> date:
    """A date of birth typed in a US form, month first.

    Accepted: ``4/12/68``, ``04/12/1968``, ``4-12-1968`` (``/``, ``-`` or ``.``),
    ``04121968`` (MMDDYYYY), ``041268`` (MMDDYY), ``1968-04-12`` and ``19680412``.
    Eight digits are MMDDYYYY unless the first two are not a month (13 and up):
    then they are YYYYMMDD. No month is 19 or 20, so the two never collide.
    A two-digit year is the most recent one that puts the date on or before
    ``today``: 68 is 1968, and 23 is 2023 in 2026.
    """
    stripped = text.strip()
    if not stripped:
        raise ParseError(f"enter the date of birth: {DOB_FORMS}")
    if len(stripped) > MAX_INPUT:
        raise ParseError(f"not a date; use {DOB_FORMS}")
    month, day, year, two_digit = _date_parts(stripped)
    born = _resolve(month, day, year, two_digit, today)
    if born > today:
        raise ParseError("date of birth is in the future")
    if born < years_before(today, MAX_AGE_YEARS):
        raise ParseError(f"date of birth is more than {MAX_AGE_YEARS} years ago")
    return born


def years_before(day: date, years: int) -> date:
    """The same calendar day ``years`` earlier; 29 February becomes the 28th."""
    if day.year - years < date.min.year:
        return date.min
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def _date_parts(text: str) -> tuple[int, int, int, bool]:
    """Month, day, year and whether the year had two digits; no range checks yet."""
    if match := _MONTH_FIRST.fullmatch(text):
        month, _, day, year = match.groups()
        return int(month), int(day), int(year), len(year) == 2
    if match := _YEAR_FIRST.fullmatch(text):
        year, _, month, day = match.groups()
        return int(month), int(day), int(year), False
    if _DIGITS.fullmatch(text):
        if len(text) == 6:
            return int(text[:2]), int(text[2:4]), int(text[4:]), True
        if len(text) == 8:
            if 1 <= int(text[:2]) <= 12:
                return int(text[:2]), int(text[2:4]), int(text[4:]), False
            return int(text[4:6]), int(text[6:]), int(text[:4]), False
    raise ParseError(f"not a date; use {DOB_FORMS}")


def _resolve(month: int, day: int, year: int, two_digit: bool, today: date) -> date:
    if not 1 <= month <= 12:
        raise ParseError(f"{month:02d} is not a month (dates are month first: MM/DD/YYYY)")
    if not two_digit:
        return _real_date(year, month, day)
    century = today.year - today.year % 100
    # The latest century that puts the date on or before today; a day that does not
    # exist in that year (29 February) is not silently moved to another century.
    for full_year in (century + year, century + year - 100):
        candidate = _date_or_none(full_year, month, day)
        if candidate is not None and candidate <= today:
            return candidate
    return _real_date(century + year - 100, month, day)


def _date_or_none(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _real_date(year: int, month: int, day: int) -> date:
    found = _date_or_none(year, month, day)
    if found is None:
        raise ParseError(f"{month:02d}/{day:02d}/{year:04d} is not a real date")
    return found


def normalize_phone(text: str) -> str:
    """A US (NANP) number as ``555-555-0142``.

    Spaces, dashes, dots, slashes, parentheses and a leading ``+1`` or ``1`` are
    allowed; letters and extensions are not. Area code and exchange cannot start
    with 0 or 1 in the North American Numbering Plan.
    """
    stripped = text.strip()
    if not stripped:
        raise ParseError(f"enter a 10-digit phone number, like {PHONE_EXAMPLE}")
    if len(stripped) > MAX_INPUT or not _PHONE_CHARS.fullmatch(stripped):
        raise ParseError(f"a phone number has only digits, like {PHONE_EXAMPLE}")
    digits = "".join(_DIGITS.findall(stripped))
    if stripped.startswith("+") and not digits.startswith("1"):
        raise ParseError("only US numbers (+1) are accepted")
    if len(digits) == 11 and digits.startswith("1"):
        digits = digits[1:]
    if len(digits) != 10:
        raise ParseError(f"a US phone number has 10 digits, like {PHONE_EXAMPLE}")
    if digits[0] in "01":
        raise ParseError("an area code cannot start with 0 or 1")
    if digits[3] in "01":
        raise ParseError("the 3 digits after the area code cannot start with 0 or 1")
    return f"{digits[:3]}-{digits[3:6]}-{digits[6:]}"
