"""Killing ma-tui at any moment loses at most the field being typed.

The real program (``python -m ma_tui``) runs in a pseudo-terminal of 100x30. The
test types part of Dana Whitfield's visit as an MA does (check-in with a changed
phone and language, the chief complaint and HPI, a surgical history entry), and
after each field waits until the database holds it. At a random moment (seeded)
it kills the program with SIGKILL: half-way through a field, or just after its
Enter, while the draft may be being written. Then:

- ``PRAGMA integrity_check`` says ok, and the draft still parses as a VisitDraft;
- every field the database had shown before the kill is still there;
- the field being typed is absent, as it was, or a prefix of what was typed;
- started again, ma-tui offers the unfinished visit and Enter resumes it at the
  step where it stopped.

``MA_TUI_CRASH_RUNS`` sets the number of runs (default 4, about 4-7 s each, to keep
``make test`` under 10 minutes; ``make test-thorough`` runs 12) and
``MA_TUI_CRASH_SEED`` the seed, e.g. ``MA_TUI_CRASH_RUNS=100`` for a long soak.
"""

from __future__ import annotations

import os
import random
import re
import shutil
import sqlite3
import struct
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from ma_tui.data.models.history import HistorySection
from ma_tui.visits.draft import VisitDraft
from ma_tui.visits.steps import STEP_TITLES
from tests.pilot import demo_secret

if os.name != "posix":  # pragma: no cover - pseudo-terminals are POSIX
    pytest.skip("needs a POSIX pseudo-terminal", allow_module_level=True)

import fcntl
import pty
import termios

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent
RUNS = int(os.environ.get("MA_TUI_CRASH_RUNS", "4"))
SEED = int(os.environ.get("MA_TUI_CRASH_SEED", "20261123"))
COLUMNS, LINES = 100, 30
TIMEOUT = 30.0  # seconds for any one thing to happen: generous, for a loaded machine
# Textual asks whether the terminal can synchronize output; this one says yes, so
# every frame comes between these two, and ends by moving the cursor to where the
# focused field's cursor is (the field's focus event has been handled).
SYNC_QUERY, SYNC_REPLY = b"\x1b[?2026$p", b"\x1b[?2026;2$y"
FRAME_CURSOR = re.compile(rb"\x1b\[(\d+);(\d+)H\x1b\[\?2026l")
ANSI = re.compile(rb"\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)|P[^\x1b]*\x1b\\|.)")

# Keys as a terminal sends them.
ENTER, TAB, CTRL_B, CTRL_R = "\r", "\t", "\x02", "\x12"
# What each step shows that no other screen does: the resumed step is on screen.
STEP_SHOWS = {
    "checkin": "a room number is not an identifier",
    "review": "Room for the provider",
    "complaint": "own words",
    "history": "Surgical",
}


# ---------------------------------------------------------------- the program


