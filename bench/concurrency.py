"""Many terminals on one SQLite file: how fast visits are signed, how long an MA waits.

Starts N ma-tui processes on one database (opened as the program opens it), each
rooming and signing M visits of its own at the same moment: open (the chart with its
VIEW event, then claim the visit), save the draft, sign. Prints signed visits per
second over all processes and latency percentiles of each step. Figures, not pass/fail.

    python bench/concurrency.py [--processes 4] [--visits 50]
"""

from __future__ import annotations

import argparse
import multiprocessing
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ma_tui.core.clock import system_clock
from ma_tui.data.catalogs.vitals import BODY_TEMPERATURE, HEART_RATE
from ma_tui.data.migrate import upgrade
from ma_tui.data.store import create_store_engine, sqlite_url
from ma_tui.demo.synthetic import arrived_clinic
from ma_tui.visits.holding import open_visit, save_draft, view_visit
from ma_tui.visits.signing import sign_visit
from ma_tui.vitals.draft import VitalEntry

STEPS = ("open", "save", "sign", "visit")


def terminal(url: str, holder: str, visits: list[int], start: Any, results: Any) -> None:
    """One ma-tui process: rooms and signs its visits, timing each step (seconds)."""
    timings: dict[str, list[float]] = {step: [] for step in STEPS}
    errors: list[str] = []
    engine = create_store_engine(url)
    upgrade(engine)
    start.wait(timeout=120)
    for encounter_id in visits:
        try:
            began = time.perf_counter()
            now = system_clock()
            view_visit(engine, encounter_id, staff_id=None, now=now)
            draft = open_visit(engine, encounter_id, staff_id=None, now=now, holder=holder)
            opened = time.perf_counter()
            draft.checkin.identity_confirmed_at = now
            draft.complaint.chief_complaint = "cough for 3 days"
            draft.vitals.entries = [
                VitalEntry(
                    code=HEART_RATE, value_entered="72", value=72, unit="/min", taken_at=now
                ),
                VitalEntry(
                    code=BODY_TEMPERATURE, value_entered="37", value=37, unit="Cel", taken_at=now
                ),
            ]
            save_draft(engine, draft, staff_id=None, now=now, holder=holder)
            saved = time.perf_counter()
            sign_visit(engine, draft, staff_id=None, now=now, holder=holder)
            signed = time.perf_counter()
        except Exception as exc:
            errors.append(f"{encounter_id}: {type(exc).__name__}: {exc}")
            continue
        timings["open"].append(opened - began)
        timings["save"].append(saved - opened)
        timings["sign"].append(signed - saved)
        timings["visit"].append(signed - began)
    engine.dispose()
    results.put((timings, errors))


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--processes", type=int, default=4, help="ma-tui processes (N)")
    parser.add_argument("--visits", type=int, default=50, help="visits each one signs (M)")
    args = parser.parse_args()
    now = system_clock()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "clinic.db"
        ids = arrived_clinic(path, args.processes * args.visits, now, first_mrn=8_000_000)
        spawn = multiprocessing.get_context("spawn")
        start = spawn.Barrier(args.processes + 1)
        results = spawn.Queue()
        workers = [
            spawn.Process(
                target=terminal,
                args=(
                    sqlite_url(path),
                    f"bench{n}@{n}",
                    ids[n * args.visits : (n + 1) * args.visits],
                    start,
                    results,
                ),
            )
            for n in range(args.processes)
        ]
        for worker in workers:
            worker.start()
        start.wait(timeout=120)  # every process connected and migrated
        began = time.perf_counter()
        reports = [results.get(timeout=600) for _ in workers]
        elapsed = time.perf_counter() - began
        for worker in workers:
            worker.join()
    timings = {step: [t for report, _ in reports for t in report[step]] for step in STEPS}
    errors = [error for _, report_errors in reports for error in report_errors]
    signed = len(timings["visit"])
    print(f"{args.processes} processes x {args.visits} visits on one SQLite file (WAL)")
    print(f"{'signed visits':<28} {signed:9d}  in {elapsed:.2f} s")
    print(f"{'signed visits per second':<28} {signed / elapsed:9.1f}")
    print(f"{'errors':<28} {len(errors):9d}")
    for error in errors[:5]:
        print(f"  {error}")
    print(f"{'latency (ms)':<28} {'p50':>9} {'p90':>9} {'p99':>9} {'max':>9} {'mean':>9}")
    for step in STEPS:
        values = timings[step]
        if not values:
            continue
        figures = [percentile(values, p) * 1000 for p in (0.5, 0.9, 0.99, 1.0)]
        figures.append(statistics.fmean(values) * 1000)
        label = "whole visit" if step == "visit" else step
        print(f"  {label:<26} " + " ".join(f"{figure:9.1f}" for figure in figures))


if __name__ == "__main__":
    main()
