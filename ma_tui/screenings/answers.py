"""A screening typed on one line: one digit per item.

``0 1 2 1``, ``0121`` and ``0,1,2,1`` are the same four answers: every answer is one
digit (the catalog guarantees it), so spaces and commas only help the eye. A line
may start with the instrument's name (``phq9 1 2 0 1 3 0 1 0 1``, ``GAD-7: 0121000``)
and must when the screen does not already know which screening it is for. The word
``declined`` (or ``refused``) after the name records that the patient declined.

Every answer is checked against its item's choices, and the count against the items
still to answer: items already answered (a PHQ-9's first two, taken from the PHQ-2
that led to it) are not typed again. Any text either gives the answers or raises
:class:`AnswersRefused`, whose message is the one line shown under the field.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from ma_tui.core.errors import InvalidInput
from ma_tui.data.catalogs.screenings import (
    AnswerKind,
    AnswerList,
    Instrument,
    InstrumentKind,
    Item,
    ScreeningCatalog,
    screening_catalog,
)

MAX_LINE = 200  # longer is never a screening; refusing early keeps the message short
DECLINED_WORDS = frozenset({"declined", "decline", "refused"})
SEPARATORS = frozenset(" \t,;")
_DIGITS = "0123456789"  # not str.isdigit(): other scripts' digits are not answers
# A name starts with a letter and runs to a space or a colon: "phq9", "PHQ-9:", "audit-c".
_NAME = re.compile(r"\s*([A-Za-z][A-Za-z0-9-]*)\s*(?::\s*|\s+|$)(.*)", re.DOTALL)


class AnswersRefused(InvalidInput, ValueError):
    """The line cannot be taken. ``str()`` says why in one line; ``item`` is the item
    number at fault, or None when the fault is the whole line."""

    def __init__(self, message: str, item: int | None = None) -> None:
        super().__init__(message)
        self.item = item


@dataclass(frozen=True, slots=True)
class TypedAnswers:
    instrument: Instrument
    scores: tuple[int, ...]  # one per item, in item order (given ones included); () if declined
    declined: bool = False


def parse_answers(
    text: str,
    *,
    expected: Instrument | None = None,
    given: Mapping[str, Mapping[int, int]] | None = None,
    catalog: ScreeningCatalog | None = None,
) -> TypedAnswers:
    """The answers typed in ``text``.

    ``expected`` is the screening the line is for (None: the line must name it).
    ``given`` holds, per instrument key, the answers already known by item number:
    those items are not typed, and their scores are put in their place.
    """
    catalog = catalog or screening_catalog()
    line = text.strip()
    if len(line) > MAX_LINE:
        raise AnswersRefused(f"too long for a screening: at most {MAX_LINE} characters")
    instrument, rest = _instrument(line, expected, catalog)
    if instrument.kind == InstrumentKind.HISTORY_PROMPT:
        raise AnswersRefused(f"{instrument.name} is not typed here: {instrument.stem}")
    if rest.casefold() in DECLINED_WORDS:
        return TypedAnswers(instrument=instrument, scores=(), declined=True)
    known = dict((given or {}).get(instrument.key, {}))
    to_type = [item for item in instrument.items if item.number not in known]
    digits = _digits(rest, instrument, to_type)
    _check_count(instrument, to_type, digits)
    typed = dict(zip((item.number for item in to_type), digits, strict=True))
    for item in to_type:
        _check_choice(item, typed[item.number])
    scores = tuple({**known, **typed}[item.number] for item in instrument.items)
    return TypedAnswers(instrument=instrument, scores=scores)


def answer_line(instrument: Instrument, scores: Sequence[int]) -> str:
    """The line that gives these answers: ``"phq9 1 2 0 1 3 0 1 0 1"``."""
    return " ".join((instrument.key, *(str(score) for score in scores)))


def choices_hint(items: Sequence[Item]) -> str:
    """``"0 to 3"`` when every item takes the same digits, else per item."""
    lists = {item.answers for item in items}
    if len(lists) == 1:
        return _choices(lists.pop())
    return ", ".join(f"item {item.number} {_choices(item.answers)}" for item in items)


def _choices(answers: AnswerList) -> str:
    if answers.kind == AnswerKind.BOOLEAN:
        return "0 no, 1 yes"
    return f"0 to {answers.max_score}"


def items_span(items: Sequence[Item]) -> str:
    """``"items 3-9"``, ``"item 4"`` or ``"items 1, 3"``: the items named."""
    numbers = [item.number for item in items]
    if len(numbers) == 1:
        return f"item {numbers[0]}"
    if numbers == list(range(numbers[0], numbers[-1] + 1)):
        return f"items {numbers[0]}-{numbers[-1]}"
    return "items " + ", ".join(str(number) for number in numbers)


# ------------------------------------------------------------------ the parts


def _instrument(
    line: str, expected: Instrument | None, catalog: ScreeningCatalog
) -> tuple[Instrument, str]:
    """The instrument the line is for, and what follows its name."""
    match = _NAME.fullmatch(line)
    if match is None or (expected is not None and match.group(1).casefold() in DECLINED_WORDS):
        if expected is None:
            raise AnswersRefused(f"start with the screening's name: {_names(catalog)}")
        if not line:
            raise AnswersRefused(_empty_message(expected))
        return expected, line
    word, rest = match.group(1), match.group(2).strip()
    named = catalog.find(word)
    if named is None:
        raise AnswersRefused(f"{word!r} is not a screening: {_names(catalog)}")
    if expected is not None and named.key != expected.key:
        raise AnswersRefused(f"this line is for {expected.name}, not {named.name}")
    if not rest and named.kind == InstrumentKind.QUESTIONNAIRE:
        raise AnswersRefused(_empty_message(named))
    return named, rest


def _names(catalog: ScreeningCatalog) -> str:
    return ", ".join(
        key
        for key, instrument in catalog.instruments.items()
        if instrument.kind == InstrumentKind.QUESTIONNAIRE
    )


def _empty_message(instrument: Instrument) -> str:
    count = len(instrument.items)
    return (
        f"type {instrument.name}'s {count} answers, one digit each "
        f"({choices_hint(instrument.items)}), or 'declined'"
    )


def _digits(rest: str, instrument: Instrument, to_type: Sequence[Item]) -> list[int]:
    digits: list[int] = []
    for char in rest:
        if char in SEPARATORS:
            continue
        if char not in _DIGITS:
            shown = char if char.isprintable() else f"U+{ord(char):04X}"
            raise AnswersRefused(
                f"{shown!r} is not an answer: {instrument.name} takes digits "
                f"({choices_hint(to_type)}), or 'declined'"
            )
        digits.append(int(char))
    return digits


def _check_count(instrument: Instrument, to_type: Sequence[Item], digits: Sequence[int]) -> None:
    wanted, got = len(to_type), len(digits)
    if got == wanted:
        return
    given = [item for item in instrument.items if item not in to_type]
    ahead = f"{items_span(given)} are in already: " if given else ""
    if got < wanted:
        missing = to_type[got:]
        raise AnswersRefused(
            f"{instrument.name}: {ahead}{wanted} answers needed, {got} typed "
            f"({items_span(missing)} missing)",
            item=missing[0].number,
        )
    raise AnswersRefused(
        f"{instrument.name}: {ahead}{wanted} answers needed, {got} typed ({got - wanted} too many)"
    )


def _check_choice(item: Item, score: int) -> None:
    if item.answers.choice(score) is None:
        raise AnswersRefused(
            f"item {item.number} ({item.short}) cannot be {score}: "
            f"its answers are {_choices(item.answers)}",
            item=item.number,
        )
