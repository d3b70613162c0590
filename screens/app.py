"""The Textual application shell: given an engine, it opens on today's queue.

Someone signs in first; an idle terminal locks itself. If this terminal left visits
unfinished today (a closed terminal, a killed process), it first offers to resume
them. The app holds the engine, the clock and who is signed in, and hands them down
to the screens it opens; screens send typed messages up (``screens/messages.py``).

The command line starts it the fast way (``MaTuiApp.behind_sign_in``): this module
imports only Textual and what the sign-in screen needs, so that screen is painted
first; the database is opened, and the rest of the app (its screens, the domains,
SQLModel) imported, in a thread behind it while the MA types. Hence the imports
inside the methods that run after a sign-in.
"""

from __future__ import annotations

import asyncio
import signal
import sys
import threading
from collections.abc import Callable, Iterable, Sequence
from contextlib import suppress
from functools import partial
from time import monotonic
from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual import events, on
from textual.app import SystemCommand
from textual.await_complete import AwaitComplete
from textual.binding import Binding, BindingType
from textual.command import CommandPalette
from textual.message import Message
from textual.messages import ExitApp
from textual.notifications import Notification, SeverityLevel
from textual.screen import Screen

from ma_tui.core.clock import Clock, system_clock
from ma_tui.core.crash import write_crash_report
from ma_tui.core.errors import UserError
from ma_tui.core.hangup import exit_after, watch_for_hangup
from ma_tui.screens.messages import (
    AppRequest,
    GoToStep,
    OpenPatient,
    OpenRooms,
    OpenStaffAccounts,
    OpenSterilization,
    OpenWorklist,
    ReloadVisit,
    VisitClosed,
)
from ma_tui.screens.opening import EXIT_CRASHED
from ma_tui.screens.personal import Personal, for_no_color
from ma_tui.screens.staff.signin import SignInScreen
from ma_tui.screens.visit.kept import STEP_VIEW_BUILD_PAUSE
from ma_tui.screens.waiting import WaitsForTheDatabase
from ma_tui.screens.widgets.help import HelpScreen
from ma_tui.visits.terminal import Terminal

if TYPE_CHECKING:
    from textual.command import Provider

    from ma_tui.core.transaction import Engine
    from ma_tui.screens.opening import Opening
    from ma_tui.screens.queue.queue import QueueScreen
    from ma_tui.screens.visit.visit import Visit
    from ma_tui.staff.accounts import Staff
    from ma_tui.visits.steps import Step

IDLE_CHECK_SECONDS = 1.0  # how often the idle lock looks at the time since the last key
EXIT_GRACE_SECONDS = 5.0  # the terminal gone: the longest the last save may take
EXIT_SIGNALS = {signal.SIGHUP: 129, signal.SIGTERM: 143}  # 128 + the signal, as a shell says
# What a person at the lock (or at sign-in) may do: none of it reaches a patient.
ALLOWED_ON_THE_LOCK = frozenset(
    {"quit", "another_user", "focus_next", "focus_previous", "copy_text", "help_quit"}
)


