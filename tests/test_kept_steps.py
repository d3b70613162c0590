"""A visit's steps are built once and kept: going back shows a step as it was left, and
the next patient's visit is shown in the same screens, with nothing of the one before."""

from __future__ import annotations

from sqlalchemy.engine import Engine
from textual.screen import Screen
from textual.widgets import Button, Input, Static

from ma_tui.screens.app import MaTuiApp
from ma_tui.screens.queue.queue import QueueScreen
from ma_tui.screens.visit.checkin import CheckInScreen
from ma_tui.screens.visit.vitals import VitalsScreen
from ma_tui.visits.steps import STEPS
from tests.pilot import field, make_app, open_from_queue, shown, type_text


def on_screen(app: MaTuiApp) -> Screen[object]:
    """The screen on top (a function: the checks compare it again after a key)."""
    return app.screen


def focused_id(app: MaTuiApp) -> str | None:
    return app.focused.id if app.focused is not None else None


async def test_the_next_patient_is_shown_in_the_same_screens(demo_sqlite: Engine) -> None:
    app = make_app(demo_sqlite)
    async with app.run_test() as pilot:
        await open_from_queue(pilot, "asante")  # four years old: a guardian, a head size
        checkin = app.screen
        assert isinstance(checkin, CheckInScreen)
        assert "Asante" in shown(app, "#identity-line")
        assert checkin.query_one(".guardian-row").display
        await pilot.press("enter", "enter", "enter")
        vitals = app.screen
        assert isinstance(vitals, VitalsScreen)
        assert vitals.query_one("#row-head").display
        await type_text(pilot, "p96")
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, QueueScreen)

        await open_from_queue(pilot, "whit da")  # an adult
        assert on_screen(app) is checkin
        assert "Whitfield" in shown(app, "#identity-line")
        assert not checkin.query_one(".guardian-row").display
        identity = checkin.query_one("#confirm-identity", Button)
        assert str(identity.label) == "Name and date of birth match"  # not Kofi's ✓
        assert focused_id(app) == "confirm-identity"
        await pilot.press("enter", "enter", "enter")
        assert on_screen(app) is vitals
        assert not vitals.query_one("#row-head").display
        assert field(app, "#vitals-line").value == ""  # not Kofi's line
        assert field(app, "#v-pulse").value == ""
        assert shown(app, "#line-readback").startswith("A whole set in one line")
        assert focused_id(app) == "vitals-line"


async def test_a_step_gone_back_to_is_as_it_was_left(demo_sqlite: Engine) -> None:
    app = make_app(demo_sqlite)
    async with app.run_test() as pilot:
        await open_from_queue(pilot, "whit da")
        await pilot.press("enter", "enter", "enter")
        vitals = app.screen
        assert isinstance(vitals, VitalsScreen)
        await type_text(pilot, "128/82 p76")
        await pilot.press("enter")  # on to the first field the line left empty
        await pilot.press("ctrl+b")
        await pilot.pause()
        assert isinstance(app.screen, CheckInScreen)
        await pilot.press("ctrl+n")
        await pilot.pause()
        assert on_screen(app) is vitals
        assert field(app, "#vitals-line").value == "128/82 p76"
        assert (field(app, "#v-bp").value, field(app, "#v-pulse").value) == ("128/82", "76")
        assert "128/82" in str(vitals.query_one("#note-bp", Static).render())


async def test_enter_on_an_adults_last_vital_never_lands_on_the_hidden_head_size(
    demo_sqlite: Engine,
) -> None:
    app = make_app(demo_sqlite)
    async with app.run_test() as pilot:
        await open_from_queue(pilot, "whit da")
        await pilot.press("enter", "enter", "enter")
        vitals = app.screen
        assert isinstance(vitals, VitalsScreen)
        weight = field(app, "#v-weight")
        vitals.set_focus(weight)
        await type_text(pilot, "171")
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.focused, Input)
        assert app.focused.id == "v-pain"


async def test_steps_built_ahead_on_the_queue_are_shown_without_a_restyle(
    demo_sqlite: Engine,
) -> None:
    """While the queue waits for a key, every step's screen is mounted and styled with
    all the CSS it will meet; the first visit is then shown in those same screens."""
    app = make_app(demo_sqlite)
    app.build_ahead = True
    async with app.run_test() as pilot:
        views = [app.step_view(step) for step in STEPS]
        for _ in range(100):  # one view a build round, 0.2 s apart
            await pilot.pause(0.1)
            if all(view.is_mounted and not view.styles_stale for view in views):
                break
        assert all(view.is_mounted and not view.styles_stale for view in views)
        await open_from_queue(pilot, "whit da")
        assert on_screen(app) is app.step_view("checkin")
        assert "Whitfield" in shown(app, "#identity-line")
        await pilot.press("enter", "enter", "enter")
        assert on_screen(app) is app.step_view("vitals")
        assert focused_id(app) == "vitals-line"


def banner_of(app: MaTuiApp, step: str) -> str:
    """The patient a step's screen shows, whether it is on screen or not."""
    content = app.step_view(step).query_one("#banner", Static).content
    return content.plain if hasattr(content, "plain") else str(content)


async def test_the_next_step_is_filled_ahead_and_laid_out_off_screen(demo_sqlite: Engine) -> None:
    """While the MA is on a step, the next one is filled with the same visit off screen
    (and laid out, drawn): going on only repaints. It is filled again as it comes, so
    what changed meanwhile shows, and keys typed on land where they should."""
    app = make_app(demo_sqlite)
    app.build_ahead = True
    async with app.run_test(size=(100, 30)) as pilot:
        views = [app.step_view(step) for step in STEPS]
        for _ in range(100):
            await pilot.pause(0.1)
            if all(view.laid_out == app.size for view in views):
                break
        assert all(view.laid_out == app.size for view in views)
        await open_from_queue(pilot, "whit da")
        await pilot.pause(0.5)  # the MA asks the patient's name: no key for a moment
        assert "Whitfield, Dana" in banner_of(app, "vitals")  # ready before it is shown
        assert app.step_view("vitals") is not app.screen
        await pilot.press("enter", "enter", "enter")
        assert on_screen(app) is app.step_view("vitals")
        await type_text(pilot, "128/82 p76 r16 t98.4 o97 w171 pn2")
        await pilot.pause(0.5)
        assert "Whitfield, Dana" in banner_of(app, "history")
        await pilot.press("enter")
        await pilot.pause()
        assert on_screen(app) is app.step_view("history")
        assert app.visit is not None
        assert {entry.value for entry in app.visit.draft.vitals.entries} >= {128, 82, 76}
        await pilot.press("escape")
        await pilot.pause()
        await open_from_queue(pilot, "benton")
        await pilot.pause(0.5)
        assert "Benton" in banner_of(app, "vitals")  # the next patient's, ahead again
        await pilot.press("enter", "enter", "enter")
        assert field(app, "#vitals-line").value == ""  # nothing of Dana's
        assert focused_id(app) == "vitals-line"
