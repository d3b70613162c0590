"""The demo's audit trail: what the clinic's history would have written, oldest first.

Each patient registered and each visit booked by the front desk, each visit's chart
opened and its rooming signed by the MA, and each staff member's first sign-in of
every day they worked. The builders note events as they add rows, in whatever order
the rows come; ``AuditTrail.write`` then appends them to the one hash chain in time
order, through ``ma_tui.core.audit.audit``, inside the demo's transaction.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo
from typing import Any

from sqlmodel import Session

from ma_tui.core.audit import AuditAction, audit

SIGN_IN_LEAD = timedelta(minutes=3)  # a sign-in comes a few minutes before the first event


@dataclass(frozen=True)
class Event:
    at: datetime
    order: int  # the order noted: events at the same time keep it (sign-ins go first)
    action: AuditAction
    staff_id: int
    patient_id: int | None = None
    entity: str | None = None
    entity_id: int | None = None
    detail: Mapping[str, Any] | None = None


class AuditTrail:
    """The events gathered while the clinic is built, written at the end."""

    def __init__(self, tz: tzinfo) -> None:
        self._tz = tz
        self._events: list[Event] = []

    def note(
        self,
        at: datetime,
        action: AuditAction,
        staff_id: int,
        patient_id: int | None,
        *,
        entity: str | None = None,
        entity_id: int | None = None,
        detail: Mapping[str, Any] | None = None,
    ) -> None:
        order = len(self._events)
        event = Event(at, order, action, staff_id, patient_id, entity, entity_id, detail)
        self._events.append(event)

    def write(self, session: Session) -> None:
        """Every event noted and each person's first sign-in of each day, oldest first."""
        events = sorted([*self._events, *self._sign_ins()], key=lambda e: (e.at, e.order))
        for event in events:
            audit(
                session,
                event.action,
                at=event.at,
                staff_id=event.staff_id,
                patient_id=event.patient_id,
                entity=event.entity,
                entity_id=event.entity_id,
                detail=event.detail,
            )

    def _sign_ins(self) -> list[Event]:
        first_of_day: dict[tuple[int, date], datetime] = {}
        for event in self._events:
            key = (event.staff_id, event.at.astimezone(self._tz).date())
            first_of_day[key] = min(event.at, first_of_day.get(key, event.at))
        return [
            Event(at - SIGN_IN_LEAD, -1, AuditAction.SIGN_IN, staff_id)
            for (staff_id, _), at in first_of_day.items()
        ]
