"""Rooming one visit: the draft the MA builds, saved as they go, and signing it.

The draft holds everything entered but not yet signed. It is saved to the
database (``rooming_draft``) each time the MA leaves a field, as typed, and each
time they move between steps, so a closed terminal, a killed process or a power
cut loses at most the field being typed; ``unfinished_visits`` lists what a
terminal left unfinished, to offer it again when ma-tui starts. Signing writes the
whole draft out in one transaction and moves the visit to "ready for provider";
after that a value is corrected only by marking it entered-in-error and adding the
right one.

A draft belongs to the MA who opened it (its ``holder``): another terminal that
opens, saves or signs it gets ``VisitInUse``, which says who has it and since when.
"""

from __future__ import annotations

import getpass
import socket
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, Field
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from ma_tui.core.ages import format_age
from ma_tui.data.audit import AuditAction, current_os_user, record
from ma_tui.data.catalogs import HPI_FIELDS
from ma_tui.data.models.history import (
    Allergy,
    Condition,
    FamilyHistory,
    HistoryEntry,
    HistoryReview,
    HistorySection,
    Medication,
    MedicationStatus,
    Procedure,
    SocialHistory,
)
from ma_tui.data.models.observations import Observation, ObservationStatus
from ma_tui.data.models.patients import Coverage, Patient
from ma_tui.data.models.visits import (
    Encounter,
    EncounterStatus,
    EncounterStatusChange,
    RoomingDraft,
)
from ma_tui.data.store import in_one_transaction, retry_on_busy
from ma_tui.patients.chart import Chart
from ma_tui.visits.queue import local_day_bounds

_T = TypeVar("_T")

Step = Literal["checkin", "vitals", "history", "complaint", "review"]
STEPS: tuple[Step, ...] = ("checkin", "vitals", "history", "complaint", "review")
STEP_TITLES: dict[Step, str] = {
    "checkin": "Check-in",
    "vitals": "Vitals",
    "history": "History",
    "complaint": "Chief complaint",
    "review": "Review & sign",
}
DEMOGRAPHIC_FIELDS = (
    "phone",
    "email",
    "address_line",
    "city",
    "state",
    "postal_code",
    "preferred_language",
    "guardian_name",
    "guardian_relationship",
    "guardian_phone",
)
COVERAGE_FIELDS = ("payer", "member_id", "group_number")
# The HPI's free-text fields; severity is a number, kept apart in ``hpi_severity``.
HPI_TEXT_FIELDS = tuple(name for name in HPI_FIELDS if name != "severity")
HISTORY_MODELS: dict[HistorySection, type[HistoryEntry]] = {
    HistorySection.MEDICAL: Condition,
    HistorySection.SURGICAL: Procedure,
    HistorySection.FAMILY: FamilyHistory,
    HistorySection.SOCIAL: SocialHistory,
    HistorySection.MEDICATIONS: Medication,
    HistorySection.ALLERGIES: Allergy,
}
# Statuses from which opening a visit starts rooming it.
ROOMABLE = frozenset({EncounterStatus.SCHEDULED, EncounterStatus.ARRIVED, EncounterStatus.ROOMING})
HOLDER_MAX = 200  # RoomingDraft.holder's length
CONFIRMATION_MAX = 300  # Observation.confirmation's length


class SignError(Exception):
    """The visit cannot be signed yet; ``problems`` says what is missing."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


class VisitInUse(ValueError):
    """Another MA is rooming this visit; their draft is theirs alone.

    The message reads on after "Cannot room this visit: ", e.g. "being roomed by
    mia@exam-pc-3 since 09:12", the time in the clinic's local time (``now``'s zone).
    """

    def __init__(self, holder: str, since: datetime | None, now: datetime) -> None:
        self.holder = holder
        self.since = since
        when = ""
        if since is not None:
            local = since.astimezone(now.tzinfo)
            same_day = local.date() == now.astimezone(now.tzinfo).date()
            when = f" since {local:%H:%M}" if same_day else f" since {local:%m/%d/%Y %H:%M}"
        super().__init__(f"being roomed by {holder}{when}")


def current_holder() -> str:
    """Who rooms from this terminal: its operating-system user and host, until staff
    sign-in exists. The same user on the same host resumes their own drafts."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):  # no login name and no passwd entry
        user = "unknown"
    return f"{user}@{socket.gethostname()}"[:HOLDER_MAX]


