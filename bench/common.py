"""What every benchmark script shares: percentiles and ``bench/results.json``.

Each script measures its own figures and merges them into ``results.json`` under
its own keys (``record``), so ``make bench`` can run them one after another and a
single script can be re-run alone. The machine they ran on is recorded beside them.
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results.json"
# The benchmarks' clinic day, as the tests': Monday 2026-11-23, 09:20 in Chicago,
# with Dana Whitfield (09:00) waiting. The demo clinic is built for that day.
CLINIC_TZ = ZoneInfo("America/Chicago")
CLINIC_NOW = datetime(2026, 11, 23, 9, 20, tzinfo=CLINIC_TZ)

if str(ROOT) not in sys.path:  # scripts run as ``python bench/x.py`` from anywhere
    sys.path.insert(0, str(ROOT))


def percentile(values: Sequence[float], fraction: float) -> float:
    """The value at ``fraction`` (0-1) of the sorted values, nearest rank."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def summary_ms(seconds: Sequence[float]) -> dict[str, float]:
    """``{"median", "p95"}`` in milliseconds, rounded to hundredths."""
    return {
        "median": round(statistics.median(seconds) * 1000, 2),
        "p95": round(percentile(seconds, 0.95) * 1000, 2),
    }


def machine() -> dict[str, Any]:
    """Where the figures came from: they mean little without it."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "system": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
    }


def record(figures: dict[str, Any], path: Path = RESULTS) -> None:
    """Merge ``figures`` into the results file, with the machine and the time they ran."""
    try:
        results: dict[str, Any] = json.loads(path.read_text())
    except (OSError, ValueError):
        results = {}
    results.update(figures)
    results["machine"] = machine()
    results["updated"] = datetime.now(UTC).isoformat(timespec="seconds")
    path.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
