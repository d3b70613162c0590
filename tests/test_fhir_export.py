"""FHIR export: every resource valid R4B, and each value where the importer reads it.

Two databases, each built once for the module (exporting only reads): the demo
clinic, and a small hand-made one with the rows the demo lacks (corrections, values
not obtained, oxygen, HPI, entered-in-error history, imported source ids).
"""

from __future__ import annotations

import io
import itertools
import json
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fhir.resources.R4B import get_fhir_model_class
from sqlalchemy.engine import Engine
from sqlmodel import Session, SQLModel, col, select

from ma_tui.cli import parse_setting
from ma_tui.clinic.settings import change_setting, write_setting
from ma_tui.core.errors import UserError
from ma_tui.data.audit import AuditAction, current_os_user
from ma_tui.data.migrate import upgrade
from ma_tui.data.models.audit import AuditEvent
from ma_tui.data.models.history import (
    Allergy,
    AllergyCategory,
    AllergySeverity,
    Condition,
    FamilyHistory,
    HistoryReview,
    HistorySection,
    Medication,
    SocialCategory,
    SocialHistory,
)
from ma_tui.data.models.observations import Observation, ObservationStatus
from ma_tui.data.models.patients import Coverage, Patient, Sex
from ma_tui.data.models.screenings import Screening, ScreeningAlert, ScreeningAnswer
from ma_tui.data.models.staff import Staff, StaffRole
from ma_tui.data.models.visits import Encounter, EncounterStatus, EncounterStatusChange
from ma_tui.data.store import memory_engine
from ma_tui.demo.clinic import build_demo_clinic
from ma_tui.fhir.errors import ExportNotWritten
from ma_tui.fhir.export import (
    ExportContext,
    ExportError,
    ExportSummary,
    Selection,
    bundle,
    export_resources,
    export_visit_file,
    write_bundle,
)
from ma_tui.fhir.settings import EXPORT_FOLDER_KEY
from tests.conftest import CLINIC_NOW, CLINIC_TZ, read_only_folder, todays_encounter_id

CONTEXT = ExportContext(mrn_system="urn:oid:1.2.3.4", clinic_id=uuid.UUID(int=42), tz=CLINIC_TZ)
UCUM = "http://unitsofmeasure.org"
T0 = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)  # the hand-made visit's rooming
COMPLAINT = "cough <script>alert(1)</script> & fever"


# ---------------------------------------------------------------- helpers


def _export(engine: Engine, selection: Selection, context: ExportContext = CONTEXT) -> Any:
    with Session(engine) as session:
        return bundle(export_resources(session, selection, context), timestamp=CLINIC_NOW)


