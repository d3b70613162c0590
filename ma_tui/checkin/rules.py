"""Check-in's rules: what a field shows, and which edits are taken in when confirmed.

A field shows what was last typed in it in this visit, else its confirmed edit,
else the chart. Confirming a section (Enter) takes its fields in against the
chart: cleaned, a phone number normalized, and only what differs kept. Payer and
member ID go together; neither means self-pay.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from ma_tui.checkin.draft import COVERAGE_FIELDS, CheckInDraft
from ma_tui.core.ages import age_in_years
from ma_tui.core.errors import InvalidInput
from ma_tui.core.parsing import ParseError, normalize_phone
from ma_tui.data.models.patients import Coverage, Patient
from ma_tui.patients.registration import ADULT_AGE, clean_text, column_limit

PHONE_FIELDS = frozenset({"phone", "guardian_phone"})
PAYER_WITHOUT_MEMBER = "Payer and member ID go together: give both, or neither for self-pay."


class CheckInError(InvalidInput):
    """An edit that cannot be taken in; ``field`` is the one to fix (None: the section)."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


def field_limit(name: str) -> int:
    """The most characters a check-in field takes: what its column holds."""
    return column_limit(Coverage if name in COVERAGE_FIELDS else Patient, name)


def is_minor(patient: Patient, today: date) -> bool:
    """A minor's check-in also verifies the guardian."""
    return age_in_years(patient.birth_date, today) < ADULT_AGE


def on_record(name: str, checkin: CheckInDraft, patient: Patient, coverage: Coverage | None) -> str:
    """What a field shows when not edited: its confirmed edit, else the chart."""
    changes = checkin.coverage_changes if name in COVERAGE_FIELDS else checkin.demographic_changes
    if name in changes:
        return changes[name] or ""
    source = coverage if name in COVERAGE_FIELDS else patient
    return str(getattr(source, name, None) or "") if source is not None else ""


def shown(name: str, checkin: CheckInDraft, patient: Patient, coverage: Coverage | None) -> str:
    """What a field shows: as last left in this visit, else ``on_record``."""
    if name in checkin.typed:
        return checkin.typed[name]
    return on_record(name, checkin, patient, coverage)


def typed_edits(
    values: Mapping[str, str],
    checkin: CheckInDraft,
    patient: Patient,
    coverage: Coverage | None,
) -> dict[str, str]:
    """The fields (name -> text on screen) that differ from what they would show anyway,
    so a field not touched follows the record."""
    return {
        name: value
        for name, value in values.items()
        if value != on_record(name, checkin, patient, coverage)
    }


def demographic_changes(patient: Patient, values: Mapping[str, str]) -> dict[str, str | None]:
    """The demographic fields (name -> text on screen) that differ from the chart, cleaned.

    A phone number is normalized; one that cannot be read raises ``CheckInError``
    naming its field.
    """
    changes: dict[str, str | None] = {}
    for name, text in values.items():
        value = clean_text(text, limit=field_limit(name)) or None
        if value is not None and name in PHONE_FIELDS:
            try:
                value = normalize_phone(value)
            except ParseError as exc:
                raise CheckInError(str(exc), name) from None
        if value != getattr(patient, name):
            changes[name] = value
    return changes


def coverage_changes(coverage: Coverage | None, values: Mapping[str, str]) -> dict[str, str | None]:
    """The insurance fields (name -> text on screen) that differ from the chart, cleaned.

    A payer without a member ID, or a member ID without a payer, raises ``CheckInError``.
    """
    changes: dict[str, str | None] = {}
    for name, text in values.items():
        value = clean_text(text, limit=field_limit(name)) or None
        if value != (getattr(coverage, name) if coverage else None):
            changes[name] = value
    payer = changes.get("payer", coverage.payer if coverage else None)
    member = changes.get("member_id", coverage.member_id if coverage else None)
    if bool(payer) != bool(member):
        raise CheckInError(PAYER_WITHOUT_MEMBER)
    return changes
