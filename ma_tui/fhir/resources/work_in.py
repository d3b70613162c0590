"""The worklist and the room board from FHIR: a Task with its focus (and a booked
follow-up's Appointment), a referral's ServiceRequest sent alone, a room's Location.

The importer (``ma_tui.fhir.importer``) gathers a Task's parts and hands them here
together; ``ma_tui.worklist.fhir_import`` reads them into an item (its refusals
become the report's reason) and this module stores it with its import event.

Importing again adds nothing. An item is found by the resource it came in as
(``source_id``: the sender's own identifier, else ``Task/<id>``: ma-tui makes its
resource ids from its clinic's id, so they differ from clinic to clinic), or, sent
back to the database that exported it, as the item it was; a room by its name.
What is already here is left as the MA has it: an import adds work, it never moves
work on.

A room's state is taken as sent, except an occupied room: who is in it does not
travel with a Location, so it comes in needing turnover (cleaned before anyone uses
it), said in the report.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import Any

from sqlmodel import col, select

from ma_tui.core.errors import InvalidInput
from ma_tui.data.catalogs.room_types import RoomType, room_types
from ma_tui.data.models.patients import Patient
from ma_tui.data.models.rooms import Room as RoomRow
from ma_tui.data.models.staff import Staff
from ma_tui.data.models.visits import Encounter, EncounterStatus
from ma_tui.data.models.worklist import WorklistItem
from ma_tui.fhir import codes
from ma_tui.fhir.report import REASON_MAX
from ma_tui.fhir.resources.appointment import create_visit, provider_id_named
from ma_tui.fhir.resources.incoming import (
    ImportWork,
    PatientRef,
    Result,
    audit_import,
    patient_of,
    source_id,
)
from ma_tui.fhir.resources.values import Rejected, clean, obj, objs, shortened, string
from ma_tui.rooms import board
from ma_tui.rooms.board import STATE_DISPLAY, RoomState
from ma_tui.rooms.fhir import LocationError, state_from_location
from ma_tui.rooms.store import save_room
from ma_tui.worklist import items
from ma_tui.worklist.fhir import ITEM_SYSTEM, REFERRAL_CATEGORY
from ma_tui.worklist.fhir_import import (
    FINISHED_TASK,
    item_from_fhir,
    referral_from_service_request,
)
from ma_tui.worklist.followup import FollowUp
from ma_tui.worklist.items import TYPE_DISPLAY, WorkItem
from ma_tui.worklist.store import load_actor, save_item

JSON = dict[str, Any]

# An imported item the sender gave no due time: the MA looks at it within a day.
IMPORTED_DUE = timedelta(days=1)
_ITEM_FIELDS = ["created_at", "details", "due", "item_type", "patient_id", "status"]
_ROOM_FIELDS = ["name", "room_type", "state"]


# ------------------------------------------------------------------ the worklist


def is_referral(resource: JSON) -> bool:
    """A ServiceRequest of category SNOMED CT 3457005 "Patient referral"."""
    return any(
        coding.get("system") == REFERRAL_CATEGORY["system"]
        and coding.get("code") == REFERRAL_CATEGORY["code"]
        for category in objs(resource.get("category"))
        for coding in objs(category.get("coding"))
    )


def task_from_fhir(work: ImportWork, task: JSON, focus: JSON | None, booked: JSON | None) -> Result:
    """The worklist item a Task and its focus describe (``booked``: a follow-up's
    Appointment), added unless it is already on the worklist."""
    patient = patient_of(work, task.get("for"), "for")
    status = string(task.get("status")) or ""
    if status in FINISHED_TASK:
        return Result("skipped", f"the Task is {status}: there is nothing left to do")
    source = _task_source(task)
    label = f"Task MRN {patient.mrn}"
    existing = _own_item(work, task) or _item_from(work, source)
    if existing is not None:
        return _already(existing, patient, label)
    if focus is None:
        reference = string((obj(task.get("focus")) or {}).get("reference")) or "none"
        raise Rejected(f"its focus ({shortened(reference, 80)}) is not in this import")
    try:
        item = item_from_fhir(
            task,
            focus,
            _patient(work, patient),
            by=_importer(work),
            at=work.context.now,
            default_due=work.context.now + IMPORTED_DUE,
            provider_ids=_provider_ids(work, focus),
            appointment=booked,
        )
    except InvalidInput as refused:
        raise Rejected(shortened(str(refused), REASON_MAX)) from refused
    label = f"{TYPE_DISPLAY[item.type]} MRN {patient.mrn}"
    _store(work, item, source)
    return Result("created", _put_on_schedule(work, patient, item), label)


def referral_from_fhir(work: ImportWork, request: JSON) -> Result:
    """A referral an EHR sends as its ServiceRequest alone, added unless already here."""
    patient = patient_of(work, request.get("subject"), "subject")
    status = string(request.get("status")) or ""
    if status not in ("draft", "active"):
        return Result("skipped", f"the referral is {status}: there is nothing to do")
    source = source_id(request, "ServiceRequest")
    if source is None:
        raise Rejected("no identifier or id: importing it again would add it twice")
    label = f"Referral MRN {patient.mrn}"
    existing = _item_from(work, source)
    if existing is not None:
        return _already(existing, patient, label)
    now = work.context.now
    try:
        item = referral_from_service_request(
            request, _patient(work, patient), by=_importer(work), at=now, due=now + IMPORTED_DUE
        )
    except InvalidInput as refused:
        raise Rejected(shortened(str(refused), REASON_MAX)) from refused
    _store(work, item, source)
    return Result("created", "", label)


def _task_source(task: JSON) -> str:
    """The sender's identifier, else ``Task/<id>``; never ma-tui's item number alone,
    which another ma-tui clinic has too."""
    theirs = [i for i in objs(task.get("identifier")) if i.get("system") != ITEM_SYSTEM]
    source = source_id({**task, "identifier": theirs}, "Task")
    if source is None:
        raise Rejected("no identifier or id: importing it again would add it twice")
    return source


def _own_item(work: ImportWork, task: JSON) -> WorklistItem | None:
    """The item this database exported the Task from (its id is made from ours)."""
    clinic_id = work.run.clinic_id
    if clinic_id is None:
        return None
    for identifier in objs(task.get("identifier")):
        value = string(identifier.get("value")) or ""
        if identifier.get("system") == ITEM_SYSTEM and value.isdigit():
            # The Task is the item's second resource, after its focus (worklist_to_fhir).
            expected = codes.resource_uuid(clinic_id, "WorklistItem", f"{value}.2")
            if task.get("id") == expected:
                return work.session.get(WorklistItem, int(value))
    return None


def _item_from(work: ImportWork, source: str) -> WorklistItem | None:
    return work.session.exec(
        select(WorklistItem).where(WorklistItem.source_id == source).order_by(col(WorklistItem.id))
    ).first()


def _already(existing: WorklistItem, patient: PatientRef, label: str) -> Result:
    if existing.patient_id != patient.id:
        raise Rejected("this item is already on the worklist for another patient")
    return Result("unchanged", "", label)


def _importer(work: ImportWork) -> items.Actor:
    """Who the item's first history line names: whoever signed in for the import."""
    staff_id = work.context.staff_id
    if staff_id is None:
        raise Rejected("a worklist item is imported by a staff member: sign in to import")
    return load_actor(work.session, staff_id)