class Terminal:
    """ma-tui running in a pseudo-terminal; everything it draws is kept as text."""

    def __init__(
        self,
        db: Path,
        *,
        argv: list[str] | None = None,
        extra_env: dict[str, str] | None = None,
        controlling: bool = False,
    ) -> None:
        """``argv`` in place of ``python -m ma_tui --db DB``; ``controlling``: the
        terminal is the program's controlling terminal, as a login's is, so that the
        kernel hangs it up (SIGHUP) when the terminal closes."""
        self.master, slave = pty.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", LINES, COLUMNS, 0, 0))
        env = {k: v for k, v in os.environ.items() if not k.startswith(("TEXTUAL", "MA_TUI"))}
        env.update(TERM="xterm-256color", COLUMNS=str(COLUMNS), LINES=str(LINES))
        env.update(extra_env or {})

        def take_the_terminal() -> None:
            os.setsid()
            fcntl.ioctl(0, termios.TIOCSCTTY, 0)

        self.process = subprocess.Popen(
            argv or [sys.executable, "-m", "ma_tui", "--db", str(db)],
            stdin=slave,
            stdout=slave,
            stderr=slave,
            env=env,
            cwd=ROOT,
            start_new_session=not controlling,
            preexec_fn=take_the_terminal if controlling else None,
        )
        os.close(slave)
        self._output = bytearray()
        self._lock = threading.Lock()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        """Drain the terminal all the time, so the program never blocks on writing."""
        while True:
            try:
                data = os.read(self.master, 65536)
            except OSError:  # the program is gone
                return
            if not data:
                return
            with self._lock:
                start = max(0, len(self._output) - len(SYNC_QUERY) + 1)
                self._output.extend(data)
                asked = self._output.find(SYNC_QUERY, start) >= 0
            if asked:
                os.write(self.master, SYNC_REPLY)

    def screen_text(self, since: int = 0) -> str:
        """All drawn since ``since`` (a ``mark()``), escape sequences taken out."""
        with self._lock:
            raw = bytes(self._output[since:])
        return ANSI.sub(b"", raw).decode("utf-8", "replace")

    def mark(self) -> int:
        with self._lock:
            return len(self._output)

    def raw(self, since: int = 0) -> bytes:
        """All it wrote since ``since`` (a ``mark()``), escape sequences included."""
        with self._lock:
            return bytes(self._output[since:])

    def ended(self) -> int:
        """The exit status, once the program has ended by itself and all it wrote is read."""
        status = self.process.wait(timeout=TIMEOUT)
        self._reader.join(timeout=TIMEOUT)
        os.close(self.master)
        return status

    def cursor(self, since: int = 0) -> tuple[int, int] | None:
        """Where the last frame drawn (since the mark) left the cursor."""
        with self._lock:
            frames = list(FRAME_CURSOR.finditer(self._output, since))
        return (int(frames[-1][1]), int(frames[-1][2])) if frames else None

    def move_focus(self, key: str) -> None:
        """A key that moves the focus off a button or table; returns once the field
        it lands in has taken the focus (a frame puts the cursor somewhere else).

        Keys typed before that would go to the widget that had the focus, or be
        typed over when the field selects its text on focus: the README's
        fast-typing gap, which this test is not about.
        """
        before, mark = self.cursor(), self.mark()
        self.type(key)
        deadline = time.monotonic() + TIMEOUT
        while (now := self.cursor(mark)) is None or now == before:
            if self.process.poll() is not None:
                pytest.fail(f"ma-tui exited ({self.process.returncode}) after {key!r}")
            if time.monotonic() > deadline:
                pytest.fail(f"the focus did not move after {key!r} in {TIMEOUT:.0f} s")
            time.sleep(0.02)

    def wait_for(self, *texts: str, since: int = 0, what: str) -> None:
        """Until every text has been drawn (since the mark); fails naming ``what``."""
        deadline = time.monotonic() + TIMEOUT
        while True:
            shown = self.screen_text(since)
            if all(text in shown for text in texts):
                return
            if self.process.poll() is not None:
                pytest.fail(f"ma-tui exited ({self.process.returncode}) before {what}")
            if time.monotonic() > deadline:
                missing = [text for text in texts if text not in shown]
                pytest.fail(
                    f"{what}: {missing} not on screen after {TIMEOUT:.0f} s; "
                    f"last drawn: {shown[-600:]!r}"
                )
            time.sleep(0.02)

    def type(self, keys: str, rng: random.Random | None = None) -> None:
        """Key by key; with ``rng``, at an irregular pace, as a person types."""
        for key in keys:
            os.write(self.master, key.encode())
            if rng is not None:
                time.sleep(rng.uniform(0, 0.012))

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()  # SIGKILL: no handler, no clean-up, no last save
        self.process.wait(timeout=TIMEOUT)
        self._reader.join(timeout=TIMEOUT)
        os.close(self.master)


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A demo clinic built by the program itself, so "today" is the program's today."""
    db = tmp_path_factory.mktemp("crash") / "demo.db"
    subprocess.run(
        [sys.executable, "-m", "ma_tui", "demo", "--db", str(db)],
        cwd=ROOT,
        check=True,
        capture_output=True,
        timeout=120,
    )
    return db


@pytest.fixture
def terminals() -> Iterator[list[Terminal]]:
    """Every program started by a test is killed when it ends, whatever happens."""
    started: list[Terminal] = []
    yield started
    for terminal in started:
        if terminal.process.poll() is None:
            terminal.kill()


# ----------------------------------------------------------------- the database


def stored_draft(db: Path) -> VisitDraft | None:
    """The one draft in the database (only Dana's visit is opened), parsed."""
    with sqlite3.connect(db, timeout=10) as connection:
        rows = connection.execute("SELECT data FROM rooming_draft").fetchall()
    assert len(rows) <= 1, f"expected at most one draft, found {len(rows)}"
    return VisitDraft.model_validate_json(rows[0][0]) if rows else None


def integrity(db: Path) -> str:
    with sqlite3.connect(db, timeout=10) as connection:
        return str(connection.execute("PRAGMA integrity_check").fetchone()[0])


def wait_until_saved(
    db: Path, terminal: Terminal, done: Callable[[VisitDraft], bool], what: str
) -> None:
    deadline = time.monotonic() + TIMEOUT
    while True:
        draft = stored_draft(db)
        if draft is not None and done(draft):
            return
        if terminal.process.poll() is not None:
            pytest.fail(f"ma-tui exited ({terminal.process.returncode}) before saving {what}")
        if time.monotonic() > deadline:
            pytest.fail(f"{what} not saved after {TIMEOUT:.0f} s; the draft: {draft!r}")
        time.sleep(0.02)


