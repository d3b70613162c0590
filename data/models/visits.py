"""The visit: its schedule, status timeline and the draft being roomed."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from ma_tui.data.types import SOURCE_ID_MAX, UTCDateTime, enum_column_type, utcnow


class EncounterStatus(StrEnum):
    """Where a visit stands; the order is the usual path through the clinic."""

    SCHEDULED = "scheduled"
    ARRIVED = "arrived"
    ROOMING = "rooming"
    READY_FOR_PROVIDER = "ready_for_provider"
    WITH_PROVIDER = "with_provider"
    CHECKED_OUT = "checked_out"
    CANCELLED = "cancelled"
    NO_SHOW = "no_show"

    @property
    def label(self) -> str:
        return _STATUS_LABELS[self]


_STATUS_LABELS = {
    EncounterStatus.SCHEDULED: "Scheduled",
    EncounterStatus.ARRIVED: "Arrived",
    EncounterStatus.ROOMING: "Rooming",
    EncounterStatus.READY_FOR_PROVIDER: "Ready for provider",
    EncounterStatus.WITH_PROVIDER: "With provider",
    EncounterStatus.CHECKED_OUT: "Checked out",
    EncounterStatus.CANCELLED: "Cancelled",
    EncounterStatus.NO_SHOW: "No show",
}


class Encounter(SQLModel, table=True):
    """One visit: scheduled, then roomed, then handed to the provider."""

    __tablename__ = "encounter"

    id: int | None = Field(default=None, primary_key=True)
    patient_id: int = Field(foreign_key="patient.id", index=True)
    scheduled_at: datetime = Field(sa_type=UTCDateTime, nullable=False, index=True)
    provider_id: int | None = Field(default=None, foreign_key="staff.id")
    visit_type: str = Field(default="follow-up", max_length=64)
    room: str | None = Field(default=None, max_length=16)
    status: EncounterStatus = Field(
        default=EncounterStatus.SCHEDULED, sa_type=enum_column_type(EncounterStatus)
    )
    status_changed_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    walk_in: bool = False
    # Chief complaint in the patient's own words (LOINC 10154-3) and structured HPI.
    chief_complaint: str | None = Field(default=None, max_length=2000)
    hpi_onset: str | None = Field(default=None, max_length=500)
    hpi_location: str | None = Field(default=None, max_length=500)
    hpi_duration: str | None = Field(default=None, max_length=500)
    hpi_character: str | None = Field(default=None, max_length=500)
    hpi_aggravating: str | None = Field(default=None, max_length=500)
    hpi_alleviating: str | None = Field(default=None, max_length=500)
    hpi_radiation: str | None = Field(default=None, max_length=500)
    hpi_timing: str | None = Field(default=None, max_length=500)
    hpi_severity: int | None = None
    hpi_associated: str | None = Field(default=None, max_length=1000)
    identity_confirmed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    identity_confirmed_by_id: int | None = Field(default=None, foreign_key="staff.id")
    signed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    signed_by_id: int | None = Field(default=None, foreign_key="staff.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    # The booked slot's length (FHIR Appointment end - start); None for a walk-in,
    # or a visit scheduled before ma-tui kept it.
    scheduled_minutes: int | None = None
    # The imported Appointment this visit was scheduled from (see Coverage.source_id).
    source_id: str | None = Field(default=None, max_length=SOURCE_ID_MAX, index=True)


class EncounterStatusChange(SQLModel, table=True):
    """Each move of an encounter's status, with its time: the visit's timeline."""

    __tablename__ = "encounter_status_change"

    id: int | None = Field(default=None, primary_key=True)
    encounter_id: int = Field(foreign_key="encounter.id", index=True)
    status: EncounterStatus = Field(sa_type=enum_column_type(EncounterStatus))
    changed_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    changed_by_id: int | None = Field(default=None, foreign_key="staff.id")


class RoomingDraft(SQLModel, table=True):
    """The unsigned part of a visit being roomed, saved as the MA moves through it.

    Signing writes the draft out into the clinical tables in one transaction and
    deletes it; until then the draft is what survives a closed terminal.

    ``holder`` is who is rooming the visit, since ``held_since``: only they may
    resume, save or sign it (the signed-in MA's username, else the operating-system
    user and host, ``mia@exam-pc-3``); None on a draft saved before holders were
    kept, which the next MA to open it takes.

    ``terminal_*`` is the one running ma-tui that holds it now (its session id, host
    and process id), alive while ``heartbeat_at`` is recent: the same MA on another
    terminal is refused until it lets go, goes silent or its process is gone.
    ``version`` counts the saves; a save or sign from an older version is refused.
    """

    __tablename__ = "rooming_draft"

    encounter_id: int = Field(foreign_key="encounter.id", primary_key=True)
    owner_id: int | None = Field(default=None, foreign_key="staff.id")
    holder: str | None = Field(default=None, max_length=200)
    held_since: datetime | None = Field(default=None, sa_type=UTCDateTime)
    data: str = Field(sa_type=sa.Text)  # JSON of ma_tui.visits.draft.VisitDraft
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    version: int = Field(default=0, sa_column_kwargs={"server_default": sa.text("0")})
    terminal_id: str | None = Field(default=None, max_length=36)
    terminal_host: str | None = Field(default=None, max_length=255)
    terminal_pid: int | None = None
    heartbeat_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
