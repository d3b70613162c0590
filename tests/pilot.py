"""Helpers for driving the app in Pilot tests the way an MA does."""

from __future__ import annotations

import os

from sqlalchemy.engine import Engine
from textual.pilot import Pilot
from textual.widgets import Input

from ma_tui.core.clock import fixed_clock
from ma_tui.screens.app import MaTuiApp
from tests.conftest import CLINIC_NOW


def make_app(engine: Engine) -> MaTuiApp:
    """The app as the screens' tests drive it: already past sign-in (tests/test_signin.py);
    the steps' screens built when first opened, not ahead (tests/test_kept_steps.py
    builds them ahead)."""
    app = MaTuiApp(engine, clock=fixed_clock(CLINIC_NOW), cursor_blink=False, sign_in=False)
    app.build_ahead = False
    return app


async def type_text(pilot: Pilot[None], text: str) -> None:
    """Type into the focused field, key by key, as a person would."""
    await pilot.press(*text)


async def open_from_queue(pilot: Pilot[None], search: str) -> None:
    """Search the queue and press Enter on the first match."""
    await type_text(pilot, search)
    await pilot.press("enter")
    await pilot.pause()


def field(app: MaTuiApp, selector: str) -> Input:
    return app.screen.query_one(selector, Input)


def shown(app: MaTuiApp, selector: str) -> str:
    """The text a Static shows, however it was built (str, Text or a Rich renderable)."""
    from rich.console import Console
    from textual.widgets import Static

    content = app.screen.query_one(selector, Static).content
    if isinstance(content, str):
        return content
    console = Console(width=200, record=True, file=open(os.devnull, "w"))  # noqa: SIM115
    console.print(content)
    return console.export_text()


def demo_secret(username: str) -> str:
    """The demo user's PIN (an administrator's passphrase), as the README lists it."""
    from ma_tui.demo.staff import DEMO_STAFF

    return next(user.pin for user in DEMO_STAFF if user.username == username)
