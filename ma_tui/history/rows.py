"""What the History step's table shows: the record's entries, then this visit's changes."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import tzinfo
from typing import Any

from ma_tui.data.models.history import HistoryEntry, HistorySection, SocialCategory
from ma_tui.history.draft import HistoryDraft
from ma_tui.history.entry import SOCIAL_LABELS, form_values
from ma_tui.patients.chart import Chart

COLUMNS: dict[HistorySection, tuple[str, ...]] = {
    HistorySection.MEDICAL: ("Condition", "ICD-10", "Onset", "Note"),
    HistorySection.SURGICAL: ("Procedure", "When", "Note"),
    HistorySection.FAMILY: ("Relation", "Condition", "Age", "Note"),
    HistorySection.SOCIAL: ("Category", "Value", "Note"),
    HistorySection.MEDICATIONS: ("Medication", "Status", "Note"),
    HistorySection.ALLERGIES: ("Substance", "Reaction", "Severity", "Type", "Note"),
}


@dataclass(frozen=True)
class HistoryRow:
    """One line of a section's table.

    ``key`` is ``stored:<id>`` for an entry in the record, ``new:<index>`` for one
    added in this visit (its place in ``draft.new_entries``).
    """

    key: str
    cells: tuple[str, ...]
    new: bool = False
    struck: bool = False  # marked entered-in-error in this visit
    confirmed: bool = False  # medication status said in this visit
    medication: bool = False

    @property
    def flag(self) -> str:
        if self.struck:
            return "error"
        if self.new:
            return "new"
        return "✓" if self.confirmed else ""


def stored_entries(chart: Chart, section: HistorySection) -> Sequence[HistoryEntry]:
    return {
        HistorySection.MEDICAL: chart.conditions,
        HistorySection.SURGICAL: chart.procedures,
        HistorySection.FAMILY: chart.family,
        HistorySection.SOCIAL: chart.social,
        HistorySection.MEDICATIONS: chart.medications,
        HistorySection.ALLERGIES: chart.allergies,
    }[section]


def section_rows(chart: Chart, draft: HistoryDraft, section: HistorySection) -> list[HistoryRow]:
    """The section's stored entries (struck when marked in error), then this visit's new ones.

    Social shows one fact per category, the newest: a new tobacco status hides the
    stored one, as the chart will once the visit is signed.
    """
    struck = set(draft.entered_in_error.get(section, []))
    new = [(i, e) for i, e in enumerate(draft.new_entries) if e.section == section]
    replaced = {str(e.fields.get("category")) for _, e in new}
    is_medication = section == HistorySection.MEDICATIONS
    rows: list[HistoryRow] = []
    for entry in stored_entries(chart, section):
        assert entry.id is not None
        fields = entry.model_dump()
        if section == HistorySection.SOCIAL and str(fields["category"]) in replaced:
            continue
        confirmed = False
        if is_medication and entry.id in draft.medication_status:
            fields["status"] = draft.medication_status[entry.id]
            confirmed = True
        rows.append(
            HistoryRow(
                key=f"stored:{entry.id}",
                cells=_cells(section, fields),
                struck=entry.id in struck,
                confirmed=confirmed,
                medication=is_medication,
            )
        )
    for index, added in new:
        rows.append(
            HistoryRow(
                key=f"new:{index}",
                cells=_cells(section, added.fields),
                new=True,
                medication=is_medication,
            )
        )
    return rows


def current_rows(chart: Chart, draft: HistoryDraft, section: HistorySection) -> list[HistoryRow]:
    """The rows that stay in the patient's list: not marked entered-in-error."""
    return [row for row in section_rows(chart, draft, section) if not row.struck]


def _cells(section: HistorySection, fields: Mapping[str, Any]) -> tuple[str, ...]:
    def text(name: str) -> str:
        value = fields.get(name)
        return "" if value is None else str(value).replace("_", " ")

    if section == HistorySection.MEDICAL:
        return (text("name"), text("code"), text("onset"), text("note"))
    if section == HistorySection.SURGICAL:
        return (text("name"), text("performed"), text("note"))
    if section == HistorySection.FAMILY:
        return (text("relation"), text("condition"), text("onset_age"), text("note"))
    if section == HistorySection.SOCIAL:
        label = SOCIAL_LABELS[SocialCategory(str(fields.get("category")))]
        return (label, text("value"), text("note"))
    if section == HistorySection.MEDICATIONS:
        return (form_values(section, fields)[0], text("status"), text("note"))
    return (text("substance"), text("reaction"), text("severity"), text("category"), text("note"))


def section_status(
    chart: Chart, draft: HistoryDraft, section: HistorySection, zone: tzinfo | None
) -> str:
    """One line on where the section stands: reviewed now, last reviewed, or never."""
    none_word = "no known allergies (NKA)" if section == HistorySection.ALLERGIES else "none known"
    if section in draft.reviewed:
        said_none = draft.reviewed[section]
        return "Reviewed in this visit" + (f": {none_word}" if said_none else "")
    review = chart.last_reviews.get(section)
    if review is None:
        return "Never reviewed" + (
            "" if current_rows(chart, draft, section) else ": nothing on file"
        )
    when = review.reviewed_at.astimezone(zone)
    said = f": {none_word}" if review.none_known else ""
    return f"Last reviewed {when:%m/%d/%Y}{said}"
