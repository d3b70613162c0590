"""A yes/no question that must be answered from the keyboard: Y or N (Escape: no).

Enter says yes, unless the question is a risky one (``enter_says_no``: register a
possible duplicate patient, record a result without quality control): then Enter
is the safe answer, no, so a habit Enter never does the risky thing, and the keys
line says so.
"""

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
        Binding("y", "answer(True)", "Yes", id="confirm.yes"),
        Binding("n,escape", "answer(False)", "No", id="confirm.no"),
        Binding("enter", "enter", "Enter", show=False, id="confirm.enter"),
    ]

    def __init__(
        self,
        question: str,
        detail: str = "",
        *,
        enter_says_no: bool = False,
        yes: str = "yes",
        no: str = "no",
    ) -> None:
        super().__init__()
        self.question = question
        self.detail = detail
        self.enter_says_no = enter_says_no
        self.yes = yes
        self.no = no

    def compose(self) -> ComposeResult:
        with Vertical(id="confirm-box"):
            yield Static(self.question, id="confirm-question", markup=False)
            if self.detail:
                yield Static(self.detail, id="confirm-detail", markup=False)
            yield Static(self._keys(), id="confirm-keys", markup=False)
        yield KeyFooter()

    def _keys(self) -> str:
        if self.enter_says_no:
            return f"Y: {self.yes}     N / Enter / Esc: {self.no}"
        return f"Y / Enter: {self.yes}     N / Esc: {self.no}"

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)

    def action_enter(self) -> None:
        self.dismiss(not self.enter_says_no)
