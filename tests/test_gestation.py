"""A child's gestational age at birth: typed on the growth chart (F2, under 24 months),
imported from a FHIR Observation (LOINC 76516-4), exported as one, and audited."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select
from textual.widgets import Input

from ma_tui.core.parsing import ParseError
from ma_tui.data.audit import AuditAction
from ma_tui.data.models.audit import AuditEvent
from ma_tui.data.models.patients import Patient
from ma_tui.fhir.export import ExportContext, Selection, bundle, export_resources
from ma_tui.fhir.resources.gestation import read_gestation, weeks_quantity
from ma_tui.fhir.resources.values import Rejected
from ma_tui.growth import GestationalAge
from ma_tui.screens.visit.gestation import GestationScreen
from ma_tui.screens.visit.growth_chart import GrowthChartScreen
from ma_tui.screens.visit.vitals import VitalsScreen
from ma_tui.screens.widgets.footer import KeyFooter
from ma_tui.vitals.gestation import born_at_line, record_gestation
from tests.conftest import CLINIC_NOW, CLINIC_TZ
from tests.fhir_checks import assert_valid
from tests.pilot import make_app, open_from_queue, shown, type_text
from tests.test_fhir_import import item, patient_item, ref, run, run_demo

CONTEXT = ExportContext(mrn_system="urn:oid:1.2.3.4", clinic_id=uuid.UUID(int=42), tz=CLINIC_TZ)
LOINC = "http://loinc.org"
JSON = dict[str, Any]


def _patient(engine: Engine, mrn: str) -> Patient:
    with Session(engine) as session:
        return session.exec(select(Patient).where(Patient.mrn == mrn)).one()


def _events(engine: Engine, patient_id: int | None) -> list[AuditEvent]:
    with Session(engine) as session:
        return list(
            session.exec(
                select(AuditEvent)
                .where(AuditEvent.patient_id == patient_id, AuditEvent.entity == "patient")
                .where(col(AuditEvent.action).in_([AuditAction.UPDATE, AuditAction.IMPORT]))
                .order_by(col(AuditEvent.id))
            ).all()
        )


def _item(resource: JSON) -> Any:
    return item(resource, "ehr.json entry 2")


def observation(value: JSON, subject: JSON | None = None, status: str = "final") -> JSON:
    return {
        "resourceType": "Observation",
        "status": status,
        "code": {"coding": [{"system": LOINC, "code": "76516-4"}]},
        "subject": subject or ref(),
        **value,
    }


# ------------------------------------------------------------------ the use case


def test_the_mas_gestational_age_is_stored_with_its_event(demo_sqlite: Engine) -> None:
    ruiz = _patient(demo_sqlite, "1000121")
    assert ruiz.gestational_age_days is None
    stored = record_gestation(demo_sqlite, ruiz.id or 0, "34w2d", staff_id=None, now=CLINIC_NOW)
    assert stored == GestationalAge(34, 2)
    assert _patient(demo_sqlite, "1000121").gestational_age_days == 240
    (event,) = _events(demo_sqlite, ruiz.id)
    assert event.action == AuditAction.UPDATE
    assert "gestational_age_days" in (event.detail or "")
    # The same again writes nothing, not even an event.
    record_gestation(demo_sqlite, ruiz.id or 0, "34+2", staff_id=None, now=CLINIC_NOW)
    assert len(_events(demo_sqlite, ruiz.id)) == 1


@pytest.mark.parametrize("text", ["45", "21+6", "32.5", "32+7", ""])
def test_a_gestational_age_out_of_range_writes_nothing(demo_sqlite: Engine, text: str) -> None:
    ruiz = _patient(demo_sqlite, "1000121")
    with pytest.raises(ParseError):
        record_gestation(demo_sqlite, ruiz.id or 0, text, staff_id=None, now=CLINIC_NOW)
    assert _patient(demo_sqlite, "1000121").gestational_age_days is None
    assert not _events(demo_sqlite, ruiz.id)


def test_the_chart_line_says_what_is_known() -> None:
    assert born_at_line(None).startswith("Born at: not recorded")
    assert born_at_line(GestationalAge(31, 3)) == (
        "Born at 31+3 wk: preterm, plotted at the corrected age"
    )
    assert "not preterm" in born_at_line(GestationalAge(39, 0))


# ------------------------------------------------------------------------ FHIR


@given(weeks=st.integers(22, 44), days=st.integers(0, 6))
def test_weeks_to_two_decimals_read_back_as_the_same_days(weeks: int, days: int) -> None:
    gestation = GestationalAge(weeks, days)
    assert read_gestation({"valueQuantity": weeks_quantity(gestation)}) == gestation
    in_days = {"value": gestation.total_days, "code": "d"}
    assert read_gestation({"valueQuantity": in_days}) == gestation


@given(value=st.floats(allow_nan=False, allow_infinity=False), unit=st.sampled_from(["wk", "d"]))
def test_any_quantity_is_a_gestational_age_or_rejected(value: float, unit: str) -> None:
    try:
        found = read_gestation({"valueQuantity": {"value": value, "code": unit}})
    except Rejected:
        return
    assert 22 * 7 <= found.total_days <= 44 * 7 + 6


def test_the_gestational_age_is_exported_as_loinc_76516_4(demo_sqlite: Engine) -> None:
    with Session(demo_sqlite) as session:
        exported = bundle(
            export_resources(session, Selection(mrn="1000130"), CONTEXT), timestamp=CLINIC_NOW
        )
    resources = [entry["resource"] for entry in exported["entry"]]
    assert_valid(resources)
    (born,) = [
        r for r in resources if r["resourceType"] == "Observation" and "76516-4" in str(r["code"])
    ]
    assert born["valueQuantity"] == {
        "value": 31.43,
        "unit": "wk",
        "system": "http://unitsofmeasure.org",
        "code": "wk",
    }
    assert born["note"] == [{"text": "31+3 wk (weeks+days)"}]
    assert born["effectiveDateTime"] == _patient(demo_sqlite, "1000130").birth_date.isoformat()
    with Session(demo_sqlite) as session:  # a child whose gestational age is not known
        other = bundle(
            export_resources(session, Selection(mrn="1000121"), CONTEXT), timestamp=CLINIC_NOW
        )
    codes = [
        e["resource"].get("code", {}).get("coding", [{}])[0].get("code") for e in other["entry"]
    ]
    assert "76516-4" not in codes


@pytest.mark.parametrize(
    ("value", "days"),
    [
        ({"valueQuantity": {"value": 33.71, "unit": "wk", "code": "wk"}}, 33 * 7 + 5),
        ({"valueQuantity": {"value": 220, "unit": "d", "code": "d"}}, 220),
        ({"valueString": "39+6"}, 39 * 7 + 6),
    ],
)
def test_an_imported_gestational_age_at_birth_is_the_patients(
    engine: Engine, value: JSON, days: int
) -> None:
    report = run(engine, patient_item(), _item(observation(value)))
    assert [o.action for o in report.outcomes] == ["created", "updated"]
    stored = _patient(engine, "E55210")
    assert stored.gestational_age_days == days
    imports = [e for e in _events(engine, stored.id) if e.action == AuditAction.IMPORT]
    assert "gestational_age_days" in (imports[-1].detail or "")
    again = run(engine, patient_item(), _item(observation(value)))
    assert [o.action for o in again.outcomes] == ["unchanged", "unchanged"]


def test_an_import_replacing_a_different_value_says_what_it_was(demo_sqlite: Engine) -> None:
    elsa = {"identifier": {"system": "urn:ma-tui:mrn", "value": "1000130"}}
    report = run_demo(demo_sqlite, _item(observation({"valueString": "32+0"}, elsa)))
    (outcome,) = report.outcomes
    assert (outcome.action, outcome.reason) == ("updated", "32 wk, was 31+3 wk")
    assert _patient(demo_sqlite, "1000130").gestational_age_days == 224


@pytest.mark.parametrize(
    ("value", "status", "action", "reason"),
    [
        ({"valueQuantity": {"value": 50, "code": "wk"}}, "final", "rejected", "22 to 44 weeks"),
        ({"valueQuantity": {"value": 3, "code": "mo"}}, "final", "rejected", "UCUM wk or d"),
        ({"valueString": "about 8 months"}, "final", "rejected", "not a gestational age"),
        ({}, "final", "rejected", "no value"),
        ({"valueString": "32+4"}, "preliminary", "skipped", "not a result to keep"),
        ({"valueString": "32+4"}, "entered-in-error", "skipped", "not a result to keep"),
    ],
)
def test_a_gestational_age_that_cannot_be_kept_changes_nothing(
    engine: Engine, value: JSON, status: str, action: str, reason: str
) -> None:
    report = run(engine, patient_item(), _item(observation(value, status=status)))
    outcome = report.outcomes[-1]
    assert outcome.action == action
    assert reason in outcome.reason
    assert _patient(engine, "E55210").gestational_age_days is None


def test_other_observations_are_still_skipped_once_on_the_count_line(engine: Engine) -> None:
    pulse = observation({"valueQuantity": {"value": 80, "code": "/min"}})
    pulse["code"] = {"coding": [{"system": LOINC, "code": "8867-4"}]}
    report = run(engine, patient_item(), _item(pulse))
    assert report.outcomes[-1].action == "skipped"
    assert report.notable == []


# ------------------------------------------------------------------ the screens


async def _chart_of(pilot: Any, search: str) -> None:
    await open_from_queue(pilot, search)
    await pilot.press("enter", "enter", "enter")
    assert isinstance(pilot.app.screen, VitalsScreen)
    await pilot.press("f4")
    await pilot.pause()
    assert isinstance(pilot.app.screen, GrowthChartScreen)


async def test_f2_on_an_infants_chart_corrects_the_gestational_age(demo_sqlite: Engine) -> None:
    """Elsa (11 months, recorded 31+3): a wrong value is refused in the box, which keeps
    it; 32+4 is stored with its event, and the chart says so at once."""
    app = make_app(demo_sqlite)
    async with app.run_test(size=(80, 24)) as pilot:
        await _chart_of(pilot, "lindq")
        assert "f2 Born at" in app.screen.query_one(KeyFooter).render().plain
        assert "Born at 31+3 wk: preterm" in shown(app, "#chart-born")
        await pilot.press("f2")
        await pilot.pause()
        assert isinstance(app.screen, GestationScreen)
        field = app.screen.query_one("#gestation-value", Input)
        assert field.value == "31+3"
        field.value = ""
        await type_text(pilot, "45")
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, GestationScreen)
        assert "22 to 44 weeks" in shown(app, "#gestation-error")
        assert _patient(demo_sqlite, "1000130").gestational_age_days == 220
        await pilot.press("backspace", "backspace")
        await type_text(pilot, "32w4d")
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, GrowthChartScreen)
        assert "Born at 32+4 wk: preterm" in shown(app, "#chart-born")
        await pilot.press("escape")
        assert isinstance(app.screen, VitalsScreen)
    elsa = _patient(demo_sqlite, "1000130")
    assert elsa.gestational_age_days == 32 * 7 + 4
    (event,) = [e for e in _events(demo_sqlite, elsa.id) if e.action == AuditAction.UPDATE]
    assert event.staff_id is None or event.staff_id > 0


async def test_esc_in_the_box_stores_nothing(demo_sqlite: Engine) -> None:
    app = make_app(demo_sqlite)
    async with app.run_test() as pilot:
        await _chart_of(pilot, "lindq")
        await pilot.press("f2")
        await pilot.pause()
        await type_text(pilot, "9")
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, GrowthChartScreen)
        assert "31+3 wk" in shown(app, "#chart-born")
    elsa = _patient(demo_sqlite, "1000130")
    assert elsa.gestational_age_days == 220
    assert not [e for e in _events(demo_sqlite, elsa.id) if e.action == AuditAction.UPDATE]


async def test_a_child_of_two_or_more_is_not_asked(demo_sqlite: Engine) -> None:
    """Kofi (3 years): the correction ended at 24 months, so no key and no line."""
    app = make_app(demo_sqlite)
    async with app.run_test(size=(80, 24)) as pilot:
        await _chart_of(pilot, "asante")
        assert "Born at" not in app.screen.query_one(KeyFooter).render().plain
        assert not app.screen.query_one("#chart-born").display
        await pilot.press("f2")
        await pilot.pause()
        assert isinstance(app.screen, GrowthChartScreen)


async def test_a_term_gestation_ends_the_correction_on_the_vitals_too(
    demo_sqlite: Engine,
) -> None:
    """Back on Elsa's vitals, her weight-for-length is read at the age since birth."""
    app = make_app(demo_sqlite)
    async with app.run_test() as pilot:
        await open_from_queue(pilot, "lindq")
        await pilot.press("enter", "enter", "enter")
        await type_text(pilot, "h72cm w8.4kg hc44cm")
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, VitalsScreen)
        assert "corrected age" in shown(app, "#bmi-line")
        await pilot.press("f4")
        await pilot.pause()
        await pilot.press("f2")
        await pilot.pause()
        app.screen.query_one("#gestation-value", Input).value = ""
        await type_text(pilot, "40")
        await pilot.press("enter")
        await pilot.pause()
        assert "not preterm" in shown(app, "#chart-born")
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, VitalsScreen)
        assert "weight-for-length" in shown(app, "#bmi-line").lower()
        assert "corrected age" not in shown(app, "#bmi-line")
