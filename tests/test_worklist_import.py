"""``ma-tui import fhir`` of the worklist and the rooms: a clinic's export comes back
in a fresh clinic as the same items and rooms, once, and a bad item is a report line."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, func, select

from ma_tui.core.transaction import read_only
from ma_tui.data.audit import AuditAction
from ma_tui.data.migrate import upgrade
from ma_tui.data.models.audit import AuditEvent
from ma_tui.data.models.rooms import Room as RoomRow
from ma_tui.data.models.rooms import RoomEvent
from ma_tui.data.models.staff import Staff, StaffRole
from ma_tui.data.models.visits import Encounter
from ma_tui.data.models.worklist import WorklistEvent, WorklistItem
from ma_tui.data.store import memory_engine
from ma_tui.fhir.export import ExportSummary, Selection, export_bundle
from ma_tui.fhir.importer import ImportContext, ImportReport, import_resources
from ma_tui.fhir.reader import ReadItem, read_files
from ma_tui.fhir.report import REASON_MAX
from ma_tui.fhir.settings import read_mrn_system
from ma_tui.rooms.store import room_board
from ma_tui.worklist.followup import FollowUp
from ma_tui.worklist.items import ItemType, Status
from ma_tui.worklist.refills import RefillRequest
from ma_tui.worklist.work import Move, all_items, book_follow_up, open_items, proposed_slots
from tests.conftest import CLINIC_NOW
from tests.day_work import staff_id

JSON = dict[str, Any]
# Waiting for the sender's provider is not waiting here: it comes back in progress.
WAITING = {Status.WITH_PROVIDER: Status.IN_PROGRESS}


@pytest.fixture
def exported(demo_sqlite: Engine, tmp_path: Path) -> Path:
    path = tmp_path / "clinic.fhir.json"
    with path.open("w", encoding="utf-8") as out:
        export_bundle(demo_sqlite, Selection(everything=True), out, ExportSummary(), now=CLINIC_NOW)
    return path


@pytest.fixture
def fresh(demo_sqlite: Engine) -> Engine:
    """An empty migrated clinic with an MA and the demo's providers, by name."""
    engine = memory_engine()
    upgrade(engine)
    with Session(demo_sqlite) as demo:
        providers = demo.exec(select(Staff).where(Staff.role == StaffRole.PROVIDER)).all()
        copies = [
            Staff(
                username=p.username,
                display_name=p.display_name,
                role=p.role,
                credentials=p.credentials,
            )
            for p in providers
        ]
    with Session(engine) as session:
        session.add(Staff(username="kim", display_name="Kim Ortega", role=StaffRole.MA))
        session.add_all(copies)
        session.commit()
    return engine


def _kim(engine: Engine) -> int:
    with Session(engine) as session:
        found = session.exec(select(Staff.id).where(Staff.username == "kim")).one()
    assert found is not None
    return found


def import_file(engine: Engine, path: Path, staff_id: int | None = -1) -> ImportReport:
    context = ImportContext(
        mrn_system=read_only(engine, read_mrn_system),
        now=CLINIC_NOW,
        staff_id=_kim(engine) if staff_id == -1 else staff_id,
        keep_every_outcome=True,
    )
    return import_resources(engine, lambda: read_files([path]), context)


def _rows(engine: Engine, model: type[Any]) -> int:
    with Session(engine) as session:
        return session.exec(select(func.count()).select_from(model)).one()


def _here(details: Any) -> Any:
    """An item's fields as another clinic has them: its own staff ids, no decision."""
    if isinstance(details, RefillRequest):
        return replace(details, decision=None)
    if isinstance(details, FollowUp):
        booked = details.booked and replace(details.booked, provider_id=0)
        return replace(details, provider_id=0, booked=booked)
    return details


def _outcomes(report: ImportReport, kind: str) -> Counter[str]:
    return Counter(o.action for o in report.outcomes if o.resource_type == kind)


