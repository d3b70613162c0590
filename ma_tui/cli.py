"""The ``ma-tui`` command, and the one place the program is put together.

It builds the engine (``open_database``) and hands it to what was asked for: the app
on today's queue, the demo clinic, the clinic's settings (each domain checks its
own: units in ``ma_tui.vitals.settings``, minutes in ``ma_tui.clinic.settings``, FHIR
in ``ma_tui.fhir.settings``), staff accounts, the audit trail, FHIR export and import.
A database that cannot be used, and every refusal, is one line on stderr and a
non-zero exit status, and no screen opens. The Textual app is imported only when a
screen is about to open.

The plain start (``ma-tui``, ``ma-tui run``) on an existing database that asks
nothing on the terminal paints the sign-in screen first, and opens the database
behind it (``_run_app_behind``): what goes wrong then closes the app and is said on
the restored terminal, with the same line and exit status. So this module imports no
SQLAlchemy at its top: a command imports what it needs when it runs.
"""

from __future__ import annotations

import argparse
import os
import sys
import threading
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from ma_tui import __version__
from ma_tui.core.environment import take_from_environment
from ma_tui.core.exits import EXIT_BAD_DATABASE, EXIT_USAGE, Refused
from ma_tui.data.audit_actions import AuditAction
from ma_tui.data.location import (
    ENV_VAR,
    KEY_ENV_VAR,
    StoreError,
    default_database_path,
    may_be_encrypted,
)
from ma_tui.fhir import commands as fhir_commands
from ma_tui.staff import commands as staff_commands

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from ma_tui.clinic.settings import SettingChange
    from ma_tui.data.audit import VerifyResult
    from ma_tui.data.models.staff import Staff
    from ma_tui.screens.app import MaTuiApp
    from ma_tui.visits.terminal import Terminal

EXIT_AUDIT_BROKEN = 1  # `audit verify` found a broken link in the audit chain


def build_parser() -> argparse.ArgumentParser:
    db_option = argparse.ArgumentParser(add_help=False)
    db_option.add_argument(
        "--db",
        metavar="PATH_OR_URL",
        default=argparse.SUPPRESS,
        help=(
            "the clinic's database: a SQLite file path, sqlcipher:///PATH for an "
            "encrypted file, or any SQLAlchemy URL "
            f"(e.g. postgresql+psycopg://user@host/clinic). Default: ${ENV_VAR}, "
            f"else {default_database_path()}"
        ),
    )
    parser = argparse.ArgumentParser(
        prog="ma-tui",
        parents=[db_option],
        description=(
            "Room patients from the terminal, keyboard only. With no command, opens "
            "today's queue. The database is created, or upgraded in place, at start."
        ),
        epilog=(
            f"Environment: {ENV_VAR} names the database when --db is not given; "
            f"{KEY_ENV_VAR} is the key of an encrypted (sqlcipher:) one, else it is asked."
        ),
    )
    parser.add_argument("--version", action="version", version=f"ma-tui {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.add_parser(
        "run",
        parents=[db_option],
        help="open today's queue (the default)",
        description="Open today's queue on the clinic's database.",
    )
    commands.add_parser(
        "demo",
        parents=[db_option],
        help="create or refresh a demo clinic in the database, then exit",
        description=(
            "Fill the database with a fictional demo clinic whose schedule is today. "
            "Refreshing a demo database replaces it; a database holding a real "
            "clinic's patients is refused."
        ),
    )
    settings = commands.add_parser(
        "settings",
        parents=[db_option],
        help="show the clinic's settings (units, waits, PIN rules...), or change one with 'set'",
        description=(
            "Show the units a bare number means on the vitals screen, the longest a "
            "terminal waits after repeated wrong PINs, how long an idle terminal waits "
            "before it locks, and the shortest PIN and passphrase. 'settings set weight "
            "kg' changes one (an administrator's): weight lb|kg, height in|cm, "
            "temperature f|c, lockout MINUTES, idle-lock MINUTES (1-240), pin-min DIGITS "
            "(6-12), passphrase-min CHARACTERS (12-128), and mrn-system URI: the "
            "identifier system of the EHR's MRNs, for FHIR; export-folder PATH: where "
            "the review screen's F6 writes visits; history-review required|optional; "
            "observation MINUTES (0-60): the wait after a dose, 0 for none."
        ),
    )
    settings_actions = settings.add_subparsers(dest="action", metavar="ACTION")
    change = settings_actions.add_parser(
        "set",
        parents=[db_option, staff_commands.credentials_options()],
        help=(
            "change one: weight lb|kg, height in|cm, temperature f|c, lockout MINUTES, "
            "idle-lock MINUTES, pin-min DIGITS, passphrase-min CHARACTERS, mrn-system URI, "
            "export-folder PATH, history-review required|optional, observation MINUTES"
        ),
        description="Change one of the clinic's settings and print the new value.",
    )
    # Checked by each setting's domain, not argparse choices: one clear line for any spelling.
    change.add_argument(
        "setting",
        help=(
            "weight, height, temperature, lockout, idle-lock, pin-min, passphrase-min, "
            "mrn-system, export-folder, history-review or observation"
        ),
    )
    change.add_argument(
        "value",
        help=(
            "lb|kg, in|cm, or f|c (°F, celsius, ... also work); whole minutes 1-240 "
            "(observation: 0-60); a URI for mrn-system (urn:oid:...); an absolute "
            "folder for export-folder"
        ),
    )
    _add_serve_parser(commands, db_option)
    _add_keys_parser(settings_actions, db_option)
    credentials = staff_commands.credentials_options()
    staff_commands.add_users_parser(commands, [db_option, credentials])
    _add_audit_parser(commands, db_option, credentials)
    fhir_commands.add_parsers(commands, db_option, credentials)
    return parser


