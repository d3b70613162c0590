"""AllergyIntolerance: a patient's allergies, and "no known allergies", both ways.

An allergy's substance is its code's text; its reaction is the first manifestation,
with its severity. "No known allergies" is the SNOMED CT situation 716186003, sent
while the last review of the allergies said so and no allergy is active; read in,
it is recorded as such a review, unless the patient has an active allergy.
A refuted allergy is skipped; one entered in error marks the entry it is.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from sqlmodel import Session, col, select

from ma_tui.data.models.history import Allergy, AllergyCategory, HistoryReview, HistorySection
from ma_tui.fhir import codes
from ma_tui.fhir.resources.entries import entries_of, entry_note, import_entry, mark_error
from ma_tui.fhir.resources.incoming import (
    ImportWork,
    PatientRef,
    Result,
    audit_import,
    patient_of,
)
from ma_tui.fhir.resources.outgoing import ExportRun, error_or, identifiers, instant, notes
from ma_tui.fhir.resources.values import (
    Rejected,
    column_text,
    has_code,
    objs,
    recorded_at,
    required,
    shortened,
    shown,
    status_code,
    string,
)

JSON = dict[str, Any]

_NO_KNOWN_ALLERGY_DISPLAY = "No known allergy (situation)"
_NO_KNOWN_ALLERGY_WORDS = frozenset({"no known allergies", "no known allergy", "nka"})


def _latest_review(session: Session, patient_id: int | None) -> HistoryReview | None:
    """The last review of the patient's allergies, if there was one."""
    return session.exec(
        select(HistoryReview)
        .where(
            HistoryReview.patient_id == patient_id,
            HistoryReview.section == HistorySection.ALLERGIES,
        )
        .order_by(col(HistoryReview.reviewed_at).desc(), col(HistoryReview.id).desc())
    ).first()


def _any_active(allergies: Sequence[Allergy]) -> bool:
    return any(a.active and not a.entered_in_error for a in allergies)


# ----------------------------------------------------------------- to FHIR


def patient_allergies(run: ExportRun, patient_id: int | None, subject: JSON) -> Iterator[JSON]:
    """The patient's allergies, then "no known allergies" when that still holds."""
    rows = entries_of(run.session, Allergy, patient_id)
    for row in rows:
        yield to_fhir(run, row, subject)
    if not _any_active(rows):
        review = _latest_review(run.session, patient_id)
        if review is not None and review.none_known:
            yield _no_known_allergy(run, review, subject)


def to_fhir(run: ExportRun, allergy: Allergy, subject: JSON) -> JSON:
    clinical = None
    if not allergy.entered_in_error:  # ait-2: no clinical status on an error
        status = "active" if allergy.active else "inactive"
        clinical = codes.concept(codes.ALLERGY_CLINICAL, status)
    verification = error_or(allergy.entered_in_error, "confirmed")
    return {
        "resourceType": "AllergyIntolerance",
        "id": run.id("AllergyIntolerance", allergy.id),
        "identifier": identifiers("allergy", allergy.id, allergy.source_id),
        "clinicalStatus": clinical,
        "verificationStatus": codes.concept(codes.ALLERGY_VERIFICATION, verification),
        "category": [allergy.category.value],
        "code": {"text": allergy.substance},
        "patient": subject,
        "recordedDate": instant(allergy.recorded_at),
        "recorder": run.staff_display(allergy.recorded_by_id),
        "reaction": [_reaction(allergy)],
        "note": notes(allergy.note),
    }


def _reaction(allergy: Allergy) -> JSON | None:
    if not allergy.reaction and allergy.severity is None:
        return None
    # A severity without the reaction's words: the manifestation (required) is unknown.
    unknown = {"extension": [{"url": codes.DATA_ABSENT_EXTENSION, "valueCode": "unknown"}]}
    manifestation = {"text": allergy.reaction} if allergy.reaction else unknown
    severity = allergy.severity.value if allergy.severity is not None else None
    return {"manifestation": [manifestation], "severity": severity}


