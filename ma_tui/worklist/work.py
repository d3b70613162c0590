"""The worklist's use cases: read the queue, add an item, and move one on.

Each change opens one transaction, loads the stored item, applies the domain's move
(``items``, ``refills``, ``referrals``, ``prior_auth``, ``followup``), stores the
result and writes its audit event inside the same transaction. Booking a follow-up
also puts the visit on the schedule (an ``Encounter``), so the queue shows it on its
day and the next booking sees the slot taken.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from ma_tui.core.audit import AuditAction, audit
from ma_tui.core.errors import NotAllowed
from ma_tui.core.transaction import in_transaction, read_only
from ma_tui.data.catalogs.clinic_hours import clinic_hours
from ma_tui.data.catalogs.refill_protocols import refill_protocols
from ma_tui.data.models.observations import Observation, ObservationStatus
from ma_tui.data.models.staff import Staff, StaffRole
from ma_tui.data.models.visits import Encounter, EncounterStatus
from ma_tui.worklist import followup, items, prior_auth, referrals, refills
from ma_tui.worklist.followup import BookedSlot, FollowUp
from ma_tui.worklist.items import Actor, WorkItem
from ma_tui.worklist.prior_auth import PriorAuth
from ma_tui.worklist.referrals import Referral
from ma_tui.worklist.refills import ProtocolCheck, RefillRequest
from ma_tui.worklist.store import actor_of, load_actor, load_item, load_items, save_item

D = TypeVar("D", bound=items.Details)
ENTITY = "worklist_item"
SCHEDULE_DAYS_AROUND = 1  # a follow-up's conflicts are looked for this far around its window


# ------------------------------------------------------------------ reading


def open_items(engine: Engine) -> list[WorkItem[Any]]:
    """Every open item, soonest due first."""
    return items.sort_by_due(read_only(engine, load_items))


def all_items(engine: Engine) -> list[WorkItem[Any]]:
    """Every item, finished ones too (for the FHIR export)."""
    return items.sort_by_due(
        read_only(engine, lambda session: load_items(session, include_finished=True))
    )


def worklist_counts(engine: Engine, now: datetime, staff_id: int | None) -> items.WorklistCounts:
    """The numbers the queue's title shows."""

    def work(session: Session) -> items.WorklistCounts:
        me = load_actor(session, staff_id) if staff_id is not None else None
        return items.counts(load_items(session), now, me)

    return read_only(engine, work)


def staff_actor(engine: Engine, staff_id: int) -> Actor:
    return read_only(engine, lambda session: load_actor(session, staff_id))


def providers(engine: Engine) -> list[Actor]:
    """The clinic's active providers, by name: whom an item may be handed to."""

    def work(session: Session) -> list[Actor]:
        rows = session.exec(
            select(Staff)
            .where(Staff.role == StaffRole.PROVIDER, col(Staff.active).is_(True))
            .order_by(col(Staff.display_name))
        )
        return [actor_of(row) for row in rows]

    return read_only(engine, work)


def refill_check(engine: Engine, item: WorkItem[RefillRequest], today: date) -> ProtocolCheck:
    """The clinic's refill protocol checked against the patient's last labs on file."""
    catalog = refill_protocols()

    def last_labs(session: Session) -> dict[str, date]:
        codes = {code.code: lab.key for lab in catalog.labs for code in lab.loinc}
        found: dict[str, date] = {}
        for code, taken in session.exec(
            select(Observation.code, Observation.taken_at).where(
                Observation.patient_id == item.patient.patient_id,
                col(Observation.code).in_(list(codes)),
                Observation.status != ObservationStatus.ENTERED_IN_ERROR,
            )
        ):
            key = codes[code]
            found[key] = max(found.get(key, taken.date()), taken.date())
        return found

    labs = read_only(engine, last_labs)
    return refills.check_protocol(item.details, today, labs, catalog)


