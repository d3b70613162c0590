"""Expiry dates as printed on kits and vials, and the rule that an expired one is not used.

A label gives a day (``2026-11-30``, ``11/30/2026``) or only a month (``11/2026``,
``11/26``, ``2026-11``); a month means the product may be used through the last
day of that month. A product is usable on its expiry day and expired the day after.
"""

from __future__ import annotations

import calendar
import re
from datetime import date

from ma_tui.core.errors import InvalidInput

EXPIRY_FORMS = "YYYY-MM-DD, MM/DD/YYYY, MM/YYYY, MM/YY or YYYY-MM"
MAX_TEXT = 20

_ISO_DAY = re.compile(r"(?P<y>[0-9]{4})-(?P<m>[0-9]{1,2})-(?P<d>[0-9]{1,2})")
_ISO_MONTH = re.compile(r"(?P<y>[0-9]{4})-(?P<m>[0-9]{1,2})")
_US_DAY = re.compile(r"(?P<m>[0-9]{1,2})/(?P<d>[0-9]{1,2})/(?P<y>[0-9]{4})")
_US_MONTH = re.compile(r"(?P<m>[0-9]{1,2})/(?P<y>[0-9]{4}|[0-9]{2})")


class ExpiryError(InvalidInput, ValueError):
    """An expiry that cannot be read; the message says which forms are accepted."""


def parse_expiry(text: str) -> date:
    """The last day a kit or vial may be used, from its label text.

    Two-digit years are 2000-2099: a label in use is never from the last century.
    """
    typed = text.strip()
    if not typed or len(typed) > MAX_TEXT:
        raise ExpiryError(f"type the expiry as on the label: {EXPIRY_FORMS}")
    for pattern in (_ISO_DAY, _US_DAY):
        if match := pattern.fullmatch(typed):
            return _day(int(match["y"]), int(match["m"]), int(match["d"]), typed)
    for pattern in (_ISO_MONTH, _US_MONTH):
        if match := pattern.fullmatch(typed):
            year = int(match["y"])
            return end_of_month(year + 2000 if year < 100 else year, int(match["m"]), typed)
    raise ExpiryError(f"{typed}: not an expiry; use {EXPIRY_FORMS}")


def end_of_month(year: int, month: int, typed: str = "") -> date:
    if not 1 <= month <= 12:
        raise ExpiryError(f"{typed or month}: {month} is not a month")
    return date(year, month, calendar.monthrange(year, month)[1])


def _day(year: int, month: int, day: int, typed: str) -> date:
    try:
        return date(year, month, day)
    except ValueError as exc:
        raise ExpiryError(f"{typed}: not a real date") from exc


def is_expired(expires: date, today: date) -> bool:
    """Whether a product with this expiry may no longer be used today."""
    return today > expires
