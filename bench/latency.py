"""Keyboard latency from outside the process, as the MA sees it, against a bare Textual app.

ma-tui runs in a pseudo-terminal of a fixed size (100x30, TERM=xterm-256color); a
reader thread timestamps each chunk of its output, and ``pyte`` (a terminal
emulator) turns the chunks into the screen a person would see. Each key is timed
from the moment it is written to the pty:

- ``settled``: the last visible change before the screen stayed unchanged for 150 ms
  (when the screen was done answering);
- ``first``: the first visible change (for the sign-in: "Signing in…");
- ``shown``: for a switch, when all the texts of the new screen were on it.

A cell's look is its character and the colours that show (a blank's foreground does
not); a cursor blink (one cell recoloured back, or long after the answer) is not a
change, nor is an identical repaint.

The anchor is ``bench/latency_bare.py``: three plain Textual screens of the same
Textual doing the same kinds of work (a small form, a 40-widget vitals grid with a
line parsed on every key, a table), each switch composing a new screen. Runs of the
two alternate (ma-tui, bare, ma-tui, ...), each a fresh process, so the figures to
read are the ratios of medians, which a busy machine changes far less than the
times themselves. ma-tui's demo clinic is rebuilt before each of its runs (not timed)
and a benchmark user signs in. Each ma-tui run rooms three patients: search, open,
check-in Enter x3, the vitals line typed key by key, Enter to history, three section
Enters, Esc, search and reopen (resume), Esc.

The targets (issue 16), each a ratio of medians to the bare app in the same run:
a character in any field (search included) <= 1.2x; an Enter that moves the focus or
marks a section <= 1.5x; a step switch and a resume <= 0.5x of the bare app's
new-screen switch; start to the first screen <= 1.5x; and, absolute, the sign-in
answering (the queue on screen) within 300 ms.

    python bench/latency.py [--runs 3] [--patients 3] [--quick]

Needs the ``bench`` extra (``pip install -e '.[bench]'``: pyte, ptyprocess); ``make
bench`` installs it. Writes ``latency`` into bench/results.json (not with --quick).
"""

from __future__ import annotations

import argparse
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import ptyprocess
import pyte

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import ROOT, record
from ma_tui.demo.staff import DEMO_STAFF

PYTHON = Path(sys.executable)
MA_TUI = PYTHON.parent / "ma-tui"
BARE = Path(__file__).resolve().parent / "latency_bare.py"
COLS, ROWS = 100, 30
QUIET = 0.15  # seconds without a visible change: the screen has answered
BLINK_GAP = 0.3  # a one-cell recolouring this long after the last change is a blink
TIMEOUT = 30.0

ENTER, ESC, CTRL_Q, F3 = b"\r", b"\x1b", b"\x11", b"\x1bOR"

USER, PIN = "bench.ma", "246813"  # added to each fresh demo clinic (not the demo's own)
VITALS_LINE = "128/82 p76 r16 t98.4 o97 w171 pn2"
PATIENTS = [  # (search, vitals line): the demo's arrived adults, weights near their last
    ("whit da", VITALS_LINE),
    ("bent ha", "128/82 p76 r16 t98.4 o97 w208 pn2"),
    ("volk dm", VITALS_LINE),
]
HISTORY_ENTERS = 3

# What must all be on screen for a screen to count as shown: its body and its keys.
MA_SIGNIN = ["PIN or passphrase", "^q Quit"]
MA_QUEUE = ["Today's queue", "f2 Walk-in"]
MA_CHECKIN = ["Name and date of birth match", "f2 IDs confirmed"]
MA_VITALS = ["One line", "f3 Not obtained"]
MA_HISTORY = ["Last reviewed", "Reviewed"]
MA_TOAST = "Draft kept"
BARE_1 = ["Screen 1", "f3 Resume"]
BARE_2 = ["Screen 2", "f2 Not obtained"]
BARE_3 = ["Screen 3", "a Add"]

# pyte writes the reader thread's chunks; the reader must get the GIL quickly.
sys.setswitchinterval(0.0005)

Cell = tuple[object, ...]


def _look(char: Any) -> Cell:
    """What a person sees of a cell: a blank's foreground and boldness are invisible."""
    fg, bg = (char.bg, char.fg) if char.reverse else (char.fg, char.bg)
    if char.data in (" ", "") and not (char.underscore or char.strikethrough):
        return (" ", None, bg)
    return (char.data, fg, bg, char.bold, char.italics, char.underscore, char.strikethrough)


