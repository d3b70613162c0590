"""Which screenings are due today, and why.

The clinic's rules (``screening_rules.json``) say which screenings it gives, to which
ages and sexes, and how often. A screening is due when the patient is in the rule's
ages and nothing that counts for it (a PHQ-9 counts for the PHQ-2) was given within
its interval; it is due on the same day of the month the interval later ("last
PHQ-9 on 2025-10-02, due yearly" is due from 2026-10-02). The caller passes the day
each instrument was last given: from the chart, with this visit's answered ones
added (``draft.with_this_visit``); a declined screening does not count as given.
"""

from __future__ import annotations

import calendar
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import MAXYEAR, date

from ma_tui.core.ages import age_in_years
from ma_tui.data.catalogs.screenings import (
    Instrument,
    InstrumentKind,
    ScreeningCatalog,
    ScreeningRule,
    ScreeningRules,
    screening_catalog,
    screening_rules,
)
from ma_tui.data.models.patients import Sex


@dataclass(frozen=True, slots=True)
class ScreeningStatus:
    instrument: Instrument
    rule: ScreeningRule
    due: bool
    last: date | None  # the day something that counts was last given; None: never
    last_by: Instrument | None  # what was given then (a PHQ-9 for the PHQ-2's rule)
    next_due: date  # today when never given
    reason: str  # "last PHQ-9 on 2025-10-02, due yearly"


def screening_status(
    *,
    birth_date: date,
    sex: Sex,
    today: date,
    last_given: Mapping[str, date],
    rules: ScreeningRules | None = None,
    catalog: ScreeningCatalog | None = None,
) -> list[ScreeningStatus]:
    """Every screening the rules give this patient today, due or not, in rule order.

    ``last_given`` maps an instrument key to the day it was last given.
    """
    catalog = catalog or screening_catalog()
    rules = rules or screening_rules()
    age = age_in_years(birth_date, today)
    return [
        _status(rule, catalog, today, last_given)
        for rule in rules.rules
        if rule.ages.contains(age) and sex in rule.sexes
    ]


def due_screenings(
    *,
    birth_date: date,
    sex: Sex,
    today: date,
    last_given: Mapping[str, date],
    rules: ScreeningRules | None = None,
    catalog: ScreeningCatalog | None = None,
) -> list[ScreeningStatus]:
    """The screenings due today, each with its reason."""
    statuses = screening_status(
        birth_date=birth_date,
        sex=sex,
        today=today,
        last_given=last_given,
        rules=rules,
        catalog=catalog,
    )
    return [status for status in statuses if status.due]


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later; the 31st becomes the month's last day."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    if year > MAXYEAR:
        return date.max
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def interval_words(months: int) -> str:
    """``"yearly"``, ``"every 2 years"``, ``"monthly"``, ``"every 6 months"``."""
    if months == 12:
        return "yearly"
    if months == 1:
        return "monthly"
    if months % 12 == 0:
        return f"every {months // 12} years"
    return f"every {months} months"


def _status(
    rule: ScreeningRule, catalog: ScreeningCatalog, today: date, last_given: Mapping[str, date]
) -> ScreeningStatus:
    instrument = catalog.instruments[rule.screen]
    every = interval_words(rule.every_months)
    # The latest day; on a tie, the first of satisfied_by (the screen itself).
    given = [
        (last_given[key], -index, key)
        for index, key in enumerate(rule.satisfied_by)
        if key in last_given
    ]
    found = max(given, default=None)
    if found is None:
        what = _what(instrument)
        return ScreeningStatus(
            instrument=instrument,
            rule=rule,
            due=True,
            last=None,
            last_by=None,
            next_due=today,
            reason=f"no {what} on record; due {every} {rule.ages.label}",
        )
    last, by = found[0], catalog.instruments[found[2]]
    next_due = add_months(last, rule.every_months)
    due = today >= next_due
    when = f"{_what(by)} last updated" if by.kind == InstrumentKind.HISTORY_PROMPT else None
    said = f"{when} {last.isoformat()}" if when else f"last {by.name} on {last.isoformat()}"
    reason = f"{said}, due {every}" if due else f"{said}; next due {next_due.isoformat()}"
    return ScreeningStatus(
        instrument=instrument,
        rule=rule,
        due=due,
        last=last,
        last_by=by,
        next_due=next_due,
        reason=reason,
    )


def _what(instrument: Instrument) -> str:
    """``"PHQ-2"``, or ``"Tobacco status"`` for a part of the history."""
    if instrument.kind == InstrumentKind.HISTORY_PROMPT:
        return f"{instrument.name} status"
    return instrument.name
