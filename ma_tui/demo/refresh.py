"""Refreshing a demo in place, and never a real clinic.

A database the demo built is marked so (a clinic setting). Building again wipes it,
its audit trail included: only here are the trail's append-only triggers lifted,
inside the refresh's transaction, and only on a database the demo built itself. A
database with patients, staff or audit events and no marker is refused untouched.
"""

from __future__ import annotations

from sqlalchemy import delete, func
from sqlmodel import Session, SQLModel, select

from ma_tui.data.audit import remove_append_only
from ma_tui.data.models.audit import AuditEvent
from ma_tui.data.models.patients import Patient
from ma_tui.data.models.settings import ClinicSetting
from ma_tui.data.models.staff import Staff
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


def empty_the_demo(session: Session) -> None:
    """Delete every row of a demo (or an empty database), in the caller's transaction.

    The audit trail goes with the rest: its append-only triggers are lifted for the
    wipe; the caller puts them back before it commits.
    """
    refuse_a_real_clinic(session)
    remove_append_only(session.connection())
    for table in reversed(SQLModel.metadata.sorted_tables):
        session.exec(delete(table))
