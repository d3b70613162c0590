"""The anchor of ``bench/latency.py``: a bare Textual app doing ma-tui's kinds of work.

Same Textual as ma-tui (run with the checkout's ``.venv``), nothing of ma-tui:
Screen 1 ("check-in"): three Inputs and a Footer; Enter moves the focus, the third
Enter switches to screen 2.
Screen 2 ("vitals"): a one-line Input whose every character is parsed (split on
spaces, each piece echoed in a readback Static and put into its field by its
prefix), then a grid of 13 rows x (Label, Input, Static) = 39 widgets, and a Footer.
Enter on the line switches to screen 3.
Screen 3 ("history"): a DataTable of 8 rows and a Footer; Enter marks the row
reviewed and moves down; Esc switches back to screen 1 (a fresh one).
F3 on screen 1 switches straight to screen 3 (what ma-tui's "resume" is compared with).
Every switch composes a new screen: that is what a bare app pays for a new screen.
"""

from __future__ import annotations

from typing import ClassVar

from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Grid
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Input, Label, Static

FIELDS = [  # (label, unit, line prefix)
    ("BP", "mmHg", "/"),
    ("BP repeat", "mmHg", None),
    ("Pulse", "/min", "p"),
    ("Resp", "/min", "r"),
    ("Temp", "°F", "t"),
    ("Route", "", None),
    ("SpO2", "%", "o"),
    ("O2 flow", "L/min", None),
    ("Height", "in", "h"),
    ("Weight", "lb", "w"),
    ("Pain 0-10", "/10", "pn"),
    ("Head circ.", "cm", "hc"),
    ("Taken at", "", "@"),
]
SECTIONS = [
    "Medical",
    "Surgical",
    "Family",
    "Social",
    "Medications",
    "Allergies",
    "Immunizations",
    "Screening",
]


class CheckIn(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f3", "resume", "Resume"),
        Binding("escape", "app.quit", "Quit"),
    ]

    def compose(self) -> ComposeResult:
        yield Label("Screen 1 · check-in", classes="title")
        yield Input(placeholder="Username", id="f1")
        yield Input(placeholder="PIN", id="f2")
        yield Input(placeholder="Search", id="f3")
        yield Footer()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "f3":
            self.app.switch_screen(Vitals())
        else:
            self.focus_next()

    def action_resume(self) -> None:
        self.app.switch_screen(History())


class Vitals(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "leave", "Queue"),
        Binding("f2", "noop", "Not obtained"),
    ]

    def compose(self) -> ComposeResult:
        yield Label("Screen 2 · vitals", classes="title")
        yield Input(placeholder="One line: 128/82 p76 r16 t98.4 o97 w171 pn2", id="line")
        yield Static("", id="readback")
        with Grid(id="form"):
            for i, (name, unit, _) in enumerate(FIELDS):
                yield Label(name)
                yield Input(id=f"v{i}", classes="vital")
                yield Static(unit, id=f"u{i}")
        yield Footer()

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id != "line":
            return
        pieces = event.value.split()
        self.query_one("#readback", Static).update(" · ".join(pieces))
        values: dict[int, str] = {}
        by_prefix = sorted(enumerate(FIELDS), key=lambda f: -len(f[1][2] or ""))
        for piece in pieces:
            for i, (_, _, prefix) in by_prefix:
                if prefix is None:
                    continue
                if (prefix == "/" and "/" in piece) or (prefix != "/" and piece.startswith(prefix)):
                    values[i] = piece if prefix == "/" else piece[len(prefix) :]
                    break
        for i, (_, unit, prefix) in enumerate(FIELDS):
            if prefix is None:
                continue
            field = self.query_one(f"#v{i}", Input)
            value = values.get(i, "")
            if field.value != value:
                field.value = value
                shown = f"{unit}  {value} {unit}" if value else unit
                self.query_one(f"#u{i}", Static).update(shown)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "line":
            self.app.switch_screen(History())
        else:
            self.focus_next()

    def action_leave(self) -> None:
        self.app.switch_screen(CheckIn())

    def action_noop(self) -> None:
        pass


class History(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "leave", "Queue"),
        Binding("a", "noop", "Add"),
        Binding("e", "noop", "Edit"),
    ]

    def compose(self) -> ComposeResult:
        yield Label("Screen 3 · history", classes="title")
        yield DataTable[str](id="table", cursor_type="row")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_column("Section", key="section")
        table.add_column("Entries", key="entries")
        table.add_column("Status", key="status")
        for i, name in enumerate(SECTIONS):
            table.add_row(name, str(i + 1), "to review", key=name)
        table.focus()

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        table = event.data_table
        table.update_cell(event.row_key, "status", "reviewed ✓")
        table.move_cursor(row=table.cursor_row + 1)

    def action_leave(self) -> None:
        self.app.switch_screen(CheckIn())

    def action_noop(self) -> None:
        pass


class BareApp(App[None]):
    CSS = """
    .title { text-style: bold; padding: 0 1; }
    Input { width: 60; }
    #readback { height: 2; padding: 0 1; color: $text-muted; }
    #form { grid-size: 3; grid-columns: 14 24 1fr; grid-rows: 1; height: auto; }
    #form Input { width: 24; height: 1; border: none; padding: 0 1; }
    #form Label { padding: 0 1; }
    DataTable { height: auto; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [Binding("ctrl+q", "quit", "Quit", priority=True)]

    def on_mount(self) -> None:
        self.push_screen(CheckIn())


if __name__ == "__main__":
    BareApp().run()
