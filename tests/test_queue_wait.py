"""The queue's Wait column: minutes, hours and minutes, and a long wait that still fits."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from ma_tui.visits.queue import WAIT_WIDTH, format_wait

NOW = datetime(2026, 12, 4, 18, 0, tzinfo=UTC)


def waited(minutes: int) -> str:
    return format_wait(NOW - timedelta(minutes=minutes), NOW)


def test_waits_read_as_minutes_then_hours_and_minutes() -> None:
    assert [waited(m) for m in (0, 7, 59, 60, 65, 599)] == [
        "0m",
        "7m",
        "59m",
        "1h00",
        "1h05",
        "9h59",
    ]


def test_a_wait_of_ten_hours_or_more_is_whole_hours_not_cut_off() -> None:
    """It read "13h4" (13 h 40 cut to the column's four characters)."""
    assert waited(13 * 60 + 40) == "13h"
    assert waited(600) == "10h"
    assert waited(100 * 60) == ">99h"


def test_a_time_in_the_future_waits_nothing() -> None:
    assert format_wait(NOW + timedelta(minutes=5), NOW) == "0m"


@given(st.integers(min_value=-(10**6), max_value=10**7))
def test_every_wait_fits_the_column(minutes: int) -> None:
    assert 2 <= len(waited(minutes)) <= WAIT_WIDTH
