"""Injections stored: the shelf, a dose given or not, a reaction, what is due, the queue."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from ma_tui.clinic.settings import change_setting
from ma_tui.data.catalogs.vaccines import Dose, vaccine_catalog
from ma_tui.data.models.audit import AuditEvent
from ma_tui.data.models.immunizations import VaccineLot
from ma_tui.immunizations.administration import (
    AdministrationStopped,
    NotGiven,
    NotGivenReason,
    Order,
)
from ma_tui.immunizations.chart import (
    Giving,
    due_for,
    give_dose,
    injection_patient,
    observed,
    patient_injections,
    record_not_given_dose,
    record_reaction,
)
from ma_tui.immunizations.inventory import FundingSource, InventoryLot
from ma_tui.immunizations.scan import SCREEN_SEPARATOR, parse_vial_scan
from ma_tui.immunizations.settings import observation_change
from ma_tui.immunizations.shelf import add_lot, find_scanned, shelf
from tests.conftest import CLINIC_NOW, todays_encounter_id

FLU_SCAN = f"01003333320240491727063010AX5521{SCREEN_SEPARATOR}21SN1"


def _lot_id(engine: Engine, product_key: str, lot: str) -> int:
    return next(s.id for s in shelf(engine) if s.product.key == product_key and s.lot.lot == lot)


def _flu(engine: Engine, **changes: object) -> Giving:
    product = vaccine_catalog().product("flu_afluria")
    values: dict[str, object] = {
        "lot_id": _lot_id(engine, "flu_afluria", "AX5521"),
        "dose": product.dose,
        "route": "IM",
        "site": "LD",
        "given_at": CLINIC_NOW,
        "identifiers_confirmed": True,
        "order": Order(group="influenza"),
        "vis_edition": product.vis.edition if product.vis else None,
    }
    return Giving(**{**values, **changes})  # type: ignore[arg-type]


def test_a_scanned_flu_vial_is_found_on_the_demo_shelf(demo_sqlite: Engine) -> None:
    vial = find_scanned(demo_sqlite, parse_vial_scan(FLU_SCAN))
    assert (vial.product.key, vial.ndc11) == ("flu_afluria", "33332-0024-04")
    assert [s.lot.funding for s in vial.lots] == [FundingSource.PRIVATE]


def test_a_flu_shot_given_counts_the_lot_down_with_its_audit_events(demo_sqlite: Engine) -> None:
    patient = injection_patient(demo_sqlite, todays_encounter_id(demo_sqlite, "Whitfield"))
    injection_id = give_dose(demo_sqlite, patient, _flu(demo_sqlite), now=CLINIC_NOW, staff_id=None)
    with Session(demo_sqlite) as session:
        lot = session.exec(select(VaccineLot).where(VaccineLot.lot == "AX5521")).one()
        entities = session.exec(
            select(AuditEvent.entity).where(col(AuditEvent.id) > 0).order_by(col(AuditEvent.id))
        ).all()
    assert lot.doses_on_hand == 37
    assert entities[-2:] == ["injection", "vaccine_lot"]
    given = patient_injections(demo_sqlite, patient.patient_id)[-1]
    assert (given.cvx, given.lot, given.site, given.funding) == (
        "140",
        "AX5521",
        "LD",
        FundingSource.PRIVATE,
    )
    running = observed(demo_sqlite, [patient.encounter_id])[patient.encounter_id]
    assert (running.injection_id, running.minutes) == (injection_id, 15)
    record_reaction(demo_sqlite, injection_id, "light-headed", now=CLINIC_NOW, staff_id=None)
    assert observed(demo_sqlite, [patient.encounter_id])[patient.encounter_id].reaction == (
        "light-headed"
    )


@pytest.mark.parametrize(("setting", "watched"), [("30", 30), ("0", None)])
def test_the_clinics_observation_minutes_start_the_countdown_or_none(
    demo_sqlite: Engine, setting: str, watched: int | None
) -> None:
    change_setting(demo_sqlite, observation_change(setting), now=CLINIC_NOW)
    patient = injection_patient(demo_sqlite, todays_encounter_id(demo_sqlite, "Whitfield"))
    assert patient.observation_minutes == int(setting)
    give_dose(demo_sqlite, patient, _flu(demo_sqlite), now=CLINIC_NOW, staff_id=None)
    running = observed(demo_sqlite, [patient.encounter_id]).get(patient.encounter_id)
    assert (running.minutes if running else None) == watched


def test_the_expired_lot_is_refused_and_nothing_is_written(demo_sqlite: Engine) -> None:
    patient = injection_patient(demo_sqlite, todays_encounter_id(demo_sqlite, "Whitfield"))
    giving = _flu(
        demo_sqlite,
        lot_id=_lot_id(demo_sqlite, "tdap_boostrix", "B7Y2K"),
        order=Order(group="tdap"),
        vis_edition=vaccine_catalog().vis["tdap"].edition,
    )
    with pytest.raises(AdministrationStopped, match="expired"):
        give_dose(demo_sqlite, patient, giving, now=CLINIC_NOW, staff_id=None)
    assert len(patient_injections(demo_sqlite, patient.patient_id)) == 2  # the history only


def test_vfc_stock_is_refused_for_an_adult(demo_sqlite: Engine) -> None:
    patient = injection_patient(demo_sqlite, todays_encounter_id(demo_sqlite, "Whitfield"))
    giving = _flu(demo_sqlite, lot_id=_lot_id(demo_sqlite, "flu_afluria", "FV1187"))
    with pytest.raises(AdministrationStopped, match="VFC stock"):
        give_dose(demo_sqlite, patient, giving, now=CLINIC_NOW, staff_id=None)


def test_a_refused_dose_is_recorded_with_its_reason(demo_sqlite: Engine) -> None:
    patient = injection_patient(demo_sqlite, todays_encounter_id(demo_sqlite, "Benton"))
    product = vaccine_catalog().product("flu_afluria")
    refused = NotGiven(product, NotGivenReason.PATIENT_OBJECTION, CLINIC_NOW)
    record_not_given_dose(demo_sqlite, patient, refused, staff_id=None)
    record = patient_injections(demo_sqlite, patient.patient_id)[-1]
    assert (record.status, record.not_given_reason) == (
        "not-done",
        NotGivenReason.PATIENT_OBJECTION,
    )


def test_a_lot_is_added_once(engine: Engine) -> None:
    lot = InventoryLot(
        "b12_cyanocobalamin",
        "00517-0031-25",
        "B1",
        CLINIC_NOW.date() + timedelta(days=90),
        5,
        FundingSource.PRIVATE,
    )
    add_lot(engine, lot, now=CLINIC_NOW, staff_id=None)
    with pytest.raises(Exception, match="already on the shelf"):
        add_lot(engine, lot, now=CLINIC_NOW, staff_id=None)
    assert [s.lot.doses_on_hand for s in shelf(engine)] == [5]


def test_due_today_reads_the_imported_history(demo_sqlite: Engine) -> None:
    whitfield = injection_patient(demo_sqlite, todays_encounter_id(demo_sqlite, "Whitfield"))
    report = due_for(demo_sqlite, {whitfield.patient_id: whitfield.birth_date}, CLINIC_NOW.date())[
        whitfield.patient_id
    ]
    groups = {item.group for item in report.items}
    assert "influenza" in groups  # last flu shot 400 days ago: not this season
    assert "td" not in groups
    assert "tdap" not in groups
    assert Dose(Decimal("0.5"), "mL") == vaccine_catalog().product("flu_afluria").dose
