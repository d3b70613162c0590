"""Screenings given at rooming: one row per instrument given, one per item answered,
one per alert raised (with who acknowledged it).

The total, band and positivity are stored as they read when the visit was signed,
so the record says what the MA and the provider saw even if a later catalog scores
differently; every item's answer is kept beside them, so the total can be checked.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from ma_tui.data.types import UTCDateTime


class Screening(SQLModel, table=True):
    """One instrument given (or declined) in a signed visit."""

    __tablename__ = "screening"

    id: int | None = Field(default=None, primary_key=True)
    patient_id: int = Field(foreign_key="patient.id", index=True)
    encounter_id: int = Field(foreign_key="encounter.id", index=True)
    instrument: str = Field(max_length=16)  # catalog key: phq2, phq9, gad7, auditc, falls
    declined: bool = False
    total: int | None = None  # None when declined
    band: str | None = Field(default=None, max_length=64)  # "moderate", "positive"
    positive: bool = False
    reflexed_from: str | None = Field(default=None, max_length=16)
    given_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    entered_by_id: int | None = Field(default=None, foreign_key="staff.id")
    entered_at: datetime = Field(sa_type=UTCDateTime, nullable=False)


class ScreeningAnswer(SQLModel, table=True):
    """One item's answer, by item number, as its score."""

    __tablename__ = "screening_answer"

    id: int | None = Field(default=None, primary_key=True)
    screening_id: int = Field(foreign_key="screening.id", index=True)
    item: int
    score: int


class ScreeningAlert(SQLModel, table=True):
    """An answer that had to reach the clinician at once, and who passed it on."""

    __tablename__ = "screening_alert"

    id: int | None = Field(default=None, primary_key=True)
    screening_id: int = Field(foreign_key="screening.id", index=True)
    item: int
    text: str = Field(max_length=300)  # the alert exactly as shown
    acknowledged_by: str = Field(max_length=200)
    acknowledged_by_id: int | None = Field(default=None, foreign_key="staff.id")
    acknowledged_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    note: str = Field(default="", max_length=200)
