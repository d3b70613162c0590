"""What every step of rooming shares: the visit, the banner, the step keys.

Each step is a screen that edits its part of the shared ``VisitDraft``. Leaving a
field saves the draft to the database as typed (``capture_draft``), with the field
the MA moved to; so does moving between steps. A closed terminal or a killed process
loses at most the field being typed, and reopening the visit puts the cursor back
where it was (``resume_focus``). A step moves on by posting ``GoToStep`` (or
``VisitClosed``) to the app, which owns the navigation.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field
from datetime import datetime
from typing import ClassVar, TypeVar

from textual import events
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.geometry import Size
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Input

from ma_tui.core.clock import Clock
from ma_tui.core.errors import DatabaseUnavailable, UserError
from ma_tui.core.transaction import Engine
from ma_tui.patients.chart import Chart, banner_identity
from ma_tui.screens.messages import DatabaseWait, GoToStep, ReloadVisit, VisitClosed
from ma_tui.screens.visit.saving import Writer, wait_briefly
from ma_tui.screens.widgets.common import PatientBanner, StepBar, settle_inputs
from ma_tui.screens.widgets.footer import KeyFooter
from ma_tui.visits.claims import Terminal
from ma_tui.visits.draft import VisitDraft, allergy_line
from ma_tui.visits.holding import DraftChanged, save_draft
from ma_tui.visits.steps import REVIEW, STEPS, Step

_T = TypeVar("_T")


@dataclass
class Visit:
    """The visit being roomed: the stored chart and the unsigned draft."""

    engine: Engine
    clock: Clock
    staff_id: int | None
    chart: Chart
    draft: VisitDraft

    def now(self) -> datetime:
        return self.clock()

    saved_json: str = ""  # the draft as last saved: an unchanged draft is not written again
    signed: bool = False  # signing deleted the draft; nothing may write it again
    # Who rooms it: the signed-in staff member's username; None: this terminal's OS user.
    holder: str | None = None
    # The running ma-tui that holds the draft (None: this process's default).
    terminal: Terminal | None = None

    # Every write of this visit, in order, off the screen's thread (``saving``).
    writer: Writer = field(default_factory=Writer, repr=False, compare=False)

    def save(self) -> bool:
        """Save the draft if it changed: True once stored, False while the write still
        waits for the database (it goes on; ``pending`` is it); ``UserError`` (nothing
        saved) when it cannot be."""
        data = self.draft.model_dump_json()
        if self.signed or data == self.saved_json:
            return True
        snapshot = self.draft.model_copy(deep=True)
        self.pending = self.writer.submit(lambda: self._write(snapshot, data))
        return wait_briefly(self.pending)

    def save_later(self) -> Future[None]:
        """Write the draft as it is now in the background (a retry); its future."""
        data = self.draft.model_dump_json()
        snapshot = self.draft.model_copy(deep=True)
        self.pending = self.writer.submit(lambda: self._write(snapshot, data))
        return self.pending

    def write(self, work: Callable[[], _T]) -> _T:
        """``work()`` (the sign) after every save asked before it, waited for."""
        return self.writer.submit(work).result()

    def _write(self, snapshot: VisitDraft, data: str) -> None:
        """On the writer's thread: store ``snapshot`` at the version the last write left."""
        if self.signed or data == self.saved_json:
            return
        snapshot.version = self.draft.version
        save_draft(
            self.engine,
            snapshot,
            staff_id=self.staff_id,
            now=self.now(),
            holder=self.holder,
            terminal=self.terminal,
        )
        self.draft.version = snapshot.version
        self.saved_json = data

    pending: Future[None] | None = field(default=None, repr=False, compare=False)


