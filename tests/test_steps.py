"""The step registry: every registered step is composed into the visit the same way.

Each data step of ``ma_tui.visits.steps`` has its part of the draft, saved and resumed
with it; its problems keep the visit from signing, and nothing is written then; its
audit detail goes into the SIGN event. A new step gets an example below, or the
first test fails.
"""

from __future__ import annotations

import ast
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from ma_tui.checkin.draft import CheckInDraft
from ma_tui.cli import parse_setting
from ma_tui.clinic.settings import change_setting
from ma_tui.complaint.draft import ComplaintDraft
from ma_tui.data.audit import AuditAction
from ma_tui.data.models.audit import AuditEvent
from ma_tui.data.models.observations import Observation
from ma_tui.data.models.screenings import Screening, ScreeningAlert, ScreeningAnswer
from ma_tui.data.models.visits import Encounter, EncounterStatus
from ma_tui.history.draft import HistoryDraft, HistoryForm, HistorySection, NewHistoryEntry
from ma_tui.screenings import ScreeningsDraft, Sex, acknowledge, enter, unacknowledged
from ma_tui.screens.visit.steps import STEP_SCREENS
from ma_tui.visits.draft import VisitDraft
from ma_tui.visits.holding import open_visit, save_draft
from ma_tui.visits.signing import SignError, sign_visit
from ma_tui.visits.steps import DATA_STEPS, REVIEW, STEP_TITLES, STEPS, DataStep
from ma_tui.vitals.codes import HEART_RATE
from ma_tui.vitals.draft import VitalEntry, VitalsDraft
from tests.conftest import CLINIC_NOW, todays_encounter_id


@dataclass(frozen=True)
class Example:
    """A step's part as the MA leaves it: ``filled`` signs, ``blocking`` cannot."""

    filled: BaseModel
    blocking: BaseModel
    problem: str  # what ``blocking`` is refused with
    detail: dict[str, object]  # the audit detail of ``filled``


PULSE = VitalEntry(
    code=HEART_RATE,
    value_entered="76",
    unit_entered="/min",
    value=76,
    unit="/min",
    taken_at=CLINIC_NOW,
)


def _screened(*, acknowledged: bool) -> ScreeningsDraft:
    """A positive PHQ-2 and its PHQ-9, item 9 answered 'Several days'."""
    draft, _ = enter(
        ScreeningsDraft(sex=Sex.FEMALE), "2 2", sex=Sex.FEMALE, at=CLINIC_NOW, expected="phq2"
    )
    draft, _ = enter(draft, "1 1 0 1 0 1 1", sex=Sex.FEMALE, at=CLINIC_NOW, expected="phq9")
    if acknowledged:
        (alert,) = unacknowledged(draft, Sex.FEMALE)
        draft = acknowledge(draft, alert, by="mia", at=CLINIC_NOW, note="told Dr Chen")
    return draft


EXAMPLES: dict[str, Example] = {
    "checkin": Example(
        filled=CheckInDraft(
            identity_confirmed_at=CLINIC_NOW,
            demographics_confirmed=True,
            demographic_changes={"phone": "555-555-0199"},
            typed={"city": "Elsewh"},
        ),
        blocking=CheckInDraft(typed={"city": "Elsewh"}),
        problem="Confirm two identifiers (name and date of birth) at check-in.",
        detail={"demographics_changed": ["phone"], "coverage_changed": []},
    ),
    "vitals": Example(
        filled=VitalsDraft(entries=[PULSE], form={"values": {"pulse": "76"}}),
        blocking=VitalsDraft(entries=[PULSE], unsettled="Temp: needs a confirm"),
        problem="Vitals: Temp: needs a confirm",
        detail={"vitals": 1},
    ),
    "history": Example(
        filled=HistoryDraft(
            reviewed={HistorySection.MEDICAL: False},
            new_entries=[
                NewHistoryEntry(section=HistorySection.MEDICAL, fields={"name": "asthma"})
            ],
        ),
        blocking=HistoryDraft(
            form=HistoryForm(section=HistorySection.SURGICAL, values=["appendec", ""])
        ),
        problem="History: add or clear the entry still in the add-form.",
        detail={
            "history_added": 1,
            "history_entered_in_error": 0,
            "medication_status_changed": 0,
        },
    ),
    "complaint": Example(
        filled=ComplaintDraft(
            chief_complaint="cough for 5 days",
            hpi={"onset": "5 days"},
            hpi_severity=4,
            hpi_severity_text="4",
        ),
        blocking=ComplaintDraft(chief_complaint="cough", hpi_severity_text="12"),
        problem="Severity: a whole number from 0 to 10, or leave it empty.",
        detail={"chief_complaint": True},
    ),
    "screenings": Example(
        filled=_screened(acknowledged=True),
        blocking=_screened(acknowledged=False),
        problem=(
            "Screenings: acknowledge the alert first: PHQ-9 item 9 answered 'Several days': "
            "thoughts of being better off dead or of self-harm. Tell the clinician now; the "
            "patient needs a suicide-risk assessment before leaving."
        ),
        detail={"screenings": ["phq2", "phq9"]},
    ),
}


def test_the_visit_holds_one_part_per_registered_step_and_each_has_a_screen() -> None:
    names = [step.name for step in DATA_STEPS]
    assert (*names, REVIEW) == STEPS
    assert set(STEP_TITLES) == set(STEPS)
    assert set(STEP_SCREENS) == set(STEPS)
    assert set(EXAMPLES) == set(names)
    draft = VisitDraft(encounter_id=1, patient_id=1)
    for step in DATA_STEPS:
        assert VisitDraft.model_fields[step.name].annotation is step.draft
        assert isinstance(step.of(draft), step.draft)


