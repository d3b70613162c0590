"""The people who sign in."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlmodel import Field, SQLModel

from ma_tui.data.types import UTCDateTime, enum_column_type, utcnow


class StaffRole(StrEnum):
    MA = "ma"
    NURSE = "nurse"
    PROVIDER = "provider"
    FRONT_DESK = "front_desk"
    ADMIN = "admin"


class Staff(SQLModel, table=True):
    """A person who signs in: MA, nurse, provider, front desk or administrator."""

    __tablename__ = "staff"

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=64, sa_column_kwargs={"unique": True}, index=True)
    display_name: str = Field(max_length=200)
    role: StaffRole = Field(sa_type=enum_column_type(StaffRole))
    credentials: str | None = Field(default=None, max_length=32)  # "CMA", "MD", ...
    # argon2id hash of the PIN or password; the sign-in flow owns checking it.
    secret_hash: str | None = Field(default=None, max_length=255)
    failed_attempts: int = 0
    locked_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    active: bool = True
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
