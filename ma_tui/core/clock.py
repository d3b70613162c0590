"""The time source the app reads; tests and benchmarks pass a fixed one."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

Clock = Callable[[], datetime]


def system_clock() -> datetime:
    """Now, aware, in this terminal's local time zone."""
    return datetime.now().astimezone()


def fixed_clock(moment: datetime) -> Clock:
    if moment.tzinfo is None:
        raise ValueError("a fixed clock needs an aware datetime")
    return lambda: moment
