"""The demo's visits: each encounter, the status history it went through, and what
the front desk and the MA did with it (booking, opening the chart, vitals, signing).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from ma_tui.core.ages import age_in_years
from ma_tui.core.audit import AuditAction
from ma_tui.data.models.visits import Encounter, EncounterStatus, EncounterStatusChange
from ma_tui.demo.build import Build
from ma_tui.demo.shapes import PATH, Contact, Visit
from ma_tui.demo.staff import FRONT_DESK
from ma_tui.demo.vitals import add_vitals

_IN_A_ROOM = {
    EncounterStatus.ROOMING,
    EncounterStatus.READY_FOR_PROVIDER,
    EncounterStatus.WITH_PROVIDER,
}

# The demo's booked slots: new patients get half an hour, other visits a quarter.
_SLOT_MINUTES = {"new patient": 30}

# (status reached, when, by whom): a visit's status history.
Timeline = list[tuple[EncounterStatus, datetime, int]]


def add_encounter(
    build: Build, patient_id: int, born: date, visit: Visit, on: date, booked: datetime
) -> Contact | None:
    """Add one encounter with its timeline; returns the MA's contact if it was roomed."""
    if visit.vitals is not None and not visit.signed:
        raise ValueError(f"demo visit at {visit.at} has vitals but was not signed")
    ma = build.staff[visit.ma]
    changes = _timeline(build, visit, on, booked)
    roomed = changes[2][1] if visit.roomed else None
    signed = changes[3][1] if visit.signed else None
    status = visit.status
    scheduled_at = build.day.local(on, visit.at)
    encounter_id = build.add(
        Encounter(
            patient_id=patient_id,
            scheduled_at=scheduled_at,
            scheduled_minutes=_SLOT_MINUTES.get(visit.visit_type, 15),
            provider_id=build.staff[visit.provider],
            visit_type=visit.visit_type,
            room=visit.room if status in _IN_A_ROOM else None,
            status=status,
            status_changed_at=changes[-1][1],
            chief_complaint=visit.complaint,
            identity_confirmed_at=roomed + timedelta(minutes=1) if roomed else None,
            identity_confirmed_by_id=ma if roomed else None,
            signed_at=signed,
            signed_by_id=ma if signed else None,
            created_at=booked,
        )
    )
    for status_reached, at, by in changes:
        build.session.add(
            EncounterStatusChange(
                encounter_id=encounter_id,
                status=status_reached,
                changed_at=at,
                changed_by_id=by,
            )
        )
    booking = {"scheduled_at": scheduled_at, "visit_type": visit.visit_type}
    build.trail.note(
        booked,
        AuditAction.CREATE,
        build.staff[FRONT_DESK],
        patient_id,
        entity="encounter",
        entity_id=encounter_id,
        detail=booking,
    )
    if roomed is None:
        return None
    _room(build, patient_id, encounter_id, born, visit, on, roomed, signed)
    return Contact(encounter_id, roomed, visit.ma)


def _timeline(build: Build, visit: Visit, on: date, booked: datetime) -> Timeline:
    """Booked by the front desk, then ended (cancelled, no-show) or along the usual path."""
    desk = build.staff[FRONT_DESK]
    changes: Timeline = [(EncounterStatus.SCHEDULED, booked, desk)]
    if visit.ended is not None:
        changes.append((visit.ended, build.day.local(on, visit.at, visit.steps[0]), desk))
        return changes
    ma = build.staff[visit.ma]
    provider = build.staff[visit.provider]
    who = {
        EncounterStatus.ARRIVED: desk,
        EncounterStatus.ROOMING: ma,
        EncounterStatus.READY_FOR_PROVIDER: ma,
        EncounterStatus.WITH_PROVIDER: provider,
        EncounterStatus.CHECKED_OUT: desk,
    }
    for status, minute in zip(PATH, visit.steps, strict=False):
        changes.append((status, build.day.local(on, visit.at, minute), who[status]))
    return changes


def _room(
    build: Build,
    patient_id: int,
    encounter_id: int,
    born: date,
    visit: Visit,
    on: date,
    roomed: datetime,
    signed: datetime | None,
) -> None:
    """The MA opens the chart, takes the vitals and, if handed on, signs the rooming."""
    ma = build.staff[visit.ma]
    build.trail.note(
        roomed, AuditAction.VIEW, ma, patient_id, entity="encounter", entity_id=encounter_id
    )
    vitals = 0
    if visit.vitals is not None:
        age = age_in_years(born, on)
        taken = roomed + timedelta(minutes=4)
        vitals = add_vitals(
            build, patient_id, encounter_id, visit.vitals, taken, ma, adult=age >= 18, oral=age >= 4
        )
    if signed is not None:
        handed_on = {"status": EncounterStatus.READY_FOR_PROVIDER, "observations": vitals}
        build.trail.note(
            signed,
            AuditAction.SIGN,
            ma,
            patient_id,
            entity="encounter",
            entity_id=encounter_id,
            detail=handed_on,
        )
