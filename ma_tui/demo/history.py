"""The demo patients' history: recorded at their first contact, reviewed at the last.

Every section is reviewed, the empty ones as "none known", so the chart shows what
a clinic that keeps its history up to date would.
"""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import SQLModel

from ma_tui.data.models.history import (
    Allergy,
    Condition,
    FamilyHistory,
    HistoryReview,
    HistorySection,
    Medication,
    Procedure,
    SocialHistory,
)
from ma_tui.demo.build import Build
from ma_tui.demo.shapes import Contact, Person


def add_history(
    build: Build,
    patient_id: int,
    person: Person,
    first: Contact,
    last: Contact,
) -> None:
    """History recorded at the first contact, reviewed at the last."""
    reviewed_at = last.at + timedelta(minutes=8)
    reviewer = build.staff[last.staff]
    common: dict[str, object] = {
        "patient_id": patient_id,
        "encounter_id": first.encounter_id,
        "recorded_at": first.at + timedelta(minutes=6),
        "recorded_by_id": build.staff[first.staff],
        "reviewed_at": reviewed_at,
        "reviewed_by_id": reviewer,
    }
    rows: list[SQLModel] = []
    rows += [
        Condition.model_validate(
            {**common, "name": d.name, "code": d.code, "onset": d.onset, "status": d.status}
        )
        for d in person.medical
    ]
    rows += [
        Procedure.model_validate({**common, "name": s.name, "performed": s.performed})
        for s in person.surgical
    ]
    rows += [
        FamilyHistory.model_validate(
            {
                **common,
                "relation": f.relation,
                "condition": f.condition,
                "onset_age": f.onset_age,
            }
        )
        for f in person.family_hx
    ]
    rows += [
        SocialHistory.model_validate(
            {**common, "category": s.category, "value": s.value, "code": s.code, "note": s.note}
        )
        for s in person.social
    ]
    rows += [
        Medication.model_validate(
            {
                **common,
                "name": m.name,
                "dose": m.dose,
                "route": m.route,
                "frequency": m.frequency,
                "status": m.status,
                "note": m.note,
            }
        )
        for m in person.meds
    ]
    rows += [
        Allergy.model_validate(
            {
                **common,
                "substance": a.substance,
                "category": a.category,
                "reaction": a.reaction,
                "severity": a.severity,
            }
        )
        for a in person.allergies
    ]
    sections = {
        HistorySection.MEDICAL: person.medical,
        HistorySection.SURGICAL: person.surgical,
        HistorySection.FAMILY: person.family_hx,
        HistorySection.SOCIAL: person.social,
        HistorySection.MEDICATIONS: person.meds,
        HistorySection.ALLERGIES: person.allergies,
    }
    rows += [
        HistoryReview(
            patient_id=patient_id,
            encounter_id=last.encounter_id,
            section=section,
            none_known=not items,
            reviewed_at=reviewed_at,
            reviewed_by_id=reviewer,
        )
        for section, items in sections.items()
    ]
    build.session.add_all(rows)