class MaTuiApp(WaitsForTheDatabase):
    """ma-tui. The engine is always passed in, so tests can hand it a test database."""

    TITLE = "ma-tui"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+q", "quit", "Quit", id="app.quit", priority=True),
        Binding("f1", "help", "Keys", id="app.help"),
    ]

    def __init__(
        self,
        engine: Engine | None = None,
        *,
        clock: Clock = system_clock,
        staff_id: int | None = None,
        cursor_blink: bool = True,
        sign_in: bool = True,
        idle_lock_seconds: float | None = None,
        idle_clock: Callable[[], float] = monotonic,
        start_warnings: Sequence[str] = (),
        terminal: Terminal | None = None,
        served: bool = False,
        opening: Opening | None = None,
    ) -> None:
        """``sign_in=False`` only for tests that are not about signing in; ``served``:
        in a browser tab (``ma-tui serve``): the browser's keys; a closed tab signs out.

        ``idle_lock_seconds`` overrides the clinic's idle-lock setting, and
        ``idle_clock`` (seconds, monotonic) lets a test make time pass (tests).
        ``start_warnings`` are what the start found wrong with the audit trail
        (``ma_tui.core.trail``): shown on the first screen until dismissed.
        ``terminal`` is this running ma-tui as it holds visits (default: a new one).
        ``opening``, in place of ``engine``: see ``behind_sign_in``.
        """
        super().__init__()
        self.await_database(engine, opening)
        self.cursor_blink = cursor_blink
        self.clock = clock
        self.staff_id = staff_id
        self.staff: Staff | None = None
        self.sign_in_required = sign_in
        self.idle_lock_seconds = idle_lock_seconds
        self.visit: Visit | None = None
        self.idle_clock = idle_clock
        self._last_input = idle_clock()
        self._locked = False
        self._held_screens: list[tuple[Screen[Any], Callable[[Any], None] | None]] = []
        self._held_notices: list[tuple[str, dict[str, Any]]] = []
        self._patient_commands: type[Provider] | None = None
        self.start_warnings = tuple(start_warnings)

        self.terminal = Terminal() if terminal is None else terminal
        self._status: Notification | None = None  # the database's state, while not ok
        self._leaving = threading.Event()  # set once, by the first way out
        self._left = False  # the sign-out is written: once, whichever way out came first
        self.served = served
        self.personal = Personal(self, lambda: self.engine, clock, served=served)

    @classmethod
    def behind_sign_in(
        cls, opening: Opening, *, terminal: Terminal | None = None, served: bool = False
    ) -> MaTuiApp:
        """The app whose sign-in screen is painted first: ``opening`` then runs in a
        thread behind it (opens, checks and migrates the database), with the rest of
        the app imported; a PIN typed meanwhile waits for it. If it fails the app
        closes, with ``Refused``'s exit status (the command line says why)."""
        return cls(opening=opening, terminal=terminal, served=served)

    def on_mount(self) -> None:
        self._watch_faults()
        self._show_start_warnings()
        self.personal.start()
        if not self.opens_behind:
            self._build_ahead()
        if self.sign_in_required:
            self.push_screen(self._sign_in_screen(), self._signed_in)
        else:
            self._open_queue()
        if self.opens_behind:
            # After the sign-in screen's first paint: nothing slows that down.
            self.call_after_refresh(self.open_behind)

    def database_opened(self, warnings: tuple[str, ...]) -> None:
        """Open: what the trail's check found shows at once; the steps are built ahead."""
        self.start_warnings = warnings
        self._show_start_warnings()
        self._build_ahead()

    def _build_ahead(self) -> None:
        """The database is there: the queue's screen and the steps' built ahead."""
        self.set_timer(STEP_VIEW_BUILD_PAUSE, self.build_queue_ahead)
        self.start_building_steps()

    def _sign_in_screen(self, locked_user: Staff | None = None) -> SignInScreen:
        return SignInScreen(
            lambda: self.engine, self.clock, locked_user=locked_user, cursor_blink=self.cursor_blink
        )

    def _open_queue(self) -> None:
        from ma_tui.screens.queue.queue import QueueScreen

        queue, self._queue_ahead = self._queue_ahead, None
        if queue is None or not queue.is_running:
            queue = QueueScreen(self.engine, self.clock, self.staff, cursor_blink=self.cursor_blink)
        queue.staff = self.staff
        self.push_screen(queue)
        self.offer_unfinished()

    _queue_ahead: QueueScreen | None = None

    def build_queue_ahead(self) -> None:
        """Behind the sign-in screen, once no key has come for a moment (or as the PIN
        is checked): the queue's screen mounted ahead, so the PIN's answer only shows
        it. It holds nothing of the day: it reads the queue only once shown (its
        ScreenResume), for whoever signed in, and never refreshes off the stack."""
        if not self.sign_in_required or self.staff is not None or self._queue_ahead is not None:
            return
        if not self.is_running or self._engine_if_open() is None:
            return
        # While a PIN is checked it is built at once, beside argon2's threads (the answer
        # shows it); while keys come, it waits for a moment without one.
        if not self._answer_pending() and monotonic() - self.typed_at < STEP_VIEW_BUILD_PAUSE:
            self.set_timer(STEP_VIEW_BUILD_PAUSE / 4, self.build_queue_ahead)
            return
        from ma_tui.screens.queue.queue import QueueScreen

        self._queue_ahead = QueueScreen(
            self.engine, self.clock, None, cursor_blink=self.cursor_blink
        )
        self.install_screen(self._queue_ahead, "queue-ahead")
        # As for the steps (kept.py): what push_screen does first, without showing it.
        self._load_screen_css(self._queue_ahead)
        self._get_screen(self._queue_ahead)

    @property
    def holder(self) -> str | None:
        """Who rooms from here: the signed-in user; None falls back to the OS user."""
        return self.staff.username if self.staff is not None else None

    # --------------------------------------------------------- sign-in, lock

    def _signed_in(self, staff: Staff | None) -> None:
        if staff is None:
            self.exit()
            return
        self.staff, self.staff_id = staff, staff.id
        self.personal.apply(staff)
        self._last_input = self.idle_clock()
        self.set_interval(IDLE_CHECK_SECONDS, self._check_idle)
        self._open_queue()

    @on(OpenStaffAccounts)
    def _staff_accounts_asked(self) -> None:
        if not self.guarded:
            self.open_users()

    @on(OpenWorklist)
    @on(OpenRooms)
    @on(OpenSterilization)
    def _day_work_asked(self, message: AppRequest) -> None:
        from ma_tui.screens.day_work import day_work_screen

        if not self.guarded:
            self.push_screen(day_work_screen(message, self.engine, self.clock, self.staff_id))

    def open_users(self) -> None:
        """Staff accounts, for an administrator (F9 on the queue)."""
        from ma_tui.screens.staff.users import UsersScreen
        from ma_tui.staff.accounts import StaffRole

        if self.staff is None or self.staff.role is not StaffRole.ADMIN:
            self.notify("Only an administrator manages staff accounts.", severity="warning")
            return
        self.push_screen(
            UsersScreen(self.engine, self.clock, self.staff, cursor_blink=self.cursor_blink)
        )

    def action_command_palette(self) -> None:
        """Today's patients, and the commands of the screen; none before sign-in or on
        the lock, where no patient may show."""
        if self.guarded or isinstance(self.screen, CommandPalette):
            return
        if self._patient_commands is None:
            from ma_tui.screens.queue.palette import patient_commands

            self._patient_commands = patient_commands(self.engine, self.clock)
        providers = [*self.COMMANDS, *self.screen.COMMANDS, self._patient_commands]
        self.push_screen(CommandPalette(providers=providers, id="--command-palette"))

    def _record(self, event: Callable[[], None]) -> None:
        """Write a sign-in event (lock, unlock, sign-out); a failure is said, not raised."""
        try:
            event()
        except UserError as exc:
            self.notify(f"Audit trail not written: {exc}", severity="error", markup=False)

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, events.Key | events.MouseDown | events.Paste):
            self._last_input = self.idle_clock()
        await super().on_event(event)

    def _idle_limit(self) -> float:
        """The clinic's idle-lock time, read once (at the first check after sign-in)."""
        from ma_tui.clinic.settings import DEFAULT_IDLE_LOCK_MINUTES, read_idle_lock_minutes

        if self.idle_lock_seconds is None:
            try:
                self.idle_lock_seconds = read_idle_lock_minutes(self.engine) * 60.0
            except UserError:
                return DEFAULT_IDLE_LOCK_MINUTES * 60.0  # read again at the next check
        return self.idle_lock_seconds

    def _check_idle(self) -> None:
        if self.staff is None or self._locked:
            return
        if self.idle_clock() - self._last_input >= self._idle_limit():
            self.lock()

    def lock(self) -> None:
        """Cover every screen; the open visit's draft is saved first."""
        from ma_tui.screens.visit.visit import VisitScreen
        from ma_tui.staff.signin import lock_terminal

        assert self.staff is not None
        assert self.staff.id is not None
        screen = self.screen
        if isinstance(screen, VisitScreen):  # as typed, unchecked: nothing to say on screen
            screen.save_as_typed()
        self.clear_notifications()  # a toast may name the patient
        self._locked = True
        self._record(partial(lock_terminal, self.engine, self.staff.id, now=self.clock()))
        self.push_screen(self._sign_in_screen(locked_user=self.staff), self._unlocked)

    def _unlocked(self, staff: Staff | None) -> None:
        from ma_tui.staff.signin import unlock_terminal

        self._locked = False
        self._last_input = self.idle_clock()
        if staff is not None and staff.id is not None:
            self._record(partial(unlock_terminal, self.engine, staff.id, now=self.clock()))
        held_screens, self._held_screens = self._held_screens, []
        held_notices, self._held_notices = self._held_notices, []
        if staff is None or self.staff is None or staff.id == self.staff.id:
            # The same user: back exactly where they were, with what came meanwhile.
            for screen, callback in held_screens:
                self.push_screen(screen, callback)
            for message, options in held_notices:
                self.notify(message, **options)
            return
        # Another user: their own session from the queue; the visit stays its owner's.
        while len(self.screen_stack) > 1:
            self.pop_screen()
        self.visit = None
        self.staff, self.staff_id = staff, staff.id
        self.personal.apply(staff)
        self._open_queue()

    def _show_start_warnings(self) -> None:
        """Tampering found at start stays on screen until someone presses a key."""
        for warning in self.start_warnings:
            self.notify(warning, severity="error", timeout=3600, markup=False)

    # --------------------------------------------------------------- the wall

    @property
    def guarded(self) -> bool:
        """Nobody has signed in yet, or the terminal is locked: the sign-in screen is
        a wall that no key, screen, palette command or message gets past."""
        return self.sign_in_required and (self.staff is None or self._locked)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Behind the wall only the lock's own keys work (PIN, F2, Tab, quit)."""
        return not self.guarded or action in ALLOWED_ON_THE_LOCK

    def check_message_enabled(self, message: Message) -> bool:
        """A request from a screen under the lock (a timer, a worker) is not taken."""
        if isinstance(message, AppRequest) and self.guarded:
            return False
        return super().check_message_enabled(message)

    def push_screen(  # type: ignore[override]
        self,
        screen: Screen[Any] | str,
        callback: Callable[[Any], None] | None = None,
        wait_for_dismiss: bool = False,
        *,
        mode: str | None = None,
    ) -> Any:
        """Behind the wall only a sign-in screen goes on top; another screen a screen
        under the lock asks for (a check box, say) is held until the same user is
        back, and dropped if someone else signs in."""
        if self.guarded and not isinstance(screen, SignInScreen):
            if isinstance(screen, Screen) and not wait_for_dismiss:
                self._held_screens.append((screen, callback))
            return AwaitComplete(_nothing())
        if wait_for_dismiss:
            return super().push_screen(screen, callback, True, mode=mode)
        return super().push_screen(screen, callback, mode=mode)

    def switch_screen(self, screen: Screen[Any] | str) -> AwaitComplete:
        """The screen on top is never replaced behind the wall."""
        if self.guarded:
            return AwaitComplete(_nothing())
        return super().switch_screen(screen)

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = True,
    ) -> None:
        """A toast may name a patient: behind the lock it waits for the same user."""
        options: dict[str, Any] = {
            "title": title,
            "severity": severity,
            "timeout": timeout,
            "markup": markup,
        }
        if self._locked:
            self._held_notices.append((message, options))
            return
        super().notify(message, **options)

    def offer_unfinished(self) -> None:
        """Offer the visits this terminal left unfinished today; Esc goes to the queue."""
        from ma_tui.screens.queue.resume import ResumeScreen
        from ma_tui.visits.holding import current_holder, unfinished_visits

        now = self.clock()
        holder = self.holder or current_holder()
        try:
            visits = unfinished_visits(self.engine, holder=holder, now=now)
        except UserError:
            return  # the queue shows them as Rooming all the same
        if visits:
            self.push_screen(ResumeScreen(visits, now), self._resume)

    def _resume(self, encounter_id: int | None) -> None:
        if encounter_id is not None:
            self.open_patient(encounter_id)

    async def action_quit(self) -> None:
        """Quit, keeping what the open step holds in the visit's draft."""
        self._leave_cleanly()
        self.exit()

    @on(ExitApp)
    def _tab_closed(self) -> None:
        """Served, a closed tab keeps the draft and signs out, as a closed terminal."""
        if self.served and not self._leaving.is_set():
            self._leave_cleanly()

    def _leave_cleanly(self) -> None:
        """Keep the draft, write the sign-out, let go of the visits: every way out."""
        if self._left:
            return
        self._left = True
        if self.visit is not None:  # else no step of a visit is on screen
            from ma_tui.screens.visit.visit import VisitScreen

            screen = self.screen
            if isinstance(screen, VisitScreen):
                screen.keep_draft()
                if self.visit.pending is not None:
                    self.visit.pending.exception(timeout=EXIT_GRACE_SECONDS / 2)
        if self.staff is not None and self.staff.id is not None:
            from ma_tui.staff.signin import sign_out

            self._record(partial(sign_out, self.engine, self.staff.id, now=self.clock()))
        self._let_go()

    # --------------------------------------------------------------- rooming

    @on(OpenPatient)
    def _open_patient_asked(self, message: OpenPatient) -> None:
        if not self.guarded:  # queued before the lock fell
            self.open_patient(message.encounter_id)

    @on(GoToStep)
    def _step_asked(self, message: GoToStep) -> None:
        if not self.guarded:
            self.open_step(message.step)

    @on(VisitClosed)
    def _visit_closed(self) -> None:
        if self.guarded:
            return
        visit = self.visit
        self.close_visit()
        if visit is not None:
            self._let_go(visit.draft.encounter_id)

    def open_patient(self, encounter_id: int) -> None:
        """Start (or resume) rooming a visit, at the step where it was left."""
        from ma_tui.screens.visit.signed import SignedVisitScreen
        from ma_tui.screens.visit.visit import Visit, VisitScreen, sentence
        from ma_tui.visits.holding import open_visit, view_visit, with_encounter_now

        current = self.screen
        if isinstance(current, VisitScreen):
            if current.visit.draft.encounter_id == encounter_id:
                return
            if not current.set_aside():
                return
        now = self.clock()
        try:
            chart = view_visit(self.engine, encounter_id, staff_id=self.staff_id, now=now)
            if chart.encounter.signed_at is not None:
                self.push_screen(SignedVisitScreen(self.engine, self.clock, chart, self.staff_id))
                return
            draft = open_visit(
                self.engine,
                encounter_id,
                staff_id=self.staff_id,
                now=now,
                holder=self.holder,
                terminal=self.terminal,
            )
            chart = with_encounter_now(self.engine, chart)
        except UserError as exc:
            self.notify(
                f"Cannot room this visit: {sentence(exc)}", severity="warning", markup=False
            )
            return
        self.visit = Visit(
            self.engine,
            self.clock,
            self.staff_id,
            chart,
            draft,
            holder=self.holder,
            terminal=self.terminal,
        )
        screen = self.step_view(draft.step)
        screen.show_visit(self.visit)
        if isinstance(current, VisitScreen):
            if screen is not current:
                self.switch_screen(screen)
        else:
            self.push_screen(screen)
        self.fill_next_step_ahead()

    def open_step(self, step: Step) -> None:
        """Show ``step`` of the visit being roomed, in place of the step on screen."""
        if self.visit is None:
            return
        screen = self.step_view(step)
        screen.show_visit(self.visit)
        if screen is not self.screen:
            self.switch_screen(screen)
        self.fill_next_step_ahead()

    def close_visit(self) -> None:
        """Back to what was under the visit (the queue), after signing or leaving it."""
        self.pop_screen()
        self.visit = None
        self.after_visit()

    def get_css_variables(self) -> dict[str, str]:
        return for_no_color(self, super().get_css_variables())

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
        # Textual's Screenshot would write the screen (a patient's name, member ID)
        # world-readable into ~/Downloads, unaudited: not offered.
        for command in super().get_system_commands(screen):
            if command.title != "Screenshot":
                yield command
        if self.visit is None:
            return
        from ma_tui.screens.visit.visit import VisitScreen
        from ma_tui.visits.steps import STEP_TITLES, STEPS

        if isinstance(screen, VisitScreen):
            for step in STEPS:
                yield SystemCommand(
                    f"Go to {STEP_TITLES[step]}",
                    f"Jump to the {STEP_TITLES[step].lower()} step of this visit",
                    lambda step=step: screen.go_to(step),
                )

    # ------------------------------------------------ faults: never crash, never lose
    #
    # The database busy or gone is a state, shown in a status line, never an error:
    # the draft stays in the visit and on screen, and is written again until it goes
    # through. The terminal gone (SIGHUP, SIGTERM, a hung-up tty) saves and signs
    # out within EXIT_GRACE_SECONDS. A bug shows an error id and writes a report with
    # no patient in it (``ma_tui.core.crash``), and ma-tui exits non-zero.

    def _watch_faults(self) -> None:
        """Heartbeat, signals and the terminal's hang-up (not in tests' headless runs)."""
        self.set_interval(self.terminal.heartbeat_seconds, self._heartbeat)
        if self.is_headless:
            return
        loop = asyncio.get_running_loop()
        for number in EXIT_SIGNALS:
            loop.add_signal_handler(number, self.terminal_gone, number)
        if sys.__stdin__ is not None and sys.__stdin__.isatty():
            watch_for_hangup(
                sys.__stdin__.fileno(),
                lambda: self.call_from_thread(self.terminal_gone, signal.SIGHUP),
                stop=self._leaving,
            )

    def _heartbeat(self) -> None:
        """Tell the other terminals this one still holds its visits (in a worker)."""
        self.run_worker(self._beat, thread=True, group="heartbeat", exclusive=True)

    def _beat(self) -> None:
        if (engine := self._engine_if_open()) is None:
            return  # and nothing held yet
        from ma_tui.visits.claims import keep_alive

        with suppress(UserError):  # the database is away: the next beat tries again
            keep_alive(engine, self.terminal, now=self.clock())

    def _let_go(self, encounter_id: int | None = None) -> None:
        if (engine := self._engine_if_open()) is None:
            return
        from ma_tui.visits.claims import let_go

        with suppress(UserError):  # else the claim lapses by itself after the hold time
            let_go(engine, self.terminal, encounter_id)

    def terminal_gone(self, number: int = signal.SIGHUP) -> None:
        """The terminal closed or ma-tui was told to stop: save, sign out, exit, in
        EXIT_GRACE_SECONDS at most (a stuck database cannot keep the process alive)."""
        if self._leaving.is_set():
            return
        self._leaving.set()
        code = EXIT_SIGNALS.get(signal.Signals(number), 129)
        self._exit_after(EXIT_GRACE_SECONDS, code)
        try:
            self._leave_cleanly()
        finally:
            self.exit(return_code=code)

    @on(ReloadVisit)
    def _reload_visit(self, message: ReloadVisit) -> None:
        """Another terminal saved this visit: show its stored draft, at the same step."""
        from ma_tui.screens.visit.visit import Visit, VisitScreen, sentence
        from ma_tui.visits.holding import load_visit_chart, open_visit
        from ma_tui.visits.steps import STEPS

        if self.visit is None or self.visit.draft.encounter_id != message.encounter_id:
            return
        try:
            draft = open_visit(
                self.engine,
                message.encounter_id,
                staff_id=self.staff_id,
                now=self.clock(),
                holder=self.holder,
                terminal=self.terminal,
            )
            chart = load_visit_chart(self.engine, message.encounter_id)
        except UserError as exc:
            self.notify(f"Cannot reload this visit: {sentence(exc)}", severity="error")
            return
        draft.step = message.step if message.step in STEPS else draft.step
        self.visit = Visit(
            self.engine,
            self.clock,
            self.staff_id,
            chart,
            draft,
            holder=self.holder,
            terminal=self.terminal,
            saved_json=draft.model_dump_json(),
        )
        if isinstance(self.screen, VisitScreen):
            screen = self.step_view(draft.step)
            screen.show_visit(self.visit)
            if screen is not self.screen:
                self.switch_screen(screen)

    def _handle_exception(self, error: Exception) -> None:
        """A bug: an error id on the terminal and an owner-only report without patient
        data, the draft kept if it can be, and a non-zero exit; never a traceback with
        local variables (Textual's default)."""
        if self._exception is None:  # Pilot tests raise it again when the test ends
            self._exception = error
            self._exception_event.set()
        self._return_code = EXIT_CRASHED
        if self._leaving.is_set():
            return
        self._leaving.set()
        self._exit_after(EXIT_GRACE_SECONDS, EXIT_CRASHED)
        report = write_crash_report(error)
        with suppress(Exception):  # already failing: the report says what did
            self._leave_cleanly()
        self._exit_renderables.append(Text(report.message()))
        self._close_messages_no_wait()

    def _exit_after(self, seconds: float, code: int) -> None:
        """End the process in ``seconds`` whatever it is still waiting for; not in a
        headless run (tests), where the process is the test runner's, not ma-tui's."""
        if not self.is_headless:
            exit_after(seconds, code)


async def _nothing() -> None:
    """What a screen change refused behind the wall awaits."""