def test_an_export_imports_into_a_fresh_clinic_as_the_same_worklist_and_rooms(
    demo_sqlite: Engine, fresh: Engine, exported: Path
) -> None:
    report = import_file(fresh, exported)
    work_kinds = ("Task", "Claim", "Location", "MedicationRequest")
    assert not [o for o in report.rejected if o.resource_type in work_kinds], report.summary_lines()

    def seen(items: list[Any]) -> list[tuple[Any, ...]]:
        return sorted(
            (i.type, i.patient.name, WAITING.get(i.status, i.status), i.due) for i in items
        )

    assert seen(open_items(fresh)) == seen(open_items(demo_sqlite))
    finished = len(all_items(demo_sqlite)) - len(open_items(demo_sqlite))
    assert _outcomes(report, "Task") == Counter(
        {"created": len(open_items(demo_sqlite))} | ({"skipped": finished} if finished else {})
    )
    # The kinds' own fields come back as they were (a provider's decision is not
    # imported: the decider is not on this clinic's staff).
    before = {(i.type, i.patient.name): _here(i.details) for i in open_items(demo_sqlite)}
    assert {(i.type, i.patient.name): _here(i.details) for i in open_items(fresh)} == before
    # Each item's history starts with its import, by whoever signed in for it.
    assert all(i.history[0].actor.name == "Kim Ortega" for i in open_items(fresh))
    # Rooms: the same names, types and states; an occupied room needs turnover here.
    rooms = {r.name: (r.room_type, r.state.value) for r in room_board(demo_sqlite)}
    occupied_to_turnover = {
        name: (kind, "turnover" if state == "occupied" else state)
        for name, (kind, state) in rooms.items()
    }
    assert {r.name: (r.room_type, r.state.value) for r in room_board(fresh)} == occupied_to_turnover
    out_of_service = {r.name: r.reason for r in room_board(demo_sqlite) if r.reason}
    assert {r.name: r.reason for r in room_board(fresh) if r.reason} == out_of_service
    # Audit: one import event per item and per room, each in its own transaction.
    with Session(fresh) as session:
        events = Counter(
            session.exec(
                select(AuditEvent.entity).where(AuditEvent.action == AuditAction.IMPORT)
            ).all()
        )
    assert events["worklist_item"] == len(open_items(fresh))
    assert events["room"] == len(rooms)


def test_a_booked_follow_up_comes_back_booked_and_on_the_schedule_once(
    demo_sqlite: Engine, fresh: Engine, tmp_path: Path
) -> None:
    follow_up = next(i for i in open_items(demo_sqlite) if i.type is ItemType.FOLLOW_UP)
    assert follow_up.item_id is not None
    (slot,) = proposed_slots(demo_sqlite, follow_up.details, CLINIC_NOW, 1)
    move = Move(demo_sqlite, staff_id(demo_sqlite, "mia"), CLINIC_NOW)
    book_follow_up(move, follow_up.item_id, slot.start)
    path = tmp_path / "booked.fhir.json"
    with path.open("w", encoding="utf-8") as out:
        export_bundle(demo_sqlite, Selection(everything=True), out, ExportSummary(), now=CLINIC_NOW)
    import_file(fresh, path)
    import_file(fresh, path)
    booked = [
        i.details.booked
        for i in open_items(fresh)
        if i.type is ItemType.FOLLOW_UP and i.details.booked is not None
    ]
    was = [
        i.details.booked
        for i in open_items(demo_sqlite)
        if i.type is ItemType.FOLLOW_UP and i.details.booked is not None
    ]
    assert booked
    assert [(s.start, s.minutes) for s in booked] == [(s.start, s.minutes) for s in was]
    with Session(fresh) as session:
        for slot in booked:
            visits = session.exec(
                select(Encounter).where(Encounter.scheduled_at == slot.start)
            ).all()
            assert [v.provider_id for v in visits] == [slot.provider_id]


def test_importing_the_same_file_again_adds_nothing(fresh: Engine, exported: Path) -> None:
    import_file(fresh, exported)
    counts = {m: _rows(fresh, m) for m in (WorklistItem, WorklistEvent, RoomRow, Encounter)}
    again = import_file(fresh, exported)
    assert {m: _rows(fresh, m) for m in counts} == counts
    for kind in ("Task", "Location", "Claim", "MedicationRequest"):
        assert "created" not in _outcomes(again, kind), kind


