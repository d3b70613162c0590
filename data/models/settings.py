"""Clinic-wide settings, one key/value row each."""

from __future__ import annotations

from sqlmodel import Field, SQLModel


class ClinicSetting(SQLModel, table=True):
    """Key/value settings of this clinic's database (units, demo marker, ...)."""

    __tablename__ = "clinic_setting"

    key: str = Field(primary_key=True, max_length=64)
    value: str = Field(max_length=1000)
