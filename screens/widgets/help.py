"""F1: every key of the screen the MA came from, and the keys that work everywhere."""

from __future__ import annotations

from typing import ClassVar

from rich.table import Table
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from ma_tui.screens.widgets.css import screen_css
from ma_tui.screens.widgets.footer import KeyFooter

GENERAL_KEYS = (
    ("Enter", "next field; on a step's last field, the next step"),
    ("Tab / Shift+Tab", "next / previous field"),
    ("Ctrl+P", "command palette: jump to a step or a patient"),
    ("F1", "this help"),
    ("Ctrl+Q", "quit (a visit in progress stays as a draft)"),
)


class HelpScreen(ModalScreen[None]):
    CSS = screen_css(__file__, "help.tcss")
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,f1,q", "close", "Close", id="help.close"),
    ]

    def __init__(self, screen_title: str, keys: list[tuple[str, str]]) -> None:
        super().__init__()
        self.screen_title = screen_title
        self.keys = keys

    def compose(self) -> ComposeResult:
        table = Table(box=None, show_header=False, padding=(0, 2, 0, 0))
        table.add_column(style="bold cyan", no_wrap=True)
        table.add_column()
        table.add_row(f"[b]{self.screen_title}[/b]", "")
        for key, description in self.keys:
            table.add_row(key, description)
        table.add_row("", "")
        table.add_row("[b]Everywhere[/b]", "")
        for key, description in GENERAL_KEYS:
            table.add_row(key, description)
        with VerticalScroll(id="help-box"):
            yield Static(table)
        yield KeyFooter()

    def action_close(self) -> None:
        self.dismiss()
