"""Signing in, the idle lock and unlocking where one left off: keyboard only, and no
patient information on screen until the right PIN is typed."""

from __future__ import annotations

import json

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select
from textual.pilot import Pilot
from textual.widgets import Input, Static

from ma_tui.core.clock import fixed_clock
from ma_tui.data.models.staff import Staff
from ma_tui.data.models.visits import RoomingDraft
from ma_tui.screens.app import MaTuiApp
from ma_tui.screens.queue.queue import QueueScreen
from ma_tui.screens.staff.signin import SignInScreen
from ma_tui.screens.visit.vitals import VitalsScreen
from tests.conftest import CLINIC_NOW, todays_encounter_id
from tests.pilot import demo_secret, open_from_queue, type_text

IDLE = 300.0  # seconds of the test's idle clock, which only moves when told


class IdleClock:
    """Monotonic seconds that pass only when a test says so: a busy machine never
    locks the app early, and a test need not wait minutes for it to lock."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def signing_app(engine: Engine, *, idle_lock_seconds: float | None = None) -> MaTuiApp:
    return MaTuiApp(
        engine,
        clock=fixed_clock(CLINIC_NOW),
        cursor_blink=False,
        idle_lock_seconds=idle_lock_seconds,
        idle_clock=IdleClock(),
    )


async def walk_away(pilot: Pilot[None], app: MaTuiApp) -> None:
    """Let the idle time pass, then wait (bounded) for the lock's next look."""
    assert isinstance(app.idle_clock, IdleClock)
    app.idle_clock.now += IDLE + 1
    for _ in range(100):
        await pilot.pause(0.05)
        if isinstance(app.screen, SignInScreen):
            await pilot.pause()  # its on_mount puts the cursor in the PIN field
            return


async def sign_in(pilot: Pilot[None], username: str, pin: str) -> None:
    await type_text(pilot, username)
    await pilot.press("enter")
    await type_text(pilot, pin)
    await pilot.press("enter")
    await pilot.app.workers.wait_for_complete()  # the PIN is checked in a thread
    await pilot.pause()


def message(app: MaTuiApp) -> str:
    return str(app.screen.query_one("#signin-message", Static).render())


def screen_text(app: MaTuiApp) -> str:
    """Everything the terminal shows now (an SVG screenshot: its text is what shows)."""
    return app.export_screenshot()


async def test_sign_in_opens_the_queue_as_that_user(demo_sqlite: Engine) -> None:
    app = signing_app(demo_sqlite)
    async with app.run_test() as pilot:
        assert isinstance(app.screen, SignInScreen)
        assert app.focused is not None
        assert app.focused.id == "signin-username"
        await sign_in(pilot, "mia", demo_secret("mia"))
        assert isinstance(app.screen, QueueScreen)
        assert app.staff is not None
        assert app.staff.username == "mia"
        await open_from_queue(pilot, "whit da")
    with Session(demo_sqlite) as session:
        draft = session.get(RoomingDraft, todays_encounter_id(demo_sqlite, "Whitfield"))
        mia = session.exec(select(Staff).where(Staff.username == "mia")).one()
        assert draft is not None
        assert draft.holder == "mia"
        assert draft.owner_id == mia.id


async def test_wrong_pin_and_unknown_user_say_the_same_and_show_no_patient(
    demo_sqlite: Engine,
) -> None:
    app = signing_app(demo_sqlite)
    async with app.run_test() as pilot:
        await sign_in(pilot, "mia", "1111")
        wrong_pin = message(app)
        assert isinstance(app.screen, SignInScreen)
        assert app.screen.query_one("#signin-secret", Input).value == ""
        await pilot.press("shift+tab")  # back to the username
        app.screen.query_one("#signin-username", Input).value = ""
        await sign_in(pilot, "nobody", demo_secret("mia"))
        assert message(app) == wrong_pin
        assert "wrong PIN" in wrong_pin
        assert len(app.screen_stack) == 2  # the default screen and sign-in: no queue behind
        assert "Whitfield" not in screen_text(app)
        await pilot.press("ctrl+p")  # the palette would search today's patients: not here
        await pilot.pause()
        assert isinstance(app.screen, SignInScreen)


