"""Keys each user may move: binding ids, keymaps checked for clashes, the browser's set,
and the user's keys in the footer and F1 (issue 20)."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from pathlib import Path

from sqlalchemy.engine import Engine
from textual.binding import Binding

import ma_tui.screens
from ma_tui.cli import main
from ma_tui.demo.clinic import build_demo_clinic
from ma_tui.screens.app import MaTuiApp
from ma_tui.screens.keymap import (
    BROWSER_KEPT,
    BROWSER_KEYMAP,
    binding_ids,
    keymap_problems,
    parse_keymap_file,
    scopes,
)
from ma_tui.screens.widgets.footer import KeyFooter
from ma_tui.screens.widgets.help import HelpScreen
from ma_tui.staff.preferences import set_user_keymap, user_keymap
from tests.conftest import CLINIC_NOW, CLINIC_TZ
from tests.credentials import as_admin
from tests.pilot import demo_secret
from tests.test_signin import sign_in, signing_app

# Every binding id, as a user's keymap names it: renaming one loses the keys users
# moved, so a change here is deliberate (and said in the README's keymap section).
CHECKED_IN_IDS = Path(__file__).with_name("binding_ids.txt")
# The queue has more keys than 80 columns hold (F1 lists them all): a wide terminal.
WIDE = (160, 24)


def test_every_binding_has_one_stable_id() -> None:
    actions: dict[str, set[str]] = {}
    for scope in scopes():
        for binding in scope.bindings:
            if binding.id is None:
                continue
            actions.setdefault(binding.id, set()).add(binding.action)
    assert {i: a for i, a in actions.items() if len(a) > 1} == {}  # one id, one action
    assert list(binding_ids()) == CHECKED_IN_IDS.read_text(encoding="utf-8").split()
    without_id = [
        (cls.__name__, binding.key)
        for cls in declaring_classes()
        for binding in cls.__dict__["BINDINGS"]
        if not isinstance(binding, Binding) or binding.id is None
    ]
    assert without_id == []


def declaring_classes() -> list[type]:
    """Every class of ma_tui.screens with BINDINGS of its own."""
    found = []
    for module_info in pkgutil.walk_packages(ma_tui.screens.__path__, "ma_tui.screens."):
        module = importlib.import_module(module_info.name)
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if cls.__module__ == module.__name__ and "BINDINGS" in cls.__dict__:
                found.append(cls)
    return found


def test_a_key_that_would_do_two_things_on_one_screen_is_refused() -> None:
    assert keymap_problems({"visit.next": "F12", "queue.refresh": "ctrl+g"}) == []
    assert keymap_problems({"visit.next": "ctrl+r"}) == [
        "visit.next cannot take ctrl+r: it is already visit.review on CheckInScreen and 6 more"
    ]
    assert keymap_problems({"visit.nxt": "f7", "queue.open": "ctrl+zz"}) == [
        "ma-tui has no binding 'visit.nxt' (`ma-tui settings keys USERNAME` lists them)",
        "queue.open: 'ctrl+zz' is not a key a terminal sends",
    ]
    # The app's keys work on every screen: nothing else may take them.
    assert keymap_problems({"queue.walk_in": "f1"})[0].startswith(
        "queue.walk_in cannot take f1: it is already app.help on QueueScreen"
    )


def test_the_browsers_set_keeps_off_the_keys_browsers_keep() -> None:
    assert keymap_problems(BROWSER_KEYMAP) == []
    for scope in scopes():
        for binding in scope.bindings:
            if binding.id is None:
                continue  # Textual's own (Ctrl+W in a field: the browser keeps it)
            keys = BROWSER_KEYMAP.get(binding.id, ",".join(binding.keys)).split(",")
            assert not set(keys) & BROWSER_KEPT, (scope.name, binding)


def test_a_keymap_file_is_one_binding_a_line() -> None:
    text = "# mine\nvisit.next = f7\n\nqueue.refresh = ctrl+g, f5  # both\n"
    assert parse_keymap_file(text) == {"visit.next": "f7", "queue.refresh": "ctrl+g,f5"}


async def test_the_users_keys_show_in_the_footer_and_f1(demo_sqlite: Engine) -> None:
    set_user_keymap(demo_sqlite, "mia", {"queue.refresh": "ctrl+g"}, now=CLINIC_NOW, by=None)
    app = signing_app(demo_sqlite)
    async with app.run_test(size=WIDE) as pilot:
        await sign_in(pilot, "mia", demo_secret("mia"))
        await pilot.pause()
        assert "^g Refresh" in footer_text(app)
        await pilot.press("f1")
        assert isinstance(app.screen, HelpScreen)
        assert ("^g", "Refresh") in app.screen.keys
        assert not [key for key, what in app.screen.keys if what == "Refresh" and key == "f5"]


async def test_served_the_footer_shows_the_browsers_keys(demo_sqlite: Engine) -> None:
    app = MaTuiApp(demo_sqlite, clock=signing_app(demo_sqlite).clock, served=True)
    app.cursor_blink = False
    async with app.run_test(size=WIDE) as pilot:
        await sign_in(pilot, "jorge", demo_secret("jorge"))
        await pilot.pause()
        shown = footer_text(app)
        assert "^r Refresh" in shown
        assert "f5" not in shown


def test_an_administrator_moves_a_users_keys_from_the_command_line(
    file_engine: Engine, db_path: Path, tmp_path: Path
) -> None:
    engine, url = file_engine, str(db_path)
    build_demo_clinic(engine, CLINIC_NOW.date(), CLINIC_TZ)
    keymap = tmp_path / "keys.txt"
    keymap.write_text("visit.next = F12\n", encoding="utf-8")
    moved = ["settings", "keys", "mia", "--db", url, "--file", str(keymap)]
    assert main([*moved, *as_admin(tmp_path)]) == 0
    assert user_keymap(engine, "mia") == {"visit.next": "f12"}
    clash = ["settings", "keys", "mia", "--db", url, "--set", "visit.review=f12"]
    assert main([*clash, *as_admin(tmp_path)]) == 2
    assert user_keymap(engine, "mia") == {"visit.next": "f12"}  # nothing changed


def footer_text(app: MaTuiApp) -> str:
    return app.screen.query_one(KeyFooter).render().plain