def follow_up_schedule(engine: Engine, follow_up: FollowUp) -> list[BookedSlot]:
    """The provider's booked visits around the follow-up's window."""
    return read_only(
        engine, lambda session: _booked(session, follow_up.provider_id, follow_up.window)
    )


def _booked(session: Session, provider_id: int, window: followup.DateWindow) -> list[BookedSlot]:
    rows = session.exec(
        select(Encounter)
        .where(
            Encounter.provider_id == provider_id,
            col(Encounter.status).not_in([EncounterStatus.CANCELLED, EncounterStatus.NO_SHOW]),
        )
        .order_by(col(Encounter.scheduled_at))
    )
    earliest = window.earliest - timedelta(days=SCHEDULE_DAYS_AROUND)
    latest = window.latest + timedelta(days=SCHEDULE_DAYS_AROUND)
    return [
        BookedSlot(row.scheduled_at, row.scheduled_minutes or 15, provider_id, f"visit {row.id}")
        for row in rows
        if earliest <= row.scheduled_at.date() <= latest
    ]


def proposed_slots(
    engine: Engine, follow_up: FollowUp, now: datetime, count: int
) -> list[BookedSlot]:
    """The first free slots in the follow-up's window, nearest its target day first."""
    tz = now.tzinfo
    assert tz is not None
    schedule = follow_up_schedule(engine, follow_up)
    return followup.propose_slots(
        follow_up.window,
        follow_up.provider_id,
        follow_up.minutes,
        schedule,
        clinic_hours(),
        tz,
        now,
        count=count,
    )


def slot_problems(
    engine: Engine, follow_up: FollowUp, start: datetime, now: datetime
) -> tuple[followup.SlotProblem, ...]:
    """What is wrong with booking the follow-up at ``start``: past, closed, overlaps."""
    tz = now.tzinfo
    assert tz is not None
    slot = BookedSlot(start, follow_up.minutes, follow_up.provider_id)
    schedule = follow_up_schedule(engine, follow_up)
    return followup.check_slot(slot, schedule, clinic_hours(), tz, now, follow_up.window)


# ------------------------------------------------------------------ adding


def add_item(engine: Engine, item: WorkItem[Any], *, staff_id: int) -> int:
    """A new item on the worklist (made by the kind's ``new_...``); its id."""

    def work(session: Session) -> int:
        item_id = save_item(session, item)
        _audit(session, AuditAction.CREATE, item, item_id, staff_id, item.created)
        return item_id

    return in_transaction(engine, work)


# ------------------------------------------------------------------ moving on


@dataclass(frozen=True, slots=True)
class Move:
    """Who moves an item and when: the signed-in staff member, now."""

    engine: Engine
    staff_id: int
    at: datetime


def _change(
    move: Move,
    item_id: int,
    change: Callable[[WorkItem[Any], Actor, Session], WorkItem[Any]],
) -> WorkItem[Any]:
    def work(session: Session) -> WorkItem[Any]:
        stored = load_item(session, item_id)
        actor = load_actor(session, move.staff_id)
        changed = change(stored, actor, session)
        save_item(session, changed)
        _audit(session, AuditAction.UPDATE, changed, item_id, move.staff_id, move.at)
        return changed

    return in_transaction(move.engine, work)


def _audit(
    session: Session,
    action: AuditAction,
    item: WorkItem[Any],
    item_id: int,
    staff_id: int,
    at: datetime,
) -> None:
    event = item.last_event
    audit(
        session,
        action,
        at=at,
        staff_id=staff_id,
        patient_id=item.patient.patient_id,
        entity=ENTITY,
        entity_id=item_id,
        detail={"type": item.type.value, "action": event.action.value, "status": item.status.value},
    )


def claim_item(move: Move, item_id: int, *, take_over: bool = False) -> WorkItem[Any]:
    return _change(move, item_id, lambda i, me, _: items.claim(i, me, move.at, take_over=take_over))


