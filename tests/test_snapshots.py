"""How each screen looks at 80x24, the smallest terminal an MA may have."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy.engine import Engine
from textual.pilot import Pilot

from tests.pilot import demo_secret, make_app, open_from_queue, type_text

SIZE = (80, 24)


def test_queue_at_80x24(demo_sqlite: Engine, snap_compare: Any) -> None:
    assert snap_compare(make_app(demo_sqlite), terminal_size=SIZE)


def test_empty_queue_at_80x24(engine: Engine, snap_compare: Any) -> None:
    assert snap_compare(make_app(engine), terminal_size=SIZE)


def test_queue_search_at_80x24(demo_sqlite: Engine, snap_compare: Any) -> None:
    async def search(pilot: Pilot[None]) -> None:
        await type_text(pilot, "b")

    assert snap_compare(make_app(demo_sqlite), terminal_size=SIZE, run_before=search)


def test_walk_in_at_80x24(demo_sqlite: Engine, snap_compare: Any) -> None:
    async def register(pilot: Pilot[None]) -> None:
        await pilot.press("f2")
        await type_text(pilot, "Okafor")
        await pilot.press("enter", "enter")
        await type_text(pilot, "3/9/23")
        await pilot.press("ctrl+s")

    assert snap_compare(make_app(demo_sqlite), terminal_size=SIZE, run_before=register)


def test_check_in_at_80x24(demo_sqlite: Engine, snap_compare: Any) -> None:
    async def check_in(pilot: Pilot[None]) -> None:
        await open_from_queue(pilot, "benton")
        await pilot.press("enter")

    assert snap_compare(make_app(demo_sqlite), terminal_size=SIZE, run_before=check_in)


def test_vitals_at_80x24(demo_sqlite: Engine, snap_compare: Any) -> None:
    async def vitals(pilot: Pilot[None]) -> None:
        await open_from_queue(pilot, "benton")
        await pilot.press("enter", "enter", "enter")
        # The one-line entry, its last piece refused (a number with no vital's letters).
        await type_text(pilot, "168/98 162/96 p104 r24 t38.9c o91 2l w208 8")

    assert snap_compare(make_app(demo_sqlite), terminal_size=SIZE, run_before=vitals)


def test_unit_catch_at_80x24(demo_sqlite: Engine, snap_compare: Any) -> None:
    async def catch(pilot: Pilot[None]) -> None:
        await open_from_queue(pilot, "whit da")
        await pilot.press("enter", "enter", "enter")
        for value in ("128/82", "", "76", "16", "38.5"):
            await type_text(pilot, value)
            await pilot.press("enter")

    assert snap_compare(make_app(demo_sqlite), terminal_size=SIZE, run_before=catch)


def test_not_obtained_reasons_at_80x24(demo_sqlite: Engine, snap_compare: Any) -> None:
    async def reasons(pilot: Pilot[None]) -> None:
        await open_from_queue(pilot, "whit da")
        await pilot.press("enter", "enter", "enter")
        await pilot.pause()  # the vitals screen settled: F3 from its one line, for BP
        await pilot.press("f3")

    assert snap_compare(make_app(demo_sqlite), terminal_size=SIZE, run_before=reasons)


def test_growth_chart_at_80x24(demo_sqlite: Engine, snap_compare: Any) -> None:
    async def chart(pilot: Pilot[None]) -> None:
        await open_from_queue(pilot, "lindq")
        await pilot.press("enter", "enter", "enter")
        await pilot.pause()
        await pilot.press("f4")
        await pilot.pause()

    assert snap_compare(make_app(demo_sqlite), terminal_size=SIZE, run_before=chart)


def test_complaint_at_80x24(demo_sqlite: Engine, snap_compare: Any) -> None:
    async def complaint(pilot: Pilot[None]) -> None:
        await open_from_queue(pilot, "whit da")
        await pilot.press("enter", "enter", "enter", "ctrl+r", "4")
        await type_text(pilot, "cough for 5 days")
        await pilot.press("enter")
        await type_text(pilot, "5 days")

    assert snap_compare(make_app(demo_sqlite), terminal_size=SIZE, run_before=complaint)


def test_screenings_at_80x24(demo_sqlite: Engine, snap_compare: Any) -> None:
    async def screenings(pilot: Pilot[None]) -> None:
        await open_from_queue(pilot, "whit da")
        await pilot.press("enter", "ctrl+r", "5")
        await type_text(pilot, "2 2")
        await pilot.press("enter")
        await type_text(pilot, "1 0 1 0 0 1 1")

    assert snap_compare(make_app(demo_sqlite), terminal_size=SIZE, run_before=screenings)


def test_review_at_80x24(demo_sqlite: Engine, snap_compare: Any) -> None:
    async def review(pilot: Pilot[None]) -> None:
        await open_from_queue(pilot, "whit da")
        await pilot.press("enter", "enter", "enter")
        await type_text(pilot, "128/82")
        await pilot.press("enter", "enter")
        await type_text(pilot, "76")
        await pilot.press("enter", "enter", "enter", "enter", "enter")
        await type_text(pilot, "171")
        await pilot.press("ctrl+r")

    assert snap_compare(make_app(demo_sqlite), terminal_size=SIZE, run_before=review)


def test_help_at_80x24(demo_sqlite: Engine, snap_compare: Any) -> None:
    async def help_keys(pilot: Pilot[None]) -> None:
        await open_from_queue(pilot, "whit da")
        await pilot.press("enter", "enter", "enter", "f1")

    assert snap_compare(make_app(demo_sqlite), terminal_size=SIZE, run_before=help_keys)


def test_signed_visit_at_80x24(demo_sqlite: Engine, snap_compare: Any) -> None:
    async def signed(pilot: Pilot[None]) -> None:
        await open_from_queue(pilot, "whit da")
        await pilot.press("enter", "enter", "enter")
        for value in ("128/82", "", "76", "16", "98.4", "97", "", "171", "2"):
            await type_text(pilot, value)
            await pilot.press("enter")
        await pilot.press("ctrl+r", "4")
        await type_text(pilot, "cough")
        await pilot.press("ctrl+r", "ctrl+s")
        await pilot.pause()
        pilot.app.clear_notifications()
        await open_from_queue(pilot, "whit da")
        await pilot.press("down", "down", "down", "down", "down", "down", "c")

    assert snap_compare(make_app(demo_sqlite), terminal_size=SIZE, run_before=signed)


def test_walk_in_question_at_80x24(engine: Engine, snap_compare: Any) -> None:
    from datetime import date

    from sqlmodel import Session

    from ma_tui.data.models.patients import Patient, Sex

    with Session(engine) as session:
        session.add(
            Patient(
                mrn="7000001",
                family_name="O'Brien",
                given_name="Siobhán",
                birth_date=date(1986, 1, 1),
                sex=Sex.FEMALE,
            )
        )
        session.commit()

    async def ask(pilot: Pilot[None]) -> None:
        await type_text(pilot, "obri")
        await pilot.press("enter")

    assert snap_compare(make_app(engine), terminal_size=SIZE, run_before=ask)


def test_resume_offer_at_80x24(demo_sqlite: Engine, snap_compare: Any) -> None:
    """Started again after a crash mid-visit: the unfinished visit is offered first."""
    from ma_tui.visits.holding import open_visit, save_draft
    from tests.conftest import CLINIC_NOW, todays_encounter_id

    encounter_id = todays_encounter_id(demo_sqlite, "Whitfield")
    draft = open_visit(demo_sqlite, encounter_id, staff_id=None, now=CLINIC_NOW)
    draft.step = "vitals"
    save_draft(demo_sqlite, draft, staff_id=None, now=CLINIC_NOW)
    assert snap_compare(make_app(demo_sqlite), terminal_size=SIZE)


def _signing_app(engine: Engine) -> Any:
    from ma_tui.core.clock import fixed_clock
    from ma_tui.screens.app import MaTuiApp
    from tests.conftest import CLINIC_NOW

    return MaTuiApp(engine, clock=fixed_clock(CLINIC_NOW), cursor_blink=False)


def test_sign_in_at_80x24(demo_sqlite: Engine, snap_compare: Any) -> None:
    async def wrong_pin(pilot: Pilot[None]) -> None:
        await type_text(pilot, "mia")
        await pilot.press("enter")
        await type_text(pilot, "1111")
        await pilot.press("enter")
        await pilot.app.workers.wait_for_complete()  # the PIN is checked in a thread
        await pilot.pause()

    assert snap_compare(_signing_app(demo_sqlite), terminal_size=SIZE, run_before=wrong_pin)


def test_idle_lock_at_80x24(demo_sqlite: Engine, snap_compare: Any) -> None:
    async def locked(pilot: Pilot[None]) -> None:
        await type_text(pilot, "mia")
        await pilot.press("enter")
        await type_text(pilot, demo_secret("mia"))
        await pilot.press("enter")
        await pilot.app.workers.wait_for_complete()  # the PIN is checked in a thread
        await pilot.pause()
        await open_from_queue(pilot, "whit da")
        pilot.app.lock()  # type: ignore[attr-defined]
        await pilot.pause()

    assert snap_compare(_signing_app(demo_sqlite), terminal_size=SIZE, run_before=locked)


def test_staff_accounts_at_80x24(demo_sqlite: Engine, snap_compare: Any) -> None:
    """The administrator's accounts table, after trying to disable the last administrator."""
    from sqlmodel import Session, select

    from ma_tui.data.models.staff import Staff
    from ma_tui.screens.staff.users import UsersScreen

    with Session(demo_sqlite) as session:
        admin = session.exec(select(Staff).where(Staff.username == "admin")).one()

    async def last_admin(pilot: Pilot[None]) -> None:
        app = pilot.app
        screen = UsersScreen(demo_sqlite, app.clock, admin, cursor_blink=False)  # type: ignore[attr-defined]
        await app.push_screen(screen)
        await pilot.press("down", "down", "down", "d", "n", "up", "up", "up", "d", "y")
        await pilot.pause()

    assert snap_compare(make_app(demo_sqlite), terminal_size=SIZE, run_before=last_admin)


