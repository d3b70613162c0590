"""Start-up and queue figures: how long an MA waits before today's queue shows.

Prints timings for a fresh database (create + migrate), building the demo clinic,
loading today's queue from the demo and from a large clinic's history, a patient
search (run on every keystroke in the queue), and the time from starting the app
to the painted queue. Figures, not pass/fail.

    python bench/queue_load.py [--patients 20000] [--visits-per-patient 5]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path

from sqlmodel import Session

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ma_tui.core.clock import fixed_clock, system_clock
from ma_tui.data.migrate import upgrade
from ma_tui.data.models.patients import Patient, Sex
from ma_tui.data.models.visits import Encounter
from ma_tui.data.store import create_store_engine, sqlite_url
from ma_tui.demo.clinic import build_demo_clinic
from ma_tui.patients.search import parse_search, search_patients
from ma_tui.visits.queue import load_queue


def timed(label: str, action: Callable[[], object], repeat: int = 1) -> float:
    seconds = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        seconds.append(time.perf_counter() - start)
    median = statistics.median(seconds)
    print(f"{label:<48} {median * 1000:9.1f} ms  (median of {repeat})")
    return median


def fill_large_clinic(path: Path, now: datetime, patients: int, visits: int) -> None:
    engine = create_store_engine(sqlite_url(path))
    upgrade(engine)
    with Session(engine) as session:
        rows = [
            Patient(
                mrn=f"B{i:07d}",
                family_name=f"Family{i % 997}",
                given_name=f"Given{i}",
                birth_date=date(1940 + i % 80, 1 + i % 12, 1 + i % 28),
                sex=Sex.FEMALE if i % 2 else Sex.MALE,
            )
            for i in range(patients)
        ]
        session.add_all(rows)
        session.flush()
        for i, patient in enumerate(rows):
            assert patient.id is not None
            for v in range(visits):
                session.add(
                    Encounter(patient_id=patient.id, scheduled_at=now - timedelta(days=7 + v * 60))
                )
            if i % (patients // 200 or 1) == 0:  # about 200 visits today
                session.add(Encounter(patient_id=patient.id, scheduled_at=now))
        session.commit()
    engine.dispose()


async def app_start_to_queue(path: Path, now: datetime) -> float:
    from ma_tui.screens.app import MaTuiApp

    engine = create_store_engine(sqlite_url(path))
    start = time.perf_counter()
    app = MaTuiApp(engine, clock=fixed_clock(now))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        elapsed = time.perf_counter() - start
    engine.dispose()
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=20_000)
    parser.add_argument("--visits-per-patient", type=int, default=5)
    args = parser.parse_args()
    now = system_clock()
    assert now.tzinfo is not None
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        counter = iter(range(1000))

        def fresh() -> None:
            engine = create_store_engine(sqlite_url(root / f"fresh{next(counter)}.db"))
            upgrade(engine)
            engine.dispose()

        timed("create + migrate a new database", fresh, repeat=5)
        demo = create_store_engine(sqlite_url(root / "demo.db"))
        upgrade(demo)
        tz = now.tzinfo
        assert tz is not None  # system_clock() is aware
        timed("build the demo clinic", lambda: build_demo_clinic(demo, now.date(), tz))

        def queue(engine_path: Path) -> Callable[[], object]:
            engine = create_store_engine(sqlite_url(engine_path))

            def load() -> object:
                with Session(engine) as session:
                    return load_queue(session, now)

            return load

        timed("load today's queue (demo)", queue(root / "demo.db"), repeat=20)
        demo.dispose()
        large = root / "large.db"
        start = time.perf_counter()
        fill_large_clinic(large, now, args.patients, args.visits_per_patient)
        print(
            f"{'fill a large clinic':<48} {(time.perf_counter() - start) * 1000:9.1f} ms  "
            f"({args.patients} patients, {args.patients * args.visits_per_patient} past visits)"
        )
        timed("load today's queue (large clinic)", queue(large), repeat=20)
        large_engine = create_store_engine(sqlite_url(large))

        def search(text: str) -> Callable[[], object]:
            query = parse_search(text, now.date())
            assert query is not None

            def run() -> object:
                with Session(large_engine) as session:
                    return search_patients(session, query, limit=20)

            return run

        # The queue searches all patients on every keystroke: this is its cost.
        timed("search a name prefix (large clinic)", search("family12 gi"), repeat=20)
        timed("search a date of birth (large clinic)", search("1/1/1950"), repeat=20)
        large_engine.dispose()
        start_ms = asyncio.run(app_start_to_queue(large, now)) * 1000
        print(f"{'app start to painted queue (large clinic)':<48} {start_ms:9.1f} ms")


if __name__ == "__main__":
    main()