async def test_wrong_pins_make_this_terminal_wait(demo_sqlite: Engine) -> None:
    app = signing_app(demo_sqlite)
    async with app.run_test() as pilot:
        await type_text(pilot, "jorge")
        await pilot.press("enter")
        for _ in range(3):
            await type_text(pilot, "000000")
            await pilot.press("enter")
            await app.workers.wait_for_complete()  # the PIN is checked in a thread
            await pilot.pause()
            assert message(app).startswith("Unknown user or wrong PIN")
        await type_text(pilot, demo_secret("jorge"))  # the right PIN: the terminal waits
        await pilot.press("enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert isinstance(app.screen, SignInScreen)
        assert "at this terminal: try again in 15 seconds" in message(app)


async def test_idle_lock_hides_the_patient_and_the_same_pin_resumes_in_place(
    demo_sqlite: Engine,
) -> None:
    app = signing_app(demo_sqlite, idle_lock_seconds=IDLE)
    async with app.run_test() as pilot:
        await sign_in(pilot, "mia", demo_secret("mia"))
        await open_from_queue(pilot, "whit da")
        await pilot.press("enter", "enter", "enter")
        assert isinstance(app.screen, VitalsScreen)
        await type_text(pilot, "128/82")
        await pilot.press("enter", "enter")
        await type_text(pilot, "7")  # the pulse half typed when she walks away
        await walk_away(pilot, app)
        assert isinstance(app.screen, SignInScreen)
        assert "Whitfield" not in screen_text(app)
        assert "128/82" not in screen_text(app)
        assert app.focused is not None
        assert app.focused.id == "signin-secret"
        await type_text(pilot, demo_secret("mia"))
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, VitalsScreen)
        assert app.screen.query_one("#v-bp", Input).value == "128/82"
        assert app.focused is not None
        assert app.focused.id == "v-pulse"
        assert app.screen.query_one("#v-pulse", Input).value == "7"


async def test_another_user_signs_in_at_the_lock_and_the_visit_stays_its_owners(
    demo_sqlite: Engine,
) -> None:
    app = signing_app(demo_sqlite, idle_lock_seconds=IDLE)
    async with app.run_test() as pilot:
        await sign_in(pilot, "mia", demo_secret("mia"))
        await open_from_queue(pilot, "whit da")
        await pilot.press("enter", "enter", "enter")
        await type_text(pilot, "128/82")
        await pilot.press("enter")
        await walk_away(pilot, app)
        assert isinstance(app.screen, SignInScreen)
        await pilot.press("f2")
        await sign_in(pilot, "jorge", demo_secret("jorge"))
        assert isinstance(app.screen, QueueScreen)
        assert app.staff is not None
        assert app.staff.username == "jorge"
        await open_from_queue(pilot, "whit da")  # Mia's: Jorge is told, and kept out
        assert isinstance(app.screen, QueueScreen)
    with Session(demo_sqlite) as session:
        draft = session.get(RoomingDraft, todays_encounter_id(demo_sqlite, "Whitfield"))
        assert draft is not None
        assert draft.holder == "mia"
        vitals = json.loads(draft.data)["vitals"]["form"]["values"]
        assert vitals["bp"] == "128/82"


async def test_what_the_mA_did_is_in_the_audit_trail_and_the_chain_holds(
    demo_sqlite: Engine,
) -> None:
    from ma_tui.data.audit import events, verify

    with Session(demo_sqlite) as session:
        before = len(events(session))
    app = signing_app(demo_sqlite, idle_lock_seconds=IDLE)
    async with app.run_test() as pilot:
        await sign_in(pilot, "mia", "1111")  # wrong
        await pilot.press("shift+tab")
        app.screen.query_one("#signin-username", Input).value = ""
        await sign_in(pilot, "mia", demo_secret("mia"))
        await open_from_queue(pilot, "whit da")
        await walk_away(pilot, app)  # locks
        await type_text(pilot, demo_secret("mia"))
        await pilot.press("enter")
        await pilot.pause()
        await pilot.press("ctrl+q")
    with Session(demo_sqlite) as session:
        new = events(session)[before:]
        assert verify(session).ok
    assert [(e.action, e.user) for e in new] == [
        ("sign_in_failed", "mia"),
        ("sign_in", "mia"),
        ("view", "mia"),
        ("lock", "mia"),
        ("sign_in", "mia"),  # the PIN at the lock is a sign-in attempt too
        ("unlock", "mia"),
        ("sign_out", "mia"),
    ]
    view = new[2]
    assert view.patient_mrn is not None
    assert view.entity == "encounter"
    assert demo_secret("mia") not in " ".join(e.detail or "" for e in new)
    assert "1111" not in " ".join(e.detail or "" for e in new)


async def test_f9_opens_staff_accounts_for_an_administrator_only(demo_sqlite: Engine) -> None:
    from ma_tui.screens.staff.users import UsersScreen

    app = signing_app(demo_sqlite)
    async with app.run_test() as pilot:
        await sign_in(pilot, "mia", demo_secret("mia"))
        await pilot.press("f9")
        await pilot.pause()
        assert isinstance(app.screen, QueueScreen)  # an MA: no such key
    app = signing_app(demo_sqlite)
    async with app.run_test() as pilot:
        await sign_in(pilot, "admin", demo_secret("admin"))
        await pilot.press("f9")
        await pilot.pause()
        assert isinstance(app.screen, UsersScreen)