def open_database(url: str, *, create_parent: bool, key: str | None = None) -> Engine:
    """Check, connect and migrate; any failure becomes a ``StoreError``."""
    from sqlalchemy.exc import DBAPIError, SQLAlchemyError

    from ma_tui.data.migrate import upgrade
    from ma_tui.data.store import create_store_engine, describe

    engine = create_store_engine(url, create_parent=create_parent, key=key)
    try:
        upgrade(engine)
    except StoreError:
        engine.dispose()
        raise
    except DBAPIError as exc:
        engine.dispose()
        reason = str(exc.orig).splitlines()[0] if exc.orig else type(exc).__name__
        raise StoreError(f"cannot use the database {describe(url)}: {reason}") from None
    except SQLAlchemyError as exc:
        engine.dispose()
        raise StoreError(f"cannot use the database {describe(url)}: {exc}") from None
    return engine


def main(argv: Sequence[str] | None = None, environ: Mapping[str, str] | None = None) -> int:
    # The database's key leaves this process's environment as soon as it starts
    # (ma_tui.core.environment); a test's own mapping is left as it is.
    given_key = take_from_environment(KEY_ENV_VAR) if environ is None else environ.get(KEY_ENV_VAR)
    args = build_parser().parse_args(argv)
    change: SettingChange | None = None
    if args.command == "settings" and args.action == "set":
        from ma_tui.clinic.settings import SettingError

        # Refused before the database is opened, so a typo creates and changes nothing.
        try:
            change = parse_setting(args.setting, args.value)
        except SettingError as exc:
            print(f"ma-tui: {exc}", file=sys.stderr)
            return EXIT_USAGE
    if args.command == "users" and (refused := staff_commands.check_users_args(args)):
        print(f"ma-tui: {refused}", file=sys.stderr)
        return EXIT_USAGE
    if args.command == "audit" and (refused := _check_audit_args(args)):
        print(f"ma-tui: {refused}", file=sys.stderr)
        return EXIT_USAGE
    if args.command == "export" and (refused := fhir_commands.check_export_args(args)):
        print(f"ma-tui: {refused}", file=sys.stderr)
        return EXIT_USAGE
    env = os.environ if environ is None else environ
    cli_db: str | None = getattr(args, "db", None)
    using_default = not (cli_db or env.get(ENV_VAR))
    served = env.get("MA_TUI_SERVED") == "1"
    if args.command in (None, "run") and _opens_behind_the_screen(cli_db, env, given_key):
        return _run_app_behind(
            DatabaseOpening(cli_db, env, given_key, using_default=using_default), served=served
        )
    from ma_tui.data.store import resolve_database_url

    try:
        url = resolve_database_url(cli_db, env)
        key = _database_key(url, given_key)
        engine = open_database(url, create_parent=using_default, key=key)
    except StoreError as exc:
        print(f"ma-tui: {exc}", file=sys.stderr)
        return EXIT_BAD_DATABASE
    except (EOFError, KeyboardInterrupt):
        print(file=sys.stderr)
        print("ma-tui: cancelled; nothing was changed", file=sys.stderr)
        return EXIT_USAGE
    try:
        warnings = _open_audit_trail(engine, args, env)
        if isinstance(warnings, int):
            return warnings
        if args.command == "demo":
            return _build_demo(engine, url, env)
        operator = _operator(engine, args, env)
        if isinstance(operator, int):
            return operator
        by = None if operator is None else operator.id
        if args.command == "settings" and args.action == "keys":
            return _keys(engine, args, by)
        if args.command == "settings":
            return _settings(engine, change, by)
        if args.command == "users":
            return staff_commands.run_users(engine, args, env, operator)
        if args.command == "audit":
            return _audit(engine, args, by, env)
        if args.command == "export":
            return fhir_commands.run_export(engine, args, staff_id=by)
        if args.command == "import":
            return fhir_commands.run_import(engine, args, staff_id=by)
        if (refused_code := staff_commands.first_admin(engine)) is not None:
            return refused_code
        if args.command == "serve":
            return _serve(args, url, env)
        return _run_app(engine, warnings, served=served)
    finally:
        engine.dispose()