def test_add_staff_account_at_80x24(demo_sqlite: Engine, snap_compare: Any) -> None:
    """Adding an account: the two PIN entries differ, so nothing is stored."""
    from sqlmodel import Session, select

    from ma_tui.data.models.staff import Staff
    from ma_tui.screens.staff.users import UsersScreen

    with Session(demo_sqlite) as session:
        admin = session.exec(select(Staff).where(Staff.username == "admin")).one()

    async def mismatch(pilot: Pilot[None]) -> None:
        app = pilot.app
        screen = UsersScreen(demo_sqlite, app.clock, admin, cursor_blink=False)  # type: ignore[attr-defined]
        await app.push_screen(screen)
        await pilot.press("a")
        for value in ("jdoe", "Jane Doe", "ma", "CMA", "4821", "4822"):
            await type_text(pilot, value)
            await pilot.press("enter")

    assert snap_compare(make_app(demo_sqlite), terminal_size=SIZE, run_before=mismatch)


def test_orders_at_80x24(demo_sqlite: Engine, snap_compare: Any) -> None:
    async def orders(pilot: Pilot[None]) -> None:
        await type_text(pilot, "benton")
        await pilot.press("f7")

    assert snap_compare(make_app(demo_sqlite), terminal_size=SIZE, run_before=orders)


