"""Procedure: the patient's past surgeries and procedures, as told; export only.

ma-tui does not import Procedures: the MA takes them from the patient.
"""

from __future__ import annotations

from typing import Any

from ma_tui.data.models.history import Procedure
from ma_tui.fhir.resources.outgoing import ExportRun, error_or, identifiers, notes

JSON = dict[str, Any]


def to_fhir(run: ExportRun, procedure: Procedure, subject: JSON) -> JSON:
    return {
        "resourceType": "Procedure",
        "id": run.id("Procedure", procedure.id),
        "identifier": identifiers("procedure", procedure.id, procedure.source_id),
        "status": error_or(procedure.entered_in_error, "completed"),
        "code": {"text": procedure.name},
        "subject": subject,
        "performedString": procedure.performed,
        "note": notes(procedure.note),
    }
