"""The clinic's day of a moment, as the bounds a query on stored UTC times needs."""

from __future__ import annotations

from datetime import datetime, time, timedelta


def day_bounds(now: datetime) -> tuple[datetime, datetime]:
    """Start and end (exclusive) of ``now``'s local day, in ``now``'s zone."""
    if now.tzinfo is None:
        raise ValueError("day_bounds needs an aware 'now'")
    start = datetime.combine(now.date(), time.min, tzinfo=now.tzinfo)
    return start, datetime.combine(now.date() + timedelta(days=1), time.min, tzinfo=now.tzinfo)
