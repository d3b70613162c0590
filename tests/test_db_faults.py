"""Faults of the database under a running ma-tui, on SQLite and on a real PostgreSQL.

- Terminals opening the same visit at the same moment: one gets it, every other is
  told who has it (on PostgreSQL the loser used to get a raw duplicate-key error).
- A PostgreSQL server stopped under a running app, then started again: the app goes
  on, shows that it waits, keeps the typing, and saves it once the server is back.
- The disk under a SQLite file filled (a real tmpfs, so a real ENOSPC): the screen
  says the database is unavailable, keeps the typing, and saves once space is freed.
- A SQLite write lock held by another program (a backup): the screen answers, says it
  waits, and saves once the lock is let go. The lock is held 3 s against a busy
  timeout made 0.5 s for the test: the same path as 60 s against the real 10 s (the
  write fails busy, is shown as waiting, and is tried again until it goes through).
"""

from __future__ import annotations

import errno
import sqlite3
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select
from textual.screen import Screen
from textual.widgets import DataTable, Static

from ma_tui.core.errors import UserError
from ma_tui.data import store
from ma_tui.data.migrate import upgrade
from ma_tui.data.models.visits import Encounter, EncounterStatus, RoomingDraft
from ma_tui.data.store import create_store_engine, sqlite_url
from ma_tui.screens.app import MaTuiApp
from ma_tui.screens.visit.complaint import ComplaintScreen
from ma_tui.screens.waiting import BACK, UNAVAILABLE, WAITING
from ma_tui.visits.claims import Terminal
from ma_tui.visits.draft import VisitDraft
from ma_tui.visits.holding import VisitInUse, open_visit
from tests.conftest import CLINIC_NOW, CLINIC_TZ, todays_encounter_id
from tests.pgserver import PgServer, why_not_available
from tests.pilot import make_app

TERMINALS = 4


def _roomable(engine: Engine) -> list[int]:
    with Session(engine) as session:
        rows = session.exec(
            select(Encounter.id).where(
                Encounter.status.in_([EncounterStatus.SCHEDULED, EncounterStatus.ARRIVED])  # type: ignore[attr-defined]
            )
        ).all()
    return [row for row in rows if row is not None]


