"""One line for a whole set of vitals, in any order: ``128/82 p76 r16 t98.4 o97 h65 w171 pn2``.

The grammar (``parse_vitals_line``) only says which field each piece of the line
fills; every value is then read by the same parser as its own field (units,
limits, flags, checks), so the line and the fields can never disagree.

Pieces are separated by spaces (or commas). Each piece is one of:

- **a vital**: its letters, then the value as the field takes it, a unit suffix
  included: ``p76``, ``r16``, ``t98.4`` or ``t38.1c``, ``o97`` (SpO2), ``h65``,
  ``h92.5cm`` or ``h5'5"``, ``w171``, ``w13.6kg`` or ``w7lb4oz``, ``hc48cm`` (head
  circumference), ``pn2`` or ``pnu`` (pain, unable to rate). Longer names work too:
  ``hr``, ``rr``, ``spo2``, ``ht``, ``wt``, ``bp``.
- **a blood pressure**: ``128/82``, the one vital that needs no letters. A second
  one is the repeat reading (``168/98 162/96``); a third is refused.
- **not obtained**: the vital's letters, a colon and the reason, as a word's start:
  ``bp:unc`` (patient uncooperative), ``t:dec`` (declined), ``w:una`` (unable),
  ``o:equip``, ``h:not`` (not indicated), ``p:prov`` (provider request).
- **oxygen**: ``2l``, ``2lpm`` or ``2l/min`` is the O2 flow the SpO2 was taken on;
  ``air`` (or ``roomair``) is room air, the default.
- **a qualifier word**: ``sitting``/``sit``, ``standing``/``stand``, ``lying``/``supine``;
  ``rarm``, ``larm``, ``rleg``, ``lleg``; cuff ``adult``, ``large``, ``small``,
  ``child``, ``infant``, ``thigh``; temperature route ``oral``, ``tymp``,
  ``temporal``, ``ax``, ``rectal``.
- **the time taken**: ``@14:05`` or ``@1405`` (``@11/22 14:05`` is not a single piece;
  type another day's time in its own field).

Nothing is guessed. A number without letters (``76``) could be any vital, so it is
refused with the reason; so is ``ra`` (right arm or room air?), a vital given twice,
two different positions, or a reason that fits two (``un``: uncooperative or
unable?). Each refused piece is pointed at by its place in the line.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Literal

from ma_tui.core.parsing import ParseError
from ma_tui.vitals.entry import (
    BY_KEY,
    NOT_OBTAINED_REASONS,
    VitalsForm,
    growth_of,
    parse_time_taken,
    read_field,
)
from ma_tui.vitals.measurements import TYPED_ASCII, ClinicUnits, parse_o2_flow
from ma_tui.vitals.measurements import UNABLE_TO_RATE as UNABLE_WORDS
from ma_tui.vitals.percentiles import Child, percentile_note
from ma_tui.vitals.readback import LENGTH_UNTIL_DAYS, readback

MAX_LINE = 200  # far more than a full set with every qualifier
EXAMPLE = "128/82 p76 r16 t98.4 o97 h65 w171 pn2"
INFANT_EXAMPLE = "p132 r36 t98.9 o99 h26 w17.2 hc17"  # a 6-month-old's, in lb and in

# The letters before a value, longest first so ``hc`` wins over ``h`` and ``pn`` over ``p``.
VITAL_LETTERS: dict[str, str] = {
    "spo2": "spo2",
    "bp": "bp",
    "hr": "pulse",
    "rr": "resp",
    "ht": "height",
    "wt": "weight",
    "hc": "head",
    "pn": "pain",
    "sp": "spo2",
    "p": "pulse",
    "r": "resp",
    "t": "temp",
    "o": "spo2",
    "h": "height",
    "w": "weight",
}
_LETTERS_BY_LENGTH = sorted(VITAL_LETTERS, key=len, reverse=True)

# Qualifier words: the form attribute they set and the value they set it to.
QUALIFIER_WORDS: dict[str, tuple[str, str]] = {
    **dict.fromkeys(("sitting", "sit", "seated"), ("position", "sitting")),
    **dict.fromkeys(("standing", "stand"), ("position", "standing")),
    **dict.fromkeys(("lying", "supine", "lie"), ("position", "lying")),
    "rarm": ("arm", "right arm"),
    "larm": ("arm", "left arm"),
    "rleg": ("arm", "right leg"),
    "lleg": ("arm", "left leg"),
    "adult": ("cuff", "adult"),
    **dict.fromkeys(("large", "lg"), ("cuff", "large adult")),
    **dict.fromkeys(("small", "sm"), ("cuff", "small adult")),
    "child": ("cuff", "child"),
    "infant": ("cuff", "infant"),
    "thigh": ("cuff", "thigh"),
    "oral": ("temp_route", "oral"),
    **dict.fromkeys(("tymp", "tympanic"), ("temp_route", "tympanic")),
    **dict.fromkeys(("temporal", "ta"), ("temp_route", "temporal")),
    **dict.fromkeys(("ax", "axillary"), ("temp_route", "axillary")),
    **dict.fromkeys(("rectal", "rec"), ("temp_route", "rectal")),
    **dict.fromkeys(("air", "roomair"), ("o2_flow", "")),
}
QUALIFIER_NAMES = {
    "position": "position",
    "arm": "BP site",
    "cuff": "cuff",
    "temp_route": "temperature route",
    "o2_flow": "oxygen",
    "taken_at": "time taken",
}
AMBIGUOUS_WORDS = {
    "ra": "ra: right arm or room air? type rarm, or air",
    "la": "la: type larm for the left arm",
    "l": "l: a flow needs its number: 2l",
}
# A reason is chosen by the start of one of its words ("patient" names none of them).
_REASON_WORDS = {
    reason: tuple(word for word in reason.split() if word != "patient")
    for reason in NOT_OBTAINED_REASONS
}
_PAIN_UNABLE = frozenset(word for word in UNABLE_WORDS if " " not in word)  # u, ur, unable
_SPLIT = re.compile(r"[^\s,;]+")
_BP = re.compile(r"[0-9.]+/[0-9.]+(?:mmhg)?")
_FLOW = re.compile(r"(?P<n>[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:l|lpm|l/min|l/m)")
_TIME = re.compile(r"@(?P<time>[0-9]{1,2}:?[0-9]{2})")


@dataclass(frozen=True)
class LinePiece:
    """One piece of the line, where it is, and what it fills (or why it cannot)."""

    start: int  # index of its first character in the line
    end: int  # index after its last
    text: str  # as typed
    target: str | None = None  # a field key ("pulse") or a form attribute ("position")
    value: str = ""  # the field's text, the qualifier's value, or the not-obtained reason
    not_obtained: bool = False
    error: str | None = None


@dataclass(frozen=True)
class VitalsLine:
    """What a line fills: field texts, reasons not obtained, qualifiers; and its pieces."""

    pieces: tuple[LinePiece, ...] = ()
    values: dict[str, str] = field(default_factory=dict)  # field key -> text
    not_obtained: dict[str, str] = field(default_factory=dict)  # field key -> reason
    # Other form attributes: position, arm, cuff, temp_route, o2_flow, taken_at.
    qualifiers: dict[str, str] = field(default_factory=dict)

    @property
    def errors(self) -> tuple[LinePiece, ...]:
        """Every piece with a problem: refused by the grammar, or a value its field refuses."""
        return tuple(piece for piece in self.pieces if piece.error)

    @property
    def refused(self) -> tuple[LinePiece, ...]:
        """The pieces the grammar refused: they fill nothing (a value's error still fills)."""
        return tuple(piece for piece in self.pieces if piece.error and piece.target is None)

    def fills(self) -> dict[str, str]:
        """What each field key or form attribute the line sets becomes ("" if not obtained)."""
        return {**self.values, **dict.fromkeys(self.not_obtained, ""), **self.qualifiers}


def parse_vitals_line(text: str) -> VitalsLine:
    """Read a line of vitals into what it fills; never raises (see the module doc)."""
    if len(text) > MAX_LINE:
        too_long = f"too long: at most {MAX_LINE} characters"
        return VitalsLine((LinePiece(0, len(text), text, error=too_long),))
    pieces: list[LinePiece] = []
    for match in _SPLIT.finditer(text):
        piece = _read_piece(match.start(), match.end(), match.group())
        pieces.append(_against_earlier(piece, _collect(pieces)))
    return _collect(pieces)


def _collect(pieces: list[LinePiece]) -> VitalsLine:
    """The line of these pieces: what the ones without an error fill."""
    values: dict[str, str] = {}
    reasons: dict[str, str] = {}
    qualifiers: dict[str, str] = {}
    for piece in pieces:
        if piece.target is None:  # refused by the grammar: it fills nothing
            continue
        if piece.not_obtained:
            reasons[piece.target] = piece.value
        elif piece.target in BY_KEY:
            values[piece.target] = piece.value
        else:
            qualifiers[piece.target] = piece.value
    return VitalsLine(tuple(pieces), values, reasons, qualifiers)


def _read_piece(start: int, end: int, typed: str) -> LinePiece:
    """What one piece says on its own, before it is compared with the rest of the line."""
    word = typed.translate(TYPED_ASCII).lower()

    def fills(target: str, value: str, *, not_obtained: bool = False) -> LinePiece:
        return LinePiece(start, end, typed, target, value, not_obtained)

    def refused(reason: str) -> LinePiece:
        return LinePiece(start, end, typed, error=reason)

    if word in QUALIFIER_WORDS:
        return fills(*QUALIFIER_WORDS[word])
    if word in AMBIGUOUS_WORDS:
        return refused(AMBIGUOUS_WORDS[word])
    if _BP.fullmatch(word):
        return fills("bp", typed)
    if flow := _FLOW.fullmatch(word):
        return fills("o2_flow", flow.group("n"))
    if time := _TIME.fullmatch(word):
        return fills("taken_at", time.group("time"))
    letters = next((s for s in _LETTERS_BY_LENGTH if _starts_a_value(word, s)), None)
    if letters is None:
        return refused(_unknown(word))
    key = VITAL_LETTERS[letters]
    rest = typed[len(letters) :]
    if not rest.startswith(":"):
        return fills(key, rest)
    reason, problem = _reason(word[len(letters) + 1 :])
    if problem:
        return refused(f"{word}: {problem}")
    return fills(key, reason, not_obtained=True)


def _starts_a_value(word: str, letters: str) -> bool:
    """Whether ``word`` is ``letters`` then a value: a digit, a point, ``:``, or pain's ``u``."""
    if not word.startswith(letters) or len(word) == len(letters):
        return False
    after = word[len(letters) :]
    if letters == "pn" and after in _PAIN_UNABLE:
        return True
    return after[0] in "0123456789.:"


def _unknown(word: str) -> str:
    if word[:1].isdigit() or word[:1] == ".":
        return f"{word}: which vital? letters first: p{word} (pulse), r, t, o, h, w, pn"
    return f"{word}: not a vital or a qualifier; e.g. {EXAMPLE}"


def _reason(typed: str) -> tuple[str, str]:
    """The not-obtained reason the start of one of its words names, or "" and why not."""
    if not typed:
        starts = ", ".join(words[0][:4] for words in _REASON_WORDS.values())
        return "", f"give the reason after the colon: {starts}"
    found = [
        reason
        for reason, words in _REASON_WORDS.items()
        if any(word.startswith(typed) for word in words)
    ]
    if len(found) == 1:
        return found[0], ""
    if not found:
        return "", "not a reason; one of " + ", ".join(NOT_OBTAINED_REASONS)
    return "", "which reason: " + " or ".join(found) + "?"


def _against_earlier(piece: LinePiece, earlier: VitalsLine) -> LinePiece:
    """A piece that repeats or contradicts an earlier one is refused; a second BP is the repeat."""
    if piece.error or piece.target is None:
        return piece
    target = piece.target
    given = {**earlier.values, **earlier.not_obtained}
    if target == "bp" and "bp" in given:
        if "bp2" in given or "bp" in earlier.not_obtained:
            return _refuse(piece, f"{piece.text}: BP has two readings at most (one and a repeat)")
        return replace(piece, target="bp2")
    if target in given:
        name = BY_KEY[target].label.split(" ")[0]
        return _refuse(piece, f"{piece.text}: {name} is already in this line")
    if target in earlier.qualifiers and earlier.qualifiers[target] != piece.value:
        what = QUALIFIER_NAMES.get(target, target)
        already = earlier.qualifiers[target] or "room air"
        return _refuse(piece, f"{piece.text}: {what} is already {already}")
    return piece


def _refuse(piece: LinePiece, reason: str) -> LinePiece:
    return replace(piece, target=None, value="", not_obtained=False, error=reason)


def example_for(age_days: int) -> str:
    """The line shown as an example: an infant's for a child under 2, else an adult's."""
    return INFANT_EXAMPLE if age_days < LENGTH_UNTIL_DAYS else EXAMPLE


# ------------------------------------------------------------ values and readback


def apply_line(line: VitalsLine, form: VitalsForm) -> VitalsForm:
    """A copy of ``form`` with what the line fills."""
    applied = copy.deepcopy(form)
    for key, text in line.values.items():
        applied.values[key] = text
        applied.not_obtained.pop(key, None)
    for key, reason in line.not_obtained.items():
        applied.values[key] = ""
        applied.not_obtained[key] = reason
    for name, value in line.qualifiers.items():
        setattr(applied, name, value)
    return applied


def read_line(
    text: str, form: VitalsForm, units: ClinicUnits, age_days: int, now: datetime
) -> VitalsLine:
    """The line, each value read by its own field's parser; what that refuses says why.

    Such a value still fills its field, which shows the same message and may offer the
    other unit (``t38.5`` at a °F clinic); a piece the grammar refused fills nothing.
    """
    line = parse_vitals_line(text)
    applied = apply_line(line, form)
    checked = [_value_error(piece, applied, units, age_days, now) for piece in line.pieces]
    return _collect(checked)


def _value_error(
    piece: LinePiece, form: VitalsForm, units: ClinicUnits, age_days: int, now: datetime
) -> LinePiece:
    if piece.error or piece.target is None or piece.not_obtained:
        return piece
    try:
        if piece.target == "o2_flow" and piece.value:
            parse_o2_flow(piece.value)
        elif piece.target == "taken_at":
            parse_time_taken(piece.value, now)
    except ParseError as exc:
        return replace(piece, error=f"{piece.text}: {exc}")
    if piece.target in BY_KEY:
        result = read_field(piece.target, form, units, age_days, now)
        if result.error:
            return replace(piece, error=f"{piece.text}: {result.error}")
    return piece


Tone = Literal["plain", "flag", "error"]


@dataclass(frozen=True)
class ReadbackPart:
    text: str
    tone: Tone


# Short names for the readback: the fields below show the full note and band.
SHORT_NAMES = {
    "bp": "BP",
    "bp2": "BP2",
    "pulse": "P",
    "resp": "R",
    "temp": "T",
    "spo2": "SpO2",
    "height": "Ht",
    "weight": "Wt",
    "head": "HC",
    "pain": "Pain",
}


def short_name(key: str, age_days: int) -> str:
    """The readback's name of a vital: a child under 2's length is "Len", as its field
    is labelled Length (measured lying down), not "Ht"."""
    if key == "height" and age_days < LENGTH_UNTIL_DAYS:
        return "Len"
    return SHORT_NAMES[key]


def line_readback(
    line: VitalsLine,
    form: VitalsForm,
    units: ClinicUnits,
    age_days: int,
    now: datetime,
    child: Child | None = None,
) -> list[ReadbackPart]:
    """What each piece of a read line means, refused pieces first: ``P 76 /min``, ``T ... H``.

    Short, one part a piece, with the conversion and the flag (H, L, HH, LL): the
    fields below it show each value's note in full.
    """
    applied = apply_line(line, form)
    parts = [ReadbackPart(f"✗ {piece.error}", "error") for piece in line.errors]
    for piece in line.pieces:
        if piece.error or piece.target is None:
            continue
        if piece.target in BY_KEY:
            part = _vital_part(piece.target, applied, units, age_days, now)
            growth = growth_of(piece.target, applied, units, age_days, now, child)
            if growth and part.tone != "error":
                part = replace(part, text=f"{part.text} {percentile_note(growth)}")
            parts.append(part)
        elif piece.target == "o2_flow":
            if "spo2" not in line.values:  # else the SpO2 part says it
                parts.append(
                    ReadbackPart(f"O2 {piece.value} L/min" if piece.value else "room air", "plain")
                )
        elif piece.target == "taken_at":
            parts.append(ReadbackPart(f"taken {piece.value}", "plain"))
        elif piece.target == "cuff":
            parts.append(ReadbackPart(f"{piece.value} cuff", "plain"))
        else:
            parts.append(ReadbackPart(piece.value, "plain"))
    return parts


def _vital_part(
    key: str, form: VitalsForm, units: ClinicUnits, age_days: int, now: datetime
) -> ReadbackPart:
    name = short_name(key, age_days)
    entries = read_field(key, form, units, age_days, now).entries
    if not entries:
        return ReadbackPart(f"{name} —", "plain")
    first = entries[0]
    if first.not_obtained_reason:
        return ReadbackPart(f"{name} not obtained: {first.not_obtained_reason}", "plain")
    if key in ("bp", "bp2"):
        shown = "/".join(entry.value_entered or "" for entry in entries)
    else:
        shown = readback(first.value_entered, first.unit_entered, first.value, first.unit)
    if first.o2_flow_l_min is not None:
        shown += f" on O2 {first.o2_flow_l_min:g} L/min"
    flags = "/".join(dict.fromkeys(e.interpretation for e in entries if e.interpretation))
    if flags:
        return ReadbackPart(f"{name} {shown} {flags}", "flag")
    return ReadbackPart(f"{name} {shown}", "plain")
