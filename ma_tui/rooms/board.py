"""A room's state and how it changes: occupied -> needs turnover -> clean and ready.

The moves follow the visit: signing a visit's rooming puts its patient in the room
(:func:`occupy`), the provider's "done" leaves the room needing turnover
(:func:`provider_done`), and the MA's turnover checklist for the room's type, every
item ticked, makes it ready (:func:`finish_turnover`). A room may be taken out of
service from ready or turnover (never with a patient in it), and comes back needing
turnover: it is cleaned before anyone uses it.

The states map onto HL7 v2 table 0116 (Bed Status), confirmed in HL7 Terminology
(ValueSet v2-0116: C Closed, H Housekeeping, I Isolated, K Contaminated, O Occupied,
U Unoccupied): occupied is O, needs turnover H, ready U, out of service C.

Every function returns a new room; nothing changes in place, so the caller stores
the new one and audits the change in one transaction. "Next ready room" is the room
of the wanted type that has been ready the longest (the MA's hallway search, gone).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum

from ma_tui.core.errors import Conflict, InvalidInput, NotFound
from ma_tui.data.catalogs.room_types import RoomType, RoomTypes

DEFAULT_OCCUPIED_ALERT_MINUTES = 60
DEFAULT_TURNOVER_ALERT_MINUTES = 15
ALERT_MINUTES_MIN, ALERT_MINUTES_MAX = 1, 480
MAX_NAME = 20
MAX_REASON = 200


class RoomState(StrEnum):
    OCCUPIED = "occupied"
    TURNOVER = "turnover"
    READY = "ready"
    OUT_OF_SERVICE = "out-of-service"


STATE_DISPLAY = {
    RoomState.OCCUPIED: "occupied",
    RoomState.TURNOVER: "needs turnover",
    RoomState.READY: "clean and ready",
    RoomState.OUT_OF_SERVICE: "out of service",
}

# HL7 v2 table 0116 (Bed Status): code and display, for Location.operationalStatus.
BED_STATUS: Mapping[RoomState, tuple[str, str]] = {
    RoomState.OCCUPIED: ("O", "Occupied"),
    RoomState.TURNOVER: ("H", "Housekeeping"),
    RoomState.READY: ("U", "Unoccupied"),
    RoomState.OUT_OF_SERVICE: ("C", "Closed"),
}

TRANSITIONS: Mapping[RoomState, frozenset[RoomState]] = {
    RoomState.READY: frozenset({RoomState.OCCUPIED, RoomState.OUT_OF_SERVICE}),
    RoomState.OCCUPIED: frozenset({RoomState.TURNOVER}),
    RoomState.TURNOVER: frozenset({RoomState.READY, RoomState.OUT_OF_SERVICE}),
    RoomState.OUT_OF_SERVICE: frozenset({RoomState.TURNOVER}),
}


@dataclass(frozen=True, slots=True)
class Occupant:
    patient_id: int
    patient_name: str
    encounter_id: int


@dataclass(frozen=True, slots=True)
class Room:
    name: str  # "Exam 3": unique in the clinic
    room_type: str  # a key of room_types.json
    state: RoomState
    since: datetime  # when it entered this state
    changed_by: str  # who moved it there
    occupant: Occupant | None = None
    checked: frozenset[str] = frozenset()  # turnover items ticked so far
    reason: str = ""  # why it is out of service
    room_id: int | None = None

    @property
    def bed_status(self) -> tuple[str, str]:
        return BED_STATUS[self.state]

    def minutes_in_state(self, now: datetime) -> int:
        return max(0, int((now - self.since).total_seconds() // 60))


def new_room(name: str, room_type: str, types: RoomTypes, at: datetime, by: str) -> Room:
    """A room the clinic adds: ready once set up."""
    cleaned = " ".join(name.split())
    if not cleaned or len(cleaned) > MAX_NAME:
        raise InvalidInput(f"name the room in 1 to {MAX_NAME} characters, e.g. Exam 3")
    if room_type not in {t.key for t in types.types}:
        kinds = ", ".join(t.key for t in types.types)
        raise InvalidInput(f"{room_type!r} is not a room type ({kinds})")
    return Room(cleaned, room_type, RoomState.READY, at, by)


# ------------------------------------------------------------------ moves


def occupy(room: Room, occupant: Occupant, at: datetime, by: str) -> Room:
    """The patient is roomed here (signing the visit's rooming). Signing again for
    the same visit leaves the room as it is."""
    if room.state is RoomState.OCCUPIED and room.occupant == occupant:
        return room
    if room.state is RoomState.OCCUPIED:
        assert room.occupant is not None
        since = room.since.strftime("%H:%M")
        raise Conflict(f"{room.name} has {room.occupant.patient_name} since {since}")
    _check(room, RoomState.OCCUPIED)
    return _moved(room, RoomState.OCCUPIED, at, by, occupant=occupant)


def provider_done(room: Room, at: datetime, by: str) -> Room:
    """The provider is done with the patient: the room needs turnover."""
    _check(room, RoomState.TURNOVER)
    return _moved(room, RoomState.TURNOVER, at, by)


def tick(room: Room, item_key: str, room_type: RoomType, done: bool = True) -> Room:
    """Tick (or untick) one item of the turnover checklist."""
    if room.state is not RoomState.TURNOVER:
        raise Conflict(f"{room.name} is {STATE_DISPLAY[room.state]}, not in turnover")
    _same_type(room, room_type)
    if item_key not in room_type.item_keys:
        raise NotFound(f"{item_key!r} is not on the {room_type.name.lower()} checklist")
    checked = room.checked | {item_key} if done else room.checked - {item_key}
    return replace(room, checked=checked)


def still_to_do(room: Room, room_type: RoomType) -> tuple[str, ...]:
    """The checklist items not yet ticked, in the checklist's order."""
    return tuple(item.text for item in room_type.checklist if item.key not in room.checked)


def finish_turnover(room: Room, room_type: RoomType, at: datetime, by: str) -> Room:
    """Every item ticked: the room is clean and ready."""
    _check(room, RoomState.READY)
    _same_type(room, room_type)
    missing = still_to_do(room, room_type)
    if missing:
        raise Conflict(f"still to do in {room.name}: " + "; ".join(missing))
    return _moved(room, RoomState.READY, at, by)


def take_out_of_service(room: Room, reason: str, at: datetime, by: str) -> Room:
    if room.state is RoomState.OCCUPIED:
        raise Conflict(f"{room.name} has a patient in it: move them first")
    cleaned = " ".join(reason.split())
    if not cleaned or len(cleaned) > MAX_REASON:
        raise InvalidInput("say why the room is out of service")
    _check(room, RoomState.OUT_OF_SERVICE)
    return _moved(room, RoomState.OUT_OF_SERVICE, at, by, reason=cleaned)


def return_to_service(room: Room, at: datetime, by: str) -> Room:
    """Back in service, needing turnover before the next patient."""
    _check(room, RoomState.TURNOVER)
    return _moved(room, RoomState.TURNOVER, at, by)


def _check(room: Room, to: RoomState) -> None:
    if to not in TRANSITIONS[room.state]:
        raise Conflict(
            f"{room.name} is {STATE_DISPLAY[room.state]}: it cannot become {STATE_DISPLAY[to]}"
        )


def _same_type(room: Room, room_type: RoomType) -> None:
    if room.room_type != room_type.key:
        raise InvalidInput(f"{room.name} is a {room.room_type} room, not {room_type.key}")


def _moved(
    room: Room,
    to: RoomState,
    at: datetime,
    by: str,
    *,
    occupant: Occupant | None = None,
    reason: str = "",
) -> Room:
    if at.tzinfo is None:
        raise ValueError("a room change needs an aware time")
    if at < room.since:
        last = room.since.astimezone(at.tzinfo)
        raise InvalidInput(
            f"the room last changed at {last:%H:%M}, after this time ({at:%H:%M}):"
            " check the terminal's clock"
        )
    return replace(
        room,
        state=to,
        since=at,
        changed_by=by,
        occupant=occupant,
        checked=frozenset(),
        reason=reason,
    )


# ------------------------------------------------------------------ the board


def next_ready_room(rooms: Iterable[Room], room_type: str | None = None) -> Room | None:
    """The room of ``room_type`` (any type when None) ready the longest."""
    ready = [
        room
        for room in rooms
        if room.state is RoomState.READY and (room_type is None or room.room_type == room_type)
    ]
    return min(ready, key=lambda room: (room.since, room.name), default=None)


def room_of(rooms: Iterable[Room], encounter_id: int) -> Room | None:
    """The room a visit's patient is in, if any."""
    return next(
        (r for r in rooms if r.occupant is not None and r.occupant.encounter_id == encounter_id),
        None,
    )


@dataclass(frozen=True, slots=True)
class RoomAlert:
    room: Room
    minutes: int
    text: str


def alerts(
    rooms: Sequence[Room],
    now: datetime,
    occupied_minutes: int = DEFAULT_OCCUPIED_ALERT_MINUTES,
    turnover_minutes: int = DEFAULT_TURNOVER_ALERT_MINUTES,
) -> list[RoomAlert]:
    """Rooms occupied or waiting for turnover longer than the clinic's limits, longest first."""
    found: list[RoomAlert] = []
    for room in rooms:
        minutes = room.minutes_in_state(now)
        if room.state is RoomState.OCCUPIED and minutes > occupied_minutes:
            assert room.occupant is not None
            who = room.occupant.patient_name
            found.append(RoomAlert(room, minutes, f"{room.name}: {who} in the room {minutes} min"))
        elif room.state is RoomState.TURNOVER and minutes > turnover_minutes:
            found.append(RoomAlert(room, minutes, f"{room.name}: needs turnover for {minutes} min"))
    return sorted(found, key=lambda alert: (-alert.minutes, alert.room.name))


def board_line(room: Room, now: datetime) -> str:
    """``Exam 3  occupied  Dana Whitfield  23 min`` (the screen lays out the columns)."""
    who = room.occupant.patient_name if room.occupant else room.reason
    parts = [room.name, STATE_DISPLAY[room.state], who, f"{room.minutes_in_state(now)} min"]
    return "  ".join(part for part in parts if part)


def parse_alert_minutes(text: str) -> int:
    """A clinic setting: minutes a room may stay occupied (or in turnover) before it alerts."""
    typed = text.strip().removesuffix("min").strip()
    if not typed.isascii() or not typed.isdigit() or len(typed) > 3:
        raise InvalidInput(
            f"type whole minutes from {ALERT_MINUTES_MIN} to {ALERT_MINUTES_MAX}, e.g. 15"
        )
    minutes = int(typed)
    if not ALERT_MINUTES_MIN <= minutes <= ALERT_MINUTES_MAX:
        raise InvalidInput(f"alert after {ALERT_MINUTES_MIN} to {ALERT_MINUTES_MAX} minutes")
    return minutes
