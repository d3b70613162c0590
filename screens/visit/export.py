"""F6: a visit written as FHIR to the clinic's export folder, off the UI loop.

Building the Bundle reads the whole visit and history and writes a file: too long to
keep the keyboard waiting. The MA sees "Exporting" at once and can go on; a toast
says where the file went, or why it did not.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from textual.app import App

from ma_tui.core.errors import UserError
from ma_tui.core.transaction import Engine
from ma_tui.screens.visit.visit import sentence

EXPORT_GROUP = "fhir-export"


def export_in_background(
    app: App[object],
    engine: Engine,
    encounter_id: int,
    *,
    now: datetime,
    staff_id: int | None,
    failed: Callable[[str], str],
) -> None:
    """Export the visit in a thread; ``failed`` words the toast from the reason."""
    app.notify("Exporting the visit as FHIR…", timeout=3)

    def export() -> None:
        # Imported on the first export, in this thread: ~0.1 s less at every start.
        from ma_tui.fhir.export import export_visit_file

        try:
            path = export_visit_file(engine, encounter_id, now=now, staff_id=staff_id)
        except UserError as exc:
            message = failed(sentence(exc))
            app.call_from_thread(app.notify, message, severity="error", timeout=10, markup=False)
            return
        app.call_from_thread(app.notify, f"Exported to {path}", markup=False, timeout=6)

    app.run_worker(export, thread=True, group=EXPORT_GROUP, exit_on_error=False)
