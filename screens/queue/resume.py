"""Offered when ma-tui starts: the visits this terminal left unfinished today.

A visit left mid-step (a closed terminal, a killed process, a power cut) is kept as
a draft, saved field by field. Enter reopens the highlighted one at the step and
field where it stopped; Esc goes to the queue, where it still shows as Rooming.
"""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from ma_tui.screens.widgets.css import screen_css
from ma_tui.screens.widgets.footer import KeyFooter
from ma_tui.visits.holding import UnfinishedVisit


class ResumeScreen(ModalScreen[int | None]):
    """Dismissed with the encounter to resume, or None for the queue."""

    CSS = screen_css(__file__, "resume.tcss")
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "resume", "Resume", id="resume.open"),
        Binding("escape", "queue", "Queue", id="resume.queue"),
    ]

    def __init__(self, visits: list[UnfinishedVisit], now: datetime) -> None:
        super().__init__()
        self.visits = visits
        self.now = now

    def compose(self) -> ComposeResult:
        many = len(self.visits) > 1
        title = f"Unfinished visits ({len(self.visits)})" if many else "Unfinished visit"
        with Vertical(id="resume-box"):
            yield Static(title, id="resume-title")
            yield OptionList(
                *[
                    Option(visit.describe(self.now), id=str(visit.encounter_id))
                    for visit in self.visits
                ],
                id="resume-list",
                markup=False,
            )
            keys = "↑↓ pick · " if many else ""
            yield Static(f"{keys}Enter: resume · Esc: go to the queue", id="resume-keys")
        yield KeyFooter()

    def on_mount(self) -> None:
        options = self.query_one(OptionList)
        options.highlighted = 0
        options.focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(int(str(event.option.id)))

    def action_resume(self) -> None:
        options = self.query_one(OptionList)
        if options.highlighted is not None:
            option = options.get_option_at_index(options.highlighted)
            self.dismiss(int(str(option.id)))

    def action_queue(self) -> None:
        self.dismiss(None)
