"""The one way a use case writes an audit event: in its own transaction's session.

The event and the change it describes are committed together or not at all
(``ma_tui.core.transaction``). Who did it is the signed-in staff member; with no one
signed in (the command line, a terminal before sign-in) it is the operating-system
user of this process, found here so no caller has to.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlmodel import Session

from ma_tui.data.audit import AuditAction, current_os_user, record
from ma_tui.data.models.audit import AuditEvent

__all__ = ["AuditAction", "audit"]


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
