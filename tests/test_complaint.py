"""The chief complaint's part of the draft, without the screen."""

from __future__ import annotations

from ma_tui.complaint.draft import (
    COMPLAINT_PROBLEM,
    SEVERITY_PROBLEM,
    ComplaintDraft,
    as_typed,
    problems,
    severity_shown,
)
from ma_tui.complaint.prompts import HPI_FIELDS, HPI_LABELS, complaint_names, hpi_prompts


def test_what_was_typed_is_kept_cleaned_and_a_valid_severity_read() -> None:
    hpi = {"onset": " 5\tdays ", "location": "", "severity": "ignored: kept apart"}
    draft = as_typed("  cough\x1b[31m for 5 days ", hpi, "4")
    assert draft == ComplaintDraft(
        chief_complaint="cough for 5 days",
        hpi={"onset": "5 days"},
        hpi_severity=4,
        hpi_severity_text="4",
    )
    assert problems(draft) == []


def test_a_severity_not_yet_valid_is_kept_as_typed_and_holds_signing() -> None:
    draft = as_typed("", {}, "12")
    assert (draft.hpi_severity, draft.hpi_severity_text) == (None, "12")
    assert severity_shown(draft) == "12"
    assert problems(draft) == [COMPLAINT_PROBLEM, SEVERITY_PROBLEM]


def test_a_severity_saved_only_as_a_number_is_shown_as_one() -> None:
    assert severity_shown(ComplaintDraft(hpi_severity=7)) == "7"
    assert severity_shown(ComplaintDraft()) == ""


def test_a_complaint_named_in_the_text_marks_its_hpi_questions() -> None:
    names = complaint_names()
    assert names
    assert set(HPI_LABELS) == set(HPI_FIELDS)
    first = names[0]
    asked = hpi_prompts(f"a {first.upper()} since monday")
    assert asked
    assert set(asked) <= set(HPI_FIELDS)
    assert hpi_prompts("nothing the catalog knows, zzz") == ()
