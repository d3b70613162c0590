"""Delta checks: a new reading far from the patient's recent ones needs a confirm.

As a lab's delta check does, a value that moved more than a body plausibly moves
in the time between two readings is held until the MA confirms it: it is more
often a slip (the wrong unit, a digit lost, the wrong patient) than a change.
The rules are few and conservative; they never refuse a value.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from ma_tui.data.catalogs.vitals import BODY_HEIGHT, BODY_WEIGHT, HEAD_CIRCUMFERENCE

# Weight: more than 10 % within 30 days (the rule, after paediatric and
# heart-failure practice, where 2-3 kg in days is already an alarm), or more
# than 25 % within a year.
WEIGHT_RULES: tuple[tuple[timedelta, float], ...] = (
    (timedelta(days=30), 0.10),
    (timedelta(days=365), 0.25),
)
GROWTH_TOLERANCE_CM = 1.0  # a child measured again may read this much shorter
ADULT_HEIGHT_TOLERANCE_CM = 5.0  # more is a mismeasure or the wrong unit
ADULT_HEIGHT_WINDOW = timedelta(days=2 * 365)
ADULT_AGE_DAYS = 18 * 365


@dataclass(frozen=True)
class Reading:
    """A stored reading of one vital, in its canonical unit."""

    value: float
    taken_at: datetime


History = Mapping[str, Sequence[Reading]]  # LOINC code -> readings, oldest first


def delta_concern(
    code: str, value: float, age_days: int, taken: datetime, history: History
) -> str | None:
    """Why ``value`` is far from this patient's recent readings, or None."""
    earlier = [r for r in history.get(code, ()) if r.taken_at <= taken]
    if not earlier:
        return None
    if code == BODY_WEIGHT:
        return _weight(value, taken, earlier)
    if code == BODY_HEIGHT:
        if age_days < ADULT_AGE_DAYS:
            return _shrunk("height", value, earlier[-1], taken)
        return _adult_height(value, taken, earlier[-1])
    if code == HEAD_CIRCUMFERENCE:
        return _shrunk("head circumference", value, earlier[-1], taken)
    return None


def _weight(value: float, taken: datetime, earlier: Sequence[Reading]) -> str | None:
    for window, fraction in WEIGHT_RULES:
        recent = [r for r in earlier if taken - r.taken_at <= window]
        if not recent:
            continue
        last = recent[-1]
        change = (value - last.value) / last.value
        if abs(change) > fraction:
            way = "more" if change > 0 else "less"
            return (
                f"weight {value:.1f} kg is {abs(change):.0%} {way} than {last.value:.1f} kg "
                f"on {_day(last, taken)} (over {fraction:.0%} within {window.days} days)"
            )
    return None


def _day(reading: Reading, taken: datetime) -> str:
    """The reading's date in the clinic's time (``taken``'s zone)."""
    return f"{reading.taken_at.astimezone(taken.tzinfo):%m/%d/%Y}"


def _shrunk(what: str, value: float, last: Reading, taken: datetime) -> str | None:
    """A child's height or head does not get smaller."""
    if value < last.value - GROWTH_TOLERANCE_CM:
        return (
            f"{what} {value:.1f} cm is less than {last.value:.1f} cm "
            f"on {_day(last, taken)}: a child does not shrink"
        )
    return None


def _adult_height(value: float, taken: datetime, last: Reading) -> str | None:
    if taken - last.taken_at > ADULT_HEIGHT_WINDOW:
        return None
    if abs(value - last.value) > ADULT_HEIGHT_TOLERANCE_CM:
        return (
            f"height {value:.1f} cm differs by {abs(value - last.value):.1f} cm "
            f"from {last.value:.1f} cm on {_day(last, taken)}"
        )
    return None
