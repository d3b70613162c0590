"""The Textual application shell: given an engine, it opens on today's queue."""

from __future__ import annotations

from typing import ClassVar

from sqlalchemy.engine import Engine
from textual.app import App
from textual.binding import Binding, BindingType

from ma_tui.clock import Clock, system_clock
from screens.queue import QueueScreen


class MaTuiApp(App[None]):
    """ma-tui. The engine is always passed in, so tests can hand it a test database."""

    TITLE = "ma-tui"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+q", "quit", "Quit", id="app.quit", priority=True),
    ]

    def __init__(self, engine: Engine, *, clock: Clock = system_clock) -> None:
        super().__init__()
        self.engine = engine
        self.clock = clock

    def on_mount(self) -> None:
        self.push_screen(QueueScreen(self.engine, self.clock))