async def test_the_clinics_idle_lock_setting_is_the_time(demo_sqlite: Engine) -> None:
    from ma_tui.clinic.settings import set_minutes

    set_minutes(demo_sqlite, "idle-lock", "2", now=CLINIC_NOW)
    app = signing_app(demo_sqlite)  # no override: the clinic's 2 minutes
    async with app.run_test() as pilot:
        await sign_in(pilot, "mia", demo_secret("mia"))
        assert isinstance(app.idle_clock, IdleClock)
        app.idle_clock.now += 100
        await pilot.pause(1.5)
        assert isinstance(app.screen, QueueScreen)  # 100 s: not yet
        app.idle_clock.now += 30
        for _ in range(60):
            await pilot.pause(0.05)
            if isinstance(app.screen, SignInScreen):
                break
        assert isinstance(app.screen, SignInScreen)


async def test_a_newline_is_enter_at_sign_in(demo_sqlite: Engine) -> None:
    """What a starting terminal makes of Enter (ctrl+j) moves on, never glues fields."""
    app = signing_app(demo_sqlite)
    async with app.run_test() as pilot:
        await type_text(pilot, "mia")
        await pilot.press("ctrl+j")
        await type_text(pilot, demo_secret("mia"))
        await pilot.press("ctrl+j")
        await pilot.pause()
        assert isinstance(app.screen, QueueScreen)


async def test_a_pin_from_before_the_rules_must_be_changed_before_the_queue(
    demo_sqlite: Engine,
) -> None:
    from argon2 import PasswordHasher

    with Session(demo_sqlite) as session:  # a 4-digit PIN, stored before today's rules
        mia = session.exec(select(Staff).where(Staff.username == "mia")).one()
        mia.secret_hash = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1).hash("2468")
        session.add(mia)
        session.commit()
    app = signing_app(demo_sqlite)
    async with app.run_test() as pilot:
        await sign_in(pilot, "mia", "2468")
        assert isinstance(app.screen, SignInScreen)  # not yet: a new PIN first
        assert app.focused is not None
        assert app.focused.id == "signin-new"
        hint = str(app.screen.query_one("#signin-hint", Static).render())
        assert "no longer meets the clinic's rules" in hint
        await type_text(pilot, "123456")
        await pilot.press("enter")
        await type_text(pilot, "123456")
        await pilot.press("enter")
        await pilot.pause()
        assert "among the first ones guessed" in message(app)
        assert app.staff is None
        await type_text(pilot, "861530")
        await pilot.press("enter")
        await type_text(pilot, "861530")
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, QueueScreen)
    from ma_tui.staff.signin import authenticate

    assert authenticate(demo_sqlite, "mia", "861530", now=CLINIC_NOW, terminal="x").ok
    assert not authenticate(demo_sqlite, "mia", "2468", now=CLINIC_NOW, terminal="y").ok


async def test_the_lock_falling_as_the_app_quits_is_no_crash(demo_sqlite: Engine) -> None:
    """The idle lock and a quit in the same moment: the lock screen is pushed and the
    app stops before it has mounted its fields; it stops cleanly, with no crash report."""
    app = signing_app(demo_sqlite)
    async with app.run_test() as pilot:
        await sign_in(pilot, "mia", demo_secret("mia"))
        assert isinstance(app.screen, QueueScreen)
        app.lock()
    assert app.return_code in (0, None)


async def test_the_queue_is_built_ahead_and_reads_the_day_only_once_shown(
    demo_sqlite: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """While the sign-in screen waits, the queue's screen is mounted ahead (the PIN's
    answer then only shows it), holding nothing of the day until someone signs in."""
    from textual.widgets import DataTable

    from ma_tui.visits.queue import todays_queue

    reads: list[object] = []

    def counted(*args: object, **kwargs: object) -> object:
        reads.append(args)
        return todays_queue(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr("ma_tui.screens.queue.queue.todays_queue", counted)
    app = signing_app(demo_sqlite)
    async with app.run_test() as pilot:
        for _ in range(50):
            await pilot.pause(0.1)
            if app.is_screen_installed("queue-ahead") and app.get_screen("queue-ahead").is_mounted:
                break
        ahead = app.get_screen("queue-ahead")
        assert ahead.is_mounted
        assert ahead not in app.screen_stack
        assert reads == []  # nothing read before a sign-in
        assert ahead.query_one("#queue-table", DataTable).row_count == 0
        await sign_in(pilot, "mia", demo_secret("mia"))
        assert app.screen is ahead
        assert len(reads) == 1
        assert ahead.query_one("#queue-table", DataTable).row_count > 0
        assert not app.screen.check_action("staff_accounts", ())  # an MA: no F9
