"""One line for a point-of-care result: ``ua glu neg bld tr le 1+ nit pos sg 1.020 ph 6``.

The first word names the test (``ua``, ``glu``, ``a1c``, ``hcg``, ``strep``,
``flu``, ``covid``, ``hgb``, ``inr``; the catalog lists every word). A test with
one analyte takes its value next: ``glu 104``, ``a1c 7.2``, ``hcg neg``,
``strep pos``, ``covid neg``, ``hgb 12.1``, ``inr 2.4``. A panel takes pairs of
analyte and value in any order: ``ua glu neg bld tr``, ``flu a neg b pos``.

A value is a number for a measured analyte (checked against what the device can
read) or one of the analyte's reading words (``neg``, ``tr``, ``1+``, ``small``,
``pos``, ``invalid``). Nothing is guessed: a value without its analyte
(``ua neg``), an analyte twice, a reading the pad does not have (``glu 100`` on a
dipstick), a number out of the device's range or with more decimals than it reads,
``flu neg`` (A or B?), each is refused with the reason and its place in the line.
:func:`parse_poc_line` never raises.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from ma_tui.data.catalogs.poc_tests import Analyte, Choice, PocCatalog, PocTest, poc_catalog

MAX_LINE = 200
EXAMPLE = "ua glu neg bld tr le 1+ nit pos sg 1.020 ph 6"
_SPLIT = re.compile(r"[^\s,;]+")
_NUMBER = re.compile(r"[0-9]{1,4}(?:\.[0-9]{1,4})?|\.[0-9]{1,4}")


@dataclass(frozen=True, slots=True)
class LinePiece:
    """One word of the line, where it is, and the problem with it if any."""

    start: int
    end: int
    text: str
    error: str | None = None


@dataclass(frozen=True, slots=True)
class Reading:
    """One analyte's value as read from the line."""

    analyte: Analyte
    typed: str
    value: Decimal | None = None  # quantities
    choice: Choice | None = None  # ordinal and qualitative analytes

    @property
    def shown(self) -> str:
        """The value as the readback and the record show it: ``1.020``, ``trace``."""
        if self.choice is not None:
            return self.choice.display
        assert self.value is not None
        return f"{self.value:.{self.analyte.decimals}f}"


@dataclass(frozen=True, slots=True)
class PocLine:
    """What a line says: the test, its readings, and every piece with its problem."""

    test: PocTest | None = None
    readings: tuple[Reading, ...] = ()
    pieces: tuple[LinePiece, ...] = field(default_factory=tuple)

    @property
    def empty(self) -> bool:
        return not self.pieces

    @property
    def errors(self) -> tuple[LinePiece, ...]:
        return tuple(piece for piece in self.pieces if piece.error)

    @property
    def ok(self) -> bool:
        """A test and at least one reading, and nothing refused."""
        return self.test is not None and bool(self.readings) and not self.errors

    @property
    def missing(self) -> tuple[Analyte, ...]:
        """The test's analytes the line does not give (a partly read panel)."""
        if self.test is None:
            return ()
        given = {reading.analyte.key for reading in self.readings}
        return tuple(a for a in self.test.analytes if a.key not in given)


def parse_poc_line(text: str, catalog: PocCatalog | None = None) -> PocLine:
    """Read a point-of-care line (see the module doc); never raises."""
    catalog = catalog or poc_catalog()
    if len(text) > MAX_LINE:
        return PocLine(
            pieces=(LinePiece(0, len(text), text, f"too long: at most {MAX_LINE} characters"),)
        )
    pieces = [LinePiece(m.start(), m.end(), m.group()) for m in _SPLIT.finditer(text)]
    if not pieces:
        return PocLine()
    first = pieces[0]
    test = catalog.by_word(first.text.lower())
    if test is None:
        words = ", ".join(t.words[0] for t in catalog.tests)
        refused = LinePiece(
            first.start, first.end, first.text, f"{first.text}: not a test; one of {words}"
        )
        return PocLine(pieces=(refused, *pieces[1:]))
    if test.single:
        return _single(test, first, pieces[1:])
    return _panel(test, first, pieces[1:])


def _single(test: PocTest, head: LinePiece, rest: list[LinePiece]) -> PocLine:
    analyte = test.analytes[0]
    if not rest:
        missing = LinePiece(
            head.start,
            head.end,
            head.text,
            f"{head.text}: the result? e.g. {_example(test, analyte)}",
        )
        return PocLine(test, (), (missing,))
    value_piece, *extra = rest
    reading, problem = read_value(analyte, value_piece.text)
    checked = [head, _with(value_piece, problem and f"{head.text} {value_piece.text}: {problem}")]
    checked += [_with(p, f"{p.text}: {head.text} takes one result") for p in extra]
    return PocLine(test, (reading,) if reading else (), tuple(checked))