class VitalEntry(BaseModel):
    """One value entered on the vitals screen (or one value not obtained)."""

    code: str
    value_entered: str | None = None
    unit_entered: str | None = None
    value: float | None = None
    unit: str | None = None
    interpretation: str | None = None
    position: str | None = None
    site: str | None = None
    method: str | None = None
    o2_flow_l_min: float | None = None
    reading_group: str | None = None
    not_obtained_reason: str | None = None
    taken_at: datetime
    confirmation: str | None = None  # why the MA had to confirm it (implausible, delta...)


class NewHistoryEntry(BaseModel):
    """A history entry added during this visit; ``fields`` are the model's columns."""

    section: HistorySection
    fields: dict[str, Any]


class HistoryForm(BaseModel):
    """The history add-form as last left: typed, not yet added to ``new_entries``."""

    section: HistorySection
    values: list[str]  # one per field of the section's form, as typed
    editing: str | None = None  # the row the form replaces (None: a new entry)


class VisitDraft(BaseModel):
    """Everything entered in a visit not yet signed.

    The fields up to ``room`` are what signing writes. The ones after it keep the
    screens as the MA left them, typed but not yet taken in (a check-in edit not yet
    confirmed, an entry half-typed in the history form, a severity not yet valid):
    signing never reads them, so a crash cannot sign anything unchecked.
    """

    encounter_id: int
    patient_id: int
    step: Step = "checkin"
    identity_confirmed_at: datetime | None = None
    demographics_confirmed: bool = False
    demographic_changes: dict[str, str | None] = Field(default_factory=dict)
    coverage_confirmed: bool = False
    coverage_changes: dict[str, str | None] = Field(default_factory=dict)
    vitals: list[VitalEntry] = Field(default_factory=list)
    # The vitals form as typed (ma_tui.vitals.entry.VitalsForm), saved as each field
    # is left; ``vitals_unsettled`` says what keeps it from ``vitals`` (an error, a
    # value awaiting its confirm), and while it does the visit cannot be signed.
    vitals_form: dict[str, Any] | None = None
    vitals_unsettled: str = ""
    reviewed: dict[HistorySection, bool] = Field(default_factory=dict)  # section -> none known
    new_entries: list[NewHistoryEntry] = Field(default_factory=list)
    medication_status: dict[int, MedicationStatus] = Field(default_factory=dict)
    # Stored entries found wrong in this visit: marked entered-in-error at signing.
    entered_in_error: dict[HistorySection, list[int]] = Field(default_factory=dict)
    chief_complaint: str = ""
    hpi: dict[str, str] = Field(default_factory=dict)
    hpi_severity: int | None = None
    room: str = ""  # the exam room the patient waits in for the provider
    # Where the MA was on ``step``: the id of the field that had the focus when the
    # draft was last saved there. Reopening the visit puts the cursor back on it.
    field: str | None = None
    # Check-in's demographic and insurance fields the MA edited, as last left (column
    # -> text), confirmed or not. Only ``demographic_changes``/``coverage_changes``
    # are signed.
    checkin_typed: dict[str, str] = Field(default_factory=dict)
    history_form: HistoryForm | None = None
    hpi_severity_text: str = ""  # severity as typed; ``hpi_severity`` once it is valid

    def entries(self, section: HistorySection) -> list[NewHistoryEntry]:
        return [entry for entry in self.new_entries if entry.section == section]

    def vitals_for(self, code: str) -> list[VitalEntry]:
        return [vital for vital in self.vitals if vital.code == code]


# ------------------------------------------------------------------ opening


def open_visit(
    session: Session,
    encounter_id: int,
    *,
    staff_id: int | None,
    now: datetime,
    holder: str | None = None,
) -> VisitDraft:
    """Resume the visit's draft, or start rooming it: the queue then shows "Rooming".

    ``holder`` (default: ``current_holder()``) claims the visit; while its draft is
    held by someone else, ``VisitInUse`` says who has it. Checking and claiming are
    one transaction, which on a shared SQLite file holds the write lock from its
    first read: two terminals opening the same visit at once cannot both get it.
    """
    who = current_holder() if holder is None else holder

    def claim() -> VisitDraft:
        encounter = session.get(Encounter, encounter_id)
        if encounter is None:
            raise LookupError(f"no visit {encounter_id}")
        stored = session.get(RoomingDraft, encounter_id)
        if stored is not None:
            _hold(session, stored, who, now)
            return VisitDraft.model_validate_json(stored.data)
        if EncounterStatus(encounter.status) not in ROOMABLE:
            raise ValueError(f"this visit is {EncounterStatus(encounter.status).label.lower()}")
        _move(session, encounter, EncounterStatus.ROOMING, staff_id, now)
        draft = VisitDraft(encounter_id=encounter_id, patient_id=encounter.patient_id)
        _store(session, draft, None, who, staff_id, now)
        return draft

    return in_one_transaction(session, claim)


