"""The clinic's rooms on the board, and every change of each room's state."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from ma_tui.data.types import UTCDateTime


class Room(SQLModel, table=True):
    """A room as it stands now (``ma_tui.rooms.board.Room``)."""

    __tablename__ = "room"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=20, sa_column_kwargs={"unique": True})
    room_type: str = Field(max_length=32)  # a key of room_types.json
    state: str = Field(max_length=16)  # ma_tui.rooms.board.RoomState
    since: datetime = Field(sa_type=UTCDateTime, nullable=False)
    changed_by: str = Field(max_length=200)
    patient_id: int | None = Field(default=None, foreign_key="patient.id")
    patient_name: str = Field(default="", max_length=200)
    encounter_id: int | None = Field(default=None, foreign_key="encounter.id")
    checked: str = Field(default="", max_length=500)  # ticked checklist keys, space-separated
    reason: str = Field(default="", max_length=200)  # why it is out of service


class RoomEvent(SQLModel, table=True):
    """A room entered ``state`` at ``at``, moved there by ``changed_by``."""

    __tablename__ = "room_event"

    id: int | None = Field(default=None, primary_key=True)
    room_id: int = Field(foreign_key="room.id", index=True)
    at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    state: str = Field(max_length=16)
    changed_by: str = Field(max_length=200)
    encounter_id: int | None = Field(default=None, foreign_key="encounter.id")
    reason: str = Field(default="", max_length=200)
