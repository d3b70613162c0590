"""The screenings step: typed on one line, the PHQ-9 after a positive PHQ-2, the
item-9 alert acknowledged before signing, every answer stored when signed."""

from __future__ import annotations

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from ma_tui.data.models.screenings import Screening, ScreeningAlert, ScreeningAnswer
from ma_tui.screens.app import MaTuiApp
from ma_tui.screens.visit.review import ReviewScreen
from ma_tui.screens.visit.screenings import ScreeningsScreen
from tests.pilot import make_app, open_from_queue, shown, type_text


def _focused_id(app: MaTuiApp) -> str | None:
    focused = app.screen.focused
    return focused.id if focused is not None else None


async def test_a_positive_phq2_leads_to_the_phq9_typed_without_its_first_two(
    demo_engine: Engine,
) -> None:
    app = make_app(demo_engine)
    async with app.run_test() as pilot:
        await open_from_queue(pilot, "whit da")
        await pilot.press("enter")
        app.open_step("screenings")
        await pilot.pause()
        assert isinstance(app.screen, ScreeningsScreen)
        assert _focused_id(app) == "answers-phq2"
        assert not app.screen.query_one("#row-phq9").display
        await type_text(pilot, "2 1")
        assert "PHQ-2 3, positive" in shown(app, "#result-phq2")  # shown as typed
        await pilot.press("enter")
        assert app.screen.query_one("#row-phq9").display
        assert _focused_id(app) == "answers-phq9"
        assert "items 1-2 are in, type items 3-9" in shown(app, "#why-phq9")
        await type_text(pilot, "1010100")
        await pilot.press("enter")
        assert app.visit is not None
        phq9 = app.visit.draft.screenings.given[-1]
    assert (phq9.instrument, phq9.reflexed_from) == ("phq9", "phq2")
    assert phq9.scores == (2, 1, 1, 0, 1, 0, 1, 0, 0)


async def test_item_9_must_be_acknowledged_before_signing_and_every_answer_is_stored(
    demo_engine: Engine,
) -> None:
    app = make_app(demo_engine)
    async with app.run_test() as pilot:
        await open_from_queue(pilot, "whit da")
        await pilot.press("enter")  # identity confirmed
        app.open_step("complaint")
        await pilot.pause()
        await type_text(pilot, "headache")
        await pilot.press("ctrl+r", "5")
        assert isinstance(app.screen, ScreeningsScreen)
        await type_text(pilot, "phq9 1 2 0 1 0 0 0 0 1")  # a line may name its screening
        await pilot.press("enter")
        assert "Tell the clinician now" in shown(app, "#screening-alert")
        await pilot.press("ctrl+r")
        assert isinstance(app.screen, ReviewScreen)
        assert "NOT ACKNOWLEDGED" in shown(app, "#review-visit")
        await pilot.press("ctrl+s")
        assert isinstance(app.screen, ReviewScreen)  # not signed
        assert "acknowledge the alert first" in shown(app, "#review-problems")
        await pilot.press("5", "f7")
        assert "acknowledged by" in shown(app, "#screening-alert")
        await pilot.press("ctrl+r")
        assert "Acknowledged by" in shown(app, "#review-visit")
        assert app.visit is not None
        encounter_id = app.visit.draft.encounter_id
        await pilot.press("ctrl+s")
        await pilot.pause()
    with Session(demo_engine) as session:
        (phq9,) = session.exec(select(Screening).where(Screening.encounter_id == encounter_id))
        answers = session.exec(
            select(ScreeningAnswer.score)
            .where(ScreeningAnswer.screening_id == phq9.id)
            .order_by(col(ScreeningAnswer.item))
        ).all()
        (alert,) = session.exec(
            select(ScreeningAlert).where(ScreeningAlert.screening_id == phq9.id)
        ).all()
    assert (phq9.instrument, phq9.total, phq9.band) == ("phq9", 5, "mild")
    assert list(answers) == [1, 2, 0, 1, 0, 0, 0, 0, 1]
    assert alert.item == 9


async def test_a_refused_line_says_why_in_full_at_80_columns(demo_engine: Engine) -> None:
    """Found trying it: 'item 2 (Down, depressed, hopeless) cannot be' cut in the row."""
    app = make_app(demo_engine)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_from_queue(pilot, "whit da")
        await pilot.press("enter")
        app.open_step("screenings")
        await pilot.pause()
        assert _focused_id(app) == "answers-phq2"
        await type_text(pilot, "1 7")
        await pilot.press("enter")
        await pilot.pause()
        why = " ".join(shown(app, "#why-phq2").split())
        assert why == "item 2 (Down, depressed, hopeless) cannot be 7: its answers are 0 to 3"
        widget = app.screen.query_one("#why-phq2")
        assert widget.region.width >= 70  # the whole width under the row, not a column
        assert "not taken in" in shown(app, "#result-phq2")
