"""Condition: the patient's problem list, with ICD-10-CM codes and onset, both ways.

Out, a problem-list item, its ICD-10-CM code beside its name, its onset as told.
In, the onset is kept as told: its words, its dateTime as written, "age N", or a
period's start. A refuted condition is skipped; one entered in error marks the
entry it is.
"""

from __future__ import annotations

from typing import Any

from ma_tui.data.models.history import Condition
from ma_tui.fhir import codes
from ma_tui.fhir.resources.entries import entry_note, import_entry, mark_error
from ma_tui.fhir.resources.incoming import ImportWork, Result, patient_of
from ma_tui.fhir.resources.outgoing import ExportRun, error_or, identifiers, instant, notes
from ma_tui.fhir.resources.values import (
    Rejected,
    clean,
    column_text,
    number_text,
    obj,
    required,
    shortened,
    shown,
    status_code,
)

JSON = dict[str, Any]


def to_fhir(run: ExportRun, condition: Condition, subject: JSON) -> JSON:
    clinical = None
    if not condition.entered_in_error:  # con-5: no clinical status on an error
        status = codes.CONDITION_STATUS_OUT[condition.status]
        clinical = codes.concept(codes.CONDITION_CLINICAL, status)
    verification = error_or(condition.entered_in_error, "confirmed")
    category = codes.concept(codes.CONDITION_CATEGORY, "problem-list-item", "Problem List Item")
    return {
        "resourceType": "Condition",
        "id": run.id("Condition", condition.id),
        "identifier": identifiers("condition", condition.id, condition.source_id),
        "clinicalStatus": clinical,
        "verificationStatus": codes.concept(codes.CONDITION_VERIFICATION, verification),
        "category": [category],
        "code": codes.concept(codes.ICD10CM, condition.code, text=condition.name),
        "subject": subject,
        "onsetString": condition.onset,
        "recordedDate": instant(condition.recorded_at),
        "note": notes(condition.note),
    }


def from_fhir(work: ImportWork, resource: JSON) -> Result:
    patient = patient_of(work, resource.get("subject"), "subject")
    verification = status_code(resource.get("verificationStatus"), codes.CONDITION_VERIFICATION)
    name = column_text(codes.concept_text(resource.get("code")), Condition, "name", "code.text")
    label = shortened(f"Condition {name or '?'} (MRN {patient.mrn})", 120)
    if verification == codes.ENTERED_IN_ERROR:
        return mark_error(work, Condition, patient, resource, "condition", name, label)
    if verification == codes.REFUTED:
        return Result("skipped", "refuted: not a condition", label)
    clinical = status_code(resource.get("clinicalStatus"), codes.CONDITION_CLINICAL)
    if clinical is not None and clinical not in codes.CONDITION_STATUS_IN:
        raise Rejected(f"unknown clinical status {shown(clinical)}")
    values = {
        "name": required(name, "no condition name (code.text)"),
        "code": column_text(
            codes.concept_code(resource.get("code"), codes.ICD10CM), Condition, "code", "code"
        ),
        "onset": column_text(_onset(resource), Condition, "onset", "onset"),
        "status": codes.CONDITION_STATUS_IN[clinical or "active"],
        "note": entry_note(resource, Condition),
    }
    return import_entry(work, Condition, patient, resource, "condition", values, label)


def _onset(resource: JSON) -> str | None:
    """The onset as told: its words, its dateTime as written, "age N", or a period's start."""
    for key in ("onsetString", "onsetDateTime"):
        if clean(resource.get(key)):
            return clean(resource.get(key))
    age = obj(resource.get("onsetAge"))
    number = number_text(age.get("value")) if age else None
    if number is not None:
        return f"age {number}"
    period = obj(resource.get("onsetPeriod")) or {}
    return clean(period.get("start"))
