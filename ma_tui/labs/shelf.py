"""Use cases for the kit lots on the shelf and the daily quality-control log.

A kit lot is added with its product, lot and expiry as printed (an expired one is
refused at the door: it could only be used by mistake). The QC log is read for a
test and the clinic's day of ``now``; the latest record of the day decides
(:func:`ma_tui.labs.kits.qc_state`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from ma_tui.core.audit import AuditAction, audit
from ma_tui.core.errors import Conflict, InvalidInput, NotFound
from ma_tui.core.expiry import is_expired, parse_expiry
from ma_tui.core.transaction import in_transaction, read_only
from ma_tui.data.catalogs.poc_tests import PocTest, poc_catalog
from ma_tui.data.models.labs import PocKitLot, PocQcRecord
from ma_tui.labs.days import day_bounds
from ma_tui.labs.kits import KitExpired, KitLot, QcOutcome, QcRecord, QcState, parse_lot, qc_state

MAX_NAME = 200


@dataclass(frozen=True, slots=True)
class ShelfKit:
    """A kit lot as the screen lists it; ``expired`` on the day it was read."""

    id: int
    kit: KitLot
    expired: bool

    @property
    def label(self) -> str:
        state = "EXPIRED" if self.expired else "exp"
        return f"{self.kit.name}  lot {self.kit.lot}  {state} {self.kit.expires.isoformat()}"


def test_by_key(key: str) -> PocTest:
    try:
        return poc_catalog().test(key)
    except KeyError:
        raise NotFound(f"{key}: not a point-of-care test of this clinic") from None


def kit_lot(row: PocKitLot) -> KitLot:
    return KitLot(row.test_key, row.name, row.lot, row.expires, row.manufacturer)


def shelf_kit(row: PocKitLot, now: datetime) -> ShelfKit:
    assert row.id is not None
    return ShelfKit(row.id, kit_lot(row), is_expired(row.expires, now.date()))


def kits_for(session: Session, test_key: str, now: datetime) -> list[ShelfKit]:
    """The test's kit lots on the shelf, the soonest to expire first (expired listed too)."""
    rows = session.exec(
        select(PocKitLot)
        .where(PocKitLot.test_key == test_key, col(PocKitLot.active))
        .order_by(col(PocKitLot.expires), col(PocKitLot.id))
    ).all()
    return [shelf_kit(row, now) for row in rows]


def shelf(engine: Engine, test_key: str, now: datetime) -> list[ShelfKit]:
    """:func:`kits_for`, read on its own."""
    return read_only(engine, lambda session: kits_for(session, test_key, now))


def add_kit_lot(
    engine: Engine,
    test_key: str,
    *,
    name: str,
    lot: str,
    expires: str,
    by: int | None,
    now: datetime,
    manufacturer: str | None = None,
) -> ShelfKit:
    """A new kit lot for the test, as printed on the box; an expired one is refused."""
    test = test_by_key(test_key)
    product = " ".join(name.split())
    if not product or len(product) > MAX_NAME:
        raise InvalidInput(f"Type the kit's product name (at most {MAX_NAME} characters).")
    lot_number = parse_lot(lot)
    expiry = parse_expiry(expires)
    if is_expired(expiry, now.date()):
        raise KitExpired(f"lot {lot_number} expired {expiry.isoformat()}: it cannot be put in use")

    def work(session: Session) -> ShelfKit:
        taken = session.exec(
            select(PocKitLot).where(PocKitLot.test_key == test.key, PocKitLot.lot == lot_number)
        ).first()
        if taken is not None:
            raise Conflict(f"lot {lot_number} of {test.name} is already on the shelf")
        row = PocKitLot(
            test_key=test.key,
            name=product,
            manufacturer=manufacturer,
            lot=lot_number,
            expires=expiry,
            added_at=now,
            added_by_id=by,
        )
        session.add(row)
        session.flush()
        audit(
            session,
            AuditAction.CREATE,
            at=now,
            staff_id=by,
            entity="poc_kit_lot",
            entity_id=row.id,
            detail={"test": test.key, "lot": lot_number, "expires": expiry},
        )
        return shelf_kit(row, now)

    return in_transaction(engine, work)


def qc_log(session: Session, test_key: str, now: datetime) -> list[QcRecord]:
    """The test's QC records of ``now``'s clinic day, their times in the clinic's zone."""
    start, end = day_bounds(now)
    rows = session.exec(
        select(PocQcRecord).where(
            PocQcRecord.test_key == test_key,
            col(PocQcRecord.recorded_at) >= start,
            col(PocQcRecord.recorded_at) < end,
        )
    ).all()
    return [
        QcRecord(
            row.test_key,
            row.recorded_at.astimezone(now.tzinfo),
            QcOutcome(row.outcome),
        )
        for row in rows
    ]


def qc_today(session: Session, test_key: str, now: datetime) -> QcState:
    return qc_state(qc_log(session, test_key, now), test_key, now.date())


def record_qc(
    engine: Engine,
    test_key: str,
    outcome: QcOutcome,
    *,
    by: int | None,
    now: datetime,
    kit_lot_id: int | None = None,
) -> QcState:
    """One run of the test's external controls; the day's QC state after it."""
    test = test_by_key(test_key)

    def work(session: Session) -> QcState:
        row = PocQcRecord(
            test_key=test.key,
            recorded_at=now,
            outcome=outcome.value,
            kit_lot_id=kit_lot_id,
            recorded_by_id=by,
        )
        session.add(row)
        session.flush()
        audit(
            session,
            AuditAction.CREATE,
            at=now,
            staff_id=by,
            entity="poc_qc_record",
            entity_id=row.id,
            detail={"test": test.key, "outcome": outcome.value},
        )
        return qc_today(session, test.key, now)

    return in_transaction(engine, work)
