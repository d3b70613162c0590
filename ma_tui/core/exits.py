"""How a command-line command that stops early says so: one line on stderr and the
exit status (a database unavailable, a refusal, or the person pressing Ctrl+D/Ctrl+C
at a prompt)."""

from __future__ import annotations

import sys

from ma_tui.core.errors import DatabaseUnavailable, UserError

EXIT_BAD_DATABASE = 2
EXIT_USAGE = 2  # a setting or value ma-tui does not know, as argparse's own errors


class Refused(Exception):
    """A start that cannot go on, found once the app's first screen is up (the
    database, its audit trail): the app closes with ``code``; the command line says
    why on the restored terminal."""

    def __init__(self, code: int) -> None:
        super().__init__(code)
        self.code = code


# What ``stopped`` takes: ``except STOPS as exc: return stopped(exc)``.
STOPS = (DatabaseUnavailable, UserError, EOFError, KeyboardInterrupt)


def stopped(
    exc: BaseException, *, undone: str = "nothing was changed", refusal_says_undone: bool = False
) -> int:
    """Say why the command stopped and return its exit status. ``undone`` is what a
    cancelled prompt left undone (and a refusal too, with ``refusal_says_undone``)."""
    if isinstance(exc, DatabaseUnavailable):
        print(f"ma-tui: {exc}", file=sys.stderr)
        return EXIT_BAD_DATABASE
    if isinstance(exc, UserError):
        tail = f"; {undone}" if refusal_says_undone else ""
        print(f"ma-tui: {exc}{tail}", file=sys.stderr)
        return EXIT_USAGE
    print(file=sys.stderr)  # the prompt's line was left open
    print(f"ma-tui: cancelled; {undone}", file=sys.stderr)
    return EXIT_USAGE
