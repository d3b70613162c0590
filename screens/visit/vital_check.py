"""A value that needs the MA's decision before it is stored: keep it, fix it, or
take it in the other unit.

The highlighted choice is always "fix it", so an Enter typed ahead never confirms
an implausible value; keeping one, or taking the other unit, is a deliberate ↓ Enter.
"""

from __future__ import annotations

from typing import ClassVar, Literal

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from ma_tui.screens.widgets.css import screen_css
from ma_tui.screens.widgets.footer import KeyFooter
from ma_tui.vitals.entry import FieldCheck

Decision = Literal["fix", "keep", "unit"]


class VitalCheckScreen(ModalScreen[Decision]):
    CSS = screen_css(__file__, "vital_check.tcss")
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "fix", "Fix it", id="check.fix"),
    ]

    def __init__(self, what: str, check: FieldCheck) -> None:
        super().__init__()
        self.what = what  # "Pulse 250"
        self.check = check

    def compose(self) -> ComposeResult:
        check = self.check
        with Vertical(id="check-box"):
            title = "Check this value" if check.possible else "Not possible as typed"
            yield Static(f"{title}: {self.what}", id="check-title", markup=False)
            yield Static("\n".join(check.reasons), id="check-reasons", markup=False)
            # Text, not markup: the typed value is shown as typed.
            options = [Option(Text("Fix it: back to the field"), id="fix")]
            if check.other_unit is not None:
                options.append(Option(Text(f"Use {check.other_unit.readback}"), id="unit"))
            if check.possible:
                options.append(Option(Text(f"Keep {check.text}: I checked it again"), id="keep"))
            yield OptionList(*options, id="check-choices")
            yield Static("↓ ↑ choose, Enter: do it, Esc: fix it", id="check-keys")
        yield KeyFooter()

    def on_mount(self) -> None:
        choices = self.query_one(OptionList)
        choices.highlighted = 0
        choices.focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        choice = event.option.id
        self.dismiss("unit" if choice == "unit" else "keep" if choice == "keep" else "fix")

    def action_fix(self) -> None:
        self.dismiss("fix")