@dataclass
class Chunk:
    at: float
    cells: int  # cells whose look changed
    text: bool  # a character changed, not only a colour
    back: bool  # one cell went back to how it looked before its last change


class Term:
    """A program in a pty; a thread timestamps its output, ``pyte`` shows it."""

    def __init__(self, argv: list[str], env: dict[str, str] | None = None) -> None:
        full = dict(os.environ)
        full.update({"TERM": "xterm-256color", "COLUMNS": str(COLS), "LINES": str(ROWS)})
        for name in ("COLORTERM", "TEXTUAL", "TEXTUAL_DEBUG", "NO_COLOR"):
            full.pop(name, None)
        full.update(env or {})
        self.screen = pyte.Screen(COLS, ROWS)
        self.stream = pyte.ByteStream(self.screen)
        self.rows: list[list[Cell]] = [self._row(y) for y in range(ROWS)]
        self.before: dict[tuple[int, int], Cell] = {}
        self.chunks: deque[tuple[float, bytes]] = deque()
        self.eof = False
        self.spawned = time.monotonic()
        self.proc = ptyprocess.PtyProcess.spawn(
            argv, cwd=str(ROOT), env=full, dimensions=(ROWS, COLS)
        )
        self.ready = threading.Condition()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        while True:
            try:
                data = os.read(self.proc.fd, 1 << 16)
            except OSError:
                data = b""
            at = time.monotonic()
            with self.ready:
                if not data:
                    self.eof = True
                else:
                    self.chunks.append((at, data))
                self.ready.notify_all()
            if not data:
                return

    def _row(self, y: int) -> list[Cell]:
        line = self.screen.buffer[y]
        return [_look(line[x]) for x in range(COLS)]

    def pump(self, wait: float = 0.0) -> list[Chunk]:
        """Feed what arrived to the emulator (waiting up to ``wait`` for something)."""
        with self.ready:
            if not self.chunks and wait > 0 and not self.eof:
                self.ready.wait(wait)
            pending = list(self.chunks)
            self.chunks.clear()
        out = []
        for at, data in pending:
            self.screen.dirty.clear()
            self.stream.feed(data)
            cells, text, back = 0, False, False
            for y in sorted(self.screen.dirty):
                if y >= ROWS:
                    continue
                new, old = self._row(y), self.rows[y]
                for x in range(COLS):
                    if new[x] != old[x]:
                        cells += 1
                        text = text or new[x][0] != old[x][0]
                        back = self.before.get((y, x)) == new[x]
                        self.before[(y, x)] = old[x]
                self.rows[y] = new
            out.append(Chunk(at, cells, text, cells == 1 and back))
        return out

    def text(self) -> str:
        return "\n".join(self.screen.display)

    def write(self, data: bytes) -> float:
        at = time.monotonic()
        os.write(self.proc.fd, data)
        return at

    def close(self) -> None:
        deadline = time.monotonic() + 5
        while self.proc.isalive() and time.monotonic() < deadline:
            self.pump(0.05)
        for sig in (signal.SIGTERM, signal.SIGKILL):
            if not self.proc.isalive():
                break
            os.kill(self.proc.pid, sig)
            deadline = time.monotonic() + 3
            while self.proc.isalive() and time.monotonic() < deadline:
                self.pump(0.05)
        self.proc.close(force=True)


@dataclass
class Sample:
    app: str
    action: str
    settled: float | None
    first: float | None
    shown: float | None


