"""Patients and their insurance."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from ma_tui.data.folding import SEARCH_KEY, patient_search_keys
from ma_tui.data.types import SOURCE_ID_MAX, UTCDateTime, enum_column_type, utcnow


class Sex(StrEnum):
    """Administrative sex, as FHIR's AdministrativeGender."""

    FEMALE = "female"
    MALE = "male"
    OTHER = "other"
    UNKNOWN = "unknown"


def _search_key() -> Any:
    """A folded search key column of ``Patient`` (see ``ma_tui.data.folding``)."""
    return Field(default="", sa_type=SEARCH_KEY, sa_column_kwargs={"server_default": ""})


class Patient(SQLModel, table=True):
    __tablename__ = "patient"

    id: int | None = Field(default=None, primary_key=True)
    mrn: str = Field(max_length=32, sa_column_kwargs={"unique": True}, index=True)
    family_name: str = Field(max_length=200, index=True)
    given_name: str = Field(max_length=200)
    middle_name: str | None = Field(default=None, max_length=200)
    birth_date: date = Field(index=True)
    sex: Sex = Field(sa_type=enum_column_type(Sex))
    phone: str | None = Field(default=None, max_length=40)
    email: str | None = Field(default=None, max_length=254)
    address_line: str | None = Field(default=None, max_length=300)
    city: str | None = Field(default=None, max_length=100)
    state: str | None = Field(default=None, max_length=50)
    postal_code: str | None = Field(default=None, max_length=20)
    preferred_language: str | None = Field(default=None, max_length=50)
    interpreter_needed: bool = False
    # Who consents for a minor; None for adults.
    guardian_name: str | None = Field(default=None, max_length=200)
    guardian_relationship: str | None = Field(default=None, max_length=50)
    guardian_phone: str | None = Field(default=None, max_length=40)
    # Completed days of gestation at birth (32+4 weeks: 228), when known: a preterm
    # child's growth is read at the corrected age (``ma_tui.growth.ages``).
    gestational_age_days: int | None = None
    active: bool = True
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    # What patient search compares (``ma_tui.data.folding``): the names and MRN folded,
    # and the family name run on into the given name (김민준). Derived, never set by
    # hand: ``_fill_search_keys`` recomputes them whenever the ORM flushes a Patient.
    # Writing around it (an INSERT or UPDATE statement, plain SQL) must set them with
    # ``patient_search_keys``: otherwise a row keeps '' (the server default, which
    # SQLite needs to add a NOT NULL column) or stale keys, and search misses it.
    family_key: str = _search_key()
    given_key: str = _search_key()
    name_key: str = _search_key()
    mrn_key: str = _search_key()

    # Each search criterion is a range scan of one of these, already in the order
    # the rows are wanted in (``id`` last: the same order on every database).
    __table_args__ = (
        sa.Index("ix_patient_search_family", "family_key", "given_key", "id"),
        sa.Index("ix_patient_search_given", "given_key", "family_key", "id"),
        sa.Index("ix_patient_search_name", "name_key", "id"),
        sa.Index("ix_patient_search_mrn", "mrn_key", "id"),
    )


@sa.event.listens_for(Patient, "before_insert")
@sa.event.listens_for(Patient, "before_update")
def _fill_search_keys(_mapper: object, _connection: object, patient: Patient) -> None:
    """Keep the search keys in step with the names and MRN at every ORM insert and update."""
    keys = patient_search_keys(patient.family_name, patient.given_name, patient.mrn)
    for column, value in keys.items():
        if getattr(patient, column) != value:
            setattr(patient, column, value)


class Coverage(SQLModel, table=True):
    """An insurance policy; priority 1 is primary."""

    __tablename__ = "coverage"

    id: int | None = Field(default=None, primary_key=True)
    patient_id: int = Field(foreign_key="patient.id", index=True)
    priority: int = 1
    payer: str = Field(max_length=200)
    plan_name: str | None = Field(default=None, max_length=200)
    member_id: str = Field(max_length=64)
    group_number: str | None = Field(default=None, max_length=64)
    subscriber_name: str | None = Field(default=None, max_length=200)
    subscriber_relationship: str = Field(default="self", max_length=32)
    effective_date: date | None = None
    expiry_date: date | None = None
    last_verified_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_verified_by_id: int | None = Field(default=None, foreign_key="staff.id")
    active: bool = True
    # Where this row came from when it was imported (``ma_tui.fhir``): the source
    # resource's first identifier as ``system|value``, else ``Type/id``; None when
    # entered in ma-tui. A re-import finds the row by it, so it never duplicates.
    source_id: str | None = Field(default=None, max_length=SOURCE_ID_MAX)
