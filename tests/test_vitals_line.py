"""The one-line vitals grammar (ma_tui/vitals_line.py): what each piece fills, what it refuses."""

from __future__ import annotations

from datetime import datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ma_tui.vitals.entry import NOT_OBTAINED_REASONS, VitalsForm
from ma_tui.vitals.line import (
    MAX_LINE,
    VITAL_LETTERS,
    VitalsLine,
    line_readback,
    parse_vitals_line,
    read_line,
)
from ma_tui.vitals.measurements import ClinicUnits
from tests.conftest import CLINIC_NOW

US = ClinicUnits()
ADULT = 40 * 365
TODDLER = 3 * 365 + 250  # Ada: 3 y 8 mo


def parse(text: str) -> VitalsLine:
    return parse_vitals_line(text)


def read(text: str, age_days: int = ADULT, now: datetime = CLINIC_NOW) -> VitalsLine:
    return read_line(text, VitalsForm(), US, age_days, now)


# ------------------------------------------------------------------ examples


def test_the_issue_example_fills_every_field() -> None:
    line = parse("128/82 p76 r16 t98.4 o97 h65 w171 pn2")
    assert line.values == {
        "bp": "128/82",
        "pulse": "76",
        "resp": "16",
        "temp": "98.4",
        "spo2": "97",
        "height": "65",
        "weight": "171",
        "pain": "2",
    }
    assert line.errors == ()
    assert line.not_obtained == {}
    assert line.qualifiers == {}


def test_order_does_not_matter() -> None:
    assert parse("pn2 w171 t98.4 128/82 p76").values == parse("128/82 p76 t98.4 w171 pn2").values


def test_unit_suffixes_go_to_the_field_as_typed() -> None:
    line = read("t38.1c h92.5cm w13.6kg hc48cm", age_days=TODDLER)
    assert line.values == {"temp": "38.1c", "height": "92.5cm", "weight": "13.6kg", "head": "48cm"}
    assert line.errors == ()
    assert parse("h5'5\" w7lb4oz").values == {"height": "5'5\"", "weight": "7lb4oz"}


def test_a_second_bp_is_the_repeat_and_a_third_is_refused() -> None:
    line = parse("168/98 162/96 150/90")
    assert (line.values["bp"], line.values["bp2"]) == ("168/98", "162/96")
    (third,) = line.errors
    assert third.text == "150/90"
    assert "two readings" in (third.error or "")


def test_qualifiers_oxygen_and_the_time_taken() -> None:
    line = parse("standing rarm large 128/82 t99.1 tymp o91 2l @14:05")
    assert line.qualifiers == {
        "position": "standing",
        "arm": "right arm",
        "cuff": "large adult",
        "temp_route": "tympanic",
        "o2_flow": "2",
        "taken_at": "14:05",
    }
    assert parse("o97 air").qualifiers == {"o2_flow": ""}


@pytest.mark.parametrize(
    ("typed", "reason"),
    [
        ("bp:unc", "patient uncooperative"),
        ("bp:dec", "patient declined"),
        ("t:unab", "patient unable"),
        ("w:equip", "equipment unavailable"),
        ("h:not", "not indicated"),
        ("p:prov", "provider request"),
    ],
)
def test_not_obtained_takes_the_start_of_a_reason(typed: str, reason: str) -> None:
    line = parse(typed)
    assert line.errors == ()
    ((key, got),) = line.not_obtained.items()
    assert got == reason
    assert key in VITAL_LETTERS.values() or key == "bp"


def test_pain_unable_to_rate() -> None:
    line = read("pnu")
    assert line.values == {"pain": "u"}
    assert line.errors == ()
    (part,) = line_readback(line, VitalsForm(), US, ADULT, CLINIC_NOW)
    assert "unable to rate" in part.text


@pytest.mark.parametrize(
    ("typed", "why"),
    [
        ("76", "which vital"),  # a bare number could be any vital: never guessed
        ("98.4", "which vital"),
        ("ra", "right arm or room air"),
        ("xyz", "not a vital"),
        ("bp:un", "which reason"),  # uncooperative, unable or unavailable
        ("bp:", "give the reason"),
        ("bp:zebra", "not a reason"),
        ("p76 p80", "already in this line"),
        ("sitting standing", "already sitting"),
        ("bp:unc 128/82 120/80", "two readings"),
    ],
)
def test_what_is_refused_says_why_and_fills_nothing(typed: str, why: str) -> None:
    line = parse(typed)
    refused = line.refused[-1]
    assert why in (refused.error or "")
    assert refused.target is None
    assert typed[refused.start : refused.end] == refused.text


def test_a_value_its_field_refuses_is_pointed_at_but_still_fills_the_field() -> None:
    line = read("128/82 p7 t38.5")
    errors = {piece.text: piece.error or "" for piece in line.errors}
    assert set(errors) == {"p7", "t38.5"}  # 7 /min; 38.5 °F (the unit catch offers °C)
    assert line.values["pulse"] == "7"
    assert line.refused == ()


