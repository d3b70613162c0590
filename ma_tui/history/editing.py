"""The History step's keys, each applied to the visit's ``HistoryDraft``.

Reviewed, none known, add or edit an entry, a medication's status, remove a row: a
new entry is simply dropped, a stored one is marked entered-in-error (never deleted)
and restored by the same key. Any change counts as reviewing the section.
"""

from __future__ import annotations

from typing import Any

from ma_tui.core.parsing import ParseError
from ma_tui.data.models.history import HistoryEntry, HistorySection, MedicationStatus
from ma_tui.history.draft import HistoryDraft, NewHistoryEntry
from ma_tui.history.entry import EntryError, form_values
from ma_tui.history.rows import current_rows, stored_entries
from ma_tui.patients.chart import Chart

# Columns the form does not show, kept when a stored entry is edited.
_KEPT_ON_EDIT: dict[HistorySection, tuple[str, ...]] = {
    HistorySection.MEDICAL: ("onset", "status", "note"),
    HistorySection.SURGICAL: ("code", "note"),
    HistorySection.FAMILY: ("note",),
    HistorySection.SOCIAL: ("note",),
    HistorySection.MEDICATIONS: ("note",),
    HistorySection.ALLERGIES: ("note", "active"),
}


def needs_none_known(chart: Chart, draft: HistoryDraft, section: HistorySection) -> bool:
    """Whether "reviewed, no change" cannot be said: the section is empty and neither
    this visit nor the last review said none known."""
    if current_rows(chart, draft, section) or draft.reviewed.get(section):
        return False
    review = chart.last_reviews.get(section)
    return not (section not in draft.reviewed and review is not None and review.none_known)


def mark_reviewed(chart: Chart, draft: HistoryDraft, section: HistorySection) -> None:
    """ "Reviewed, no change". An empty section needs an explicit none known (``n``)
    unless the last review already said so."""
    if current_rows(chart, draft, section):
        draft.reviewed[section] = False
        return
    if draft.reviewed.get(section):
        return
    if not needs_none_known(chart, draft, section):
        draft.reviewed[section] = True
        return
    none = "no known allergies" if section == HistorySection.ALLERGIES else "none known"
    raise ParseError(f"Nothing on file: press n for {none}, or a to add.")


def mark_none_known(chart: Chart, draft: HistoryDraft, section: HistorySection) -> None:
    if current_rows(chart, draft, section):
        raise ParseError("None known is for an empty list: remove the entries (Del) first.")
    draft.reviewed[section] = True


def add_entry(
    chart: Chart,
    draft: HistoryDraft,
    section: HistorySection,
    fields: dict[str, Any],
    *,
    replacing: str | None = None,
) -> None:
    """Add a parsed entry; with ``replacing`` (a row key) it takes that row's place.

    A replaced new entry is overwritten. A replaced stored entry is marked
    entered-in-error, except a medication (marked stopped: the old regimen ended)
    and a social fact (the newest per category is the current one).
    """
    values = form_values(section, fields)
    for row in current_rows(chart, draft, section):
        if (
            row.key != replacing
            and form_values(section, row_fields(chart, draft, section, row.key)) == values
        ):
            raise EntryError("that is already in the list")
    if section == HistorySection.SOCIAL and not (replacing or "").startswith("new:"):
        # One new fact per category: a second one takes the first one's place.
        replacing = next(
            (
                f"new:{index}"
                for index, entry in enumerate(draft.new_entries)
                if entry.section == section and entry.fields.get("category") == fields["category"]
            ),
            replacing,
        )
    if replacing is not None and replacing.startswith("new:"):
        index = int(replacing[4:])
        old = draft.new_entries[index].fields
        draft.new_entries[index] = NewHistoryEntry(section=section, fields={**old, **fields})
    else:
        kept: dict[str, Any] = {}
        if replacing is not None:
            stored = _stored(chart, section, replacing)
            old_fields = stored.model_dump()
            if form_values(section, old_fields) == values:
                return  # edited back to what it was: nothing to change
            kept = {name: old_fields[name] for name in _KEPT_ON_EDIT[section]}
            assert stored.id is not None
            if section == HistorySection.MEDICATIONS:
                draft.medication_status[stored.id] = MedicationStatus.STOPPED
            elif section != HistorySection.SOCIAL:
                _mark_error(draft, section, stored.id)
        draft.new_entries.append(NewHistoryEntry(section=section, fields={**kept, **fields}))
    _touch(chart, draft, section)


def row_fields(
    chart: Chart, draft: HistoryDraft, section: HistorySection, key: str
) -> dict[str, Any]:
    """The column values of a row, for the edit form."""
    if key.startswith("new:"):
        return dict(draft.new_entries[int(key[4:])].fields)
    return _stored(chart, section, key).model_dump()


def set_medication_status(
    chart: Chart, draft: HistoryDraft, key: str, status: MedicationStatus
) -> None:
    """Taking / not taking / stopped, said by the patient in this visit."""
    section = HistorySection.MEDICATIONS
    if key.startswith("new:"):
        entry = draft.new_entries[int(key[4:])]
        entry.fields = {**entry.fields, "status": status.value}
    else:
        stored = _stored(chart, section, key)
        assert stored.id is not None
        if stored.id in draft.entered_in_error.get(section, []):
            raise ParseError("This medication is marked entered in error: Del restores it.")
        draft.medication_status[stored.id] = status
    _touch(chart, draft, section)


def remove_row(chart: Chart, draft: HistoryDraft, section: HistorySection, key: str) -> str:
    """Delete a new entry; mark a stored one entered-in-error, or restore it. Says which."""
    if key.startswith("new:"):
        del draft.new_entries[int(key[4:])]
        message = "Removed."
    else:
        stored = _stored(chart, section, key)
        assert stored.id is not None
        ids = draft.entered_in_error.setdefault(section, [])
        if stored.id in ids:
            ids.remove(stored.id)
            if not ids:
                del draft.entered_in_error[section]
            message = "Restored."
        else:
            _mark_error(draft, section, stored.id)
            if section == HistorySection.MEDICATIONS:
                draft.medication_status.pop(stored.id, None)
            message = "Marked entered in error; it leaves the list when the visit is signed."
    _touch(chart, draft, section)
    return message


def _stored(chart: Chart, section: HistorySection, key: str) -> HistoryEntry:
    wanted = int(key.removeprefix("stored:"))
    for entry in stored_entries(chart, section):
        if entry.id == wanted:
            return entry
    raise LookupError(f"no {section.value} entry {key}")


def _mark_error(draft: HistoryDraft, section: HistorySection, entry_id: int) -> None:
    ids = draft.entered_in_error.setdefault(section, [])
    if entry_id not in ids:
        ids.append(entry_id)


def _touch(chart: Chart, draft: HistoryDraft, section: HistorySection) -> None:
    """A change counts as reviewing the section; an emptied one must be said again."""
    if current_rows(chart, draft, section):
        draft.reviewed[section] = False
    else:
        draft.reviewed.pop(section, None)
