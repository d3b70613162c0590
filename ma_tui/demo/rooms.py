"""The demo clinic's room board: its exam rooms with today's patients in them.

A room whose visit today is being roomed, waiting for or with the provider is
occupied by that patient since they were roomed; a visit checked out left its room needing
turnover; the procedure room is half turned over; one exam room is out of service;
the rest are clean and ready.
"""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import col, select

from ma_tui.data.catalogs.room_types import room_types
from ma_tui.data.models.patients import Patient
from ma_tui.data.models.visits import Encounter, EncounterStatus
from ma_tui.demo.build import Build
from ma_tui.rooms import board
from ma_tui.rooms.board import Occupant
from ma_tui.rooms.store import save_room
from ma_tui.visits.queue import local_day_bounds

ROOMS = (
    ("Exam 1", "exam"),
    ("Exam 2", "exam"),
    ("Exam 3", "exam"),
    ("Exam 4", "exam"),
    ("Exam 5", "pediatric"),
    ("Exam 6", "exam"),
    ("Exam 7", "exam"),
    ("Procedure", "procedure"),
)
WITH_PATIENT = {
    EncounterStatus.ROOMING,
    EncounterStatus.READY_FOR_PROVIDER,
    EncounterStatus.WITH_PROVIDER,
}


def add_rooms(build: Build) -> None:
    day, session = build.day, build.session
    opened = day.local(day.today, "07:15")
    types = room_types()
    rooms = {
        name: board.new_room(name, kind, types, opened, "Mia Sorensen") for name, kind in ROOMS
    }
    start, end = local_day_bounds(day.today, day.tz)
    visits = session.exec(
        select(Encounter, Patient)
        .join(Patient)
        .where(
            col(Encounter.scheduled_at) >= start,
            col(Encounter.scheduled_at) < end,
            col(Encounter.room).is_not(None),
        )
    ).all()
    for visit, patient in visits:
        room = rooms.get(visit.room or "")
        if room is None or visit.id is None or patient.id is None:
            continue
        since = visit.identity_confirmed_at or visit.status_changed_at
        name = f"{patient.given_name} {patient.family_name}"
        room = board.occupy(room, Occupant(patient.id, name, visit.id), since, "Mia Sorensen")
        if visit.status not in WITH_PATIENT:
            room = board.provider_done(room, visit.status_changed_at, "Dr. Lena Chen")
        rooms[room.name] = room
    procedure = board.provider_done(
        board.occupy(
            rooms["Procedure"],
            _first_patient(build),
            day.local(day.today, "07:45"),
            "Jorge Castillo",
        ),
        day.local(day.today, "08:20"),
        "Dr. Lena Chen",
    )
    kind = next(t for t in types.types if t.key == "procedure")
    for key in ("surfaces", "instruments"):
        procedure = board.tick(procedure, key, kind)
    rooms["Procedure"] = procedure
    rooms["Exam 7"] = board.take_out_of_service(
        rooms["Exam 7"],
        "exam table lift broken; repair booked",
        opened + timedelta(minutes=5),
        "Helen Marsh",
    )
    for room in rooms.values():
        save_room(session, room)


def _first_patient(build: Build) -> Occupant:
    """Whoever had the early procedure: the first visit signed today, as the board shows it."""
    start, end = local_day_bounds(build.day.today, build.day.tz)
    row = build.session.exec(
        select(Encounter, Patient)
        .join(Patient)
        .where(col(Encounter.scheduled_at) >= start, col(Encounter.scheduled_at) < end)
        .order_by(col(Encounter.scheduled_at))
    ).first()
    assert row is not None
    visit, patient = row
    assert visit.id is not None
    assert patient.id is not None
    return Occupant(patient.id, f"{patient.given_name} {patient.family_name}", visit.id)
