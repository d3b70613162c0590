"""Why open a record outside today's schedule: the reason is asked, then audited.

A patient who is not on today's schedule is outside an MA's usual scope. Opening
their record ("break-glass") needs a reason, picked from the usual ones or typed;
``ma_tui.patients.registration.start_walk_in`` records it as a ``break_glass`` audit
event, with the visit it starts, which ``ma-tui audit show --action break_glass``
lists for review. Esc opens nothing.
"""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from ma_tui.patients.registration import REASON_MAX
from ma_tui.screens.widgets.css import screen_css
from ma_tui.screens.widgets.footer import KeyFooter

REASONS = (
    "walk-in visit today",
    "patient called or messaged: update the chart",
    "provider asked for it",
)
OTHER = "other reason (type it)"


class BreakGlassScreen(ModalScreen[str | None]):
    CSS = screen_css(__file__, "break_glass.tcss")
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="break_glass.cancel"),
    ]

    def __init__(self, name: str, detail: str) -> None:
        super().__init__()
        self.patient_name = name
        self.detail = detail

    def compose(self) -> ComposeResult:
        with Vertical(id="glass-box"):
            yield Static(
                f"{self.patient_name} is not on today's schedule.", id="glass-title", markup=False
            )
            yield Static(
                f"{self.detail}\nWhy open this record? It is recorded for review.",
                id="glass-detail",
                markup=False,
            )
            yield OptionList(
                *[Option(Text(reason), id=reason) for reason in (*REASONS, OTHER)],
                id="glass-reasons",
            )
            other = Input(
                placeholder="the reason", id="glass-other", max_length=REASON_MAX, compact=True
            )
            other.display = False
            yield other
            yield Static("↓ ↑ Enter: choose · Esc: open nothing", id="glass-keys")
        yield KeyFooter()

    def on_mount(self) -> None:
        reasons = self.query_one(OptionList)
        reasons.highlighted = 0
        reasons.focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if event.option.id != OTHER:
            self.dismiss(str(event.option.id))
            return
        other = self.query_one("#glass-other", Input)
        other.display = True
        other.focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        reason = " ".join(event.value.split())
        if reason:
            self.dismiss(reason)

    def action_cancel(self) -> None:
        self.dismiss(None)
