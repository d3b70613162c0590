"""The same MA on two terminals: two real ma-tui processes on one SQLite file.

A (mia) opens Dana's visit and confirms her identifiers and phone. B (mia too) opens
it: B is told another terminal has it. A's terminal then freezes (SIGSTOP, as a
laptop lid closed) for longer than the hold time (3 s here); B takes the visit over,
sees A's work, and leaves it. A comes back and leaves a field: A is told that
another terminal saved the visit, and nothing A's stale screen held is written over
B's save. A's values are never lost.
"""

from __future__ import annotations

import random
import signal
import time
from pathlib import Path

import pytest

from tests.test_crash import DANA, ENTER, Terminal, _perform, _sign_in, demo_db, stored_draft

pytestmark = pytest.mark.slow

__all__ = ["demo_db"]

HOLD = {"MA_TUI_HOLD_SECONDS": "3"}
ESC = "\x1b"


def test_the_same_ma_on_two_terminals(demo_db: Path, tmp_path: Path) -> None:
    db = tmp_path / "clinic.db"
    db.write_bytes(demo_db.read_bytes())
    a = Terminal(db, extra_env=HOLD)
    b = Terminal(db, extra_env=HOLD)
    try:
        rng = random.Random(3)
        _sign_in(a)
        a.wait_for("Today's queue", what="A's queue")
        for action in DANA[:3]:  # opened, identifiers, a new phone
            _perform(a, db, action, rng)

        _sign_in(b)
        b.wait_for("Today's queue", what="B's queue")
        mark = b.mark()
        b.type("whit da" + ENTER)
        b.wait_for("Cannot room", since=mark, what="B told another terminal has it")

        a.process.send_signal(signal.SIGSTOP)  # A frozen
        time.sleep(4)  # longer than the hold time: A's claim lapses
        mark = b.mark()
        b.type("whit da" + ENTER)
        b.wait_for("a room number is not an identifier", since=mark, what="B takes it over")
        version_before = stored_draft(db)
        assert version_before is not None
        assert version_before.checkin.identity_confirmed_at is not None  # A's work, kept
        mark = b.mark()
        b.type(ESC)  # leaves the visit: saved where B was, and let go
        b.wait_for("Today's queue", since=mark, what="B back on the queue")

        a.process.send_signal(signal.SIGCONT)
        mark = a.mark()
        a.type("Spanish\t")  # A leaves a field on its stale screen
        a.wait_for("another terminal saved this visit", since=mark, what="A told")
        draft = stored_draft(db)
        assert draft is not None
        assert draft.checkin.identity_confirmed_at is not None
        assert draft.checkin.typed.get("phone") == "5555550123" or (
            draft.checkin.demographic_changes.get("phone") == "555-555-0123"
        )
        assert draft.checkin.typed.get("preferred_language") != "Spanish"  # not written over
    finally:
        for terminal in (a, b):
            if terminal.process.poll() is None:
                terminal.process.send_signal(signal.SIGCONT)
            terminal.kill()
