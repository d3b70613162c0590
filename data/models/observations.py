"""Measured values: vital signs (and, later, point-of-care results)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlmodel import Field, SQLModel

from ma_tui.data.types import UTCDateTime, enum_column_type, utcnow


class ObservationStatus(StrEnum):
    """FHIR Observation.status values that rooming uses."""

    PRELIMINARY = "preliminary"  # in an unsigned visit
    FINAL = "final"
    ENTERED_IN_ERROR = "entered-in-error"


class Observation(SQLModel, table=True):
    """One measured value (a vital sign now, a point-of-care lab later).

    ``value_entered``/``unit_entered`` keep exactly what was typed; ``value``/``unit``
    hold the canonical value in UCUM (kg, cm, Cel, ...). A value not obtained has
    no value and a ``not_obtained_reason``. Systolic and diastolic of one reading
    share a ``reading_group``; a repeat reading is a new group, never an overwrite.
    """

    __tablename__ = "observation"

    id: int | None = Field(default=None, primary_key=True)
    patient_id: int = Field(foreign_key="patient.id", index=True)
    encounter_id: int | None = Field(default=None, foreign_key="encounter.id", index=True)
    code: str = Field(max_length=16, index=True)  # LOINC
    value_entered: str | None = Field(default=None, max_length=64)
    unit_entered: str | None = Field(default=None, max_length=32)
    value: float | None = None
    unit: str | None = Field(default=None, max_length=32)  # UCUM
    interpretation: str | None = Field(default=None, max_length=8)  # H, L, HH, LL, A
    position: str | None = Field(default=None, max_length=32)  # sitting, standing, ...
    site: str | None = Field(default=None, max_length=32)  # left arm, oral, ...
    method: str | None = Field(default=None, max_length=64)  # cuff size, device, ...
    o2_flow_l_min: float | None = None
    reading_group: str | None = Field(default=None, max_length=36)
    not_obtained_reason: str | None = Field(default=None, max_length=200)
    # Why the MA had to confirm the value before it was stored: implausible for
    # the age, far from recent readings, or taken over a day back.
    confirmation: str | None = Field(default=None, max_length=300)
    # A unit catch: what was typed, why it was held in the unit it was read in, and
    # the other unit the MA took instead (``ma_tui.vitals.catch``).
    unit_catch: str | None = Field(default=None, max_length=300)
    status: ObservationStatus = Field(
        default=ObservationStatus.FINAL, sa_type=enum_column_type(ObservationStatus)
    )
    corrects_id: int | None = Field(default=None, foreign_key="observation.id")
    taken_at: datetime = Field(sa_type=UTCDateTime, nullable=False, index=True)
    entered_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    entered_by_id: int | None = Field(default=None, foreign_key="staff.id")
