"""The steps of rooming, in the order the MA goes through them: the step registry.

A data step is a domain of its own (``ma_tui/<step>/``) that never imports another
step nor ``ma_tui.visits``. It owns its part of the visit draft (a pydantic model of
what the MA entered, as typed and as taken in), what keeps the visit from signing
(``problems``), what signing writes (``write``, inside the one signing transaction)
and the audit detail of it (which fields changed, never their values).

The visit composes the steps from ``DATA_STEPS``: the draft holds one sub-draft per
step under the step's name (``VisitDraft.vitals``), signing asks each step for its
problems and has each write its part, in this order. Review & sign comes last: the
visit's own step, with no data of its own.

A new step is its folder, one entry here, its sub-draft on ``VisitDraft`` and its
screen in ``ma_tui.screens.visit.steps``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeAlias, TypeVar

from pydantic import BaseModel
from sqlmodel import Session

from ma_tui.checkin import draft as checkin_draft
from ma_tui.complaint import draft as complaint_draft
from ma_tui.core.signing import SignContext
from ma_tui.history import draft as history_draft
from ma_tui.screenings import draft as screenings_draft
from ma_tui.screenings import step as screenings_step
from ma_tui.vitals import draft as vitals_draft

D = TypeVar("D", bound=BaseModel)
Step: TypeAlias = str  # a name from STEPS


@dataclass(frozen=True)
class DataStep(Generic[D]):
    """A step that enters data, as its domain defines it."""

    name: str  # also the sub-draft's field on VisitDraft
    title: str
    draft: type[D]
    problems: Callable[[D], list[str]]
    write: Callable[[Session, D, SignContext], None]
    audit_detail: Callable[[D], dict[str, object]]

    def of(self, visit: BaseModel) -> D:
        """This step's sub-draft of a visit draft."""
        part = getattr(visit, self.name)
        assert isinstance(part, self.draft)
        return part


CHECKIN = DataStep(
    "checkin",
    "Check-in",
    checkin_draft.CheckInDraft,
    checkin_draft.problems,
    checkin_draft.write,
    checkin_draft.audit_detail,
)
VITALS = DataStep(
    "vitals",
    "Vitals",
    vitals_draft.VitalsDraft,
    vitals_draft.problems,
    vitals_draft.write,
    vitals_draft.audit_detail,
)
HISTORY = DataStep(
    "history",
    "History",
    history_draft.HistoryDraft,
    history_draft.problems,
    history_draft.write,
    history_draft.audit_detail,
)
COMPLAINT = DataStep(
    "complaint",
    "Chief complaint",
    complaint_draft.ComplaintDraft,
    complaint_draft.problems,
    complaint_draft.write,
    complaint_draft.audit_detail,
)
SCREENINGS = DataStep(
    "screenings",
    "Screenings",
    screenings_draft.ScreeningsDraft,
    screenings_step.problems,
    screenings_step.write,
    screenings_step.audit_detail,
)
DATA_STEPS: tuple[DataStep[Any], ...] = (CHECKIN, VITALS, HISTORY, COMPLAINT, SCREENINGS)

REVIEW: Step = "review"
STEPS: tuple[Step, ...] = (*(step.name for step in DATA_STEPS), REVIEW)
STEP_TITLES: dict[Step, str] = {
    **{step.name: step.title for step in DATA_STEPS},
    REVIEW: "Review & sign",
}
# The step bar's shorter names: all six fit on one line of 80 columns.
STEP_TABS: dict[Step, str] = {**STEP_TITLES, COMPLAINT.name: "Complaint", REVIEW: "Review"}
