"""Signing a visit: every step's part written in one transaction, the SIGN event in it.

Each data step of the registry says what keeps the visit from signing and writes its
own part; signing then stamps the visit signed, moves it to "ready for provider" and
deletes the draft. All of it is stored, or none of it. After that a value is
corrected only by marking it entered-in-error and adding the right one
(``ma_tui.visits.correcting``).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.engine import Engine
from sqlmodel import Session

from ma_tui.core.audit import AuditAction, audit
from ma_tui.core.errors import InvalidInput
from ma_tui.core.signing import SignContext
from ma_tui.core.transaction import in_transaction, read_only
from ma_tui.data.audit_content import signed_content
from ma_tui.data.models.patients import Patient
from ma_tui.data.models.staff import Staff
from ma_tui.data.models.visits import Encounter, EncounterStatus, RoomingDraft
from ma_tui.history.settings import review_problems, review_required
from ma_tui.rooms.board import Occupant
from ma_tui.rooms.store import occupy_for_visit
from ma_tui.visits.claims import Terminal, check_hold, check_version, this_terminal
from ma_tui.visits.draft import ROOM_MAX, VisitDraft
from ma_tui.visits.holding import current_holder, move_encounter
from ma_tui.visits.steps import DATA_STEPS


class SignError(InvalidInput):
    """The visit cannot be signed yet; ``problems`` says what is missing."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


def sign_problems(draft: VisitDraft, *, history_review_required: bool = False) -> list[str]:
    """What must be done before the visit can be signed, step by step; with
    ``history_review_required`` (the clinic's setting), every history section reviewed."""
    problems = [problem for step in DATA_STEPS for problem in step.problems(step.of(draft))]
    return problems + review_problems(draft.history, required=history_review_required)


def signed_detail(draft: VisitDraft) -> dict[str, object]:
    """What signing writes, for the audit trail: which fields, not their values."""
    detail: dict[str, object] = {}
    for step in DATA_STEPS:
        detail.update(step.audit_detail(step.of(draft)))
    return detail


def sign_visit(
    engine: Engine,
    draft: VisitDraft,
    *,
    staff_id: int | None,
    now: datetime,
    holder: str | None = None,
    terminal: Terminal | None = None,
) -> None:
    """Write the whole visit in one transaction; all of it is stored, or none of it.

    Only the draft's holder (default: ``current_holder()``) on its terminal (default:
    this process's) may sign it, and only the version stored: anyone else gets
    ``VisitInUse``, a screen that loaded an older version ``DraftChanged``, and
    nothing is written.
    """
    required = read_only(engine, review_required)
    problems = sign_problems(draft, history_review_required=required)
    if problems:
        raise SignError(problems)
    who = current_holder() if holder is None else holder
    mine = this_terminal() if terminal is None else terminal
    in_transaction(engine, lambda session: _sign(session, draft, staff_id, now, who, mine))


def _sign(
    session: Session,
    draft: VisitDraft,
    staff_id: int | None,
    now: datetime,
    holder: str,
    terminal: Terminal,
) -> None:
    encounter = session.get(Encounter, draft.encounter_id, with_for_update=True)
    patient = session.get(Patient, draft.patient_id)
    assert encounter is not None
    assert patient is not None
    if encounter.signed_at is not None:
        raise SignError(["This visit was already signed."])
    stored = session.get(RoomingDraft, draft.encounter_id, with_for_update=True)
    if stored is not None:
        check_hold(stored, holder, terminal, now)
        check_version(stored, draft, now)
    context = SignContext(encounter=encounter, patient=patient, staff_id=staff_id, now=now)
    for step in DATA_STEPS:
        step.write(session, step.of(draft), context)
    if draft.room.strip():
        encounter.room = draft.room.strip()[:ROOM_MAX]
        _occupy_room(session, encounter, patient, staff_id, now)
    encounter.signed_at = now
    encounter.signed_by_id = staff_id
    move_encounter(session, encounter, EncounterStatus.READY_FOR_PROVIDER, staff_id, now)
    if stored is not None:
        session.delete(stored)
    audit(
        session,
        AuditAction.SIGN,
        at=now,
        staff_id=staff_id,
        patient_id=draft.patient_id,
        entity="encounter",
        entity_id=draft.encounter_id,
        # What was signed, hashed, so a value changed later is found (audit verify).
        detail=signed_detail(draft) | signed_content(session, draft.encounter_id),
    )


def _occupy_room(
    session: Session, encounter: Encounter, patient: Patient, staff_id: int | None, now: datetime
) -> None:
    """The visit's room, when it is on the board, is now occupied by its patient."""
    assert encounter.room is not None
    assert encounter.id is not None
    assert patient.id is not None
    staff = session.get(Staff, staff_id) if staff_id is not None else None
    by = staff.display_name if staff is not None else "ma-tui"
    occupant = Occupant(patient.id, f"{patient.given_name} {patient.family_name}", encounter.id)
    room = occupy_for_visit(session, encounter.room, occupant, now, by)
    if room is not None:
        audit(
            session,
            AuditAction.UPDATE,
            at=now,
            staff_id=staff_id,
            patient_id=patient.id,
            entity="room",
            entity_id=room.room_id,
            detail={"room": room.name, "state": room.state.value},
        )