def _no_known_allergy(run: ExportRun, review: HistoryReview, subject: JSON) -> JSON:
    code = codes.concept(
        codes.SNOMED,
        codes.NO_KNOWN_ALLERGY,
        _NO_KNOWN_ALLERGY_DISPLAY,
        text="No known allergies",
    )
    return {
        "resourceType": "AllergyIntolerance",
        "id": run.id("AllergyIntolerance", f"nka-{review.id}"),
        "clinicalStatus": codes.concept(codes.ALLERGY_CLINICAL, "active"),
        "verificationStatus": codes.concept(codes.ALLERGY_VERIFICATION, "confirmed"),
        "code": code,
        "patient": subject,
        "recordedDate": instant(review.reviewed_at),
        "recorder": run.staff_display(review.reviewed_by_id),
    }


# --------------------------------------------------------------- from FHIR


def from_fhir(work: ImportWork, resource: JSON) -> Result:
    patient = patient_of(work, resource.get("patient"), "patient")
    verification = status_code(resource.get("verificationStatus"), codes.ALLERGY_VERIFICATION)
    substance = column_text(
        codes.concept_text(resource.get("code")), Allergy, "substance", "code.text"
    )
    label = shortened(f"AllergyIntolerance {substance or '?'} (MRN {patient.mrn})", 120)
    if verification == codes.ENTERED_IN_ERROR:
        return mark_error(work, Allergy, patient, resource, "allergy", substance, label)
    if verification == codes.REFUTED:
        return Result("skipped", "refuted: not an allergy", label)
    if _is_no_known_allergy(resource.get("code")):
        return _no_known_allergies(work, patient, resource, label)
    values = _allergy_values(resource, required(substance, "no substance (code.text)"))
    return import_entry(work, Allergy, patient, resource, "allergy", values, label)


def _allergy_values(resource: JSON, substance: str) -> dict[str, Any]:
    categories = resource.get("category")
    category_code = string(categories[0]) if isinstance(categories, list) and categories else None
    category = AllergyCategory.MEDICATION
    if category_code is not None:
        if category_code not in codes.ALLERGY_CATEGORIES:
            raise Rejected(f"unknown allergy category {shown(category_code)}")
        category = codes.ALLERGY_CATEGORIES[category_code]
    clinical = status_code(resource.get("clinicalStatus"), codes.ALLERGY_CLINICAL)
    if clinical is not None and clinical not in codes.ALLERGY_CLINICAL_IN:
        raise Rejected(f"unknown clinical status {shown(clinical)}")
    reaction = (objs(resource.get("reaction")) or [{}])[0]
    manifestations = objs(reaction.get("manifestation"))
    severity_code = string(reaction.get("severity"))
    if severity_code is not None and severity_code not in codes.ALLERGY_SEVERITIES:
        raise Rejected(f"unknown reaction severity {shown(severity_code)}")
    return {
        "substance": substance,
        "category": category,
        "active": codes.ALLERGY_CLINICAL_IN[clinical] if clinical is not None else True,
        "reaction": column_text(
            codes.concept_text(manifestations[0]) if manifestations else None,
            Allergy,
            "reaction",
            "reaction.manifestation",
        ),
        "severity": codes.ALLERGY_SEVERITIES.get(severity_code) if severity_code else None,
        "note": entry_note(resource, Allergy),
    }


def _is_no_known_allergy(code: Any) -> bool:
    if has_code(code, codes.NO_KNOWN_ALLERGY, codes.SNOMED):
        return True
    text = codes.concept_text(code)
    return text is not None and text.casefold() in _NO_KNOWN_ALLERGY_WORDS


def _no_known_allergies(
    work: ImportWork, patient: PatientRef, resource: JSON, label: str
) -> Result:
    """Record "no known allergies" as a review of the allergies, when it is still true."""
    allergies = work.session.exec(select(Allergy).where(Allergy.patient_id == patient.id)).all()
    if _any_active(allergies):
        return Result("skipped", "patient has recorded allergies", label)
    latest = _latest_review(work.session, patient.id)
    if latest is not None and latest.none_known:
        return Result("unchanged", label=label)
    review = HistoryReview(
        patient_id=patient.id,
        section=HistorySection.ALLERGIES,
        none_known=True,
        reviewed_at=recorded_at(resource.get("recordedDate"), work.context.now),
        reviewed_by_id=work.context.staff_id,
    )
    work.session.add(review)
    work.session.flush()
    audit_import(work, review, patient.id, ["none_known", "section"])
    return Result("created", label=label)
