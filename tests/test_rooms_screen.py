"""The room board: signing rooms the patient, the provider's done, the turnover checklist."""

from __future__ import annotations

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from ma_tui.data.models.rooms import RoomEvent
from ma_tui.rooms.board import RoomState
from ma_tui.rooms.store import room_board
from ma_tui.screens.queue.queue import QueueScreen
from ma_tui.screens.rooms.rooms import RoomsScreen
from tests.day_work import app_as
from tests.pilot import open_from_queue, shown, type_text


def _exam_6(engine: Engine) -> RoomState:
    return next(room for room in room_board(engine) if room.name == "Exam 6").state


async def test_a_room_goes_occupied_then_turnover_then_ready(demo_engine: Engine) -> None:
    app = app_as(demo_engine, "mia")
    async with app.run_test(size=(100, 40)) as pilot:
        await open_from_queue(pilot, "whit da")
        await pilot.press("enter", "enter", "enter")  # check-in
        await type_text(pilot, "128/82")
        await pilot.press("enter", "enter")
        await type_text(pilot, "76")
        await pilot.press("enter", "enter", "enter", "enter", "enter")
        await type_text(pilot, "171")
        await pilot.press("ctrl+r", "4")
        await type_text(pilot, "cough for 5 days")
        await pilot.press("ctrl+r", "f7")  # the next ready room, in one key
        await pilot.pause()
        assert app.screen.query_one("#room").value == "Exam 6"  # type: ignore[attr-defined]
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, QueueScreen)
        assert _exam_6(demo_engine) is RoomState.OCCUPIED
        await pilot.press("f4")
        assert isinstance(app.screen, RoomsScreen)
        await pilot.press("n")  # no room is ready now
        await pilot.pause()
        await pilot.press(*["down"] * 5)  # Exam 6
        await pilot.pause()
        assert "Dana Whitfield" in str(app.screen.query_one("#rooms-table").get_row_at(5))  # type: ignore[attr-defined]
        await pilot.press("d")  # the provider is done
        await pilot.pause()
        assert _exam_6(demo_engine) is RoomState.TURNOVER
        await pilot.press("1", "2", "3", "r")  # not every item ticked: refused
        await pilot.pause()
        assert _exam_6(demo_engine) is RoomState.TURNOVER
        assert "4. [ ] Bag used gowns" in shown(app, "#rooms-detail")
        await pilot.press("4", "5", "6", "7", "r")
        await pilot.pause()
        assert _exam_6(demo_engine) is RoomState.READY
        await pilot.press("home", "n")  # the next ready room: the only one
        await pilot.pause()
        assert app.screen.query_one("#rooms-table").cursor_row == 5  # type: ignore[attr-defined]
    with Session(demo_engine) as session:
        states = session.exec(
            select(RoomEvent.state).where(RoomEvent.room_id == 6).order_by(col(RoomEvent.id))
        ).all()
    assert states == ["ready", "occupied", "turnover", "ready"]
