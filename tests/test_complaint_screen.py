"""Chief complaint and HPI, typed and kept in the draft."""

from __future__ import annotations

from sqlalchemy.engine import Engine
from textual.widgets import Input, Label, OptionList, Static

from ma_tui.screens.visit.complaint import ComplaintScreen
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
        draft = app.visit.draft.complaint
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
        await type_text(pilot, "cough")
        await pilot.press(*["enter"] * 9)  # through the HPI fields to severity
        await type_text(pilot, "11")
        await pilot.press("ctrl+n")
        assert isinstance(app.screen, ComplaintScreen)
        error = app.screen.query_one("#complaint-error", Static)
        assert "0 to 10" in str(error.render())


async def test_quick_pick_fills_the_complaint(demo_engine: Engine) -> None:
    app = make_app(demo_engine)
    async with app.run_test() as pilot:
        await open_from_queue(pilot, "whit da")
        await pilot.press("enter", "ctrl+r", "4", "f2")
        options = app.screen.query_one("#quick-pick", OptionList)
        assert options.display
        assert options.option_count >= 20
        first = str(options.get_option_at_index(0).prompt)
        await pilot.press("enter")
        field = app.screen.query_one("#chief-complaint", Input)
        assert field.value == first
        assert field.has_focus
        await pilot.press("f2", "down", "enter")
        second = str(options.get_option_at_index(1).prompt)
        assert field.value == f"{first}, {second}"
        await pilot.press("f2", "escape")
        assert not options.display
        assert field.has_focus


async def test_up_and_down_move_a_row_in_the_hpi_grid(demo_engine: Engine) -> None:
    app = make_app(demo_engine)
    async with app.run_test() as pilot:
        await open_from_queue(pilot, "benton")
        await pilot.press("enter")
        app.open_step("complaint")
        await pilot.pause()
        await type_text(pilot, "shortness of breath")
        await pilot.press("down")  # the complaint: Down is the first HPI field
        await type_text(pilot, "2 days")  # onset
        await pilot.press("down", "down")  # duration, aggravating (two a row)
        await type_text(pilot, "walking")
        await pilot.press("down", "down")  # radiation, severity
        await type_text(pilot, "7")
        await pilot.press("up")
        focused = app.focused
        assert isinstance(focused, Input)
        assert focused.id == "hpi-radiation"
        await pilot.press("up", "up", "up", "up")  # up past onset: the complaint
        assert app.focused is not None
        assert app.focused.id == "chief-complaint"
        await pilot.press("ctrl+r")
        assert app.visit is not None
        draft = app.visit.draft.complaint
    assert draft.hpi == {"onset": "2 days", "aggravating": "walking"}
    assert draft.hpi_severity == 7