def _open_audit_trail(
    engine: Engine, args: argparse.Namespace, env: Mapping[str, str]
) -> list[str] | int:
    """Key and check the audit trail before anything else (``ma_tui.core.trail``):
    the warnings (also printed on stderr), or the exit status when the trail's key
    is missing or another."""
    checking = args.command == "audit" and args.action == "verify"
    try:
        warnings = _checked_trail(engine, env, checking=checking)
    except StoreError as exc:
        print(f"ma-tui: {exc}", file=sys.stderr)
        return EXIT_BAD_DATABASE
    for warning in warnings:
        print(f"ma-tui: {warning}", file=sys.stderr)
    return warnings


def _checked_trail(engine: Engine, env: Mapping[str, str], *, checking: bool = False) -> list[str]:
    """The audit trail keyed and checked: its warnings; ``StoreError`` (the database
    unavailable too) when the trail's key is missing or another."""
    from ma_tui.core.clock import system_clock
    from ma_tui.core.errors import DatabaseUnavailable
    from ma_tui.core.trail import open_trail

    try:
        return open_trail(engine, environ=env, now=system_clock(), checking=checking)
    except DatabaseUnavailable as exc:
        raise StoreError(str(exc)) from None


# ------------------------------------------------- the app, its database behind it


def _opens_behind_the_screen(
    cli_db: str | None, env: Mapping[str, str], given_key: str | None
) -> bool:
    """Whether the app can paint its sign-in screen before the database is opened:
    on a terminal (keys on stdin, the screen and what went wrong on stderr), with
    nothing to ask there first. Not for an encrypted database whose key is asked
    here, nor a new database file (its first administrator is created here); a
    database that turns out to have no administrator is found behind the screen, and
    the app then makes way for the question (``DatabaseOpening``). Elsewhere (a pipe, a
    browser tab) the old way: the database first, any refusal the only output."""
    chosen = cli_db or env.get(ENV_VAR) or ""
    if not (_stdin_is_terminal() and sys.stderr is not None and sys.stderr.isatty()):
        return False
    if cli_db is not None and not cli_db.strip():
        return False  # refused with its own line the usual way
    if may_be_encrypted(chosen) and not given_key:
        return False
    if "://" in chosen:
        return True
    try:
        path = Path(chosen).expanduser() if chosen.strip() else default_database_path()
        return path.is_file()
    except (OSError, RuntimeError):  # said the usual way, by resolve_database_url
        return False


