"""Orders on a visit: who may place them, standing orders, done and cancelled, counts."""

from __future__ import annotations

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from ma_tui.core.errors import Conflict, NotAllowed
from ma_tui.core.transaction import in_transaction, read_only
from ma_tui.data.catalogs.poc_tests import poc_catalog
from ma_tui.data.models.audit import AuditEvent
from ma_tui.data.models.staff import Staff
from ma_tui.orders.items import LOINC, item_for_test, orderable_items, standing_protocols
from ma_tui.orders.orders import (
    OrderKind,
    OrderStatus,
    cancel_order,
    complete_order,
    open_order_counts,
    open_orders,
    place_orders,
    place_standing_order,
    visit_orders,
)
from tests.conftest import CLINIC_NOW, todays_encounter_id


def staff_id(engine: Engine, username: str) -> int:
    with Session(engine) as session:
        staff = session.exec(select(Staff).where(Staff.username == username)).one()
        assert staff.id is not None
        return staff.id


def test_a_provider_orders_and_an_ma_does_not(demo_sqlite: Engine) -> None:
    visit = todays_encounter_id(demo_sqlite, "Benton")
    ua = next(item for item in orderable_items() if item.catalog_key == "ua")
    with pytest.raises(NotAllowed):
        place_orders(demo_sqlite, visit, [ua], by=staff_id(demo_sqlite, "mia"), at=CLINIC_NOW)
    [order] = place_orders(
        demo_sqlite, visit, [ua], by=staff_id(demo_sqlite, "dr.chen"), at=CLINIC_NOW
    )
    assert (order.kind, order.system, order.code, order.ordered_by) == (
        OrderKind.TEST,
        LOINC,
        "24357-6",
        "Dr. Lena Chen, MD",
    )


def test_a_standing_order_names_its_protocol_and_who_placed_it(demo_sqlite: Engine) -> None:
    visit = todays_encounter_id(demo_sqlite, "Benton")
    before = open_order_counts_now(demo_sqlite, visit)
    diabetes = next(p for p in standing_protocols() if p.key == "diabetes")
    placed = place_standing_order(
        demo_sqlite, visit, diabetes, by=staff_id(demo_sqlite, "mia"), at=CLINIC_NOW
    )
    assert [o.catalog_key for o in placed] == ["glucose", "a1c"]
    assert placed[0].ordered_by == f"standing order: {diabetes.name} (Mia Sorensen, CMA)"
    assert open_order_counts_now(demo_sqlite, visit) == before + 2


def open_order_counts_now(engine: Engine, visit: int) -> int:
    return read_only(engine, lambda s: open_order_counts(s, [visit])).get(visit, 0)


def test_done_and_cancelled_orders_leave_the_open_list_and_are_audited(
    demo_sqlite: Engine,
) -> None:
    visit = todays_encounter_id(demo_sqlite, "Benton")
    provider = staff_id(demo_sqlite, "dr.chen")
    mia = staff_id(demo_sqlite, "mia")
    items = [item_for_test(poc_catalog().test(key)) for key in ("glucose", "hcg")]
    glucose, hcg = place_orders(demo_sqlite, visit, items, by=provider, at=CLINIC_NOW)
    in_transaction(
        demo_sqlite,
        lambda s: complete_order(s, glucose.id, encounter_id=visit, by=mia, at=CLINIC_NOW),
    )
    cancel_order(demo_sqlite, hcg.id, "patient post-menopausal", by=mia, at=CLINIC_NOW)
    assert {o.id for o in open_orders(demo_sqlite, visit)}.isdisjoint({glucose.id, hcg.id})
    statuses = {o.id: o.status for o in visit_orders(demo_sqlite, visit)}
    assert (statuses[glucose.id], statuses[hcg.id]) == (OrderStatus.DONE, OrderStatus.CANCELLED)
    with pytest.raises(Conflict):
        cancel_order(demo_sqlite, glucose.id, "again", by=mia, at=CLINIC_NOW)
    with Session(demo_sqlite) as session:
        events = session.exec(select(AuditEvent).where(AuditEvent.entity == "visit_order")).all()
    assert {e.entity_id for e in events} >= {str(glucose.id), str(hcg.id)}
