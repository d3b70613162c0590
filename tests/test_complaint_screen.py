"""Chief complaint and HPI, typed and kept in the draft."""

from __future__ import annotations

from sqlalchemy.engine import Engine
from textual.widgets import Input, Label, Static

from screens.complaint import ComplaintScreen
from tests.pilot import make_app, open_from_queue, type_text


async def test_dana_complaint_and_hpi(demo_engine: Engine) -> None:
    app = make_app(demo_engine)
    async with app.run_test() as pilot:
        await open_from_queue(pilot, "whit da")
        await pilot.press("enter")
        app.open_step("complaint")
        await pilot.pause()
        assert isinstance(app.screen, ComplaintScreen)
        await type_text(pilot, "cough for 5 days")
        label = app.screen.query_one("#label-onset", Label)
        assert label.has_class("prompt")
        await pilot.press("enter")
        await type_text(pilot, "5 days")  # onset
        await pilot.press("enter", "enter", "enter")  # location, duration
        await type_text(pilot, "dry")  # character
        await pilot.press("enter", "enter", "enter", "enter")
        await type_text(pilot, "worse at night")  # timing
        await pilot.press("enter")
        await type_text(pilot, "4")  # severity
        await pilot.press("ctrl+r")
        assert app.visit is not None
        draft = app.visit.draft
    assert draft.chief_complaint == "cough for 5 days"
    assert draft.hpi == {"onset": "5 days", "character": "dry", "timing": "worse at night"}
    assert draft.hpi_severity == 4


async def test_severity_must_be_0_to_10(demo_engine: Engine) -> None:
    app = make_app(demo_engine)
    async with app.run_test() as pilot:
        await open_from_queue(pilot, "whit da")
        await pilot.press("enter")
        app.open_step("complaint")
        await pilot.pause()
        app.screen.query_one("#hpi-severity", Input).value = "11"
        await pilot.press("ctrl+n")
        assert isinstance(app.screen, ComplaintScreen)
        error = app.screen.query_one("#complaint-error", Static)
        assert "0 to 10" in str(error.render())
