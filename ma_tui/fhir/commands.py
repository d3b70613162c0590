"""``ma-tui export fhir`` and ``ma-tui import fhir``: the command-line side of FHIR.

Export writes a Bundle to a file (made private, written whole or not at all) or to
standard output, and records who exported which patients. Import reads Bundles
and NDJSON files, shows a progress bar on a terminal, prints what was created,
updated, skipped and rejected, and exits 1 when anything was rejected.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Iterable
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the database is imported when a command runs (the app starts quickly)
    from rich.progress import Progress
    from sqlalchemy.engine import Engine

    from ma_tui.fhir.export import ExportSummary, Selection
    from ma_tui.fhir.reader import ReadItem

EXIT_REJECTED = 1  # import: at least one resource was rejected (the rest were imported)
EXIT_USAGE = 2
EXIT_NOTHING = 1  # export: the selection matched nothing


def add_parsers(
    commands: argparse._SubParsersAction[argparse.ArgumentParser],
    *parents: argparse.ArgumentParser,
) -> None:
    """``export`` and ``import``; ``parents`` give ``--db`` and the credentials options."""
    _add_export_parser(commands, list(parents))
    _add_import_parser(commands, list(parents))


def _add_export_parser(
    commands: argparse._SubParsersAction[argparse.ArgumentParser],
    parents: list[argparse.ArgumentParser],
) -> None:
    export = commands.add_parser(
        "export",
        parents=parents,
        help="write visits as a FHIR R4 Bundle (a provider's or an administrator's)",
        description=(
            "Write visits, with their patients, coverage, vitals and history, as one "
            "FHIR R4 (US Core) Bundle of type collection: plain-text PHI, see the "
            "README. For a provider or an administrator (--as USERNAME --secret-file "
            "FILE, or asked on a terminal); each exported patient is recorded in the "
            "audit trail as theirs."
        ),
    )
    export.add_argument("format", choices=["fhir"], help="the format: fhir (R4 JSON)")
    which = export.add_mutually_exclusive_group(required=True)
    which.add_argument("--all", action="store_true", help="every patient and every visit")
    which.add_argument("--encounter", metavar="ID", help="one visit, by its number")
    which.add_argument(
        "--date", metavar="YYYY-MM-DD", help="the visits scheduled that day (this computer's zone)"
    )
    which.add_argument("--patient", metavar="MRN", help="one patient: history and every visit")
    export.add_argument(
        "-o",
        "--output",
        metavar="FILE",
        default="-",
        help="where to write the Bundle (default: standard output); made readable only by you",
    )


def _add_import_parser(
    commands: argparse._SubParsersAction[argparse.ArgumentParser],
    parents: list[argparse.ArgumentParser],
) -> None:
    imported = commands.add_parser(
        "import",
        parents=parents,
        help="read patients, coverage, the schedule and history from FHIR files",
        description=(
            "For the front desk or an administrator (--as USERNAME --secret-file FILE, "
            "or asked on a terminal). Read FHIR R4 Bundles (JSON) or NDJSON files: "
            "Patient, Coverage, Appointment (the schedule), AllergyIntolerance, "
            "MedicationStatement and Condition. A patient already here (same MRN "
            "identifier) is updated, never duplicated. Prints what was created, "
            "updated, skipped and rejected, with why; "
            f"exit status {EXIT_REJECTED} when anything was rejected."
        ),
    )
    imported.add_argument("format", choices=["fhir"], help="the format: fhir (R4 JSON or NDJSON)")
    imported.add_argument("files", metavar="FILE", nargs="+", type=Path, help="Bundle or NDJSON")


def check_export_args(args: argparse.Namespace) -> str | None:
    """Refuse a bad ``--date`` or ``--encounter`` before the database opens; parse in place."""
    if args.date is not None:
        try:
            args.date = date.fromisoformat(args.date.strip())
        except ValueError:
            return f"--date takes a date as YYYY-MM-DD, not {args.date!r}"
    if args.encounter is not None:
        text = args.encounter.strip()
        if not text.isascii() or not text.isdigit():
            return f"--encounter takes a visit number, not {args.encounter!r}"
        args.encounter = int(text)
    return None


def selection_of(args: argparse.Namespace) -> Selection:
    from ma_tui.fhir.export import Selection

    return Selection(
        encounter_id=args.encounter,
        day=args.date,
        mrn=args.patient.strip() if args.patient is not None else None,
        everything=bool(args.all),
    )


# ------------------------------------------------------------------ export


def run_export(engine: Engine, args: argparse.Namespace, *, staff_id: int | None) -> int:
    """Export as ``staff_id`` (who signed in for it), recorded in the audit trail."""
    from ma_tui.core.clock import system_clock
    from ma_tui.fhir.export import ExportError, ExportSummary, export_bundle

    now = system_clock()
    summary = ExportSummary()
    try:
        if args.output == "-":
            count = export_bundle(
                engine, selection_of(args), sys.stdout, summary, now=now, staff_id=staff_id
            )
        else:
            target = Path(args.output)
            count = _export_to_file(engine, args, target, summary, now=now, staff_id=staff_id)
    except ExportError as exc:
        print(f"ma-tui: {exc}", file=sys.stderr)
        return EXIT_NOTHING
    except OSError as exc:
        print(f"ma-tui: cannot write {args.output}: {exc.strerror or exc}", file=sys.stderr)
        return EXIT_USAGE
    where = "standard output" if args.output == "-" else args.output
    print(
        f"Exported {len(summary.patient_ids)} patients, {len(summary.encounter_ids)} visits "
        f"({count} resources) to {where}.",
        file=sys.stderr,
    )
    return 0


def _export_to_file(
    engine: Engine,
    args: argparse.Namespace,
    target: Path,
    summary: ExportSummary,
    *,
    now: datetime,
    staff_id: int | None,
) -> int:
    from ma_tui.fhir.export import export_bundle, write_atomically

    selection = selection_of(args)
    return write_atomically(
        target,
        lambda out: export_bundle(engine, selection, out, summary, now=now, staff_id=staff_id),
    )


# ------------------------------------------------------------------ import


def run_import(engine: Engine, args: argparse.Namespace, *, staff_id: int | None) -> int:
    """Import as ``staff_id`` (who signed in for it): each row written is theirs."""
    from ma_tui.core.clock import system_clock
    from ma_tui.core.transaction import read_only
    from ma_tui.fhir.importer import ImportContext, import_resources
    from ma_tui.fhir.reader import read_files, total_bytes
    from ma_tui.fhir.settings import read_mrn_system

    paths: list[Path] = list(args.files)
    context = ImportContext(
        mrn_system=read_only(engine, read_mrn_system), now=system_clock(), staff_id=staff_id
    )
    label = paths[0].name if len(paths) == 1 else f"{len(paths)} files"
    with _ProgressBar(2 * total_bytes(paths), label) as advance:

        def read() -> Iterable[ReadItem]:
            return read_files(paths, on_progress=advance)

        report = import_resources(engine, read, context)
    for line in report.summary_lines():
        print(line)
    return EXIT_REJECTED if report.rejected else 0


class _ProgressBar:
    """A rich progress bar over bytes read, on standard error when it is a terminal
    (both passes of the import: the total is twice the files' size)."""

    def __init__(self, total: int, label: str) -> None:
        self.total = total
        self.label = label  # the files, as the summary names them
        self.progress: Progress | None = None

    def __enter__(self) -> Callable[[int], None]:
        if not sys.stderr.isatty() or self.total == 0:
            return _ignore
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            Progress,
            TaskProgressColumn,
            TextColumn,
            TimeRemainingColumn,
        )

        self.progress = Progress(
            TextColumn(f"Importing {self.label}"),
            BarColumn(),
            TaskProgressColumn(),
            TimeRemainingColumn(),
            console=Console(stderr=True),
            transient=True,
        )
        self.progress.start()
        task = self.progress.add_task("import", total=self.total)
        progress = self.progress

        def advance(done: int) -> None:
            progress.advance(task, done)

        return advance

    def __exit__(self, *_exc: object) -> None:
        if self.progress is not None:
            self.progress.stop()


def _ignore(_done: int) -> None:
    return None
