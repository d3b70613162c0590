"""Point-of-care tests (``catalogs/poc_tests.json``): LOINC codes, units, ranges, result words.

Each test is one line's first word (``ua``, ``glu``, ``strep``...) and one or more
analytes. An analyte is a number with a UCUM unit and reference bands
(``quantity``), a graded pad reading (``ordinal``: neg, trace, 1+...) or a
yes/no antigen result (``qualitative``). Every LOINC code carries how it was
confirmed; a code the catalog marks ``unconfirmed`` is kept for reading but never
written to FHIR. The file is checked when it is loaded: a word that two analytes of
one test share, a choice word given twice, limits out of order, a unit on an ordinal
analyte, all fail at start-up with the place named.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from decimal import Decimal
from functools import cache
from typing import Literal

from ma_tui.data.catalogs.strict import Node, load

CATALOG = "poc_tests.json"
LOINC_CODE = re.compile(r"[0-9]{1,7}-[0-9]")
SNOMED_ID = re.compile(r"[0-9]{6,18}")
LOINC_ANSWER = re.compile(r"LA[0-9]{1,6}-[0-9]")
KINDS = ("quantity", "ordinal", "qualitative")
SEXES = ("female", "male", "any")
Kind = Literal["quantity", "ordinal", "qualitative"]


@dataclass(frozen=True, slots=True)
class LoincCode:
    code: str
    display: str
    confirmed: bool
    how: str  # where it was confirmed, or why it could not be

    @property
    def exportable(self) -> bool:
        return self.confirmed


@dataclass(frozen=True, slots=True)
class Answer:
    """A coded qualitative result: SNOMED CT concept and LOINC answer code."""

    key: str  # positive, negative, invalid
    display: str
    snomed: str
    loinc_answer: str


@dataclass(frozen=True, slots=True)
class Choice:
    value: str  # stored value: "negative", "trace", "1+", "small"...
    display: str  # as read back: "neg", "trace", "POS"
    words: tuple[str, ...]  # what may be typed
    normal: bool
    answer: Answer | None  # the coded answer, for FHIR, where there is one


@dataclass(frozen=True, slots=True)
class Limits:
    low: Decimal | None = None
    high: Decimal | None = None

    def below(self, value: Decimal) -> bool:
        return self.low is not None and value < self.low

    def above(self, value: Decimal) -> bool:
        return self.high is not None and value > self.high


@dataclass(frozen=True, slots=True)
class NormalBand:
    limits: Limits
    sex: str = "any"
    from_age_years: int = 0

    def applies(self, sex: str | None, age_years: int | None) -> bool:
        if self.sex != "any" and sex != self.sex:
            return False
        too_young = age_years is None or age_years < self.from_age_years
        return not (self.from_age_years and too_young)


@dataclass(frozen=True, slots=True)
class Analyte:
    key: str
    name: str
    words: tuple[str, ...]
    kind: Kind
    loinc: LoincCode
    unit: str | None = None  # UCUM, quantities only
    unit_display: str = ""
    decimals: int = 0
    plausible: Limits = Limits()
    normal: tuple[NormalBand, ...] = ()
    critical: Limits = Limits()
    choices: tuple[Choice, ...] = ()

    def choice_for(self, word: str) -> Choice | None:
        return next((c for c in self.choices if word in c.words), None)


@dataclass(frozen=True, slots=True)
class PocTest:
    key: str
    name: str
    words: tuple[str, ...]
    specimen: str
    loinc: LoincCode | None  # the panel code; None where the analytes stand alone
    ranges_source: str
    analytes: tuple[Analyte, ...]

    @property
    def single(self) -> bool:
        """One analyte, read straight after the test word: ``glu 104``."""
        return len(self.analytes) == 1

    def analyte(self, key: str) -> Analyte:
        return next(a for a in self.analytes if a.key == key)


@dataclass(frozen=True, slots=True)
class PocCatalog:
    source: str
    tests: tuple[PocTest, ...]
    answers: dict[str, Answer]

    def test(self, key: str) -> PocTest:
        """The test with this key; a KeyError names it when there is none."""
        for test in self.tests:
            if test.key == key:
                return test
        raise KeyError(key)

    def by_word(self, word: str) -> PocTest | None:
        return next((t for t in self.tests if word in t.words), None)


@cache
def poc_catalog() -> PocCatalog:
    """The point-of-care test catalog, read and checked once."""
    root = load(CATALOG).object({"source", "answers", "tests"})
    answers = _answers(root["answers"])
    tests = tuple(_test(node, answers) for node in root["tests"].items())
    _check_unique(root["tests"], [t.key for t in tests], "test key")
    _check_unique(root["tests"], [w for t in tests for w in t.words], "test word")
    return PocCatalog(root["source"].text(), tests, answers)


def _answers(node: Node) -> dict[str, Answer]:
    if not isinstance(node.value, dict) or not node.value:
        raise node.error("must be a non-empty object of answers")
    answers: dict[str, Answer] = {}
    for key in node.value:
        item = node[key].object({"display", "snomed", "loinc_answer"})
        answers[key] = Answer(
            key=key,
            display=item["display"].text(),
            snomed=item["snomed"].matching(SNOMED_ID, "a SNOMED CT identifier"),
            loinc_answer=item["loinc_answer"].matching(LOINC_ANSWER, "a LOINC answer code"),
        )
    return answers


def loinc_check_digit(body: str) -> int:
    """LOINC's mod-10 check digit of a code's digits before the hyphen."""
    total = 0
    for position, char in enumerate(reversed(body)):
        digit = int(char) * (2 if position % 2 == 0 else 1)
        total += digit // 10 + digit % 10
    return (10 - total % 10) % 10


def loinc_code(node: Node) -> LoincCode:
    """A ``{"code", "display", "confirmed" | "unconfirmed"}`` object."""
    item = node.object({"code", "display"}, {"confirmed", "unconfirmed"})
    if item.has("confirmed") == item.has("unconfirmed"):
        raise node.error('must say either "confirmed" (where) or "unconfirmed" (why)')
    confirmed = item.has("confirmed")
    code = item["code"].matching(LOINC_CODE, "a LOINC code with its check digit")
    body, check = code.split("-")
    if loinc_check_digit(body) != int(check):
        raise item["code"].error(f"{code}: the check digit should be {loinc_check_digit(body)}")
    return LoincCode(
        code=code,
        display=item["display"].text(),
        confirmed=confirmed,
        how=item["confirmed" if confirmed else "unconfirmed"].text(),
    )


def _test(node: Node, answers: dict[str, Answer]) -> PocTest:
    item = node.object({"key", "name", "words", "specimen", "loinc", "ranges_source", "analytes"})
    analytes = tuple(_analyte(a, answers) for a in item["analytes"].items())
    test = PocTest(
        key=item["key"].word(),
        name=item["name"].text(),
        words=item["words"].words(),
        specimen=item["specimen"].text(),
        loinc=loinc_code(item["loinc"]) if item.has("loinc") else None,
        ranges_source=item["ranges_source"].text(),
        analytes=analytes,
    )
    if not test.words:
        raise item["words"].error("needs at least one word")
    if not test.single and any(not a.words for a in analytes):
        raise item["analytes"].error("every analyte of a panel needs its words")
    _check_unique(item["analytes"], [a.key for a in analytes], "analyte key")
    _check_unique(item["analytes"], [w for a in analytes for w in a.words], "analyte word")
    return test


def _analyte(node: Node, answers: dict[str, Answer]) -> Analyte:
    item = node.object(
        {"key", "name", "words", "kind", "loinc"},
        {"unit", "unit_display", "decimals", "plausible", "normal", "critical", "choices"},
    )
    kind: Kind = item["kind"].choice(KINDS)  # type: ignore[assignment]
    base = Analyte(
        key=item["key"].word(),
        name=item["name"].text(),
        words=item["words"].words(),
        kind=kind,
        loinc=loinc_code(item["loinc"]),
    )
    if kind == "quantity":
        return _quantity(item, base)
    if item.has("unit") or item.has("normal") or item.has("plausible"):
        raise item.error(f"a {kind} analyte has choices, not units or ranges")
    choices = tuple(_choice(c, answers) for c in item["choices"].items())
    _check_unique(item["choices"], [w for c in choices for w in c.words], "choice word")
    _check_unique(item["choices"], [c.value for c in choices], "choice value")
    if sum(c.normal for c in choices) != 1:
        raise item["choices"].error("needs exactly one normal choice")
    return replace(base, choices=choices)


def _quantity(item: Node, base: Analyte) -> Analyte:
    if item.has("choices"):
        raise item.error("a quantity has ranges, not choices")
    plausible = _limits(item["plausible"], both=True)
    normal = tuple(_band(b) for b in item["normal"].items())
    critical = _limits(item["critical"]) if item.has("critical") else Limits()
    for band in normal:
        for bound in (band.limits.low, band.limits.high):
            if bound is not None and (plausible.below(bound) or plausible.above(bound)):
                raise item["normal"].error("a normal limit lies outside the plausible limits")
    return replace(
        base,
        unit=item["unit"].text(),
        unit_display=str(item["unit_display"].value or ""),
        decimals=item["decimals"].integer(),
        plausible=plausible,
        normal=normal,
        critical=critical,
    )


def _limits(node: Node, *, both: bool = False, extra: frozenset[str] = frozenset()) -> Limits:
    item = node.object(set(), {"low", "high", *extra})
    low, high = item["low"].optional_decimal(), item["high"].optional_decimal()
    if both and (low is None or high is None):
        raise node.error("needs both low and high")
    if low is None and high is None:
        raise node.error("needs low, high or both")
    if low is not None and high is not None and low >= high:
        raise node.error("low must be below high")
    return Limits(low, high)


def _band(node: Node) -> NormalBand:
    item = node.object(set(), {"low", "high", "sex", "from_age"})
    limits = _limits(item, extra=frozenset({"sex", "from_age"}))
    sex = item["sex"].choice(SEXES) if item.has("sex") else "any"
    age = item["from_age"].duration() if item.has("from_age") else "0y"
    if not age.endswith("y"):
        raise item["from_age"].error("give the age in years, e.g. 18y")
    return NormalBand(limits, sex, int(age[:-1]))


def _choice(node: Node, answers: dict[str, Answer]) -> Choice:
    item = node.object({"value", "display", "words", "normal"}, {"answer"})
    answer = None
    if item.has("answer"):
        key = item["answer"].text()
        if key not in answers:
            raise item["answer"].error(f"{key!r} is not one of the catalog's answers")
        answer = answers[key]
    choice = Choice(
        value=item["value"].text(),
        display=item["display"].text(),
        words=item["words"].words(),
        normal=item["normal"].boolean(),
        answer=answer,
    )
    if not choice.words:
        raise item["words"].error("needs at least one word")
    return choice


def _check_unique(node: Node, values: list[str], what: str) -> None:
    seen: set[str] = set()
    for value in values:
        if value in seen:
            raise node.error(f"repeats the {what} {value!r}")
        seen.add(value)
