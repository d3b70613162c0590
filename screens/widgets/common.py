"""Widgets every clinical screen shares: the patient banner and the step bar."""

from __future__ import annotations

from typing import Any, ClassVar

from rich.text import Text
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.suggester import Suggester, SuggestFromList
from textual.widgets import Input, OptionList, Static

from ma_tui.patients.registration import guardian_relationship_suggestions, payer_suggestions
from ma_tui.visits.steps import STEP_TABS, STEPS, Step

# Patient fields (walk-in and check-in) that complete as you type, and what from.
REGISTRATION_SUGGESTIONS = {
    "guardian_relationship": guardian_relationship_suggestions,
    "payer": payer_suggestions,
}


def registration_suggester(name: str) -> Suggester | None:
    """The grey suggestion of a patient field (Right arrow takes it), if it has one."""
    suggestions = REGISTRATION_SUGGESTIONS.get(name)
    return SuggestFromList(suggestions(), case_sensitive=False) if suggestions else None


class PatientBanner(Static):
    """Name, age, date of birth, sex and allergies: who this screen is about."""

    DEFAULT_CSS = """
    PatientBanner {
        height: 2;
        padding: 0 1;
        background: $primary-background;
    }
    """

    def show(self, identity: str, allergies: str, *, alert: bool) -> None:
        text = Text(identity, style="bold")
        text.append("\n")
        text.append(allergies, style="bold red" if alert else "yellow")
        self.update(text)


class StepBar(Static):
    """Where the MA is in the visit: Check-in › Vitals › … › Screenings › Review."""

    DEFAULT_CSS = """
    StepBar {
        height: 1;
        padding: 0 1;
        color: $text-muted;
    }
    """

    def show(self, current: Step) -> None:
        text = Text()
        for index, step in enumerate(STEPS):
            if index:
                text.append(" › ")
            style = "bold reverse" if step == current else ""
            text.append(f" {STEP_TABS[step]} ", style=style)
        self.update(text)


def settle_inputs(screen: Screen[Any], *, cursor_blink: bool | None = None) -> None:
    """Apply the cursor-blink setting (off in snapshot tests) to a screen's inputs.

    A screen given the setting passes it; the visit's step screens, which are not
    given it yet, take the app's.
    """
    blink = getattr(screen.app, "cursor_blink", True) if cursor_blink is None else cursor_blink
    for field in screen.query(Input):
        field.cursor_blink = bool(blink)


class PickList(OptionList):
    """A short list shown in place to pick from with the arrows and Enter; Esc closes."""

    DEFAULT_CSS = """
    PickList {
        height: auto;
        max-height: 10;
        border: tall $warning;
        display: none;
    }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Cancel", id="pick.cancel"),
    ]

    def open(self) -> None:
        self._return_to = self.screen.focused
        self.display = True
        self.highlighted = 0
        self.focus()

    def action_close(self) -> None:
        """Hide, and give the focus back to where it was before the list opened."""
        self.display = False
        back = getattr(self, "_return_to", None)
        if back is not None:
            back.focus()
