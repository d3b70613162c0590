"""Use cases for a visit's orders: place, cancel, list, count, and mark done.

A provider orders; an MA (or nurse) may only place a clinic's standing order, and
the order records the protocol's name beside who placed it. An order is open
until a result or administration does it (:func:`complete_order`, called by that
domain inside its own transaction) or someone cancels it with a reason; a done
order is open again when what did it is withdrawn (:func:`reopen_order`). Each
change writes its audit event in the same transaction.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from ma_tui.core.audit import AuditAction, audit
from ma_tui.core.errors import Conflict, InvalidInput, NotAllowed, NotFound
from ma_tui.core.transaction import in_transaction, read_only
from ma_tui.data.models.orders import OrderKind, OrderSource, OrderStatus, VisitOrder
from ma_tui.data.models.patients import Patient
from ma_tui.data.models.staff import Staff, StaffRole
from ma_tui.data.models.visits import Encounter
from ma_tui.orders.items import OrderItem, StandingProtocol, protocol_items, standing_protocols
from ma_tui.orders.standing import refusal

__all__ = [
    "OrderKind",
    "OrderSource",
    "OrderStatus",
    "OrderView",
    "cancel_order",
    "complete_order",
    "open_order_counts",
    "open_orders",
    "order_view",
    "place_orders",
    "place_standing_order",
    "reopen_order",
    "standing_choices",
    "visit_orders",
]

ENTITY = "visit_order"
STANDING_ROLES = frozenset({StaffRole.MA, StaffRole.NURSE, StaffRole.PROVIDER})
MAX_REASON = 300


@dataclass(frozen=True, slots=True)
class OrderView:
    """An order as a screen shows it."""

    id: int
    encounter_id: int
    patient_id: int
    kind: OrderKind
    display: str
    system: str | None
    code: str | None
    catalog_key: str | None
    instructions: str | None
    status: OrderStatus
    ordered_by: str  # "Dr. Lena Chen, MD", "standing order: <protocol> (Mia Sorensen)"
    ordered_at: datetime
    done_at: datetime | None
    done_by: str | None

    @property
    def is_open(self) -> bool:
        return self.status is OrderStatus.OPEN


def _name(session: Session, staff_id: int | None) -> str | None:
    staff = session.get(Staff, staff_id) if staff_id is not None else None
    if staff is None:
        return None
    return f"{staff.display_name}, {staff.credentials}" if staff.credentials else staff.display_name


def order_view(session: Session, order: VisitOrder) -> OrderView:
    """The order with who ordered and who did it named."""
    assert order.id is not None
    by = _name(session, order.ordered_by_id)
    if order.source is OrderSource.STANDING:
        ordered_by = f"standing order: {order.protocol}" + (f" ({by})" if by else "")
    else:
        ordered_by = by or order.requester or "unknown"
    return OrderView(
        id=order.id,
        encounter_id=order.encounter_id,
        patient_id=order.patient_id,
        kind=order.kind,
        display=order.display,
        system=order.system,
        code=order.code,
        catalog_key=order.catalog_key,
        instructions=order.instructions,
        status=order.status,
        ordered_by=ordered_by,
        ordered_at=order.ordered_at,
        done_at=order.done_at,
        done_by=_name(session, order.done_by_id),
    )


def _encounter(session: Session, encounter_id: int) -> Encounter:
    encounter = session.get(Encounter, encounter_id)
    if encounter is None:
        raise NotFound("That visit is no longer on the schedule.")
    return encounter


def _staff(session: Session, staff_id: int) -> Staff:
    staff = session.get(Staff, staff_id)
    if staff is None or not staff.active:
        raise NotAllowed("Sign in again: your account is not active.")
    return staff


def _add(
    session: Session,
    encounter: Encounter,
    items: Sequence[OrderItem],
    *,
    source: OrderSource,
    at: datetime,
    staff_id: int | None,
    protocol: str | None = None,
) -> list[VisitOrder]:
    assert encounter.id is not None
    orders = [
        VisitOrder(
            encounter_id=encounter.id,
            patient_id=encounter.patient_id,
            kind=item.kind,
            system=item.system,
            code=item.code,
            display=item.display,
            catalog_key=item.catalog_key,
            instructions=item.instructions,
            source=source,
            ordered_by_id=staff_id,
            protocol=protocol,
            ordered_at=at,
        )
        for item in items
    ]
    session.add_all(orders)
    session.flush()
    for order in orders:
        audit(
            session,
            AuditAction.CREATE,
            at=at,
            staff_id=staff_id,
            patient_id=encounter.patient_id,
            entity=ENTITY,
            entity_id=order.id,
            detail={"kind": order.kind.value, "code": order.code, "source": source.value},
        )
    return orders


def place_orders(
    engine: Engine, encounter_id: int, items: Sequence[OrderItem], *, by: int, at: datetime
) -> list[OrderView]:
    """A provider's orders on the visit; anyone else is refused (see standing orders)."""
    if not items:
        raise InvalidInput("Pick at least one test or medication to order.")

    def work(session: Session) -> list[OrderView]:
        if _staff(session, by).role is not StaffRole.PROVIDER:
            raise NotAllowed("Only a provider orders; an MA places a clinic's standing order.")
        encounter = _encounter(session, encounter_id)
        orders = _add(session, encounter, items, source=OrderSource.PROVIDER, at=at, staff_id=by)
        return [order_view(session, order) for order in orders]

    return in_transaction(engine, work)


