"""The clinic's opening hours and closed days (``catalogs/clinic_hours.json``).

Each weekday has its open spans in local wall-clock time (``[["08:00", "12:00"],
["13:00", "17:00"]]``: a lunch hour is the gap between two spans); a day with no
spans is closed. Closed dates (holidays) are listed with their names. Spans out of
order or overlapping, a time that is not HH:MM, a date given twice: each fails at
start-up with its place in the file.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, time
from functools import cache

from ma_tui.data.catalogs.strict import Node, load

CATALOG = "clinic_hours.json"
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")  # date.weekday() order
_HHMM = re.compile(r"([01][0-9]|2[0-3]):([0-5][0-9])")


@dataclass(frozen=True, slots=True)
class OpenSpan:
    opens: time
    closes: time


@dataclass(frozen=True, slots=True)
class ClinicHours:
    source: str
    weekly: tuple[tuple[OpenSpan, ...], ...]  # Monday first
    closed: Mapping[date, str]  # holiday -> its name

    def spans_on(self, day: date) -> tuple[OpenSpan, ...]:
        """The open spans of ``day``: none on a closed date."""
        if day in self.closed:
            return ()
        return self.weekly[day.weekday()]


@cache
def clinic_hours() -> ClinicHours:
    """The clinic's hours, read and checked once."""
    root = load(CATALOG).object({"source", "weekly", "closed"})
    weekly_node = root["weekly"].object(set(WEEKDAYS))
    weekly = tuple(_spans(weekly_node[day]) for day in WEEKDAYS)
    if not any(weekly):
        raise weekly_node.error("the clinic must be open on at least one day")
    closed: dict[date, str] = {}
    for node in root["closed"].items(allow_empty=True):
        item = node.object({"date", "name"})
        day = item["date"].day()
        if day in closed:
            raise item["date"].error(f"repeats the date {day.isoformat()}")
        closed[day] = item["name"].text()
    return ClinicHours(root["source"].text(), weekly, closed)


def _spans(node: Node) -> tuple[OpenSpan, ...]:
    spans: list[OpenSpan] = []
    for span_node in node.items(allow_empty=True):
        pair = list(span_node.items())
        if len(pair) != 2:
            raise span_node.error('must be ["HH:MM", "HH:MM"], opening then closing')
        span = OpenSpan(_time(pair[0]), _time(pair[1]))
        if span.closes <= span.opens:
            raise span_node.error("must close after it opens")
        if spans and span.opens < spans[-1].closes:
            raise span_node.error("must start after the span before it ends")
        spans.append(span)
    return tuple(spans)


def _time(node: Node) -> time:
    match = _HHMM.fullmatch(node.text())
    if match is None:
        raise node.error(f"{node.value!r} is not a time HH:MM")
    return time(int(match[1]), int(match[2]))
