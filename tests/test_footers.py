"""Every step's footer fits at 80 and 100 columns: whole keys only, none cut in half,
and review & sign shows all of its own keys at 80."""

from __future__ import annotations

import pytest
from sqlalchemy.engine import Engine

from ma_tui.screens.widgets.footer import KeyFooter
from ma_tui.visits.steps import STEPS
from tests.pilot import make_app, open_from_queue

REVIEW_KEYS = ("esc Queue", "^s Sign", "f4 Room", "f6 Sign+export", "12345 Step")


@pytest.mark.parametrize("width", [80, 100])
async def test_footers_hold_whole_keys(demo_sqlite: Engine, width: int) -> None:
    app = make_app(demo_sqlite)
    async with app.run_test(size=(width, 24)) as pilot:
        await open_from_queue(pilot, "benton")
        await pilot.press("enter")
        for step in STEPS:
            app.open_step(step)
            await pilot.pause()
            await pilot.pause()
            footer = app.screen.query_one(KeyFooter)
            shown = footer.render().plain
            left = shown.split("▏")[0].rstrip()
            assert len(shown) == width, step
            # The line ends with a whole key's description, never a piece of one.
            described = {b.description for (_, b, _, _) in app.screen.active_bindings.values()}
            described |= {"Step", "Taking/not/stopped", "Section"}
            assert any(left.endswith(words) for words in described), (step, left)
            if step == "review":
                for key in REVIEW_KEYS:
                    assert key in left


async def test_the_help_key_is_always_on_the_line(demo_sqlite: Engine) -> None:
    """The queue has more keys than 80 columns hold: F1 (which lists them all) is
    pinned on the right beside the palette's key, never the key that is left out."""
    app = make_app(demo_sqlite)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        shown = app.screen.query_one(KeyFooter).render().plain
        assert shown.split("▏")[1].split() == ["f1", "Keys", "^p", "palette"]
        await open_from_queue(pilot, "benton")
        shown = app.screen.query_one(KeyFooter).render().plain
        assert "f1 Keys" in shown.split("▏")[1]


async def test_a_step_comes_on_with_its_keys_and_its_focus_in_one_frame(
    demo_sqlite: Engine,
) -> None:
    """A step built ahead comes on with its own keys and its field focused in its first
    frame: before, its footer was empty and the field looked unfocused until the next
    frame, a second repaint that made each step switch slower."""
    from textual.widgets import Input

    app = make_app(demo_sqlite)
    app.build_ahead = True  # as the MA's app: the steps built while the queue shows
    async with app.run_test(size=(100, 30)) as pilot:
        for _ in range(100):
            await pilot.pause(0.1)
            if all(app.step_view(step).is_mounted for step in STEPS):
                break
        await open_from_queue(pilot, "benton")
        await pilot.press("enter")
        app.open_step("vitals")  # no pause: what the screen holds before any next frame
        assert "Not obtained" in app.screen.query_one(KeyFooter).descriptions
        assert app.screen.query_one("#vitals-line", Input).has_focus