class DatabaseOpening:
    """What ``main`` does before the app, done behind its sign-in screen (``open``,
    in the app's thread): the database resolved, opened (migrated only when not at
    the head revision), its audit trail checked, its first administrator looked for.
    What it could not do is kept here, for the command line to say once the app has
    closed."""

    def __init__(
        self,
        cli_db: str | None,
        env: Mapping[str, str],
        given_key: str | None,
        *,
        using_default: bool,
    ) -> None:
        self.cli_db = cli_db
        self.env = env
        self.given_key = given_key
        self.using_default = using_default
        self.engine: Engine | None = None
        self.warnings: list[str] = []
        self.refusal: str | None = None  # the line to print
        self.needs_first_admin = False
        self._started = False
        self._closed = False  # the app has closed: nothing is opened from now on
        self._lock = threading.Lock()
        self._finished = threading.Event()

    def open(self) -> tuple[Engine, list[str]]:
        with self._lock:
            if self._closed:
                raise Refused(0)  # the app closed first (someone quit): nothing to open
            self._started = True
        try:
            return self._open()
        finally:
            self._finished.set()

    def close(self) -> None:
        """Once the app has closed: an opening under way is waited for (a migration is
        never cut short by the exit), and none starts after."""
        with self._lock:
            self._closed = True
            started = self._started
        if started:
            self._finished.wait()

    def _open(self) -> tuple[Engine, list[str]]:
        from ma_tui.core.errors import UserError
        from ma_tui.data.store import is_encrypted_url, resolve_database_url
        from ma_tui.staff.accounts import needs_first_admin

        try:
            url = resolve_database_url(self.cli_db, self.env)
            # Never asked here: a key that is asked for starts the old way.
            key = self.given_key if is_encrypted_url(url) else None
            self.engine = open_database(url, create_parent=self.using_default, key=key)
            self.warnings = _checked_trail(self.engine, self.env)
        except StoreError as exc:
            self.refusal = f"ma-tui: {exc}"
            raise Refused(EXIT_BAD_DATABASE) from None
        try:
            self.needs_first_admin = needs_first_admin(self.engine)
        except UserError:  # the database away: asked again, and said, the usual way
            self.needs_first_admin = True
        if self.needs_first_admin:
            raise Refused(EXIT_USAGE)
        return self.engine, self.warnings


def _run_app_behind(opening: DatabaseOpening, *, served: bool = False) -> int:
    """The app on this terminal, its sign-in screen painted first and ``opening`` run
    behind it; what it found wrong is said once the app has closed."""
    from ma_tui.screens.app import MaTuiApp

    app = MaTuiApp.behind_sign_in(opening.open, terminal=_this_terminal(), served=served)
    try:
        _run_to_the_end(app)  # the app freezes again once the rest is loaded
        opening.close()
        for warning in opening.warnings:
            print(f"ma-tui: {warning}", file=sys.stderr)
        if opening.refusal is not None:
            print(opening.refusal, file=sys.stderr)
            return EXIT_BAD_DATABASE
        if opening.needs_first_admin and app.closed_by_opening and opening.engine is not None:
            # A database with no administrator: asked here, then the app the old way.
            if (refused_code := staff_commands.first_admin(opening.engine)) is not None:
                return refused_code
            return _run_app(opening.engine, opening.warnings, served=served)
        return app.return_code or 0
    finally:
        if opening.engine is not None:
            opening.engine.dispose()


def _operator(
    engine: Engine, args: argparse.Namespace, env: Mapping[str, str]
) -> Staff | int | None:
    """Who the command runs as, signed in (``ma_tui.staff.operator``); None when it
    needs no one; the exit status when they are refused (one line on stderr)."""
    from ma_tui.core.exits import STOPS, stopped

    try:
        return staff_commands.sign_in_for(engine, args, env)
    except STOPS as exc:
        return stopped(exc)