def _resources(exported: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [e["resource"] for e in exported["entry"] if e["resource"]["resourceType"] == kind]


def _vitals(exported: dict[str, Any], code: str, status: str = "final") -> list[dict[str, Any]]:
    return [
        o
        for o in _resources(exported, "Observation")
        if o["code"].get("coding", [{}])[0].get("code") == code and o["status"] == status
    ]


def _walk(value: Any) -> Iterator[Any]:
    yield value
    children = (
        value.values() if isinstance(value, dict) else value if isinstance(value, list) else ()
    )
    for child in children:
        yield from _walk(child)


def _assert_valid(exported: dict[str, Any]) -> None:
    """R4B models accept the Bundle and each resource; FHIR JSON has no empty values;
    every reference resolves to an entry of the Bundle."""
    get_fhir_model_class("Bundle").model_validate(exported)
    for entry in exported["entry"]:
        resource = entry["resource"]
        get_fhir_model_class(resource["resourceType"]).model_validate(resource)
        assert entry["fullUrl"] == f"urn:uuid:{resource['id']}"
    values = list(_walk(exported))
    assert not [v for v in values if v is None or v == "" or v == [] or v == {}]
    urls = {entry["fullUrl"] for entry in exported["entry"]}
    references = {v["reference"] for v in values if isinstance(v, dict) and "reference" in v}
    assert references <= urls


# --------------------------------------------------------------- databases


@pytest.fixture(scope="module")
def demo() -> Iterator[Engine]:
    engine = memory_engine()
    upgrade(engine)
    build_demo_clinic(engine, CLINIC_NOW.date(), CLINIC_TZ)
    yield engine
    engine.dispose()


@pytest.fixture(scope="module")
def clinic(demo: Engine) -> Any:
    return _export(demo, Selection(everything=True))


def _add(session: Session, row: SQLModel) -> int:
    session.add(row)
    session.flush()
    row_id = getattr(row, "id", None)
    assert isinstance(row_id, int)
    return row_id


def _reading(code: str, typed: str, value: float, unit: str, typed_unit: str = "") -> Any:
    """An Observation's measured columns: the text typed, and the canonical value."""
    entered = {"value_entered": typed, "unit_entered": typed_unit or unit}
    return {"code": code, **entered, "value": value, "unit": unit}


@pytest.fixture(scope="module")
def made() -> Iterator[tuple[Engine, dict[str, int]]]:
    """One patient with a visit holding every kind of row the demo has not."""
    engine = memory_engine()
    upgrade(engine)
    ids: dict[str, int] = {}
    with Session(engine) as s, s.begin():
        ma = _add(s, Staff(username="ma", display_name="Mia Sorensen", role=StaffRole.MA))
        doc = _add(s, Staff(username="doc", display_name="Dr. Lena Chen", role=StaffRole.PROVIDER))
        ids |= _add_patients_and_visits(s, ma, doc)
        ids |= _add_vitals(s, {"patient_id": ids["patient"], "encounter_id": ids["visit"]}, ma)
        ids |= _add_history(s, {"patient_id": ids["patient"], "recorded_by_id": ma}, ids)
        _add_screenings(s, {"patient_id": ids["patient"], "encounter_id": ids["visit"]}, ma)
    yield engine, ids
    engine.dispose()


def _add_patients_and_visits(s: Session, ma: int, doc: int) -> dict[str, int]:
    born = date(2010, 6, 2)
    patient = _add(
        s,
        Patient(
            mrn="M-7",
            family_name="Quintero",
            given_name="Rosalind",
            birth_date=born,
            sex=Sex.FEMALE,
            preferred_language="Haitian Creole",
            guardian_name="Marisol Quintero",
            guardian_relationship="grandmother",
        ),
    )
    alone = _add(
        s, Patient(mrn="M-8", family_name="A", given_name="B", birth_date=born, sex=Sex.MALE)
    )
    s.add(
        Coverage(
            patient_id=patient,
            payer="Blue Meadow Health",
            plan_name="Blue Meadow PPO",
            member_id="BMH1",
            group_number="G-1",
            subscriber_relationship="grandchild",
            source_id="urn:ehr:coverage|C-1",
        )
    )
    done = EncounterStatus.CHECKED_OUT
    earlier = _add(
        s,
        Encounter(
            patient_id=patient,
            scheduled_at=T0 - timedelta(30),
            status=done,
            visit_type="walk-in",
            walk_in=True,
        ),
    )
    visit = _add(
        s,
        Encounter(
            patient_id=patient,
            scheduled_at=T0 - timedelta(minutes=20),
            provider_id=doc,
            status=EncounterStatus.READY_FOR_PROVIDER,
            room="4",
            scheduled_minutes=20,
            chief_complaint=COMPLAINT,
            hpi_location="chest",
            hpi_onset="3 days <ago>",
            hpi_severity=6,
            signed_at=T0 + timedelta(minutes=10),
            signed_by_id=ma,
            source_id="urn:ehr:appointment|A-1",
        ),
    )
    for status, minutes in ((EncounterStatus.SCHEDULED, -999), (EncounterStatus.ARRIVED, -5)):
        at = T0 + timedelta(minutes=minutes)
        s.add(EncounterStatusChange(encounter_id=visit, status=status, changed_at=at))
    return {"patient": patient, "alone": alone, "earlier": earlier, "visit": visit}


def _add_vitals(s: Session, visit: dict[str, int], ma: int) -> dict[str, int]:
    """A BP's systolic corrected, a repeat BP not obtained, SpO2 on O2, BMI, and more."""
    bp = {"reading_group": "bp-0900", "position": "sitting", "site": "left arm"}
    bp["method"] = "adult cuff"
    error = {"status": ObservationStatus.ENTERED_IN_ERROR}
    later = {"taken_at": T0 + timedelta(minutes=5)}  # the repeat BP: cuff unavailable
    rows: list[tuple[str, dict[str, Any]]] = [
        ("wrong_systolic", {**bp, **error, **_reading("8480-6", "18", 18, "mm[Hg]")}),
        ("systolic", {**bp, **_reading("8480-6", "148", 148, "mm[Hg]"), "interpretation": "H"}),
        ("", {**bp, **_reading("8462-4", "80", 80, "mm[Hg]")}),
        ("", {**later, "code": "8480-6", "not_obtained_reason": "equipment unavailable"}),
        ("", {**later, "code": "8462-4", "not_obtained_reason": "equipment unavailable"}),
        (
            "",
            {
                **_reading("59408-5", "94", 94, "%"),
                "o2_flow_l_min": 2,
                "method": "supplemental oxygen",
            },
        ),
        ("height", _reading("8302-2", "65", 165.1, "cm", "[in_i]")),
        (
            "weight",
            {
                **_reading("29463-7", "171", 77.56, "kg", "[lb_av]"),
                "confirmation": "far from last weight",
            },
        ),
        ("", {"code": "39156-5", "value": 28.45, "unit": "kg/m2", "method": "calculated"}),
        ("", {"code": "8310-5", "not_obtained_reason": "patient declined"}),
        ("", {"code": "72514-3", "not_obtained_reason": "unable to rate"}),
        ("", {**error, **_reading("8867-4", "300", 300, "/min")}),
    ]
    ids: dict[str, int] = {}
    for key, values in rows:
        base = {**visit, "taken_at": T0, "entered_at": T0, "entered_by_id": ma}
        row_id = _add(s, Observation.model_validate(base | values))
        if key:
            ids[key] = row_id
    return ids


def _add_history(s: Session, whose: dict[str, int], ids: dict[str, int]) -> dict[str, int]:
    history: dict[str, Any] = {**whose, "recorded_at": T0}
    s.add(Allergy(**history, substance="penicillin", entered_in_error=True))
    mild = AllergySeverity.MILD
    env = AllergyCategory.ENVIRONMENT
    s.add(Allergy(**history, substance="latex", category=env, severity=mild, active=False))
    allergies = HistorySection.ALLERGIES
    nka = HistoryReview(patient_id=ids["patient"], section=allergies, none_known=True)
    review = _add(s, nka)
    surgical = HistorySection.SURGICAL
    s.add(HistoryReview(patient_id=ids["patient"], section=surgical, none_known=True))
    source = "urn:ehr:problem|P-1"
    s.add(Condition(**history, name="asthma", code="J45.909", onset="age 4", source_id=source))
    s.add(Condition(**history, name="gout", code="M10.9", entered_in_error=True))
    on_earlier = {**history, "route": "oral", "frequency": "daily", "encounter_id": ids["earlier"]}
    for name, dose in (
        ("metformin", "500 mg"),
        ("lisinopril", "10.0 mg"),
        ("calcium", "600 mg / 400 units"),
    ):
        s.add(Medication(**on_earlier, name=name, dose=dose))
    s.add(Medication(**history, name="vitamin D"))
    s.add(Medication(**history, name="aspirin", entered_in_error=True, encounter_id=ids["visit"]))
    tobacco = SocialCategory.TOBACCO
    s.add(SocialHistory(**history, category=tobacco, value="never smoker", code="266919005"))
    s.add(SocialHistory(**history, category=SocialCategory.EXERCISE, value="walks daily"))
    s.add(FamilyHistory(**history, relation="Maternal Aunt", condition="asthma", onset_age=50))
    s.add(FamilyHistory(**history, relation="godmother", condition="gout"))
    return {"review": review}


ITEM_9 = "PHQ-9 item 9 answered 'Several days': see the clinician."


def _add_screenings(s: Session, visit: dict[str, int], ma: int) -> None:
    """A positive PHQ-2, its PHQ-9 with item 9 acknowledged, a GAD-7 and a declined AUDIT-C."""
    given: list[tuple[str, list[int], dict[str, Any]]] = [
        ("phq2", [2, 1], {"total": 3, "band": "positive", "positive": True}),
        ("phq9", [2, 1, 1, 0, 1, 0, 1, 0, 1], {"total": 7, "band": "mild"}),
        ("gad7", [0, 1, 0, 0, 1, 0, 0], {"total": 2, "band": "minimal"}),
        ("auditc", [], {"declined": True}),
    ]
    for key, scores, values in given:
        row = Screening.model_validate(
            visit
            | values
            | {"instrument": key, "given_at": T0, "entered_at": T0, "entered_by_id": ma}
        )
        screening_id = _add(s, row)
        for number, score in enumerate(scores, start=1):
            s.add(ScreeningAnswer(screening_id=screening_id, item=number, score=score))
        if key == "phq9":
            s.add(
                ScreeningAlert(
                    screening_id=screening_id,
                    item=9,
                    text=ITEM_9,
                    acknowledged_by="Mia Sorensen",
                    acknowledged_at=T0,
                    note="told Dr Chen",
                )
            )


@pytest.fixture(scope="module")
def visit(made: tuple[Engine, dict[str, int]]) -> Any:
    engine, ids = made
    return _export(engine, Selection(encounter_id=ids["visit"]))


# ------------------------------------------------------------------ tests


def test_every_resource_of_the_demo_clinic_is_valid_r4b(clinic: Any) -> None:
    _assert_valid(clinic)
    kinds = {e["resource"]["resourceType"] for e in clinic["entry"]}
    assert kinds >= {"Patient", "Coverage", "Appointment", "Encounter", "Observation"}


def test_every_resource_of_the_hand_made_visit_is_valid_r4b(visit: Any) -> None:
    _assert_valid(visit)


def test_a_bp_reading_is_one_panel_with_systolic_and_diastolic_components(
    visit: Any, made: tuple[Engine, dict[str, int]]
) -> None:
    _, ids = made
    (panel,) = [p for p in _vitals(visit, "85354-9") if "valueQuantity" in p["component"][0]]
    assert panel["id"] == _id("Observation", ids["systolic"])
    systolic, diastolic = panel["component"]
    assert systolic["code"]["coding"][0]["code"] == "8480-6"
    assert diastolic["code"]["coding"][0]["code"] == "8462-4"
    assert systolic["valueQuantity"] == {
        "value": 148,
        "unit": "mm[Hg]",
        "system": UCUM,
        "code": "mm[Hg]",
    }
    assert diastolic["valueQuantity"]["value"] == 80
    assert systolic["interpretation"][0]["coding"][0]["code"] == "H"
    assert "interpretation" not in diastolic
    assert panel["extension"][0]["valueCodeableConcept"] == {"text": "sitting"}
    assert (panel["bodySite"], panel["method"]) == ({"text": "left arm"}, {"text": "adult cuff"})
    assert panel["performer"] == [{"display": "Mia Sorensen"}]
    assert not _vitals(visit, "8480-6")
    assert not _vitals(visit, "8462-4")


def test_corrected_values_keep_entered_in_error(
    visit: Any, made: tuple[Engine, dict[str, int]]
) -> None:
    _, ids = made
    # Only the systolic was mistyped: it stands alone, its diastolic joins the right one.
    assert not _vitals(visit, "85354-9", "entered-in-error")
    (wrong_systolic,) = _vitals(visit, "8480-6", "entered-in-error")
    assert wrong_systolic["id"] == _id("Observation", ids["wrong_systolic"])
    assert wrong_systolic["valueQuantity"]["value"] == 18
    (wrong_pulse,) = _vitals(visit, "8867-4", "entered-in-error")
    assert wrong_pulse["valueQuantity"]["value"] == 300


def test_a_bp_not_obtained_is_a_panel_whose_components_say_why(visit: Any) -> None:
    (absent,) = [p for p in _vitals(visit, "85354-9") if "dataAbsentReason" in p["component"][0]]
    for component in absent["component"]:
        assert component["dataAbsentReason"]["coding"][0]["code"] == "not-performed"
        assert component["dataAbsentReason"]["text"] == "equipment unavailable"
        assert "valueQuantity" not in component


def test_spo2_on_oxygen_has_both_loinc_codes_and_a_flow_component(visit: Any) -> None:
    (spo2,) = _vitals(visit, "59408-5")
    assert [c["code"] for c in spo2["code"]["coding"]] == ["59408-5", "2708-6"]
    assert spo2["valueQuantity"]["value"] == 94
    assert spo2["method"] == {"text": "supplemental oxygen"}
    (flow,) = spo2["component"]
    assert flow["code"]["coding"][0]["code"] == "3151-8"
    assert flow["valueQuantity"] == {"value": 2, "unit": "L/min", "system": UCUM, "code": "L/min"}


def test_bmi_is_derived_from_the_visits_height_and_weight(
    visit: Any, made: tuple[Engine, dict[str, int]]
) -> None:
    _, ids = made
    (bmi,) = _vitals(visit, "39156-5")
    assert bmi["valueQuantity"] == {
        "value": 28.45,
        "unit": "kg/m2",
        "system": UCUM,
        "code": "kg/m2",
    }
    assert [r["reference"] for r in bmi["derivedFrom"]] == [
        f"urn:uuid:{_id('Observation', ids['height'])}",
        f"urn:uuid:{_id('Observation', ids['weight'])}",
    ]
    (weight,) = _vitals(visit, "29463-7")
    assert weight["valueQuantity"]["unit"] == "kg"
    assert weight["note"] == [
        {"text": "entered as 171 [lb_av]"},
        {"text": "confirmed: far from last weight"},
    ]


def test_values_not_obtained_carry_a_data_absent_reason(visit: Any) -> None:
    (pain,) = _vitals(visit, "72514-3")
    assert pain["dataAbsentReason"]["coding"][0]["code"] == "asked-unknown"
    assert pain["dataAbsentReason"]["text"] == "unable to rate"
    (temperature,) = _vitals(visit, "8310-5")
    assert temperature["dataAbsentReason"]["coding"][0]["code"] == "asked-declined"
    assert "valueQuantity" not in pain
    assert "valueQuantity" not in temperature


def test_demo_pain_score_is_a_quantity_in_score_units(clinic: Any) -> None:
    scores = _vitals(clinic, "72514-3")
    assert scores
    assert {p["valueQuantity"]["unit"] for p in scores} == {"{score}"}
    assert any(p["valueQuantity"]["value"] == 6 for p in scores)  # Kowalczyk's back pain


def test_history_entered_in_error_says_so_without_a_clinical_status(visit: Any) -> None:
    allergies = {a["code"].get("text"): a for a in _resources(visit, "AllergyIntolerance")}
    wrong = allergies["penicillin"]
    assert wrong["verificationStatus"]["coding"][0]["code"] == "entered-in-error"
    assert "clinicalStatus" not in wrong
    latex = allergies["latex"]
    assert latex["clinicalStatus"]["coding"][0]["code"] == "inactive"
    assert latex["reaction"][0]["severity"] == "mild"
    assert latex["reaction"][0]["manifestation"][0]["extension"][0]["valueCode"] == "unknown"
    conditions = {c["code"]["text"]: c for c in _resources(visit, "Condition")}
    assert conditions["gout"]["verificationStatus"]["coding"][0]["code"] == "entered-in-error"
    assert "clinicalStatus" not in conditions["gout"]
    asthma = conditions["asthma"]
    assert asthma["clinicalStatus"]["coding"][0]["code"] == "active"
    assert asthma["code"]["coding"][0]["code"] == "J45.909"
    assert {"system": "urn:ehr:problem", "value": "P-1"} in asthma["identifier"]
    (aspirin,) = [
        m
        for m in _resources(visit, "MedicationStatement")
        if m["medicationCodeableConcept"]["text"] == "aspirin"
    ]
    assert aspirin["status"] == "entered-in-error"


def test_no_known_allergies_is_coded_when_no_active_allergy_remains(
    visit: Any, made: tuple[Engine, dict[str, int]], clinic: Any
) -> None:
    _, ids = made
    (nka,) = [a for a in _resources(visit, "AllergyIntolerance") if "coding" in a["code"]]
    assert nka["id"] == _id("AllergyIntolerance", f"nka-{ids['review']}")
    assert nka["code"]["coding"][0] == {
        "system": "http://snomed.info/sct",
        "code": "716186003",
        "display": "No known allergy (situation)",
    }
    assert nka["code"]["text"] == "No known allergies"
    assert nka["clinicalStatus"]["coding"][0]["code"] == "active"
    # In the demo, only the patients without allergies are NKA.
    coded = [a for a in _resources(clinic, "AllergyIntolerance") if "coding" in a["code"]]
    texts = [a for a in _resources(clinic, "AllergyIntolerance") if "coding" not in a["code"]]
    johnson = _patient_ref(clinic, "Johnson")
    assert johnson in {a["patient"]["reference"] for a in coded}
    assert johnson not in {a["patient"]["reference"] for a in texts}
    assert not {a["patient"]["reference"] for a in coded} & {
        a["patient"]["reference"] for a in texts
    }


def test_a_dose_is_a_quantity_only_when_it_reads_back_unchanged(visit: Any) -> None:
    meds = {
        m["medicationCodeableConcept"]["text"]: m for m in _resources(visit, "MedicationStatement")
    }
    (metformin,) = meds["metformin"]["dosage"]
    assert metformin["text"] == "500 mg oral daily"
    assert metformin["doseAndRate"] == [{"doseQuantity": {"value": 500, "unit": "mg"}}]
    assert metformin["route"] == {"text": "oral"}
    assert metformin["timing"] == {"code": {"text": "daily"}}
    assert "doseAndRate" not in meds["lisinopril"]["dosage"][0]  # "10.0 mg" would read "10 mg"
    assert "doseAndRate" not in meds["calcium"]["dosage"][0]
    assert "dosage" not in meds["vitamin D"]
    assert meds["metformin"]["status"] == "active"


def test_a_medication_refers_to_its_visit_only_when_that_visit_is_exported(
    visit: Any, made: tuple[Engine, dict[str, int]]
) -> None:
    engine, ids = made
    meds = {
        m["medicationCodeableConcept"]["text"]: m for m in _resources(visit, "MedicationStatement")
    }
    assert meds["aspirin"]["context"]["reference"] == f"urn:uuid:{_id('Encounter', ids['visit'])}"
    assert "context" not in meds["metformin"]  # recorded at the earlier visit, not exported
    whole = _export(engine, Selection(mrn="M-7"))
    (metformin,) = [
        m
        for m in _resources(whole, "MedicationStatement")
        if m["medicationCodeableConcept"]["text"] == "metformin"
    ]
    assert metformin["context"]["reference"] == f"urn:uuid:{_id('Encounter', ids['earlier'])}"


def test_social_history_tobacco_is_loinc_72166_2_with_a_snomed_value(visit: Any) -> None:
    social = {
        o["code"]["text"]: o
        for o in _resources(visit, "Observation")
        if o.get("category", [{}])[0].get("text") == "Social History"
    }
    tobacco = social["Tobacco smoking status"]
    assert tobacco["code"]["coding"][0] == {
        "system": "http://loinc.org",
        "code": "72166-2",
        "display": "Tobacco smoking status",
    }
    assert tobacco["valueCodeableConcept"] == {
        "coding": [{"system": "http://snomed.info/sct", "code": "266919005"}],
        "text": "never smoker",
    }
    assert social["Exercise"]["code"] == {"text": "Exercise"}
    assert social["Exercise"]["valueString"] == "walks daily"
    relations = {
        f["condition"][0]["code"]["text"]: f for f in _resources(visit, "FamilyMemberHistory")
    }
    assert relations["asthma"]["relationship"]["coding"][0]["code"] == "MAUNT"
    assert relations["asthma"]["condition"][0]["onsetAge"] == {
        "value": 50,
        "unit": "a",
        "system": UCUM,
        "code": "a",
    }
    assert relations["gout"]["relationship"]["coding"][0]["code"] == "FAMMEMB"
    assert relations["gout"]["relationship"]["text"] == "godmother"


def test_a_walk_in_is_typed_walk_in_once(made: tuple[Engine, dict[str, int]]) -> None:
    engine, ids = made
    (walk_in,) = _resources(_export(engine, Selection(encounter_id=ids["earlier"])), "Encounter")
    assert walk_in["type"] == [{"text": "walk-in"}]


def test_back_to_back_periods_of_one_status_are_one(clinic: Any) -> None:
    for visit in _resources(clinic, "Encounter"):
        statuses = [period["status"] for period in visit.get("statusHistory", [])]
        assert all(a != b for a, b in itertools.pairwise(statuses)), statuses
        ends = [p["period"].get("end") for p in visit.get("statusHistory", [])]
        starts = [p["period"]["start"] for p in visit.get("statusHistory", [])]
        assert ends[:-1] == starts[1:]  # no gap where a period was merged


def test_none_known_sections_are_empty_lists_with_a_reason(visit: Any) -> None:
    (surgical,) = _resources(visit, "List")
    assert surgical["code"]["coding"][0]["code"] == "47519-4"
    assert surgical["emptyReason"]["coding"][0]["code"] == "nilknown"
    assert "entry" not in surgical


def _by_code(resources: list[dict[str, Any]], code: str) -> dict[str, Any]:
    (found,) = [r for r in resources if code in {c.get("code") for c in r["code"]["coding"]}]
    return found


def test_screenings_are_questionnaire_responses_with_loinc_totals(visit: Any) -> None:
    responses = _resources(visit, "QuestionnaireResponse")
    assert [r["questionnaire"] for r in responses] == [
        "http://loinc.org/q/55757-9",
        "http://loinc.org/q/44249-1",
        "http://loinc.org/q/69737-5",
    ]  # the declined AUDIT-C has no answers
    phq9 = responses[1]
    assert [item["answer"][0]["valueCoding"]["code"] for item in phq9["item"][:9]] == [
        "LA6570-1", "LA6569-3", "LA6569-3", "LA6568-5", "LA6569-3",
        "LA6568-5", "LA6569-3", "LA6568-5", "LA6569-3",
    ]  # fmt: skip
    observations = _resources(visit, "Observation")
    surveys = [o for o in observations if o.get("category", [{}])[0].get("text") == "Survey"]
    totals = {c: _by_code(surveys, c) for c in ("55758-7", "44261-6", "70274-6", "75626-2")}
    assert totals["44261-6"]["valueQuantity"]["value"] == 7
    assert totals["44261-6"]["derivedFrom"] == [{"reference": f"urn:uuid:{phq9['id']}"}]
    assert "told Dr Chen" in totals["44261-6"]["note"][0]["text"]
    assert totals["55758-7"]["interpretation"][0]["coding"][0]["code"] == "POS"
    assert totals["75626-2"]["dataAbsentReason"]["coding"][0]["code"] == "asked-declined"


def test_complaint_and_hpi_are_escaped_in_the_narrative(visit: Any) -> None:
    (encounter,) = _resources(visit, "Encounter")
    div = encounter["text"]["div"]
    assert "<script>" not in div
    assert "&lt;script&gt;" in div
    parsed = ET.fromstring(div)  # well-formed XHTML, the complaint is text not markup
    assert parsed.tag == "{http://www.w3.org/1999/xhtml}div"
    assert [p.text for p in parsed] == [
        f"Chief complaint: {COMPLAINT}",
        "Onset: 3 days <ago>",
        "Location: chest",
        "Severity: 6/10",
    ]
    (hpi,) = _vitals(visit, "10164-2")
    assert hpi["valueString"] == "Onset: 3 days <ago>; Location: chest; Severity: 6/10"
    assert hpi["effectiveDateTime"] == (T0 + timedelta(minutes=10)).isoformat()
    assert encounter["reasonCode"] == [{"text": COMPLAINT}]


def test_visit_patient_and_coverage_content(visit: Any) -> None:
    (patient,) = _resources(visit, "Patient")
    assert patient["identifier"][0]["system"] == CONTEXT.mrn_system
    assert patient["identifier"][0]["value"] == "M-7"
    assert patient["communication"][0]["language"]["coding"][0]["code"] == "ht"
    (guardian,) = patient["contact"]
    assert guardian["relationship"][0]["coding"][0]["code"] == "GUARD"
    assert guardian["relationship"][0]["text"] == "grandmother"
    assert "telecom" not in guardian
    assert "telecom" not in patient
    (coverage,) = _resources(visit, "Coverage")
    assert coverage["relationship"]["coding"][0]["code"] == "other"
    assert coverage["relationship"]["text"] == "grandchild"
    assert {"system": "urn:ehr:coverage", "value": "C-1"} in coverage["identifier"]
    assert [c["type"]["coding"][0]["code"] for c in coverage["class"]] == ["group", "plan"]
    (appointment,) = _resources(visit, "Appointment")
    assert appointment["identifier"] == [{"system": "urn:ehr:appointment", "value": "A-1"}]
    assert appointment["status"] == "checked-in"
    (encounter,) = _resources(visit, "Encounter")
    assert encounter["status"] == "triaged"
    assert encounter["appointment"][0]["reference"] == f"urn:uuid:{appointment['id']}"
    assert encounter["type"] == [{"text": "follow-up"}]
    assert appointment["end"] == "2026-11-23T15:00:00+00:00"
    assert appointment["minutesDuration"] == 20
    assert encounter["period"] == {"start": (T0 - timedelta(minutes=5)).isoformat()}
    assert [h["status"] for h in encounter["statusHistory"]] == ["planned", "arrived"]
    assert encounter["statusHistory"][0]["period"]["end"] == encounter["period"]["start"]
    assert [p["type"][0]["coding"][0]["code"] for p in encounter["participant"]] == ["ATND", "PART"]
    assert encounter["location"] == [{"location": {"display": "Room 4"}}]


@pytest.mark.parametrize(
    ("selection", "message"),
    [
        (Selection(encounter_id=99999), "no visit 99999"),
        (Selection(mrn="X"), "no patient has MRN 'X'"),
        (Selection(day=date(2026, 11, 22)), "no visits on 2026-11-22"),  # a Sunday
    ],
)
def test_a_selection_of_nothing_raises_before_any_resource(
    demo: Engine, selection: Selection, message: str
) -> None:
    with Session(demo) as session, pytest.raises(ExportError) as raised:
        export_resources(session, selection, CONTEXT)  # not iterated: raised at once
    assert str(raised.value) == message


def test_a_selection_names_exactly_one_thing() -> None:
    with pytest.raises(ExportError):
        Selection()
    with pytest.raises(ExportError):
        Selection(mrn="1000105", everything=True)


def test_selecting_a_visit_a_day_a_patient_or_everything(
    demo: Engine, made: tuple[Engine, dict[str, int]]
) -> None:
    with Session(demo) as session:
        dana = session.exec(select(Patient).where(Patient.mrn == "1000105")).one()
        visits = session.exec(
            select(Encounter.id)
            .where(Encounter.patient_id == dana.id)
            .order_by(col(Encounter.scheduled_at))
        ).all()
        patients = session.exec(select(Patient.id).order_by(col(Patient.id))).all()

        def summary_of(selection: Selection) -> ExportSummary:
            summary = ExportSummary()
            list(export_resources(session, selection, CONTEXT, summary))
            return summary

        today = summary_of(Selection(encounter_id=visits[-1]))
        assert (today.patient_ids, today.encounter_ids) == ([dana.id], [visits[-1]])
        assert today.resources["Encounter"] == 1
        assert today.resources["Patient"] == 1
        assert today.resources["Condition"] == 3  # the whole history goes with one visit
        one = summary_of(Selection(mrn="1000105"))
        assert (one.patient_ids, one.encounter_ids) == ([dana.id], visits)  # in time order
        day = summary_of(Selection(day=CLINIC_NOW.date()))
        assert len(day.patient_ids) == len(day.encounter_ids) == 30
        everything = summary_of(Selection(everything=True))
        assert everything.patient_ids == list(patients)
    engine, ids = made
    with Session(engine) as session:
        summary = ExportSummary()
        list(export_resources(session, Selection(everything=True), CONTEXT, summary))
    assert summary.patient_ids == [ids["patient"], ids["alone"]]  # also without visits
    assert summary.encounter_ids == [ids["earlier"], ids["visit"]]
    assert summary.resources["Appointment"] == 1  # a walk-in was never booked


def test_each_patient_comes_once_before_its_visits(demo: Engine) -> None:
    exported = _export(demo, Selection(day=CLINIC_NOW.date()))
    kinds = [e["resource"]["resourceType"] for e in exported["entry"]]
    assert kinds.count("Patient") == 30
    first = exported["entry"][0]["resource"]
    assert first["resourceType"] == "Patient"
    subjects = [
        e["resource"].get("subject", e["resource"].get("patient", e["resource"].get("beneficiary")))
        for e in exported["entry"][1 : kinds.index("Patient", 1)]
    ]
    assert {s["reference"] for s in subjects if s} == {f"urn:uuid:{first['id']}"}


def test_ids_are_stable_across_exports_and_differ_between_clinics(
    demo: Engine, clinic: Any
) -> None:
    again = _export(demo, Selection(everything=True))
    assert [e["fullUrl"] for e in again["entry"]] == [e["fullUrl"] for e in clinic["entry"]]
    assert again == clinic
    other = ExportContext(mrn_system=CONTEXT.mrn_system, clinic_id=uuid.UUID(int=7), tz=CLINIC_TZ)
    elsewhere = _export(demo, Selection(mrn="1000105"), other)
    assert not {e["fullUrl"] for e in elsewhere["entry"]} & {e["fullUrl"] for e in clinic["entry"]}
    ids = [e["resource"]["id"] for e in clinic["entry"]]
    assert len(ids) == len(set(ids))


def test_write_bundle_streams_the_same_json_as_bundle(demo: Engine) -> None:
    out = io.StringIO()
    with Session(demo) as session:
        count = write_bundle(
            export_resources(session, Selection(mrn="1000101"), CONTEXT), out, timestamp=CLINIC_NOW
        )
    expected = _export(demo, Selection(mrn="1000101"))
    assert json.loads(out.getvalue()) == expected
    assert count == len(expected["entry"]) > 10
    assert expected["timestamp"] == CLINIC_NOW.astimezone(UTC).isoformat()
    empty = io.StringIO()
    assert write_bundle([], empty, timestamp=CLINIC_NOW) == 0
    assert json.loads(empty.getvalue()) == bundle([], timestamp=CLINIC_NOW)
    assert "entry" not in bundle([], timestamp=CLINIC_NOW)


# ---------------------------------------------------------- one-key export


def _set_export_folder(engine: Engine, folder: Path) -> None:
    change_setting(engine, parse_setting("export-folder", str(folder)), now=CLINIC_NOW)


def _export_events(engine: Engine) -> list[AuditEvent]:
    with Session(engine) as session:
        return list(
            session.exec(select(AuditEvent).where(AuditEvent.action == AuditAction.EXPORT)).all()
        )


def test_a_visit_goes_to_the_export_folder_with_its_audit_event(
    demo_sqlite: Engine, tmp_path: Path
) -> None:
    _set_export_folder(demo_sqlite, tmp_path / "exports")
    visit_id = todays_encounter_id(demo_sqlite, "Whitfield")
    path = export_visit_file(demo_sqlite, visit_id, now=CLINIC_NOW, staff_id=None)
    assert path.parent == tmp_path / "exports"
    assert path.stat().st_mode & 0o777 == 0o600  # it holds PHI
    (visit,) = _resources(json.loads(path.read_text()), "Encounter")
    assert visit["identifier"][0]["value"] == str(visit_id)
    (event,) = _export_events(demo_sqlite)
    assert (event.entity, event.os_user) == ("patient", current_os_user())
    assert event.patient_id is not None
    assert event.entity_id == str(event.patient_id)


def test_an_export_folder_that_cannot_be_written_is_a_user_error(
    demo_sqlite: Engine, tmp_path: Path
) -> None:
    locked = read_only_folder(tmp_path)
    with Session(demo_sqlite) as session:  # as root /sys, which the setting itself refuses
        write_setting(session, EXPORT_FOLDER_KEY, str(locked))
        session.commit()
    visit_id = todays_encounter_id(demo_sqlite, "Whitfield")
    with pytest.raises(ExportNotWritten) as raised:
        export_visit_file(demo_sqlite, visit_id, now=CLINIC_NOW, staff_id=None)
    assert isinstance(raised.value, UserError)
    assert str(raised.value).startswith(f"cannot write to the export folder {locked}: ")
    assert _export_events(demo_sqlite) == []  # nothing was exported, so nothing recorded


def test_a_visit_that_is_not_there_is_a_user_error_and_writes_nothing(
    demo_sqlite: Engine, tmp_path: Path
) -> None:
    _set_export_folder(demo_sqlite, tmp_path)
    with pytest.raises(ExportError, match="no visit 9999") as raised:
        export_visit_file(demo_sqlite, 9999, now=CLINIC_NOW, staff_id=None)
    assert isinstance(raised.value, UserError)
    assert list(tmp_path.iterdir()) == []
    assert _export_events(demo_sqlite) == []


# ----------------------------------------------------------------- support


def _id(kind: str, local_id: int | str) -> str:
    return str(uuid.uuid5(CONTEXT.clinic_id, f"{kind}/{local_id}"))


def _patient_ref(exported: dict[str, Any], family: str) -> str:
    (patient,) = [p for p in _resources(exported, "Patient") if p["name"][0]["family"] == family]
    return f"urn:uuid:{patient['id']}"


def test_an_export_folder_others_may_open_is_refused_and_nothing_is_written(
    demo_sqlite: Engine, tmp_path: Path
) -> None:
    """Set when it was private, opened to everyone since: the export still refuses."""
    folder = tmp_path / "exports"
    folder.mkdir(mode=0o700)
    _set_export_folder(demo_sqlite, folder)
    folder.chmod(0o755)
    visit_id = todays_encounter_id(demo_sqlite, "Whitfield")
    with pytest.raises(ExportNotWritten, match=r"every user of this machine may open it"):
        export_visit_file(demo_sqlite, visit_id, now=CLINIC_NOW, staff_id=None)
    assert list(folder.iterdir()) == []
    assert _export_events(demo_sqlite) == []
