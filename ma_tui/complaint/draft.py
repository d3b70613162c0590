"""The chief complaint's part of the visit draft, read from the screen and signed.

The complaint and the HPI are kept as typed (cleaned); the severity is kept as
typed too (``hpi_severity_text``) and as a number once it is one (``hpi_severity``).
A severity that is not a whole number from 0 to 10 keeps the visit from signing, so
a crash can never sign one unchecked.
"""

from __future__ import annotations

from collections.abc import Mapping

from pydantic import BaseModel, Field
from sqlmodel import Session

from ma_tui.core.parsing import ParseError
from ma_tui.core.signing import SignContext
from ma_tui.data.catalogs import HPI_FIELDS
from ma_tui.patients.registration import clean_text

COMPLAINT_MAX = 2000
HPI_MAX = 500
# The HPI's free-text fields; severity is a number, kept apart in ``hpi_severity``.
HPI_TEXT_FIELDS = tuple(name for name in HPI_FIELDS if name != "severity")
SEVERITY_PROBLEM = "Severity: a whole number from 0 to 10, or leave it empty."
COMPLAINT_PROBLEM = "Write the chief complaint."


class ComplaintDraft(BaseModel):
    """The chief complaint and HPI entered in this visit, not yet signed."""

    chief_complaint: str = ""
    hpi: dict[str, str] = Field(default_factory=dict)
    hpi_severity: int | None = None
    hpi_severity_text: str = ""  # as typed; ``hpi_severity`` once it is valid


def parse_severity(text: str) -> int | None:
    """The HPI severity typed (``"4"``), or None when empty; ``ParseError`` otherwise."""
    text = text.strip()
    if not text:
        return None
    if not text.isdecimal() or not 0 <= int(text) <= 10:  # isdigit() lets "²" through
        raise ParseError(SEVERITY_PROBLEM)
    return int(text)


def as_typed(chief_complaint: str, hpi: Mapping[str, str], severity: str) -> ComplaintDraft:
    """The screen's fields (HPI by field name) as the draft keeps them, refusing nothing."""
    try:
        parsed = parse_severity(severity)
    except ParseError:
        parsed = None  # signing refuses the text until it is fixed
    return ComplaintDraft(
        chief_complaint=clean_text(chief_complaint, limit=COMPLAINT_MAX),
        hpi={
            name: text
            for name in HPI_TEXT_FIELDS
            if (text := clean_text(hpi.get(name, ""), limit=HPI_MAX))
        },
        hpi_severity=parsed,
        hpi_severity_text=severity,
    )


def severity_shown(complaint: ComplaintDraft) -> str:
    """The severity as last typed (a draft saved before it was kept: the number)."""
    if complaint.hpi_severity_text or complaint.hpi_severity is None:
        return complaint.hpi_severity_text
    return str(complaint.hpi_severity)


def problems(complaint: ComplaintDraft) -> list[str]:
    found = []
    if not complaint.chief_complaint.strip():
        found.append(COMPLAINT_PROBLEM)
    try:
        parse_severity(complaint.hpi_severity_text)
    except ParseError:
        found.append(SEVERITY_PROBLEM)
    return found


def audit_detail(complaint: ComplaintDraft) -> dict[str, object]:
    """Whether a complaint was written (never what it says)."""
    return {"chief_complaint": bool(complaint.chief_complaint.strip())}


def write(session: Session, complaint: ComplaintDraft, context: SignContext) -> None:
    """The complaint and HPI onto the visit being signed."""
    encounter = context.encounter
    encounter.chief_complaint = complaint.chief_complaint.strip()
    for name in HPI_TEXT_FIELDS:
        setattr(encounter, f"hpi_{name}", complaint.hpi.get(name) or None)
    encounter.hpi_severity = complaint.hpi_severity
    session.add(encounter)
