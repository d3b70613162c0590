"""Plain-terminal prompts for staff accounts, asked before any screen opens.

A new PIN or password is typed twice without echo (``getpass``) and never taken from
the command line, where ``ps`` and the shell's history would show it. With no
terminal on standard input (scripted provisioning) it is read from
``$MA_TUI_NEW_SECRET`` instead. The first start of a database with no active
administrator asks for one here.

Every prompt takes its ``ask``/``getpass``/``say`` callables, so tests drive it
without a terminal. ``ma_tui.staff.accounts`` (argon2, the database) is imported only when
a prompt runs, so ``ma-tui --help`` stays quick.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from ma_tui.data.models.staff import Staff

NEW_SECRET_ENV = "MA_TUI_NEW_SECRET"
USER_ENV = "MA_TUI_USER"  # who runs an administrative command (ma_tui.staff.operator)
FIRST_ADMIN_ATTEMPTS = 3

Ask = Callable[[str], str]
Say = Callable[[str], None]
_T = TypeVar("_T")


def read_new_secret(
    username: str,
    check: Callable[[str], str],
    *,
    interactive: bool,
    environ: Mapping[str, str],
    getpass: Ask,
    say: Say = print,
    attempts: int = 1,
) -> str:
    """A new PIN or passphrase for ``username``, passed by ``check`` (the clinic's
    rules for the account, ``ma_tui.staff.accounts.secret_rules``); ``AccountError``
    otherwise.

    On a terminal it is asked twice and the two must match, up to ``attempts``
    times (each refusal is said, the last raised). Without one it comes from
    ``$MA_TUI_NEW_SECRET``.
    """
    from ma_tui.staff.accounts import AccountError

    if not interactive:
        secret = environ.get(NEW_SECRET_ENV)
        if secret is None:
            raise AccountError(
                "standard input is not a terminal: to set a PIN or password without "
                f"one (scripted provisioning), put it in ${NEW_SECRET_ENV}"
            )
        return check(secret)
    for attempt in range(1, attempts + 1):
        last = attempt == attempts
        first = getpass(f"New PIN or passphrase for {username}: ")
        try:
            check(first)
        except AccountError as exc:
            if last:
                raise
            say(f"{exc}; try again")
            continue
        if getpass("The same again, to confirm: ") == first:
            return first
        if last:
            raise AccountError("the two entries differ; nothing was changed")
        say("the two entries differ; try again")
    raise ValueError(f"attempts must be at least 1, not {attempts}")


def _ask_until(ask: Ask, prompt: str, check: Callable[[str], _T], say: Say, attempts: int) -> _T:
    """``check(ask(prompt))``, asked again after each refusal, up to ``attempts`` times."""
    from ma_tui.staff.accounts import AccountError

    for attempt in range(1, attempts + 1):
        try:
            return check(ask(prompt))
        except AccountError as exc:
            if attempt == attempts:
                raise
            say(f"{exc}; try again")
    raise ValueError(f"attempts must be at least 1, not {attempts}")


@dataclass(frozen=True)
class FirstAdmin:
    username: str
    display_name: str
    secret: str


def ask_first_admin(
    engine: Engine,
    *,
    ask: Ask,
    getpass: Ask,
    say: Say = print,
    attempts: int = FIRST_ADMIN_ATTEMPTS,
) -> FirstAdmin:
    """Username, full name and PIN (twice) of the first administrator, each checked.

    A username already taken (by a disabled account, say) is asked again. The
    database is only read, and no transaction stays open while the user types.
    """
    from ma_tui.staff.accounts import (
        StaffRole,
        UsernameTaken,
        clean_display_name,
        normalize_username,
        role_rules,
        user_exists,
    )

    def free_username(text: str) -> str:
        name = normalize_username(text)
        if user_exists(engine, name):
            raise UsernameTaken(f"username {name!r} is taken; choose another")
        return name

    say("No administrator yet: create the first one.")
    username = _ask_until(ask, "Username: ", free_username, say, attempts)
    display_name = _ask_until(ask, "Full name: ", clean_display_name, say, attempts)
    say("An administrator signs in with a passphrase of at least 12 characters.")
    secret = read_new_secret(
        username,
        role_rules(engine, StaffRole.ADMIN, username),
        interactive=True,
        environ={},
        getpass=getpass,
        say=say,
        attempts=attempts,
    )
    return FirstAdmin(username, display_name, secret)


def create_first_admin(
    engine: Engine,
    *,
    ask: Ask,
    getpass: Ask,
    now: datetime,
    say: Say = print,
) -> Staff:
    """Ask for the first administrator and add them, recorded as by the OS user;
    ``AccountError`` when refused."""
    from ma_tui.staff.accounts import add_first_admin

    admin = ask_first_admin(engine, ask=ask, getpass=getpass, say=say)
    staff = add_first_admin(engine, admin.username, admin.display_name, admin.secret, now=now)
    say(f"Administrator {staff.username} ({staff.display_name}) created.")
    return staff
