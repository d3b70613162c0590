"""Opening a visit from the app, and moving through it by messages.

A visit that cannot be roomed is said on the queue, as the use case words it; a step
asks the app for the next one (``GoToStep``) and for the queue (``VisitClosed``).
"""

from __future__ import annotations

from sqlalchemy.engine import Engine
from sqlmodel import Session
from textual.widgets._toast import Toast

from ma_tui.data.models.visits import Encounter, EncounterStatus
from ma_tui.screens.app import MaTuiApp
from ma_tui.screens.messages import GoToStep, VisitClosed
from ma_tui.screens.queue.queue import QueueScreen
from ma_tui.screens.visit.checkin import CheckInScreen
from ma_tui.screens.visit.complaint import ComplaintScreen
from tests.conftest import todays_encounter_id
from tests.pilot import make_app


def _toasts(app: MaTuiApp) -> list[str]:
    return [str(toast.render()) for toast in app.screen.query(Toast)]


async def test_a_cancelled_visit_is_refused_with_the_reason(demo_engine: Engine) -> None:
    encounter_id = todays_encounter_id(demo_engine, "Whitfield")
    with Session(demo_engine) as session:
        encounter = session.get(Encounter, encounter_id)
        assert encounter is not None
        encounter.status = EncounterStatus.CANCELLED
        session.add(encounter)
        session.commit()
    app = make_app(demo_engine)
    async with app.run_test(notifications=True) as pilot:
        await pilot.pause()
        app.open_patient(encounter_id)
        await pilot.pause()
        assert isinstance(app.screen, QueueScreen)
        assert app.visit is None
        assert any("Cannot room this visit: this visit is cancelled." in t for t in _toasts(app))


async def test_a_step_asks_the_app_for_the_next_step_and_for_the_queue(
    demo_engine: Engine,
) -> None:
    app = make_app(demo_engine)
    async with app.run_test() as pilot:
        await pilot.pause()
        app.open_patient(todays_encounter_id(demo_engine, "Whitfield"))
        await pilot.pause()
        step = app.screen
        assert isinstance(step, CheckInScreen)
        step.post_message(GoToStep("complaint"))
        await pilot.pause()
        assert isinstance(app.screen, ComplaintScreen)
        assert app.visit is not None
        assert app.screen.visit is app.visit
        app.screen.post_message(VisitClosed())
        await pilot.pause()
        assert isinstance(app.screen, QueueScreen)
        assert app.visit is None
