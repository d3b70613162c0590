"""Ages as clinics write them: days in the first month, months under two, years after."""

from __future__ import annotations

from datetime import date

MONTHS_UNTIL_YEARS = 24  # under two years, age is counted in months


def months_between(birth: date, on: date) -> int:
    """Whole calendar months from ``birth`` to ``on``."""
    months = (on.year - birth.year) * 12 + (on.month - birth.month)
    if on.day < birth.day:
        months -= 1
    return months


def age_in_years(birth: date, on: date) -> int:
    _check_order(birth, on)
    return months_between(birth, on) // 12


def format_age(birth: date, on: date) -> str:
    """``"3 d"``, ``"7 mo"`` or ``"58 y"``: the short form for banners and lists."""
    _check_order(birth, on)
    months = months_between(birth, on)
    if months < 1:
        return f"{(on - birth).days} d"
    if months < MONTHS_UNTIL_YEARS:
        return f"{months} mo"
    return f"{months // 12} y"


def _check_order(birth: date, on: date) -> None:
    if birth > on:
        raise ValueError(f"date of birth {birth.isoformat()} is after {on.isoformat()}")
