"""``ma-tui`` on a terminal paints its sign-in screen first, and opens the database
behind it: signing in works as before, and a database that cannot be used closes
the app with the same one line and exit status as a start that opened it first.

The real program runs in a pseudo-terminal (``tests/test_crash.py``'s ``Terminal``);
what it printed after giving the terminal back is what follows its last switch back
from the alternate screen.
"""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest

from ma_tui.data.migrate import upgrade
from ma_tui.data.store import create_store_engine, sqlite_url
from tests.pilot import demo_secret
from tests.test_crash import ANSI, ENTER, Terminal, demo_db, terminals

pytestmark = pytest.mark.slow
__all__ = ["demo_db", "terminals"]  # the fixtures this module borrows

SIGN_IN = ("PIN or passphrase", "Quit")  # the sign-in screen, its footer's ^q Quit
LEAVE_ALTERNATE_SCREEN = b"\x1b[?1049l"  # Textual gives the terminal back
CTRL_D, CTRL_Q = "\x04", "\x11"


def printed_after_the_app(terminal: Terminal) -> str:
    """What the program wrote once the app had closed and given the terminal back."""
    after = terminal.raw().rsplit(LEAVE_ALTERNATE_SCREEN, 1)[-1]
    return ANSI.sub(b"", after).decode("utf-8", "replace").strip()


def drawn_by_the_app(terminal: Terminal) -> str:
    """What the app drew before it gave the terminal back."""
    before = terminal.raw().rsplit(LEAVE_ALTERNATE_SCREEN, 1)[0]
    return ANSI.sub(b"", before).decode("utf-8", "replace")


def audit_actions(db: Path) -> list[str]:
    with sqlite3.connect(db, timeout=10) as connection:
        rows = connection.execute("SELECT action FROM audit_event ORDER BY id").fetchall()
    return [row[0] for row in rows]


def at_sign_in(demo_db: Path, tmp_path: Path, terminals: list[Terminal]) -> Terminal:
    """ma-tui started on a copy of the demo clinic, its sign-in screen drawn."""
    db = tmp_path / "clinic.db"
    shutil.copy(demo_db, db)
    terminal = Terminal(db)
    terminals.append(terminal)
    terminal.wait_for(*SIGN_IN, what="the sign-in screen")
    return terminal


def test_the_sign_in_screen_comes_first_and_signs_in(
    demo_db: Path, tmp_path: Path, terminals: list[Terminal]
) -> None:
    terminal = at_sign_in(demo_db, tmp_path, terminals)
    terminal.type(f"mia{ENTER}{demo_secret('mia')}{ENTER}")
    terminal.wait_for("Today's queue", what="the queue after mia signed in")
    terminal.type(CTRL_Q)
    assert terminal.ended() == 0
    assert printed_after_the_app(terminal) == ""
    actions = audit_actions(tmp_path / "clinic.db")
    assert actions[-2:] == ["sign_in", "sign_out"]


def test_a_file_that_is_no_database_closes_the_app_with_its_line(
    tmp_path: Path, terminals: list[Terminal]
) -> None:
    db = tmp_path / "notes.db"
    db.write_text("not a database\n")
    terminal = Terminal(db)
    terminals.append(terminal)
    assert terminal.ended() == 2
    printed = printed_after_the_app(terminal)
    assert printed.startswith("ma-tui: ")
    assert "not a SQLite database" in printed
    assert len(printed.splitlines()) == 1
    assert "PIN or passphrase" in drawn_by_the_app(terminal)  # the screen came first
    assert "Traceback" not in terminal.screen_text()
    assert db.read_text() == "not a database\n"  # touched nothing


def test_a_missing_audit_key_closes_the_app_with_its_line(
    demo_db: Path, tmp_path: Path, terminals: list[Terminal]
) -> None:
    db = tmp_path / "clinic.db"
    shutil.copy(demo_db, db)
    missing = tmp_path / "nowhere" / "audit.key"
    terminal = Terminal(db, extra_env={"MA_TUI_AUDIT_KEY_FILE": str(missing)})
    terminals.append(terminal)
    terminal.type(f"mia{ENTER}")  # typing while the trail is checked changes nothing
    assert terminal.ended() == 2
    printed = printed_after_the_app(terminal)
    assert printed.startswith("ma-tui: the audit trail of this database is keyed")
    assert str(missing) in printed
    assert len(printed.splitlines()) == 1
    assert "PIN or passphrase" in drawn_by_the_app(terminal)
    assert "sign_in" not in audit_actions(db)[-1:]


def test_a_database_with_no_administrator_asks_for_one_on_the_terminal(
    tmp_path: Path, terminals: list[Terminal]
) -> None:
    db = tmp_path / "clinic.db"
    engine = create_store_engine(sqlite_url(db))
    upgrade(engine)
    engine.dispose()
    terminal = Terminal(db)
    terminals.append(terminal)
    terminal.wait_for("No administrator yet", what="the first administrator's question")
    terminal.type(CTRL_D)  # nobody to create today
    assert terminal.ended() == 2
    assert "cancelled; no administrator was created" in printed_after_the_app(terminal)
    # Found behind the sign-in screen, which then made way for the question.
    assert "PIN or passphrase" in drawn_by_the_app(terminal)


def test_quitting_while_the_database_opens_says_nothing(
    demo_db: Path, tmp_path: Path, terminals: list[Terminal]
) -> None:
    terminal = at_sign_in(demo_db, tmp_path, terminals)
    terminal.type(CTRL_Q)  # at once: the database is likely still being opened
    assert terminal.ended() == 0
    assert printed_after_the_app(terminal) == ""
