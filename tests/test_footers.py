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
