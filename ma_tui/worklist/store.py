"""Worklist items in the database: each kind's fields as JSON, each move an event row.

The domain's items are immutable (every move is a new item with one more event);
:func:`save_item` stores a new item, or brings a stored one up to date by appending
the events it does not have yet and rewriting the row's status, owner and fields.
These helpers take the caller's session and never commit.
"""

from __future__ import annotations

import dataclasses
import json
import types
from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any, Union, get_args, get_origin, get_type_hints

from sqlmodel import Session, col, select

from ma_tui.core.errors import NotFound
from ma_tui.data.models.patients import Patient
from ma_tui.data.models.staff import Staff
from ma_tui.data.models.worklist import WorklistEvent, WorklistItem
from ma_tui.worklist.followup import FollowUp
from ma_tui.worklist.items import (
    FINISHED,
    Action,
    Actor,
    Event,
    ItemType,
    PatientRef,
    Status,
    WorkItem,
)
from ma_tui.worklist.prior_auth import PriorAuth
from ma_tui.worklist.referrals import Referral
from ma_tui.worklist.refills import RefillRequest

DETAILS: dict[ItemType, type[Any]] = {
    ItemType.REFILL: RefillRequest,
    ItemType.REFERRAL: Referral,
    ItemType.PRIOR_AUTH: PriorAuth,
    ItemType.FOLLOW_UP: FollowUp,
}


# ------------------------------------------------------------------ the details as JSON


def encode_details(details: object) -> str:
    return json.dumps(_plain(details), sort_keys=True, separators=(",", ":"))


def decode_details(item_type: ItemType, text: str) -> Any:
    return _typed(DETAILS[item_type], json.loads(text))


def _plain(value: object) -> object:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, tuple | list | frozenset):
        return [_plain(item) for item in value]
    return value


def _typed(kind: Any, value: Any) -> Any:
    """``value`` (as :func:`_plain` wrote it) back as ``kind``."""
    origin = get_origin(kind)
    if origin in (Union, types.UnionType):
        if value is None:
            return None
        (inner,) = [arg for arg in get_args(kind) if arg is not type(None)]
        return _typed(inner, value)
    if origin in (tuple, frozenset):
        return origin(_typed(get_args(kind)[0], item) for item in value)
    if isinstance(kind, type) and dataclasses.is_dataclass(kind):
        hints = get_type_hints(kind)
        return kind(**{name: _typed(hints[name], item) for name, item in value.items()})
    if kind is datetime:
        return datetime.fromisoformat(value)
    if kind is date:
        return date.fromisoformat(value)
    if isinstance(kind, type) and issubclass(kind, Enum | Decimal):
        return kind(value)
    return value


# ------------------------------------------------------------------ rows <-> items


def actor_of(staff: Staff) -> Actor:
    assert staff.id is not None
    name = f"{staff.display_name}, {staff.credentials}" if staff.credentials else staff.display_name
    return Actor(staff.id, name, staff.role)


def load_actor(session: Session, staff_id: int) -> Actor:
    staff = session.get(Staff, staff_id)
    if staff is None:
        raise NotFound("no such staff member")
    return actor_of(staff)


def load_items(
    session: Session,
    *,
    include_finished: bool = False,
    item_ids: Iterable[int] | None = None,
    patient_id: int | None = None,
) -> list[WorkItem[Any]]:
    """Stored items with their histories (the open ones unless ``include_finished``),
    of one patient when ``patient_id`` is given."""
    query = select(WorklistItem, Patient).join(Patient)
    if patient_id is not None:
        query = query.where(WorklistItem.patient_id == patient_id)
    if not include_finished:
        query = query.where(col(WorklistItem.status).not_in([s.value for s in FINISHED]))
    if item_ids is not None:
        query = query.where(col(WorklistItem.id).in_(list(item_ids)))
    rows = session.exec(query).all()
    ids = [row.id for row, _ in rows]
    events: dict[int, list[WorklistEvent]] = {}
    for event in session.exec(
        select(WorklistEvent)
        .where(col(WorklistEvent.item_id).in_(ids))
        .order_by(col(WorklistEvent.id))
    ):
        events.setdefault(event.item_id, []).append(event)
    staff = {s.id: actor_of(s) for s in session.exec(select(Staff))}
    return [_item(row, patient, events.get(row.id or 0, []), staff) for row, patient in rows]


def load_item(session: Session, item_id: int) -> WorkItem[Any]:
    found = load_items(session, include_finished=True, item_ids=[item_id])
    if not found:
        raise NotFound("that worklist item is gone")
    return found[0]


def _item(
    row: WorklistItem,
    patient: Patient,
    events: list[WorklistEvent],
    staff: dict[int | None, Actor],
) -> WorkItem[Any]:
    item_type = ItemType(row.item_type)
    history = tuple(
        Event(
            e.at,
            staff[e.actor_id],
            Action(e.action),
            Status(e.status),
            staff.get(e.owner_id) if e.owner_id is not None else None,
            e.note,
        )
        for e in events
    )
    return WorkItem(
        item_type,
        PatientRef(patient.id or 0, f"{patient.given_name} {patient.family_name}"),
        Status(row.status),
        staff.get(row.owner_id) if row.owner_id is not None else None,
        row.due,
        row.created_at,
        decode_details(item_type, row.details),
        history,
        row.id,
    )


def save_item(session: Session, item: WorkItem[Any], *, source_id: str | None = None) -> int:
    """Store ``item``: its row, and the events of its history not stored yet. Its id.

    ``source_id`` is kept on a new item: the FHIR resource it was imported from."""
    if item.item_id is None:
        row = WorklistItem(
            item_type=item.type.value,
            patient_id=item.patient.patient_id,
            status=item.status.value,
            due=item.due,
            created_at=item.created,
            details="",
            source_id=source_id,
        )
        stored = 0
    else:
        found = session.get(WorklistItem, item.item_id, with_for_update=True)
        if found is None:
            raise NotFound("that worklist item is gone")
        row = found
        stored = len(
            session.exec(select(WorklistEvent.id).where(WorklistEvent.item_id == row.id)).all()
        )
    row.status = item.status.value
    row.owner_id = item.owner.staff_id if item.owner else None
    row.due = item.due
    row.details = encode_details(item.details)
    session.add(row)
    session.flush()
    assert row.id is not None
    for event in item.history[stored:]:
        session.add(
            WorklistEvent(
                item_id=row.id,
                at=event.at,
                actor_id=event.actor.staff_id,
                action=event.action.value,
                status=event.status.value,
                owner_id=event.owner.staff_id if event.owner else None,
                note=event.note,
            )
        )
    return row.id
