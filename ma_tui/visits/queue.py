"""Today's queue: the schedule of the local clinic day, ready to show, and the
patients a search finds who are not on it (a walk-in, after a reason: break-glass)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo

from sqlalchemy.engine import Engine
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from ma_tui.core.ages import format_age
from ma_tui.core.transaction import read_only
from ma_tui.data.models.patients import Patient, Sex
from ma_tui.data.models.staff import Staff
from ma_tui.data.models.visits import Encounter
from ma_tui.data.models.visits import EncounterStatus as EncounterStatus
from ma_tui.orders.orders import open_order_counts
from ma_tui.patients.search import PatientQuery, search_patients

# Statuses in which the patient is waiting for someone: the wait is shown.
WAITING = frozenset({EncounterStatus.ARRIVED, EncounterStatus.READY_FOR_PROVIDER})
SEX_LETTER = {Sex.FEMALE: "F", Sex.MALE: "M", Sex.OTHER: "X", Sex.UNKNOWN: "U"}


@dataclass(frozen=True, slots=True)
class QueueEntry:
    encounter_id: int
    patient_id: int
    mrn: str
    family_name: str
    given_name: str
    birth_date: date
    time: str
    name: str
    age: str
    sex: str
    status: EncounterStatus
    wait: str
    room: str
    provider: str
    open_orders: int = 0  # tests, medications and vaccines still to do at this visit

    @property
    def is_waiting(self) -> bool:
        return self.status in WAITING


@dataclass(frozen=True, slots=True)
class OtherPatient:
    """A patient a search found who is not on today's schedule."""

    patient_id: int
    name: str
    birth_date: date
    age: str
    sex: str
    # What ``matches`` reads: a row found for "whit" is kept for "whit d" without
    # asking the database again.
    family_name: str = ""
    given_name: str = ""
    mrn: str = ""


def local_day_bounds(day: date, tz: tzinfo) -> tuple[datetime, datetime]:
    """Start and end (exclusive) of ``day`` in ``tz``, as aware datetimes."""
    start = datetime.combine(day, time.min, tzinfo=tz)
    end = datetime.combine(day + timedelta(days=1), time.min, tzinfo=tz)
    return start, end


WAIT_WIDTH = 4  # the queue's Wait column


def format_wait(since: datetime, now: datetime) -> str:
    """Minutes waited as ``"7m"`` or ``"1h05"``, whole hours from ten (``"13h"``), and
    ``">99h"`` beyond; never wider than the column. A time in the future waits ``"0m"``."""
    minutes = max(0, int((now - since).total_seconds() // 60))
    if minutes < 60:
        return f"{minutes}m"
    hours = minutes // 60
    if hours < 10:
        return f"{hours}h{minutes % 60:02d}"
    return f"{hours}h" if hours < 100 else ">99h"


def display_name(patient: Patient) -> str:
    return f"{patient.family_name}, {patient.given_name}"


def load_queue(session: Session, now: datetime) -> list[QueueEntry]:
    """Every encounter scheduled on ``now``'s local day, in time order."""
    tz = now.tzinfo
    if tz is None:
        raise ValueError("load_queue needs an aware 'now'")
    start, end = local_day_bounds(now.date(), tz)
    provider = aliased(Staff)
    rows = session.exec(
        select(Encounter, Patient, provider)
        .join(Patient, col(Encounter.patient_id) == col(Patient.id))
        .outerjoin(provider, col(Encounter.provider_id) == col(provider.id))
        .where(col(Encounter.scheduled_at) >= start, col(Encounter.scheduled_at) < end)
        .order_by(col(Encounter.scheduled_at), col(Patient.family_name), col(Encounter.id))
    ).all()
    counts = open_order_counts(session, [encounter.id for encounter, _, _ in rows if encounter.id])
    return [
        _entry(encounter, patient, doctor, now, counts.get(encounter.id or 0, 0))
        for encounter, patient, doctor in rows
    ]


def todays_queue(engine: Engine, now: datetime) -> list[QueueEntry]:
    """Today's queue as it stands now (``load_queue``), read on its own."""
    return read_only(engine, lambda session: load_queue(session, now))


def other_patients(
    engine: Engine, query: PatientQuery, now: datetime, *, shown: set[int], limit: int
) -> list[OtherPatient]:
    """Up to ``limit`` patients ``query`` finds, less those ``shown`` on the queue."""
    found = read_only(engine, lambda session: search_patients(session, query, limit=limit))
    today = now.date()
    return [
        OtherPatient(
            patient_id=patient.id,
            name=display_name(patient),
            birth_date=patient.birth_date,
            age=format_age(patient.birth_date, today) if patient.birth_date <= today else "?",
            sex=SEX_LETTER[Sex(patient.sex)],
            family_name=patient.family_name,
            given_name=patient.given_name,
            mrn=patient.mrn,
        )
        for patient in found
        if patient.id is not None and patient.id not in shown
    ]


def _entry(
    encounter: Encounter, patient: Patient, doctor: Staff | None, now: datetime, orders: int
) -> QueueEntry:
    assert encounter.id is not None
    assert patient.id is not None
    status = EncounterStatus(encounter.status)
    waiting = status in WAITING
    return QueueEntry(
        encounter_id=encounter.id,
        patient_id=patient.id,
        mrn=patient.mrn,
        family_name=patient.family_name,
        given_name=patient.given_name,
        birth_date=patient.birth_date,
        time=encounter.scheduled_at.astimezone(now.tzinfo).strftime("%H:%M"),
        name=display_name(patient),
        age=format_age(patient.birth_date, now.date()) if patient.birth_date <= now.date() else "?",
        sex=SEX_LETTER[Sex(patient.sex)],
        status=status,
        wait=format_wait(encounter.status_changed_at, now) if waiting else "",
        room=encounter.room or "",
        provider=doctor.display_name if doctor else "",
        open_orders=orders,
    )
