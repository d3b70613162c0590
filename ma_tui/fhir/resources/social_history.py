"""Observation (social history): tobacco, alcohol, drugs, occupation ...; export only.

Tobacco is the US Core smoking status, its answer a SNOMED CT code; the others are
text, coded in LOINC where LOINC has a code. ma-tui does not import social
history: the MA takes it from the patient.
"""

from __future__ import annotations

from typing import Any

from ma_tui.data.models.history import SocialCategory, SocialHistory
from ma_tui.data.models.observations import ObservationStatus
from ma_tui.fhir import codes
from ma_tui.fhir.resources.outgoing import (
    ExportRun,
    error_or,
    identifiers,
    instant,
    notes,
    observation_category,
)

JSON = dict[str, Any]


def to_fhir(run: ExportRun, row: SocialHistory, subject: JSON) -> JSON:
    category = SocialCategory(row.category)
    label = codes.SOCIAL_LABELS[category]
    loinc = codes.SOCIAL_CODES.get(category)
    code = codes.concept(codes.LOINC, *loinc, text=label) if loinc else {"text": label}
    value: JSON = {"valueString": row.value}
    if category == SocialCategory.TOBACCO:
        value = {"valueCodeableConcept": codes.concept(codes.SNOMED, row.code, text=row.value)}
    return {
        "resourceType": "Observation",
        # Observation ids of vitals are their row ids: social rows are told apart.
        "id": run.id("Observation", f"social-{row.id}"),
        "identifier": identifiers("social-history", row.id, row.source_id),
        "status": error_or(row.entered_in_error, ObservationStatus.FINAL.value),
        "category": [observation_category("social-history", "Social History")],
        "code": code,
        "subject": subject,
        "effectiveDateTime": instant(row.recorded_at),
        **value,
        "note": notes(row.note),
    }