def _signable(engine: Engine) -> VisitDraft:
    """Dana's visit, opened, with every step's part filled."""
    draft = open_visit(
        engine, todays_encounter_id(engine, "Whitfield"), staff_id=None, now=CLINIC_NOW
    )
    for step in DATA_STEPS:
        setattr(draft, step.name, EXAMPLES[step.name].filled.model_copy(deep=True))
    return draft


@pytest.mark.parametrize("step", DATA_STEPS, ids=lambda step: step.name)
def test_a_steps_part_is_saved_and_resumed_with_the_visit(
    demo_engine: Engine, step: DataStep[Any]
) -> None:
    draft = _signable(demo_engine)
    draft.step = step.name
    save_draft(demo_engine, draft, staff_id=None, now=CLINIC_NOW)
    resumed = open_visit(demo_engine, draft.encounter_id, staff_id=None, now=CLINIC_NOW)
    assert resumed.step == step.name
    assert step.of(resumed) == EXAMPLES[step.name].filled
    assert resumed == draft


@pytest.mark.parametrize("step", DATA_STEPS, ids=lambda step: step.name)
def test_a_steps_problems_keep_the_visit_from_signing(
    demo_engine: Engine, step: DataStep[Any]
) -> None:
    draft = _signable(demo_engine)
    setattr(draft, step.name, EXAMPLES[step.name].blocking)
    with pytest.raises(SignError) as refused:
        sign_visit(demo_engine, draft, staff_id=None, now=CLINIC_NOW)
    assert refused.value.problems == [EXAMPLES[step.name].problem]
    with Session(demo_engine) as session:
        encounter = session.get(Encounter, draft.encounter_id)
        assert encounter is not None
        assert encounter.signed_at is None
        assert encounter.status is EncounterStatus.ROOMING
        observations = select(Observation).where(Observation.encounter_id == draft.encounter_id)
        assert session.exec(observations).all() == []


def test_every_steps_part_is_written_and_its_detail_is_in_the_sign_event(
    demo_engine: Engine,
) -> None:
    draft = _signable(demo_engine)
    sign_visit(demo_engine, draft, staff_id=None, now=CLINIC_NOW)
    with Session(demo_engine) as session:
        encounter = session.get(Encounter, draft.encounter_id)
        assert encounter is not None
        assert encounter.status is EncounterStatus.READY_FOR_PROVIDER
        assert encounter.identity_confirmed_at is not None  # check-in's part
        assert encounter.chief_complaint == "cough for 5 days"  # the complaint's
        (pulse,) = session.exec(
            select(Observation).where(Observation.encounter_id == draft.encounter_id)
        ).all()
        assert pulse.value == 76  # the vitals'
        phq2, phq9 = session.exec(  # the screenings', every item's answer kept
            select(Screening).where(Screening.encounter_id == draft.encounter_id)
        ).all()
        assert (phq2.total, phq9.total, phq9.band) == (4, 9, "mild")
        answers = session.exec(
            select(ScreeningAnswer.score).where(ScreeningAnswer.screening_id == phq9.id)
        ).all()
        assert list(answers) == [2, 2, 1, 1, 0, 1, 0, 1, 1]
        (alert,) = session.exec(
            select(ScreeningAlert).where(ScreeningAlert.screening_id == phq9.id)
        ).all()
        assert (alert.item, alert.acknowledged_by, alert.note) == (9, "mia", "told Dr Chen")
        event = session.exec(
            select(AuditEvent)
            .where(AuditEvent.action == AuditAction.SIGN)
            .order_by(col(AuditEvent.id).desc())
        ).first()
        assert event is not None
        assert event.detail is not None
    # Each step's detail, and what was signed, hashed (ma_tui.data.audit_content).
    expected: dict[str, object] = {"observations": [pulse.id]}
    for step in DATA_STEPS:
        expected |= EXAMPLES[step.name].detail
    detail = json.loads(event.detail)
    assert len(detail.pop("content")) == 64
    assert detail == expected


def test_a_step_domain_imports_no_other_step_nor_the_visit() -> None:
    """Steps are composed by ``ma_tui.visits``; none of them knows another."""
    root = Path(__file__).resolve().parent.parent / "ma_tui"
    steps = {step.name for step in DATA_STEPS}
    reached: dict[str, set[str]] = {}
    for name in steps:
        for path in (root / name).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.ImportFrom) and node.module:
                    parts = node.module.split(".")
                    if parts[0] == "ma_tui" and len(parts) > 1 and parts[1] != name:
                        reached.setdefault(name, set()).add(parts[1])
    assert {name: found & (steps | {"visits"}) for name, found in reached.items()} == {
        name: set() for name in reached
    }


def test_the_clinic_decides_whether_unreviewed_history_sections_block_signing(
    demo_engine: Engine,
) -> None:
    draft = _signable(demo_engine)
    draft.history = HistoryDraft(reviewed={HistorySection.MEDICAL: False})
    change_setting(demo_engine, parse_setting("history-review", "required"), now=CLINIC_NOW)
    with pytest.raises(SignError) as refused:
        sign_visit(demo_engine, draft, staff_id=None, now=CLINIC_NOW)
    (problem,) = refused.value.problems
    assert problem.startswith("History: review Surgical, Family, Social, Medications, Allergies")
    change_setting(demo_engine, parse_setting("history-review", "optional"), now=CLINIC_NOW)
    sign_visit(demo_engine, draft, staff_id=None, now=CLINIC_NOW)
