"""Orders on a visit: who may place them, standing orders, done and cancelled, counts."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st
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
    standing_choices,
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


def test_a_standing_order_is_refused_for_a_patient_it_is_not_for(demo_sqlite: Engine) -> None:
    """Ethan Park, 8, male: neither the adults' flu dose nor the hCG test is his."""
    visit = todays_encounter_id(demo_sqlite, "Park")
    mia = staff_id(demo_sqlite, "mia")
    protocols = {p.key: p for p in standing_protocols()}
    before = visit_orders(demo_sqlite, visit)
    with pytest.raises(NotAllowed, match="is for ages 18 and over; Ethan is 8"):
        place_standing_order(demo_sqlite, visit, protocols["influenza"], by=mia, at=CLINIC_NOW)
    with pytest.raises(NotAllowed, match="is for females, ages 10 to 55; Ethan is recorded male"):
        place_standing_order(demo_sqlite, visit, protocols["pregnancy"], by=mia, at=CLINIC_NOW)
    assert visit_orders(demo_sqlite, visit) == before
    refused = dict((p.key, why) for p, why in standing_choices(demo_sqlite, visit, CLINIC_NOW))
    assert refused["sore_throat"] is None
    assert refused["urinary"] is None
    assert refused["influenza"]
    assert refused["pregnancy"]
    [strep] = place_standing_order(
        demo_sqlite, visit, protocols["sore_throat"], by=mia, at=CLINIC_NOW
    )
    assert strep.catalog_key == "strep"


@pytest.mark.parametrize(
    ("extra", "why"),
    [
        ({"min_age": 18, "max_age": 5}, r"\[0\]\.max_age is under min_age 18"),
        ({"sex": "boy"}, r"\[0\]\.sex 'boy' is not one of female, male"),
        ({"min_age": -1}, r"\[0\]\.min_age must be at least 0"),
        ({"min_age": "18"}, r"\[0\]\.min_age must be a whole number"),
        ({"ages": 18}, r"has unknown keys ages"),
    ],
)
def test_whom_a_protocol_is_for_is_checked_at_load(extra: dict[str, object], why: str) -> None:
    from ma_tui.data.catalogs import CatalogError
    from ma_tui.data.catalogs.standing_orders import _protocol
    from ma_tui.data.catalogs.strict import Node

    raw = {"key": "flu", "name": "Flu", "orders": [{"test": "ua"}], **extra}
    with pytest.raises(CatalogError, match=why):
        _protocol(Node("standing_orders.json", "protocols[0]", raw))


@given(
    birth=st.dates(min_value=date(1900, 1, 1), max_value=date(2026, 12, 4)),
    low=st.none() | st.integers(0, 100),
    span=st.none() | st.integers(0, 100),
    sex=st.sampled_from(["female", "male", "other", "unknown"]),
    only=st.none() | st.sampled_from(["female", "male"]),
)
def test_a_patient_is_refused_exactly_when_outside_the_protocol(
    birth: date, low: int | None, span: int | None, sex: str, only: str | None
) -> None:
    from ma_tui.core.ages import age_in_years
    from ma_tui.data.catalogs.standing_orders import StandingProtocol
    from ma_tui.orders.standing import refusal

    high = None if span is None else (low or 0) + span
    protocol = StandingProtocol("p", "P", (), low, high, only)
    today = date(2026, 12, 4)
    years = age_in_years(birth, today)
    inside = (
        (low is None or years >= low)
        and (high is None or years <= high)
        and (only is None or sex not in ("female", "male") or sex == only)
    )
    said = refusal(protocol, "Ana", birth, sex, today)
    assert (said is None) == inside
    assert said is None or said.startswith("The standing order “P” is for ")