def _database_key(url: str, given: str | None) -> str | None:
    """The key of an encrypted database: ``given`` (``$MA_TUI_DB_KEY``), else asked.

    None for a plain database, or when there is no terminal to ask on (the store
    then says how to give it). A new encrypted file's key is asked twice.
    """
    import getpass

    from sqlalchemy.engine import make_url

    from ma_tui.data.store import is_encrypted_url

    if not is_encrypted_url(url):
        return None
    if given:
        return given
    if not _stdin_is_terminal():
        return None
    path = Path(make_url(url).database or "")
    key = getpass.getpass(f"Key for the encrypted database {path}: ")
    again = "The same key again (lose it and the data is lost): "
    if key and not path.exists() and getpass.getpass(again) != key:
        raise StoreError("the two keys differ; nothing was created")
    return key


def _build_demo(engine: Engine, url: str, env: Mapping[str, str]) -> int:
    from ma_tui.core.clock import system_clock
    from ma_tui.core.errors import UserError
    from ma_tui.core.trail import open_trail
    from ma_tui.data.audit_key import forget_head
    from ma_tui.data.store import describe
    from ma_tui.demo.clinic import build_demo_clinic

    now = system_clock()
    assert now.tzinfo is not None
    try:
        summary = build_demo_clinic(engine, now.date(), now.tzinfo, now)
        # The demo replaced its trail on purpose: the new head is the one kept from now on.
        forget_head(env, engine)
        open_trail(engine, environ=env, now=now)
    except (StoreError, UserError) as exc:
        print(f"ma-tui: {exc}", file=sys.stderr)
        return EXIT_BAD_DATABASE
    print(
        f"Demo clinic ready in {describe(url)}: {summary.patients} patients, "
        f"{summary.encounters_today} visits today, {summary.staff} staff."
    )
    return 0


def parse_setting(setting: str, value: str) -> SettingChange:
    """Any of the clinic's settings and its value, checked by the domain it belongs to;
    ``SettingError`` names the bad one."""
    from ma_tui.clinic.settings import SettingError, minutes_change, minutes_named, quoted
    from ma_tui.fhir.settings import fhir_change, fhir_setting_named
    from ma_tui.history.settings import history_review_change, history_setting_named
    from ma_tui.immunizations.settings import observation_change, observation_setting_named
    from ma_tui.staff.policy import policy_change, policy_setting_named
    from ma_tui.vitals.settings import unit_change, unit_setting_named

    if (fhir := fhir_setting_named(setting)) is not None:
        return fhir_change(fhir, value)
    if (minutes := minutes_named(setting)) is not None:
        return minutes_change(minutes, value)
    if (length := policy_setting_named(setting)) is not None:
        return policy_change(length, value)
    if (unit := unit_setting_named(setting)) is not None:
        return unit_change(unit, value)
    if history_setting_named(setting):
        return history_review_change(value)
    if observation_setting_named(setting):
        return observation_change(value)
    raise SettingError(
        f"unknown setting {quoted(setting)}: use weight, height, temperature, "
        "lockout, idle-lock, pin-min, passphrase-min, mrn-system, export-folder, "
        "history-review or observation"
    )


def setting_lines(engine: Engine) -> list[str]:
    """Every setting as ``ma-tui settings`` shows it, one per line."""
    from ma_tui.clinic.settings import minutes_lines
    from ma_tui.core.transaction import read_only
    from ma_tui.fhir.settings import fhir_lines
    from ma_tui.history.settings import history_lines
    from ma_tui.immunizations.settings import observation_lines
    from ma_tui.staff.policy import policy_lines
    from ma_tui.vitals.settings import unit_lines

    return read_only(
        engine,
        lambda session: [
            *unit_lines(session),
            *minutes_lines(session),
            *policy_lines(session),
            *fhir_lines(session),
            *history_lines(session),
            *observation_lines(session),
        ],
    )


def _settings(engine: Engine, change: SettingChange | None, by: int | None = None) -> int:
    """Print the clinic's settings, or change one (already checked) as ``by`` and print it."""
    from ma_tui.clinic.settings import change_setting
    from ma_tui.core.clock import system_clock
    from ma_tui.core.errors import DatabaseUnavailable

    try:
        if change is not None:
            print(change_setting(engine, change, now=system_clock(), staff_id=by))
            return 0
        for line in setting_lines(engine):
            print(line)
    except DatabaseUnavailable as exc:
        print(f"ma-tui: {exc}", file=sys.stderr)
        return EXIT_BAD_DATABASE
    return 0


