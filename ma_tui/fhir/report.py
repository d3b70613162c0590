"""What an import did: one ``Outcome`` per resource, counted in an ``ImportReport``.

Every resource read gets exactly one outcome: created, updated, unchanged, skipped
(a resource ma-tui has no use for, said why) or rejected (with the reason, in one
line of at most ``REASON_MAX`` characters).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Literal

Action = Literal["created", "updated", "unchanged", "skipped", "rejected"]

ACTIONS: tuple[Action, ...] = ("created", "updated", "unchanged", "skipped", "rejected")
REASON_MAX = 160  # characters of a reason: one line of the report


@dataclass(frozen=True)
class Outcome:
    where: str  # from the ReadItem: "patients.ndjson line 12"
    resource_type: str  # "Patient", ... or "?" for what could not be read
    action: Action
    reason: str = ""  # why skipped or rejected; a remark on a created or updated one
    label: str = ""  # "Patient MRN 10234 Whitfield, Dana", "Coverage Aetna 998877"


@dataclass
class ImportReport:
    """What an import did: counts per resource type and action, and each outcome worth
    a line (rejected, skipped, or with a remark). Every outcome is kept only when
    ``keep_every_outcome``: a million-resource import must not hold a million."""

    keep_every_outcome: bool = False
    tallies: dict[str, Counter[Action]] = field(default_factory=dict)
    notable: list[Outcome] = field(default_factory=list)
    outcomes: list[Outcome] = field(default_factory=list)  # when keep_every_outcome
    # Types skipped because ma-tui does not import them: said once, on their count line.
    unimported_types: set[str] = field(default_factory=set)

    def add(self, outcome: Outcome) -> None:
        self.tallies.setdefault(outcome.resource_type, Counter())[outcome.action] += 1
        if self.keep_every_outcome:
            self.outcomes.append(outcome)
        if _is_unimported_type(outcome):
            self.unimported_types.add(outcome.resource_type)
            return
        if outcome.action in ("rejected", "skipped") or outcome.reason:
            self.notable.append(outcome)

    def counts(self) -> dict[str, Counter[Action]]:
        """How many of each action, per resource type, types in the order first met."""
        return self.tallies

    @property
    def rejected(self) -> list[Outcome]:
        return [outcome for outcome in self.notable if outcome.action == "rejected"]

    def summary_lines(self) -> list[str]:
        """One line per resource type with its counts, then one per resource that was
        rejected, skipped or imported with a remark. A type ma-tui does not import is
        said once, on its count line, not once per resource."""
        lines = [self._count_line(kind, counted) for kind, counted in self.tallies.items()]
        return lines + [_outcome_line(outcome) for outcome in self.notable]

    def _count_line(self, kind: str, counted: Counter[Action]) -> str:
        parts = ", ".join(f"{counted[action]} {action}" for action in ACTIONS if counted[action])
        line = f"{_type_label(kind)}: {parts}"
        if kind in self.unimported_types:
            line += f" ({not_imported(kind)})"
        return line


# Types of which ma-tui imports one kind only: what the others are skipped for says so.
_ONLY_IMPORTED = {"Observation": "gestational age at birth (LOINC 76516-4)"}


def not_imported(resource_type: str) -> str:
    """The reason every resource of a type ma-tui does not import is skipped for."""
    only = _ONLY_IMPORTED.get(resource_type)
    if only is not None:
        return f"ma-tui imports no {resource_type} resources but {only}"
    return f"ma-tui does not import {resource_type} resources"


def _is_unimported_type(outcome: Outcome) -> bool:
    return outcome.action == "skipped" and outcome.reason == not_imported(outcome.resource_type)


def _type_label(kind: str) -> str:
    return "Unreadable" if kind == "?" else kind


def _outcome_line(outcome: Outcome) -> str:
    word = {"rejected": "REJECTED", "skipped": "SKIPPED"}.get(outcome.action, "NOTE")
    kind = "" if outcome.resource_type == "?" else f" {outcome.resource_type}"
    return f"{word} {outcome.where}{kind}: {outcome.reason}"
