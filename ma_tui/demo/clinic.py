"""The demo clinic: a fictional practice whose schedule is always today.

``ma-tui demo`` fills a database with it so that anyone can try the app, and the
tests and the keystroke benchmark start from it. Everything in it is invented: its
people are in ``ma_tui.demo.people`` and its staff in ``ma_tui.demo.staff``; the
modules beside them each build one part of it (``patients``, ``schedule``,
``vitals``, ``history``, ``vaccines``, ``labs``, ``screenings``, ``trail``) with what
``ma_tui.demo.build.Build`` hands them.

The clinic is fully determined by the ``today`` and time zone it is built for
(``ma_tui.demo.day``): the same day always gives the same rows. Building again
refreshes the demo in place; a database holding a real clinic's patients is
refused, never overwritten (``ma_tui.demo.refresh``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo

from sqlalchemy import func
from sqlalchemy.engine import Engine
from sqlmodel import Session, SQLModel, col, select

from ma_tui.data.audit import install_append_only
from ma_tui.data.models.observations import Observation
from ma_tui.data.models.patients import Patient
from ma_tui.data.models.settings import ClinicSetting
from ma_tui.data.models.staff import Staff
from ma_tui.data.models.visits import Encounter
from ma_tui.demo.build import Build
from ma_tui.demo.day import Bookings, DemoDay
from ma_tui.demo.history import add_history
from ma_tui.demo.labs import add_labs_and_orders
from ma_tui.demo.patients import add_coverages, add_patient
from ma_tui.demo.people import PATIENTS
from ma_tui.demo.refresh import DEMO_MARKER_KEY, empty_the_demo
from ma_tui.demo.rooms import add_rooms
from ma_tui.demo.schedule import add_encounter
from ma_tui.demo.screenings import add_screenings
from ma_tui.demo.shapes import Contact, Person
from ma_tui.demo.staff import FRONT_DESK, add_staff
from ma_tui.demo.sterilization import add_sterilization_log
from ma_tui.demo.trail import AuditTrail
from ma_tui.demo.vaccines import add_immunization_history, add_shelf
from ma_tui.demo.worklist import add_worklist
from ma_tui.visits.queue import local_day_bounds

# The demo clinic's units (those of the reference visits): lb, in, °F.
CLINIC_SETTINGS: dict[str, str] = {
    DEMO_MARKER_KEY: "true",
    "weight_unit": "[lb_av]",
    "height_unit": "[in_i]",
    "temperature_unit": "[degF]",
}


@dataclass(frozen=True)
class DemoSummary:
    patients: int
    encounters_today: int
    staff: int
    observations: int


def build_demo_clinic(
    engine: Engine, today: date, tz: tzinfo, now: datetime | None = None
) -> DemoSummary:
    """Replace everything in a migrated database with the demo clinic for ``today``
    (built at ``now``: nothing in it happens later).

    Refuses, changing nothing, when the database holds patients or staff accounts
    and is not a demo. All of it happens in one transaction: a failure leaves the
    database as it was.
    """
    with Session(engine) as session, session.begin():
        empty_the_demo(session)
        _write_clinic(session, DemoDay(today, tz, now))
        install_append_only(session.connection())
        return _summary(session, today, tz)


def _write_clinic(session: Session, day: DemoDay) -> None:
    """The settings, the staff, each patient in turn, the orders and point-of-care
    supplies (``labs``), and last the audit trail."""
    for key, value in CLINIC_SETTINGS.items():
        session.add(ClinicSetting(key=key, value=value))
    opened = day.local(day.today - timedelta(days=120), "08:00")
    staff = add_staff(session, opened)
    build = Build(session, day, Bookings(day), staff, AuditTrail(day.tz))
    add_shelf(build)
    for person in PATIENTS:
        _add_person(build, person)
    add_labs_and_orders(build)
    add_worklist(build)
    add_rooms(build)
    add_sterilization_log(build)
    build.trail.write(session)


def _add_person(build: Build, person: Person) -> None:
    """A patient with their visits, insurance and history, in the order it happened."""
    day = build.day
    born = day.birth_date(person)
    visits = sorted(person.past, key=lambda v: -v.days_ago)
    days = [day.visit_day(v) for v in visits]
    if any(on < born for on in days) or born > day.today:
        raise ValueError(f"demo patient {person.mrn}: a visit before birth")
    bookings = [build.bookings.booked_at(on, born) for on in [*days, day.today]]
    registered = bookings[0]
    patient_id = add_patient(build, person, born, registered)
    roomed = {
        visit.days_ago: contact
        for visit, on, booked in zip(visits, days, bookings, strict=False)
        if (contact := add_encounter(build, patient_id, born, visit, on, booked)) is not None
    }
    seen = list(roomed.values())
    add_screenings(build, patient_id, person, roomed)
    roomed_today = add_encounter(build, patient_id, born, person.today, day.today, bookings[-1])
    # Insurance was last checked at rooming: today's, else the last visit's.
    registration = Contact(None, registered, FRONT_DESK)
    verified = roomed_today or (seen[-1] if seen else registration)
    add_coverages(build, patient_id, person, born, verified)
    # History was taken at the first visit and reviewed at the last; a patient
    # new to the clinic gave it on the phone before the first visit.
    intake = Contact(None, registered + timedelta(hours=2), "priya")
    first, last = (seen[0], seen[-1]) if seen else (intake, intake)
    add_history(build, patient_id, person, first, last)
    add_immunization_history(build, patient_id, person.mrn, born)


def _summary(session: Session, today: date, tz: tzinfo) -> DemoSummary:
    start, end = local_day_bounds(today, tz)

    def count(model: type[SQLModel]) -> int:
        return session.exec(select(func.count()).select_from(model)).one()

    todays = session.exec(
        select(func.count())
        .select_from(Encounter)
        .where(col(Encounter.scheduled_at) >= start, col(Encounter.scheduled_at) < end)
    ).one()
    return DemoSummary(count(Patient), todays, count(Staff), count(Observation))
