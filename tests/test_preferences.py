"""Each user's theme is kept: picked once, theirs at every sign-in."""

from __future__ import annotations

from sqlalchemy.engine import Engine

from ma_tui.staff.preferences import read_preferences
from tests.pilot import demo_secret
from tests.test_signin import sign_in, signing_app


async def test_the_theme_a_user_picks_is_theirs_at_the_next_sign_in(demo_sqlite: Engine) -> None:
    app = signing_app(demo_sqlite)
    async with app.run_test() as pilot:
        await sign_in(pilot, "mia", demo_secret("mia"))
        app.theme = "textual-light"  # as the palette's "Change theme" sets it
        await pilot.pause()  # the theme's signal starts the worker that keeps it
        await app.workers.wait_for_complete()
    assert app.staff is not None
    assert app.staff.id is not None
    assert read_preferences(demo_sqlite, app.staff.id).theme == "textual-light"

    again = signing_app(demo_sqlite)
    async with again.run_test() as pilot:
        assert again.theme == "textual-dark"  # before sign-in: nobody's
        await sign_in(pilot, "mia", demo_secret("mia"))
        assert again.theme == "textual-light"
