"""Widgets every clinical screen shares: the patient banner and the step bar."""

from __future__ import annotations

from typing import Any, ClassVar

from rich.text import Text
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.suggester import Suggester, SuggestFromList
from textual.widgets import Input, OptionList, Static

from ma_tui.immunizations.due import DueReport, DueStatus
from ma_tui.patients.registration import guardian_relationship_suggestions, payer_suggestions
from ma_tui.screens.widgets.repaint import show_text
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
    """Name, age, date of birth, sex and allergies: who this screen is about.

    Legible in every theme, with ``NO_COLOR`` and on a 16-colour console: its colours
    come from the theme (redrawn when it changes), the text on them contrasts by
    itself (``$text``), and known allergies are a bold line with a warning sign on
    the theme's error colour, not red letters alone.
    """

    COMPONENT_CLASSES: ClassVar[set[str]] = {"patient-banner--alert", "patient-banner--none"}
    DEFAULT_CSS = """
    PatientBanner {
        height: 2;
        padding: 0 1;
        background: $primary-background;
        color: $text;
        & > .patient-banner--alert {
            background: $error;
            color: $text;
            text-style: bold;
        }
        & > .patient-banner--none {
            color: $text;
        }
    }
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._shown: tuple[str, str, bool] | None = None

    def on_mount(self) -> None:
        self.app.theme_changed_signal.subscribe(
            self, lambda _theme: self.call_after_refresh(self._draw)
        )

    def show(self, identity: str, allergies: str, *, alert: bool) -> None:
        self._shown = (identity, allergies, alert)
        self._draw()

    def _draw(self) -> None:
        """The banner in the theme's colours of the moment."""
        if self._shown is None:
            return
        identity, allergies, alert = self._shown
        text = Text(identity, style="bold")
        text.append("\n")
        if alert:
            style = self.get_component_rich_style("patient-banner--alert")
            text.append(f" ⚠ {allergies} ", style=style)
        else:
            text.append(allergies, style=self.get_component_rich_style("patient-banner--none"))
        show_text(self, text)


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


def due_text(report: DueReport | None, *, lead: str = "Vaccines due today: ") -> Text:
    """The routine vaccines due (yellow) and overdue (bold yellow), on one line."""
    text = Text(lead, style="bold")
    if report is None or not report.items:
        text.append("none routine")
        return text
    for index, item in enumerate(report.items):
        text.append(" · " if index else "")
        overdue = item.status is DueStatus.OVERDUE
        label = item.group_name + (" (overdue)" if overdue else "")
        text.append(label, style="bold yellow" if overdue else "yellow")
    return text
