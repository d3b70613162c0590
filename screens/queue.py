"""Today's queue: who is scheduled, who is waiting, and for how long."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from sqlalchemy.engine import Engine
from sqlmodel import Session
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static

from data.models import EncounterStatus
from ma_tui.clock import Clock
from ma_tui.queue import QueueEntry, load_queue

REFRESH_SECONDS = 30.0
# Widths fit 80 columns with the scrollbar: content + 2 of padding per column.
COLUMNS = (
    ("Time", "time", 5),
    ("Patient", "name", 21),
    ("Age", "age", 5),
    ("Sex", "sex", 3),
    ("Status", "status", 18),
    ("Wait", "wait", 5),
    ("Room", "room", 7),
)
STATUS_STYLES = {
    EncounterStatus.ARRIVED: "bold yellow",
    EncounterStatus.READY_FOR_PROVIDER: "bold green",
    EncounterStatus.ROOMING: "cyan",
    EncounterStatus.CHECKED_OUT: "dim",
    EncounterStatus.CANCELLED: "dim strike",
    EncounterStatus.NO_SHOW: "dim strike",
}


class QueueScreen(Screen[None]):
    CSS_PATH = "queue.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f5", "refresh_queue", "Refresh", id="queue.refresh"),
    ]

    def __init__(self, engine: Engine, clock: Clock) -> None:
        super().__init__()
        self.engine = engine
        self.clock = clock

    def compose(self) -> ComposeResult:
        yield Static(id="queue-title")
        yield DataTable(id="queue-table", cursor_type="row", zebra_stripes=True)
        yield Static(id="queue-empty")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one("#queue-table", DataTable)
        for label, key, width in COLUMNS:
            table.add_column(label, key=key, width=width)
        self.refresh_queue()
        self.set_interval(REFRESH_SECONDS, self.refresh_queue)

    def action_refresh_queue(self) -> None:
        self.refresh_queue()

    def refresh_queue(self) -> None:
        now = self.clock()
        with Session(self.engine) as session:
            entries = load_queue(session, now)
        self._show(entries)
        waiting = sum(entry.is_waiting for entry in entries)
        self.query_one("#queue-title", Static).update(
            f"[b]Today's queue[/b]  {now:%a %d %b %Y}  ·  {len(entries)} visits  ·  "
            f"{waiting} waiting"
        )

    def _show(self, entries: list[QueueEntry]) -> None:
        table = self.query_one("#queue-table", DataTable)
        selected = _selected_key(table)
        table.clear()
        for entry in entries:
            style = STATUS_STYLES.get(entry.status, "")
            # Text, not str: a name with [brackets] must not be read as markup.
            table.add_row(
                Text(entry.time),
                Text(entry.name),
                Text(entry.age),
                Text(entry.sex),
                Text(entry.status.label, style=style),
                Text(entry.wait, style=style),
                Text(entry.room),
                key=str(entry.encounter_id),
            )
        empty = self.query_one("#queue-empty", Static)
        empty.update("" if entries else "No visits are scheduled today.")
        empty.display = not entries
        table.display = bool(entries)
        if selected is not None and selected in table.rows:
            table.move_cursor(row=table.get_row_index(selected))


def _selected_key(table: DataTable[object]) -> str | None:
    if table.row_count == 0:
        return None
    row_key, _ = table.coordinate_to_cell_key(table.cursor_coordinate)
    return row_key.value
