"""FHIR import and export at scale: resources a second, and memory against file size.

Writes an NDJSON file of synthetic patients, each with a coverage, an appointment
today, an allergy, a medication and a problem (six resources a patient), then
times ``import_resources`` over it into a temporary SQLite file opened as the
program opens it, imports it again (everything unchanged), and exports the whole
clinic with ``export_resources``. Peak memory is traced by ``tracemalloc`` in a
separate run of the import, so that the timings are not slowed by tracing.
Figures, not pass/fail; merged into ``bench/results.json``.

    python bench/fhir_exchange.py [--patients 2000] [--quick]
"""

from __future__ import annotations

import argparse
import io
import json
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session

# Run as ``python bench/fhir_exchange.py`` from anywhere: the repository root first.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import CLINIC_NOW, record
from ma_tui.data.migrate import upgrade
from ma_tui.data.store import create_store_engine, sqlite_url
from ma_tui.fhir.codes import DEFAULT_MRN_SYSTEM
from ma_tui.fhir.export import ExportContext, ExportSummary, Selection, export_resources
from ma_tui.fhir.export import write_bundle as write_export
from ma_tui.fhir.importer import ImportContext, ImportReport, import_resources
from ma_tui.fhir.reader import read_files
from ma_tui.fhir.settings import clinic_id

GIVEN = ("Ana", "Ben", "Chloé", "Dmitri", "Emeka", "Fatima", "Grace", "Hiro", "Ines", "José")
FAMILY = ("García", "Nguyen", "Okafor", "Smith", "Kowalski", "O'Brien", "Kim", "Haddad")


def patient_resources(n: int) -> list[dict[str, Any]]:
    """Patient ``n`` and the five resources that refer to it."""
    ref = {"reference": f"Patient/p{n}"}
    start = CLINIC_NOW + timedelta(minutes=5 * (n % 96))
    return [
        {
            "resourceType": "Patient",
            "id": f"p{n}",
            "identifier": [{"system": DEFAULT_MRN_SYSTEM, "value": f"B{n:07d}"}],
            "name": [{"family": FAMILY[n % len(FAMILY)], "given": [GIVEN[n % len(GIVEN)]]}],
            "gender": ("female", "male")[n % 2],
            "birthDate": f"{1940 + n % 80}-{1 + n % 12:02d}-{1 + n % 28:02d}",
            "telecom": [{"system": "phone", "value": f"555-2{n % 100:02d}-{n % 10000:04d}"}],
        },
        {
            "resourceType": "Coverage",
            "id": f"c{n}",
            "status": "active",
            "beneficiary": ref,
            "payor": [{"display": "Blue Meadow Health"}],
            "subscriberId": f"BMH{n:08d}",
        },
        {
            "resourceType": "Appointment",
            "id": f"a{n}",
            "status": "booked",
            "start": start.isoformat(),
            "end": (start + timedelta(minutes=15)).isoformat(),
            "participant": [{"actor": ref, "status": "accepted"}],
        },
        {
            "resourceType": "AllergyIntolerance",
            "id": f"al{n}",
            "code": {"text": "penicillin"},
            "patient": ref,
        },
        {
            "resourceType": "MedicationStatement",
            "id": f"m{n}",
            "status": "active",
            "medicationCodeableConcept": {"text": "lisinopril"},
            "subject": ref,
            "dosage": [{"text": "10 mg oral once daily"}],
        },
        {
            "resourceType": "Condition",
            "id": f"d{n}",
            "code": {"text": "hypertension"},
            "subject": ref,
        },
    ]


def write_ndjson(path: Path, patients: int) -> int:
    """The synthetic file; the number of resources in it."""
    count = 0
    with path.open("w", encoding="utf-8") as out:
        for n in range(patients):
            for resource in patient_resources(n):
                out.write(json.dumps(resource, ensure_ascii=False) + "\n")
                count += 1
    return count


def new_clinic(path: Path) -> Engine:
    engine = create_store_engine(sqlite_url(path))
    upgrade(engine)
    return engine


