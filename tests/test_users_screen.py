"""Helen Marsh, the demo clinic's administrator, manages staff accounts from a screen."""

from __future__ import annotations

import json

import pytest
from argon2 import PasswordHasher
from sqlalchemy.engine import Engine
from sqlmodel import Session, select
from textual.pilot import Pilot
from textual.widgets import DataTable

from ma_tui.data.audit import events
from ma_tui.data.models.staff import Staff, StaffRole
from ma_tui.screens.app import MaTuiApp
from ma_tui.screens.staff.users import AddUserScreen, ResetSecretScreen, UsersScreen
from ma_tui.screens.widgets.confirm import ConfirmScreen
from ma_tui.staff import accounts
from ma_tui.staff.signin import SignInOutcome, authenticate
from tests.conftest import CLINIC_NOW
from tests.pilot import demo_secret, field, make_app, shown, type_text

# What the audit trail says of one account change: its action, the account (as it is
# now), and the detail; each written by the administrator, with the change itself.
Change = tuple[str, Staff, dict[str, object]]
JANE = ("jdoe", "Jane Doe", "ma", "CMA")


@pytest.fixture(autouse=True)
def cheap_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """argon2's real cost is for production; these tests hash a dozen PINs."""
    cheap = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    monkeypatch.setattr(accounts, "PASSWORD_HASHER", cheap)


def staff_named(engine: Engine, username: str) -> Staff | None:
    with Session(engine) as session:
        return session.exec(select(Staff).where(Staff.username == username)).first()


def sign_in(engine: Engine, username: str, secret: str) -> SignInOutcome:
    return authenticate(engine, username, secret, now=CLINIC_NOW).outcome


def on_top(app: MaTuiApp) -> object:
    """The screen shown now (read afresh: mypy would keep an earlier isinstance)."""
    return app.screen


