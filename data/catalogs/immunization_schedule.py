"""The routine immunization schedule as data (``catalogs/immunization_schedule.json``).

Vaccine groups list the CVX codes whose doses count for them (a combination
vaccine counts for each of its groups). Rules are of three kinds:

- ``series``: numbered doses, each due at an age (or an interval after the one
  before), overdue at an age (or interval), with the minimum age and interval a
  dose must respect to count; optional ages the series applies ``from`` and
  ``until``, doses counted only ``counts_from`` an age, and variants chosen by the
  age at the first dose (``first_dose_before``/``first_dose_from``);
- ``recurring``: one dose every so many years (Td/Tdap every 10 years);
- ``seasonal``: once per season from its start day (influenza, COVID-19), with
  ``status`` ``due`` or ``consider`` (shared decision).

Durations are written ``0d``, ``6w``, ``2m``, ``10y``; the file is checked when
loaded (known groups, every dose timed, variants paired), so a bad edit fails at
start-up with its place.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import Literal

from ma_tui.data.catalogs.strict import Node, load

CATALOG = "immunization_schedule.json"
_CVX = re.compile(r"[0-9]{1,3}")
_MONTH_DAY = re.compile(r"(?P<m>0[1-9]|1[0-2])-(?P<d>0[1-9]|[12][0-9]|3[01])")


@dataclass(frozen=True, slots=True)
class VaccineGroup:
    key: str
    name: str
    cvx: frozenset[str]


@dataclass(frozen=True, slots=True)
class DoseRule:
    due: str | None = None  # age the dose is due
    due_after: str | None = None  # or: interval after the previous dose
    overdue: str | None = None  # age it is overdue
    overdue_after: str | None = None  # or: interval after the previous dose
    min_age: str | None = None
    min_interval: str | None = None  # from the previous counted dose
    skip_if_previous_at: str | None = None  # not needed if the previous dose came at this age


@dataclass(frozen=True, slots=True)
class SeriesRule:
    group: str
    name: str
    note: str
    doses: tuple[DoseRule, ...]
    start: str = "0d"  # the age the series applies from
    until: str | None = None  # the age it stops applying (aged out)
    counts_from: str | None = None  # doses before this age do not count
    first_dose_before: str | None = None
    first_dose_from: str | None = None


@dataclass(frozen=True, slots=True)
class RecurringRule:
    group: str
    name: str
    note: str
    start: str
    every: str
    counts: tuple[str, ...]  # the groups whose doses count


@dataclass(frozen=True, slots=True)
class SeasonalRule:
    group: str
    name: str
    note: str
    start: str
    season_month: int
    season_day: int
    status: Literal["due", "consider"]
    two_doses_under: str | None = None


Rule = SeriesRule | RecurringRule | SeasonalRule


@dataclass(frozen=True, slots=True)
class Schedule:
    source: str
    groups: tuple[VaccineGroup, ...]
    rules: tuple[Rule, ...]

    def group(self, key: str) -> VaccineGroup:
        return next(g for g in self.groups if g.key == key)

    def groups_of(self, cvx: str) -> tuple[str, ...]:
        """The groups a CVX code counts for (none if the table does not know it)."""
        code = cvx.lstrip("0").rjust(2, "0") if cvx.isdigit() else cvx
        return tuple(g.key for g in self.groups if code in g.cvx)


@cache
def schedule() -> Schedule:
    """The schedule, read and checked once."""
    root = load(CATALOG).object({"source", "groups", "rules"})
    groups = tuple(_group(node) for node in root["groups"].items())
    keys = [g.key for g in groups]
    if len(set(keys)) != len(keys):
        raise root["groups"].error("repeats a group key")
    rules = tuple(_rule(node, set(keys)) for node in root["rules"].items())
    _check_variants(root["rules"], rules)
    return Schedule(root["source"].text(), groups, rules)


def _group(node: Node) -> VaccineGroup:
    item = node.object({"key", "name", "cvx"})
    codes = [n.matching(_CVX, "a CVX code") for n in item["cvx"].items()]
    if len(set(codes)) != len(codes):
        raise item["cvx"].error("repeats a CVX code")
    return VaccineGroup(item["key"].word(), item["name"].text(), frozenset(codes))


def _rule(node: Node, groups: set[str]) -> Rule:
    kind = node["kind"].choice(("series", "recurring", "seasonal"))
    group = node["group"].text()
    if group not in groups:
        raise node["group"].error(f"{group!r} is not a group of this file")
    if kind == "series":
        return _series(node, group)
    if kind == "recurring":
        item = node.object({"kind", "group", "name", "note", "from", "every", "counts"})
        counts = item["counts"].words()
        if not counts or any(c not in groups for c in counts):
            raise item["counts"].error("must list groups of this file")
        return RecurringRule(
            group,
            item["name"].text(),
            item["note"].text(),
            item["from"].duration(),
            item["every"].duration(),
            counts,
        )
    item = node.object(
        {"kind", "group", "name", "note", "from", "season_start", "status"}, {"two_doses_under"}
    )
    season = item["season_start"].matching(_MONTH_DAY, "a month and day MM-DD")
    status = item["status"].choice(("due", "consider"))
    return SeasonalRule(
        group,
        item["name"].text(),
        item["note"].text(),
        item["from"].duration(),
        int(season[:2]),
        int(season[3:]),
        "due" if status == "due" else "consider",
        item["two_doses_under"].optional_duration(),
    )


def _series(node: Node, group: str) -> SeriesRule:
    item = node.object(
        {"kind", "group", "name", "note", "doses"},
        {"from", "until", "counts_from", "first_dose_before", "first_dose_from"},
    )
    doses = tuple(_dose(d) for d in item["doses"].items())
    first = doses[0]
    if first.due is None:
        raise item["doses"].error("the first dose needs its age (due)")
    if any(dose.due is None and dose.due_after is None for dose in doses[1:]):
        raise item["doses"].error("every dose after the first needs due or due_after")
    return SeriesRule(
        group=group,
        name=item["name"].text(),
        note=item["note"].text(),
        doses=doses,
        start=item["from"].optional_duration() or "0d",
        until=item["until"].optional_duration(),
        counts_from=item["counts_from"].optional_duration(),
        first_dose_before=item["first_dose_before"].optional_duration(),
        first_dose_from=item["first_dose_from"].optional_duration(),
    )


def _dose(node: Node) -> DoseRule:
    fields = {
        "due",
        "due_after",
        "overdue",
        "overdue_after",
        "min_age",
        "min_interval",
        "skip_if_previous_at",
    }
    item = node.object(set(), fields)
    rule = DoseRule(**{name: item[name].optional_duration() for name in sorted(fields)})
    if rule.due is not None and rule.due_after is not None:
        raise item.error("give due or due_after, not both")
    if rule.overdue is not None and rule.overdue_after is not None:
        raise item.error("give overdue or overdue_after, not both")
    return rule


def _check_variants(node: Node, rules: tuple[Rule, ...]) -> None:
    """Series of one group are either one plain series, or variants split at one age."""
    by_group: dict[str, list[SeriesRule]] = {}
    for rule in rules:
        if isinstance(rule, SeriesRule):
            by_group.setdefault(rule.group, []).append(rule)
    for group, series in by_group.items():
        plain = [s for s in series if s.first_dose_before is None and s.first_dose_from is None]
        variants = [s for s in series if s not in plain]
        if not variants:
            continue
        befores = {s.first_dose_before for s in variants if s.first_dose_before}
        froms = {s.first_dose_from for s in variants if s.first_dose_from}
        if len(variants) != 2 or befores != froms or len(befores) != 1:
            raise node.error(
                f"{group}: variants must be one first_dose_before and one "
                "first_dose_from at the same age"
            )