def save_draft(
    session: Session,
    draft: VisitDraft,
    *,
    staff_id: int | None,
    now: datetime,
    holder: str | None = None,
) -> None:
    """Store the draft; ``VisitInUse`` (and nothing written) if another holds it."""
    who = current_holder() if holder is None else holder

    def write() -> None:
        stored = session.get(RoomingDraft, draft.encounter_id)
        if stored is not None:
            _hold(session, stored, who, now)
        _store(session, draft, stored, who, staff_id, now)

    in_one_transaction(session, write)


def _hold(session: Session, stored: RoomingDraft, holder: str, now: datetime) -> None:
    """Refuse a draft held by someone else; take one that nobody holds."""
    if stored.holder is None:
        stored.holder = holder
        stored.held_since = now
        session.add(stored)
    elif stored.holder != holder:
        raise VisitInUse(stored.holder, stored.held_since, now)


def _store(
    session: Session,
    draft: VisitDraft,
    stored: RoomingDraft | None,
    holder: str,
    staff_id: int | None,
    now: datetime,
) -> None:
    if stored is None:
        stored = RoomingDraft(
            encounter_id=draft.encounter_id, data="", holder=holder, held_since=now
        )
    stored.data = draft.model_dump_json()
    stored.owner_id = staff_id
    stored.updated_at = now
    session.add(stored)


def _move(
    session: Session,
    encounter: Encounter,
    status: EncounterStatus,
    staff_id: int | None,
    now: datetime,
) -> None:
    assert encounter.id is not None
    encounter.status = status
    encounter.status_changed_at = now
    session.add(encounter)
    session.add(
        EncounterStatusChange(
            encounter_id=encounter.id, status=status, changed_at=now, changed_by_id=staff_id
        )
    )


@dataclass(frozen=True)
class UnfinishedVisit:
    """A visit this terminal started rooming today and has not signed."""

    encounter_id: int
    family_name: str
    given_name: str
    birth_date: date
    step: Step
    saved_at: datetime

    def describe(self, now: datetime) -> str:
        """``Dana Whitfield, 58 y — stopped at Vitals, 09:14`` (``now``'s local time)."""
        today = now.date()
        age = format_age(self.birth_date, today) if self.birth_date <= today else "?"
        saved = self.saved_at.astimezone(now.tzinfo)
        when = f"{saved:%H:%M}" if saved.date() == today else f"{saved:%m/%d %H:%M}"
        return (
            f"{self.given_name} {self.family_name}, {age} — "
            f"stopped at {STEP_TITLES[self.step]}, {when}"
        )


def unfinished_visits(session: Session, *, holder: str, now: datetime) -> list[UnfinishedVisit]:
    """The unsigned drafts ``holder`` holds for visits scheduled on ``now``'s local
    day, the one saved last first: what ma-tui offers to resume when it starts."""
    if now.tzinfo is None:
        raise ValueError("unfinished_visits needs an aware 'now'")
    start, end = local_day_bounds(now.date(), now.tzinfo)
    rows = session.exec(
        select(RoomingDraft, Encounter, Patient)
        .join(Encounter, col(Encounter.id) == col(RoomingDraft.encounter_id))
        .join(Patient, col(Patient.id) == col(Encounter.patient_id))
        .where(
            RoomingDraft.holder == holder,
            col(Encounter.signed_at).is_(None),
            col(Encounter.scheduled_at) >= start,
            col(Encounter.scheduled_at) < end,
        )
        .order_by(col(RoomingDraft.updated_at).desc(), col(RoomingDraft.encounter_id))
    ).all()
    return [
        UnfinishedVisit(
            encounter_id=draft.encounter_id,
            family_name=patient.family_name,
            given_name=patient.given_name,
            birth_date=patient.birth_date,
            step=_stored_step(draft.data),
            saved_at=draft.updated_at,
        )
        for draft, _, patient in rows
    ]


def _stored_step(data: str) -> Step:
    try:
        return VisitDraft.model_validate_json(data).step
    except ValueError:  # unreadable: opening it will say so; offer it from the start
        return "checkin"


# ------------------------------------------------------------------ signing

SEVERITY_PROBLEM = "Severity: a whole number from 0 to 10, or leave it empty."


def parse_severity(text: str) -> int | None:
    """The HPI severity typed (``"4"``), or None when empty; ValueError otherwise."""
    text = text.strip()
    if not text:
        return None
    if not text.isdecimal() or not 0 <= int(text) <= 10:  # isdigit() lets "²" through
        raise ValueError(SEVERITY_PROBLEM)
    return int(text)


