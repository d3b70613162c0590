"""What the worklist screen shows of an item: its row's cells and the lines below.

Plain text, worked out here so the screen only lays it out: the due column says
``OVERDUE`` in words (an overdue item stands out by more than its colour), a
refill says whether it meets the protocol or why not, a referral its 7/14-day
alert, a prior authorization its units bar and its warnings, a follow-up its window
and the slot booked.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ma_tui.worklist.followup import FollowUp
from ma_tui.worklist.items import (
    STATUS_DISPLAY,
    TYPE_DISPLAY,
    ItemType,
    WorkItem,
    WorklistFilter,
    due_text,
    is_overdue,
)
from ma_tui.worklist.prior_auth import PriorAuth, warnings
from ma_tui.worklist.referrals import Referral, loop_alert
from ma_tui.worklist.refills import ProtocolCheck, RefillRequest

MAX_HISTORY_LINES = 3


@dataclass(frozen=True, slots=True)
class Filter:
    name: str
    wanted: WorklistFilter


def filters(staff_id: int | None) -> tuple[Filter, ...]:
    """The filters ``f`` steps through, in order."""
    mine = (Filter("mine", WorklistFilter(owner_id=staff_id)),) if staff_id is not None else ()
    return (
        Filter("all open", WorklistFilter()),
        *mine,
        Filter("unclaimed", WorklistFilter(unowned=True)),
        Filter("overdue", WorklistFilter(overdue_only=True)),
        *(
            Filter(TYPE_DISPLAY[kind].lower() + "s", WorklistFilter(types=frozenset({kind})))
            for kind in ItemType
        ),
    )


def due_cell(item: WorkItem[Any], now: datetime) -> str:
    """``OVERDUE 2 h`` or ``in 3 h``: the word says it, not only the colour."""
    text = due_text(item, now)
    if is_overdue(item, now):
        return "OVERDUE " + text.removeprefix("overdue ")
    return text.removeprefix("due ")


def flag(item: WorkItem[Any], now: datetime) -> str:
    """A short mark for the row: a referral's alert or a prior auth's warning."""
    details = item.details
    if isinstance(details, Referral):
        alert = loop_alert(details, now.date(), item.finished)
        return f"⚠ {alert.days} d" if alert else ""
    if isinstance(details, PriorAuth):
        return "⚠" if warnings(details, item.status, now.date()) else ""
    return ""


def row_cells(item: WorkItem[Any], now: datetime) -> tuple[str, str, str, str, str]:
    owner = item.owner.name.split(",")[0] if item.owner else "—"
    status = STATUS_DISPLAY[item.status]
    marked = flag(item, now)
    return (
        due_cell(item, now),
        TYPE_DISPLAY[item.type],
        item.patient.name,
        f"{status} {marked}".strip(),
        owner,
    )


def detail_lines(item: WorkItem[Any], now: datetime, check: ProtocolCheck | None) -> list[str]:
    """The lines under the table for the highlighted item."""
    details = item.details
    today = now.date()
    lines: list[str]
    if isinstance(details, RefillRequest):
        lines = [
            f"{details.drug} · {details.pharmacy} · by {details.source.value}",
            f"last fill {_day(details.last_fill)} · last visit {_day(details.last_visit)}",
        ]
        if check is not None:
            lines.append(("✓ " if check.meets else "✗ does not meet protocol: ") + check.summary)
        if details.decision is not None:
            decision = details.decision
            lines.append(f"{decision.word} by {decision.by.name} {decision.at:%m/%d %H:%M}")
    elif isinstance(details, Referral):
        sent = ", ".join(d.name for d in details.documents) or "nothing sent yet"
        lines = [
            f"{details.urgency.value.upper()} to {details.specialist} ({details.specialty})",
            f"{details.reason} · sent: {sent}",
            f"appointment {_day(details.appointment_on)} · "
            f"consult note {_day(details.note_received_on)}",
        ]
        alert = loop_alert(details, today, item.finished)
        if alert is not None:
            lines.append(f"⚠ {alert.text}")
    elif isinstance(details, PriorAuth):
        codes = ", ".join(code.text for code in details.codes)
        lines = [f"{details.payer} · {codes} · ref {details.reference or '—'}"]
        window = f"{_day(details.start)} to {_day(details.end)}" if details.start else "no dates"
        lines.append(f"units {details.bar or '—'} · {window}")
        lines.extend(f"⚠ {w.text}" for w in warnings(details, item.status, today))
    elif isinstance(details, FollowUp):
        lines = [
            f"{details.request!r} with {details.provider_name} ({details.minutes} min)",
            f"window {details.window.text}",
        ]
        if details.booked is not None:
            lines.append(f"booked {details.booked.start.astimezone(now.tzinfo):%a %m/%d %H:%M}")
    else:
        raise TypeError(f"no lines for {type(details).__name__}")
    # Newest first: today's change is the line the MA looks for, never scrolled off.
    newest = item.history[::-1][:MAX_HISTORY_LINES]
    history = [event.line(now.tzinfo) for event in newest]
    return [*lines, *history]


def _day(day: object) -> str:
    return "—" if day is None else f"{day:%m/%d/%Y}"
