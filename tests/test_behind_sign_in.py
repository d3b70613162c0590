"""``MaTuiApp.behind_sign_in``: the sign-in screen first, the database opened behind it.

What ``ma-tui`` does on a terminal (``tests/test_start.py`` runs the real program):
here the opening is the test's, so it can be held back, refuse, or find warnings.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from textual.pilot import Pilot
from textual.widgets import Static

from ma_tui.cli import DatabaseOpening
from ma_tui.core.clock import fixed_clock
from ma_tui.core.exits import EXIT_BAD_DATABASE, EXIT_USAGE, Refused
from ma_tui.data.migrate import upgrade
from ma_tui.data.store import create_store_engine, sqlite_url
from ma_tui.screens.app import MaTuiApp
from ma_tui.screens.queue.queue import QueueScreen
from ma_tui.screens.staff.signin import SignInScreen
from tests.conftest import CLINIC_NOW
from tests.pilot import demo_secret, type_text

PAUSES = 400  # pauses of 0.05 s at most while the app catches up (never reached when well)


def opening_app(opening: Callable[[], tuple[Engine, Sequence[str]]]) -> MaTuiApp:
    return MaTuiApp(opening=opening, clock=fixed_clock(CLINIC_NOW), cursor_blink=False)


async def until(pilot: Pilot[None], done: Callable[[], bool]) -> None:
    for _ in range(PAUSES):
        if done():
            return
        await pilot.pause(0.05)


async def test_a_pin_typed_before_the_database_is_open_waits_for_it(demo_sqlite: Engine) -> None:
    release = threading.Event()

    def opening() -> tuple[Engine, Sequence[str]]:
        release.wait(timeout=30)
        return demo_sqlite, []

    app = opening_app(opening)
    async with app.run_test() as pilot:
        await pilot.pause()
        assert isinstance(app.screen, SignInScreen)
        await type_text(pilot, "mia")
        await pilot.press("enter")
        await type_text(pilot, demo_secret("mia"))
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, SignInScreen)  # still opening: the PIN waits
        assert str(app.screen.query_one("#signin-message", Static).render()) == "Signing in…"
        release.set()
        await until(pilot, lambda: isinstance(app.screen, QueueScreen))
        assert isinstance(app.screen, QueueScreen)
        assert app.staff is not None
        assert app.staff.username == "mia"


async def test_what_the_start_found_shows_once_the_database_is_open(
    demo_sqlite: Engine,
) -> None:
    from textual.widgets._toast import Toast

    app = opening_app(lambda: (demo_sqlite, ["the audit trail was cut short"]))
    async with app.run_test(notifications=True) as pilot:
        await until(pilot, lambda: bool(app.screen.query(Toast)))
        assert isinstance(app.screen, SignInScreen)
        toasts = [str(toast.render()) for toast in app.screen.query(Toast)]
    assert any("the audit trail was cut short" in toast for toast in toasts)
    assert app.start_warnings == ("the audit trail was cut short",)


async def test_a_database_refused_behind_the_screen_closes_the_app() -> None:
    def opening() -> tuple[Engine, Sequence[str]]:
        raise Refused(EXIT_BAD_DATABASE)

    app = opening_app(opening)
    async with app.run_test() as pilot:
        await until(pilot, lambda: not app.is_running)
    assert app.return_code == EXIT_BAD_DATABASE


def test_the_app_takes_an_engine_or_an_opening(demo_sqlite: Engine) -> None:
    with pytest.raises(TypeError):
        MaTuiApp()
    with pytest.raises(TypeError):
        MaTuiApp(demo_sqlite, opening=lambda: (demo_sqlite, []))


# ------------------------------------------------- what the command line opens behind


def opening_of(db: Path) -> DatabaseOpening:
    return DatabaseOpening(str(db), {}, None, using_default=False)


def test_the_opening_refuses_a_file_that_is_no_database(tmp_path: Path) -> None:
    db = tmp_path / "notes.db"
    db.write_text("not a database\n")
    opening = opening_of(db)
    with pytest.raises(Refused) as refused:
        opening.open()
    opening.close()
    assert refused.value.code == EXIT_BAD_DATABASE
    assert opening.refusal == f"ma-tui: {db} is not a SQLite database"
    assert opening.engine is None


def test_the_opening_finds_a_database_with_no_administrator(tmp_path: Path) -> None:
    db = tmp_path / "clinic.db"
    engine = create_store_engine(sqlite_url(db))
    upgrade(engine)
    engine.dispose()
    opening = opening_of(db)
    with pytest.raises(Refused) as refused:
        opening.open()
    opening.close()
    assert refused.value.code == EXIT_USAGE
    assert opening.needs_first_admin
    assert opening.refusal is None  # asked on the terminal once the app has closed
    assert opening.engine is not None
    opening.engine.dispose()


def test_nothing_is_opened_once_the_app_has_closed(tmp_path: Path) -> None:
    db = tmp_path / "clinic.db"
    opening = opening_of(db)
    opening.close()  # someone quit before the opening began
    with pytest.raises(Refused):
        opening.open()
    assert opening.engine is None
    assert not db.exists()