def sign_problems(draft: VisitDraft) -> list[str]:
    """What must be done before the visit can be signed."""
    problems = []
    if draft.identity_confirmed_at is None:
        problems.append("Confirm two identifiers (name and date of birth) at check-in.")
    if draft.vitals_unsettled:
        problems.append(f"Vitals: {draft.vitals_unsettled}")
    if not draft.chief_complaint.strip():
        problems.append("Write the chief complaint.")
    try:
        parse_severity(draft.hpi_severity_text)
    except ValueError:
        problems.append(SEVERITY_PROBLEM)
    if draft.history_form is not None and any(v.strip() for v in draft.history_form.values):
        problems.append("History: add or clear the entry still in the add-form.")
    return problems


def sign_visit(
    engine: Engine,
    draft: VisitDraft,
    *,
    staff_id: int | None,
    now: datetime,
    holder: str | None = None,
) -> None:
    """Write the whole visit in one transaction; all of it is stored, or none of it.

    Only the draft's holder (default: ``current_holder()``) may sign it: anyone else
    gets ``VisitInUse`` and nothing is written.
    """
    problems = sign_problems(draft)
    if problems:
        raise SignError(problems)
    who = current_holder() if holder is None else holder
    retry_on_busy(lambda: _sign(engine, draft, staff_id, now, who))


def _sign(
    engine: Engine, draft: VisitDraft, staff_id: int | None, now: datetime, holder: str
) -> None:
    with Session(engine) as session, session.begin():
        encounter = session.get(Encounter, draft.encounter_id)
        patient = session.get(Patient, draft.patient_id)
        assert encounter is not None and patient is not None
        if encounter.signed_at is not None:
            raise SignError(["This visit was already signed."])
        stored = session.get(RoomingDraft, draft.encounter_id)
        if stored is not None and stored.holder not in (None, holder):
            raise VisitInUse(stored.holder, stored.held_since, now)
        _write_checkin(session, draft, encounter, patient, staff_id, now)
        _write_vitals(session, draft, staff_id, now)
        _write_history(session, draft, staff_id, now)
        encounter.chief_complaint = draft.chief_complaint.strip()
        for name in HPI_TEXT_FIELDS:
            setattr(encounter, f"hpi_{name}", draft.hpi.get(name) or None)
        encounter.hpi_severity = draft.hpi_severity
        if draft.room.strip():
            encounter.room = draft.room.strip()[:16]
        encounter.signed_at = now
        encounter.signed_by_id = staff_id
        _move(session, encounter, EncounterStatus.READY_FOR_PROVIDER, staff_id, now)
        if stored is not None:
            session.delete(stored)
        record(
            session,
            action=AuditAction.SIGN,
            at=now,
            staff_id=staff_id,
            os_user=None if staff_id is not None else current_os_user(),
            patient_id=draft.patient_id,
            entity="encounter",
            entity_id=draft.encounter_id,
            detail=_signed_detail(draft),
        )


def _signed_detail(draft: VisitDraft) -> dict[str, object]:
    """What signing wrote, for the audit trail: which fields, not their values."""
    return {
        "demographics_changed": sorted(draft.demographic_changes),
        "coverage_changed": sorted(draft.coverage_changes),
        "vitals": len(draft.vitals),
        "history_added": len(draft.new_entries),
        "history_entered_in_error": sum(len(ids) for ids in draft.entered_in_error.values()),
        "medication_status_changed": len(draft.medication_status),
        "chief_complaint": bool(draft.chief_complaint.strip()),
    }


def _write_checkin(
    session: Session,
    draft: VisitDraft,
    encounter: Encounter,
    patient: Patient,
    staff_id: int | None,
    now: datetime,
) -> None:
    encounter.identity_confirmed_at = draft.identity_confirmed_at
    encounter.identity_confirmed_by_id = staff_id
    if draft.demographic_changes:
        for name, value in draft.demographic_changes.items():
            if name in DEMOGRAPHIC_FIELDS:
                setattr(patient, name, value)
        patient.updated_at = now
        session.add(patient)
    if draft.coverage_confirmed or draft.coverage_changes:
        coverage = session.exec(
            select(Coverage)
            .where(Coverage.patient_id == patient.id, col(Coverage.active).is_(True))
            .order_by(col(Coverage.priority), col(Coverage.id))
        ).first()
        if coverage is None and draft.coverage_changes.get("payer"):
            assert patient.id is not None
            coverage = Coverage(patient_id=patient.id, payer="", member_id="")
        if coverage is not None:
            for name, value in draft.coverage_changes.items():
                if name in COVERAGE_FIELDS:
                    # payer and member ID are required columns; the group is optional.
                    setattr(coverage, name, value if name == "group_number" else value or "")
            coverage.last_verified_at = now
            coverage.last_verified_by_id = staff_id
            session.add(coverage)


