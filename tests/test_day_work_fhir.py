"""The worklist and the rooms in a FHIR export: R4B accepts every resource."""

from __future__ import annotations

from collections import Counter

from sqlalchemy.engine import Engine
from sqlmodel import Session

from ma_tui.fhir.export import Selection, export_resources
from ma_tui.worklist.fhir_import import item_from_fhir
from ma_tui.worklist.items import Actor, PatientRef, StaffRole, Status
from ma_tui.worklist.work import open_items
from tests.conftest import CLINIC_NOW
from tests.day_work import staff_id
from tests.fhir_checks import assert_valid
from tests.test_fhir_export import CONTEXT


def test_the_demo_days_work_and_rooms_export_as_valid_r4b(demo_sqlite: Engine) -> None:
    with Session(demo_sqlite) as session:
        exported = list(export_resources(session, Selection(everything=True), CONTEXT))
    kinds = Counter(resource["resourceType"] for resource in exported)
    assert kinds["Task"] == 9
    assert kinds["MedicationRequest"] >= 3
    assert kinds["Claim"] == 2
    assert kinds["Location"] == 8
    work = [
        r
        for r in exported
        if r["resourceType"] in ("Task", "ServiceRequest", "Claim", "MedicationRequest", "Location")
    ]
    assert_valid(work + [r for r in exported if r["resourceType"] == "Patient"])
    statuses = {
        r["name"]: r["operationalStatus"]["code"]
        for r in exported
        if r["resourceType"] == "Location"
    }
    assert statuses == {
        "Exam 1": "O", "Exam 2": "O", "Exam 3": "O", "Exam 4": "O", "Exam 5": "O",
        "Exam 6": "U", "Exam 7": "C", "Procedure": "H",
    }  # fmt: skip
    # Each Task and its focus read back as the item they came from.
    by_url = {f"urn:uuid:{r['id']}": r for r in exported}
    someone = Actor(1, "Mia Sorensen", StaffRole.MA)
    providers = {
        "Dr. Lena Chen, MD": staff_id(demo_sqlite, "dr.chen"),
        "Theo Brooks, NP": staff_id(demo_sqlite, "np.brooks"),
    }
    read_back = sorted(
        (item.type, item.patient.name, item.status)
        for task in exported
        if task["resourceType"] == "Task"
        for item in [
            item_from_fhir(
                task,
                by_url[task["focus"]["reference"]],
                PatientRef(0, task["for"]["display"]),
                by=someone,
                at=CLINIC_NOW,
                default_due=CLINIC_NOW,
                provider_ids=providers,
            )
        ]
    )
    # an item waiting for a provider comes in as in progress: the sender's provider
    # is not this clinic's to wait for
    waiting = {Status.WITH_PROVIDER: Status.IN_PROGRESS}
    stored = sorted(
        (item.type, item.patient.name, waiting.get(item.status, item.status))
        for item in open_items(demo_sqlite)
    )
    assert read_back == stored
