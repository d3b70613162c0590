"""The terminal going away (SIGHUP, SIGTERM, a closed window under ``make run``) saves
the draft as typed, writes the sign-out event and ends every ma-tui process within
a few seconds.

The real program runs in a pseudo-terminal, as in ``tests/test_crash.py``: the MA
signs in, opens Dana Whitfield, confirms her identifiers and types a new phone and,
half-way, a language she never leaves (so only the exit can save it).
"""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import sys
import time
from pathlib import Path

import pytest

from tests.test_crash import (
    DANA,
    Terminal,
    _perform,
    _sign_in,
    demo_db,
    stored_draft,
)

pytestmark = pytest.mark.slow

__all__ = ["demo_db"]  # the fixture, shared with the crash test

EXIT_WITHIN = 8.0  # seconds: the app's own limit is 5, plus a loaded machine's start


def _room_dana_until_the_language(db: Path, terminal: Terminal) -> None:
    rng = random.Random(7)
    _sign_in(terminal)
    terminal.wait_for("Today's queue", what="the queue after sign-in")
    for action in DANA[:3]:  # opened, identifiers confirmed, a new phone
        _perform(terminal, db, action, rng)
    terminal.type("Span")  # the language, half-typed: on screen only


def _sign_outs(db: Path) -> int:
    with sqlite3.connect(db, timeout=10) as connection:
        row = connection.execute(
            "SELECT count(*) FROM audit_event WHERE action = 'sign_out'"
        ).fetchone()
    return int(row[0])


def _check_kept(db: Path) -> None:
    draft = stored_draft(db)
    assert draft is not None
    assert draft.checkin.typed.get("phone") == "5555550123" or (
        draft.checkin.demographic_changes.get("phone") == "555-555-0123"
    )
    assert draft.checkin.typed.get("preferred_language") == "Span"
    assert _sign_outs(db) == 1
    with sqlite3.connect(db, timeout=10) as connection:
        claims = connection.execute(
            "SELECT count(*) FROM rooming_draft WHERE terminal_id IS NOT NULL"
        ).fetchone()
    assert claims == (0,)  # let go: the same MA resumes at once on another terminal


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    state = (
        Path(f"/proc/{pid}/stat").read_text().split()[2]
        if os.path.exists(f"/proc/{pid}/stat")
        else "X"
    )
    return state not in ("Z", "X")  # a zombie has ended; only its parent's wait is left


def _children(pid: int) -> list[int]:
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*/children"):
        found += [int(child) for child in task.read_text().split()]
    return found


@pytest.mark.parametrize("number", [signal.SIGHUP, signal.SIGTERM], ids=["SIGHUP", "SIGTERM"])
def test_a_signal_saves_the_draft_signs_out_and_exits(
    demo_db: Path, tmp_path: Path, number: signal.Signals
) -> None:
    db = tmp_path / "clinic.db"
    db.write_bytes(demo_db.read_bytes())
    terminal = Terminal(db)
    try:
        _room_dana_until_the_language(db, terminal)
        time.sleep(0.3)  # the keys are in; nothing saved them
        sent = time.monotonic()
        terminal.process.send_signal(number)
        code = terminal.process.wait(timeout=EXIT_WITHIN * 2)
        assert time.monotonic() - sent < EXIT_WITHIN
        assert code == 128 + number
    finally:
        terminal.kill()
    _check_kept(db)


def test_the_terminal_closed_under_a_shell_ends_every_ma_tui_process(
    demo_db: Path, tmp_path: Path
) -> None:
    """As ``make run`` did: a shell runs ma-tui as its child (``; echo`` keeps the shell
    from exec'ing it) on a controlling terminal, which then closes."""
    db = tmp_path / "clinic.db"
    db.write_bytes(demo_db.read_bytes())
    command = f"{sys.executable} -m ma_tui --db {db}; echo ended"
    terminal = Terminal(db, argv=["/bin/sh", "-c", command], controlling=True)
    shell = terminal.process.pid
    try:
        _room_dana_until_the_language(db, terminal)
        (ma_tui,) = _children(shell)
        time.sleep(0.3)
        closed = time.monotonic()
        os.close(terminal.master)  # the window closed, the SSH session dropped
        while _alive(ma_tui) or terminal.process.poll() is None:
            assert time.monotonic() - closed < EXIT_WITHIN, "ma-tui still running"
            time.sleep(0.05)
    finally:
        if terminal.process.poll() is None:
            os.killpg(shell, signal.SIGKILL)
        terminal.process.wait(timeout=10)
        terminal._reader.join(timeout=10)
    assert not _alive(ma_tui)
    _check_kept(db)
