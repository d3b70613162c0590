"""The room board's use cases: read the board, and move a room on, each with its event.

Every change loads the room's row, applies the board's move (``ma_tui.rooms.board``),
stores the room, adds a ``room_event`` when its state changed, and writes the audit
event, all in one transaction. :func:`occupy_for_visit` is the helper signing a
visit calls inside its own transaction: the visit's room, if it is on the board,
becomes occupied by its patient.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from ma_tui.core.audit import AuditAction, audit
from ma_tui.core.errors import Conflict, NotFound
from ma_tui.core.transaction import in_transaction, read_only
from ma_tui.data.catalogs.room_types import RoomType, room_types
from ma_tui.data.models.rooms import Room as RoomRow
from ma_tui.data.models.rooms import RoomEvent
from ma_tui.data.models.staff import Staff
from ma_tui.rooms import board
from ma_tui.rooms.board import Occupant, Room, RoomState

ENTITY = "room"


def _room(row: RoomRow) -> Room:
    occupant = None
    if row.patient_id is not None and row.encounter_id is not None:
        occupant = Occupant(row.patient_id, row.patient_name, row.encounter_id)
    return Room(
        row.name,
        row.room_type,
        RoomState(row.state),
        row.since,
        row.changed_by,
        occupant,
        frozenset(row.checked.split()),
        row.reason,
        row.id,
    )


def load_rooms(session: Session) -> list[Room]:
    return [_room(row) for row in session.exec(select(RoomRow).order_by(col(RoomRow.name)))]


def save_room(session: Session, room: Room) -> int:
    """Store ``room``; a change of state is one more ``room_event``. Its id."""
    row = session.get(RoomRow, room.room_id) if room.room_id is not None else None
    moved = row is None or row.state != room.state.value or row.since != room.since
    if row is None:
        row = RoomRow(
            name=room.name, room_type=room.room_type, state="", since=room.since, changed_by=""
        )
    row.state = room.state.value
    row.since = room.since
    row.changed_by = room.changed_by
    row.patient_id = room.occupant.patient_id if room.occupant else None
    row.patient_name = room.occupant.patient_name if room.occupant else ""
    row.encounter_id = room.occupant.encounter_id if room.occupant else None
    row.checked = " ".join(sorted(room.checked))
    row.reason = room.reason
    session.add(row)
    session.flush()
    assert row.id is not None
    if moved:
        session.add(
            RoomEvent(
                room_id=row.id,
                at=room.since,
                state=room.state.value,
                changed_by=room.changed_by,
                encounter_id=row.encounter_id,
                reason=room.reason,
            )
        )
    return row.id


def room_board(engine: Engine) -> list[Room]:
    """Every room, by name."""
    return read_only(engine, load_rooms)


def next_ready_room(engine: Engine, room_type: str | None = None) -> Room | None:
    """The room ready the longest (of ``room_type``, if given): where to room next."""
    return board.next_ready_room(room_board(engine), room_type)


def checklist(room: Room) -> RoomType:
    """The turnover checklist of the room's type."""
    return next(t for t in room_types().types if t.key == room.room_type)


def add_room(engine: Engine, name: str, room_type: str, *, at: datetime, staff_id: int) -> int:
    def work(session: Session) -> int:
        room = board.new_room(name, room_type, room_types(), at, _name(session, staff_id))
        room_id = save_room(session, room)
        _audit(session, AuditAction.CREATE, room, room_id, staff_id, at)
        return room_id

    return in_transaction(engine, work)


def occupy_for_visit(
    session: Session, name: str, occupant: Occupant, at: datetime, by: str
) -> Room | None:
    """The visit's patient is now in the room ``name``; None when the board cannot say so.

    Signing is never refused because of the board: a room not on it, or one the
    board does not show ready (another patient in it, waiting for turnover), is left
    as the board has it, for the MA to put right on the board (F7 on the queue).
    """
    row = session.exec(select(RoomRow).where(RoomRow.name == name)).first()
    if row is None:
        return None
    try:
        room = board.occupy(_room(row), occupant, at, by)
    except Conflict:
        return None
    save_room(session, room)
    return room


# ------------------------------------------------------------------ moves


def _change(
    engine: Engine,
    room_id: int,
    staff_id: int,
    at: datetime,
    change: Callable[[Room, str], Room],
) -> Room:
    def work(session: Session) -> Room:
        row = session.get(RoomRow, room_id, with_for_update=True)
        if row is None:
            raise NotFound("that room is no longer on the board")
        room = change(_room(row), _name(session, staff_id))
        save_room(session, room)
        _audit(session, AuditAction.UPDATE, room, room_id, staff_id, at)
        return room

    return in_transaction(engine, work)


def provider_done(engine: Engine, room_id: int, *, at: datetime, staff_id: int) -> Room:
    """The provider is done: the room needs turnover."""
    return _change(engine, room_id, staff_id, at, lambda r, by: board.provider_done(r, at, by))


def tick(engine: Engine, room_id: int, item_key: str, *, at: datetime, staff_id: int) -> Room:
    """Tick the checklist item, or untick it when it was ticked."""
    return _change(
        engine,
        room_id,
        staff_id,
        at,
        lambda r, _: board.tick(r, item_key, checklist(r), done=item_key not in r.checked),
    )


def finish_turnover(engine: Engine, room_id: int, *, at: datetime, staff_id: int) -> Room:
    """Every item ticked: the room is clean and ready."""
    return _change(
        engine, room_id, staff_id, at, lambda r, by: board.finish_turnover(r, checklist(r), at, by)
    )


def take_out_of_service(
    engine: Engine, room_id: int, reason: str, *, at: datetime, staff_id: int
) -> Room:
    return _change(
        engine, room_id, staff_id, at, lambda r, by: board.take_out_of_service(r, reason, at, by)
    )


def return_to_service(engine: Engine, room_id: int, *, at: datetime, staff_id: int) -> Room:
    return _change(engine, room_id, staff_id, at, lambda r, by: board.return_to_service(r, at, by))


def _name(session: Session, staff_id: int) -> str:
    staff = session.get(Staff, staff_id)
    if staff is None:
        raise NotFound("no such staff member")
    return staff.display_name


def _audit(
    session: Session, action: AuditAction, room: Room, room_id: int, staff_id: int, at: datetime
) -> None:
    audit(
        session,
        action,
        at=at,
        staff_id=staff_id,
        patient_id=room.occupant.patient_id if room.occupant else None,
        entity=ENTITY,
        entity_id=room_id,
        detail={"room": room.name, "state": room.state.value, "checked": len(room.checked)},
    )
