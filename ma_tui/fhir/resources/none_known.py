"""A history section the patient said is empty ("no surgeries", "takes no medicines"),
as a FHIR List with no entries and ``emptyReason`` nilknown; export only.

Allergies say it their own way (an AllergyIntolerance "no known allergy",
``ma_tui.fhir.resources.allergy``). For the other sections, "none known" was said
when the section's last review says so and nothing is on file since: without this
List, an empty section would read the same as one never asked about.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlmodel import col, select

from ma_tui.data.models.history import (
    Condition,
    FamilyHistory,
    HistoryEntry,
    HistoryReview,
    HistorySection,
    Medication,
    Procedure,
    SocialHistory,
)
from ma_tui.fhir import codes
from ma_tui.fhir.resources.outgoing import ExportRun, instant

JSON = dict[str, Any]

LIST_EMPTY_REASON = "http://terminology.hl7.org/CodeSystem/list-empty-reason"

# Section -> (its rows, LOINC code and display of the list, title)
SECTIONS: dict[HistorySection, tuple[type[HistoryEntry], str, str, str]] = {
    HistorySection.MEDICAL: (
        Condition, "11450-4", "Problem list - Reported", "Medical history"
    ),
    HistorySection.SURGICAL: (
        Procedure, "47519-4", "History of Procedures Document", "Surgical history"
    ),
    HistorySection.FAMILY: (
        FamilyHistory, "10157-6", "History of family member diseases Narrative", "Family history"
    ),
    HistorySection.SOCIAL: (SocialHistory, "29762-2", "Social history Narrative", "Social history"),
    HistorySection.MEDICATIONS: (
        Medication, "10160-0", "History of Medication use Narrative", "Medications"
    ),
}  # fmt: skip


def none_known_lists(run: ExportRun, patient_id: int | None, subject: JSON) -> Iterator[JSON]:
    """An empty List for each section whose last review said none known, still empty."""
    for section, (model, code, display, title) in SECTIONS.items():
        review = run.session.exec(
            select(HistoryReview)
            .where(HistoryReview.patient_id == patient_id, HistoryReview.section == section)
            .order_by(col(HistoryReview.reviewed_at).desc(), col(HistoryReview.id).desc())
        ).first()
        if review is None or not review.none_known or _on_file(run, model, patient_id):
            continue
        yield {
            "resourceType": "List",
            "id": run.id("List", f"none-known-{review.id}"),
            "status": "current",
            "mode": "snapshot",
            "title": f"{title}: none known",
            "code": codes.concept(codes.LOINC, code, display),
            "subject": subject,
            "date": instant(review.reviewed_at),
            "source": run.staff_display(review.reviewed_by_id),
            "emptyReason": codes.concept(LIST_EMPTY_REASON, "nilknown", "Nil Known"),
        }


def _on_file(run: ExportRun, model: type[HistoryEntry], patient_id: int | None) -> bool:
    row = run.session.exec(
        select(model).where(model.patient_id == patient_id, col(model.entered_in_error).is_(False))
    ).first()
    return row is not None