def _panel(test: PocTest, head: LinePiece, rest: list[LinePiece]) -> PocLine:
    checked: list[LinePiece] = [head]
    readings: list[Reading] = []
    if not rest:
        checked[0] = _with(head, f"{head.text}: which results? e.g. {_panel_example(test)}")
        return PocLine(test, (), tuple(checked))
    index = 0
    while index < len(rest):
        piece = rest[index]
        analyte = _analyte_for(test, piece.text.lower())
        if analyte is None:
            checked.append(_with(piece, _not_an_analyte(test, piece.text)))
            index += 1
            continue
        if index + 1 == len(rest):
            checked.append(
                _with(piece, f"{piece.text}: its result? e.g. {_example(test, analyte)}")
            )
            break
        value_piece = rest[index + 1]
        index += 2
        if any(r.analyte.key == analyte.key for r in readings):
            checked += [
                _with(piece, f"{piece.text}: {analyte.name} is already in this line"),
                value_piece,
            ]
            continue
        reading, problem = read_value(analyte, value_piece.text)
        checked += [
            piece,
            _with(value_piece, problem and f"{piece.text} {value_piece.text}: {problem}"),
        ]
        if reading is not None:
            readings.append(reading)
    return PocLine(test, tuple(readings), tuple(checked))


def read_value(analyte: Analyte, typed: str) -> tuple[Reading | None, str | None]:
    """The reading a typed value gives for this analyte, or None and why not."""
    word = typed.lower()
    if analyte.kind != "quantity":
        choice = analyte.choice_for(word)
        if choice is None:
            return None, f"not a reading of {analyte.name.lower()}; one of {_choice_words(analyte)}"
        return Reading(analyte, typed, choice=choice), None
    if not _NUMBER.fullmatch(word):
        return None, f"{analyte.name.lower()} is a number, e.g. {_example_value(analyte)}"
    try:
        value = Decimal(word)
    except InvalidOperation:  # pragma: no cover - the pattern admits only numbers
        return None, "not a number"
    exponent = value.as_tuple().exponent
    places = -exponent if isinstance(exponent, int) and exponent < 0 else 0
    if places > analyte.decimals:
        shown = "whole numbers" if analyte.decimals == 0 else f"{analyte.decimals} decimal places"
        return None, f"{analyte.name.lower()} is read in {shown}"
    low, high = analyte.plausible.low, analyte.plausible.high
    if analyte.plausible.below(value) or analyte.plausible.above(value):
        unit = f" {analyte.unit_display}" if analyte.unit_display else ""
        return None, f"outside what the test reads ({low}-{high}{unit}); check and retype"
    return Reading(analyte, typed, value=value), None


def _analyte_for(test: PocTest, word: str) -> Analyte | None:
    return next((a for a in test.analytes if word in a.words), None)


def _not_an_analyte(test: PocTest, typed: str) -> str:
    word = typed.lower()
    if any(a.choice_for(word) for a in test.analytes) or _NUMBER.fullmatch(word):
        return f"{typed}: which result is it? name it first, e.g. {_panel_example(test)}"
    names = ", ".join(a.words[0] for a in test.analytes)
    return f"{typed}: not part of {test.name.lower()}; one of {names}"


def _with(piece: LinePiece, error: str | None) -> LinePiece:
    return piece if not error else LinePiece(piece.start, piece.end, piece.text, error)


def _choice_words(analyte: Analyte) -> str:
    return ", ".join(choice.words[0] for choice in analyte.choices)


def _example_value(analyte: Analyte) -> str:
    if analyte.kind != "quantity":
        return analyte.choices[0].words[0]
    band = analyte.normal[0].limits if analyte.normal else analyte.plausible
    value = band.high if band.high is not None else band.low
    assert value is not None
    return f"{value:.{analyte.decimals}f}"


def _example(test: PocTest, analyte: Analyte) -> str:
    if test.single:
        return f"{test.words[0]} {_example_value(analyte)}"
    return f"{analyte.words[0]} {_example_value(analyte)}"


def _panel_example(test: PocTest) -> str:
    return " ".join([test.words[0], *(_example(test, a) for a in test.analytes[:2])])


def line_example(test: PocTest) -> str:
    """A line of this test as the entry field's placeholder shows it: ``glu 140``."""
    if test.single:
        return _example(test, test.analytes[0])
    if EXAMPLE.split()[0] in test.words:
        return EXAMPLE
    return _panel_example(test)
