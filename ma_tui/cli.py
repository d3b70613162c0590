"""The ``ma-tui`` command: open the clinic's queue, build the demo clinic, or set units.

Every failure to open the database, and every bad setting, is one line on stderr and
exit status 2, before any screen opens. The Textual app is imported only when a
screen is about to open.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError, SQLAlchemyError

from data.store import (
    ENV_VAR,
    StoreError,
    create_store_engine,
    default_database_path,
    describe,
    resolve_database_url,
)
from ma_tui import __version__

if TYPE_CHECKING:
    from ma_tui.settings import SettingName

EXIT_BAD_DATABASE = 2
EXIT_USAGE = 2  # a setting or value ma-tui does not know, as argparse's own errors


def build_parser() -> argparse.ArgumentParser:
    db_option = argparse.ArgumentParser(add_help=False)
    db_option.add_argument(
        "--db",
        metavar="PATH_OR_URL",
        default=argparse.SUPPRESS,
        help=(
            "the clinic's database: a SQLite file path or any SQLAlchemy URL "
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
        epilog=f"Environment: {ENV_VAR} names the database when --db is not given.",
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
        help="show the clinic's default units, or change one with 'set'",
        description=(
            "Show the units a bare number means on the vitals screen. "
            "'settings set weight kg' changes one: weight lb|kg, height in|cm, "
            "temperature f|c."
        ),
    )
    settings_actions = settings.add_subparsers(dest="action", metavar="ACTION")
    change = settings_actions.add_parser(
        "set",
        parents=[db_option],
        help="change one unit: weight lb|kg, height in|cm, temperature f|c",
        description="Change one of the clinic's default units and print the new value.",
    )
    # Checked by ma_tui.settings, not argparse choices: one clear line for any spelling.
    change.add_argument("setting", help="weight, height or temperature")
    change.add_argument("value", help="lb|kg, in|cm, or f|c (°F, celsius, ... also work)")
    return parser


def open_database(url: str, *, create_parent: bool) -> Engine:
    """Check, connect and migrate; any failure becomes a ``StoreError``."""
    from data.migrate import upgrade

    engine = create_store_engine(url, create_parent=create_parent)
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
    args = build_parser().parse_args(argv)
    change: tuple[SettingName, str] | None = None
    if args.command == "settings" and args.action == "set":
        from ma_tui.settings import SettingError, parse_change

        # Refused before the database is opened, so a typo creates and changes nothing.
        try:
            change = parse_change(args.setting, args.value)
        except SettingError as exc:
            print(f"ma-tui: {exc}", file=sys.stderr)
            return EXIT_USAGE
    env = os.environ if environ is None else environ
    cli_db: str | None = getattr(args, "db", None)
    url = resolve_database_url(cli_db, env)
    using_default = not (cli_db or env.get(ENV_VAR))
    try:
        engine = open_database(url, create_parent=using_default)
    except StoreError as exc:
        print(f"ma-tui: {exc}", file=sys.stderr)
        return EXIT_BAD_DATABASE
    try:
        if args.command == "demo":
            return _build_demo(engine, url)
        if args.command == "settings":
            return _settings(engine, change)
        return _run_app(engine)
    finally:
        engine.dispose()


def _build_demo(engine: Engine, url: str) -> int:
    from ma_tui.clock import system_clock
    from ma_tui.demo import build_demo_clinic

    now = system_clock()
    assert now.tzinfo is not None
    try:
        summary = build_demo_clinic(engine, now.date(), now.tzinfo)
    except StoreError as exc:
        print(f"ma-tui: {exc}", file=sys.stderr)
        return EXIT_BAD_DATABASE
    print(
        f"Demo clinic ready in {describe(url)}: {summary.patients} patients, "
        f"{summary.encounters_today} visits today, {summary.staff} staff."
    )
    return 0


def _settings(engine: Engine, change: tuple[SettingName, str] | None) -> int:
    """Print the clinic's units, or change one (already checked) and print it."""
    from sqlmodel import Session

    from ma_tui.readback import unit_label
    from ma_tui.settings import read_units, set_unit, unit_labels

    try:
        with Session(engine) as session:
            if change is not None:
                name, code = change
                set_unit(session, name, code)
                print(f"{name}: {unit_label(code)}")
                return 0
            for name, label in unit_labels(read_units(session)):
                print(f"{name}: {label}")
    except StoreError as exc:
        print(f"ma-tui: {exc}", file=sys.stderr)
        return EXIT_BAD_DATABASE
    return 0


def _run_app(engine: Engine) -> int:
    from ma_tui.app import MaTuiApp

    MaTuiApp(engine).run()
    return 0