def place_standing_order(
    engine: Engine, encounter_id: int, protocol: StandingProtocol, *, by: int, at: datetime
) -> list[OrderView]:
    """The protocol's orders on the visit, placed by a clinical staff member."""

    def work(session: Session) -> list[OrderView]:
        if _staff(session, by).role not in STANDING_ROLES:
            raise NotAllowed("Only clinical staff place a standing order.")
        encounter = _encounter(session, encounter_id)
        refused = _refusal(session, encounter, protocol, at)
        if refused is not None:
            raise NotAllowed(refused)
        orders = _add(
            session,
            encounter,
            protocol_items(protocol),
            source=OrderSource.STANDING,
            at=at,
            staff_id=by,
            protocol=protocol.name,
        )
        return [order_view(session, order) for order in orders]

    return in_transaction(engine, work)


def _refusal(
    session: Session, encounter: Encounter, protocol: StandingProtocol, at: datetime
) -> str | None:
    """Why the visit's patient is outside the protocol (age on the day, sex), if so."""
    patient = session.get(Patient, encounter.patient_id)
    if patient is None:
        raise NotFound("That patient is no longer on file.")
    sex = patient.sex.value
    return refusal(protocol, patient.given_name, patient.birth_date, sex, at.date())


def standing_choices(
    engine: Engine, encounter_id: int, at: datetime
) -> list[tuple[StandingProtocol, str | None]]:
    """Each of the clinic's protocols, with why it is not for this visit's patient
    (None: it may be placed), for the pick list to grey out the ones refused."""

    def work(session: Session) -> list[tuple[StandingProtocol, str | None]]:
        encounter = _encounter(session, encounter_id)
        return [(p, _refusal(session, encounter, p, at)) for p in standing_protocols()]

    return read_only(engine, work)


def _open_order(session: Session, order_id: int) -> VisitOrder:
    order = session.get(VisitOrder, order_id)
    if order is None:
        raise NotFound("That order is not there any more.")
    if order.status is not OrderStatus.OPEN:
        raise Conflict(f"That order is already {order.status.value}.")
    return order


def complete_order(
    session: Session, order_id: int, *, encounter_id: int, by: int | None, at: datetime
) -> VisitOrder:
    """Mark an open order of this visit done (a helper: the caller's transaction commits).

    The caller writes the audit event of what did it; this one records the order's
    move to *done* in the same transaction.
    """
    order = _open_order(session, order_id)
    if order.encounter_id != encounter_id:
        raise Conflict("That order belongs to another visit.")
    _close(session, order, OrderStatus.DONE, by=by, at=at)
    return order


def reopen_order(
    session: Session, order_id: int, reason: str, *, by: int | None, at: datetime
) -> VisitOrder | None:
    """Put a done order back to do: what did it was withdrawn (a result entered in
    error). A helper in the caller's transaction, with the order's audit event; an
    order already open, or cancelled, stays as it is (None)."""
    order = session.get(VisitOrder, order_id)
    if order is None or order.status is not OrderStatus.DONE:
        return None
    _move(session, order, OrderStatus.OPEN, by=by, at=at, why=reason)
    return order


def cancel_order(engine: Engine, order_id: int, reason: str, *, by: int, at: datetime) -> OrderView:
    """Cancel an open order with the reason said (never deleted)."""
    reason = " ".join(reason.split())
    if not reason:
        raise InvalidInput("Say why the order is cancelled.")
    if len(reason) > MAX_REASON:
        raise InvalidInput(f"Keep the reason under {MAX_REASON} characters.")

    def work(session: Session) -> OrderView:
        _staff(session, by)
        order = _open_order(session, order_id)
        order.status_reason = reason
        _close(session, order, OrderStatus.CANCELLED, by=by, at=at)
        return order_view(session, order)

    return in_transaction(engine, work)


def _close(
    session: Session, order: VisitOrder, status: OrderStatus, *, by: int | None, at: datetime
) -> None:
    """An open order done or cancelled by ``by``, with its audit event."""
    _move(session, order, status, by=by, at=at)


def _move(
    session: Session,
    order: VisitOrder,
    status: OrderStatus,
    *,
    by: int | None,
    at: datetime,
    why: str | None = None,
) -> None:
    """The order to ``status`` (done or cancelled: by whom and when; open again: neither),
    with its audit event."""
    closed = status is not OrderStatus.OPEN
    order.status = status
    order.done_at = at if closed else None
    order.done_by_id = by if closed else None
    session.add(order)
    detail: dict[str, str] = {"status": status.value}
    if why is not None:
        detail["why"] = why
    audit(
        session,
        AuditAction.UPDATE,
        at=at,
        staff_id=by,
        patient_id=order.patient_id,
        entity=ENTITY,
        entity_id=order.id,
        detail=detail,
    )


def visit_orders(engine: Engine, encounter_id: int) -> list[OrderView]:
    """Every order of the visit, open first, then in the order they were placed."""

    def work(session: Session) -> list[OrderView]:
        rows = session.exec(
            select(VisitOrder)
            .where(VisitOrder.encounter_id == encounter_id)
            .order_by(col(VisitOrder.ordered_at), col(VisitOrder.id))
        ).all()
        views = [order_view(session, row) for row in rows]
        return sorted(views, key=lambda view: not view.is_open)

    return read_only(engine, work)


def open_orders(engine: Engine, encounter_id: int) -> list[OrderView]:
    """The visit's orders still to do."""
    return [view for view in visit_orders(engine, encounter_id) if view.is_open]


def open_order_counts(session: Session, encounter_ids: Iterable[int]) -> dict[int, int]:
    """How many open orders each of these visits has (absent: none), in one query."""
    ids = list(encounter_ids)
    if not ids:
        return {}
    rows = session.exec(
        select(VisitOrder.encounter_id, func.count())
        .where(col(VisitOrder.encounter_id).in_(ids))
        .where(VisitOrder.status == OrderStatus.OPEN)
        .group_by(col(VisitOrder.encounter_id))
    ).all()
    return {encounter_id: count for encounter_id, count in rows}
