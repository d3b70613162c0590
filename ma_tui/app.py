"""The Textual application shell: given an engine, it opens on today's queue.

If this terminal left visits unfinished today (a closed terminal, a killed
process), it first offers to resume them.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import ClassVar

from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session
from textual.app import App, SystemCommand
from textual.binding import Binding, BindingType
from textual.screen import Screen

from data.store import StoreError
from ma_tui.chart import load_chart
from ma_tui.clock import Clock, system_clock
from ma_tui.rooming import (
    STEP_TITLES,
    STEPS,
    Step,
    current_holder,
    open_visit,
    unfinished_visits,
)
from screens.checkin import CheckInScreen
from screens.complaint import ComplaintScreen
from screens.help import HelpScreen
from screens.history import HistoryScreen
from screens.keygate import KeyGate
from screens.palette import PatientCommands
from screens.queue import QueueScreen
from screens.resume import ResumeScreen
from screens.review import ReviewScreen
from screens.signed import SignedVisitScreen
from screens.visit import Visit, VisitScreen
from screens.vitals import VitalsScreen

STEP_SCREENS: dict[Step, type[VisitScreen]] = {
    "checkin": CheckInScreen,
    "vitals": VitalsScreen,
    "history": HistoryScreen,
    "complaint": ComplaintScreen,
    "review": ReviewScreen,
}


class MaTuiApp(KeyGate):
    """ma-tui. The engine is always passed in, so tests can hand it a test database."""

    TITLE = "ma-tui"
    COMMANDS = App.COMMANDS | {PatientCommands}
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+q", "quit", "Quit", id="app.quit", priority=True),
        Binding("f1", "help", "Keys", id="app.help"),
    ]

    def __init__(
        self,
        engine: Engine,
        *,
        clock: Clock = system_clock,
        staff_id: int | None = None,
        cursor_blink: bool = True,
    ) -> None:
        super().__init__()
        self.engine = engine
        self.cursor_blink = cursor_blink
        self.clock = clock
        self.staff_id = staff_id
        self.visit: Visit | None = None

    def on_mount(self) -> None:
        self.push_screen(QueueScreen(self.engine, self.clock))
        self.offer_unfinished()

    def offer_unfinished(self) -> None:
        """Offer the visits this terminal left unfinished today; Esc goes to the queue."""
        now = self.clock()
        try:
            with Session(self.engine) as session:
                visits = unfinished_visits(session, holder=current_holder(), now=now)
        except (SQLAlchemyError, StoreError):
            return  # the queue shows them as Rooming all the same
        if visits:
            self.push_screen(ResumeScreen(visits, now), self._resume)

    def _resume(self, encounter_id: int | None) -> None:
        if encounter_id is not None:
            self.open_patient(encounter_id)

    async def action_quit(self) -> None:
        """Quit, keeping what the open step holds in the visit's draft."""
        screen = self.screen
        if isinstance(screen, VisitScreen):
            screen.keep_draft()
        self.exit()

    # --------------------------------------------------------------- rooming

    def open_patient(self, encounter_id: int) -> None:
        """Start (or resume) rooming a visit, at the step where it was left."""
        current = self.screen
        if isinstance(current, VisitScreen):
            if current.visit.draft.encounter_id == encounter_id:
                return
            if not self._set_aside(current):
                return
        now = self.clock()
        with Session(self.engine) as session:
            chart = load_chart(session, encounter_id)
            if chart.encounter.signed_at is not None:
                self.push_screen(SignedVisitScreen(self.engine, self.clock, chart, self.staff_id))
                return
            try:
                draft = open_visit(session, encounter_id, staff_id=self.staff_id, now=now)
            except (ValueError, StoreError) as exc:
                self.notify(f"Cannot room this visit: {exc}.", severity="warning", markup=False)
                return
            chart = load_chart(session, encounter_id)
        self.visit = Visit(self.engine, self.clock, self.staff_id, chart, draft)
        screen = STEP_SCREENS[draft.step](self.visit)
        if isinstance(current, VisitScreen):
            self.switch_screen(screen)
        else:
            self.push_screen(screen)

    def _set_aside(self, screen: VisitScreen) -> bool:
        """Save the visit on screen before opening another patient's."""
        if not screen.commit_step():
            return False
        screen.capture_draft()
        screen.note_focus()
        screen.visit.save()
        return True

    def open_step(self, step: Step) -> None:
        assert self.visit is not None
        self.switch_screen(STEP_SCREENS[step](self.visit))

    def close_visit(self) -> None:
        """Back to the queue after signing."""
        self.visit = None
        self.pop_screen()

    # ------------------------------------------------------------------ help

    def action_help(self) -> None:
        if isinstance(self.screen, HelpScreen):
            return
        keys = [
            (self.get_key_display(binding), binding.description)
            for (_, binding, enabled, _) in self.active_bindings.values()
            # ma-tui's own bindings carry an id; Textual's scrolling ones are left out.
            if enabled and binding.id and binding.description and binding.action != "help"
        ]
        title = getattr(self.screen, "TITLE", None) or type(self.screen).__name__
        self.push_screen(HelpScreen(str(title), keys))

    def get_system_commands(self, screen: Screen[object]) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        if self.visit is not None and isinstance(screen, VisitScreen):
            for step in STEPS:
                yield SystemCommand(
                    f"Go to {STEP_TITLES[step]}",
                    f"Jump to the {STEP_TITLES[step].lower()} step of this visit",
                    lambda step=step: screen.go_to(step),
                )
