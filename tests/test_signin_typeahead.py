"""Keys typed before the sign-in screen is up never merge the username and the PIN.

Until Textual has the terminal in raw mode, the terminal's line discipline turns
each Enter into a newline (ctrl+j): ``mia⏎PIN⏎`` typed in the first seconds used to
arrive as ``miaPIN`` in the username field, and a failed sign-in then kept that text
in the permanent audit trail.
"""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest

from tests.pilot import demo_secret
from tests.test_crash import ENTER, Terminal, demo_db, terminals

pytestmark = pytest.mark.slow
__all__ = ["demo_db", "terminals"]  # the fixtures this module borrows


def audit_details(db: Path) -> str:
    with sqlite3.connect(db, timeout=10) as connection:
        rows = connection.execute("SELECT coalesce(detail, '') FROM audit_event").fetchall()
    return " ".join(row[0] for row in rows)


def test_username_and_pin_typed_while_starting_sign_in(
    demo_db: Path, tmp_path: Path, terminals: list[Terminal]
) -> None:
    db = tmp_path / "clinic.db"
    shutil.copy(demo_db, db)
    pin = demo_secret("mia")
    terminal = Terminal(db)
    terminals.append(terminal)
    terminal.type(f"mia{ENTER}{pin}{ENTER}")  # at once: the program is still starting
    terminal.wait_for("Today's queue", what="mia signed in with what she typed ahead")
    terminal.kill()
    assert f"mia{pin}" not in audit_details(db)
