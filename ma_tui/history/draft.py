"""The history's part of the visit draft, what keeps it from signing, and what signing writes.

What signing reads: the sections reviewed (and whether "none known" was said), the
entries added, medication statuses said by the patient, and stored entries found
wrong (marked entered-in-error at signing, never deleted). ``form`` only keeps the
add-form as the MA left it: text still in it keeps the visit from signing, so an
entry half-typed is never lost nor signed unread.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field
from sqlmodel import Session, col, select

from ma_tui.core.signing import SignContext
from ma_tui.data.models.history import (
    Allergy,
    Condition,
    FamilyHistory,
    HistoryEntry,
    HistoryReview,
    HistorySection,
    Medication,
    MedicationStatus,
    Procedure,
    SocialHistory,
)

__all__ = [
    "HISTORY_MODELS",
    "HistoryDraft",
    "HistoryForm",
    "HistorySection",
    "MedicationStatus",
    "NewHistoryEntry",
    "audit_detail",
    "problems",
    "write",
]

HISTORY_MODELS: dict[HistorySection, type[HistoryEntry]] = {
    HistorySection.MEDICAL: Condition,
    HistorySection.SURGICAL: Procedure,
    HistorySection.FAMILY: FamilyHistory,
    HistorySection.SOCIAL: SocialHistory,
    HistorySection.MEDICATIONS: Medication,
    HistorySection.ALLERGIES: Allergy,
}
FORM_PROBLEM = "History: add or clear the entry still in the add-form."


class NewHistoryEntry(BaseModel):
    """A history entry added during this visit; ``fields`` are the model's columns."""

    section: HistorySection
    fields: dict[str, Any]


class HistoryForm(BaseModel):
    """The history add-form as last left: typed, not yet added to ``new_entries``."""

    section: HistorySection
    values: list[str]  # one per field of the section's form, as typed
    editing: str | None = None  # the row the form replaces (None: a new entry)


class HistoryDraft(BaseModel):
    """The history as changed in this visit, not yet signed."""

    reviewed: dict[HistorySection, bool] = Field(default_factory=dict)  # section -> none known
    new_entries: list[NewHistoryEntry] = Field(default_factory=list)
    medication_status: dict[int, MedicationStatus] = Field(default_factory=dict)
    # Stored entries found wrong in this visit: marked entered-in-error at signing.
    entered_in_error: dict[HistorySection, list[int]] = Field(default_factory=dict)
    form: HistoryForm | None = None

    def entries(self, section: HistorySection) -> list[NewHistoryEntry]:
        return [entry for entry in self.new_entries if entry.section == section]


def problems(history: HistoryDraft) -> list[str]:
    form = history.form
    return [FORM_PROBLEM] if form is not None and any(v.strip() for v in form.values) else []


def audit_detail(history: HistoryDraft) -> dict[str, object]:
    """How many entries signing adds, marks in error or changes the status of."""
    return {
        "history_added": len(history.new_entries),
        "history_entered_in_error": sum(len(ids) for ids in history.entered_in_error.values()),
        "medication_status_changed": len(history.medication_status),
    }


def write(session: Session, history: HistoryDraft, context: SignContext) -> None:
    """New entries, statuses, entries in error and each section's review, into the session."""
    patient_id, staff_id, now = context.patient_id, context.staff_id, context.now
    for entry in history.new_entries:
        model = HISTORY_MODELS[entry.section]
        session.add(
            model.model_validate(
                {
                    **entry.fields,
                    "reviewed_at": now,
                    "reviewed_by_id": staff_id,
                    "patient_id": patient_id,
                    "encounter_id": context.encounter_id,
                    "recorded_at": now,
                    "recorded_by_id": staff_id,
                }
            )
        )
    for medication_id, status in history.medication_status.items():
        medication = session.get(Medication, medication_id)
        if medication is not None and medication.patient_id == patient_id:
            medication.status = status
            session.add(medication)
    for section, ids in history.entered_in_error.items():
        model = HISTORY_MODELS[section]
        for entry_id in ids:
            wrong = session.get(model, entry_id)
            if wrong is not None and wrong.patient_id == patient_id:
                wrong.entered_in_error = True
                session.add(wrong)
    for section, none_known in history.reviewed.items():
        _write_review(session, section, none_known, context)


def _write_review(
    session: Session, section: HistorySection, none_known: bool, context: SignContext
) -> None:
    """The section's entries still current are stamped reviewed, and the review kept."""
    model = HISTORY_MODELS[section]
    for row in session.exec(
        select(model).where(
            model.patient_id == context.patient_id, col(model.entered_in_error).is_(False)
        )
    ).all():
        row.reviewed_at = context.now
        row.reviewed_by_id = context.staff_id
        session.add(row)
    session.add(
        HistoryReview(
            patient_id=context.patient_id,
            encounter_id=context.encounter_id,
            section=section,
            none_known=none_known,
            reviewed_at=context.now,
            reviewed_by_id=context.staff_id,
        )
    )
