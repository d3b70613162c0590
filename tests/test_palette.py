"""The command palette jumps to a patient and to a step of the open visit."""

from __future__ import annotations

from sqlalchemy.engine import Engine
from textual.command import CommandList
from textual.pilot import Pilot

from ma_tui.screens.visit.checkin import CheckInScreen
from ma_tui.screens.visit.complaint import ComplaintScreen
from tests.pilot import make_app, open_from_queue, type_text


async def _wait_for_hits(pilot: Pilot[None]) -> None:
    """The palette searches in the background: wait until it lists something."""
    for _ in range(100):
        await pilot.pause(0.05)
        hits = pilot.app.screen.query(CommandList)
        if hits and hits.first(CommandList).option_count:
            return
    raise AssertionError("the command palette found nothing")


async def test_palette_opens_a_patient_from_the_queue(demo_engine: Engine) -> None:
    app = make_app(demo_engine)
    async with app.run_test() as pilot:
        await pilot.press("ctrl+p")
        await type_text(pilot, "benton")
        await _wait_for_hits(pilot)
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, CheckInScreen)
        assert app.visit is not None
        assert app.visit.chart.patient.family_name == "Benton"


async def test_palette_jumps_to_a_step(demo_engine: Engine) -> None:
    app = make_app(demo_engine)
    async with app.run_test() as pilot:
        await open_from_queue(pilot, "whit da")
        await pilot.press("enter", "enter", "enter")
        await pilot.press("ctrl+p")
        await type_text(pilot, "go to chief")
        await _wait_for_hits(pilot)
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, ComplaintScreen)


async def test_the_palette_offers_no_screenshot_of_a_chart(demo_engine: Engine) -> None:
    """Textual's Screenshot wrote the screen, a patient's name on it, world-readable."""
    app = make_app(demo_engine)
    async with app.run_test() as pilot:
        await open_from_queue(pilot, "whit da")
        titles = [command.title for command in app.get_system_commands(app.screen)]
    assert "Quit" in titles
    assert "Screenshot" not in titles
