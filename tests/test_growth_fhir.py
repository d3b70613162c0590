"""A child's growth in the FHIR export: percentile Observations (US Core pediatric
codes) derived from the measurements, an infant's length coded as body length, and
a unit catch (a weight held in lb, taken in kg) noted on its Observation."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session

from ma_tui.data.catalogs.vitals import BODY_WEIGHT, HEART_RATE
from ma_tui.data.migrate import upgrade
from ma_tui.data.models.observations import Observation
from ma_tui.data.models.patients import Patient, Sex
from ma_tui.data.models.visits import Encounter
from ma_tui.data.store import memory_engine
from ma_tui.demo.clinic import build_demo_clinic
from ma_tui.fhir.export import ExportContext, Selection, bundle, export_resources
from ma_tui.vitals.catch import take_other_unit
from ma_tui.vitals.entry import VitalsForm, build_vitals, check_field
from ma_tui.vitals.measurements import ClinicUnits
from ma_tui.vitals.percentiles import Child, gestation_from_days
from tests.conftest import CLINIC_NOW, CLINIC_TZ, todays_encounter_id
from tests.fhir_checks import assert_valid

CONTEXT = ExportContext(mrn_system="urn:oid:1.2.3.4", clinic_id=uuid.UUID(int=42), tz=CLINIC_TZ)


@pytest.fixture(scope="module")
def demo() -> Iterator[Engine]:
    engine = memory_engine()
    upgrade(engine)
    build_demo_clinic(engine, CLINIC_NOW.date(), CLINIC_TZ)
    yield engine
    engine.dispose()


def _observations(engine: Engine, mrn: str) -> list[dict[str, Any]]:
    with Session(engine) as session:
        exported = bundle(
            export_resources(session, Selection(mrn=mrn), CONTEXT), timestamp=CLINIC_NOW
        )
    resources = [entry["resource"] for entry in exported["entry"]]
    assert_valid(resources)
    return [r for r in resources if r["resourceType"] == "Observation"]


def _coded(observations: list[dict[str, Any]], code: str) -> list[dict[str, Any]]:
    return [o for o in observations if o["code"].get("coding", [{}])[0].get("code") == code]


def test_an_infants_percentiles_and_length_are_exported_valid(demo: Engine) -> None:
    """Elsa (born at 31+3 weeks): four earlier visits, each with weight, length and head."""
    observations = _observations(demo, "1000130")
    head = _coded(observations, "8289-1")
    for_length = _coded(observations, "77606-2")
    assert len(head) == len(for_length) == 4
    assert not _coded(observations, "59576-9")  # BMI-for-age is from 2 years
    assert not _coded(observations, "8302-2")  # under 2 a length, lying down
    lengths = _coded(observations, "8306-3")
    assert len(lengths) == 4
    ids = {o["id"] for o in observations}
    for percentile in head + for_length:
        quantity = percentile["valueQuantity"]
        assert quantity["unit"] == quantity["code"] == "%"
        assert 0 < quantity["value"] < 100
        assert {
            ref["reference"].removeprefix("urn:uuid:") for ref in percentile["derivedFrom"]
        } <= ids
    notes = [note["text"] for note in head[-1]["note"]]
    assert "WHO Females, 0-2 years Chart" in notes
    assert any(text.startswith("corrected age") for text in notes)


def test_a_childs_bmi_percentile_is_exported_from_two_years(demo: Engine) -> None:
    """Kofi, seen at 3 years: BMI-for-age on the CDC chart, his height as height."""
    observations = _observations(demo, "1000126")
    (bmi,) = _coded(observations, "59576-9")
    assert bmi["note"][0]["text"] == "CDC Males, 2-20 years Chart"
    assert _coded(observations, "8302-2")
    assert not _coded(observations, "77606-2")


def test_a_unit_catch_is_a_note_on_the_values_observation(demo_sqlite: Engine) -> None:
    """Elsa's weight typed 9.2 at a lb clinic (4.2 kg, beyond -5 z), the MA took 9.2 kg:
    the exported weight says so; her pulse, typed plainly, carries no such note."""
    encounter_id = todays_encounter_id(demo_sqlite, "Lindqvist")
    with Session(demo_sqlite) as session:
        encounter = session.get(Encounter, encounter_id)
        assert encounter is not None
        patient = session.get(Patient, encounter.patient_id)
        assert patient is not None
        gestation = gestation_from_days(patient.gestational_age_days)
        child = Child(patient.sex, patient.birth_date, gestation)
    age_days = (CLINIC_NOW.date() - child.birth_date).days
    form = VitalsForm(values={"weight": "9.2", "pulse": "132"}, taken_at="09:00")
    check = check_field("weight", form, ClinicUnits(), age_days, CLINIC_NOW, {}, child)
    assert check is not None
    assert check.other_unit is not None
    form.values["weight"] = take_other_unit(form, check)
    entries, errors = build_vitals(form, ClinicUnits(), age_days, CLINIC_NOW, {}, child)
    assert not errors
    with Session(demo_sqlite) as session:
        for entry in entries:
            session.add(
                Observation(
                    patient_id=encounter.patient_id, encounter_id=encounter_id, **entry.model_dump()
                )
            )
        session.commit()
    observations = _observations(demo_sqlite, "1000130")
    (weight,) = [o for o in _coded(observations, BODY_WEIGHT) if o["valueQuantity"]["value"] == 9.2]
    assert weight["valueQuantity"]["code"] == "kg"
    (note,) = [n["text"] for n in weight["note"]]
    assert note.startswith("Typed 9.2 (read as lb), held: 4.2 kg is implausible for a girl")
    assert note.endswith("the MA took 9.2 kg (20.3 lb) instead.")
    today = weight["encounter"]
    (pulse,) = [o for o in _coded(observations, HEART_RATE) if o["encounter"] == today]
    assert "note" not in pulse


def test_a_unit_catch_is_forgotten_when_the_value_is_typed_again() -> None:
    """The note belongs to the text taken: a weight typed anew is an ordinary value."""
    age_days = 335
    boy = Child(Sex.MALE, CLINIC_NOW.date() - timedelta(days=age_days))
    form = VitalsForm(values={"weight": "9.2"})
    check = check_field("weight", form, ClinicUnits(), age_days, CLINIC_NOW, {}, boy)
    assert check is not None
    form.values["weight"] = take_other_unit(form, check)
    (taken,) = build_vitals(form, ClinicUnits(), age_days, CLINIC_NOW, {}, boy)[0]
    assert taken.unit_catch is not None
    assert "Typed 9.2 (read as lb)" in taken.unit_catch
    form.values["weight"] = "20.4"
    (typed,) = build_vitals(form, ClinicUnits(), age_days, CLINIC_NOW, {}, boy)[0]
    assert typed.unit_catch is None
