"""Refreshing a demo in place, and never a real clinic.

A database the demo built is marked so (a clinic setting). Building again wipes it,
its audit trail included: only here are the trail's append-only triggers lifted,
inside the refresh's transaction, and only on a database the demo built itself. A
database with patients, staff or audit events and no marker is refused untouched,
and so is a marked one that holds anything the demo (or its staff on the screens)
did not write: a patient or visit imported (an import event, a visit with the
source identifier of an imported appointment), a patient whose creation no staff
account recorded, or an event written by the command line or another program (no
staff account). The marker alone never lets real patients be wiped.
"""

from __future__ import annotations

from sqlalchemy import String, cast, delete, exists, func
from sqlmodel import Session, SQLModel, and_, col, select

from ma_tui.data.audit import AuditAction, remove_append_only
from ma_tui.data.models.audit import AuditEvent
from ma_tui.data.models.patients import Patient
from ma_tui.data.models.settings import ClinicSetting
from ma_tui.data.models.staff import Staff
from ma_tui.data.models.visits import Encounter
from ma_tui.data.store import StoreError

DEMO_MARKER_KEY = "demo_clinic"  # ClinicSetting key; value "true" marks a demo database


def is_demo_database(session: Session) -> bool:
    """True when the database is marked as holding the demo clinic."""
    marker = session.get(ClinicSetting, DEMO_MARKER_KEY)
    return marker is not None and marker.value.strip().lower() == "true"


def refuse_a_real_clinic(session: Session) -> None:
    """Raise ``StoreError`` when the database holds data and is not a demo."""
    patients = session.exec(select(func.count()).select_from(Patient)).one()
    staff = session.exec(select(func.count()).select_from(Staff)).one()
    events = session.exec(select(func.count()).select_from(AuditEvent)).one()
    if (patients or staff or events) and not is_demo_database(session):
        audited = f", {events} audit events" if events else ""
        raise StoreError(
            f"this database holds a real clinic's data ({patients} patients, {staff} "
            f"staff{audited}) and is not a demo; refusing to overwrite it"
        )
    if is_demo_database(session) and (foreign := not_the_demos(session)):
        raise StoreError(
            f"this demo database also holds {', '.join(foreign)}, which the demo did not "
            "write; refusing to replace it (build the demo in another file: "
            "ma-tui demo --db demo.db)"
        )


def not_the_demos(session: Session) -> list[str]:
    """What a marked demo database holds that the demo, or its staff on the screens,
    did not write, counted for the message; empty when all of it is the demo's."""
    imported_visits = _count(session, Encounter, col(Encounter.source_id).is_not(None))
    imports = _count(session, AuditEvent, col(AuditEvent.action) == AuditAction.IMPORT)
    # The trail's own events (its key, what a start found) are ma-tui's, not data.
    own = col(AuditEvent.action).in_([AuditAction.AUDIT_KEY, AuditAction.INTEGRITY])
    outside = _count(session, AuditEvent, col(AuditEvent.staff_id).is_(None), ~own)
    created_by_staff = exists().where(
        and_(
            col(AuditEvent.entity) == "patient",
            col(AuditEvent.entity_id) == cast(col(Patient.id), String),
            col(AuditEvent.action) == AuditAction.CREATE,
            col(AuditEvent.staff_id).is_not(None),
        )
    )
    unrecorded = _count(session, Patient, ~created_by_staff)
    found = [
        (imported_visits, "imported visits"),
        (imports, "import events"),
        (unrecorded, "patients no staff account registered"),
        (outside, "audit events from the command line or another program"),
    ]
    return [f"{count} {what}" for count, what in found if count]


def _count(session: Session, table: type[SQLModel], *where: object) -> int:
    return int(session.exec(select(func.count()).select_from(table).where(*where)).one())  # type: ignore[arg-type]


def empty_the_demo(session: Session) -> None:
    """Delete every row of a demo (or an empty database), in the caller's transaction.

    The audit trail goes with the rest: its append-only triggers are lifted for the
    wipe; the caller puts them back before it commits.
    """
    refuse_a_real_clinic(session)
    remove_append_only(session.connection())
    for table in reversed(SQLModel.metadata.sorted_tables):
        session.exec(delete(table))
