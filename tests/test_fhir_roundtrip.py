"""FHIR end to end: import from an EHR, room the patient, export; every value comes back.

The import file is what an EHR sends (its own MRN system, a Bundle with fullUrls);
the command line imports it, the rooming is done on the screens, and F6 on the
review screen signs and exports. Every exported resource is checked against the
FHIR R4B models, and every imported value is found again in the export.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fhir.resources.R4B import get_fhir_model_class
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, func, select

from ma_tui.cli import main
from ma_tui.data.migrate import upgrade
from ma_tui.data.models.history import Allergy, Condition, Medication
from ma_tui.data.models.patients import Coverage, Patient
from ma_tui.data.models.visits import Encounter
from ma_tui.data.store import create_store_engine, sqlite_url
from ma_tui.demo.clinic import build_demo_clinic
from ma_tui.screens.queue.queue import QueueScreen
from tests.conftest import CLINIC_NOW, CLINIC_TZ
from tests.credentials import as_admin
from tests.pilot import make_app, open_from_queue, type_text

EHR_MRN_SYSTEM = "urn:oid:2.16.840.1.113883.3.7777"
APPOINTMENT_AT = (CLINIC_NOW + timedelta(minutes=40)).replace(second=0, microsecond=0)


def _ehr_bundle() -> dict[str, Any]:
    """What an EHR sends for one patient: demographics, coverage, today's slot, history."""
    patient_ref = {"reference": "urn:uuid:6f1d0b1e-1c59-4b7e-9a57-0c7cdb1a0001"}
    resources: list[tuple[str, dict[str, Any]]] = [
        (
            patient_ref["reference"],
            {
                "resourceType": "Patient",
                "id": "ehr-p-1",
                "identifier": [
                    {"system": "urn:oid:2.16.840.1.113883.4.1", "value": "999-00-1234"},
                    {
                        "type": {
                            "coding": [
                                {
                                    "system": "http://terminology.hl7.org/CodeSystem/v2-0203",
                                    "code": "MR",
                                }
                            ]
                        },
                        "system": EHR_MRN_SYSTEM,
                        "value": "E55210",
                    },
                ],
                "name": [{"use": "official", "family": "Quintero", "given": ["Rosalind", "May"]}],
                "gender": "female",
                "birthDate": "2010-06-02",
                "telecom": [
                    {"system": "phone", "value": "555-210-4477"},
                    {"system": "email", "value": "rq@example.org"},
                ],
                "address": [
                    {
                        "line": ["77 Orchard Lane"],
                        "city": "Springfield",
                        "state": "IL",
                        "postalCode": "62704",
                    }
                ],
                "communication": [{"language": {"text": "Spanish"}, "preferred": True}],
                "extension": [
                    {
                        "url": "http://hl7.org/fhir/StructureDefinition/patient-interpreterRequired",
                        "valueBoolean": True,
                    }
                ],
                "contact": [
                    {
                        "relationship": [
                            {
                                "coding": [
                                    {
                                        "system": "http://terminology.hl7.org/CodeSystem/v3-RoleCode",
                                        "code": "GUARD",
                                    }
                                ],
                                "text": "mother",
                            }
                        ],
                        "name": {"text": "Marisol Quintero"},
                        "telecom": [{"system": "phone", "value": "555-210-4478"}],
                    }
                ],
            },
        ),
        (
            "urn:uuid:6f1d0b1e-1c59-4b7e-9a57-0c7cdb1a0002",
            {
                "resourceType": "Coverage",
                "id": "ehr-cov-1",
                "status": "active",
                "beneficiary": patient_ref,
                "payor": [{"display": "Blue Meadow Health"}],
                "subscriberId": "BMH55210",
                "subscriber": {"display": "Marisol Quintero"},
                "relationship": {"text": "child"},
                "class": [
                    {
                        "type": {
                            "coding": [
                                {
                                    "system": "http://terminology.hl7.org/CodeSystem/coverage-class",
                                    "code": "group",
                                }
                            ]
                        },
                        "value": "GRP-4410",
                    }
                ],
                "period": {"start": "2026-01-01", "end": "2026-12-31"},
            },
        ),
        (
            "urn:uuid:6f1d0b1e-1c59-4b7e-9a57-0c7cdb1a0003",
            {
                "resourceType": "Appointment",
                "identifier": [{"system": "urn:ehr:appointment", "value": "A-90210"}],
                "status": "booked",
                "start": APPOINTMENT_AT.isoformat(),
                "end": (APPOINTMENT_AT + timedelta(minutes=20)).isoformat(),
                "appointmentType": {"text": "sick visit"},
                "participant": [
                    {"actor": patient_ref, "status": "accepted"},
                    {"actor": {"display": "Dr. Lena Chen"}, "status": "accepted"},
                ],
            },
        ),
        (
            "urn:uuid:6f1d0b1e-1c59-4b7e-9a57-0c7cdb1a0004",
            {
                "resourceType": "AllergyIntolerance",
                "identifier": [{"system": "urn:ehr:allergy", "value": "AL-1"}],
                "clinicalStatus": {
                    "coding": [
                        {
                            "system": "http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical",
                            "code": "active",
                        }
                    ]
                },
                "category": ["medication"],
                "code": {"text": "sulfonamide antibiotics"},
                "patient": patient_ref,
                "reaction": [{"manifestation": [{"text": "hives"}], "severity": "moderate"}],
            },
        ),
        (
            "urn:uuid:6f1d0b1e-1c59-4b7e-9a57-0c7cdb1a0005",
            {
                "resourceType": "MedicationStatement",
                "identifier": [{"system": "urn:ehr:med", "value": "MS-1"}],
                "status": "active",
                "medicationCodeableConcept": {"text": "albuterol"},
                "subject": patient_ref,
                "dosage": [
                    {
                        "text": "2 puffs inhaled every 4 hours as needed",
                        "route": {"text": "inhaled"},
                        "timing": {"code": {"text": "every 4 hours as needed"}},
                    }
                ],
            },
        ),
        (
            "urn:uuid:6f1d0b1e-1c59-4b7e-9a57-0c7cdb1a0006",
            {
                "resourceType": "Condition",
                "identifier": [{"system": "urn:ehr:problem", "value": "PR-1"}],
                "clinicalStatus": {
                    "coding": [
                        {
                            "system": "http://terminology.hl7.org/CodeSystem/condition-clinical",
                            "code": "active",
                        }
                    ]
                },
                "code": {
                    "coding": [{"system": "http://hl7.org/fhir/sid/icd-10-cm", "code": "J45.909"}],
                    "text": "asthma",
                },
                "onsetString": "age 4",
                "subject": patient_ref,
            },
        ),
    ]
    return {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [{"fullUrl": url, "resource": resource} for url, resource in resources],
    }