def test_a_bad_item_is_a_line_of_the_report_and_the_rest_come_in(
    demo_sqlite: Engine, fresh: Engine, exported: Path, tmp_path: Path
) -> None:
    bundle = json.loads(exported.read_text(encoding="utf-8"))
    resources = [entry["resource"] for entry in bundle["entry"]]
    refill = next(
        r
        for r in resources
        if r["resourceType"] == "MedicationRequest" and r["intent"] == "proposal"
    )
    del refill["dispenseRequest"]  # no pharmacy anywhere
    task = next(
        r for r in resources if r.get("focus", {}).get("reference") == f"urn:uuid:{refill['id']}"
    )
    task["input"] = [i for i in task["input"] if i["type"]["coding"][0]["code"] != "pharmacy"]
    damaged = tmp_path / "damaged.fhir.json"
    damaged.write_text(json.dumps(bundle), encoding="utf-8")
    report = import_file(fresh, damaged)
    (refused,) = [o for o in report.rejected if o.resource_type == "Task"]
    assert "pharmacy" in refused.reason
    assert any(o.action == "rejected" and "read with its Task" in o.reason for o in report.rejected)
    assert len(open_items(fresh)) == len(open_items(demo_sqlite)) - 1
    assert any(
        line.startswith("REJECTED") and "pharmacy" in line for line in report.summary_lines()
    )


def test_a_follow_up_with_a_provider_not_on_staff_is_refused_alone(
    demo_sqlite: Engine, fresh: Engine, exported: Path
) -> None:
    with Session(fresh) as session:
        for row in session.exec(select(Staff).where(Staff.role == StaffRole.PROVIDER)):
            row.active = False
            session.add(row)
        session.commit()
    report = import_file(fresh, exported)
    refused = [o for o in report.rejected if o.resource_type == "Task"]
    follow_ups = [i for i in open_items(demo_sqlite) if i.type is ItemType.FOLLOW_UP]
    assert len(refused) == len(follow_ups)
    assert all("not one of the clinic's providers" in o.reason for o in refused)
    assert len(open_items(fresh)) == len(open_items(demo_sqlite)) - len(follow_ups)


def test_without_a_signed_in_importer_no_item_comes_in(fresh: Engine, exported: Path) -> None:
    report = import_file(fresh, exported, staff_id=None)
    assert open_items(fresh) == []
    assert all(
        "sign in to import" in o.reason for o in report.rejected if o.resource_type == "Task"
    )
    assert room_board(fresh)  # rooms need no one: "FHIR import" moved them


def test_a_referral_sent_alone_is_new_work_once(fresh: Engine, tmp_path: Path) -> None:
    patient = {
        "resourceType": "Patient",
        "id": "p1",
        "identifier": [{"system": "urn:ma-tui:mrn", "value": "7000001"}],
        "name": [{"family": "Whitfield", "given": ["Dana"]}],
        "gender": "female",
        "birthDate": "1968-04-12",
    }
    referral = {
        "resourceType": "ServiceRequest",
        "id": "ref-1",
        "identifier": [{"system": "urn:oid:1.2.3", "value": "R-778"}],
        "status": "active",
        "intent": "order",
        "category": [{"coding": [{"system": "http://snomed.info/sct", "code": "3457005"}]}],
        "code": {"text": "Referral to Cardiology"},
        "subject": {"reference": "Patient/p1"},
        "performer": [{"display": "Dr. Amal Haddad"}],
        "performerType": {"text": "Cardiology"},
        "reasonCode": [{"text": "exertional chest pain"}],
    }
    path = tmp_path / "referral.json"
    entries = [
        {"fullUrl": f"urn:uuid:{n}", "resource": r} for n, r in enumerate((patient, referral))
    ]
    path.write_text(json.dumps({"resourceType": "Bundle", "type": "collection", "entry": entries}))
    report = import_file(fresh, path)
    assert _outcomes(report, "ServiceRequest") == Counter({"created": 1})
    (item,) = open_items(fresh)
    assert (item.type, item.status, item.details.specialist) == (
        ItemType.REFERRAL,
        Status.NEW,
        "Dr. Amal Haddad",
    )
    with Session(fresh) as session:
        assert session.exec(select(WorklistItem.source_id)).all() == ["urn:oid:1.2.3|R-778"]
        assert session.exec(select(col(WorklistItem.id))).all()
    again = import_file(fresh, path)
    assert _outcomes(again, "ServiceRequest") == Counter({"unchanged": 1})
    assert len(open_items(fresh)) == 1


