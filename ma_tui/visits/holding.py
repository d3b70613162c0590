"""Opening a visit for rooming, and holding its draft until it is signed.

Opening a visit starts rooming it (the queue then shows "Rooming" on every
terminal) or resumes its draft. The draft is saved as the MA goes, so a closed
terminal, a killed process or a power cut loses at most the field being typed;
``unfinished_visits`` lists what a terminal left unfinished, to offer it again when
ma-tui starts.

A draft belongs to the MA who opened it (its ``holder``), and to one terminal of
theirs at a time (``ma_tui.visits.claims``): another MA, or the same MA on another
terminal, that opens, saves or signs it gets ``VisitInUse``, which says who has it
and since when. Every save carries the version the screen loaded: a stale one is
refused (``DraftChanged``), and a signed visit's draft is never written again.
"""

from __future__ import annotations

import getpass
import socket
from dataclasses import dataclass, replace
from datetime import date, datetime

from pydantic import ValidationError
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from ma_tui.core.ages import format_age
from ma_tui.core.audit import AuditAction, audit
from ma_tui.core.errors import Conflict, NotFound, UserError
from ma_tui.core.transaction import in_transaction, read_only
from ma_tui.data.models.patients import Patient
from ma_tui.data.models.visits import (
    Encounter,
    EncounterStatus,
    EncounterStatusChange,
    RoomingDraft,
)
from ma_tui.patients.chart import Chart, load_chart
from ma_tui.visits.claims import DraftChanged as DraftChanged
from ma_tui.visits.claims import Terminal, check_hold, check_version, take_hold, this_terminal
from ma_tui.visits.claims import VisitInUse as VisitInUse
from ma_tui.visits.claims import VisitSigned as VisitSigned
from ma_tui.visits.draft import VisitDraft
from ma_tui.visits.queue import local_day_bounds
from ma_tui.visits.steps import STEP_TITLES, Step

# Statuses from which opening a visit starts rooming it.
ROOMABLE = frozenset({EncounterStatus.SCHEDULED, EncounterStatus.ARRIVED, EncounterStatus.ROOMING})
HOLDER_MAX = 200  # RoomingDraft.holder's length


class NotRoomable(Conflict, ValueError):
    """The visit is past rooming (with the provider, checked out, ...) or cancelled."""


class UnreadableDraft(UserError):
    """The draft stored for the visit cannot be read as a visit draft."""


def current_holder() -> str:
    """Who rooms from this terminal when no one is signed in: its operating-system
    user and host. The same user on the same host resumes their own drafts."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):  # no login name and no passwd entry
        user = "unknown"
    return f"{user}@{socket.gethostname()}"[:HOLDER_MAX]


# ------------------------------------------------------------------ opening


def view_visit(engine: Engine, encounter_id: int, *, staff_id: int | None, now: datetime) -> Chart:
    """The visit's chart, its viewing recorded in the audit trail in the same transaction."""

    def view(session: Session) -> Chart:
        chart = load_chart(session, encounter_id)
        audit(
            session,
            AuditAction.VIEW,
            at=now,
            staff_id=staff_id,
            patient_id=chart.patient_id,
            entity="encounter",
            entity_id=encounter_id,
        )
        return chart

    return in_transaction(engine, view)


def load_visit_chart(engine: Engine, encounter_id: int) -> Chart:
    """The visit's chart as stored now (after opening it: its status is Rooming)."""
    return read_only(engine, lambda session: load_chart(session, encounter_id))


def with_encounter_now(engine: Engine, chart: Chart) -> Chart:
    """``chart`` with its encounter as stored now: after ``open_visit`` (its status is
    Rooming) only the encounter changed, so the rest is not read again."""

    def encounter(session: Session) -> Encounter:
        stored = session.get(Encounter, chart.encounter_id)
        if stored is None:
            raise NotFound(f"no visit {chart.encounter_id}")
        return stored

    return replace(chart, encounter=read_only(engine, encounter))


