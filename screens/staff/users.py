"""Staff accounts, for an administrator: add, disable, enable, reset a PIN.

The table lists every account (username, name, role, and active, disabled or
locked until a time). ``a`` adds an account, ``d``/``e`` disable or enable the
highlighted one after a yes/no question, ``r`` sets its new PIN or password, Esc
goes back. Each form moves on with Enter and saves with Enter on its last field (or
Ctrl+S); a refusal from ``ma_tui.staff.accounts`` is shown in one line and nothing is
stored. A PIN is typed twice, never shown, and both fields are emptied after every
attempt, stored or refused.

Only an administrator may open it: ``UsersScreen`` raises ``ValueError`` for any
other actor. Every change is a use case of ``ma_tui.staff.accounts``, which checks
that the actor is an administrator and writes the change and its audit event (never
a PIN) together.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Grid, Vertical
from textual.screen import ModalScreen, Screen
from textual.suggester import SuggestFromList
from textual.widgets import DataTable, Footer, Input, Label, Static

from ma_tui.core.clock import Clock
from ma_tui.core.errors import UserError
from ma_tui.core.transaction import Engine
from ma_tui.screens.widgets.common import settle_inputs
from ma_tui.screens.widgets.confirm import ConfirmScreen
from ma_tui.staff.accounts import (
    USERNAME_MAX,
    AccountError,
    Staff,
    StaffRole,
    UsernameTaken,
    account_status,
    add_user,
    clean_credentials,
    clean_display_name,
    disable_user,
    enable_user,
    list_users,
    normalize_username,
    parse_role,
    reset_secret,
    role_rules,
    secret_hint,
    secret_rules,
)
from ma_tui.staff.policy import PASSPHRASE_MAX
from ma_tui.staff.prompts import read_new_secret

# Widths fit 80 columns with the scrollbar: content + 2 of padding per column.
COLUMNS = (
    ("Username", "username", 16),
    ("Name", "name", 26),
    ("Role", "role", 10),
    ("Status", "status", 16),
)
ROLES = tuple(role.value for role in StaffRole)
# One over each limit: an overlong entry is refused with a reason, never cut short.
SECRET_INPUT_MAX = PASSPHRASE_MAX + 1
USERNAME_INPUT_MAX = USERNAME_MAX + 1
FORM_KEYS = "Enter: next field, saves on the last · Esc: cancel"


def full_name(staff: Staff) -> str:
    """``Mia Sorensen, CMA``: the name with the credentials, as ``ma-tui users`` lists it."""
    return f"{staff.display_name}, {staff.credentials}" if staff.credentials else staff.display_name


def _checked_secret(username: str, check: Callable[[str], str], first: str, second: str) -> str:
    """The new PIN or passphrase if ``check`` (the clinic's rules for the account)
    takes it and it was typed the same twice; else ``AccountError``.

    ``read_new_secret`` asks twice through ``getpass``: here the two fields answer.
    """
    answers = iter((first, second))
    return read_new_secret(
        username, check, interactive=True, environ={}, getpass=lambda _prompt: next(answers)
    )


class UsersScreen(Screen[None]):
    """Every staff account; raises ``ValueError`` unless ``actor`` is an administrator."""

    TITLE = "Staff accounts"
    CSS_PATH = "users.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("a", "add", "Add", id="users.add"),
        Binding("d", "disable", "Disable", id="users.disable"),
        Binding("e", "enable", "Enable", id="users.enable"),
        Binding("r", "reset", "Reset PIN", id="users.reset"),
        Binding("escape", "back", "Back", id="users.back"),
    ]

    def __init__(
        self, engine: Engine, clock: Clock, actor: Staff, *, cursor_blink: bool = True
    ) -> None:
        if actor.role is not StaffRole.ADMIN or not actor.active or actor.id is None:
            raise ValueError("only an administrator manages staff accounts")
        super().__init__()
        self.engine = engine
        self.clock = clock
        self.actor = actor
        self.actor_id = actor.id
        self.cursor_blink = cursor_blink
        self.accounts: dict[str, Staff] = {}

    def compose(self) -> ComposeResult:
        yield Static(
            Text.assemble(("Staff accounts", "bold"), "   each person signs in as themselves"),
            id="users-title",
        )
        table: DataTable[str | Text] = DataTable(id="users-table", cursor_type="row")
        for label, key, width in COLUMNS:
            table.add_column(label, key=key, width=width)
        yield table
        yield Static(id="users-message", markup=False)
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self._load()
        self.query_one("#users-table", DataTable).focus()

    # ----------------------------------------------------------------- table

    def _load(self, keep: str | None = None) -> None:
        """Read every account again; the cursor stays on ``keep`` (or where it was)."""
        table: DataTable[str | Text] = self.query_one("#users-table", DataTable)
        keep = keep or self.highlighted()
        now = self.clock()
        try:
            staff = list_users(self.engine)
        except UserError as exc:
            self._say(str(exc))
            return
        self.accounts = {person.username: person for person in staff}
        table.clear()
        for person in staff:
            status = account_status(person, now)
            style = "dim" if status == "disabled" else "bold red" if status != "active" else ""
            table.add_row(
                person.username,
                full_name(person),
                person.role.value,
                Text(status, style=style),
                key=person.username,
            )
        if keep in self.accounts:
            table.move_cursor(row=table.get_row_index(keep))

    def highlighted(self) -> str | None:
        """The username on the highlighted row, None when the table is empty."""
        table: DataTable[str | Text] = self.query_one("#users-table", DataTable)
        if not table.row_count:
            return None
        row_key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key
        return None if row_key.value is None else str(row_key.value)

    def _form_args(self) -> tuple[Engine, Clock, int, bool]:
        return self.engine, self.clock, self.actor_id, self.cursor_blink

    def _say(self, message: str) -> None:
        self.query_one("#users-message", Static).update(message)

    # ---------------------------------------------------------------- actions

    def action_back(self) -> None:
        self.dismiss(None)

    def action_add(self) -> None:
        self._say("")
        self.app.push_screen(AddUserScreen(*self._form_args()), self._added)

    def _added(self, staff: Staff | None) -> None:
        if staff is None:
            return
        self._say(f"Added {staff.username}: {full_name(staff)}, {staff.role.value}.")
        self._load(staff.username)

    def action_disable(self) -> None:
        self._ask_active(False)

    def action_enable(self) -> None:
        self._ask_active(True)

    def _ask_active(self, active: bool) -> None:
        username = self.highlighted()
        if username is None:
            return
        staff = self.accounts[username]
        word = "enabled" if active else "disabled"
        if staff.active is active:
            self._say(f"{username} is already {word}.")
            return
        self._say("")
        if active:
            question, detail = f"Enable {username}?", f"{full_name(staff)} can sign in again."
        else:
            question = f"Disable {username}?"
            detail = f"{full_name(staff)} can no longer sign in."
            if username == self.actor.username:
                detail += " This is you: you could not sign in again."

        def answered(yes: bool | None) -> None:
            if yes:
                self._set_active(username, active)

        self.app.push_screen(ConfirmScreen(question, detail), answered)

    def _set_active(self, username: str, active: bool) -> None:
        change = enable_user if active else disable_user
        try:
            change(self.engine, username, now=self.clock(), by=self.actor_id)
        except UserError as exc:
            self._say(str(exc))
            return
        word = "enabled: they can sign in again" if active else "disabled: no more sign-in"
        self._say(f"{username} {word}.")
        self._load(username)

    def action_reset(self) -> None:
        username = self.highlighted()
        if username is None:
            return
        self._say("")
        screen = ResetSecretScreen(*self._form_args(), staff=self.accounts[username])
        self.app.push_screen(screen, self._reset)

    def _reset(self, staff: Staff | None) -> None:
        if staff is None:
            return
        self._say(
            f"New PIN or password set for {staff.username}; failed attempts and lock cleared."
        )
        self._load(staff.username)


# --------------------------------------------------------------------- forms


class _SecretForm(ModalScreen[Staff | None]):
    """A small form ending in a new PIN typed twice; dismissed with the account written."""

    CSS_PATH = "users.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "save", "Save", id="users.form.save", priority=True),
        Binding("escape", "cancel", "Cancel", id="users.form.cancel"),
    ]
    FIRST = ""  # the id of the field that has the focus when the form opens

    def __init__(self, engine: Engine, clock: Clock, actor_id: int, cursor_blink: bool) -> None:
        super().__init__()
        self.engine = engine
        self.clock = clock
        self.actor_id = actor_id  # the administrator making the change
        self.cursor_blink = cursor_blink

    def secret_rows(self) -> ComposeResult:
        for name, label in (("pin", "New PIN"), ("pin2", "Same PIN again")):
            yield Label(label, classes="form-label")
            yield Input(id=f"user-{name}", password=True, max_length=SECRET_INPUT_MAX, compact=True)

    def on_mount(self) -> None:
        settle_inputs(self, cursor_blink=self.cursor_blink)
        self.query_one(f"#{self.FIRST}", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if event.input.id == "user-pin2":
            self.action_save()
        else:
            self.focus_next()

    def _field(self, name: str) -> Input:
        return self.query_one(f"#user-{name}", Input)

    def _take_secrets(self) -> tuple[str, str]:
        """Both PIN fields' text, and the fields emptied: a PIN is used once, never kept."""
        first, second = self._field("pin"), self._field("pin2")
        typed = (first.value, second.value)
        first.value = second.value = ""
        return typed

    def _refuse(self, message: str, field: str) -> None:
        self.query_one("#form-error", Static).update(message)
        self._field(field).focus()

    def action_cancel(self) -> None:
        self._take_secrets()
        self.dismiss(None)

    def action_save(self) -> None:
        """Each form overrides this: check, store, and dismiss with the account."""
        raise NotImplementedError(type(self).__name__)


class AddUserScreen(_SecretForm):
    """Username, name, role, credentials and the PIN twice: a new account."""

    FIRST = "user-username"

    def compose(self) -> ComposeResult:
        with Vertical(id="form-box"):
            yield Static("Add a staff account", id="form-title")
            with Grid(id="form-grid"):
                yield Label("Username", classes="form-label")
                yield Input(
                    id="user-username",
                    placeholder="jdoe: a-z 0-9 . - _",
                    max_length=USERNAME_INPUT_MAX,
                    compact=True,
                )
                yield Label("Full name", classes="form-label")
                yield Input(id="user-name", placeholder="Jane Doe", max_length=200, compact=True)
                yield Label("Role", classes="form-label")
                yield Input(
                    id="user-role",
                    placeholder=", ".join(ROLES),
                    suggester=SuggestFromList(ROLES, case_sensitive=False),
                    max_length=20,
                    compact=True,
                )
                yield Label("Credentials", classes="form-label")
                yield Input(
                    id="user-credentials",
                    placeholder="CMA, RMA, MD, ...",
                    max_length=40,
                    compact=True,
                )
                yield from self.secret_rows()
            yield Static(id="form-error", markup=False)
            yield Static(FORM_KEYS, id="form-keys")
        yield Footer(compact=True)

    def action_save(self) -> None:
        first, second = self._take_secrets()
        username, name, role, credentials = (
            self._field(field).value for field in ("username", "name", "role", "credentials")
        )
        # Each field is checked in form order, before the PIN, so the focus goes to the
        # first one that is wrong; add_user checks them all again as it stores.
        checks: tuple[tuple[str, Callable[[], object]], ...] = (
            ("username", lambda: normalize_username(username)),
            ("name", lambda: clean_display_name(name)),
            ("role", lambda: parse_role(role)),
            ("credentials", lambda: clean_credentials(credentials)),
        )
        for field, check in checks:
            try:
                check()
            except AccountError as exc:
                self._refuse(str(exc), field)
                return
        try:
            rules = role_rules(self.engine, parse_role(role), normalize_username(username))
            secret = _checked_secret(username, rules, first, second)
        except UserError as exc:  # refused, the two entries differ, or the database
            self._refuse(str(exc), "pin")
            return
        try:
            staff = add_user(
                self.engine,
                username,
                name,
                role,
                secret,
                credentials=credentials,
                now=self.clock(),
                by=self.actor_id,
            )
        except UsernameTaken as exc:
            self._refuse(str(exc), "username")
            return
        except UserError as exc:
            self._refuse(str(exc), "pin")
            return
        self.dismiss(staff)


class ResetSecretScreen(_SecretForm):
    """A new PIN or password for one account; clears its failed attempts and lock."""

    FIRST = "user-pin"

    def __init__(
        self, engine: Engine, clock: Clock, actor_id: int, cursor_blink: bool, *, staff: Staff
    ) -> None:
        super().__init__(engine, clock, actor_id, cursor_blink)
        self.username = staff.username
        self.shown_name = full_name(staff)
        self.role = staff.role

    def compose(self) -> ComposeResult:
        with Vertical(id="form-box"):
            yield Static(
                f"New PIN for {self.username} ({self.shown_name})", id="form-title", markup=False
            )
            yield Static(
                f"{secret_hint(self.engine, self.role).capitalize()}. Ends a wait "
                "after wrong PINs.",
                id="form-hint",
            )
            with Grid(id="form-grid"):
                yield from self.secret_rows()
            yield Static(id="form-error", markup=False)
            yield Static(FORM_KEYS, id="form-keys")
        yield Footer(compact=True)

    def action_save(self) -> None:
        first, second = self._take_secrets()
        try:
            rules = secret_rules(self.engine, self.username)
            secret = _checked_secret(self.username, rules, first, second)
            staff = reset_secret(
                self.engine, self.username, secret, now=self.clock(), by=self.actor_id
            )
        except UserError as exc:
            self._refuse(str(exc), "pin")
            return
        self.dismiss(staff)