# ------------------------------------------------------------------ any input


JSONISH = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=2) | st.dictionaries(st.text(max_size=6), inner, max_size=2)
    ),
    max_leaves=6,
)
SEED = {
    "resourceType": "Patient",
    "id": "p9",
    "identifier": [{"system": "urn:ma-tui:mrn", "value": "P-9"}],
    "name": [{"family": "Quintero", "given": ["Rosalind"]}],
    "gender": "female",
    "birthDate": "2010-06-02",
}
REFILL = {
    "resourceType": "MedicationRequest",
    "id": "mr-1",
    "status": "draft",
    "intent": "proposal",
    "medicationCodeableConcept": {"text": "metformin 500 mg"},
    "subject": {"reference": "Patient/p9"},
    "dispenseRequest": {"performer": {"display": "Main St Pharmacy"}},
}
TASK = {
    "resourceType": "Task",
    "id": "t-1",
    "status": "requested",
    "intent": "order",
    "focus": {"reference": "MedicationRequest/mr-1"},
    "for": {"reference": "Patient/p9"},
    "restriction": {"period": {"end": "2026-03-10T17:00:00+00:00"}},
}
ROOM = {
    "resourceType": "Location",
    "id": "loc-1",
    "name": "Exam 9",
    "status": "active",
    "operationalStatus": {"system": "http://terminology.hl7.org/CodeSystem/v2-0116", "code": "U"},
}
FUZZED = {
    "Task": (
        TASK,
        ["status", "focus", "for", "restriction", "identifier", "businessStatus", "code"],
    ),
    "MedicationRequest": (
        REFILL,
        ["status", "intent", "medicationCodeableConcept", "dispenseRequest"],
    ),
    "Location": (ROOM, ["name", "status", "operationalStatus", "type", "description"]),
}


@st.composite
def fuzzed(draw: st.DrawFn) -> list[JSON]:
    """The refill's Task, its focus and a room, a few fields of one of them changed."""
    kind = draw(st.sampled_from(sorted(FUZZED)))
    base, fields = FUZZED[kind]
    changes = draw(st.lists(st.tuples(st.sampled_from(fields), JSONISH), min_size=1, max_size=3))
    changed = {**base, **dict(changes)}
    return [changed if r is base else r for r in (REFILL, TASK, ROOM)]


def test_any_worklist_or_room_resource_gives_one_outcome_and_a_refusal_writes_nothing() -> None:
    engine = memory_engine()  # one for all examples: each compares the rows before and after
    upgrade(engine)
    with Session(engine) as session:
        session.add(Staff(username="kim", display_name="Kim Ortega", role=StaffRole.MA))
        session.commit()
    context = ImportContext(
        mrn_system="urn:ma-tui:mrn", now=CLINIC_NOW, staff_id=_kim(engine), keep_every_outcome=True
    )
    import_resources(engine, lambda: [ReadItem("seed", SEED)], context)

    @settings(max_examples=40, deadline=None)
    @given(fuzzed())
    def check(resources: list[JSON]) -> None:
        with Session(engine) as session:  # each example starts from no item and no room
            for model in (WorklistEvent, WorklistItem, RoomEvent, RoomRow):
                for row in session.exec(select(model)):
                    session.delete(row)
            session.commit()
        read = [ReadItem(f"fuzz {n}", r) for n, r in enumerate(resources)]
        report = import_resources(engine, lambda: read, context)
        assert sorted(o.where for o in report.outcomes) == [r.where for r in read]
        for outcome in report.rejected:
            assert "\n" not in outcome.reason
            assert len(outcome.reason) <= REASON_MAX
        task = next(o for o in report.outcomes if o.resource_type == "Task" or o.where == "fuzz 1")
        if task.action != "created":
            assert _rows(engine, WorklistItem) == 0

    try:
        check()
    finally:
        engine.dispose()
