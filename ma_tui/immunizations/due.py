"""Due today: which routine vaccines a patient is due or overdue for, and why.

What it covers. The routine ACIP child, adolescent and adult schedules as the rule
table ``catalogs/immunization_schedule.json`` writes them: HepB (birth, 1-2 m,
6-18 m; adults to 59), DTaP (2, 4, 6, 15-18 m, 4-6 y), Hib and PCV (2, 4, 6,
12-15 m), IPV (2, 4, 6-18 m, 4-6 y), MMR and varicella (12-15 m, 4-6 y), HepA (2
doses from 12 m), influenza every season from 6 months (2 doses for a child under
9 with fewer than 2 before July 1), Tdap at 11-12 y then Td/Tdap every 10 years,
HPV at 11-12 (2 doses, 3 when started at 15 or older), MenACWY at 11-12 and 16,
recombinant zoster from 50, pneumococcal conjugate from 50 (ACIP October 2024;
this replaced 65), and COVID-19 2025-26 as "consider" (individual-based decision).
Doses are grouped by vaccine group through their CVX codes, a combination vaccine
counting for each of its groups. A dose counts only when it respects the dose's
minimum age and the minimum interval from the previous counted dose, less ACIP's
4-day grace period; one that does not is reported as not counted.

What it does not cover. Catch-up schedules (the dose counts and intervals that
change with the age a child starts: Hib, PCV, DTaP, IPV after a late start are
read as the routine series, so a late starter may be shown a dose the catch-up
table would skip); high-risk indications (asplenia, HIV, pregnancy, travel,
health-care work, dialysis formulations); contraindications and precautions; live
vaccine spacing (MMR and varicella 28 days apart); product-specific series (PRP-OMP
Hib, 2-dose Heplisav-B, the 2-dose adolescent Recombivax schedule); PPSV23 and
PCV15-then-PPSV23 sequencing; RSV; and conformance to CDC's CDSi logic
specification. It is a prompt for the MA, not a forecast to chart: the provider and
the state registry's forecast decide.

Simplifications. Each dose is due at its age (or its interval after the dose
before) and overdue at the next recommended age; overdue never comes before due.
Ages and intervals add calendar months and years as CDSi does. A series shows
nothing before the age it applies from and nothing after the age it applies until.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from ma_tui.data.catalogs.immunization_schedule import (
    DoseRule,
    RecurringRule,
    Schedule,
    SeasonalRule,
    SeriesRule,
    schedule,
)
from ma_tui.immunizations.durations import add_duration, describe

GRACE = timedelta(days=4)  # ACIP: a dose up to 4 days early still counts


class DueStatus(StrEnum):
    DUE = "due"
    OVERDUE = "overdue"
    CONSIDER = "consider"  # shared clinical decision: discuss, not a gap


@dataclass(frozen=True, slots=True)
class GivenDose:
    given_on: date
    cvx: str


@dataclass(frozen=True, slots=True)
class DueItem:
    group: str
    group_name: str
    status: DueStatus
    due_on: date
    reason: str
    dose_number: int | None = None
    of: int | None = None
    overdue_on: date | None = None


@dataclass(frozen=True, slots=True)
class NotCounted:
    dose: GivenDose
    group: str
    why: str


@dataclass(frozen=True, slots=True)
class DueReport:
    items: tuple[DueItem, ...]
    not_counted: tuple[NotCounted, ...] = ()
    unmapped: tuple[GivenDose, ...] = ()  # CVX codes the table does not group

    @property
    def overdue(self) -> tuple[DueItem, ...]:
        return tuple(i for i in self.items if i.status is DueStatus.OVERDUE)


def due_today(
    birth: date, doses: Iterable[GivenDose], on: date, table: Schedule | None = None
) -> DueReport:
    """What the routine schedule says the patient needs on ``on`` (see the module doc)."""
    table = table or schedule()
    history = sorted((d for d in doses if d.given_on <= on), key=lambda d: d.given_on)
    by_group: dict[str, list[GivenDose]] = {g.key: [] for g in table.groups}
    unmapped: list[GivenDose] = []
    for dose in history:
        groups = table.groups_of(dose.cvx)
        if not groups:
            unmapped.append(dose)
        for group in groups:
            if dose.given_on >= birth:
                by_group[group].append(dose)
    items: list[DueItem] = []
    not_counted: list[NotCounted] = []
    for rule in table.rules:
        name = table.group(rule.group).name
        if isinstance(rule, SeriesRule):
            if _series_applies(rule, birth, by_group[rule.group], on):
                item, skipped = _series(rule, name, birth, by_group[rule.group], on)
                not_counted += skipped
                if item is not None:
                    items.append(item)
        elif isinstance(rule, RecurringRule):
            counted = sorted(
                (d for g in rule.counts for d in by_group[g]), key=lambda d: d.given_on
            )
            item = _recurring(rule, name, birth, counted, on)
            if item is not None:
                items.append(item)
        else:
            item = _seasonal(rule, name, birth, by_group[rule.group], on)
            if item is not None:
                items.append(item)
    items.sort(
        key=lambda i: (i.status is not DueStatus.OVERDUE, i.status is DueStatus.CONSIDER, i.due_on)
    )
    return DueReport(tuple(items), tuple(not_counted), tuple(unmapped))


# ------------------------------------------------------------------ series


def _series_applies(rule: SeriesRule, birth: date, doses: Sequence[GivenDose], on: date) -> bool:
    if on < add_duration(birth, rule.start):
        return False
    if rule.until is not None and on >= add_duration(birth, rule.until):
        return False
    eligible = [
        d
        for d in doses
        if rule.counts_from is None or d.given_on >= add_duration(birth, rule.counts_from)
    ]
    split = rule.first_dose_before or rule.first_dose_from
    if split is None:
        return True
    first = eligible[0].given_on if eligible else on
    started_young = first < add_duration(birth, split)
    return started_young if rule.first_dose_before else not started_young


def _series(
    rule: SeriesRule, name: str, birth: date, doses: Sequence[GivenDose], on: date
) -> tuple[DueItem | None, list[NotCounted]]:
    counted: list[GivenDose] = []
    skipped: list[NotCounted] = []
    floor = add_duration(birth, rule.counts_from) if rule.counts_from else birth
    for dose in doses:
        if dose.given_on < floor:
            continue
        if len(counted) == len(rule.doses) or _complete_early(rule, birth, counted):
            break
        why = _invalid(rule.doses[len(counted)], birth, counted, dose)
        if why:
            skipped.append(NotCounted(dose, rule.group, why))
        else:
            counted.append(dose)
    if len(counted) >= len(rule.doses) or _complete_early(rule, birth, counted):
        return None, skipped
    number = len(counted) + 1
    dose_rule = rule.doses[number - 1]
    previous = counted[-1].given_on if counted else None
    due = _due_date(dose_rule, birth, previous)
    if on < due:
        return None, skipped
    overdue = _overdue_date(dose_rule, birth, previous, due)
    status = DueStatus.OVERDUE if overdue is not None and on >= overdue else DueStatus.DUE
    since = overdue if status is DueStatus.OVERDUE and overdue else due
    reason = (
        f"{name} dose {number} of {len(rule.doses)}: {status.value} since {since.isoformat()}"
        f" ({rule.note})"
    )
    return DueItem(rule.group, name, status, due, reason, number, len(rule.doses), overdue), skipped


def _complete_early(rule: SeriesRule, birth: date, counted: Sequence[GivenDose]) -> bool:
    """A dose the schedule skips: the previous one came at the age that makes it unneeded."""
    if not counted or len(counted) >= len(rule.doses):
        return False
    skip_at = rule.doses[len(counted)].skip_if_previous_at
    return skip_at is not None and counted[-1].given_on >= add_duration(birth, skip_at)


def _invalid(
    dose_rule: DoseRule, birth: date, counted: Sequence[GivenDose], dose: GivenDose
) -> str | None:
    if dose_rule.min_age and dose.given_on < add_duration(birth, dose_rule.min_age) - GRACE:
        return f"given before the minimum age of {describe(dose_rule.min_age)}"
    if dose_rule.min_interval and counted:
        earliest = add_duration(counted[-1].given_on, dose_rule.min_interval) - GRACE
        if dose.given_on < earliest:
            return f"given less than {describe(dose_rule.min_interval)} after the dose before"
    return None


def _due_date(dose_rule: DoseRule, birth: date, previous: date | None) -> date:
    candidates = []
    if dose_rule.due is not None:
        candidates.append(add_duration(birth, dose_rule.due))
    if dose_rule.min_age is not None:
        candidates.append(add_duration(birth, dose_rule.min_age))
    if previous is not None:
        for interval in (dose_rule.due_after, dose_rule.min_interval):
            if interval is not None:
                candidates.append(add_duration(previous, interval))
    return max(candidates) if candidates else birth


def _overdue_date(
    dose_rule: DoseRule, birth: date, previous: date | None, due: date
) -> date | None:
    if dose_rule.overdue is not None:
        overdue = add_duration(birth, dose_rule.overdue)
    elif dose_rule.overdue_after is not None and previous is not None:
        overdue = add_duration(previous, dose_rule.overdue_after)
    else:
        return None
    return max(overdue, due)


# ------------------------------------------------------------ recurring, seasonal


def _recurring(
    rule: RecurringRule, name: str, birth: date, doses: Sequence[GivenDose], on: date
) -> DueItem | None:
    start = add_duration(birth, rule.start)
    if on < start:
        return None
    if not doses:
        reason = f"{rule.name}: no tetanus-containing dose on record ({rule.note})"
        return DueItem(rule.group, name, DueStatus.DUE, start, reason)
    due = add_duration(doses[-1].given_on, rule.every)
    if on < due:
        return None
    last = doses[-1].given_on.isoformat()
    reason = f"{rule.name}: last dose {last}, due since {due.isoformat()} ({rule.note})"
    return DueItem(rule.group, name, DueStatus.DUE, max(due, start), reason)


def season_start(rule: SeasonalRule, on: date) -> date:
    """The first day of the season ``on`` falls in."""
    this_year = date(on.year, rule.season_month, rule.season_day)
    return this_year if on >= this_year else date(on.year - 1, rule.season_month, rule.season_day)


def _seasonal(
    rule: SeasonalRule, name: str, birth: date, doses: Sequence[GivenDose], on: date
) -> DueItem | None:
    if on < add_duration(birth, rule.start):
        return None
    start = season_start(rule, on)
    this_season = [d for d in doses if d.given_on >= start]
    before = [d for d in doses if d.given_on < start]
    young = rule.two_doses_under is not None and on < add_duration(birth, rule.two_doses_under)
    needed = 2 if young and len(before) < 2 else 1
    if len(this_season) >= needed:
        return None
    status = DueStatus.DUE if rule.status == "due" else DueStatus.CONSIDER
    if this_season:
        due = this_season[-1].given_on + timedelta(weeks=4)
        if on < due:
            return None
        reason = f"{name}: dose 2 of 2 this season, 4 weeks after dose 1 ({rule.note})"
        return DueItem(rule.group, name, status, due, reason, 2, 2)
    due = max(start, add_duration(birth, rule.start))
    of = f" (dose 1 of {needed})" if needed == 2 else ""
    reason = f"{name}: no dose since {start.isoformat()}{of} ({rule.note})"
    return DueItem(
        rule.group,
        name,
        status,
        due,
        reason,
        1 if needed == 2 else None,
        needed if needed == 2 else None,
    )
