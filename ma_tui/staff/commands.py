"""``ma-tui users``, the credentials every administrative command asks for, and the
first administrator of a new database: the command-line side of staff accounts.

Each command that changes accounts, settings or records, or shows the audit trail,
runs as a signed-in staff member (``ma_tui.staff.operator``); ``users`` is an
administrator's. The one exception is the first administrator of a database that
has none. A refusal is one line on stderr and exit status 2, and changes nothing.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from collections.abc import Mapping
from typing import TYPE_CHECKING

from ma_tui.core.clock import system_clock
from ma_tui.core.exits import EXIT_USAGE, STOPS, stopped
from ma_tui.staff.prompts import NEW_SECRET_ENV, USER_ENV, create_first_admin, read_new_secret

if TYPE_CHECKING:  # the database and argon2 are imported when a command runs (--help is quick)
    from datetime import datetime

    from sqlalchemy.engine import Engine

    from ma_tui.data.models.staff import Staff

NO_ADMINISTRATOR = (
    "this clinic has no administrator yet; create one first with "
    "ma-tui users add USERNAME --name 'Full Name' --role admin"
)


def credentials_options() -> argparse.ArgumentParser:
    """``--as``, ``--secret-file`` and ``--secret-fd``, for every command that asks."""
    options = argparse.ArgumentParser(add_help=False)
    options.add_argument(
        "--as",
        dest="as_user",
        metavar="USERNAME",
        default=argparse.SUPPRESS,
        help=f"who runs the command (default: ${USER_ENV}, else asked on a terminal)",
    )
    given = options.add_mutually_exclusive_group()
    given.add_argument(
        "--secret-file",
        metavar="FILE",
        default=argparse.SUPPRESS,
        help="read your PIN or passphrase from FILE's first line (a file only you can read)",
    )
    given.add_argument(
        "--secret-fd",
        metavar="N",
        type=int,
        default=argparse.SUPPRESS,
        help="read your PIN or passphrase from the open file descriptor N (a pipe)",
    )
    return options


def needs_credentials(args: argparse.Namespace) -> bool:
    """Whether the command acts as a staff member (reading settings or checking the
    chain does not)."""
    if args.command in ("users", "export", "import"):
        return True
    if (args.command, getattr(args, "action", None)) == ("settings", "keys"):
        return bool(args.set or args.file or args.reset)  # showing them asks no one
    return (args.command, getattr(args, "action", None)) in (("settings", "set"), ("audit", "show"))


def _stdin_is_terminal() -> bool:
    return sys.stdin is not None and sys.stdin.isatty()


def _ask(prompt: str) -> str:
    """A line typed on the terminal; the prompt on stderr, so stdout stays the data."""
    print(prompt, end="", file=sys.stderr, flush=True)
    line = sys.stdin.readline()
    if not line:
        raise EOFError
    return line.rstrip("\n")


def sign_in_for(
    engine: Engine, args: argparse.Namespace, environ: Mapping[str, str]
) -> Staff | None:
    """The staff member the command runs as; None when it needs no one (or it adds
    the first administrator of a database that has none). ``UserError`` to refuse."""
    from ma_tui.staff import accounts
    from ma_tui.staff.operator import read_credentials, sign_in_operator

    if not needs_credentials(args):
        return None
    if accounts.needs_first_admin(engine):
        first = args.command == "users" and args.action == "add"
        if first and accounts.parse_role(args.role) is accounts.StaffRole.ADMIN:
            return None  # the one exception: the first administrator
        raise accounts.AdministratorsOnly(NO_ADMINISTRATOR)
    credentials = read_credentials(
        args.command,
        username=getattr(args, "as_user", None),
        secret_file=getattr(args, "secret_file", None),
        secret_fd=getattr(args, "secret_fd", None),
        environ=environ,
        interactive=_stdin_is_terminal(),
        ask=_ask,
        getpass=getpass.getpass,
    )
    words = [args.command, *([args.action] if getattr(args, "action", None) else [])]
    return sign_in_operator(
        engine,
        credentials,
        args.command,
        via="command line: " + " ".join(words),
        now=system_clock(),
    )


# ------------------------------------------------------------------ users


def add_users_parser(
    commands: argparse._SubParsersAction[argparse.ArgumentParser],
    parents: list[argparse.ArgumentParser],
) -> None:
    users = commands.add_parser(
        "users",
        parents=parents,
        help="list staff accounts, or add, disable, enable or reset one (an administrator's)",
        description=(
            "Staff accounts, for an administrator (--as USERNAME and --secret-file FILE, "
            "or asked on a terminal). Each person signs in with their own username and "
            "a PIN of 6+ digits (an administrator: a passphrase of 12+ characters). A "
            "new PIN or passphrase is asked twice without echo, never taken from the "
            "command line; when standard input is not a terminal it is read from "
            f"${NEW_SECRET_ENV} (scripted provisioning). With no action, lists the accounts."
        ),
    )
    actions = users.add_subparsers(dest="action", metavar="ACTION")
    actions.add_parser(
        "list",
        parents=parents,
        help="every account: username, name, role, and active, disabled or waiting",
        description="List every staff account with its status.",
    )
    add = actions.add_parser(
        "add",
        parents=parents,
        help="add an account; asks for its PIN or passphrase twice",
        description=(
            "Add a staff account. Its PIN or passphrase is asked twice, without echo. "
            "On a database with no administrator, the first administrator needs no "
            "credentials."
        ),
    )
    add.add_argument("username", help="2-64 of a-z, 0-9, '.', '-', '_' (stored lower case)")
    add.add_argument("--name", required=True, help="the full name the screens show")
    # Checked by ma_tui.staff.accounts, not argparse choices: one clear line for any spelling.
    add.add_argument("--role", required=True, help="ma, nurse, provider, front_desk or admin")
    add.add_argument("--credentials", help="CMA, RMA, MD, NP, ... (optional)")
    for name, helped, described in (
        (
            "disable",
            "stop an account signing in (never the last administrator)",
            "Disable a staff account: it can no longer sign in. The last active "
            "administrator cannot be disabled.",
        ),
        ("enable", "let a disabled account sign in again", "Enable a disabled account."),
        (
            "reset",
            "set a new PIN or passphrase (asked twice); ends a wait after wrong PINs",
            "Give an account a new PIN or passphrase, asked twice without echo; its "
            "failed attempts and any wait are cleared.",
        ),
    ):
        action = actions.add_parser(name, parents=parents, help=helped, description=described)
        action.add_argument("username", help="the account's username")


def check_users_args(args: argparse.Namespace) -> str | None:
    """What is wrong with a ``users`` command's arguments, found before the database opens."""
    from ma_tui.staff import accounts

    try:
        if getattr(args, "username", None) is not None:
            accounts.normalize_username(args.username)
        if args.action == "add":
            accounts.clean_display_name(args.name)
            accounts.parse_role(args.role)
            accounts.clean_credentials(args.credentials)
    except accounts.AccountError as exc:
        return str(exc)
    return None


