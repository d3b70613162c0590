"""FamilyMemberHistory: a relative's condition and the age it began at; export only.

The relation is its v3-RoleCode (mother: MTH), or "family member" with the words
as typed; the onset age is a UCUM quantity in years. ma-tui does not import family
history: the MA takes it from the patient.
"""

from __future__ import annotations

from typing import Any

from ma_tui.data.models.history import FamilyHistory
from ma_tui.fhir import codes
from ma_tui.fhir.resources.outgoing import ExportRun, error_or, identifiers, instant, notes

JSON = dict[str, Any]


def to_fhir(run: ExportRun, row: FamilyHistory, subject: JSON) -> JSON:
    relation = codes.FAMILY_RELATION_CODES.get(row.relation.casefold(), codes.FAMILY_MEMBER_CODE)
    onset = None
    if row.onset_age is not None:
        onset = {"value": row.onset_age, "unit": "a", "system": codes.UCUM, "code": "a"}
    return {
        "resourceType": "FamilyMemberHistory",
        "id": run.id("FamilyMemberHistory", row.id),
        "identifier": identifiers("family-history", row.id, row.source_id),
        "status": error_or(row.entered_in_error, "completed"),
        "patient": subject,
        "date": instant(row.recorded_at),
        "relationship": codes.concept(codes.V3_ROLE_CODE, relation, text=row.relation),
        "condition": [{"code": {"text": row.condition}, "onsetAge": onset}],
        "note": notes(row.note),
    }
