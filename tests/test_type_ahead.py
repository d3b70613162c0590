"""Typing ahead: keys sent in one burst, faster than any screen can follow, land
where the MA meant them (screens/keygate.py).

A burst is posted to the app all at once, as a terminal delivers keys typed while
the program is busy (a step's screen being built, a draft being saved).
"""

from __future__ import annotations

from sqlalchemy.engine import Engine
from textual import events
from textual.keys import _character_to_key
from textual.pilot import Pilot
from textual.widgets import Input

from ma_tui.screens.app import MaTuiApp
from ma_tui.screens.visit.checkin import CheckInScreen
from ma_tui.screens.visit.vital_check import VitalCheckScreen
from ma_tui.screens.visit.vitals import VitalsScreen
from tests.pilot import make_app, open_from_queue

ENTER = "\r"


def burst(app: MaTuiApp, keys: str) -> None:
    """Post every key at once, without waiting for the app between them."""
    for char in keys:
        if char == ENTER:
            app.post_message(events.Key("enter", ENTER))
        else:
            app.post_message(events.Key(_character_to_key(char), char))


async def settle(pilot: Pilot[None], app: MaTuiApp, *, until: int = 100) -> None:
    """Give the app time to take in the burst (bounded: a failure must not hang)."""
    for _ in range(until):
        await pilot.pause(0.05)
        if not app._held and not app._settling:
            return


def values(app: MaTuiApp) -> dict[str, str]:
    return {field.id or "": field.value for field in app.screen.query(Input).filter(".vital")}


async def test_a_whole_check_in_and_vitals_typed_ahead_land_in_their_fields(
    demo_sqlite: Engine,
) -> None:
    app = make_app(demo_sqlite)
    async with app.run_test() as pilot:
        await open_from_queue(pilot, "whit da")
        assert isinstance(app.screen, CheckInScreen)
        # Three Enters confirm check-in and open vitals; the BP follows at once.
        burst(app, f"{ENTER * 3}128/82{ENTER}{ENTER}76{ENTER}16{ENTER}98.4{ENTER}97{ENTER}")
        await settle(pilot, app)
        assert isinstance(app.screen, VitalsScreen)
        typed = values(app)
        assert (typed["v-bp"], typed["v-bp2"], typed["v-pulse"]) == ("128/82", "", "76")
        assert (typed["v-resp"], typed["v-temp"], typed["v-spo2"]) == ("16", "98.4", "97")
        assert app.focused is not None
        assert app.focused.id == "v-height"


async def test_keys_typed_after_a_caught_value_never_confirm_it(demo_sqlite: Engine) -> None:
    app = make_app(demo_sqlite)
    async with app.run_test() as pilot:
        await open_from_queue(pilot, "whit da")
        await pilot.press("enter", "enter", "enter")
        assert isinstance(app.screen, VitalsScreen)
        # 250 is implausible: the box opens; the digits and Enter typed on meet it,
        # and its Enter is "fix it", never "keep".
        burst(app, f"128/82{ENTER}{ENTER}250{ENTER}16{ENTER}")
        await settle(pilot, app)
        assert isinstance(app.screen, VitalsScreen)
        assert values(app)["v-pulse"] == "250"
        assert values(app)["v-resp"] == ""
        assert app.focused is not None
        assert app.focused.id == "v-pulse"
        assert not isinstance(app.screen, VitalCheckScreen)
        assert app.visit is not None
        assert all(v.value != 250 for v in app.visit.draft.vitals.entries)


async def test_a_command_letter_typed_ahead_holds_what_follows(demo_sqlite: Engine) -> None:
    """``a`` on the medications table opens the add-form; the name typed on at once
    goes into the form, and its ``s`` never marks the highlighted medication stopped."""
    app = make_app(demo_sqlite)
    async with app.run_test() as pilot:
        await open_from_queue(pilot, "whit da")
        app.open_step("history")
        await pilot.pause()
        await pilot.press("enter", "enter", "enter", "enter")  # to medications
        await pilot.pause()
        burst(app, "asimvastatin 20 mg")
        await settle(pilot, app)
        assert app.screen.query_one("#medications-0", Input).value == "simvastatin 20 mg"
        assert app.visit is not None
        assert app.visit.draft.history.medication_status == {}  # no status was set on any row


async def test_keys_typed_while_the_pin_is_checked_land_in_the_queues_search(
    demo_sqlite: Engine,
) -> None:
    """The PIN is checked in a thread: the search typed on at once waits for the answer
    and goes to the queue, never into the PIN field."""
    from ma_tui.core.clock import fixed_clock
    from ma_tui.screens.queue.queue import QueueScreen
    from ma_tui.staff.accounts import add_user
    from tests.conftest import CLINIC_NOW

    add_user(demo_sqlite, "kai", "Kai Test", "ma", "246813", now=CLINIC_NOW)
    app = MaTuiApp(demo_sqlite, clock=fixed_clock(CLINIC_NOW), cursor_blink=False)
    async with app.run_test() as pilot:
        await pilot.pause()
        burst(app, f"kai{ENTER}246813{ENTER}whit")
        await settle(pilot, app)
        assert isinstance(app.screen, QueueScreen)
        assert app.screen.query_one("#search", Input).value == "whit"