@pytest.fixture
def clinic(tmp_path: Path) -> Iterator[tuple[Engine, str]]:
    """The demo clinic in a file, its MRNs set to the EHR's system, exports to tmp_path."""
    db = str(tmp_path / "clinic.db")
    engine = create_store_engine(sqlite_url(Path(db)))
    upgrade(engine)
    build_demo_clinic(engine, CLINIC_NOW.date(), CLINIC_TZ)
    signed = as_admin(tmp_path)
    assert main(["settings", "set", "mrn-system", EHR_MRN_SYSTEM, *signed, "--db", db]) == 0
    out = str(tmp_path / "out")
    assert main(["settings", "set", "export-folder", out, *signed, "--db", db]) == 0
    yield engine, db
    engine.dispose()


def _import(db: str, tmp_path: Path, bundle: dict[str, Any], name: str = "ehr.json") -> int:
    path = tmp_path / name
    path.write_text(json.dumps(bundle), encoding="utf-8")
    return main(["import", "fhir", str(path), *as_admin(tmp_path), "--db", db])


def _export(db: str, tmp_path: Path, *selection: str) -> dict[str, Any]:
    out = tmp_path / "export.json"
    assert (
        main(["export", "fhir", *selection, "-o", str(out), *as_admin(tmp_path), "--db", db]) == 0
    )
    bundle: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
    return bundle


def _resources(bundle: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == kind]