def _stdin_is_terminal() -> bool:
    return sys.stdin is not None and sys.stdin.isatty()


def _run_app(engine: Engine, warnings: Sequence[str] = (), *, served: bool = False) -> int:
    """The app on this terminal; ``served``: in a browser tab (``ma-tui serve``)."""
    from ma_tui.screens.app import MaTuiApp

    app = MaTuiApp(engine, start_warnings=warnings, terminal=_this_terminal(), served=served)
    _run_to_the_end(app)
    return app.return_code or 0


def _this_terminal() -> Terminal:
    """This running ma-tui as it holds visits (its hold time from the environment)."""
    from ma_tui.visits.terminal import Terminal, hold_seconds_from

    return Terminal(hold_seconds=hold_seconds_from(os.environ))


def _run_to_the_end(app: MaTuiApp) -> None:
    """Run ``app`` until it closes, its garbage collections managed by it."""
    import gc

    # The modules and what start-up made are never garbage: frozen, the collector no
    # longer scans them on each full collection (about 200 ms each on this machine,
    # a third of that once frozen; bench/RESULTS.md). The app takes it from there.
    gc.freeze()
    app.manage_gc = True
    app.run()


# ------------------------------------------------------------------ keys


def _add_keys_parser(
    settings_actions: argparse._SubParsersAction[argparse.ArgumentParser],
    db_option: argparse.ArgumentParser,
) -> None:
    keys = settings_actions.add_parser(
        "keys",
        parents=[db_option, staff_commands.credentials_options()],
        help="a user's keys: list them, or move some (an administrator's)",
        description=(
            "List every key of ma-tui for USERNAME (binding id, keys, what it does), or "
            "move some: --set visit.next=f8, or --file with one 'binding.id = key' a "
            "line (several keys with commas). The user sees them at their next sign-in, "
            "in the footer and F1. A key that would do two things on one screen is "
            "refused; --reset puts the defaults back."
        ),
    )
    keys.add_argument("username", help="whose keys")
    keys.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="ID=KEY",
        help="move one key, e.g. visit.next=f8 (repeat for more)",
    )
    keys.add_argument("--file", metavar="FILE", help="a keymap file: 'binding.id = key' a line")
    keys.add_argument("--reset", action="store_true", help="the defaults again")


def _keys(engine: Engine, args: argparse.Namespace, by: int | None) -> int:
    """List a user's keys, or change them (checked against every screen first)."""
    from ma_tui.core.clock import system_clock
    from ma_tui.core.errors import UserError
    from ma_tui.screens.keymap import (
        binding_ids,
        keymap_problems,
        normalised_keymap,
        parse_keymap_file,
    )
    from ma_tui.staff.preferences import set_user_keymap, user_keymap

    try:
        keymap = {} if args.reset else user_keymap(engine, args.username)
        changing = args.reset or args.set or args.file
        try:
            if args.file:
                keymap.update(parse_keymap_file(Path(args.file).read_text(encoding="utf-8")))
            for given in args.set:
                keymap.update(parse_keymap_file(given))
        except (OSError, ValueError) as exc:
            print(f"ma-tui: {exc}", file=sys.stderr)
            return EXIT_USAGE
        if changing:
            if problems := keymap_problems(keymap):
                for problem in problems:
                    print(f"ma-tui: refused: {problem}", file=sys.stderr)
                return EXIT_USAGE
            keymap = set_user_keymap(
                engine, args.username, normalised_keymap(keymap), now=system_clock(), by=by
            )
    except UserError as exc:
        print(f"ma-tui: {exc}", file=sys.stderr)
        return EXIT_USAGE
    for binding_id, binding in binding_ids().items():
        keys = keymap.get(binding_id, ",".join(binding.keys))
        moved = "  (moved)" if binding_id in keymap else ""
        print(f"{binding_id:<28} {keys:<16} {binding.description or binding.action}{moved}")
    return 0


