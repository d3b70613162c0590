"""Point-of-care results at a visit: kit lots, the day's QC, results from orders, audit."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from ma_tui.core.errors import Conflict, InvalidInput
from ma_tui.data.catalogs.poc_tests import poc_catalog
from ma_tui.data.models.audit import AuditEvent
from ma_tui.data.models.labs import PocReading, PocResultStatus
from ma_tui.data.models.labs import PocResult as PocResultRow
from ma_tui.fhir.export import ExportContext, Selection, export_resources
from ma_tui.labs.corrections import error_reason, mark_in_error, visit_results
from ma_tui.labs.kits import KitExpired, QcOutcome, QcState
from ma_tui.labs.resulting import QcNotPassed, poc_context, record_result
from ma_tui.labs.shelf import add_kit_lot, record_qc
from ma_tui.orders.items import item_for_test
from ma_tui.orders.orders import OrderStatus, place_orders, visit_orders
from tests.conftest import CLINIC_NOW, CLINIC_TZ, todays_encounter_id
from tests.fhir_checks import assert_valid
from tests.test_orders import staff_id


def glucose_order(engine: Engine, visit: int) -> int:
    item = item_for_test(poc_catalog().test("glucose"))
    [order] = place_orders(engine, visit, [item], by=staff_id(engine, "dr.chen"), at=CLINIC_NOW)
    return order.id


def test_a_glucose_from_an_order_is_stored_flagged_audited_and_the_order_done(
    demo_sqlite: Engine,
) -> None:
    visit = todays_encounter_id(demo_sqlite, "Benton")
    mia = staff_id(demo_sqlite, "mia")
    order = glucose_order(demo_sqlite, visit)
    kit = add_kit_lot(
        demo_sqlite,
        "glucose",
        name="Test strips",
        lot="T-1",
        expires="2027-01",
        by=mia,
        now=CLINIC_NOW,
    )
    record_qc(demo_sqlite, "glucose", QcOutcome.PASS, by=mia, now=CLINIC_NOW)
    stored = record_result(
        demo_sqlite, visit, "glu 212", kit.id, by=mia, now=CLINIC_NOW, order_id=order
    )
    assert (stored.abnormal, stored.qc) == (True, QcState.PASSED)
    assert "212 mg/dL H" in stored.readback
    [done] = [o for o in visit_orders(demo_sqlite, visit) if o.id == order]
    assert done.status is OrderStatus.DONE
    with Session(demo_sqlite) as session:
        [reading] = session.exec(select(PocReading).where(PocReading.result_id == stored.id)).all()
        assert (reading.code, reading.value, reading.interpretation) == ("41653-7", "212", "H")
        entities = session.exec(
            select(AuditEvent.entity).where(AuditEvent.entity_id == str(stored.id))
        ).all()
    assert "poc_result" in entities


def test_an_expired_kit_is_refused_at_the_door_and_at_resulting(demo_sqlite: Engine) -> None:
    visit = todays_encounter_id(demo_sqlite, "Benton")
    mia = staff_id(demo_sqlite, "mia")
    with pytest.raises(KitExpired):
        add_kit_lot(
            demo_sqlite,
            "ua",
            name="Strips",
            lot="OLD-1",
            expires="2026-10",
            by=mia,
            now=CLINIC_NOW,
        )
    kit = add_kit_lot(
        demo_sqlite,
        "ua",
        name="Strips",
        lot="SOON-1",
        expires="2026-11-23",
        by=mia,
        now=CLINIC_NOW,
    )
    record_qc(demo_sqlite, "ua", QcOutcome.PASS, by=mia, now=CLINIC_NOW)
    tomorrow = CLINIC_NOW + timedelta(days=1)
    record_qc(demo_sqlite, "ua", QcOutcome.PASS, by=mia, now=tomorrow)
    with pytest.raises(KitExpired):
        record_result(demo_sqlite, visit, "ua glu neg", kit.id, by=mia, now=tomorrow)


def test_without_a_passing_qc_today_the_ma_is_told_and_must_say_so(demo_sqlite: Engine) -> None:
    visit = todays_encounter_id(demo_sqlite, "Benton")
    mia = staff_id(demo_sqlite, "mia")
    kit = add_kit_lot(
        demo_sqlite,
        "hcg",
        name="hCG cassettes",
        lot="H-9",
        expires="2027-05",
        by=mia,
        now=CLINIC_NOW,
    )
    yesterday = CLINIC_NOW - timedelta(days=1)
    record_qc(demo_sqlite, "hcg", QcOutcome.PASS, by=mia, now=yesterday)
    record_qc(demo_sqlite, "hcg", QcOutcome.FAIL, by=mia, now=CLINIC_NOW)
    context = poc_context(demo_sqlite, visit, "hcg", CLINIC_NOW)
    assert context.qc is QcState.FAILED
    assert context.qc_notice is not None
    with pytest.raises(QcNotPassed):
        record_result(demo_sqlite, visit, "hcg neg", kit.id, by=mia, now=CLINIC_NOW)
    stored = record_result(
        demo_sqlite, visit, "hcg neg", kit.id, by=mia, now=CLINIC_NOW, without_qc=True
    )
    assert stored.qc is QcState.FAILED


def test_a_urinalysis_exports_as_valid_laboratory_observations_with_its_kit(
    demo_sqlite: Engine,
) -> None:
    visit = todays_encounter_id(demo_sqlite, "Benton")
    mia = staff_id(demo_sqlite, "mia")
    kit = add_kit_lot(
        demo_sqlite,
        "ua",
        name="Chemstrip 10",
        lot="UA-7",
        expires="2027-02",
        by=mia,
        now=CLINIC_NOW,
    )
    record_qc(demo_sqlite, "ua", QcOutcome.PASS, by=mia, now=CLINIC_NOW)
    record_result(
        demo_sqlite,
        visit,
        "ua glu neg bld tr le 1+ nit pos sg 1.020 ph 6",
        kit.id,
        by=mia,
        now=CLINIC_NOW,
    )
    context = ExportContext(mrn_system="urn:test:mrn", clinic_id=uuid.UUID(int=1), tz=CLINIC_TZ)
    with Session(demo_sqlite) as session:
        resources = list(export_resources(session, Selection(encounter_id=visit), context))
    assert_valid(resources)
    [device] = [r for r in resources if r["resourceType"] == "Device"]
    assert (device["lotNumber"], device["expirationDate"]) == ("UA-7", "2027-02-28")
    labs = [
        r
        for r in resources
        if r["resourceType"] == "Observation"
        and r["category"][0]["coding"][0]["code"] == "laboratory"
    ]
    assert len(labs) == 7  # the panel and its six readings
    assert all(o["device"]["reference"] == f"urn:uuid:{device['id']}" for o in labs)
    flagged = {o["code"]["coding"][0]["code"] for o in labs if "interpretation" in o}
    assert {"5794-3", "5799-2", "5802-4"} <= flagged  # blood, leukocytes, nitrite


# ------------------------------------------------------------ entered in error


def _glucose_resulted(engine: Engine, line: str = "glu 212") -> tuple[int, int, int]:
    """A glucose ordered for Benton and resulted: (visit, order id, result id)."""
    visit = todays_encounter_id(engine, "Benton")
    mia = staff_id(engine, "mia")
    order = glucose_order(engine, visit)
    kit = add_kit_lot(
        engine, "glucose", name="Test strips", lot="T-1", expires="2027-01", by=mia, now=CLINIC_NOW
    )
    record_qc(engine, "glucose", QcOutcome.PASS, by=mia, now=CLINIC_NOW)
    stored = record_result(engine, visit, line, kit.id, by=mia, now=CLINIC_NOW, order_id=order)
    return visit, order, stored.id


def test_a_wrong_result_is_marked_in_error_kept_audited_and_its_order_reopened(
    demo_sqlite: Engine,
) -> None:
    visit, order, result = _glucose_resulted(demo_sqlite)
    mia = staff_id(demo_sqlite, "mia")
    later = CLINIC_NOW + timedelta(minutes=5)
    marked = mark_in_error(demo_sqlite, result, "  wrong\npatient ", by=mia, at=later)
    assert (marked.in_error, marked.error_reason) == (True, "wrong patient")
    [listed] = visit_results(demo_sqlite, visit)
    assert listed == marked
    assert "GLU 212 mg/dL H" in listed.readback
    with Session(demo_sqlite) as session:
        row = session.get(PocResultRow, result)
        assert row is not None
        assert (row.status, row.error_by_id) == (PocResultStatus.ENTERED_IN_ERROR, mia)
        assert row.error_at == later
        events = session.exec(
            select(AuditEvent).where(AuditEvent.at == later).order_by(col(AuditEvent.id))
        ).all()
    assert [(e.entity, e.entity_id, e.detail) for e in events] == [
        ("poc_result", str(result), '{"status":"entered-in-error","test":"glucose"}'),
        ("visit_order", str(order), '{"status":"open","why":"result entered in error"}'),
    ]
    [reopened] = [o for o in visit_orders(demo_sqlite, visit) if o.id == order]
    assert (reopened.status, reopened.done_at) == (OrderStatus.OPEN, None)
    with pytest.raises(Conflict, match="already"):
        mark_in_error(demo_sqlite, result, "typo", by=mia, at=later)


@pytest.mark.parametrize("reason", ["", "   \n ", "x" * 301])
def test_a_result_is_not_marked_in_error_without_a_reason(demo_sqlite: Engine, reason: str) -> None:
    _, _, result = _glucose_resulted(demo_sqlite)
    with pytest.raises(InvalidInput):
        mark_in_error(demo_sqlite, result, reason, by=staff_id(demo_sqlite, "mia"), at=CLINIC_NOW)
    with Session(demo_sqlite) as session:
        row = session.get(PocResultRow, result)
        assert row is not None
        assert row.status is PocResultStatus.FINAL


@given(st.text(max_size=400))
def test_any_reason_is_one_said_line_or_refused(text: str) -> None:
    try:
        reason = error_reason(text)
    except InvalidInput as exc:
        assert "\n" not in str(exc)
    else:
        assert 0 < len(reason) <= 300
        assert reason == " ".join(reason.split())


def test_a_result_in_error_exports_as_entered_in_error_observations_that_validate(
    demo_sqlite: Engine,
) -> None:
    visit, _, result = _glucose_resulted(demo_sqlite)
    context = ExportContext(mrn_system="urn:test:mrn", clinic_id=uuid.UUID(int=1), tz=CLINIC_TZ)

    def labs() -> list[dict[str, Any]]:
        with Session(demo_sqlite) as session:
            resources = list(export_resources(session, Selection(encounter_id=visit), context))
        assert_valid(resources)
        return [
            r
            for r in resources
            if r["resourceType"] == "Observation"
            and r["category"][0]["coding"][0]["code"] == "laboratory"
        ]

    [before] = labs()
    assert before["status"] == "final"
    mark_in_error(
        demo_sqlite, result, "misread the meter", by=staff_id(demo_sqlite, "mia"), at=CLINIC_NOW
    )
    [after] = labs()
    assert after["id"] == before["id"]  # the EHR replaces what it was sent
    assert after["status"] == "entered-in-error"
    assert after["note"][0] == {"text": "Entered in error: misread the meter"}
    assert after["valueQuantity"] == before["valueQuantity"]
