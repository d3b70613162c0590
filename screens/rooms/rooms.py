"""The room board: each room occupied (by whom, since when), needing turnover, ready,
or out of service.

Opened with F4 from the queue. The state column says the state in words, with a
mark (● occupied, ◐ turnover, ○ ready, × out of service), so it reads without
colour. ``d`` marks the provider done (the room needs turnover); on a room in
turnover the checklist of its type shows below, the digits tick its items and
``r`` makes it ready once every item is ticked. ``n`` moves to the next ready room.
Every change is a use case of ``ma_tui.rooms.store``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import DataTable, Static

from ma_tui.core.clock import Clock
from ma_tui.core.errors import UserError
from ma_tui.core.transaction import Engine
from ma_tui.rooms import store
from ma_tui.rooms.board import STATE_DISPLAY, Room, RoomState, alerts, next_ready_room
from ma_tui.screens.widgets.ask import AskScreen
from ma_tui.screens.widgets.css import screen_css
from ma_tui.screens.widgets.footer import KeyFooter

COLUMNS = (
    ("Room", "room", 10),
    ("State", "state", 18),
    ("Patient / why", "who", 24),
    ("Since", "since", 5),
    ("For", "for", 7),
)
MARKS = {
    RoomState.OCCUPIED: ("●", "bold yellow"),
    RoomState.TURNOVER: ("◐", "bold magenta"),
    RoomState.READY: ("○", "green"),
    RoomState.OUT_OF_SERVICE: ("×", "dim"),
}


class RoomsScreen(Screen[None]):
    TITLE = "Rooms"
    CSS = screen_css(__file__, "rooms.tcss")
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("d", "provider_done", "Provider done", id="rooms.provider_done"),
        Binding("r", "ready", "Ready", id="rooms.ready"),
        Binding("n", "next_ready", "Next ready", id="rooms.next_ready"),
        Binding("o", "out_of_service", "Out of service", id="rooms.out", show=False),
        Binding("s", "back_in_service", "Back in service", id="rooms.back_in", show=False),
        *(
            Binding(str(n), f"tick({n})", f"Tick item {n}", id=f"rooms.tick_{n}", show=False)
            for n in range(1, 10)
        ),
        Binding("escape", "back", "Back", id="rooms.back"),
    ]

    def __init__(self, engine: Engine, clock: Clock, staff_id: int | None) -> None:
        super().__init__()
        self.engine = engine
        self.clock = clock
        self.staff_id = staff_id
        self.rooms: dict[str, Room] = {}

    def compose(self) -> ComposeResult:
        yield Static(id="rooms-title")
        table: DataTable[Text] = DataTable(id="rooms-table", cursor_type="row")
        for label, key, width in COLUMNS:
            table.add_column(label, key=key, width=width)
        yield table
        yield Static(id="rooms-detail", markup=False)
        yield KeyFooter()

    def on_mount(self) -> None:
        self.reload()
        self.query_one("#rooms-table", DataTable).focus()

    def reload(self, keep: str | None = None) -> None:
        try:
            rooms = store.room_board(self.engine)
        except UserError as exc:
            self.notify(str(exc), severity="warning", markup=False)
            return
        now = self.clock()
        tz = now.tzinfo
        table: DataTable[Text] = self.query_one("#rooms-table", DataTable)
        keep = keep or self._key()
        table.clear()
        self.rooms = {str(room.room_id): room for room in rooms}
        for key, room in self.rooms.items():
            mark, style = MARKS[room.state]
            who = room.occupant.patient_name if room.occupant else room.reason
            table.add_row(
                Text(room.name),
                Text(f"{mark} {STATE_DISPLAY[room.state]}", style=style),
                Text(who),
                Text(f"{room.since.astimezone(tz):%H:%M}"),
                Text(f"{room.minutes_in_state(now)} min"),
                key=key,
            )
        if keep is not None and keep in self.rooms:
            table.move_cursor(row=table.get_row_index(keep))
        ready = sum(room.state is RoomState.READY for room in rooms)
        late = alerts(rooms, now)
        title = Text.assemble(("Rooms", "bold"), f"   {ready} ready of {len(rooms)}")
        if late:
            title.append(f"   ⚠ {late[0].text}", style="bold")
        self.query_one("#rooms-title", Static).update(title)
        self._show_detail()

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._show_detail()

    def _show_detail(self) -> None:
        room = self._room()
        panel = self.query_one("#rooms-detail", Static)
        if room is None:
            panel.update("No rooms on the board.")
            return
        if room.state is RoomState.TURNOVER:
            checklist = store.checklist(room)
            lines = [f"{room.name} turnover ({checklist.name}): 1-9 tick, r ready"]
            lines += [
                f"{n}. [{'x' if item.key in room.checked else ' '}] {item.text}"
                for n, item in enumerate(checklist.checklist, start=1)
            ]
            panel.update("\n".join(lines))
            return
        panel.update(f"{room.name}: {STATE_DISPLAY[room.state]} · moved by {room.changed_by}")

    def _key(self) -> str | None:
        table = self.query_one("#rooms-table", DataTable)
        if table.row_count == 0:
            return None
        row_key, _ = table.coordinate_to_cell_key(table.cursor_coordinate)
        return row_key.value

    def _room(self) -> Room | None:
        key = self._key()
        return self.rooms.get(key) if key is not None else None

    def _do(self, change: Callable[[int, int], object]) -> None:
        room = self._room()
        if room is None or room.room_id is None:
            return
        if self.staff_id is None:
            self.notify("Sign in to change the board.", severity="warning")
            return
        try:
            change(room.room_id, self.staff_id)
        except UserError as exc:
            self.notify(str(exc), severity="warning", markup=False)
            return
        self.reload(keep=str(room.room_id))

    def action_provider_done(self) -> None:
        self._do(
            lambda room, me: store.provider_done(self.engine, room, at=self.clock(), staff_id=me)
        )

    def action_tick(self, number: int) -> None:
        room = self._room()
        if room is None or room.state is not RoomState.TURNOVER:
            return
        items = store.checklist(room).checklist
        if number > len(items):
            return
        key = items[number - 1].key
        self._do(lambda r, me: store.tick(self.engine, r, key, at=self.clock(), staff_id=me))

    def action_ready(self) -> None:
        self._do(lambda r, me: store.finish_turnover(self.engine, r, at=self.clock(), staff_id=me))

    def action_back_in_service(self) -> None:
        self._do(
            lambda r, me: store.return_to_service(self.engine, r, at=self.clock(), staff_id=me)
        )

    def action_out_of_service(self) -> None:
        def answered(reason: str | None) -> None:
            if reason:
                self._do(
                    lambda r, me: store.take_out_of_service(
                        self.engine, r, reason, at=self.clock(), staff_id=me
                    )
                )

        self.app.push_screen(AskScreen("Why is the room out of service?"), answered)

    def action_next_ready(self) -> None:
        room = next_ready_room(self.rooms.values())
        if room is None:
            self.notify("No room is ready.", severity="warning")
            return
        table = self.query_one("#rooms-table", DataTable)
        table.move_cursor(row=table.get_row_index(str(room.room_id)))

    def action_back(self) -> None:
        self.dismiss()