def _patient(work: ImportWork, patient: PatientRef) -> items.PatientRef:
    row = work.session.get(Patient, patient.id)
    assert row is not None, "patient_of found it"
    return items.PatientRef(patient.id, f"{row.given_name} {row.family_name}")


def _provider_ids(work: ImportWork, focus: JSON) -> dict[str, int]:
    """The follow-up's provider (the focus's performer) as a provider on staff here."""
    found: dict[str, int] = {}
    for performer in objs(focus.get("performer"))[:1]:
        name = clean(performer.get("display"))
        staff_id = provider_id_named(work, name) if name else None
        if name and staff_id is not None:
            found[" ".join(name.split())] = staff_id
    return found


def _store(work: ImportWork, item: WorkItem[Any], source: str) -> None:
    item_id = save_item(work.session, item, source_id=source)
    row = work.session.get(WorklistItem, item_id)
    assert row is not None
    audit_import(work, row, item.patient.patient_id, _ITEM_FIELDS)


def _put_on_schedule(work: ImportWork, patient: PatientRef, item: WorkItem[Any]) -> str:
    """A booked follow-up holds its visit on the schedule, as booking it here does;
    the visit its own Appointment brought (earlier in the import) is not made twice."""
    details = item.details
    if not isinstance(details, FollowUp) or details.booked is None:
        return ""
    slot = details.booked
    visit = work.session.exec(
        select(Encounter).where(
            Encounter.patient_id == patient.id,
            Encounter.provider_id == slot.provider_id,
            Encounter.scheduled_at == slot.start,
        )
    ).first()
    if visit is not None:
        return ""
    values = {
        "scheduled_at": slot.start,
        "scheduled_minutes": slot.minutes,
        "provider_id": slot.provider_id,
        "visit_type": "follow-up",
        "status": EncounterStatus.SCHEDULED,
    }
    create_visit(work, patient, values, None)
    return "its booked visit put on the schedule"


# ------------------------------------------------------------------ rooms


def location_from_fhir(work: ImportWork, resource: JSON) -> Result:
    """A room on the board, as the Location says, unless the board has it already."""
    try:
        found = state_from_location(resource)
    except LocationError as refused:
        raise Rejected(shortened(str(refused), REASON_MAX)) from refused
    occupied = found.state is RoomState.OCCUPIED
    state = RoomState.TURNOVER if occupied else found.state
    label = shortened(f"Location {found.name}", 60)
    row = work.session.exec(select(RoomRow).where(RoomRow.name == found.name)).first()
    if row is not None:
        if row.state == state.value:
            return Result("unchanged", "", label)
        now_is = STATE_DISPLAY[RoomState(row.state)]
        return Result("skipped", f"already on the board, {now_is}: not changed", label)
    kind, remark = _room_type(found.room_type, found.type_text)
    try:
        room = board.new_room(found.name, kind.key, room_types(), work.context.now, _by(work))
    except InvalidInput as refused:
        raise Rejected(str(refused)) from refused
    if state is RoomState.OUT_OF_SERVICE:
        reason = found.description[: board.MAX_REASON] or "out of service where it came from"
        room = replace(room, state=state, reason=reason)
    elif state is not RoomState.READY:
        room = replace(room, state=state)
    stored = work.session.get(RoomRow, save_room(work.session, room))
    assert stored is not None
    audit_import(work, stored, None, _ROOM_FIELDS)
    if occupied:
        remark = "occupied where it came from (who is in it is not sent): needs turnover"
    return Result("created", remark, label)


def _room_type(key: str, text: str) -> tuple[RoomType, str]:
    """The room type the Location names (ma-tui's key, else its name), else the
    catalog's first, said in the report."""
    types = room_types().types
    wanted = " ".join(text.casefold().split())
    for kind in types:
        if kind.key == key or (wanted and kind.name.casefold() == wanted):
            return kind, ""
    return types[0], f"no room type ma-tui knows: set up as {types[0].name.lower()}"


def _by(work: ImportWork) -> str:
    staff_id = work.context.staff_id
    staff = work.session.get(Staff, staff_id) if staff_id is not None else None
    return staff.display_name if staff is not None else "FHIR import"