def test_head_circumference_is_for_children_under_five() -> None:
    assert read("hc48cm", age_days=TODDLER).errors == ()
    (adult,) = read("hc48cm").errors
    assert "under 5 years" in (adult.error or "")


def test_a_too_long_line_is_one_refused_piece() -> None:
    line = parse("p76 " * (MAX_LINE // 4 + 1))
    assert [piece.error for piece in line.pieces] == [f"too long: at most {MAX_LINE} characters"]


def test_full_width_letters_and_digits_are_read() -> None:
    full_width = "\uff50\uff17\uff16 \uff34\uff19\uff18.\uff14"  # p76 T98.4, as an IME types
    assert read(full_width).errors == ()
    assert parse(full_width).values == {"pulse": "\uff17\uff16", "temp": "\uff19\uff18.\uff14"}


def test_the_readback_names_each_value_with_its_conversion_and_flag() -> None:
    line = read("168/98 t38.9c o91 2l w171 8")
    texts = [part.text for part in line_readback(line, VitalsForm(), US, ADULT, CLINIC_NOW)]
    assert texts[0].startswith("✗ 8: which vital?")  # what needs fixing comes first
    assert texts[1:] == [
        "BP 168/98 H",
        "T 38.9 °C (102.0 °F) H",
        "SpO2 91 % on O2 2 L/min L",
        "Wt 171 lb (77.6 kg)",
    ]


def test_an_infants_length_is_read_back_as_a_length_not_a_height() -> None:
    """Under 2 the field says Length (lying down): its readback says so too."""
    infant = 200  # days
    line = read("h26", age_days=infant)
    texts = [part.text for part in line_readback(line, VitalsForm(), US, infant, CLINIC_NOW)]
    assert texts == ["Len 26 in (66 cm)"]
    adult = [part.text for part in line_readback(read("h65"), VitalsForm(), US, ADULT, CLINIC_NOW)]
    assert adult == ["Ht 65 in (165.1 cm)"]


# ---------------------------------------------------------- properties

SEPARATORS = st.sampled_from([" ", "  ", ", ", ";", "\t"])
LETTERS = {key: [s for s, k in VITAL_LETTERS.items() if k == key] for key in VITAL_LETTERS.values()}


@st.composite
def vital_sets(draw: st.DrawFn) -> dict[str, str]:
    """A set of plausible adult vitals in the clinic's units, as an MA types them."""
    systolic = draw(st.integers(90, 180))
    values = {
        "bp": f"{systolic}/{draw(st.integers(50, systolic - 20))}",
        "pulse": str(draw(st.integers(45, 150))),
        "resp": str(draw(st.integers(10, 30))),
        "temp": f"{draw(st.integers(960, 1030)) / 10:g}",
        "spo2": str(draw(st.integers(88, 100))),
        "height": str(draw(st.integers(55, 78))),
        "weight": str(draw(st.integers(100, 350))),
        "pain": str(draw(st.integers(0, 10))),
    }
    keys = draw(st.lists(st.sampled_from(sorted(values)), min_size=1, unique=True))
    return {key: values[key] for key in keys}


@given(vital_sets(), st.randoms(use_true_random=False), SEPARATORS, st.booleans())
def test_any_set_in_any_order_reads_back_exactly(
    vitals: dict[str, str], rng: object, separator: str, upper: bool
) -> None:
    pieces = []
    for key, value in vitals.items():
        letters = "" if key == "bp" else rng.choice(LETTERS[key])  # type: ignore[attr-defined]
        pieces.append(letters.upper() + value if upper else letters + value)
    rng.shuffle(pieces)  # type: ignore[attr-defined]
    line = read(separator.join(pieces))
    assert line.errors == ()
    assert line.values == vitals


@given(st.text(max_size=MAX_LINE))
def test_any_text_is_read_without_raising_and_every_piece_is_where_it_was_typed(text: str) -> None:
    line = read(text)
    for piece in line.pieces:
        assert text[piece.start : piece.end] == piece.text
        assert piece.target is not None or piece.error
    filled = {piece.target for piece in line.pieces if piece.target is not None}
    assert set(line.fills()) <= filled | {"bp"}


@given(st.from_regex(r"[0-9]{1,3}(\.[0-9])?", fullmatch=True))
def test_a_number_without_letters_is_never_given_a_vital(number: str) -> None:
    line = parse(number)
    assert line.values == {}
    assert len(line.refused) == 1


@given(st.sampled_from(NOT_OBTAINED_REASONS), st.sampled_from(sorted(LETTERS)))
def test_every_reason_is_reachable_by_a_whole_word(reason: str, key: str) -> None:
    word = next(w for w in reason.split() if w != "patient")
    line = parse(f"{LETTERS[key][0]}:{word}")
    assert line.not_obtained == {key: reason}
