"""The visit draft: everything entered in a visit not yet signed, one part per step.

The common fields say which visit and where the MA is in it; each data step of the
registry (``ma_tui.visits.steps``) keeps its own sub-draft under its name. The draft
is saved to the database (``rooming_draft.data``, as JSON) each time the MA leaves
a field, as typed, and each time they move between steps.
"""

from __future__ import annotations

from pydantic import BaseModel, Field, field_validator

from ma_tui.checkin.draft import CheckInDraft
from ma_tui.complaint.draft import ComplaintDraft
from ma_tui.history.draft import HistoryDraft, HistorySection
from ma_tui.patients.chart import Chart
from ma_tui.screenings.draft import ScreeningsDraft
from ma_tui.visits.steps import STEPS, Step
from ma_tui.vitals.draft import VitalsDraft

ROOM_MAX = 16  # Encounter.room


class VisitDraft(BaseModel):
    """Everything entered in a visit not yet signed.

    Each sub-draft keeps what its step took in (what signing writes) and what the
    screen held as typed but not yet taken in (a check-in edit not yet confirmed,
    an entry half-typed in the history form, a severity not yet valid): signing never
    writes the latter, and a step with something unsettled keeps the visit from
    signing, so a crash cannot sign anything unchecked.
    """

    encounter_id: int
    patient_id: int
    step: Step = "checkin"
    # Where the MA was on ``step``: the id of the field that had the focus when the
    # draft was last saved there. Reopening the visit puts the cursor back on it.
    field: str | None = None
    room: str = ""  # the exam room the patient waits in for the provider
    # One sub-draft per data step of the registry, named as the step.
    checkin: CheckInDraft = Field(default_factory=CheckInDraft)
    vitals: VitalsDraft = Field(default_factory=VitalsDraft)
    history: HistoryDraft = Field(default_factory=HistoryDraft)
    complaint: ComplaintDraft = Field(default_factory=ComplaintDraft)
    screenings: ScreeningsDraft = Field(default_factory=ScreeningsDraft)
    # The stored draft's version this one was loaded or last saved at (never in the
    # JSON): a save or sign from an older version is refused. None: never stored.
    version: int | None = Field(default=None, exclude=True)

    @field_validator("step")
    @classmethod
    def _a_known_step(cls, step: str) -> str:
        if step not in STEPS:
            raise ValueError(f"no step {step!r}")
        return step


def allergy_line(chart: Chart, draft: VisitDraft | None = None) -> str:
    """The banner's allergy text, including what was entered in this visit."""
    history = draft.history if draft is not None else HistoryDraft()
    wrong = set(history.entered_in_error.get(HistorySection.ALLERGIES, []))
    names = [a.substance for a in chart.allergies if a.id not in wrong]
    names += [str(e.fields.get("substance")) for e in history.entries(HistorySection.ALLERGIES)]
    if names:
        return "Allergies: " + ", ".join(names)
    said_none = history.reviewed.get(HistorySection.ALLERGIES)
    if said_none or (said_none is None and chart.no_known_allergies()):
        return "NKA (no known allergies)"
    return "Allergies not recorded: ask the patient"