def hand_item_to_provider(
    move: Move, item_id: int, provider_id: int, note: str = ""
) -> WorkItem[Any]:
    """To the provider; a refill goes with its protocol check in the note."""

    def change(item: WorkItem[Any], me: Actor, session: Session) -> WorkItem[Any]:
        provider = load_actor(session, provider_id)
        return items.hand_to_provider(item, provider, me, move.at, note)

    return _change(move, item_id, change)


def hand_item_back(move: Move, item_id: int, note: str = "") -> WorkItem[Any]:
    return _change(move, item_id, lambda i, me, _: items.hand_back(i, me, move.at, note))


def close_item(move: Move, item_id: int, note: str = "") -> WorkItem[Any]:
    return _change(move, item_id, lambda i, me, _: items.close(i, me, move.at, note))


def cancel_item(move: Move, item_id: int, reason: str) -> WorkItem[Any]:
    return _change(move, item_id, lambda i, me, _: items.cancel(i, me, move.at, reason))


def decide_refill(move: Move, item_id: int, *, approved: bool, note: str = "") -> WorkItem[Any]:
    """The provider's decision on a refill, recorded with who made it."""
    return _change(
        move,
        item_id,
        lambda i, me, _: refills.decide(_of(i, RefillRequest), approved, me, move.at, note),
    )


def record_referral_sent(
    move: Move, item_id: int, documents: tuple[str, ...], sent_on: date
) -> WorkItem[Any]:
    return _change(
        move,
        item_id,
        lambda i, me, _: referrals.record_sent(_of(i, Referral), documents, sent_on, me, move.at),
    )


def record_referral_appointment(move: Move, item_id: int, on: date) -> WorkItem[Any]:
    return _change(
        move,
        item_id,
        lambda i, me, _: referrals.record_appointment(_of(i, Referral), on, me, move.at),
    )


def record_consult_note(move: Move, item_id: int, received_on: date) -> WorkItem[Any]:
    """The consult note is back: the referral's loop closes."""
    return _change(
        move,
        item_id,
        lambda i, me, _: referrals.record_consult_note(_of(i, Referral), received_on, me, move.at),
    )


def record_auth_use(move: Move, item_id: int, on: date, units: int = 1) -> WorkItem[Any]:
    return _change(
        move,
        item_id,
        lambda i, me, _: prior_auth.record_use(_of(i, PriorAuth), on, me, move.at, units),
    )


def book_follow_up(
    move: Move, item_id: int, start: datetime, *, outside_window_ok: bool = False
) -> WorkItem[Any]:
    """Book the follow-up at ``start`` and put the visit on the provider's schedule."""
    tz = move.at.tzinfo
    assert tz is not None

    def change(item: WorkItem[Any], me: Actor, session: Session) -> WorkItem[Any]:
        wanted = _of(item, FollowUp)
        before = wanted.details.booked
        schedule = [
            slot
            for slot in _booked(session, wanted.details.provider_id, wanted.details.window)
            if before is None or (slot.start, slot.minutes) != (before.start, before.minutes)
        ]
        booked = followup.book(
            wanted,
            start,
            schedule,
            clinic_hours(),
            tz,
            by=me,
            at=move.at,
            outside_window_ok=outside_window_ok,
        )
        visit = None
        if before is not None:  # moved: the visit booked before moves with it
            visit = session.exec(
                select(Encounter).where(
                    Encounter.patient_id == item.patient.patient_id,
                    Encounter.provider_id == before.provider_id,
                    Encounter.scheduled_at == before.start,
                )
            ).first()
        if visit is None:
            visit = Encounter(
                patient_id=item.patient.patient_id,
                provider_id=wanted.details.provider_id,
                visit_type="follow-up",
                scheduled_minutes=wanted.details.minutes,
                status_changed_at=move.at,
                scheduled_at=start,
            )
        visit.scheduled_at = start
        session.add(visit)
        return booked

    return _change(move, item_id, change)


def _of(item: WorkItem[Any], kind: type[D]) -> WorkItem[D]:
    if not isinstance(item.details, kind):
        raise NotAllowed(f"that is a {items.TYPE_DISPLAY[item.type].lower()}")
    return item