# ------------------------------------------------------------------ serve


def _add_serve_parser(
    commands: argparse._SubParsersAction[argparse.ArgumentParser],
    db_option: argparse.ArgumentParser,
) -> None:
    serve = commands.add_parser(
        "serve",
        parents=[db_option],
        help="serve ma-tui to web browsers (each tab its own sign-in), on 127.0.0.1",
        description=(
            "Serve ma-tui to web browsers with textual-serve: each browser tab runs its "
            "own ma-tui and signs in on its own. textual-serve has neither TLS nor "
            "authentication: keep the default 127.0.0.1 and put a reverse proxy with TLS "
            "in front (README: ma-tui in a browser)."
        ),
    )
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (127.0.0.1)")
    serve.add_argument("--port", type=int, default=8000, help="port to listen on (8000)")
    serve.add_argument(
        "--public-url",
        metavar="URL",
        help=(
            "the address browsers use, when a reverse proxy is in front "
            "(e.g. https://ma.clinic.example): the page's websocket goes there"
        ),
    )


def _serve(args: argparse.Namespace, url: str, env: Mapping[str, str]) -> int:
    """Serve the app to browsers until Ctrl+C; each tab opens the same database."""
    from ma_tui.data.store import is_encrypted_url
    from ma_tui.screens.web.serve import exposure_warning, serve

    if is_encrypted_url(url) and not env.get(KEY_ENV_VAR):
        print(
            f"ma-tui: serving an encrypted database needs its key in {KEY_ENV_VAR} "
            "(each tab's process opens the database on its own)",
            file=sys.stderr,
        )
        return EXIT_USAGE
    if (warning := exposure_warning(args.host)) is not None:
        print(f"ma-tui: {warning}", file=sys.stderr)
    serve(database_url=url, host=args.host, port=args.port, public_url=args.public_url)
    return 0


# ------------------------------------------------------------------ audit


def _add_audit_parser(
    commands: argparse._SubParsersAction[argparse.ArgumentParser],
    db_option: argparse.ArgumentParser,
    credentials: argparse.ArgumentParser,
) -> None:
    audit = commands.add_parser(
        "audit",
        parents=[db_option],
        help="check the audit trail's hash chain, or list its events",
        description=(
            "The audit trail: every view, change, sign-in and export, append-only, "
            "hash-chained and keyed. 'audit verify' checks the whole chain (exit status "
            f"{EXIT_AUDIT_BROKEN} at the first broken link); 'audit show' lists events."
        ),
    )
    actions = audit.add_subparsers(dest="action", metavar="ACTION", required=True)
    verify = actions.add_parser(
        "verify",
        parents=[db_option],
        help=f"check every event's hash and link; exit status {EXIT_AUDIT_BROKEN} if broken",
        description=(
            "Recompute every event's keyed hash and check that each links to the one "
            "before, and that each signed visit and correction still holds what was "
            "written; name the first broken link (exit status 1), or print how many "
            "events there are and the last one's hash. --checkpoint keeps the head in a "
            "file (keep a copy off this machine); --since-checkpoint also finds events "
            "cut off the end, or a trail rewritten whole, since that checkpoint."
        ),
    )
    checkpoints = verify.add_mutually_exclusive_group()
    for option, helped in (
        ("--checkpoint", "when the chain holds, keep its head in FILE (mode 0600)"),
        ("--since-checkpoint", "also check that the trail still passes through FILE's head"),
    ):
        checkpoints.add_argument(
            option,
            metavar="FILE",
            nargs="?",
            const="",  # the default file, per database, beside the audit key
            default=None,
            help=f"{helped} (default FILE: one per database, beside the audit key)",
        )
    show = actions.add_parser(
        "show",
        parents=[db_option, credentials],
        help="list events (an administrator's): local time, user, action, MRN, entity, detail",
        description=(
            "List audit events, oldest first, one a line: local time, user (staff "
            "username, else operating-system user), action, patient MRN, entity, a short "
            "detail. For an administrator (--as USERNAME --secret-file FILE, or asked); "
            "listing them is itself recorded, as a view by that administrator."
        ),
    )
    show.add_argument("--patient", metavar="MRN", help="only events about this patient")
    show.add_argument(
        "--user", metavar="USERNAME", help="only events by this staff username or OS user"
    )
    show.add_argument("--since", metavar="YYYY-MM-DD", help="only events from this local day on")
    show.add_argument(
        "--action",
        dest="event_action",  # "action" is the audit subcommand (verify, show)
        choices=[a.value for a in AuditAction],
        help="only this kind of event, e.g. break_glass: records opened outside today's schedule",
    )


