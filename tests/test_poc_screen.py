"""Orders and point-of-care tests driven from the queue, as an MA does at the chair."""

from __future__ import annotations

from sqlalchemy.engine import Engine
from sqlmodel import Session, select
from textual.pilot import Pilot
from textual.widgets import DataTable

from ma_tui.data.catalogs.poc_tests import poc_catalog
from ma_tui.data.models.staff import Staff
from ma_tui.labs.corrections import visit_results
from ma_tui.orders.items import item_for_test
from ma_tui.orders.orders import OrderStatus, OrderView, place_orders, visit_orders
from ma_tui.screens.app import MaTuiApp
from ma_tui.screens.orders.orders import OrdersScreen
from ma_tui.screens.orders.poc import PocScreen
from ma_tui.screens.widgets.confirm import ConfirmScreen
from tests.conftest import CLINIC_NOW, todays_encounter_id
from tests.pilot import field, make_app, shown, type_text
from tests.test_orders import staff_id

SIZE = (80, 24)


async def open_orders_of(pilot: Pilot[None], search: str) -> None:
    """Find the patient on the queue and open their orders (F7)."""
    await type_text(pilot, search)
    await pilot.press("f7")
    await pilot.pause()


def order_of(engine: Engine, family: str, test: str) -> OrderView:
    visit = todays_encounter_id(engine, family)
    return next(o for o in visit_orders(engine, visit) if o.catalog_key == test)


def queue_orders_cell(app: MaTuiApp) -> str:
    """The open-orders cell of the queue's highlighted row."""
    table = app.screen.query_one("#queue-table", DataTable)
    return str(table.get_row_at(table.cursor_row)[-1])


async def test_a_urinalysis_ordered_by_the_provider_is_resulted_and_flagged(
    demo_sqlite: Engine,
) -> None:
    app = make_app(demo_sqlite)
    async with app.run_test(size=SIZE) as pilot:
        await type_text(pilot, "benton")
        assert queue_orders_cell(app) == "2▸"
        await pilot.press("f7")
        await pilot.pause()
        assert isinstance(app.screen, OrdersScreen)
        await pilot.press("enter")  # the urine dipstick, first of Harold's orders
        await pilot.pause()
        assert isinstance(app.screen, PocScreen)
        await type_text(pilot, "ua glu neg bld tr le 1+ nit pos sg 1.020 ph 6")
        await pilot.pause()
        assert "!BLD trace A" in shown(app, "#poc-readback")
        assert "3 flagged" in shown(app, "#poc-count")
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, OrdersScreen)
        await pilot.press("escape")  # the queue: one order left, the flu shot
        await pilot.pause()
        assert queue_orders_cell(app) == "1▸"
    assert order_of(demo_sqlite, "Benton", "ua").status is OrderStatus.DONE


async def test_a_glucose_under_the_standing_order_is_resulted(demo_sqlite: Engine) -> None:
    app = make_app(demo_sqlite)
    async with app.run_test(size=SIZE) as pilot:
        await open_orders_of(pilot, "whitfield")
        await pilot.press("enter")  # the fingerstick glucose, first of the protocol
        await pilot.pause()
        await type_text(pilot, "glu 250")
        await pilot.pause()
        assert "!GLU 250 mg/dL H" in shown(app, "#poc-readback")
        await pilot.press("enter")
        await pilot.pause()
    glucose = order_of(demo_sqlite, "Whitfield", "glucose")
    assert glucose.status is OrderStatus.DONE


async def test_an_expired_kit_lot_is_refused(demo_sqlite: Engine) -> None:
    app = make_app(demo_sqlite)
    async with app.run_test(size=SIZE) as pilot:
        await open_orders_of(pilot, "benton")
        await pilot.press("enter")
        await pilot.pause()
        await pilot.press("up")  # the older lot, expired last month
        await type_text(pilot, "ua glu neg")
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, PocScreen)
        assert "expired" in shown(app, "#poc-error")
    assert order_of(demo_sqlite, "Benton", "ua").status is OrderStatus.OPEN


