"""The clinic's refill protocol (``catalogs/refill_protocols.json``), read and checked once.

Three lists: the **labs** a protocol may ask for (each with the LOINC codes whose
results count, and how each code was confirmed), the **protocols** (a medication,
its brand names, the visit it needs within so many months and the labs within so
many months), and the **controlled substances** (a medication and its DEA schedule),
which never meet a protocol. A name or brand given twice, a lab a protocol names
but the file lacks, a LOINC code with a wrong check digit, a month count out of
range: each fails at start-up with its place in the file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from ma_tui.data.catalogs.poc_tests import LoincCode, loinc_code
from ma_tui.data.catalogs.strict import Node, load
from ma_tui.data.catalogs.unique import check_unique

CATALOG = "refill_protocols.json"
SCHEDULES = ("II", "III", "IV", "V")  # DEA schedules of prescribable drugs
MAX_MONTHS = 60
_NAME = re.compile(r"[a-z0-9]+(?: [a-z0-9]+)*")


@dataclass(frozen=True, slots=True)
class ProtocolLab:
    key: str  # what the caller's last-lab dates are keyed by: "a1c"
    name: str  # as the MA reads it: "A1c"
    loinc: tuple[LoincCode, ...]


@dataclass(frozen=True, slots=True)
class LabRequirement:
    lab: ProtocolLab
    within_months: int


@dataclass(frozen=True, slots=True)
class RefillProtocol:
    name: str  # generic name, lower case
    aliases: tuple[str, ...]  # brand names and abbreviations
    visit_within_months: int
    labs: tuple[LabRequirement, ...]

    @property
    def names(self) -> tuple[str, ...]:
        return (self.name, *self.aliases)

    @property
    def summary(self) -> str:
        """``visit within 12 months, A1c within 6 months``."""
        parts = [f"visit within {self.visit_within_months} months"]
        parts += [f"{need.lab.name} within {need.within_months} months" for need in self.labs]
        return ", ".join(parts)


@dataclass(frozen=True, slots=True)
class ControlledDrug:
    name: str
    aliases: tuple[str, ...]
    schedule: str  # II, III, IV or V

    @property
    def names(self) -> tuple[str, ...]:
        return (self.name, *self.aliases)


@dataclass(frozen=True, slots=True)
class RefillProtocols:
    source: str
    labs: tuple[ProtocolLab, ...]
    protocols: tuple[RefillProtocol, ...]
    controlled: tuple[ControlledDrug, ...]

    def lab(self, key: str) -> ProtocolLab:
        """The lab with this key; a KeyError names it when there is none."""
        for lab in self.labs:
            if lab.key == key:
                return lab
        raise KeyError(key)

    def lab_for_loinc(self, code: str) -> ProtocolLab | None:
        """The protocol lab a result with this LOINC code counts for, if any."""
        return next((lab for lab in self.labs if any(c.code == code for c in lab.loinc)), None)


@cache
def refill_protocols() -> RefillProtocols:
    """The refill protocol catalog, read and checked once."""
    root = load(CATALOG).object({"source", "labs", "protocols", "controlled"})
    labs = tuple(_lab(node) for node in root["labs"].items())
    check_unique(root["labs"], [lab.key for lab in labs], "lab key")
    check_unique(root["labs"], [c.code for lab in labs for c in lab.loinc], "LOINC code")
    by_key = {lab.key: lab for lab in labs}
    protocols = tuple(_protocol(node, by_key) for node in root["protocols"].items())
    controlled = tuple(_controlled(node) for node in root["controlled"].items())
    names = [n for p in protocols for n in p.names] + [n for c in controlled for n in c.names]
    check_unique(root, names, "medication name")
    return RefillProtocols(root["source"].text(), labs, protocols, controlled)


def _lab(node: Node) -> ProtocolLab:
    item = node.object({"key", "name", "loinc"})
    return ProtocolLab(
        key=item["key"].word(),
        name=item["name"].text(),
        loinc=tuple(loinc_code(code) for code in item["loinc"].items()),
    )


def _protocol(node: Node, labs: dict[str, ProtocolLab]) -> RefillProtocol:
    item = node.object({"name", "aliases", "visit_within_months", "labs"})
    needs = []
    for need_node in item["labs"].items(allow_empty=True):
        need = need_node.object({"lab", "within_months"})
        key = need["lab"].text()
        if key not in labs:
            raise need["lab"].error(f"{key!r} is not one of the file's labs")
        needs.append(LabRequirement(labs[key], _months(need["within_months"])))
    check_unique(item["labs"], [need.lab.key for need in needs], "lab")
    return RefillProtocol(
        name=_name(item["name"]),
        aliases=tuple(_name(alias) for alias in item["aliases"].items(allow_empty=True)),
        visit_within_months=_months(item["visit_within_months"]),
        labs=tuple(needs),
    )


def _controlled(node: Node) -> ControlledDrug:
    item = node.object({"name", "aliases", "schedule"})
    return ControlledDrug(
        name=_name(item["name"]),
        aliases=tuple(_name(alias) for alias in item["aliases"].items(allow_empty=True)),
        schedule=item["schedule"].choice(SCHEDULES),
    )


def _name(node: Node) -> str:
    """A medication name as matched: lower-case words of letters and digits."""
    return node.matching(_NAME, "a lower-case name of letters, digits and single spaces")


def _months(node: Node) -> int:
    months = node.integer(minimum=1)
    if months > MAX_MONTHS:
        raise node.error(f"must be at most {MAX_MONTHS} months")
    return months
