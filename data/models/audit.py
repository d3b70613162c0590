"""The audit trail's table (the chain itself is ``ma_tui.data.audit``)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from ma_tui.data.types import UTCDateTime, utcnow


class AuditEvent(SQLModel, table=True):
    """Who did what to which record, when. Append-only; hashes chain the rows."""

    __tablename__ = "audit_event"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False, index=True)
    staff_id: int | None = Field(default=None, foreign_key="staff.id", index=True)
    os_user: str | None = Field(default=None, max_length=64)
    patient_id: int | None = Field(default=None, foreign_key="patient.id", index=True)
    action: str = Field(max_length=64)  # view, create, update, sign, sign_in, ...
    entity: str | None = Field(default=None, max_length=64)
    entity_id: str | None = Field(default=None, max_length=64)
    detail: str | None = Field(default=None, sa_type=sa.Text)  # JSON of what changed
    prev_hash: str | None = Field(default=None, max_length=64)
    hash: str | None = Field(default=None, max_length=64)
