"""Whom a standing order is for, and why it is refused for this patient.

A protocol signed for adults (the flu dose) or for women who may be pregnant (the
hCG test) does not cover an 8-year-old boy: the MA is told why, and a provider
orders it if it is really wanted. A sex recorded as other or unknown is not
refused on sex alone: nothing says that patient is outside the protocol.
"""

from __future__ import annotations

from datetime import date

from ma_tui.core.ages import MONTHS_UNTIL_YEARS, age_in_years, format_age, months_between
from ma_tui.data.catalogs.standing_orders import StandingProtocol

__all__ = ["audience", "refusal"]

_SEX_WORD = {"female": "females", "male": "males"}
_RECORDED = {"female": "female", "male": "male"}


def _ages(protocol: StandingProtocol) -> str | None:
    low, high = protocol.min_age, protocol.max_age
    if low is not None and high is not None:
        return f"ages {low} to {high}"
    if low is not None:
        return f"ages {low} and over"
    if high is not None:
        return f"ages {high} and under"
    return None


def audience(protocol: StandingProtocol) -> str | None:
    """``"ages 18 and over"``, ``"females, ages 10 to 55"``; None: anyone."""
    parts = [_SEX_WORD[protocol.sex]] if protocol.sex else []
    ages = _ages(protocol)
    if ages:
        parts.append(ages)
    return ", ".join(parts) or None


def _age_said(birth: date, on: date) -> str:
    """``"8"`` from two years on (as a person says it), ``"7 mo"`` before."""
    if months_between(birth, on) < MONTHS_UNTIL_YEARS:
        return format_age(birth, on)
    return str(age_in_years(birth, on))


def refusal(
    protocol: StandingProtocol, given_name: str, birth: date, sex: str, on: date
) -> str | None:
    """Why this patient is outside the protocol (None: inside), naming what differs."""
    lead = f"The standing order “{protocol.name}” is for {audience(protocol)}"
    if protocol.sex is not None and sex in _RECORDED and sex != protocol.sex:
        return f"{lead}; {given_name} is recorded {_RECORDED[sex]}."
    if birth > on:
        return f"{lead}; {given_name}'s date of birth is after today: check it."
    years = age_in_years(birth, on)
    too_young = protocol.min_age is not None and years < protocol.min_age
    too_old = protocol.max_age is not None and years > protocol.max_age
    if too_young or too_old:
        return f"{lead}; {given_name} is {_age_said(birth, on)}."
    return None