# ------------------------------------------------------------------- the visit


@dataclass(frozen=True)
class Move:
    """A key that moves the focus. Leaving a field saves the draft with the field
    moved to, ``to``: the database says when the key has been handled. From a
    button or table (``to`` None) only the screen can tell."""

    key: str
    to: str | None = None

    def make(self, terminal: Terminal, db: Path) -> None:
        if self.to is None:
            terminal.move_focus(self.key)
            return
        terminal.type(self.key)
        wait_until_saved(db, terminal, lambda d: d.field == self.to, f"the move to {self.to}")


@dataclass
class Action:
    """Keys that end with something saved: ``done`` says the database holds it.

    ``lead`` moves into the field, key by key, each waited for (``Move``); ``text``
    is typed into it and ``end`` leaves it. What ``done`` checks must still hold
    after any later kill, except a move between steps (``moves``). ``typed`` reads
    the field back from a draft (None: not there) and ``before`` are the values it
    may hold before it is typed. An action with ``shows`` waits, after each group
    of keys, for that text on screen (a new step must be up before its keys).
    """

    name: str
    lead: tuple[Move, ...] = ()
    text: str = ""
    end: str = ENTER
    done: Callable[[VisitDraft], bool] = lambda draft: True
    moves: bool = False  # a move to another step: later moves change ``step`` again
    typed: Callable[[VisitDraft], str | None] | None = None
    before: tuple[str, ...] = ()
    shows: tuple[tuple[str, str], ...] = field(default_factory=tuple)


def _surgical_form(index: int) -> Callable[[VisitDraft], str | None]:
    def read(draft: VisitDraft) -> str | None:
        form = draft.history.form
        if form is not None and form.section == HistorySection.SURGICAL:
            return form.values[index]
        if any(e.fields.get("name") == "appendectomy" for e in draft.history.new_entries):
            return ("appendectomy", "2009")[index]
        return None

    return read


def _appendectomy_added(draft: VisitDraft) -> bool:
    return draft.history.form is None and any(
        entry.fields.get("name") == "appendectomy"
        for entry in draft.history.entries(HistorySection.SURGICAL)
    )


DANA = (
    Action(
        "open Dana from the queue",
        shows=(("whit da" + ENTER, STEP_SHOWS["checkin"]),),
        done=lambda d: d.step == "checkin",
        moves=True,
    ),
    Action(
        "identifiers confirmed", text="", done=lambda d: d.checkin.identity_confirmed_at is not None
    ),
    Action(
        "phone, not yet confirmed",
        lead=(Move(TAB),),
        text="5555550123",
        end=TAB,
        done=lambda d: (
            d.checkin.typed.get("phone") == "5555550123"
            or d.checkin.demographic_changes.get("phone") == "555-555-0123"
        ),
        typed=lambda d: d.checkin.typed.get("phone"),
        before=("555-555-0115",),
    ),
    Action(
        "language, and demographics confirmed",
        text="Spanish",
        done=lambda d: (
            d.checkin.demographics_confirmed
            and d.checkin.demographic_changes
            == {"phone": "555-555-0123", "preferred_language": "Spanish"}
        ),
        typed=lambda d: (
            d.checkin.typed.get("preferred_language")
            or d.checkin.demographic_changes.get("preferred_language")
        ),
        before=("English",),
    ),
    Action(
        "on to the complaint through the review",
        shows=((CTRL_R, STEP_SHOWS["review"]), ("4", STEP_SHOWS["complaint"])),
        done=lambda d: d.step == "complaint",
        moves=True,
    ),
    Action(
        "chief complaint",
        text="cough for 5 days",
        done=lambda d: d.complaint.chief_complaint == "cough for 5 days",
        typed=lambda d: d.complaint.chief_complaint or None,
    ),
    Action(
        "onset",
        text="5 days",
        done=lambda d: d.complaint.hpi.get("onset") == "5 days",
        typed=lambda d: d.complaint.hpi.get("onset"),
    ),
    Action(
        "character",
        lead=(Move(ENTER, "hpi-duration"), Move(ENTER, "hpi-character")),  # left empty
        text="dry",
        done=lambda d: d.complaint.hpi.get("character") == "dry",
        typed=lambda d: d.complaint.hpi.get("character"),
    ),
    Action(
        "timing",
        lead=(
            Move(ENTER, "hpi-alleviating"),
            Move(ENTER, "hpi-radiation"),
            Move(ENTER, "hpi-timing"),
        ),
        text="worse at night",
        done=lambda d: d.complaint.hpi.get("timing") == "worse at night",
        typed=lambda d: d.complaint.hpi.get("timing"),
    ),
    Action(
        "severity",
        text="4",
        done=lambda d: (d.complaint.hpi_severity_text, d.complaint.hpi_severity) == ("4", 4),
        typed=lambda d: d.complaint.hpi_severity_text or None,
    ),
    Action(
        "back to history",
        shows=((CTRL_B, STEP_SHOWS["history"]),),
        done=lambda d: d.step == "history",
        moves=True,
    ),
    Action(
        "medical history reviewed",
        done=lambda d: HistorySection.MEDICAL in d.history.reviewed,
    ),
    Action(
        "surgical procedure, form not yet added",
        lead=(Move("a"),),
        text="appendectomy",
        done=lambda d: _surgical_form(0)(d) == "appendectomy",
        typed=_surgical_form(0),
    ),
    Action(
        "surgical date, entry added",
        text="2009",
        done=_appendectomy_added,
        typed=_surgical_form(1),
    ),
)


