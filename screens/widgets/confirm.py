"""A yes/no question that must be answered from the keyboard: Y or Enter, N or Escape."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static

from ma_tui.screens.widgets.css import screen_css
from ma_tui.screens.widgets.footer import KeyFooter


class ConfirmScreen(ModalScreen[bool]):
    CSS = screen_css(__file__, "confirm.tcss")
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y,enter", "answer(True)", "Yes", id="confirm.yes"),
        Binding("n,escape", "answer(False)", "No", id="confirm.no"),
    ]

    def __init__(self, question: str, detail: str = "") -> None:
        super().__init__()
        self.question = question
        self.detail = detail

    def compose(self) -> ComposeResult:
        with Vertical(id="confirm-box"):
            yield Static(self.question, id="confirm-question", markup=False)
            if self.detail:
                yield Static(self.detail, id="confirm-detail", markup=False)
            yield Static("Y / Enter: yes     N / Esc: no", id="confirm-keys")
        yield KeyFooter()

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)
