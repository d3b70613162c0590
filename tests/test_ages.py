from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ma_tui.core.ages import age_in_years, format_age

dates = st.dates(min_value=date(1900, 1, 1), max_value=date(2100, 12, 31))


@pytest.mark.parametrize(
    ("birth", "on", "expected"),
    [
        (date(1968, 4, 12), date(2026, 11, 23), "58 y"),
        (date(1968, 4, 12), date(2026, 4, 11), "57 y"),
        (date(1968, 4, 12), date(2026, 4, 12), "58 y"),
        (date(2026, 11, 20), date(2026, 11, 23), "3 d"),
        (date(2026, 10, 26), date(2026, 11, 23), "28 d"),
        (date(2026, 10, 23), date(2026, 11, 23), "1 mo"),
        (date(2025, 3, 9), date(2026, 11, 23), "20 mo"),
        (date(2024, 11, 23), date(2026, 11, 23), "2 y"),
        (date(2024, 11, 24), date(2026, 11, 23), "23 mo"),
        (date(2024, 2, 29), date(2025, 2, 28), "11 mo"),
    ],
)
def test_format_age_examples(birth: date, on: date, expected: str) -> None:
    assert format_age(birth, on) == expected


def test_birth_after_day_is_refused_with_a_message() -> None:
    with pytest.raises(ValueError, match="after"):
        format_age(date(2030, 1, 1), date(2026, 1, 1))


@given(dates, dates)
def test_age_never_negative_and_grows_with_time(a: date, b: date) -> None:
    birth, on = min(a, b), max(a, b)
    years = age_in_years(birth, on)
    assert years >= 0
    assert age_in_years(birth, on + timedelta(days=366)) >= years + 1 or on.year >= 2100
    text = format_age(birth, on)
    number, unit = text.split(" ")
    assert unit in {"d", "mo", "y"}
    assert int(number) >= 0
    if unit == "y":
        assert int(number) == years >= 2


@given(dates, dates)
def test_years_match_a_birthday_count(a: date, b: date) -> None:
    birth, on = min(a, b), max(a, b)
    had_birthday = (on.month, on.day) >= (birth.month, birth.day)
    assert age_in_years(birth, on) == on.year - birth.year - (0 if had_birthday else 1)
