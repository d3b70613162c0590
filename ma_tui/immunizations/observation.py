"""The wait after an injection: how long is left, or how long ago it ended.

The clinic sets the minutes (15 is usual after a vaccine; 30 after a previous
reaction). A pure function of the start, the minutes and now, so the queue row can
redraw it every second without state.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

MAX_MINUTES = 120


@dataclass(frozen=True, slots=True)
class ObservationCountdown:
    ends_at: datetime
    remaining: timedelta  # zero once the period is over
    over_by: timedelta  # zero while it runs

    @property
    def done(self) -> bool:
        return self.remaining == timedelta(0)

    @property
    def text(self) -> str:
        """``obs 12:05 left`` while it runs, ``obs done 3 min ago`` after."""
        if not self.done:
            seconds = int(self.remaining.total_seconds())
            return f"obs {seconds // 60}:{seconds % 60:02d} left"
        minutes = int(self.over_by.total_seconds()) // 60
        return "obs done" if minutes == 0 else f"obs done {minutes} min ago"


def observation_countdown(
    started_at: datetime, minutes: int, now: datetime
) -> ObservationCountdown:
    """The countdown for a wait of ``minutes`` from ``started_at``, seen at ``now``.

    A ``now`` before the start (a clock set back) shows the whole period left.
    """
    if started_at.tzinfo is None or now.tzinfo is None:
        raise ValueError("observation times must be aware")
    if not 1 <= minutes <= MAX_MINUTES:
        raise ValueError(f"observation minutes must be 1-{MAX_MINUTES}")
    ends_at = started_at + timedelta(minutes=minutes)
    if now < started_at:
        return ObservationCountdown(ends_at, timedelta(minutes=minutes), timedelta(0))
    if now < ends_at:
        return ObservationCountdown(ends_at, ends_at - now, timedelta(0))
    return ObservationCountdown(ends_at, timedelta(0), now - ends_at)
