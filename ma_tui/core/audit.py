"""The one way a use case writes an audit event: in its own transaction's session.

The event and the change it describes are committed together or not at all
(``ma_tui.core.transaction``). Who did it is the signed-in staff member; with no one
signed in (the command line, a terminal before sign-in) it is the operating-system
user of this process, found here so no caller has to.

Reading the trail (``ma-tui audit``) goes through here too: checking the chain, and
listing events, which is itself recorded as a view.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from ma_tui.core.errors import NotFound
from ma_tui.core.transaction import in_transaction, read_only
from ma_tui.data.audit import (
    AuditAction,
    AuditEntry,
    VerifyResult,
    current_os_user,
    events,
    record,
    verify,
)
from ma_tui.data.audit_key import engine_key
from ma_tui.data.models.audit import AuditEvent
from ma_tui.data.models.patients import Patient

__all__ = ["AuditAction", "AuditEntry", "VerifyResult", "audit", "show_events", "verify_chain"]


def audit(
    session: Session,
    action: AuditAction,
    *,
    at: datetime,
    staff_id: int | None,
    patient_id: int | None = None,
    entity: str | None = None,
    entity_id: str | int | None = None,
    detail: Mapping[str, Any] | None = None,
) -> AuditEvent:
    """Append ``action`` to the audit chain inside ``session``'s transaction (not committed).

    ``detail`` says what changed (field names, counts), never a secret.
    """
    return record(
        session,
        action=action,
        at=at,
        staff_id=staff_id,
        os_user=None if staff_id is not None else current_os_user(),
        patient_id=patient_id,
        entity=entity,
        entity_id=entity_id,
        detail=detail,
    )


def verify_chain(engine: Engine) -> VerifyResult:
    """Every event's hash and link checked, oldest first, with the audit key the
    engine writes with (``ma-tui audit verify``; ``ma_tui.core.trail``)."""
    key = engine_key(engine)
    return read_only(engine, lambda session: verify(session, key))


def show_events(
    engine: Engine,
    *,
    now: datetime,
    patient_mrn: str | None = None,
    username: str | None = None,
    since: date | None = None,
    action: AuditAction | None = None,
    staff_id: int | None = None,
) -> list[AuditEntry]:
    """The events asked for, oldest first (``ma-tui audit show``), days in local time.

    Listing them is a view of the trail, recorded as by ``staff_id`` (the
    administrator who asked; None: the operating-system user) in the same
    transaction. ``NotFound`` when no patient has ``patient_mrn``.
    """
    filters = {"patient": patient_mrn, "user": username, "since": since, "action": action}

    def listing(session: Session) -> list[AuditEntry]:
        patient_id = None
        if patient_mrn is not None:
            patient = session.exec(select(Patient).where(Patient.mrn == patient_mrn)).first()
            if patient is None:
                raise NotFound(f"no patient has MRN {patient_mrn!r}")
            patient_id = patient.id
        entries = events(
            session,
            patient_mrn=patient_mrn,
            username=username,
            since=since,
            tz=None,  # this computer's local day
            action=action,
        )
        audit(
            session,
            AuditAction.VIEW,
            at=now,
            staff_id=staff_id,
            patient_id=patient_id,
            entity="audit_event",
            detail={name: value for name, value in filters.items() if value is not None}
            | {"events": len(entries)},
        )
        return entries

    return in_transaction(engine, listing)
