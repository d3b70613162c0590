"""The lock is a wall: while a terminal is locked (or nobody has signed in yet) no
key, screen, palette command or message reaches a patient or acts.

Every key the App or any screen binds is tried on the lock, so a binding added later
is covered without touching this file.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil

from sqlalchemy.engine import Engine
from sqlmodel import Session
from textual.binding import Binding
from textual.command import CommandPalette
from textual.message import Message
from textual.pilot import Pilot
from textual.screen import Screen
from textual.widgets import Input

import ma_tui.screens
from ma_tui.data.audit import events
from ma_tui.screens import messages
from ma_tui.screens.app import ALLOWED_ON_THE_LOCK, MaTuiApp
from ma_tui.screens.queue.queue import QueueScreen
from ma_tui.screens.staff.signin import SignInScreen
from ma_tui.screens.widgets.help import HelpScreen
from tests.conftest import todays_encounter_id
from tests.pilot import demo_secret, type_text
from tests.test_signin import IDLE, sign_in, signing_app, walk_away


def all_screen_classes() -> list[type[Screen[object]]]:
    """Every Screen class defined in ma_tui.screens, found by walking its modules."""
    found: list[type[Screen[object]]] = []
    for module_info in pkgutil.walk_packages(ma_tui.screens.__path__, "ma_tui.screens."):
        module = importlib.import_module(module_info.name)
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, Screen) and cls.__module__ == module.__name__:
                found.append(cls)
    return found


def bound_keys(app: MaTuiApp) -> list[str]:
    """Every key bound by the App (Textual's own included) or by any ma-tui screen."""
    keys: set[str] = set(app._bindings.key_to_bindings)  # ctrl+p is added at run time
    for cls in [type(app), *all_screen_classes()]:
        for binding in cls.BINDINGS:
            if isinstance(binding, Binding):
                keys.update(key.strip() for key in binding.key.split(","))
            else:
                keys.update(key.strip() for key in binding[0].split(","))
    return sorted(keys)


def actions_since(engine: Engine, before: int) -> list[str]:
    with Session(engine) as session:
        return [event.action for event in events(session)[before:]]


def event_count(engine: Engine) -> int:
    with Session(engine) as session:
        return len(events(session))


async def locked_on_the_queue(pilot: Pilot[None], app: MaTuiApp) -> SignInScreen:
    await sign_in(pilot, "mia", demo_secret("mia"))
    assert isinstance(app.screen, QueueScreen)
    await walk_away(pilot, app)
    lock = app.screen
    assert isinstance(lock, SignInScreen)
    return lock


async def test_f1_then_the_palette_on_the_lock_opens_no_chart(demo_sqlite: Engine) -> None:
    """The bypass of issue 15: F1 put help above the lock, Ctrl+P then searched patients."""
    app = signing_app(demo_sqlite, idle_lock_seconds=IDLE)
    async with app.run_test() as pilot:
        lock = await locked_on_the_queue(pilot, app)
        before = event_count(demo_sqlite)
        await pilot.press("f1")
        await pilot.press("ctrl+p")
        await pilot.pause()
        await type_text(pilot, "whitfield")
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen is lock
        assert "view" not in actions_since(demo_sqlite, before)
        assert "Whitfield" not in app.export_screenshot()


async def test_every_bound_key_on_the_lock_leaves_the_lock_on_top(demo_sqlite: Engine) -> None:
    app = signing_app(demo_sqlite, idle_lock_seconds=IDLE)
    async with app.run_test() as pilot:
        lock = await locked_on_the_queue(pilot, app)
        below = list(app.screen_stack)
        before = event_count(demo_sqlite)
        keys = [key for key in bound_keys(app) if key not in ("ctrl+q", "ctrl+c")]
        assert {"f1", "ctrl+p", "f9", "f2", "ctrl+r", "ctrl+s", "f6"} <= set(keys)
        for key in keys:
            lock.query_one("#signin-secret", Input).value = ""
            await pilot.press(key)
            await pilot.pause()
            assert app.screen is lock, f"{key} put {app.screen!r} above the lock"
            assert app.screen_stack[: len(below)] == below
            shown = app.export_screenshot()
            assert "Whitfield" not in shown, key
            assert "Benton" not in shown, key
        # Only failed sign-ins (Enter on the PIN field, F2's form) may be recorded.
        assert set(actions_since(demo_sqlite, before)) <= {"sign_in_failed"}


async def test_the_palette_screens_and_app_actions_are_refused_on_the_lock(
    demo_sqlite: Engine,
) -> None:
    app = signing_app(demo_sqlite, idle_lock_seconds=IDLE)
    async with app.run_test() as pilot:
        lock = await locked_on_the_queue(pilot, app)
        for action in ("command_palette", "help", "screenshot", "change_theme", "show_help_panel"):
            assert not app.check_action(action, ()), action
        for action in ALLOWED_ON_THE_LOCK:
            assert app.check_action(action, ()), action
        app.action_command_palette()
        await app.push_screen(HelpScreen("Queue", []))
        await app.push_screen(CommandPalette())
        await pilot.pause()
        assert app.screen is lock


async def test_no_message_acts_while_locked(demo_sqlite: Engine) -> None:
    app = signing_app(demo_sqlite, idle_lock_seconds=IDLE)
    encounter_id = todays_encounter_id(demo_sqlite, "Whitfield")
    sent: list[Message] = [
        messages.OpenPatient(encounter_id),
        messages.GoToStep("vitals"),
        messages.VisitClosed(),
        messages.OpenStaffAccounts(),
        messages.OpenWorklist(),
        messages.OpenRooms(),
        messages.OpenSterilization(),
    ]
    requests = {
        cls
        for _, cls in inspect.getmembers(messages, inspect.isclass)
        if issubclass(cls, messages.AppRequest) and cls is not messages.AppRequest
    }
    assert requests == {type(message) for message in sent}  # a new request is tried too
    async with app.run_test() as pilot:
        lock = await locked_on_the_queue(pilot, app)
        before = event_count(demo_sqlite)
        for message in sent:
            app.screen_stack[-2].post_message(message)  # from the screen under the lock
            await pilot.pause()
            assert app.screen is lock
        # A message already queued when the lock fell is not acted on either.
        app._open_patient_asked(messages.OpenPatient(encounter_id))
        app._step_asked(messages.GoToStep("vitals"))
        app._visit_closed()
        app._staff_accounts_asked()
        app._day_work_asked(messages.OpenWorklist())
        await pilot.pause()
        assert app.screen is lock
        assert actions_since(demo_sqlite, before) == []


async def test_the_lock_falls_over_help_and_unlocking_goes_back_to_it(
    demo_sqlite: Engine,
) -> None:
    app = signing_app(demo_sqlite, idle_lock_seconds=IDLE)
    async with app.run_test() as pilot:
        await sign_in(pilot, "mia", demo_secret("mia"))
        await pilot.press("f1")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        await walk_away(pilot, app)
        assert isinstance(app.screen, SignInScreen)
        await type_text(pilot, demo_secret("mia"))
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, QueueScreen)
        await walk_away(pilot, app)  # and it locks again
        assert isinstance(app.screen, SignInScreen)


async def test_before_anyone_signs_in_no_key_reaches_a_patient(demo_sqlite: Engine) -> None:
    app = signing_app(demo_sqlite)
    async with app.run_test() as pilot:
        signin = app.screen
        for key in ("f1", "ctrl+p", "f9", "f2"):
            await pilot.press(key)
            await pilot.pause()
            assert app.screen is signin, key
        await type_text(pilot, "whitfield")
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen is signin
        assert len(app.screen_stack) == 2