@dataclass
class Probe:
    term: Term
    app: str
    samples: list[Sample] = field(default_factory=list)

    def _wait(self, start: float, expect: Sequence[str], action: str, record: bool) -> None:
        term = self.term
        first = last = shown = None
        seen = not expect
        deadline = start + TIMEOUT
        while time.monotonic() < deadline:
            now = time.monotonic()
            done = seen and last is not None
            if done and now - (last or start) >= QUIET:
                with term.ready:
                    if not term.chunks:
                        break
            chunks = term.pump(wait=0.01 if done else 0.05)
            for chunk in chunks:
                if chunk.at < start:
                    continue
                blink = (
                    chunk.cells == 1
                    and not chunk.text
                    and (chunk.back or (last is not None and chunk.at - last > BLINK_GAP))
                )
                if chunk.cells and not blink:
                    first = chunk.at if first is None else first
                    last = chunk.at
            if chunks and not seen and all(text in term.text() for text in expect):
                seen, shown = True, chunks[-1].at
            if term.eof:
                break
        else:
            raise RuntimeError(f"{self.app}: {action} timed out; screen:\n{term.text()}")

        def since(at: float | None) -> float | None:
            return None if at is None else at - start

        if record:
            self.samples.append(Sample(self.app, action, since(last), since(first), since(shown)))

    def start(self, expect: Sequence[str]) -> None:
        self._wait(self.term.spawned, expect, "start", True)

    def key(
        self, data: bytes, action: str, expect: Sequence[str] = (), record: bool = True
    ) -> None:
        self.term.pump()
        self._wait(self.term.write(data), expect, action, record)

    def type(self, text: str, action: str) -> None:
        for char in text:
            self.key(char.encode(), action)

    def wait_toast(self, text: str) -> None:
        """Not timed: a toast shows, then goes, so it lands in no key's figure."""
        began = time.monotonic()
        while text not in self.term.text() and time.monotonic() - began < 1.5:
            self.term.pump(wait=0.05)
        while text in self.term.text() and time.monotonic() - began < 10:
            self.term.pump(wait=0.05)
        self.term.pump(wait=QUIET)


