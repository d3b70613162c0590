"""Odd input never crashes a screen and is stored as typed, minus control characters."""

from __future__ import annotations

from sqlalchemy.engine import Engine
from sqlmodel import Session, select
from textual import events
from textual.pilot import Pilot

from data.models import Patient
from ma_tui.app import MaTuiApp
from screens.checkin import CheckInScreen
from screens.queue import QueueScreen
from tests.pilot import make_app, shown, type_text


async def _paste(app: MaTuiApp, pilot: Pilot[None], text: str) -> None:
    focused = app.screen.focused
    assert focused is not None
    focused.post_message(events.Paste(text))
    await pilot.pause()


async def test_markup_and_control_characters_in_a_name(demo_engine: Engine) -> None:
    app = make_app(demo_engine)
    async with app.run_test() as pilot:
        await pilot.press("f2")
        await _paste(app, pilot, "[bold]Ng\x1b[31muyễn\x07[/]")
        await pilot.press("enter")
        for value in ("김민준", "1/2/1990", "m", "", "", "", "", ""):
            await type_text(pilot, value)
            await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, CheckInScreen)
        assert "[bold]Ng [31muyễn [/], 김민준" in shown(app, "#banner")
        await pilot.press("enter", "escape")
        assert isinstance(app.screen, QueueScreen)
    with Session(demo_engine) as session:
        patient = session.exec(select(Patient).where(Patient.given_name == "김민준")).one()
        assert patient.family_name == "[bold]Ng [31muyễn [/]"


async def test_a_huge_paste_into_search_is_refused_and_harmless(demo_engine: Engine) -> None:
    app = make_app(demo_engine)
    async with app.run_test() as pilot:
        await _paste(app, pilot, "whit" + "x" * 10_000)
        assert len(app.screen.query_one("#search").value) <= 100  # type: ignore[attr-defined]
        assert isinstance(app.screen, QueueScreen)
        await type_text(pilot, "whit da")
        await pilot.press("enter")
        assert isinstance(app.screen, CheckInScreen)