def _check_audit_args(args: argparse.Namespace) -> str | None:
    """Refuse a bad ``--since`` before the database is opened; parse it in place."""
    from datetime import date

    text = getattr(args, "since", None)
    if text is None:
        return None
    try:
        args.since = date.fromisoformat(text.strip())
    except ValueError:
        return f"--since takes a date as YYYY-MM-DD, not {text!r}"
    return None


def _audit(
    engine: Engine,
    args: argparse.Namespace,
    by: int | None = None,
    env: Mapping[str, str] | None = None,
) -> int:
    from ma_tui.core.errors import DatabaseUnavailable

    try:
        if args.action == "show":
            return _audit_show(engine, args, by)
        result = _audit_verify(engine, args, os.environ if env is None else env)
    except (DatabaseUnavailable, StoreError) as exc:
        print(f"ma-tui: {exc}", file=sys.stderr)
        return EXIT_BAD_DATABASE
    print(result.message())
    if not result.ok:
        return EXIT_AUDIT_BROKEN
    if result.last_hash is not None:
        print(f"last event's hash: {result.last_hash}")
    return 0


def _audit_verify(engine: Engine, args: argparse.Namespace, env: Mapping[str, str]) -> VerifyResult:
    """The chain checked; with --checkpoint its head kept, with --since-checkpoint
    compared (the default file is per database, beside the audit key)."""
    from ma_tui.core.audit import verify_chain
    from ma_tui.core.clock import system_clock
    from ma_tui.core.trail import verify_since, write_checkpoint
    from ma_tui.data.audit_key import head_path

    def where(given: str) -> Path:
        return Path(given).expanduser() if given else head_path(env, engine, "audit-checkpoints")

    if args.checkpoint is not None:
        path = where(args.checkpoint)
        result = write_checkpoint(engine, path, now=system_clock())
        if result.ok:
            print(f"checkpoint kept in {path}")
        return result
    if args.since_checkpoint is not None:
        return verify_since(engine, where(args.since_checkpoint))
    return verify_chain(engine)


def _audit_show(engine: Engine, args: argparse.Namespace, by: int | None) -> int:
    """List the events asked for; the listing is recorded first, as a view by ``by``."""
    from ma_tui.core.audit import AuditAction, show_events
    from ma_tui.core.clock import system_clock
    from ma_tui.core.errors import NotFound

    try:
        entries = show_events(
            engine,
            now=system_clock(),
            patient_mrn=args.patient,
            username=args.user,
            since=args.since,
            action=None if args.event_action is None else AuditAction(args.event_action),
            staff_id=by,
        )
    except NotFound as exc:
        print(f"ma-tui: {exc}", file=sys.stderr)
        return EXIT_USAGE
    for entry in entries:
        when = entry.at.astimezone()  # local time, with that day's offset
        entity = " ".join(filter(None, (entry.entity, entry.entity_id)))
        fields = (
            f"{when:%Y-%m-%d %H:%M:%S}",
            f"{_printable(entry.user or '-'):<12}",
            f"{entry.action:<14}",
            f"{_printable(entry.patient_mrn or '-'):<9}",
            f"{_printable(entity or '-'):<18}",
            _printable(_shorten(entry.detail or "")),
        )
        print("  ".join(fields).rstrip())
    return 0


def _shorten(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _printable(text: str) -> str:
    """Text safe to print to a terminal: control and format characters become '?'."""
    import unicodedata

    return "".join("?" if unicodedata.category(ch)[0] == "C" else ch for ch in text)
