"""The sterilization log as CSV in the clinic's export folder, for an inspector.

The same rules as a visit's export (``ma_tui.fhir.export``): the clinic's export
folder (``ma-tui settings set export-folder``), made private if it is new, the
file written whole or not at all and readable by its owner only (it names the
patients who used each pack), and one EXPORT event in the audit trail.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from sqlalchemy.engine import Engine
from sqlmodel import Session

from ma_tui.core.audit import AuditAction, audit
from ma_tui.core.transaction import in_transaction, read_only
from ma_tui.fhir.errors import ExportNotWritten
from ma_tui.fhir.export import write_atomically
from ma_tui.fhir.settings import export_folder_problem, read_export_folder
from ma_tui.sterilization.export import write_log
from ma_tui.sterilization.store import sterilization_log


def export_sterilization_log(engine: Engine, *, now: datetime, staff_id: int | None) -> Path:
    """Every load, pack and pack use as one CSV file; the file written."""
    tz = now.tzinfo
    assert tz is not None
    folder = read_only(engine, read_export_folder)
    target = folder / f"sterilization-log-{now:%Y%m%d-%H%M%S}.csv"
    log = sterilization_log(engine)
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        if (problem := export_folder_problem(folder)) is not None:
            # Patients' names are in the pack uses: the same private folder as a visit's.
            raise ExportNotWritten(f"cannot write to the export folder {folder}: {problem}")
        rows = write_atomically(target, lambda out: write_log(log.loads, log.uses, out, tz))
    except ExportNotWritten:
        raise
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise ExportNotWritten(f"cannot write to the export folder {folder}: {reason}") from exc

    def record(session: Session) -> None:
        audit(
            session,
            AuditAction.EXPORT,
            at=now,
            staff_id=staff_id,
            entity="sterilization_log",
            detail={"rows": rows, "loads": len(log.loads), "file": target.name},
        )

    in_transaction(engine, record)
    return target