async def test_without_qc_today_the_ma_is_told_and_a_draft_survives(demo_sqlite: Engine) -> None:
    visit = todays_encounter_id(demo_sqlite, "Whitfield")
    hcg = item_for_test(poc_catalog().test("hcg"))
    place_orders(demo_sqlite, visit, [hcg], by=staff_id(demo_sqlite, "dr.chen"), at=CLINIC_NOW)
    app = make_app(demo_sqlite)
    async with app.run_test(size=SIZE) as pilot:
        await open_orders_of(pilot, "whitfield")
        await pilot.press("down", "down", "enter")  # glucose, A1c, then the hCG
        await pilot.pause()
        assert "no quality control recorded today" in shown(app, "#poc-qc")
        await type_text(pilot, "hcg neg")
        await pilot.press("escape")  # left before resulting: the line is kept
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        assert field(app, "#poc-line").value == "hcg neg"
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        assert (
            shown(app, "#confirm-keys").strip() == "Y: result anyway     N / Enter / Esc: not now"
        )
        await pilot.press("enter")  # Enter is the safe answer: not without QC
        await pilot.pause()
        assert isinstance(app.screen, PocScreen)
        assert order_of(demo_sqlite, "Whitfield", "hcg").status is OrderStatus.OPEN
        await pilot.press("f4", "p")
        await pilot.pause()
        assert "passed today" in shown(app, "#poc-qc")
        await pilot.press("enter")
        await pilot.pause()
    assert order_of(demo_sqlite, "Whitfield", "hcg").status is OrderStatus.DONE


async def test_a_wrong_result_is_marked_entered_in_error_from_the_orders_screen(
    demo_sqlite: Engine,
) -> None:
    visit = todays_encounter_id(demo_sqlite, "Whitfield")
    app = make_app(demo_sqlite)
    with Session(demo_sqlite) as session:
        app.staff = session.exec(select(Staff).where(Staff.username == "mia")).one()
        session.expunge(app.staff)
    async with app.run_test(size=SIZE) as pilot:
        await open_orders_of(pilot, "whitfield")
        await pilot.press("enter")  # the fingerstick glucose
        await pilot.pause()
        await type_text(pilot, "glu 520")
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, OrdersScreen)
        # The cursor stays on the glucose, done now and last in the list: its result shows.
        assert "GLU 520 mg/dL HH" in shown(app, "#orders-results")
        await pilot.press("up", "e")  # an open order has no result to mark
        await pilot.pause()
        assert isinstance(app.screen, OrdersScreen)
        assert not shown(app, "#orders-results").strip()
        await pilot.press("down", "e")
        await pilot.pause()
        await pilot.press("enter")  # no reason: nothing happens
        await pilot.pause()
        await type_text(pilot, "meter read the wrong strip")
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, OrdersScreen)
        glucose = order_of(demo_sqlite, "Whitfield", "glucose")
        assert glucose.status is OrderStatus.OPEN  # to do again
        assert "entered in error: meter read the wrong strip" in shown(app, "#orders-results")
        enabled = {a.binding.key for a in app.screen.active_bindings.values() if a.enabled}
        assert "e" not in enabled  # nothing left to mark on this order
    [result] = visit_results(demo_sqlite, visit)
    assert result.error_reason == "meter read the wrong strip"


async def test_standing_orders_not_for_the_patient_are_greyed_and_not_placed(
    demo_sqlite: Engine,
) -> None:
    """Ethan Park, 8, male: the adults' flu dose and the hCG test are shown greyed with
    whom they are for, and Enter on them places nothing."""
    from textual.widgets import OptionList

    from ma_tui.staff.accounts import list_users

    app = make_app(demo_sqlite)
    app.staff = next(user for user in list_users(demo_sqlite) if user.username == "mia")
    visit = todays_encounter_id(demo_sqlite, "Park")
    before = len(visit_orders(demo_sqlite, visit))
    async with app.run_test(size=SIZE) as pilot:
        await open_orders_of(pilot, "park")
        assert isinstance(app.screen, OrdersScreen)
        await pilot.press("s")
        await pilot.pause()
        pick = app.screen.query_one("#orders-pick", OptionList)
        options = {str(o.id): o for o in pick.options}
        flu, hcg = options["standing:influenza"], options["standing:pregnancy"]
        assert flu.disabled
        assert hcg.disabled
        assert "not for this patient: ages 18 and over" in str(flu.prompt)
        assert "not for this patient: females, ages 10 to 55" in str(hcg.prompt)
        assert not options["standing:sore_throat"].disabled
        pick.highlighted = pick.get_option_index("standing:influenza")
        await pilot.press("enter")
        await pilot.pause()
    assert len(visit_orders(demo_sqlite, visit)) == before
