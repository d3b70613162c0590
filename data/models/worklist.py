"""The worklist: refills, referrals, prior authorizations, follow-ups, and who did what.

One row per item holds what every kind has (patient, type, status, owner, due time)
and its kind's own fields as JSON (``details``: the ``ma_tui.worklist`` dataclass,
written and read back by ``ma_tui.worklist.store``). Every move of an item is one
``worklist_event`` row: the item's history is never rewritten, only added to.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from ma_tui.data.types import SOURCE_ID_MAX, UTCDateTime


class WorklistItem(SQLModel, table=True):
    __tablename__ = "worklist_item"

    id: int | None = Field(default=None, primary_key=True)
    item_type: str = Field(max_length=16, index=True)  # ma_tui.worklist.items.ItemType
    patient_id: int = Field(foreign_key="patient.id", index=True)
    status: str = Field(max_length=16, index=True)  # ma_tui.worklist.items.Status
    owner_id: int | None = Field(default=None, foreign_key="staff.id")
    due: datetime = Field(sa_type=UTCDateTime, nullable=False, index=True)
    created_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    details: str = Field(sa_type=sa.Text, nullable=False)  # the kind's fields, as JSON
    # The FHIR Task (or referral) it was imported from; None when made here.
    source_id: str | None = Field(default=None, max_length=SOURCE_ID_MAX, index=True)


class WorklistEvent(SQLModel, table=True):
    """One line of an item's history: who did what, when, and where it stood after."""

    __tablename__ = "worklist_event"

    id: int | None = Field(default=None, primary_key=True)
    item_id: int = Field(foreign_key="worklist_item.id", index=True)
    at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    actor_id: int = Field(foreign_key="staff.id")
    action: str = Field(max_length=32)  # ma_tui.worklist.items.Action
    status: str = Field(max_length=16)
    owner_id: int | None = Field(default=None, foreign_key="staff.id")
    note: str = Field(default="", max_length=500)
