"""Injections as FHIR: a dose given here is exported and valid R4; an immunization
history from a registry comes in by the importer and is in the patient's chart."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session

from ma_tui.data.catalogs.vaccines import vaccine_catalog
from ma_tui.fhir.export import ExportContext, Selection, export_resources
from ma_tui.fhir.importer import ImportContext, import_resources
from ma_tui.fhir.reader import ReadItem
from ma_tui.immunizations.administration import Order
from ma_tui.immunizations.chart import (
    Giving,
    due_for,
    give_dose,
    injection_patient,
    patient_injections,
)
from ma_tui.immunizations.shelf import shelf
from tests.conftest import CLINIC_NOW, CLINIC_TZ, todays_encounter_id
from tests.fhir_checks import assert_valid

CONTEXT = ExportContext(mrn_system="urn:ma-tui:mrn", clinic_id=uuid.UUID(int=42), tz=CLINIC_TZ)
DANA = {"identifier": {"system": "urn:ma-tui:mrn", "value": "1000105"}}
# A registry's record of a flu shot last month and an MMR in childhood.
REGISTRY = [
    {
        "resourceType": "Immunization",
        "identifier": [{"system": "urn:oid:2.16.840.1.113883.3.999", "value": "IZ-881"}],
        "status": "completed",
        "vaccineCode": {
            "coding": [{"system": "http://hl7.org/fhir/sid/cvx", "code": "141"}],
            "text": "Influenza, injectable",
        },
        "patient": DANA,
        "occurrenceDateTime": "2026-10-20",
        "primarySource": False,
        "lotNumber": "U7741AA",
    },
    {
        "resourceType": "Immunization",
        "identifier": [{"system": "urn:oid:2.16.840.1.113883.3.999", "value": "IZ-12"}],
        "status": "completed",
        "vaccineCode": {"coding": [{"system": "http://hl7.org/fhir/sid/cvx", "code": "03"}]},
        "patient": DANA,
        "occurrenceDateTime": "1969-06-02",
        "primarySource": False,
    },
]


def _import(engine: Engine, resources: list[dict[str, Any]]) -> list[str]:
    report = import_resources(
        engine,
        lambda: [
            ReadItem(f"bundle entry {i}", r, f"urn:uuid:{r.get('id')}")
            for i, r in enumerate(resources)
        ],
        ImportContext(mrn_system="urn:ma-tui:mrn", now=CLINIC_NOW, keep_every_outcome=True),
    )
    return [o.action for o in report.outcomes if o.resource_type == "Immunization"]


def test_a_registry_history_is_in_the_chart_and_due_today_reads_it(demo_sqlite: Engine) -> None:
    whitfield = injection_patient(demo_sqlite, todays_encounter_id(demo_sqlite, "Whitfield"))
    before = due_for(demo_sqlite, {whitfield.patient_id: whitfield.birth_date}, CLINIC_NOW.date())
    assert "influenza" in {i.group for i in before[whitfield.patient_id].items}
    assert _import(demo_sqlite, REGISTRY) == ["created", "created"]
    assert _import(demo_sqlite, REGISTRY) == ["unchanged", "unchanged"]
    history = patient_injections(demo_sqlite, whitfield.patient_id)
    assert [(r.name, r.day, r.lot) for r in history[-2:]] == [
        ("Influenza, injectable", date(2025, 10, 19), None),  # the demo's history
        ("Influenza, injectable", date(2026, 10, 20), "U7741AA"),
    ]
    assert history[0].name == "CVX 03"
    after = due_for(demo_sqlite, {whitfield.patient_id: whitfield.birth_date}, CLINIC_NOW.date())
    assert "influenza" not in {i.group for i in after[whitfield.patient_id].items}


def test_a_dose_given_here_exports_as_a_valid_immunization_and_comes_back(
    demo_sqlite: Engine,
) -> None:
    patient = injection_patient(demo_sqlite, todays_encounter_id(demo_sqlite, "Whitfield"))
    product = vaccine_catalog().product("flu_afluria")
    lot_id = next(s.id for s in shelf(demo_sqlite) if s.lot.lot == "AX5521")
    assert product.vis is not None
    giving = Giving(
        lot_id=lot_id,
        dose=product.dose,
        route="IM",
        site="LD",
        given_at=CLINIC_NOW,
        identifiers_confirmed=True,
        order=Order(group="influenza"),
        vis_edition=product.vis.edition,
    )
    give_dose(demo_sqlite, patient, giving, now=CLINIC_NOW, staff_id=None)
    with Session(demo_sqlite) as session:
        resources = list(export_resources(session, Selection(mrn="1000105"), CONTEXT))
    assert_valid(resources)
    shots = [r for r in resources if r["resourceType"] == "Immunization"]
    given = shots[-1]
    assert given["lotNumber"] == "AX5521"
    assert given["vaccineCode"]["coding"][0]["code"] == "140"
    assert given["encounter"]["reference"].startswith("urn:uuid:")
    assert given["education"][0]["publicationDate"] == product.vis.edition.isoformat()
    assert _import(demo_sqlite, resources) == ["unchanged"] * len(shots)
