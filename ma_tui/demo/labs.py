"""The demo's orders, point-of-care kit lots and this morning's quality control.

On today's schedule: Dana Whitfield (diabetes) has the clinic's diabetes standing
order placed by Mia at rooming (a fingerstick glucose and an A1c), Dr. Chen has
ordered a fingerstick glucose for Lan Nguyễn (dizzy) and a urine dipstick and a
flu shot for Harold Benton, and Dr. Brooks a rapid strep for Ethan Park (sore
throat). Every test has a kit lot on the shelf; the urine strips also have an
older lot that expired last month, still on the shelf to be refused. This morning's
QC passed for the urine strips, glucose meter, strep and INR; the A1c controls
failed; nobody has run the hCG controls yet, so resulting one warns first.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel import col, select

from ma_tui.core.audit import AuditAction
from ma_tui.data.catalogs.poc_tests import poc_catalog
from ma_tui.data.catalogs.vaccines import vaccine_catalog
from ma_tui.data.models.labs import PocKitLot, PocQcRecord
from ma_tui.data.models.orders import OrderSource, VisitOrder
from ma_tui.data.models.patients import Patient
from ma_tui.data.models.visits import Encounter
from ma_tui.demo.build import Build
from ma_tui.orders.items import (
    OrderItem,
    item_for_product,
    item_for_test,
    protocol_items,
    standing_protocols,
)

# (test, product, lot, days from today to expiry)
KIT_LOTS = (
    ("ua", "Chemstrip 10 A urine test strips", "UA24117", 210),
    ("ua", "Chemstrip 10 A urine test strips", "UA23089", -19),  # expired, still on the shelf
    ("glucose", "Contour Next blood glucose test strips", "GS5520", 300),
    ("a1c", "A1CNow+ test cartridges", "A1C0931", 120),
    ("hcg", "QuickVue One-Step hCG urine cassettes", "HC7781", 400),
    ("strep", "QuickVue Dipstick Strep A", "ST4410", 95),
    ("flu", "QuickVue Influenza A+B", "FL2208", 150),
    ("covid", "QuickVue SARS Antigen", "CV1187", 75),
    ("hgb", "HemoCue Hb 201 microcuvettes", "HB3306", 180),
    ("inr", "CoaguChek XS PT test strips", "IN6620", 60),
)
# (test, time this morning, outcome, who); yesterday every test passed.
QC_TODAY = (
    ("ua", "07:50", "pass", "mia"),
    ("glucose", "07:52", "pass", "mia"),
    ("strep", "07:55", "pass", "priya"),
    ("inr", "07:58", "pass", "priya"),
    ("a1c", "08:05", "fail", "mia"),
)


def add_labs_and_orders(build: Build) -> None:
    """Kit lots, yesterday's and today's QC, then today's orders."""
    _add_kits(build)
    _add_qc(build)
    chen, brooks, mia = build.staff["dr.chen"], build.staff["np.brooks"], build.staff["mia"]
    tests = {test.key: test for test in poc_catalog().tests}
    diabetes = next(p for p in standing_protocols() if p.key == "diabetes")
    flu_shot = item_for_product(vaccine_catalog().product("flu_afluria"))
    _order(build, "1000105", protocol_items(diabetes), "09:12", mia, protocol=diabetes.name)
    _order(build, "1000102", [item_for_test(tests["glucose"])], "08:40", chen)
    _order(build, "1000108", [item_for_test(tests["ua"]), flu_shot], "08:30", chen)
    _order(build, "1000123", [item_for_test(tests["strep"])], "08:35", brooks)


def _add_kits(build: Build) -> None:
    today = build.day.today
    received = build.day.local(today - timedelta(days=30), "08:00")
    for test, name, lot, days in KIT_LOTS:
        expires = today + timedelta(days=days)
        row = PocKitLot(
            test_key=test,
            name=name,
            lot=lot,
            expires=expires,
            added_at=received,
            added_by_id=build.staff["priya"],
        )
        build.add(row)


def _add_qc(build: Build) -> None:
    yesterday = build.day.today - timedelta(days=1)
    for test in sorted({test for test, *_ in KIT_LOTS}):
        _qc(build, test, build.day.local(yesterday, "07:50"), "pass", "priya")
    for test, hhmm, outcome, who in QC_TODAY:
        _qc(build, test, build.day.local(build.day.today, hhmm), outcome, who)


def _qc(build: Build, test: str, at: datetime, outcome: str, who: str) -> None:
    staff_id = build.staff[who]
    row_id = build.add(
        PocQcRecord(test_key=test, recorded_at=at, outcome=outcome, recorded_by_id=staff_id)
    )
    build.trail.note(
        at,
        AuditAction.CREATE,
        staff_id,
        None,
        entity="poc_qc_record",
        entity_id=row_id,
        detail={"test": test, "outcome": outcome},
    )


def _order(
    build: Build,
    mrn: str,
    items: list[OrderItem] | tuple[OrderItem, ...],
    hhmm: str,
    staff_id: int,
    *,
    protocol: str | None = None,
) -> None:
    visit = _todays_visit(build, mrn)
    at = build.day.local(build.day.today, hhmm)
    assert visit.id is not None
    for item in items:
        row_id = build.add(
            VisitOrder(
                encounter_id=visit.id,
                patient_id=visit.patient_id,
                kind=item.kind,
                system=item.system,
                code=item.code,
                display=item.display,
                catalog_key=item.catalog_key,
                instructions=item.instructions,
                source=OrderSource.STANDING if protocol else OrderSource.PROVIDER,
                ordered_by_id=staff_id,
                protocol=protocol,
                ordered_at=at,
            )
        )
        build.trail.note(
            at,
            AuditAction.CREATE,
            staff_id,
            visit.patient_id,
            entity="visit_order",
            entity_id=row_id,
            detail={"kind": item.kind.value, "code": item.code},
        )


def _todays_visit(build: Build, mrn: str) -> Encounter:
    start = build.day.local(build.day.today, "00:00")
    visit = build.session.exec(
        select(Encounter)
        .join(Patient, col(Patient.id) == col(Encounter.patient_id))
        .where(Patient.mrn == mrn, col(Encounter.scheduled_at) >= start)
        .where(col(Encounter.scheduled_at) < start + timedelta(days=1))
    ).one()
    return visit
