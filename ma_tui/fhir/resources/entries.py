"""History entries both ways: the rows a patient's export holds, and the row an
incoming AllergyIntolerance, MedicationStatement or Condition is.

An entry is never deleted. One marked entered-in-error is exported saying so, and
an incoming resource entered in error marks the entry it is.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, TypeVar

from sqlmodel import Session, col, select

from ma_tui.data.models.history import Allergy, Condition, HistoryEntry, Medication
from ma_tui.fhir.resources.incoming import (
    ImportWork,
    PatientRef,
    Result,
    own_row_id,
    source_id,
    upsert,
)
from ma_tui.fhir.resources.values import column_text, objs, recorded_at

JSON = dict[str, Any]
_Entry = TypeVar("_Entry", bound=HistoryEntry)

_NAME_COLUMN: dict[type[HistoryEntry], str] = {
    Allergy: "substance",
    Medication: "name",
    Condition: "name",
}


def entries_of(session: Session, model: type[_Entry], patient_id: int | None) -> Sequence[_Entry]:
    """All of a patient's rows, those entered in error too (they say so)."""
    return session.exec(
        select(model)
        .where(model.patient_id == patient_id)
        .order_by(col(model.recorded_at), col(model.id))
    ).all()


def entry_note(resource: JSON, model: type[HistoryEntry]) -> str | None:
    notes = objs(resource.get("note"))
    return column_text(notes[0].get("text") if notes else None, model, "note", "note.text")


def import_entry(
    work: ImportWork,
    model: type[_Entry],
    patient: PatientRef,
    resource: JSON,
    kind: str,
    values: Mapping[str, Any],
    label: str,
) -> Result:
    """Update the patient's entry this resource is, or add it."""
    name = str(values[_NAME_COLUMN[model]])
    existing = _matching_entry(work, model, patient, resource, kind, name)
    if existing is not None and existing.entered_in_error:
        # An MA marked it wrong in ma-tui: the sender's copy does not bring it back.
        return Result("skipped", "marked entered-in-error in ma-tui; not imported again", label)
    resource_type = str(resource.get("resourceType"))
    recorded = resource.get("recordedDate") or resource.get("dateAsserted")
    created = {
        "patient_id": patient.id,
        "recorded_at": recorded_at(recorded, work.context.now),
        "recorded_by_id": work.context.staff_id,
        "source_id": source_id(resource, resource_type),
    }
    action, _ = upsert(work, model, existing, values, created=created)
    return Result(action, label=label)


def mark_error(
    work: ImportWork,
    model: type[_Entry],
    patient: PatientRef,
    resource: JSON,
    kind: str,
    name: str | None,
    label: str,
) -> Result:
    """An entered-in-error resource marks the entry it is; nothing is ever deleted."""
    entry = _matching_entry(work, model, patient, resource, kind, name)
    if entry is None:
        return Result("skipped", "nothing to mark entered-in-error", label)
    action, _ = upsert(work, model, entry, {"entered_in_error": True})
    return Result(action, label=label)


def _matching_entry(
    work: ImportWork,
    model: type[_Entry],
    patient: PatientRef,
    resource: JSON,
    kind: str,
    name: str | None,
) -> _Entry | None:
    """The patient's entry this resource is: the row ma-tui exported it from, else the
    one imported from the same source (one still valid first), else one of the same
    name that is not entered in error. Only the name match skips entries in error: a
    resource that names its row (an export of an entry in error) never marks another."""
    rows = work.session.exec(
        select(model).where(model.patient_id == patient.id).order_by(col(model.id))
    ).all()
    own = own_row_id(work, resource, kind)
    source = source_id(resource, str(resource.get("resourceType")))
    column = _NAME_COLUMN[model]
    by_own = [row for row in rows if own is not None and row.id == own]
    by_source = sorted(
        (row for row in rows if source is not None and row.source_id == source),
        key=lambda row: row.entered_in_error,
    )
    by_name = [
        row
        for row in rows
        if not row.entered_in_error
        and name is not None
        and str(getattr(row, column)).casefold() == name.casefold()
    ]
    return next(iter(by_own or by_source or by_name), None)