def _write_vitals(session: Session, draft: VisitDraft, staff_id: int | None, now: datetime) -> None:
    for vital in draft.vitals:
        session.add(
            Observation(
                patient_id=draft.patient_id,
                encounter_id=draft.encounter_id,
                status=ObservationStatus.FINAL,
                entered_at=now,
                entered_by_id=staff_id,
                **vital.model_dump(),
            )
        )


def _write_history(
    session: Session, draft: VisitDraft, staff_id: int | None, now: datetime
) -> None:
    stamp = {"reviewed_at": now, "reviewed_by_id": staff_id}
    for entry in draft.new_entries:
        model = HISTORY_MODELS[entry.section]
        session.add(
            model.model_validate(
                {
                    **entry.fields,
                    **stamp,
                    "patient_id": draft.patient_id,
                    "encounter_id": draft.encounter_id,
                    "recorded_at": now,
                    "recorded_by_id": staff_id,
                }
            )
        )
    for medication_id, status in draft.medication_status.items():
        medication = session.get(Medication, medication_id)
        if medication is not None and medication.patient_id == draft.patient_id:
            medication.status = status
            session.add(medication)
    for section, ids in draft.entered_in_error.items():
        model = HISTORY_MODELS[section]
        for entry_id in ids:
            wrong = session.get(model, entry_id)
            if wrong is not None and wrong.patient_id == draft.patient_id:
                wrong.entered_in_error = True
                session.add(wrong)
    for section, none_known in draft.reviewed.items():
        model = HISTORY_MODELS[section]
        for row in session.exec(
            select(model).where(
                model.patient_id == draft.patient_id, col(model.entered_in_error).is_(False)
            )
        ).all():
            row.reviewed_at = now
            row.reviewed_by_id = staff_id
            session.add(row)
        session.add(
            HistoryReview(
                patient_id=draft.patient_id,
                encounter_id=draft.encounter_id,
                section=section,
                none_known=none_known,
                reviewed_at=now,
                reviewed_by_id=staff_id,
            )
        )


# --------------------------------------------------------------- correcting


def correct_observation(
    engine: Engine,
    observation_id: int,
    replacement: VitalEntry,
    *,
    staff_id: int | None,
    now: datetime,
) -> int:
    """Mark a signed value entered-in-error and store the right one; returns its id."""
    with Session(engine) as session, session.begin():
        wrong = session.get(Observation, observation_id)
        if wrong is None:
            raise LookupError(f"no observation {observation_id}")
        if wrong.status == ObservationStatus.ENTERED_IN_ERROR:
            raise ValueError("this value was already corrected")
        if replacement.code != wrong.code:
            raise ValueError("a correction must be of the same vital sign")
        wrong.status = ObservationStatus.ENTERED_IN_ERROR
        session.add(wrong)
        right = Observation(
            patient_id=wrong.patient_id,
            encounter_id=wrong.encounter_id,
            status=ObservationStatus.FINAL,
            corrects_id=observation_id,
            entered_at=now,
            entered_by_id=staff_id,
            **replacement.model_dump(),
        )
        session.add(right)
        session.flush()
        assert right.id is not None
        record(
            session,
            action=AuditAction.CORRECT,
            at=now,
            staff_id=staff_id,
            os_user=None if staff_id is not None else current_os_user(),
            patient_id=wrong.patient_id,
            entity="observation",
            entity_id=observation_id,
            detail={
                "code": wrong.code,
                "was": f"{wrong.value_entered} {wrong.unit_entered}",
                "now": f"{right.value_entered} {right.unit_entered}",
                "replacement_id": right.id,
            },
        )
        return right.id


def allergy_line(chart: Chart, draft: VisitDraft | None = None) -> str:
    """The banner's allergy text, including what was entered in this visit."""
    if draft is None:
        draft = VisitDraft(encounter_id=chart.encounter_id, patient_id=chart.patient_id)
    wrong = set(draft.entered_in_error.get(HistorySection.ALLERGIES, []))
    names = [a.substance for a in chart.allergies if a.id not in wrong]
    names += [str(e.fields.get("substance")) for e in draft.entries(HistorySection.ALLERGIES)]
    if names:
        return "Allergies: " + ", ".join(names)
    said_none = draft.reviewed.get(HistorySection.ALLERGIES)
    if said_none or (said_none is None and chart.no_known_allergies()):
        return "NKA (no known allergies)"
    return "Allergies not recorded: ask the patient"
