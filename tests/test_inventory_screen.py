"""The shelf, read only: every lot with its expiry, doses and funding; expired,
empty and low lots said in words; reached from the injection and orders screens."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy.engine import Engine
from textual.widgets import DataTable

from ma_tui.immunizations.inventory import (
    LOW_STOCK,
    FundingSource,
    InventoryLot,
    StockFlag,
    lot_problem,
    stock_flag,
)
from ma_tui.screens.immunizations.injection import InjectionScreen
from ma_tui.screens.immunizations.inventory import InventoryScreen
from ma_tui.screens.orders.orders import OrdersScreen
from tests.pilot import field, make_app, shown, type_text

TODAY = date(2026, 11, 23)


def _lot(expires: date, doses: int) -> InventoryLot:
    return InventoryLot("flu_afluria", None, "L1", expires, doses, FundingSource.PRIVATE)


@given(st.integers(-400, 400), st.integers(-3, 60))
def test_a_lot_is_flagged_worst_first_and_only_a_usable_one_is_unflagged(
    days: int, doses: int
) -> None:
    lot = _lot(TODAY + timedelta(days=days), doses)
    flag = stock_flag(lot, TODAY)
    assert (flag is StockFlag.EXPIRED) == (days < 0)
    assert (flag is None) == (days >= 0 and doses > LOW_STOCK)
    assert (flag in (None, StockFlag.LOW)) == (lot_problem(lot, TODAY) is None)


def _rows(app: object) -> dict[str, list[str]]:
    table = app.screen.query_one("#inventory-table", DataTable)  # type: ignore[attr-defined]
    return {
        str(table.get_row_at(i)[1]): [str(cell) for cell in table.get_row_at(i)]
        for i in range(table.row_count)
    }


async def test_the_shelf_from_the_injection_screen_flags_the_expired_lot(
    demo_sqlite: Engine,
) -> None:
    app = make_app(demo_sqlite)
    async with app.run_test(size=(80, 24)) as pilot:
        await type_text(pilot, "whit da")
        await pilot.press("f8")
        await pilot.pause()
        await type_text(pilot, "0100")  # typed, then a look at the shelf
        await pilot.press("f6")
        await pilot.pause()
        assert isinstance(app.screen, InventoryScreen)
        assert "7 lots" in shown(app, "#inventory-title")
        assert "1 expired" in shown(app, "#inventory-title")
        rows = _rows(app)
        assert rows["B7Y2K"][2:] == ["2026-11-17", "4", "private", "✗ EXPIRED"]
        assert rows["FV1187"][3:] == ["20", "VFC", ""]
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, InjectionScreen)
        assert field(app, "#injection-scan").value == "0100"  # the form as it was


async def test_the_shelf_from_a_visits_orders(demo_sqlite: Engine) -> None:
    app = make_app(demo_sqlite)
    async with app.run_test(size=(80, 24)) as pilot:
        await type_text(pilot, "benton")
        await pilot.press("f7", "i")
        await pilot.pause()
        assert isinstance(app.screen, InventoryScreen)
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, OrdersScreen)