def test_poc_test_at_80x24(demo_sqlite: Engine, snap_compare: Any) -> None:
    async def urinalysis(pilot: Pilot[None]) -> None:
        await type_text(pilot, "benton")
        await pilot.press("f7", "enter")
        await type_text(pilot, "ua glu neg bld tr le 1+ nit pos sg 1.020 ph 6")

    assert snap_compare(make_app(demo_sqlite), terminal_size=SIZE, run_before=urinalysis)


def test_poc_qc_failed_at_80x24(demo_sqlite: Engine, snap_compare: Any) -> None:
    async def qc(pilot: Pilot[None]) -> None:
        await type_text(pilot, "whitfield")
        await pilot.press("f7", "down", "enter")  # the A1c: this morning's QC failed
        await pilot.press("f4")

    assert snap_compare(make_app(demo_sqlite), terminal_size=SIZE, run_before=qc)


def test_new_kit_lot_at_80x24(demo_sqlite: Engine, snap_compare: Any) -> None:
    async def kit(pilot: Pilot[None]) -> None:
        await type_text(pilot, "benton")
        await pilot.press("f7", "enter", "f6")
        await type_text(pilot, "Chemstrip 10 A")
        await pilot.press("enter")
        await type_text(pilot, "UA22001")
        await pilot.press("enter")
        await type_text(pilot, "10/2026")
        await pilot.press("enter")  # expired: refused in the box

    assert snap_compare(make_app(demo_sqlite), terminal_size=SIZE, run_before=kit)