class Trail:
    """The account changes written to the audit trail since it was opened."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        with Session(engine) as session:
            self.seen = len(events(session))

    def changes(self) -> list[Change]:
        found: list[Change] = []
        with Session(self.engine) as session:
            for event in events(session)[self.seen :]:
                if event.entity != "staff":
                    continue  # the tests' own sign-ins
                assert event.staff_username == "admin"
                assert event.entity_id is not None
                staff = session.get(Staff, int(event.entity_id))
                assert staff is not None
                found.append((event.action, staff, json.loads(event.detail or "{}")))
        return found


async def open_users(app: MaTuiApp, engine: Engine) -> UsersScreen:
    admin = staff_named(engine, "admin")
    assert admin is not None
    screen = UsersScreen(engine, app.clock, admin, cursor_blink=False)
    await app.push_screen(screen)
    return screen


async def highlight(pilot: Pilot[None], screen: UsersScreen, username: str) -> None:
    for _ in range(len(screen.accounts)):
        if screen.highlighted() == username:
            return
        await pilot.press("down")
    assert screen.highlighted() == username


async def fill(pilot: Pilot[None], values: tuple[str, ...]) -> None:
    for value in values:
        await type_text(pilot, value)
        await pilot.press("enter")
    await pilot.pause()


async def test_lists_every_account_with_its_status(demo_sqlite: Engine) -> None:
    app = make_app(demo_sqlite)
    async with app.run_test() as pilot:
        screen = await open_users(app, demo_sqlite)
        await pilot.pause()
        table = screen.query_one("#users-table", DataTable)
        assert table.row_count == 7
        assert [str(cell) for cell in table.get_row("mia")] == [
            "mia",
            "Mia Sorensen, CMA",
            "ma",
            "active",
        ]
        assert screen.highlighted() == "admin"


async def test_an_added_user_can_sign_in(demo_sqlite: Engine) -> None:
    trail = Trail(demo_sqlite)
    app = make_app(demo_sqlite)
    async with app.run_test() as pilot:
        screen = await open_users(app, demo_sqlite)
        await pilot.press("a")
        assert isinstance(app.screen, AddUserScreen)
        await fill(pilot, (*JANE, "582947", "582947"))
        assert on_top(app) is screen
        assert "Added jdoe" in shown(app, "#users-message")
        assert screen.highlighted() == "jdoe"
    jane = staff_named(demo_sqlite, "jdoe")
    assert jane is not None
    assert (jane.display_name, jane.role, jane.credentials) == ("Jane Doe", StaffRole.MA, "CMA")
    assert sign_in(demo_sqlite, "jdoe", "582947") is SignInOutcome.SIGNED_IN
    [(action, staff, detail)] = trail.changes()
    assert (action, staff.username, staff.id) == ("create", "jdoe", jane.id)
    assert detail["username"] == "jdoe"
    assert detail["role"] == "ma"
    assert "582947" not in json.dumps(detail)


async def test_two_different_pins_store_nothing(demo_sqlite: Engine) -> None:
    trail = Trail(demo_sqlite)
    app = make_app(demo_sqlite)
    async with app.run_test() as pilot:
        await open_users(app, demo_sqlite)
        await pilot.press("a")
        await fill(pilot, (*JANE, "582947", "582948"))
        assert isinstance(app.screen, AddUserScreen)
        assert "differ" in shown(app, "#form-error")
        assert field(app, "#user-pin").password
        assert field(app, "#user-pin2").password
        assert field(app, "#user-pin").value == field(app, "#user-pin2").value == ""
        assert app.screen.focused is field(app, "#user-pin")
        assert field(app, "#user-username").value == "jdoe"  # the rest stays as typed
        await pilot.press("escape")
        assert isinstance(app.screen, UsersScreen)
    assert staff_named(demo_sqlite, "jdoe") is None
    assert trail.changes() == []


async def test_a_refused_field_says_why_and_gets_the_focus(demo_sqlite: Engine) -> None:
    app = make_app(demo_sqlite)
    async with app.run_test() as pilot:
        await open_users(app, demo_sqlite)
        await pilot.press("a")
        await fill(pilot, ("jdoe", "Jane Doe", "doctor", "", "582947", "582947"))
        assert "unknown role 'doctor'" in shown(app, "#form-error")
        assert app.screen.focused is field(app, "#user-role")
        assert field(app, "#user-pin").value == field(app, "#user-pin2").value == ""
        role = field(app, "#user-role")
        role.value = ""
        await fill(pilot, ("front-desk", "", "12", "12"))
        assert "a PIN has 6 to 12 digits" in shown(app, "#form-error")
        await pilot.press("shift+tab", "shift+tab", "shift+tab", "shift+tab")
        assert app.screen.focused is field(app, "#user-username")
        field(app, "#user-username").value = "mia"
        await fill(pilot, ("", "", "", "", "582947", "582947"))
        assert "'mia' is taken" in shown(app, "#form-error")
        assert app.screen.focused is field(app, "#user-username")
    assert staff_named(demo_sqlite, "jdoe") is None
    mia = staff_named(demo_sqlite, "mia")
    assert mia is not None
    assert mia.display_name == "Mia Sorensen"


async def test_disable_then_enable_after_a_yes(demo_sqlite: Engine) -> None:
    trail = Trail(demo_sqlite)
    app = make_app(demo_sqlite)
    async with app.run_test() as pilot:
        screen = await open_users(app, demo_sqlite)
        await highlight(pilot, screen, "mia")
        await pilot.press("d")
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("n")
        assert on_top(app) is screen
        mia = staff_named(demo_sqlite, "mia")
        assert mia is not None
        assert mia.active
        await pilot.press("d", "y")
        await pilot.pause()
        mia = staff_named(demo_sqlite, "mia")
        assert mia is not None
        assert not mia.active
        assert str(screen.query_one("#users-table", DataTable).get_row("mia")[3]) == "disabled"
        assert sign_in(demo_sqlite, "mia", demo_secret("mia")) is SignInOutcome.DISABLED
        await pilot.press("d")
        assert on_top(app) is screen
        assert "already disabled" in shown(app, "#users-message")
        await pilot.press("e", "y")
        await pilot.pause()
        assert screen.highlighted() == "mia"
    assert sign_in(demo_sqlite, "mia", demo_secret("mia")) is SignInOutcome.SIGNED_IN
    changes = trail.changes()
    assert [(action, staff.username, detail["active"]) for action, staff, detail in changes] == [
        ("update", "mia", False),
        ("update", "mia", True),
    ]
    assert [detail["change"] for _, _, detail in changes] == ["disable", "enable"]


async def test_the_last_administrator_cannot_be_disabled(demo_sqlite: Engine) -> None:
    trail = Trail(demo_sqlite)
    app = make_app(demo_sqlite)
    async with app.run_test() as pilot:
        screen = await open_users(app, demo_sqlite)
        await highlight(pilot, screen, "admin")
        await pilot.press("d")
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("y")
        await pilot.pause()
        assert on_top(app) is screen
        assert "last active administrator" in shown(app, "#users-message")
    admin = staff_named(demo_sqlite, "admin")
    assert admin is not None
    assert admin.active
    assert trail.changes() == []


async def test_reset_pin_replaces_the_old_one(demo_sqlite: Engine) -> None:
    trail = Trail(demo_sqlite)
    app = make_app(demo_sqlite)
    async with app.run_test() as pilot:
        screen = await open_users(app, demo_sqlite)
        await highlight(pilot, screen, "jorge")
        await pilot.press("r")
        assert isinstance(app.screen, ResetSecretScreen)
        await fill(pilot, ("861530", "861530"))
        assert on_top(app) is screen
        assert "New PIN or password set for jorge" in shown(app, "#users-message")
    assert sign_in(demo_sqlite, "jorge", demo_secret("jorge")) is SignInOutcome.WRONG_SECRET
    assert sign_in(demo_sqlite, "jorge", "861530") is SignInOutcome.SIGNED_IN
    [(action, staff, detail)] = trail.changes()
    assert (action, staff.username, detail["change"]) == ("update", "jorge", "reset_secret")
    assert "861530" not in json.dumps(detail)


async def test_a_reset_refused_keeps_the_old_pin(demo_sqlite: Engine) -> None:
    app = make_app(demo_sqlite)
    async with app.run_test() as pilot:
        screen = await open_users(app, demo_sqlite)
        await highlight(pilot, screen, "jorge")
        await pilot.press("r")
        await fill(pilot, ("861530", "861539"))
        assert isinstance(app.screen, ResetSecretScreen)
        assert "differ" in shown(app, "#form-error")
        assert field(app, "#user-pin").value == field(app, "#user-pin2").value == ""
    assert sign_in(demo_sqlite, "jorge", demo_secret("jorge")) is SignInOutcome.SIGNED_IN


async def test_escape_goes_back(demo_sqlite: Engine) -> None:
    app = make_app(demo_sqlite)
    async with app.run_test() as pilot:
        await pilot.pause()
        before = type(app.screen)
        await open_users(app, demo_sqlite)
        await pilot.press("escape")
        assert type(app.screen) is before


def test_only_an_administrator_may_open_it(demo_sqlite: Engine) -> None:
    mia = staff_named(demo_sqlite, "mia")
    assert mia is not None
    with pytest.raises(ValueError, match="administrator"):
        UsersScreen(demo_sqlite, make_app(demo_sqlite).clock, mia)
