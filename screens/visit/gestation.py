"""The gestational age at birth, typed: opened from the growth chart (F2) for an infant.

Enter stores it (``ma_tui.vitals.gestation.record_gestation``, with its audit event)
and closes with what was stored; a value that is not a gestational age of 22 to 44
weeks is refused under the field, which keeps what was typed. Esc stores nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from ma_tui.core.errors import UserError
from ma_tui.growth import GestationalAge
from ma_tui.screens.widgets.css import screen_css
from ma_tui.screens.widgets.footer import KeyFooter

FORMS_HINT = "Weeks+days: 32+4, 32w4d or 32 4/7; whole weeks: 32 (22 to 44 weeks)"


class GestationScreen(ModalScreen[GestationalAge | None]):
    CSS = screen_css(__file__, "gestation.tcss")
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="gestation.cancel"),
    ]

    def __init__(
        self, current: GestationalAge | None, record: Callable[[str], GestationalAge]
    ) -> None:
        super().__init__()
        self.current = current
        self.record = record  # stores the text, or raises UserError with why not

    def compose(self) -> ComposeResult:
        with Vertical(id="gestation-box"):
            yield Static("Gestational age at birth", id="gestation-title")
            was = f"Recorded: {self.current}" if self.current else "Not recorded yet"
            yield Static(f"{was}. {FORMS_HINT}.", id="gestation-hint", markup=False)
            yield Input(
                value=str(self.current).removesuffix(" wk") if self.current else "",
                placeholder="32+4",
                id="gestation-value",
                max_length=20,
                compact=True,
            )
            yield Static(id="gestation-error", classes="error", markup=False)
            yield Static("Enter: keep it · Esc: change nothing", id="gestation-keys")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        try:
            stored = self.record(event.value)
        except UserError as exc:
            self.query_one("#gestation-error", Static).update(str(exc))
            return
        self.dismiss(stored)

    def action_cancel(self) -> None:
        self.dismiss(None)
