"""Sign-in, and the lock an idle terminal falls into: no patient information shown.

One screen serves both. At start anyone signs in with their username and PIN. When
the terminal has been idle, it covers every screen (a whole screen, not a box, so
nothing of the patient shows through): the same user types their PIN and is back
where they were, draft intact; F2 lets another user sign in instead, and the draft
stays with its owner. Each attempt is checked, and recorded in the audit trail, by
``ma_tui.staff.signin``; the screen shows its message and is dismissed with the staff
member who signed in. Someone whose PIN no longer meets the clinic's rules is signed
in only once they have chosen a new one, here, typed twice.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import Input, Label, Static

from ma_tui.core.clock import Clock
from ma_tui.core.errors import UserError
from ma_tui.screens.widgets.footer import KeyFooter
from ma_tui.screens.widgets.keygate import ANSWER_GROUP
from ma_tui.staff.limits import PASSPHRASE_MAX

# The screen is painted before the database and its models are imported (cli): the
# use cases it calls are imported when a PIN is checked, behind the screen.
if TYPE_CHECKING:
    from ma_tui.core.transaction import Engine
    from ma_tui.staff.accounts import Staff
    from ma_tui.staff.signin import SignInResult

SECRET_MAX = PASSPHRASE_MAX  # the longest passphrase ma_tui.staff.policy accepts


class SignInScreen(Screen["Staff"]):
    CSS_PATH = "signin.tcss"
    AUTO_FOCUS = ""
    _checking = False  # a PIN is being checked
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f2", "another_user", "Another user", id="signin.another"),
        # Keys typed while the program starts come through the terminal's line
        # discipline, which turns Enter into a newline: it is Enter all the same,
        # never a character that glues the PIN to the username.
        Binding("ctrl+j", "enter", show=False, id="signin.newline"),
    ]

    def __init__(
        self,
        engine: Callable[[], Engine],
        clock: Clock,
        *,
        locked_user: Staff | None = None,
        cursor_blink: bool = True,
    ) -> None:
        """``engine`` gives the database once it is open: a PIN typed while it is still
        being opened behind this screen waits for it (in the checking thread)."""
        super().__init__()
        self._engine = engine
        self.clock = clock
        self.locked_user = locked_user
        self.cursor_blink = cursor_blink
        self._changing: Staff | None = None  # signed in, choosing a new secret

    def compose(self) -> ComposeResult:
        locked = self.locked_user
        with Vertical(id="signin-box"):
            if locked is None:
                yield Static("ma-tui · sign in", id="signin-title")
                yield Static("Your own username and PIN: never a shared one.", id="signin-hint")
            else:
                yield Static("Locked: this terminal was idle", id="signin-title")
                yield Static(
                    f"{locked.display_name}: your PIN takes you back where you were. "
                    "F2: another user signs in (your visit stays yours).",
                    id="signin-hint",
                    markup=False,
                )
            yield Label("Username", classes="signin-label signin-field")
            yield Input(
                value=locked.username if locked else "",
                id="signin-username",
                classes="signin-field",
                max_length=64,
                disabled=locked is not None,
                compact=True,
            )
            yield Label("PIN or passphrase", classes="signin-label signin-field")
            yield Input(
                id="signin-secret",
                classes="signin-field",
                password=True,
                max_length=SECRET_MAX,
                compact=True,
            )
            for name, label in (("new", "New PIN"), ("again", "The same again")):
                yield Label(label, classes="signin-label signin-change")
                yield Input(
                    id=f"signin-{name}",
                    classes="signin-change",
                    password=True,
                    max_length=SECRET_MAX + 1,
                    compact=True,
                )
            yield Static(id="signin-message", markup=False)
        yield KeyFooter()

    @property
    def engine(self) -> Engine:
        """The database: waits for it while it is being opened (only a worker asks then)."""
        return self._engine()

    def on_mount(self) -> None:
        for field in self.query(Input):
            field.cursor_blink = self.cursor_blink
        first = "#signin-secret" if self.locked_user else "#signin-username"
        # Not there when the app quits as the lock falls: its fields are already gone.
        for field in self.query(first).results(Input):
            self.set_focus(field)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if event.input.id == "signin-username":
            self.set_focus(self.query_one("#signin-secret", Input))
        elif event.input.id == "signin-new":
            self.set_focus(self.query_one("#signin-again", Input))
        elif event.input.id == "signin-again":
            self._change()
        else:
            self._attempt()

    async def action_enter(self) -> None:
        """A newline typed ahead: Enter in the field that has the focus."""
        if isinstance(self.focused, Input):
            await self.focused.action_submit()

    def _attempt(self) -> None:
        """Check the PIN in a thread (argon2 takes a while): the screen says so at once.

        Keys typed meanwhile wait in the app's key gate for the answer
        (``ANSWER_GROUP``), so they land on the queue, or back in the PIN field.
        """
        if self._checking:
            return
        username = self.query_one("#signin-username", Input).value
        secret_field = self.query_one("#signin-secret", Input)
        secret = secret_field.value
        secret_field.value = ""  # never kept on screen or in memory longer than needed
        self.query_one("#signin-message", Static).update("Signing in…")
        self._checking = True
        now = self.clock()

        def check() -> None:
            # The database first: while it opens, its thread imports what is needed
            # here (two threads importing SQLAlchemy at once can meet half-way).
            engine = self.engine
            from ma_tui.staff.signin import authenticate

            try:
                result: SignInResult | UserError = authenticate(engine, username, secret, now=now)
            except UserError as exc:  # the database, not the PIN: nothing was counted
                result = exc
            self.app.call_from_thread(self._answered, result)

        self.run_worker(check, thread=True, group=ANSWER_GROUP, exit_on_error=False)

    def _answered(self, result: SignInResult | UserError) -> None:
        self._checking = False
        message = self.query_one("#signin-message", Static)
        secret_field = self.query_one("#signin-secret", Input)
        if isinstance(result, UserError):
            message.update(str(result))
            self.set_focus(secret_field)
            return
        if not result.ok or result.staff is None:
            message.update(result.message)
            self.set_focus(secret_field)  # the username is usually right; Shift+Tab fixes it
            return
        message.update("")
        if result.must_change:
            self._ask_new_secret(result.staff)
            return
        self.dismiss(result.staff)

    def _ask_new_secret(self, staff: Staff) -> None:
        """Signed in with a secret today's rules refuse: a new one first."""
        from ma_tui.staff.accounts import secret_hint

        self._changing = staff
        self.query_one("#signin-box", Vertical).add_class("-changing")
        self.query_one("#signin-title", Static).update("Choose a new PIN")
        self.query_one("#signin-hint", Static).update(
            f"Your PIN no longer meets the clinic's rules: choose "
            f"{secret_hint(self.engine, staff.role)}, not easy to guess."
        )
        self.set_focus(self.query_one("#signin-new", Input))

    def _change(self) -> None:
        from ma_tui.staff.accounts import change_own_secret

        staff = self._changing
        assert staff is not None
        assert staff.id is not None
        first, second = self.query_one("#signin-new", Input), self.query_one("#signin-again", Input)
        typed = (first.value, second.value)
        first.value = second.value = ""
        message = self.query_one("#signin-message", Static)
        if typed[0] != typed[1]:
            message.update("The two entries differ; type the new one twice.")
        else:
            try:
                change_own_secret(self.engine, staff.id, typed[0], now=self.clock())
            except UserError as exc:  # a rule refused it, or the database
                message.update(str(exc))
            else:
                self.dismiss(staff)
                return
        self.set_focus(first)

    def _username(self) -> Input:
        return self.query_one("#signin-username", Input)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """F2 only on the lock: at start anyone may sign in already."""
        if action == "another_user":
            return self.locked_user is not None and self._changing is None
        return True

    def action_another_user(self) -> None:
        """From the lock: someone else signs in; the locked user's visit stays theirs."""
        field = self._username()
        field.disabled = False
        field.value = ""
        self.locked_user = None
        self.refresh_bindings()
        self.query_one("#signin-title", Static).update("ma-tui · sign in")
        self.query_one("#signin-hint", Static).update(
            "Another user: the visit on this terminal stays with whoever was rooming it."
        )
        self.set_focus(field)
