"""Review & sign: the visit read back with flags; signing writes it in one go."""

from __future__ import annotations

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from ma_tui.data.catalogs.vitals import BODY_WEIGHT
from ma_tui.data.models.observations import Observation
from ma_tui.data.models.visits import Encounter, EncounterStatus
from ma_tui.screens.app import MaTuiApp
from ma_tui.screens.queue.queue import QueueScreen
from ma_tui.screens.queue.resume import ResumeScreen
from ma_tui.screens.visit.checkin import CheckInScreen
from ma_tui.screens.visit.review import ReviewScreen
from tests.pilot import make_app, open_from_queue, shown, type_text


def _shown(app: MaTuiApp) -> str:
    return shown(app, "#review-visit")


async def test_review_reads_back_and_signs(demo_engine: Engine) -> None:
    app = make_app(demo_engine)
    async with app.run_test(size=(100, 40)) as pilot:
        await open_from_queue(pilot, "whit da")
        await pilot.press("enter", "enter", "enter")  # check-in
        await type_text(pilot, "128/82")
        await pilot.press("enter", "enter")
        await type_text(pilot, "76")
        await pilot.press("enter", "enter", "enter", "enter", "enter")
        await type_text(pilot, "171")
        await pilot.press("ctrl+r")
        assert isinstance(app.screen, ReviewScreen)
        visit_text = _shown(app)
        assert "171 lb (77.6 kg)" in visit_text
        assert "128/82 mmHg" in visit_text
        problems = shown(app, "#review-problems")
        assert "chief complaint" in problems
        await pilot.press("ctrl+s")
        assert isinstance(app.screen, ReviewScreen)  # not signed without a complaint
        await pilot.press("4")
        await type_text(pilot, "cough for 5 days")
        await pilot.press("ctrl+r", "f4")
        await type_text(pilot, "Exam 3")
        await pilot.press("enter", "ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, QueueScreen)
    with Session(demo_engine) as session:
        encounter = session.exec(
            select(Encounter).where(Encounter.chief_complaint == "cough for 5 days")
        ).one()
        assert encounter.status is EncounterStatus.READY_FOR_PROVIDER
        assert encounter.room == "Exam 3"
        weight = session.exec(
            select(Observation).where(
                Observation.encounter_id == encounter.id, Observation.code == BODY_WEIGHT
            )
        ).one()
        assert (weight.value_entered, weight.unit_entered, weight.value) == (
            "171",
            "[lb_av]",
            77.56,
        )


async def test_number_keys_jump_to_a_step_and_back(demo_engine: Engine) -> None:
    app = make_app(demo_engine)
    async with app.run_test() as pilot:
        await open_from_queue(pilot, "whit da")
        await pilot.press("enter", "enter", "enter", "ctrl+r")
        assert isinstance(app.screen, ReviewScreen)
        await pilot.press("1")
        assert isinstance(app.screen, CheckInScreen)
        await pilot.press("ctrl+r")
        assert isinstance(app.screen, ReviewScreen)


async def test_leaving_keeps_the_draft_and_reopening_resumes(demo_engine: Engine) -> None:
    app = make_app(demo_engine)
    async with app.run_test() as pilot:
        await open_from_queue(pilot, "whit da")
        await pilot.press("enter", "enter", "enter")
        await type_text(pilot, "128/82")
        await pilot.press("enter", "escape")
        assert isinstance(app.screen, QueueScreen)
        await open_from_queue(pilot, "whit da")
        assert app.visit is not None
        assert app.screen.query_one("#v-bp").value == "128/82"  # type: ignore[attr-defined]


async def test_quitting_mid_step_keeps_what_the_step_holds(demo_engine: Engine) -> None:
    app = make_app(demo_engine)
    async with app.run_test() as pilot:
        await open_from_queue(pilot, "whit da")
        await pilot.press("enter", "ctrl+r", "4")
        await type_text(pilot, "cough for 5 days")
        await pilot.press("ctrl+q")
    app = make_app(demo_engine)
    async with app.run_test() as pilot:
        await pilot.pause()
        assert isinstance(app.screen, ResumeScreen)  # started again: the visit is offered
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen.query_one("#chief-complaint").value == "cough for 5 days"  # type: ignore[attr-defined]


async def test_the_review_names_the_vitals_not_taken_and_what_was_not_verified(
    demo_engine: Engine,
) -> None:
    """Found trying it: vitals never taken were left out of the review (nothing in red),
    and an unverified section read "✗ Demographics verified, unchanged"."""
    app = make_app(demo_engine)
    async with app.run_test(size=(100, 40)) as pilot:
        await open_from_queue(pilot, "whit da")
        await pilot.press("enter")  # identifiers only: demographics and insurance left
        await pilot.press("ctrl+r")
        assert isinstance(app.screen, ReviewScreen)
        visit_text = _shown(app)
        assert "Demographics not verified" in visit_text
        assert "Insurance not verified" in visit_text
        assert "Demographics verified" not in visit_text
        assert "No vitals entered." in visit_text
        await pilot.press("2")  # to Vitals
        await type_text(pilot, "p76 r16 t98.4 o97 w171")
        await pilot.press("ctrl+r")
        assert isinstance(app.screen, ReviewScreen)
        visit_text = _shown(app)
        assert "Blood pressure: not taken" in visit_text
        assert "Pain: not taken" in visit_text
        assert "Pulse: not taken" not in visit_text
        assert "Blood pressure (repeat)" not in visit_text  # a repeat is never expected
        assert "Head circumference" not in visit_text  # not at 58