def _validate(bundle: dict[str, Any]) -> None:
    get_fhir_model_class("Bundle").model_validate(bundle)
    for entry in bundle["entry"]:
        resource = entry["resource"]
        get_fhir_model_class(resource["resourceType"]).model_validate(resource)


def _imported_values_come_back(bundle: dict[str, Any]) -> None:
    """Every value of ``_ehr_bundle`` is in the exported ``bundle``."""
    (patient,) = _resources(bundle, "Patient")
    assert {"system": EHR_MRN_SYSTEM, "value": "E55210"}.items() <= patient["identifier"][0].items()
    assert patient["name"][0]["family"] == "Quintero"
    assert patient["name"][0]["given"] == ["Rosalind", "May"]
    assert (patient["gender"], patient["birthDate"]) == ("female", "2010-06-02")
    telecom = {(t["system"], t["value"]) for t in patient["telecom"]}
    assert telecom == {("phone", "555-210-4477"), ("email", "rq@example.org")}
    assert patient["address"] == [
        {"line": ["77 Orchard Lane"], "city": "Springfield", "state": "IL", "postalCode": "62704"}
    ]
    assert patient["communication"][0]["language"]["text"] == "Spanish"
    assert {"url": INTERPRETER, "valueBoolean": True} in patient["extension"]
    (guardian,) = patient["contact"]
    assert guardian["name"]["text"] == "Marisol Quintero"
    assert guardian["relationship"][0]["text"] == "mother"
    assert guardian["telecom"][0]["value"] == "555-210-4478"

    (coverage,) = _resources(bundle, "Coverage")
    assert coverage["payor"] == [{"display": "Blue Meadow Health"}]
    assert coverage["subscriberId"] == "BMH55210"
    assert coverage["subscriber"]["display"] == "Marisol Quintero"
    assert coverage["relationship"]["text"] == "child"
    assert coverage["period"] == {"start": "2026-01-01", "end": "2026-12-31"}
    assert [c["value"] for c in coverage["class"]] == ["GRP-4410"]

    (appointment,) = _resources(bundle, "Appointment")
    assert {"system": "urn:ehr:appointment", "value": "A-90210"} in appointment["identifier"]
    assert _instant(appointment["start"]) == APPOINTMENT_AT
    assert _instant(appointment["end"]) == APPOINTMENT_AT + timedelta(minutes=20)
    assert appointment["appointmentType"]["text"] == "sick visit"
    assert {"display": "Dr. Lena Chen"} in [p["actor"] for p in appointment["participant"]]

    (allergy,) = _resources(bundle, "AllergyIntolerance")
    assert allergy["code"]["text"] == "sulfonamide antibiotics"
    assert allergy["category"] == ["medication"]
    assert allergy["reaction"][0]["manifestation"][0]["text"] == "hives"
    assert allergy["reaction"][0]["severity"] == "moderate"
    assert {"system": "urn:ehr:allergy", "value": "AL-1"} in allergy["identifier"]

    (medication,) = _resources(bundle, "MedicationStatement")
    assert medication["medicationCodeableConcept"]["text"] == "albuterol"
    assert medication["status"] == "active"
    dosage = medication["dosage"][0]
    assert dosage["text"] == "2 puffs inhaled every 4 hours as needed"
    assert dosage["route"]["text"] == "inhaled"
    assert dosage["timing"]["code"]["text"] == "every 4 hours as needed"

    (condition,) = _resources(bundle, "Condition")
    assert condition["code"]["text"] == "asthma"
    assert {"system": ICD10CM, "code": "J45.909"}.items() <= condition["code"]["coding"][0].items()
    assert condition["onsetString"] == "age 4"
    assert condition["clinicalStatus"]["coding"][0]["code"] == "active"


INTERPRETER = "http://hl7.org/fhir/StructureDefinition/patient-interpreterRequired"
ICD10CM = "http://hl7.org/fhir/sid/icd-10-cm"


def _instant(text: str) -> Any:
    from datetime import datetime

    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _counts(engine: Engine) -> dict[str, int]:
    with Session(engine) as session:
        return {
            model.__name__: session.exec(select(func.count()).select_from(model)).one()
            for model in (Patient, Coverage, Encounter, Allergy, Medication, Condition)
        }