def _perform(terminal: Terminal, db: Path, action: Action, rng: random.Random) -> None:
    """All of an action's keys, then wait until the database holds it."""
    for keys, text in action.shows:
        mark = terminal.mark()
        terminal.type(keys, rng)
        terminal.wait_for(text, since=mark, what=action.name)
    for move in action.lead:
        move.make(terminal, db)
    terminal.type(action.text, rng)
    if not action.shows:
        terminal.type(action.end)
    wait_until_saved(db, terminal, action.done, action.name)


def _perform_until_killed(terminal: Terminal, db: Path, action: Action, rng: random.Random) -> str:
    """Part of an action's keys, then SIGKILL; returns what was typed into the field."""
    typed = ""
    if action.shows:
        groups = [keys for keys, _ in action.shows]
        terminal.type("".join(groups[: rng.randint(0, len(groups))]), rng)
    else:
        moves = rng.randint(0, len(action.lead))
        for move in action.lead[:moves]:
            move.make(terminal, db)
        if moves == len(action.lead):
            typed = action.text[: rng.randint(0, len(action.text))]
            terminal.type(typed, rng)
            if typed == action.text and rng.random() < 0.5:
                terminal.type(action.end)  # killed while the field may be being saved
    time.sleep(rng.uniform(0, 0.08))  # a random moment, not a wait for anything
    terminal.kill()
    return typed


def _check_after_kill(db: Path, finished: list[Action], cut: Action, typed: str) -> VisitDraft:
    assert integrity(db) == "ok"
    draft = stored_draft(db)
    assert draft is not None, "the draft of the opened visit is gone"
    for action in finished:
        if not action.moves:
            assert action.done(draft), f"lost after the kill: {action.name}; draft: {draft!r}"
    if cut.typed is not None:
        value = cut.typed(draft)
        assert value is None or value in cut.before or cut.text.startswith(value), (
            f"{cut.name}: stored {value!r}, but only a prefix of {typed!r} (of "
            f"{cut.text!r}) was typed"
        )
    return draft


def _sign_in(terminal: Terminal) -> None:
    """As the demo MA who rooms Dana (her PIN is in the README)."""
    terminal.wait_for("sign in", what="the sign-in screen on start")
    terminal.type(f"mia{ENTER}{demo_secret('mia')}{ENTER}")


def _check_resumed(db: Path, draft: VisitDraft, terminals: list[Terminal]) -> None:
    terminal = Terminal(db)
    terminals.append(terminal)
    _sign_in(terminal)
    terminal.wait_for(
        "Unfinished visit",
        "Dana Whitfield",
        f"stopped at {STEP_TITLES[draft.step]}",
        what="the offer of the unfinished visit on restart",
    )
    mark = terminal.mark()
    terminal.type(ENTER)
    terminal.wait_for(
        STEP_SHOWS[draft.step], "Whitfield, Dana", since=mark, what="Enter resuming it"
    )
    terminal.kill()
    assert integrity(db) == "ok"


def test_killed_at_random_moments_loses_at_most_the_field_being_typed(
    demo_db: Path, tmp_path: Path, terminals: list[Terminal]
) -> None:
    rng = random.Random(SEED)
    for run in range(RUNS):
        db = tmp_path / f"run{run}.db"
        shutil.copy(demo_db, db)
        cut_at = rng.randint(1, len(DANA) - 1)  # the visit is open: there is a draft
        terminal = Terminal(db)
        terminals.append(terminal)
        _sign_in(terminal)
        terminal.wait_for("Today's queue", what="the queue on start")
        for action in DANA[:cut_at]:
            _perform(terminal, db, action, rng)
        typed = _perform_until_killed(terminal, db, DANA[cut_at], rng)
        draft = _check_after_kill(db, list(DANA[:cut_at]), DANA[cut_at], typed)
        _check_resumed(db, draft, terminals)