class VisitScreen(Screen[None]):
    """Base of the rooming steps. Subclasses set STEP, compose ``compose_body`` and
    show a visit's data in ``fill``.

    A step's screen is built once and kept (``MaTuiApp`` installs one per step):
    ``compose_body`` makes the widgets, with no visit's data, and ``fill`` shows the
    visit in them each time the step comes on screen, for this visit or the next
    patient's. The draft holds all a step shows (each step is taken into it when
    left), so filling from it is the same for going back to a step, resuming a
    visit and opening another. ``fill`` also puts the focus where the step starts.
    """

    STEP: ClassVar[Step]
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+n,f8", "next_step", "Next", id="visit.next"),
        Binding("ctrl+b", "previous_step", "Back", id="visit.previous"),
        Binding("ctrl+r", "go_review", "Review", id="visit.review"),
        Binding("escape", "leave", "Queue", id="visit.leave"),
    ]

    def __init__(self, visit: Visit | None = None) -> None:
        super().__init__()
        self._visit = visit

    @property
    def visit(self) -> Visit:
        """The visit on screen (the app gives one before the step is shown)."""
        assert self._visit is not None, "a step is shown only with a visit"
        return self._visit

    _styled_with: tuple[int, int] | None = None  # the app's CSS when last styled

    def _css_now(self) -> tuple[int, int]:
        app = self.app
        return (app._css_update_count, len(app.stylesheet.rules))

    @property
    def styles_stale(self) -> bool:
        """Mounted, and CSS was read or changed since its widgets were last styled
        (a widget class's default CSS, another screen's, a theme)."""
        return self.is_mounted and self._styled_with != self._css_now()

    def restyle(self) -> None:
        """Style every widget again, off screen (the app does it while no key comes),
        so that showing the step needs no restyle."""
        self.app.stylesheet.update(self)
        self._styled_with = self._css_now()

    _moved_from: Widget | None = None  # focus moved by showing a visit, not by the MA
    laid_out: Size | None = None  # the size it was last laid out at, off screen

    def lay_out_off_screen(self) -> None:
        """Lay out and draw the whole screen while another is shown (the app does it
        while no key comes): its first showing then paints from what each widget drew.

        Textual lays out and draws only the screen on top, so a step built ahead paid
        both on its first showing (about 90 ms of a switch's 110 here). These are the
        calls Textual makes for the screen on top; the drawing is thrown away, and
        what each widget drew stays in its cache.
        """
        size = self.app.size
        self._refresh_layout(size)
        self._compositor.render_full_update()
        self.laid_out = size

    def _on_screen_resume(self, event: events.ScreenResume) -> None:
        """Shown again: restyle its widgets only if the app's CSS changed meanwhile.

        Textual restyles every widget of a screen that comes back (about half of a
        step switch); a kept step's styles are still right unless a theme changed or
        more CSS was read. Runs before Screen's own handler, which reads the event.
        """
        if not self.styles_stale:
            event.refresh_styles = False
        self._styled_with = self._css_now()

    def compose(self) -> ComposeResult:
        yield PatientBanner(id="banner")
        yield StepBar(id="steps")
        yield from self.compose_body()
        yield KeyFooter()

    def compose_body(self) -> ComposeResult:
        raise NotImplementedError

    def on_mount(self) -> None:
        self._styled_with = self._css_now()
        settle_inputs(self)
        self.query_one(StepBar).show(self.STEP)
        if self._visit is not None:
            self._show_visit()

    def show_visit(self, visit: Visit) -> None:
        """Show ``visit`` at this step: now if the screen is up, else once it mounts."""
        self._visit = visit
        if self.is_mounted:
            self._show_visit()

    # Filled ahead with the visit while the step before is on screen (``KeptSteps``):
    # only steps whose fill reads the draft and the chart, and changes neither.
    FILLED_AHEAD: ClassVar[bool] = False
    filled_ahead_with: Visit | None = None

    def fill_ahead(self, visit: Visit) -> None:
        """Show ``visit`` here while the step before is on screen; its draft's step and
        field are left as they are (``show_visit`` sets them as the step comes)."""
        self._visit = visit
        self.filled_ahead_with = visit
        self.refresh_banner()
        self.fill()

    def _show_visit(self) -> None:
        self.visit.draft.step = self.STEP
        before = self.focused
        self.refresh_banner()
        self.fill()
        self.resume_focus()
        self._look_focused_now(before)

    def _look_focused_now(self, before: Widget | None) -> None:
        """The focused field looks focused in the step's first frame.

        ``set_focus`` tells a field by an event it handles later: on a step coming
        back on screen, the first frame showed the field unfocused and a second one
        its focus, a visible flicker that made each step switch look slower.
        """
        focused = self.focused
        if focused is before:
            return
        if before is not None:
            before.has_focus = False
            self._moved_from = before  # its Blur comes later, and is no field left
        if focused is not None:
            focused.has_focus = True

    def fill(self) -> None:
        """Show the draft's part of this step in the widgets, and focus where it starts."""
        raise NotImplementedError

    def resume_focus(self) -> None:
        """Put the cursor back on the field the draft was saved at, if it is shown."""
        name = self.visit.draft.field
        if not name:
            return
        target = next((widget for widget in self.focus_chain if widget.id == name), None)
        if target is not None:
            self.set_focus(target)
            if isinstance(target, Input):
                # After its own focus handler (which selects all): the cursor after the
                # text, nothing selected, so the first key typed on replaces nothing.
                target.call_later(_cursor_to_end, target)

    def refresh_banner(self) -> None:
        chart, draft = self.visit.chart, self.visit.draft
        allergies = allergy_line(chart, draft)
        self.query_one(PatientBanner).show(
            banner_identity(chart.patient, self.visit.now().date()),
            allergies,
            alert=allergies.startswith("Allergies: "),
        )

    # ------------------------------------------------------------ navigation

    def commit_step(self) -> bool:
        """Take what the screen holds into the draft; False keeps the MA here."""
        return True

    def capture_draft(self) -> None:
        """Take what the screen shows into the draft as typed, refusing nothing.

        Called each time a field is left, so a killed process loses at most the
        field being typed. Steps whose fields are not yet in the draft override it.
        """

    def on_input_blurred(self, event: Input.Blurred) -> None:
        """Each field left is saved at once (see ``capture_draft``)."""
        if self.app.screen is not self:  # a late blur from a screen being replaced
            return
        if event.input is self._moved_from:  # the step shown again moved the focus
            self._moved_from = None
            return
        self.save_after_paint(event.input)

    def save_as_typed(self, left: Widget | None = None) -> bool:
        """Save the screen as it shows, and where the cursor is (else ``left``)."""
        self.capture_draft()
        self.note_focus(left)
        return self.save_draft()

    def save_after_paint(self, left: Widget | None = None) -> None:
        """``save_as_typed`` once the key's answer is on screen: the screen answers in
        the frame the key asked for, and the save (waited for, in order, on the
        writer) follows it at once instead of delaying it.

        Not made if the visit has moved on meanwhile: a step change, leaving and
        signing each save the whole step themselves.
        """
        visit, step = self.visit, self.STEP

        def save() -> None:
            if self.is_attached and self._visit is visit and visit.draft.step == step:
                self.save_as_typed(left)

        self.call_after_refresh(save)

    def note_focus(self, left: Widget | None = None) -> None:
        """Record the focused field's id in the draft; with nothing focused (the
        terminal lost the focus), the field just ``left``: focus returns there."""
        widget = self.focused or left
        if widget is not None and widget.id:
            self.visit.draft.field = widget.id

    def save_draft(self) -> bool:
        """Save the draft; another holder or another terminal's save is said, not raised.

        A database busy or absent holds nothing up: the draft stays in the visit and
        on screen, and the app writes it as soon as it can (``DatabaseWait``). A draft
        saved meanwhile by another terminal is not written over: the app
        reloads it on screen (``ReloadVisit``), and the message says so.
        """
        try:
            if not self.visit.save():
                self.post_message(DatabaseWait(self.visit))  # the write goes on meanwhile
        except DraftChanged as exc:
            self.notify(f"Not saved: {sentence(exc)}", severity="error", timeout=12, markup=False)
            self.post_message(ReloadVisit(self.visit.draft.encounter_id, self.STEP))
            return False
        except DatabaseUnavailable:
            # Kept here, on screen and in the visit; the app saves it when it can.
            self.post_message(DatabaseWait(self.visit, failed=True))
        except UserError as exc:
            self.notify(f"Not saved: {sentence(exc)}", severity="error", timeout=8, markup=False)
            return False
        return True

    def go_to(self, step: Step) -> None:
        """Take this step into the draft, save it, and ask the app for ``step``.

        Keys typed on meanwhile wait in the app's key gate until the next step's
        screen is up (``ma_tui.screens.widgets.keygate``), so they land there.
        """
        if not self.commit_step():
            return
        self.visit.draft.step = step
        self.visit.draft.field = None  # the next step starts at its own first field
        if not self.save_draft():
            return
        self.post_message(GoToStep(step))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Review is the last step: no Next nor Review there (the footer shows the
        keys that do something)."""
        return not (self.STEP == REVIEW and action in ("next_step", "go_review"))

    def action_next_step(self) -> None:
        index = STEPS.index(self.STEP)
        if index + 1 < len(STEPS):
            self.go_to(STEPS[index + 1])

    def action_previous_step(self) -> None:
        index = STEPS.index(self.STEP)
        if index > 0:
            self.go_to(STEPS[index - 1])

    def action_go_review(self) -> None:
        if self.STEP != REVIEW:
            self.go_to(REVIEW)

    def keep_draft(self) -> None:
        """Save the draft with whatever of this step can be read (on quit)."""
        self.commit_step()
        self.save_as_typed()

    def set_aside(self) -> bool:
        """Save the visit before another patient's is opened; False keeps it on screen."""
        return self.commit_step() and self.save_as_typed()

    def action_leave(self) -> None:
        if not self.commit_step():
            return
        self.leave()

    def leave(self) -> None:
        """Back to the queue, the draft saved as the screen shows it."""
        if self.save_as_typed():
            self.notify("Draft kept: open the patient again to go on.", timeout=4)
            self.post_message(VisitClosed())

    # ---------------------------------------------------------------- fields

    def on_input_submitted(self, event: Input.Submitted) -> None:
        """Enter moves to the next field; Enter on the step's last field, to the next step."""
        event.stop()
        inputs = [i for i in self.query(Input) if i.display and not i.disabled]
        if inputs and event.input is inputs[-1]:
            self.action_next_step()
        else:
            self.focus_next()


def sentence(error: UserError) -> str:
    """The error's message ended by one full stop."""
    return str(error).rstrip(".") + "."


def _cursor_to_end(field: Input) -> None:
    field.cursor_position = len(field.value)
