"""The clinic's lots on the shelf, as use cases: add one, list them, find a scanned vial.

A scan names a product (its NDC, looked up in ``catalogs/vaccines.json``), a lot and
an expiry. The lot must be one the clinic has put on the shelf: a vial whose lot is
not there is said so, never added on the fly, since the shelf's count and funding
source are what the dose is checked against.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from ma_tui.core.audit import AuditAction, audit
from ma_tui.core.errors import Conflict, InvalidInput, NotFound
from ma_tui.core.transaction import in_transaction, read_only
from ma_tui.data.catalogs.vaccines import Product, vaccine_catalog
from ma_tui.data.models.immunizations import LotFunding, VaccineLot
from ma_tui.immunizations.inventory import FundingSource, InventoryLot
from ma_tui.immunizations.scan import VialScan


@dataclass(frozen=True, slots=True)
class ShelfLot:
    """A lot on the shelf, with its row id and its product from the catalog."""

    id: int
    product: Product
    lot: InventoryLot


@dataclass(frozen=True, slots=True)
class ScannedVial:
    scan: VialScan
    product: Product
    ndc11: str
    lots: tuple[ShelfLot, ...]  # the shelf's lots of this product with the scanned lot number
    expiry_differs: bool  # the barcode's expiry is not the shelf's: the label wins, say so


def shelf_lot(row: VaccineLot) -> ShelfLot:
    assert row.id is not None
    lot = InventoryLot(
        product_key=row.product_key,
        ndc11=row.ndc11,
        lot=row.lot,
        expires=row.expires,
        doses_on_hand=row.doses_on_hand,
        funding=FundingSource(row.funding.value),
    )
    return ShelfLot(row.id, vaccine_catalog().product(row.product_key), lot)


def add_lot(engine: Engine, lot: InventoryLot, *, now: datetime, staff_id: int | None) -> int:
    """Put a lot on the shelf; a product the catalog does not know, or a lot already
    there with the same funding, is refused."""
    try:
        product = vaccine_catalog().product(lot.product_key)
    except KeyError as exc:
        raise InvalidInput(f"{lot.product_key!r} is not in the product catalog") from exc
    if lot.doses_on_hand < 0:
        raise InvalidInput("doses on hand cannot be below zero")
    if not lot.lot.strip() or len(lot.lot) > 20:
        raise InvalidInput("a lot number is 1 to 20 characters, as printed on the vial")

    def work(session: Session) -> int:
        existing = session.exec(
            select(VaccineLot).where(
                VaccineLot.product_key == lot.product_key,
                VaccineLot.lot == lot.lot,
                VaccineLot.funding == LotFunding(lot.funding.value),
            )
        ).first()
        if existing is not None:
            raise Conflict(f"{product.name} {lot.label()} is already on the shelf")
        cvx = product.cvx.code if product.cvx and product.cvx.exportable else None
        manufacturer = product.manufacturer
        row = VaccineLot(
            product_key=lot.product_key,
            ndc11=lot.ndc11,
            cvx=cvx,
            mvx=manufacturer.mvx if manufacturer and manufacturer.confirmation.confirmed else None,
            lot=lot.lot,
            expires=lot.expires,
            doses_on_hand=lot.doses_on_hand,
            funding=LotFunding(lot.funding.value),
            added_at=now,
            added_by_id=staff_id,
        )
        session.add(row)
        session.flush()
        assert row.id is not None
        audit(
            session,
            AuditAction.CREATE,
            at=now,
            staff_id=staff_id,
            entity="vaccine_lot",
            entity_id=row.id,
            detail={"product": lot.product_key, "doses": lot.doses_on_hand},
        )
        return row.id

    return in_transaction(engine, work)


def shelf(engine: Engine) -> list[ShelfLot]:
    """Every lot on the shelf, by product then expiry (the soonest first: use it first)."""

    def work(session: Session) -> list[ShelfLot]:
        rows = session.exec(
            select(VaccineLot).order_by(
                col(VaccineLot.product_key), col(VaccineLot.expires), col(VaccineLot.id)
            )
        ).all()
        return [shelf_lot(row) for row in rows]

    return read_only(engine, work)


def find_scanned(engine: Engine, scan: VialScan) -> ScannedVial:
    """The product and shelf lots a vial's scan names; ``NotFound`` says what is missing."""
    found = vaccine_catalog().by_ndc10(scan.ndc10)
    if found is None:
        raise NotFound(f"NDC {scan.ndc10} is not in the product catalog: not a product we stock")
    product, ndc = found

    def work(session: Session) -> list[ShelfLot]:
        query = select(VaccineLot).where(VaccineLot.product_key == product.key)
        if scan.lot is not None:
            query = query.where(VaccineLot.lot == scan.lot)
        return [shelf_lot(row) for row in session.exec(query.order_by(col(VaccineLot.id))).all()]

    lots = read_only(engine, work)
    if not lots:
        lot = f"lot {scan.lot}" if scan.lot else "a lot"
        raise NotFound(f"{product.name}: {lot} is not on the shelf; add it to the inventory first")
    differs = scan.expires is not None and any(s.lot.expires != scan.expires for s in lots)
    return ScannedVial(scan, product, ndc.ndc11, tuple(lots), differs)
