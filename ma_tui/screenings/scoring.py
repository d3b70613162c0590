"""Scoring a screening: every item's answer kept, the total, its band, alerts, reflexes.

A result is built from the instrument and one score per item, and holds nothing it
could disagree with: the total, the band ("moderate", "positive"), whether the
screen is positive and the alerts are all worked out from the answers and the
catalog, so the same answers always read the same. The total is the sum of the item
scores for every instrument (STEADI's is the number of yes answers, and any yes is
"at risk"). The band depends on the patient's sex only where the catalog says so
(AUDIT-C).

An alert is an answer that must reach the clinician now whatever the total (PHQ-9
item 9 above "not at all"). A reflex is the instrument a positive result leads to in
the same visit: a positive PHQ-2 leads to the PHQ-9, whose first two items are the
PHQ-2's two answers, so the MA types only the other seven.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from ma_tui.data.catalogs.screenings import (
    Band,
    Choice,
    Instrument,
    InstrumentKind,
    Item,
    Scoring,
    ScreeningCatalog,
    reflex_items,
    screening_catalog,
)
from ma_tui.data.models.patients import Sex
from ma_tui.screenings.answers import AnswersRefused, items_span


@dataclass(frozen=True, slots=True)
class ItemAnswer:
    item: Item
    choice: Choice

    @property
    def line(self) -> str:
        """``"3. Sleep trouble: 2 More than half the days"``."""
        return f"{self.item.number}. {self.item.short}: {self.choice.score} {self.choice.text}"


@dataclass(frozen=True, slots=True)
class Alert:
    """An answer the clinician must hear about now; the MA acknowledges it."""

    instrument: str  # key
    item: int  # item number
    text: str  # exactly as shown to the MA


@dataclass(frozen=True, slots=True)
class ScreeningResult:
    """One instrument given in a visit: answered (``scores``) or declined."""

    instrument: Instrument
    sex: Sex  # the patient's: some bands depend on it
    scores: tuple[int, ...] = ()  # one per item, in item order; () when declined
    declined: bool = False
    reflexed_from: str | None = None  # the key of the positive screen that led here

    def __post_init__(self) -> None:
        if self.instrument.kind != InstrumentKind.QUESTIONNAIRE:
            raise AnswersRefused(f"{self.instrument.name} is not scored: {self.instrument.stem}")
        if self.declined:
            if self.scores:
                raise AnswersRefused(f"{self.instrument.name} was declined: it has no answers")
            return
        items = self.instrument.items
        if len(self.scores) != len(items):
            raise AnswersRefused(
                f"{self.instrument.name} has {len(items)} items, not {len(self.scores)}: "
                "type it again"
            )
        for item, score in zip(items, self.scores, strict=True):
            if item.answers.choice(score) is None:
                raise AnswersRefused(
                    f"{self.instrument.name} item {item.number} cannot be {score}: type it again",
                    item=item.number,
                )

    @property
    def answers(self) -> tuple[ItemAnswer, ...]:
        """Every item with the choice given, in item order (none when declined)."""
        return tuple(
            ItemAnswer(item=item, choice=_choice(item, score))
            for item, score in zip(self.instrument.items, self.scores, strict=False)
        )

    @property
    def total(self) -> int | None:
        if self.declined:
            return None
        assert self.instrument.scoring == Scoring.SUM, "the one rule the catalog allows"
        return sum(self.scores)

    @property
    def band(self) -> Band | None:
        total = self.total
        return None if total is None else self.instrument.band(total, self.sex)

    @property
    def positive(self) -> bool:
        band = self.band
        return band is not None and band.positive

    @property
    def alerts(self) -> tuple[Alert, ...]:
        found: list[Alert] = []
        for rule in self.instrument.alerts:
            if self.declined or self.scores[rule.item - 1] < rule.from_score:
                continue
            answer = self.answers[rule.item - 1]
            found.append(Alert(self.instrument.key, rule.item, rule.text_for(answer.choice)))
        return tuple(found)

    @property
    def summary(self) -> str:
        """``"PHQ-9 12, moderate"``, ``"STEADI 1 of 3, at risk of falling"``,
        ``"AUDIT-C declined"``: one line for the review."""
        band = self.band
        if band is None:
            return f"{self.instrument.name} declined"
        total = f"{self.total} of {self.instrument.max_total}"
        if self.instrument.total_code is not None:
            total = str(self.total)
        return f"{self.instrument.name} {total}, {band.label}"


def _choice(item: Item, score: int) -> Choice:
    choice = item.answers.choice(score)
    assert choice is not None, "checked when the result was made"
    return choice


@dataclass(frozen=True, slots=True)
class Reflex:
    """A positive screen's follow-up: ``target`` with ``given`` answers already in."""

    source: ScreeningResult
    target: Instrument
    given: Mapping[int, int]  # the target's item number -> score, from the source

    @property
    def to_type(self) -> tuple[Item, ...]:
        return tuple(item for item in self.target.items if item.number not in self.given)

    @property
    def prompt(self) -> str:
        """``"PHQ-2 positive (4): give the PHQ-9; items 1-2 are in, type items 3-9"``."""
        given = tuple(item for item in self.target.items if item.number in self.given)
        return (
            f"{self.source.instrument.name} positive ({self.source.total}): "
            f"give the {self.target.name}; {items_span(given)} are in, "
            f"type {items_span(self.to_type)}"
        )


def reflex(result: ScreeningResult, catalog: ScreeningCatalog | None = None) -> Reflex | None:
    """The follow-up a positive ``result`` leads to, or None."""
    if not result.positive or result.instrument.reflex is None:
        return None
    catalog = catalog or screening_catalog()
    target = catalog.instruments[result.instrument.reflex]
    mapping = reflex_items(result.instrument, target)
    assert mapping is not None, "the catalog checks every reflex"
    given = {mapping[number]: result.scores[number - 1] for number in mapping}
    return Reflex(source=result, target=target, given=given)