# ------------------------------------------------- themes and terminals (issue 20)
# Light theme and NO_COLOR: the banner, the allergy line, the flags and the readback
# stay legible, and each mark says what it means in words or a symbol as well.


def themed_app(engine: Engine, *, theme: str | None = None) -> Any:
    app = make_app(engine)
    if theme is not None:
        app.theme = theme
    return app


async def benton_vitals(pilot: Pilot[None]) -> None:
    await open_from_queue(pilot, "benton")
    await pilot.press("enter", "enter", "enter")
    await type_text(pilot, "168/98 162/96 p104 r24 t38.9c o91 2l w208 8")


async def benton_review(pilot: Pilot[None]) -> None:
    await benton_vitals(pilot)
    await pilot.press("backspace", "backspace", "enter", "ctrl+r")


def test_vitals_light_at_80x24(demo_sqlite: Engine, snap_compare: Any) -> None:
    app = themed_app(demo_sqlite, theme="textual-light")
    assert snap_compare(app, terminal_size=SIZE, run_before=benton_vitals)


def test_review_light_at_80x24(demo_sqlite: Engine, snap_compare: Any) -> None:
    app = themed_app(demo_sqlite, theme="textual-light")
    assert snap_compare(app, terminal_size=SIZE, run_before=benton_review)


def test_vitals_no_color_at_80x24(
    demo_sqlite: Engine, snap_compare: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    assert snap_compare(themed_app(demo_sqlite), terminal_size=SIZE, run_before=benton_vitals)


def test_review_no_color_at_80x24(
    demo_sqlite: Engine, snap_compare: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    assert snap_compare(themed_app(demo_sqlite), terminal_size=SIZE, run_before=benton_review)


def test_worklist_at_80x24(demo_sqlite: Engine, snap_compare: Any) -> None:
    async def worklist(pilot: Pilot[None]) -> None:
        await pilot.press("f3")

    assert snap_compare(make_app(demo_sqlite), terminal_size=SIZE, run_before=worklist)


def test_rooms_at_80x24(demo_sqlite: Engine, snap_compare: Any) -> None:
    async def rooms(pilot: Pilot[None]) -> None:
        await pilot.press("f4", *["down"] * 7)  # the procedure room's turnover checklist

    assert snap_compare(make_app(demo_sqlite), terminal_size=SIZE, run_before=rooms)


def test_sterilization_at_80x24(demo_sqlite: Engine, snap_compare: Any) -> None:
    async def sterilization(pilot: Pilot[None]) -> None:
        await pilot.press("f10")

    assert snap_compare(make_app(demo_sqlite), terminal_size=SIZE, run_before=sterilization)


def test_injection_at_80x24(demo_sqlite: Engine, snap_compare: Any) -> None:
    """A flu vial scanned for Dana Whitfield: no order yet, so the stop says so."""

    async def scan(pilot: Pilot[None]) -> None:
        await type_text(pilot, "whit da")
        await pilot.press("f8")
        await type_text(pilot, "01003333320240491727063010AX5521")
        await pilot.press("ctrl+right_square_bracket")
        await type_text(pilot, "21SN00042")
        await pilot.press("enter")

    assert snap_compare(make_app(demo_sqlite), terminal_size=SIZE, run_before=scan)


def test_inventory_at_80x24(demo_sqlite: Engine, snap_compare: Any) -> None:
    """The demo's shelf from the injection screen: the expired Tdap lot flagged."""

    async def shelf(pilot: Pilot[None]) -> None:
        await type_text(pilot, "whit da")
        await pilot.press("f8", "f6")

    assert snap_compare(make_app(demo_sqlite), terminal_size=SIZE, run_before=shelf)


def test_gestational_age_at_80x24(demo_sqlite: Engine, snap_compare: Any) -> None:
    """Elsa's growth chart, F2: the gestational age at birth, refused past 44 weeks."""

    async def gestation(pilot: Pilot[None]) -> None:
        await open_from_queue(pilot, "lindq")
        await pilot.press("enter", "enter", "enter", "f4")
        await pilot.pause()
        await pilot.press("f2")
        await pilot.pause()
        await pilot.press("end", "backspace", "backspace", "backspace", "backspace", "4", "5")
        await pilot.press("enter")

    assert snap_compare(make_app(demo_sqlite), terminal_size=SIZE, run_before=gestation)
