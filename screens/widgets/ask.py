"""Two small questions from the keyboard: type a line (``AskScreen``), or pick one
of a list (``PickScreen``). Enter answers, Escape answers None."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from ma_tui.core.errors import UserError
from ma_tui.screens.widgets.css import screen_css
from ma_tui.screens.widgets.footer import KeyFooter

MAX_ANSWER = 500


class AskScreen(ModalScreen[str | None]):
    """One line typed; ``check`` (if given) refuses it with a message, and it stays."""

    CSS = screen_css(__file__, "ask.tcss")
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="ask.cancel"),
    ]

    def __init__(
        self,
        question: str,
        *,
        hint: str = "",
        value: str = "",
        check: Callable[[str], object] | None = None,
    ) -> None:
        super().__init__()
        self.question = question
        self.hint = hint
        self.value = value
        self.check = check

    def compose(self) -> ComposeResult:
        with Vertical(id="ask-box"):
            yield Static(self.question, id="ask-question", markup=False)
            yield Input(value=self.value, id="ask-input", max_length=MAX_ANSWER)
            yield Static(self.hint, id="ask-hint", markup=False)
            yield Static("Enter: done     Esc: cancel", id="ask-keys")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.query_one("#ask-input", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if self.check is not None:
            try:
                self.check(event.value)
            except UserError as exc:
                self.query_one("#ask-hint", Static).update(str(exc))
                return
        self.dismiss(event.value)

    def action_cancel(self) -> None:
        self.dismiss(None)


class PickScreen(ModalScreen[str | None]):
    """One of ``choices`` (id, line); ↑↓ move, Enter picks, Esc picks none."""

    CSS = screen_css(__file__, "ask.tcss")
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="ask.pick.cancel"),
    ]

    def __init__(self, question: str, choices: Sequence[tuple[str, str]], hint: str = "") -> None:
        super().__init__()
        self.question = question
        self.choices = choices
        self.hint = hint

    def compose(self) -> ComposeResult:
        with Vertical(id="ask-box"):
            yield Static(self.question, id="ask-question", markup=False)
            yield OptionList(*(Option(line, id=key) for key, line in self.choices), id="pick-list")
            if self.hint:
                yield Static(self.hint, id="ask-hint", markup=False)
            yield Static("↑↓ move     Enter: pick     Esc: cancel", id="ask-keys")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.query_one("#pick-list", OptionList).focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(event.option.id)

    def action_cancel(self) -> None:
        self.dismiss(None)