def test_import_then_export_gives_back_every_value_and_reimport_changes_nothing(
    clinic: tuple[Engine, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    engine, db = clinic
    before = _counts(engine)
    assert _import(db, tmp_path, _ehr_bundle()) == 0
    printed = capsys.readouterr().out
    assert "Patient: 1 created" in printed
    assert "Appointment: 1 created" in printed
    after = _counts(engine)
    assert {name: after[name] - before[name] for name in after} == dict.fromkeys(after, 1)

    exported = _export(db, tmp_path, "--patient", "E55210")
    _validate(exported)
    _imported_values_come_back(exported)

    # The EHR sends the same file again, and ma-tui's own export comes back: no duplicates.
    assert _import(db, tmp_path, _ehr_bundle()) == 0
    assert "1 created" not in capsys.readouterr().out
    assert _import(db, tmp_path, exported, "again.json") == 0
    assert _counts(engine) == after


def test_an_export_imported_into_another_clinic_exports_the_same_values(
    clinic: tuple[Engine, str], tmp_path: Path
) -> None:
    _, db = clinic
    assert _import(db, tmp_path, _ehr_bundle()) == 0
    first = _export(db, tmp_path, "--patient", "E55210")
    # Another clinic with the same provider: a provider who is not a ma-tui user is
    # not kept (the import says so), so the other clinic is the demo clinic too.
    other = str(tmp_path / "other.db")
    assert main(["demo", "--db", other]) == 0
    signed = as_admin(tmp_path)
    assert main(["settings", "set", "mrn-system", EHR_MRN_SYSTEM, *signed, "--db", other]) == 0
    assert _import(other, tmp_path, first, "first.json") == 0
    second = _export(other, tmp_path, "--patient", "E55210")
    _validate(second)
    _imported_values_come_back(second)


async def test_room_an_imported_patient_and_export_the_visit_with_one_key(
    clinic: tuple[Engine, str], tmp_path: Path
) -> None:
    engine, db = clinic
    assert _import(db, tmp_path, _ehr_bundle()) == 0
    app = make_app(engine)
    async with app.run_test(size=(100, 40)) as pilot:
        await open_from_queue(pilot, "quint ros")
        await pilot.press("enter", "enter", "enter")  # identifiers, demographics, insurance
        await type_text(pilot, "118/76 p88 r18 t99.1 o97 2l h61 w101 pn3")
        await pilot.press("enter", "ctrl+r", "4")  # to review, then to the complaint
        await type_text(pilot, "wheezing since last night")
        await pilot.press("ctrl+r", "f6")
        await pilot.pause()
        assert isinstance(app.screen, QueueScreen)
        await app.workers.wait_for_complete()  # the export runs beside the screens
    (written,) = (tmp_path / "out").glob("visit-*.fhir.json")
    assert written.stat().st_mode & 0o777 == 0o600  # it holds PHI
    bundle = json.loads(written.read_text(encoding="utf-8"))
    _validate(bundle)
    _imported_values_come_back(bundle)
    (encounter,) = _resources(bundle, "Encounter")
    assert encounter["reasonCode"] == [{"text": "wheezing since last night"}]
    vitals = {
        o["code"]["coding"][0]["code"]: o
        for o in _resources(bundle, "Observation")
        if o["category"][0]["coding"][0]["code"] == "vital-signs"
    }
    bp = vitals["85354-9"]["component"]
    assert [(c["code"]["coding"][0]["code"], c["valueQuantity"]["value"]) for c in bp] == [
        ("8480-6", 118),
        ("8462-4", 76),
    ]
    spo2 = vitals["59408-5"]
    assert spo2["valueQuantity"]["value"] == 97
    assert spo2["component"][0]["valueQuantity"] == {
        "value": 2,
        "unit": "L/min",
        "system": "http://unitsofmeasure.org",
        "code": "L/min",
    }
    assert vitals["29463-7"]["valueQuantity"]["unit"] == "kg"
    assert vitals["72514-3"]["valueQuantity"]["value"] == 3
    assert "39156-5" in vitals  # BMI, computed
    with Session(engine) as session:
        visit = session.exec(select(Encounter).where(col(Encounter.source_id).is_not(None))).one()
        assert visit.signed_at is not None