def timed_import(engine: Engine, source: Path) -> tuple[float, ImportReport]:
    context = ImportContext(mrn_system=DEFAULT_MRN_SYSTEM, now=CLINIC_NOW)
    started = time.perf_counter()
    report = import_resources(engine, lambda: read_files([source]), context)
    return time.perf_counter() - started, report


def traced_import_peak(folder: Path, source: Path) -> int:
    """Peak bytes Python allocated while importing the file into a fresh clinic."""
    engine = new_clinic(folder / "traced.db")
    tracemalloc.start()
    try:
        timed_import(engine, source)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
        engine.dispose()


def timed_export(engine: Engine) -> tuple[float, int, int]:
    """Seconds to export the whole clinic, resources written, bytes written."""
    assert CLINIC_NOW.tzinfo is not None
    with Session(engine) as session:
        context = ExportContext(DEFAULT_MRN_SYSTEM, clinic_id(session), CLINIC_NOW.tzinfo)
        out = _CountingSink()
        started = time.perf_counter()
        written = write_export(
            export_resources(session, Selection(everything=True), context, ExportSummary()),
            out,
            timestamp=CLINIC_NOW,
        )
        return time.perf_counter() - started, written, out.size


class _CountingSink(io.StringIO):
    """Counts what is written and keeps none of it: the export's own memory is measured."""

    def __init__(self) -> None:
        super().__init__()
        self.size = 0

    def write(self, text: str) -> int:
        self.size += len(text.encode("utf-8"))
        return len(text)


def run(patients: int, folder: Path) -> dict[str, Any]:
    source = folder / "clinic.ndjson"
    resources = write_ndjson(source, patients)
    size = source.stat().st_size
    engine = new_clinic(folder / "clinic.db")
    first, report = timed_import(engine, source)
    counts = {kind: dict(counted) for kind, counted in report.counts().items()}
    again, second = timed_import(engine, source)
    unchanged = sum(c.get("unchanged", 0) for c in second.counts().values())
    export_seconds, exported, exported_bytes = timed_export(engine)
    engine.dispose()
    peak = traced_import_peak(folder, source)
    figures = {
        "patients": patients,
        "resources": resources,
        "file_mb": round(size / 1e6, 1),
        "import_seconds": round(first, 1),
        "import_resources_per_s": round(resources / first),
        "reimport_seconds": round(again, 1),
        "reimport_unchanged": unchanged,
        "rejected": len(report.rejected),
        "export_seconds": round(export_seconds, 1),
        "export_resources": exported,
        "export_resources_per_s": round(exported / export_seconds),
        "export_mb": round(exported_bytes / 1e6, 1),
        "import_peak_traced_mb": round(peak / 1e6, 1),
        "peak_to_file_ratio": round(peak / size, 3),
        "counts": counts,
    }
    for line in _lines(figures):
        print(line)
    return figures


def _lines(f: dict[str, Any]) -> Iterator[str]:
    yield f"{f['patients']:,} patients, {f['resources']:,} resources, {f['file_mb']} MB NDJSON"
    yield (
        f"import   {f['import_seconds']:>7} s  {f['import_resources_per_s']:>6,} resources/s"
        f"  ({f['rejected']} rejected)"
    )
    yield f"again    {f['reimport_seconds']:>7} s  {f['reimport_unchanged']:,} unchanged"
    yield (
        f"export   {f['export_seconds']:>7} s  {f['export_resources_per_s']:>6,} resources/s"
        f"  ({f['export_resources']:,} resources, {f['export_mb']} MB)"
    )
    yield (
        f"memory   import peak {f['import_peak_traced_mb']} MB traced, "
        f"{f['peak_to_file_ratio']}x the file"
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--patients", type=int, default=2_000, help="synthetic patients")
    parser.add_argument("--quick", action="store_true", help="500 patients: a smoke run")
    args = parser.parse_args(argv)
    patients = 500 if args.quick else args.patients
    with tempfile.TemporaryDirectory() as folder:
        figures = run(patients, Path(folder))
    if args.quick:
        print("(quick run: not recorded)")
        return
    record({"fhir": figures})


if __name__ == "__main__":
    main()
