"""Dates of birth and phone numbers as typed: examples, round trips, and no crash on any text."""

from __future__ import annotations

import re
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ma_tui.core.parsing import (
    MAX_AGE_YEARS,
    ParseError,
    normalize_phone,
    parse_date_of_birth,
    years_before,
)

TODAY = date(2026, 11, 23)


def fullwidth(text: str) -> str:
    """Digits as an East Asian input method types them (U+FF10...)."""
    return text.translate({ord(d): ord(d) + 0xFEE0 for d in "0123456789"})


todays = st.dates(min_value=date(1990, 1, 1), max_value=date(2100, 12, 31))
nasty_text = st.one_of(
    st.text(),
    st.text(alphabet="0123456789/-. +()", max_size=20),
    st.text(alphabet=st.characters(codec="utf-8"), min_size=1000, max_size=10_000),
    st.sampled_from(
        ["\x00", "\u202e04/12/1968", "٠٤/١٢/١٩٦٨", fullwidth("04/12/1968"), "4/12/68\n"]
    ),
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("4/12/68", date(1968, 4, 12)),
        ("04/12/1968", date(1968, 4, 12)),
        ("4-12-1968", date(1968, 4, 12)),
        ("4.12.1968", date(1968, 4, 12)),
        ("04121968", date(1968, 4, 12)),
        ("041268", date(1968, 4, 12)),
        ("1968-04-12", date(1968, 4, 12)),
        ("19680412", date(1968, 4, 12)),
        ("  4/12/68  ", date(1968, 4, 12)),
        ("3/9/23", date(2023, 3, 9)),
        ("11/02/49", date(1949, 11, 2)),
        ("2/29/00", date(2000, 2, 29)),
        # A two-digit year is the latest that is not after today, to the day.
        ("11/23/26", date(2026, 11, 23)),
        ("11/24/26", date(1926, 11, 24)),
        ("12011968", date(1968, 12, 1)),  # MMDDYYYY wins whenever the first two are a month
    ],
)
def test_date_of_birth_examples(text: str, expected: date) -> None:
    assert parse_date_of_birth(text, TODAY) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "enter the date of birth"),
        ("   ", "enter the date of birth"),
        ("2/30/1968", "not a real date"),
        ("02/29/2023", "not a real date"),
        ("13/01/1968", "not a month"),
        ("1/1/2027", "in the future"),
        ("11/24/2026", "in the future"),
        ("1/1/1900", "more than 125 years ago"),
        ("4/12", "MM/DD/YYYY"),
        ("April 12 1968", "MM/DD/YYYY"),
        ("4/12-1968", "MM/DD/YYYY"),
        ("1234567", "MM/DD/YYYY"),
        ("4/12/968", "MM/DD/YYYY"),
        ("٠٤/١٢/١٩٦٨", "MM/DD/YYYY"),  # other scripts' digits are not read as numbers
        ("9" * 10_000, "MM/DD/YYYY"),
    ],
)
def test_date_of_birth_refusals_say_why(text: str, message: str) -> None:
    with pytest.raises(ParseError, match=message) as raised:
        parse_date_of_birth(text, TODAY)
    assert "\n" not in str(raised.value)
    assert len(str(raised.value)) < 100


@given(today=todays, data=st.data())
def test_every_written_form_of_a_birth_date_reads_back(today: date, data: st.DataObject) -> None:
    born = data.draw(st.dates(min_value=years_before(today, MAX_AGE_YEARS), max_value=today))
    m, d, y = born.month, born.day, born.year
    forms = [
        f"{m:02d}/{d:02d}/{y}",
        f"{m}/{d}/{y}",
        f"{m}-{d}-{y}",
        f"{m:02d}{d:02d}{y}",
        born.isoformat(),
        f"{y}{m:02d}{d:02d}",
    ]
    # Two digits name one date only within the last 100 years.
    if born > years_before(today, 100):
        forms += [f"{m}/{d}/{y % 100:02d}", f"{m:02d}{d:02d}{y % 100:02d}"]
    for form in forms:
        assert parse_date_of_birth(form, today) == born, form


@given(nasty_text, todays)
def test_any_text_is_a_date_in_range_or_a_parse_error(text: str, today: date) -> None:
    try:
        born = parse_date_of_birth(text, today)
    except ParseError as exc:
        assert str(exc)
        assert "\n" not in str(exc)
    else:
        assert years_before(today, MAX_AGE_YEARS) <= born <= today


@given(st.integers(0, 99), st.integers(1, 12), st.integers(1, 28), todays)
def test_two_digit_year_is_never_in_the_future(yy: int, m: int, d: int, today: date) -> None:
    try:
        born = parse_date_of_birth(f"{m}/{d}/{yy:02d}", today)
    except ParseError:
        return
    assert born <= today
    assert born.year % 100 == yy
    assert born > years_before(today, 100)


# ---------------------------------------------------------------- phone


@pytest.mark.parametrize(
    "text",
    [
        "5555550142",
        "555-555-0142",
        "(555) 555-0142",
        "555.555.0142",
        "555 555 0142",
        "+1 555 555 0142",
        "+15555550142",
        "1-555-555-0142",
        "1 (555) 555-0142",
        "  555/555-0142 ",
    ],
)
def test_phone_forms_normalize(text: str) -> None:
    assert normalize_phone(text) == "555-555-0142"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "10-digit"),
        ("555-0142", "10 digits"),
        ("55555501420", "10 digits"),
        ("+44 20 7946 0958", "US"),
        ("555-555-0142 x12", "only digits"),
        ("555-CALL-NOW", "only digits"),
        ("155-555-0142", "area code"),
        ("555-155-0142", "after the area code"),
        (fullwidth("5555550142"), "only digits"),
        ("1" * 10_000, "only digits"),
    ],
)
def test_phone_refusals_say_why(text: str, message: str) -> None:
    with pytest.raises(ParseError, match=message):
        normalize_phone(text)


@given(
    st.from_regex(r"[2-9][0-9]{2}", fullmatch=True),
    st.from_regex(r"[2-9][0-9]{2}", fullmatch=True),
    st.from_regex(r"[0-9]{4}", fullmatch=True),
    st.sampled_from(["{a}{b}{c}", "{a}-{b}-{c}", "({a}) {b}-{c}", "+1 {a} {b} {c}", "1{a}{b}{c}"]),
)
def test_any_us_number_in_any_layout_normalizes(a: str, b: str, c: str, layout: str) -> None:
    assert normalize_phone(layout.format(a=a, b=b, c=c)) == f"{a}-{b}-{c}"


@given(nasty_text)
def test_any_text_is_a_phone_number_or_a_parse_error(text: str) -> None:
    try:
        phone = normalize_phone(text)
    except ParseError as exc:
        assert str(exc)
        assert "\n" not in str(exc)
    else:
        assert re.fullmatch(r"[2-9][0-9]{2}-[2-9][0-9]{2}-[0-9]{4}", phone)
