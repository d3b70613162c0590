"""What the complaint step offers: common complaints, and the HPI questions each calls for.

The complaints come from the clinic's catalog (``complaints.json``): the quick-pick
and the field's suggestions list them, and a complaint named in what was typed marks
the HPI fields to ask first.
"""

from __future__ import annotations

from ma_tui.data.catalogs import HPI_FIELDS, complaints

__all__ = ["HPI_FIELDS", "HPI_LABELS", "complaint_names", "hpi_prompts"]

HPI_LABELS = {
    "onset": "Onset",
    "location": "Location",
    "duration": "Duration",
    "character": "Character",
    "aggravating": "Aggravating",
    "alleviating": "Alleviating",
    "radiation": "Radiation",
    "timing": "Timing",
    "severity": "Severity 0-10",
    "associated": "Associated",
}


def complaint_names() -> list[str]:
    """The catalog's complaints, in the order they are offered."""
    return [complaint.name for complaint in complaints()]


def hpi_prompts(typed: str) -> tuple[str, ...]:
    """The HPI fields to ask first for the first catalog complaint named in ``typed``."""
    text = typed.lower()
    for complaint in complaints():
        if complaint.name.lower() in text:
            return complaint.hpi
    return ()