def open_visit(
    engine: Engine,
    encounter_id: int,
    *,
    staff_id: int | None,
    now: datetime,
    holder: str | None = None,
    terminal: Terminal | None = None,
) -> VisitDraft:
    """Resume the visit's draft, or start rooming it: the queue then shows "Rooming".

    ``holder`` (default: ``current_holder()``) on ``terminal`` (default: this
    process's) claims the visit; while its draft is held by someone else, or by a
    live terminal of the same holder, ``VisitInUse`` says who has it. Checking and
    claiming are one transaction, which on a shared SQLite file holds the write lock
    from its first read; on PostgreSQL the row is locked (``FOR UPDATE``), and a
    draft another terminal inserted first is reported as theirs, never as a
    duplicate key. The draft returned carries the stored version.
    """
    who = current_holder() if holder is None else holder
    mine = this_terminal() if terminal is None else terminal

    def claim(session: Session) -> VisitDraft:
        encounter = session.get(Encounter, encounter_id, with_for_update=True)
        if encounter is None:
            raise NotFound(f"no visit {encounter_id}")
        stored = session.get(RoomingDraft, encounter_id, with_for_update=True)
        if stored is not None:
            check_hold(stored, who, mine, now)
            take_hold(stored, who, mine, now)
            session.add(stored)
            draft = _read(stored)
            draft.version = stored.version
            return draft
        status = EncounterStatus(encounter.status)
        if status not in ROOMABLE:
            raise NotRoomable(f"this visit is {status.label.lower()}")
        move_encounter(session, encounter, EncounterStatus.ROOMING, staff_id, now)
        draft = VisitDraft(encounter_id=encounter_id, patient_id=encounter.patient_id)
        _store(session, draft, None, who, mine, staff_id, now)
        return draft

    return in_transaction(engine, claim)


def save_draft(
    engine: Engine,
    draft: VisitDraft,
    *,
    staff_id: int | None,
    now: datetime,
    holder: str | None = None,
    terminal: Terminal | None = None,
) -> None:
    """Store the draft, and its new version in ``draft.version``; nothing is written,
    and a ``Conflict`` says why, when another MA or another live terminal holds it
    (``VisitInUse``), when it was saved elsewhere since ``draft.version`` was loaded
    (``DraftChanged``), or when the visit has been signed (``VisitSigned``)."""
    who = current_holder() if holder is None else holder
    mine = this_terminal() if terminal is None else terminal

    def write(session: Session) -> int:
        stored = session.get(RoomingDraft, draft.encounter_id, with_for_update=True)
        if stored is None:
            encounter = session.get(Encounter, draft.encounter_id)
            if encounter is None:
                raise NotFound(f"no visit {draft.encounter_id}")
            if encounter.signed_at is not None:
                raise VisitSigned()
        else:
            check_hold(stored, who, mine, now)
            check_version(stored, draft, now)
        return _store(session, draft, stored, who, mine, staff_id, now)

    draft.version = in_transaction(engine, write)


def _read(stored: RoomingDraft) -> VisitDraft:
    try:
        return VisitDraft.model_validate_json(stored.data)
    except ValidationError:
        raise UnreadableDraft(
            "the draft saved for this visit cannot be read; call the clinic's IT"
        ) from None


def _store(
    session: Session,
    draft: VisitDraft,
    stored: RoomingDraft | None,
    holder: str,
    terminal: Terminal,
    staff_id: int | None,
    now: datetime,
) -> int:
    """Write the draft held by ``holder`` on ``terminal``; its new version."""
    if stored is None:
        stored = RoomingDraft(
            encounter_id=draft.encounter_id, data="", holder=holder, held_since=now, version=0
        )
    take_hold(stored, holder, terminal, now)
    stored.data = draft.model_dump_json()
    stored.owner_id = staff_id
    stored.updated_at = now
    stored.version = (stored.version or 0) + 1
    session.add(stored)
    draft.version = stored.version
    return stored.version


def move_encounter(
    session: Session,
    encounter: Encounter,
    status: EncounterStatus,
    staff_id: int | None,
    now: datetime,
) -> None:
    """The visit's new status, and the change kept in its status history."""
    assert encounter.id is not None
    encounter.status = status
    encounter.status_changed_at = now
    session.add(encounter)
    session.add(
        EncounterStatusChange(
            encounter_id=encounter.id, status=status, changed_at=now, changed_by_id=staff_id
        )
    )


# --------------------------------------------------------------- unfinished


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


def unfinished_visits(engine: Engine, *, holder: str, now: datetime) -> list[UnfinishedVisit]:
    """The unsigned drafts ``holder`` holds for visits scheduled on ``now``'s local
    day, the one saved last first: what ma-tui offers to resume when it starts."""
    if now.tzinfo is None:
        raise ValueError("unfinished_visits needs an aware 'now'")
    return read_only(engine, lambda session: _unfinished(session, holder, now))


def _unfinished(session: Session, holder: str, now: datetime) -> list[UnfinishedVisit]:
    assert now.tzinfo is not None
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
    except ValidationError:  # unreadable: opening it will say so; offer it from the start
        return "checkin"
