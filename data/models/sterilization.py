"""The sterilization log: autoclave loads, the packs in them, and which patient used which.

Readings are kept as the decimal text they were recorded with (``132.0``), so SQLite
and PostgreSQL give back the same number.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from ma_tui.data.types import UTCDateTime


class SterilizerLoad(SQLModel, table=True):
    __tablename__ = "sterilizer_load"

    id: int | None = Field(default=None, primary_key=True)
    number: int = Field(sa_column_kwargs={"unique": True})  # the L of the pack labels
    sterilizer: str = Field(max_length=80)
    cycle_number: int
    cycle_type: str = Field(max_length=16)
    started_at: datetime = Field(sa_type=UTCDateTime, nullable=False, index=True)
    temperature_c: str = Field(max_length=8)
    pressure_kpa: str = Field(max_length=8)
    exposure_minutes: int
    operator: str = Field(max_length=80)
    chemical: str | None = Field(default=None, max_length=8)
    biological: str = Field(max_length=16)
    bi_lot: str = Field(default="", max_length=80)
    bi_read_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    released_by: str = Field(default="", max_length=80)
    released_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    rejected_by: str = Field(default="", max_length=80)
    rejected_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    reject_reason: str = Field(default="", max_length=80)


class SterilePack(SQLModel, table=True):
    __tablename__ = "sterile_pack"

    id: int | None = Field(default=None, primary_key=True)
    load_id: int = Field(foreign_key="sterilizer_load.id", index=True)
    sequence: int
    contents: str = Field(max_length=80)
    implant: bool = False


class PackUse(SQLModel, table=True):
    """A pack opened for a patient's procedure: one use per pack."""

    __tablename__ = "pack_use"

    id: int | None = Field(default=None, primary_key=True)
    pack_id: int = Field(foreign_key="sterile_pack.id", sa_column_kwargs={"unique": True})
    patient_id: int = Field(foreign_key="patient.id", index=True)
    procedure: str = Field(max_length=80)
    used_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    used_by: str = Field(max_length=80)