def run_users(
    engine: Engine, args: argparse.Namespace, environ: Mapping[str, str], by: Staff | None
) -> int:
    """``users list|add|disable|enable|reset`` as ``by`` (None: the first administrator);
    each change is recorded as theirs."""
    from ma_tui.staff import accounts

    action = args.action or "list"
    now = system_clock()
    actor = None if by is None else by.id
    try:
        if action == "list":
            print_users(engine, now)
            return 0
        username = accounts.normalize_username(args.username)
        # Checked before the PIN is asked for; no transaction stays open meanwhile.
        known = accounts.user_exists(engine, username)
        if action == "add" and known:
            raise accounts.UsernameTaken(f"username {username!r} is taken; choose another")
        if action != "add" and not known:
            raise accounts.NoSuchUser(f"no user {username!r}")
        secret = ""
        if action in ("add", "reset"):
            rules = (
                accounts.role_rules(engine, accounts.parse_role(args.role), username)
                if action == "add"
                else accounts.secret_rules(engine, username)
            )
            interactive = _stdin_is_terminal()
            secret = read_new_secret(
                username, rules, interactive=interactive, environ=environ, getpass=getpass.getpass
            )
        if action == "add" and by is None:
            staff = accounts.add_first_admin(engine, username, args.name, secret, now=now)
            print(f"Added {staff.username}: {full_name(staff)}, {staff.role.value}.")
        elif action == "add":
            staff = accounts.add_user(
                engine,
                username,
                args.name,
                args.role,
                secret,
                credentials=args.credentials,
                now=now,
                by=actor,
            )
            print(f"Added {staff.username}: {full_name(staff)}, {staff.role.value}.")
        elif action == "disable":
            accounts.disable_user(engine, username, now=now, by=actor)
            print(f"Disabled {username}: they can no longer sign in.")
        elif action == "enable":
            accounts.enable_user(engine, username, now=now, by=actor)
            print(f"Enabled {username}: they can sign in again.")
        else:
            accounts.reset_secret(engine, username, secret, now=now, by=actor)
            print(f"New PIN or passphrase set for {username}; failed attempts and wait cleared.")
    except STOPS as exc:
        return stopped(exc)
    return 0


def full_name(staff: Staff) -> str:
    return f"{staff.display_name}, {staff.credentials}" if staff.credentials else staff.display_name


def print_users(engine: Engine, now: datetime) -> None:
    """username, name, role, status: one account a line, in aligned columns."""
    from ma_tui.staff import accounts

    staff = accounts.list_users(engine)
    if not staff:
        print("No staff accounts yet: add one with ma-tui users add USERNAME --name ... --role ...")
        return
    rows = [("username", "name", "role", "status")] + [
        (
            person.username,
            full_name(person),
            person.role.value,
            accounts.account_status(person, now),
        )
        for person in staff
    ]
    widths = [max(len(row[column]) for row in rows) for column in range(3)]
    for row in rows:
        cells = [cell.ljust(width) for cell, width in zip(row[:3], widths, strict=True)]
        print("  ".join([*cells, row[3]]))


# ----------------------------------------------------- the first administrator


def first_admin(engine: Engine) -> int | None:
    """On a database with no active administrator, create one on the plain terminal.

    Asked before any screen opens; None to go on, else the exit status. Without a
    terminal on standard input nothing is asked: the message says which command to run.
    """
    from ma_tui.staff.accounts import needs_first_admin

    try:
        if not needs_first_admin(engine):
            return None
        if not _stdin_is_terminal():
            print(f"ma-tui: {NO_ADMINISTRATOR}", file=sys.stderr)
            return EXIT_USAGE
        create_first_admin(engine, ask=input, getpass=getpass.getpass, now=system_clock())
    except STOPS as exc:
        return stopped(exc, undone="no administrator was created", refusal_says_undone=True)
    return None
