"""Appointment: a visit on the schedule (ma-tui's Encounter row), both ways.

Out, a visit that was booked (not a walk-in, its slot's length known) is sent as
its Appointment beside the Encounter. In, an Appointment puts a visit on the
schedule, or moves one still scheduled; a visit that has moved on (arrived,
roomed, signed) is left as it is. The provider is the ma-tui provider of the same
name, or none, with a remark.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import col, select

from ma_tui.data.models.staff import Staff, StaffRole
from ma_tui.data.models.visits import Encounter, EncounterStatus, EncounterStatusChange
from ma_tui.fhir import codes
from ma_tui.fhir.resources.incoming import (
    PATIENT_TAIL,
    ImportRun,
    ImportWork,
    PatientRef,
    Result,
    audit_import,
    changed,
    mrn_value,
    own_row_id,
    patient_of,
    reference_keys,
    source_id,
)
from ma_tui.fhir.resources.outgoing import ExportRun, instant
from ma_tui.fhir.resources.values import (
    Rejected,
    clean,
    column_text,
    obj,
    objs,
    read_instant,
    shortened,
    shown,
    string,
    whole_number,
)

JSON = dict[str, Any]

# An Appointment participant that is a place or a thing, never the provider.
_NOT_A_PROVIDER = frozenset({"Patient", "Location", "Device", "HealthcareService", "RelatedPerson"})
_REFERENCE_TYPE = re.compile(r"(?:^|/)([A-Z][A-Za-z]+)/[A-Za-z0-9\-.]{1,64}(?:/_history/[^/]*)?$")
_DOCTOR = re.compile(r"^dr(?:\.\s*|\s+)")


# ----------------------------------------------------------------- to FHIR


def was_booked(encounter: Encounter) -> bool:
    """A visit exported with its Appointment: booked, with the slot's length known
    (FHIR wants a booked appointment's end beside its start; ma-tui never makes one up)."""
    return not encounter.walk_in and encounter.scheduled_minutes is not None


def to_fhir(run: ExportRun, encounter: Encounter, subject: JSON) -> JSON:
    if encounter.source_id:
        identifier = codes.identifier_from_source(encounter.source_id)
    else:
        identifier = {"system": codes.local_system("appointment"), "value": str(encounter.id)}
    provider = run.staff_display(encounter.provider_id)
    minutes = encounter.scheduled_minutes
    assert minutes is not None
    return {
        "resourceType": "Appointment",
        "id": run.id("Appointment", encounter.id),
        "identifier": [identifier],
        "status": codes.APPOINTMENT_STATUS_OUT[encounter.status],
        "appointmentType": {"text": encounter.visit_type},
        "start": instant(encounter.scheduled_at),
        "end": instant(encounter.scheduled_at + timedelta(minutes=minutes)),
        "minutesDuration": minutes,
        "participant": [
            {"actor": subject, "status": "accepted"},
            {"actor": provider, "status": "accepted"} if provider else None,
        ],
    }


# --------------------------------------------------------------- from FHIR


def from_fhir(work: ImportWork, resource: JSON) -> Result:
    status_code = string(resource.get("status")) or ""
    if status_code not in codes.APPOINTMENT_STATUS_IN:
        raise Rejected(f"unknown appointment status {shown(status_code)}")
    status = codes.APPOINTMENT_STATUS_IN[status_code]
    if status is None:
        return Result("skipped", f"appointment is {status_code}: not a visit to room")
    start = string(resource.get("start"))
    if not start:
        raise Rejected("no start time")
    scheduled_at = read_instant(start, "start")
    source = source_id(resource, "Appointment")
    if source is None:
        raise Rejected("no identifier or id: importing it again would duplicate the visit")
    patient = _appointment_patient(work, resource)
    provider_id, remark = _appointment_provider(work, resource)
    visit_type = column_text(_visit_type(resource), Encounter, "visit_type", "appointmentType")
    values: dict[str, Any] = {
        "scheduled_at": scheduled_at,
        "scheduled_minutes": _slot_minutes(resource, scheduled_at),
        "provider_id": provider_id,
        "visit_type": visit_type or "follow-up",
        "status": status,
    }
    local = scheduled_at.astimezone(work.context.now.tzinfo)
    label = f"Appointment {local:%Y-%m-%d %H:%M} MRN {patient.mrn}"
    existing = _matching_visit(work, resource, source)
    if existing is None:
        create_visit(work, patient, values, source)
        return Result("created", remark, label)
    if existing.patient_id != patient.id:
        raise Rejected("this appointment is already on the schedule for another patient")
    return _update_visit(work, existing, values, remark, label)


def _slot_minutes(resource: JSON, start: datetime) -> int | None:
    """The booked slot's length: minutesDuration, else end - start (to the nearest minute)."""
    minutes = whole_number(resource.get("minutesDuration"))
    if minutes is not None:
        return minutes
    end = string(resource.get("end"))
    if not end:
        return None
    length = round((read_instant(end, "end") - start).total_seconds() / 60)
    if length <= 0:
        raise Rejected(f"end {shown(end)} is not after start")
    return length


def _names_a_patient(run: ImportRun, actor: JSON) -> bool:
    """True when an Appointment participant is the patient (or claims to be one)."""
    if actor.get("type") == "Patient":
        return True
    text = string(actor.get("reference")) or ""
    keys = reference_keys(text) if text else []
    if any(key in run.patient_keys or key in run.rejected_patients for key in keys):
        return True
    if PATIENT_TAIL.search(text):
        return True
    return mrn_value(actor.get("identifier"), run.context.mrn_system) is not None


def _appointment_patient(work: ImportWork, resource: JSON) -> PatientRef:
    for participant in objs(resource.get("participant")):
        actor = obj(participant.get("actor"))
        if actor is not None and _names_a_patient(work.run, actor):
            return patient_of(work, actor, "participant.actor")
    raise Rejected("no patient among the participants (participant.actor)")


def _appointment_provider(work: ImportWork, resource: JSON) -> tuple[int | None, str]:
    """The ma-tui provider named by a participant, or None and a remark saying why."""
    names = _provider_names(work.run, resource)
    for name in names:
        staff_id = provider_id_named(work, name)
        if staff_id is not None:
            return staff_id, ""
    if not names:
        return None, ""
    named = shortened(names[0], 60)
    return None, f"imported without a provider: '{named}' is not a ma-tui user"


def _provider_names(run: ImportRun, resource: JSON) -> list[str]:
    """The display names of the participants that may be the provider."""
    names: list[str] = []
    for participant in objs(resource.get("participant")):
        actor = obj(participant.get("actor"))
        if actor is None or _names_a_patient(run, actor) or not _may_be_provider(actor):
            continue
        display = clean(actor.get("display"))
        if display:
            names.append(display)
    return names


def _may_be_provider(actor: JSON) -> bool:
    if actor.get("type") in _NOT_A_PROVIDER:
        return False
    typed = _REFERENCE_TYPE.search(string(actor.get("reference")) or "")
    return typed is None or typed.group(1) not in _NOT_A_PROVIDER


def provider_id_named(work: ImportWork, name: str) -> int | None:
    """The active ma-tui provider of this name ("Dr." and case aside), if any."""
    wanted = _person_key(name)
    return next((sid for sid, key in _providers(work) if key == wanted), None)


def _providers(work: ImportWork) -> list[tuple[int, str]]:
    """Active providers' ids and name keys, read once per import: each by their name,
    and by their name with credentials ("Lena Chen, MD"), as ma-tui's worklist writes it."""
    if work.run.providers is None:
        rows = work.session.exec(
            select(Staff).where(Staff.role == StaffRole.PROVIDER, col(Staff.active).is_(True))
        ).all()
        work.run.providers = [
            (row.id, _person_key(name))
            for row in rows
            if row.id is not None
            for name in (row.display_name, f"{row.display_name}, {row.credentials}")
            if name == row.display_name or row.credentials
        ]
    return work.run.providers


def _person_key(name: str) -> str:
    """A name as compared: case and spacing ignored, and a leading "Dr." too."""
    return _DOCTOR.sub("", " ".join(name.casefold().split()))


def _visit_type(resource: JSON) -> str | None:
    kind = codes.concept_text(resource.get("appointmentType"))
    if kind is None:
        services = objs(resource.get("serviceType"))
        kind = codes.concept_text(services[0]) if services else None
    return kind


def _matching_visit(work: ImportWork, resource: JSON, source: str) -> Encounter | None:
    own = own_row_id(work, resource, "appointment")
    if own is not None:
        visit = work.session.get(Encounter, own)
        if visit is not None:
            return visit
    return work.session.exec(
        select(Encounter).where(Encounter.source_id == source).order_by(col(Encounter.id))
    ).first()


def create_visit(
    work: ImportWork, patient: PatientRef, values: Mapping[str, Any], source: str | None
) -> None:
    """A visit on the schedule, with its first status change and its import event."""
    now = work.context.now
    visit = Encounter(
        patient_id=patient.id, status_changed_at=now, created_at=now, source_id=source, **values
    )
    work.session.add(visit)
    work.session.flush()
    _status_change(work, visit)
    audit_import(work, visit, patient.id, sorted(k for k, v in values.items() if v is not None))


def _update_visit(
    work: ImportWork, visit: Encounter, values: Mapping[str, Any], remark: str, label: str
) -> Result:
    """A visit still scheduled follows the EHR; one that has moved on is left alone."""
    differing = changed(visit, values)
    if not differing:
        return Result("unchanged", label=label)
    if visit.status != EncounterStatus.SCHEDULED or visit.signed_at is not None:
        status = EncounterStatus(visit.status).label.lower()
        return Result("skipped", f"visit already {status}; not changed", label)
    for name in differing:
        setattr(visit, name, values[name])
    if "status" in differing:
        visit.status_changed_at = work.context.now
        _status_change(work, visit)
    work.session.add(visit)
    work.session.flush()
    audit_import(work, visit, visit.patient_id, differing)
    return Result("updated", remark, label)


def _status_change(work: ImportWork, visit: Encounter) -> None:
    assert visit.id is not None
    work.session.add(
        EncounterStatusChange(
            encounter_id=visit.id,
            status=visit.status,
            changed_at=work.context.now,
            changed_by_id=work.context.staff_id,
        )
    )