def _race(url: str, visits: list[int]) -> None:
    """``TERMINALS`` terminals open each visit at the same moment, each on its own engine."""
    engines = [create_store_engine(url) for _ in range(TERMINALS)]
    outcomes: dict[int, list[str]] = {visit: [] for visit in visits}
    lock = threading.Lock()

    def terminal(n: int, visit: int, start: threading.Barrier) -> None:
        start.wait(timeout=30)
        try:
            open_visit(
                engines[n],
                visit,
                staff_id=None,
                now=CLINIC_NOW,
                holder=f"ma{n}",
                terminal=Terminal(id=f"t{n}"),
            )
            outcome = "got it"
        except VisitInUse as exc:
            outcome = str(exc)
        except UserError as exc:  # pragma: no cover - the failure this test is for
            outcome = f"refused otherwise: {exc}"
        except Exception as exc:  # pragma: no cover - the failure this test is for
            outcome = f"crashed: {type(exc).__name__}: {exc}"
        with lock:
            outcomes[visit].append(outcome)

    for visit in visits:
        start = threading.Barrier(TERMINALS)
        threads = [
            threading.Thread(target=terminal, args=(n, visit, start)) for n in range(TERMINALS)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
    for engine in engines:
        engine.dispose()
    for visit, said in outcomes.items():
        assert said.count("got it") == 1, (visit, said)
        told = [s for s in said if s != "got it"]
        assert len(told) == TERMINALS - 1
        assert all(s.startswith("being roomed by ma") for s in told), told


def test_the_open_visit_race_on_sqlite(tmp_path: Path) -> None:
    from ma_tui.demo.clinic import build_demo_clinic

    url = sqlite_url(tmp_path / "clinic.db")
    engine = create_store_engine(url)
    upgrade(engine)
    build_demo_clinic(engine, CLINIC_NOW.date(), CLINIC_TZ)
    visits = _roomable(engine)
    engine.dispose()
    _race(url, visits)


def test_the_open_visit_race_on_postgresql(postgres_demo: Engine) -> None:
    visits = _roomable(postgres_demo)
    assert len(visits) >= 10
    _race(postgres_demo.url.render_as_string(hide_password=False), visits)


# ------------------------------------------------------------ outages, a running app


def _statuses(app: MaTuiApp) -> list[str]:
    return [str(note.message) for note in app._notifications]


async def _type_a_complaint(app: MaTuiApp, pilot: object, encounter_id: int, text: str) -> None:
    app.open_patient(encounter_id)
    await pilot.pause()  # type: ignore[attr-defined]
    app.open_step("complaint")
    await pilot.pause()  # type: ignore[attr-defined]
    assert isinstance(app.screen, ComplaintScreen)
    await pilot.press(*text)  # type: ignore[attr-defined]
    await pilot.press("tab")  # type: ignore[attr-defined]  # leaving the field saves it


async def _until(pilot: object, done: object, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while not done():  # type: ignore[operator]
        assert time.monotonic() < deadline, f"not in time: {_statuses(pilot.app)}"  # type: ignore[attr-defined]
        await pilot.pause(0.1)  # type: ignore[attr-defined]


def _stored_complaint(engine: Engine, encounter_id: int) -> str:
    with Session(engine) as session:
        stored = session.get(RoomingDraft, encounter_id)
    assert stored is not None
    return VisitDraft.model_validate_json(stored.data).complaint.chief_complaint


@pytest.fixture
def own_server() -> Iterator[PgServer]:
    """A server of this test's own, to stop and start under the app."""
    reason = why_not_available()
    if reason is not None:
        pytest.skip(reason)
    server = PgServer()
    server.start()
    yield server
    server.remove()


async def test_a_postgresql_server_stopped_and_restarted_under_a_running_app(
    own_server: PgServer,
) -> None:
    from ma_tui.demo.clinic import build_demo_clinic

    engine = create_store_engine(own_server.url())
    upgrade(engine)
    build_demo_clinic(engine, CLINIC_NOW.date(), CLINIC_TZ)
    encounter_id = todays_encounter_id(engine, "Whitfield")
    app = make_app(engine)
    async with app.run_test(notifications=True) as pilot:
        await pilot.pause()
        await _type_a_complaint(app, pilot, encounter_id, "cough")
        await _until(pilot, lambda: _stored_complaint(engine, encounter_id) == "cough", 10)

        own_server.stop("immediate")  # as a crash or a pulled cable would
        await pilot.press("shift+tab", "end", *" for 5 days", "tab")
        await _until(pilot, lambda: UNAVAILABLE in _statuses(app), 20)
        app.screen.query_one("#chief-complaint").focus()  # still answering keys
        await pilot.pause()
        assert app.screen.query_one("#chief-complaint").value == "cough for 5 days"  # type: ignore[attr-defined]

        own_server.start()
        await _until(pilot, lambda: BACK in _statuses(app), 30)
        assert isinstance(app.screen, ComplaintScreen)
    assert _stored_complaint(engine, encounter_id) == "cough for 5 days"
    engine.dispose()


async def test_a_sqlite_write_lock_held_by_another_program(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ma_tui.demo.clinic import build_demo_clinic

    monkeypatch.setattr(store, "BUSY_TIMEOUT_MS", 500)
    monkeypatch.setattr(store, "BUSY_ATTEMPTS", 2)
    path = tmp_path / "clinic.db"
    engine = create_store_engine(sqlite_url(path))
    upgrade(engine)
    build_demo_clinic(engine, CLINIC_NOW.date(), CLINIC_TZ)
    encounter_id = todays_encounter_id(engine, "Whitfield")
    app = make_app(engine)
    held, release = threading.Event(), threading.Event()

    def backup() -> None:
        with sqlite3.connect(path, isolation_level=None) as other:
            other.execute("BEGIN IMMEDIATE")
            held.set()
            release.wait(timeout=30)
            other.execute("COMMIT")

    async with app.run_test(notifications=True) as pilot:
        await pilot.pause()
        await _type_a_complaint(app, pilot, encounter_id, "cough")
        await _until(pilot, lambda: _stored_complaint(engine, encounter_id) == "cough", 10)
        holder = threading.Thread(target=backup)
        holder.start()
        assert held.wait(timeout=10)
        started = time.monotonic()
        await pilot.press("shift+tab", "end", *" at night", "tab")
        # Two fields left (onset, then the complaint): each waits at most 1 s, then the
        # write goes on behind the screen; a loaded machine adds its share.
        assert time.monotonic() - started < 5.0
        await _until(pilot, lambda: {WAITING, UNAVAILABLE} & set(_statuses(app)) != set(), 10)
        await pilot.pause(2.0)  # the lock stays held; the app waits, nothing fails
        assert isinstance(app.screen, ComplaintScreen)
        release.set()
        holder.join(timeout=30)
        await _until(pilot, lambda: BACK in _statuses(app), 20)
    assert _stored_complaint(engine, encounter_id) == "cough at night"
    engine.dispose()


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 16 MB tmpfs of this test's own, to fill: a real ENOSPC, not a mock."""
    disk = tmp_path / "disk"
    disk.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=16m", "tmpfs", str(disk)],
        capture_output=True,
        check=False,
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here (root needed): {mounted.stderr.decode().strip()}")
    try:
        yield disk
    finally:
        subprocess.run(["umount", "-l", str(disk)], check=False)


def _fill(disk: Path) -> Path:
    """Write to ``disk`` until it is full; the filler, to free the disk again."""
    filler = disk / "filler"
    chunk = b"\0" * 65536
    with filler.open("wb") as out:
        try:
            while True:
                out.write(chunk)
                out.flush()
        except OSError as exc:
            assert exc.errno == errno.ENOSPC
    # What the block that failed left cannot be written either: the disk is full.
    return filler


async def test_a_disk_filled_under_a_running_app(
    small_disk: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The clinic's disk fills while an MA types: the screen says the database is
    unavailable and keeps the typing; once space is freed the draft is saved."""
    monkeypatch.setattr(store, "BUSY_TIMEOUT_MS", 500)
    from ma_tui.demo.clinic import build_demo_clinic

    engine = create_store_engine(sqlite_url(small_disk / "clinic.db"))
    upgrade(engine)
    build_demo_clinic(engine, CLINIC_NOW.date(), CLINIC_TZ)
    encounter_id = todays_encounter_id(engine, "Whitfield")
    app = make_app(engine)
    async with app.run_test(notifications=True) as pilot:
        await pilot.pause()
        await _type_a_complaint(app, pilot, encounter_id, "cough")
        await _until(pilot, lambda: _stored_complaint(engine, encounter_id) == "cough", 10)

        filler = _fill(small_disk)
        await pilot.press("shift+tab", "end", *" and wheeze", "tab")
        await _until(pilot, lambda: UNAVAILABLE in _statuses(app), 20)
        assert isinstance(app.screen, ComplaintScreen)
        assert app.screen.query_one("#chief-complaint").value.endswith("wheeze")  # type: ignore[attr-defined]

        filler.unlink()  # the clinic's IT frees space
        await _until(pilot, lambda: BACK in _statuses(app), 30)
    assert _stored_complaint(engine, encounter_id) == "cough and wheeze"
    engine.dispose()


async def test_the_queue_refresh_waits_out_a_lock_that_keeps_readers_out(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another program holds the file in exclusive mode (readers too are kept out):
    the periodic refresh reads in a thread, so the keys are not held up;
    the title says the queue is as last read, and the next refresh after the lock is
    let go shows today's queue again."""
    from ma_tui.demo.clinic import build_demo_clinic
    from ma_tui.screens.queue.queue import QueueScreen

    monkeypatch.setattr(store, "BUSY_TIMEOUT_MS", 1000)
    path = tmp_path / "clinic.db"
    engine = create_store_engine(sqlite_url(path))
    upgrade(engine)
    build_demo_clinic(engine, CLINIC_NOW.date(), CLINIC_TZ)
    app = make_app(engine)
    other = sqlite3.connect(path, isolation_level=None, timeout=20)
    async with app.run_test() as pilot:
        await pilot.pause()
        queue = app.screen
        assert isinstance(queue, QueueScreen)
        engine.dispose()  # the app's open connections would keep an exclusive lock out
        other.execute("PRAGMA locking_mode=EXCLUSIVE")
        other.execute("BEGIN EXCLUSIVE")
        other.execute("UPDATE encounter SET room = room")  # the lock is taken
        table = queue.query_one("#queue-table", DataTable)
        row = table.cursor_row
        queue.refresh_in_background()
        await pilot.press("down")
        assert table.cursor_row == row + 1  # the key was not held up by the read
        await _until(pilot, lambda: "database unavailable" in _title(queue), 30)
        assert "as read at" in _title(queue)

        other.execute("COMMIT")
        other.close()  # the other program ends: its exclusive lock goes with it
        queue.refresh_in_background()
        await _until(pilot, lambda: "visits" in _title(queue), 30)
    engine.dispose()


def _title(screen: Screen[None]) -> str:
    return str(screen.query_one("#queue-title", Static).render())
