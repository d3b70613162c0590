"""Check-in's part of the visit draft, what keeps it from signing, and what signing writes.

Only what the MA confirmed is signed: the identity, and the demographic and
insurance edits taken in with Enter (``demographic_changes``, ``coverage_changes``).
What was typed and not yet confirmed (``typed``) only keeps the screen as it was left.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field
from sqlmodel import Session, col, select

from ma_tui.core.signing import SignContext
from ma_tui.data.models.patients import Coverage

DEMOGRAPHIC_FIELDS = (
    "phone",
    "email",
    "address_line",
    "city",
    "state",
    "postal_code",
    "preferred_language",
    "guardian_name",
    "guardian_relationship",
    "guardian_phone",
)
COVERAGE_FIELDS = ("payer", "member_id", "group_number")
IDENTITY_PROBLEM = "Confirm two identifiers (name and date of birth) at check-in."


class CheckInDraft(BaseModel):
    """Check-in as entered in this visit, not yet signed."""

    identity_confirmed_at: datetime | None = None
    demographics_confirmed: bool = False
    demographic_changes: dict[str, str | None] = Field(default_factory=dict)
    coverage_confirmed: bool = False
    coverage_changes: dict[str, str | None] = Field(default_factory=dict)
    # The demographic and insurance fields the MA edited, as last left (column ->
    # text), confirmed or not. Only the confirmed changes above are signed.
    typed: dict[str, str] = Field(default_factory=dict)


def problems(checkin: CheckInDraft) -> list[str]:
    """Nothing is signed for a patient whose identity was not confirmed."""
    return [IDENTITY_PROBLEM] if checkin.identity_confirmed_at is None else []


def audit_detail(checkin: CheckInDraft) -> dict[str, object]:
    """Which demographic and insurance fields signing changes (never their values)."""
    return {
        "demographics_changed": sorted(checkin.demographic_changes),
        "coverage_changed": sorted(checkin.coverage_changes),
    }


def write(session: Session, checkin: CheckInDraft, context: SignContext) -> None:
    """The confirmed identity, demographics and insurance, into the signing session."""
    encounter, patient = context.encounter, context.patient
    encounter.identity_confirmed_at = checkin.identity_confirmed_at
    encounter.identity_confirmed_by_id = context.staff_id
    if checkin.demographic_changes:
        for name, value in checkin.demographic_changes.items():
            if name in DEMOGRAPHIC_FIELDS:
                setattr(patient, name, value)
        patient.updated_at = context.now
        session.add(patient)
    if checkin.coverage_confirmed or checkin.coverage_changes:
        _write_coverage(session, checkin, context)


def _write_coverage(session: Session, checkin: CheckInDraft, context: SignContext) -> None:
    coverage = session.exec(
        select(Coverage)
        .where(Coverage.patient_id == context.patient_id, col(Coverage.active).is_(True))
        .order_by(col(Coverage.priority), col(Coverage.id))
    ).first()
    if coverage is None and checkin.coverage_changes.get("payer"):
        coverage = Coverage(patient_id=context.patient_id, payer="", member_id="")
    if coverage is None:
        return
    for name, value in checkin.coverage_changes.items():
        if name in COVERAGE_FIELDS:
            # payer and member ID are required columns; the group is optional.
            setattr(coverage, name, value if name == "group_number" else value or "")
    coverage.last_verified_at = context.now
    coverage.last_verified_by_id = context.staff_id
    session.add(coverage)