def fresh_clinic(db: Path) -> None:
    """Today's demo clinic, and the benchmark's own MA account (not timed)."""
    run = [str(MA_TUI), "demo", "--db", str(db)]
    subprocess.run(run, check=True, capture_output=True, cwd=ROOT)
    env = {**os.environ, "MA_TUI_NEW_SECRET": PIN}
    # Adding an account signs its administrator in: the demo's, from a private file.
    secret = db.with_name("admin-secret")
    fd = os.open(secret, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(next(user.pin for user in DEMO_STAFF if user.username == "admin") + "\n")
    admin = ["--as", "admin", "--secret-file", str(secret)]
    add = [str(MA_TUI), "users", *admin, "--db", str(db), "add", USER, "--name", "Bench MA"]
    subprocess.run([*add, "--role", "ma"], check=True, capture_output=True, env=env, cwd=ROOT)


def run_ma(db: Path, patients: int) -> list[Sample]:
    fresh_clinic(db)
    probe = Probe(Term([str(MA_TUI), "--db", str(db)]), "ma")
    try:
        probe.start(MA_SIGNIN)
        probe.type(USER, "char_field")
        probe.key(ENTER, "enter_focus")
        probe.type(PIN, "char_field")
        probe.key(ENTER, "sign_in", expect=MA_QUEUE)
        for search, line in PATIENTS[:patients]:
            probe.type(search, "char_search")
            probe.key(ENTER, "open_patient", expect=MA_CHECKIN)
            probe.key(ENTER, "enter_mark")
            probe.key(ENTER, "enter_mark")
            probe.key(ENTER, "switch_step", expect=MA_VITALS)
            probe.type(line, "char_vitals_line")
            probe.key(ENTER, "switch_step", expect=MA_HISTORY)
            for _ in range(HISTORY_ENTERS):
                probe.key(ENTER, "enter_mark")
            probe.key(ESC, "to_queue", expect=MA_QUEUE)
            probe.wait_toast(MA_TOAST)
            probe.type(search, "char_search")
            probe.key(ENTER, "resume", expect=MA_HISTORY)
            probe.key(ESC, "to_queue", expect=MA_QUEUE)
            probe.wait_toast(MA_TOAST)
        probe.key(CTRL_Q, "quit", record=False)
    finally:
        probe.term.close()
    return probe.samples


def run_bare(patients: int) -> list[Sample]:
    probe = Probe(Term([str(PYTHON), str(BARE)]), "bare")
    try:
        probe.start(BARE_1)
        for search, line in PATIENTS[:patients]:
            probe.type(USER, "char_field")
            probe.key(ENTER, "enter_focus")
            probe.type(PIN, "char_field")
            probe.key(ENTER, "enter_focus")
            probe.type(search, "char_field")
            probe.key(ENTER, "new_screen", expect=BARE_2)
            probe.type(line, "char_vitals_line")
            probe.key(ENTER, "new_screen", expect=BARE_3)
            for _ in range(HISTORY_ENTERS):
                probe.key(ENTER, "enter_mark")
            probe.key(ESC, "to_queue", expect=BARE_1)
            probe.key(F3, "resume", expect=BARE_3)
            probe.key(ESC, "to_queue", expect=BARE_1)
        probe.key(CTRL_Q, "quit", record=False)
    finally:
        probe.term.close()
    return probe.samples


# (what, ma-tui's action, the bare app's action, the target ratio; None: no target)
COMPARED: list[tuple[str, str, str, float | None]] = [
    ("start to the first screen", "start", "start", 1.5),
    ("a character in a form field (sign-in)", "char_field", "char_field", 1.2),
    ("a character in the queue search", "char_search", "char_field", 1.2),
    ("a character on the vitals line", "char_vitals_line", "char_vitals_line", 1.2),
    ("Enter that moves the focus (sign-in)", "enter_focus", "enter_focus", 1.5),
    ("Enter that marks a section (check-in, history)", "enter_mark", "enter_mark", 1.5),
    ("step switch (check-in→vitals→history)", "switch_step", "new_screen", 0.5),
    ("resume a visit (reopen at history)", "resume", "new_screen", 0.5),
    ("open a patient (queue→check-in)", "open_patient", "new_screen", None),
    ("Esc to the queue", "to_queue", "to_queue", None),
]
SIGN_IN_TARGET_S = 0.3


def median_of(samples: list[Sample], app: str, action: str, what: str = "settled") -> float | None:
    values = [
        value
        for s in samples
        if s.app == app and s.action == action and (value := getattr(s, what)) is not None
    ]
    return statistics.median(values) if values else None


def ms(seconds: float | None) -> str:
    return "-" if seconds is None else f"{seconds * 1000:.0f}"


def report(samples: list[Sample]) -> dict[str, Any]:
    """Print the table of medians and ratios; the figures for results.json."""
    print(f"\n{'settled, median':<48} {'ma-tui':>8} {'bare':>8} {'ratio':>7}  target")
    figures: dict[str, Any] = {}
    for what, ma_action, bare_action, target in COMPARED:
        ma = median_of(samples, "ma", ma_action)
        bare = median_of(samples, "bare", bare_action)
        ratio = ma / bare if ma is not None and bare else None
        verdict = ""
        if target is not None and ratio is not None:
            verdict = f"<= {target:g}x {'met' if ratio <= target else 'MISSED'}"
        shown = "-" if ratio is None else f"{ratio:.2f}x"
        print(f"{what:<48} {ms(ma):>8} {ms(bare):>8} {shown:>7}  {verdict}")
        figures[ma_action if ma_action == bare_action else f"{ma_action}/{bare_action}"] = {
            "ma_ms": None if ma is None else round(ma * 1000, 1),
            "bare_ms": None if bare is None else round(bare * 1000, 1),
            "ratio": None if ratio is None else round(ratio, 2),
        }
    answer = median_of(samples, "ma", "sign_in", "shown")
    first = median_of(samples, "ma", "sign_in", "first")
    met = answer is not None and answer <= SIGN_IN_TARGET_S
    print(
        f"{'sign-in: the queue on screen after the PIN Enter':<48} {ms(answer):>8} "
        f"{'':>8} {'':>7}  <= {SIGN_IN_TARGET_S * 1000:.0f} ms {'met' if met else 'MISSED'}"
    )
    print(f"  (first visible answer, 'Signing in…': {ms(first)} ms)")
    figures["sign_in_ms"] = {
        "queue_shown": None if answer is None else round(answer * 1000, 1),
        "first_change": None if first is None else round(first * 1000, 1),
    }
    return figures


def load() -> str:
    return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="runs of each app, alternated")
    parser.add_argument("--patients", type=int, default=3, help="patients roomed per run")
    parser.add_argument("--quick", action="store_true", help="1 run, 1 patient; no results.json")
    args = parser.parse_args()
    runs, patients = (1, 1) if args.quick else (args.runs, min(args.patients, len(PATIENTS)))
    loads = [load()]
    print(f"latency: {runs} runs of each app, {patients} patients a run; {loads[0]}")
    samples: list[Sample] = []
    with tempfile.TemporaryDirectory() as folder:
        db = Path(folder) / "clinic.db"
        for run in range(runs):
            samples += run_ma(db, patients)
            samples += run_bare(patients)
            loads.append(load())
            print(f"  run {run + 1}: {loads[-1]}", flush=True)
    figures = report(samples)
    if args.quick:
        print("(--quick: results.json not written)")
        return
    record({"latency": {**figures, "runs": runs, "patients": patients, "load": loads}})
    print("written to bench/results.json")


if __name__ == "__main__":
    main()
