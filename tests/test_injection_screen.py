"""Giving an injection from the queue, keyboard only, with a scanned vial."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select
from textual.widgets import DataTable

from ma_tui.data.catalogs.vaccines import vaccine_catalog
from ma_tui.data.models.history import Allergy, AllergyCategory
from ma_tui.data.models.immunizations import Injection, InjectionDraft, VaccineLot
from ma_tui.data.models.orders import OrderStatus, VisitOrder
from ma_tui.data.models.patients import Patient
from ma_tui.data.models.staff import Staff
from ma_tui.orders.items import item_for_product
from ma_tui.orders.orders import place_orders
from ma_tui.screens.immunizations.injection import InjectionScreen
from ma_tui.screens.queue.queue import QueueScreen
from tests.conftest import CLINIC_NOW, todays_encounter_id
from tests.pilot import field, make_app, shown, type_text

GS = "ctrl+right_square_bracket"  # what a terminal delivers for the scanner's FNC1
# Afluria, expiry 2027-06-30, lot AX5521 (a separator: the lot is variable length), serial.
FLU = ("01003333320240491727063010AX5521", GS, "21SN00042")
# Boostrix lot B7Y2K, expired 2026-11-17 (the demo's shelf: six days before today).
EXPIRED_TDAP = ("010035816084211517261117", "10B7Y2K")


async def _scan(pilot: object, parts: tuple[str, ...]) -> None:
    for part in parts:
        if part == GS:
            await pilot.press(GS)  # type: ignore[attr-defined]
        else:
            await type_text(pilot, part)  # type: ignore[arg-type]
    await pilot.press("enter")  # type: ignore[attr-defined]


async def _open(pilot: object, search: str) -> None:
    await type_text(pilot, search)  # type: ignore[arg-type]
    await pilot.press("f8")  # type: ignore[attr-defined]
    await pilot.pause()  # type: ignore[attr-defined]


def _doses(engine: Engine, lot: str) -> int:
    with Session(engine) as session:
        return session.exec(select(VaccineLot).where(VaccineLot.lot == lot)).one().doses_on_hand


def _order_flu(engine: Engine, family_name: str) -> int:
    """Dr. Chen orders a flu shot at the visit; the order's id."""
    with Session(engine) as session:
        chen = session.exec(select(Staff).where(Staff.username == "dr.chen")).one()
    assert chen.id is not None
    flu = item_for_product(vaccine_catalog().product("flu_afluria"))
    encounter_id = todays_encounter_id(engine, family_name)
    return place_orders(engine, encounter_id, [flu], by=chen.id, at=CLINIC_NOW)[0].id


async def test_a_flu_shot_from_a_scanned_barcode_starts_the_countdown(demo_sqlite: Engine) -> None:
    order_id = _order_flu(demo_sqlite, "Whitfield")
    app = make_app(demo_sqlite)
    async with app.run_test() as pilot:
        await _open(pilot, "whit da")
        assert isinstance(app.screen, InjectionScreen)
        await _scan(pilot, FLU)
        assert field(app, "#injection-scan").value == "01003333320240491727063010AX5521␝21SN00042"
        vial = shown(app, "#injection-vial").replace("\n", " ")
        assert "lot AX5521 exp 06/21/2027 (vial 06/30/2027, shelf 06/21/2027)" in vial
        assert "private stock · 38 on hand" in vial
        assert field(app, "#injection-order").value == "1"  # the open order it fills
        for typed in ("4/12/68", "", "", "", "", ""):  # the scan went on to the DOB
            await type_text(pilot, typed)
            await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, QueueScreen)
        table = app.screen.query_one("#queue-table", DataTable)
        key = f"encounter:{todays_encounter_id(demo_sqlite, 'Whitfield')}"
        assert str(table.get_cell(key, "status")) == "obs 15:00 left"
        table.move_cursor(row=table.get_row_index(key))
        await pilot.press("f6")
        await _typed_line_is_shown(app, pilot, "hives on the arm")
        await pilot.press("enter")
        await pilot.pause()
        assert str(table.get_cell(key, "status")) == "reaction noted"
    assert _doses(demo_sqlite, "AX5521") == 37
    with Session(demo_sqlite) as session:
        given = session.exec(select(Injection).where(Injection.lot == "AX5521")).one()
        order = session.get(VisitOrder, order_id)
    assert given.reaction == "hives on the arm"
    assert order is not None
    assert (order.status, given.order_id) == (OrderStatus.DONE, order_id)
    assert (given.cvx, given.ndc, given.expires, given.site) == (
        "140",
        "33332-0024-04",
        date(2027, 6, 21),  # the sooner of the vial's and the shelf's
        "LD",
    )


async def test_an_expired_lot_is_refused_at_the_scan(demo_sqlite: Engine) -> None:
    app = make_app(demo_sqlite)
    async with app.run_test() as pilot:
        await _open(pilot, "whit da")
        await _scan(pilot, EXPIRED_TDAP)
        for typed in ("", "4/12/68", "", "", "", "", ""):  # no Tdap order: the scan went on to it
            await type_text(pilot, typed)
            await pilot.press("enter")
        await pilot.press("ctrl+s")
        assert isinstance(app.screen, InjectionScreen)
        assert "is expired: do not give" in shown(app, "#injection-problems")
    assert _doses(demo_sqlite, "B7Y2K") == 4


async def test_an_allergy_to_the_vaccine_stops_it(demo_sqlite: Engine) -> None:
    _order_flu(demo_sqlite, "Benton")
    with Session(demo_sqlite) as session:
        benton = session.exec(select(Patient).where(Patient.family_name == "Benton")).one()
        assert benton.id is not None
        session.add(
            Allergy(
                patient_id=benton.id,
                substance="influenza vaccine",
                category=AllergyCategory.BIOLOGIC,
            )
        )
        session.commit()
    app = make_app(demo_sqlite)
    async with app.run_test() as pilot:
        await _open(pilot, "benton")
        await _scan(pilot, FLU)
        for typed in ("11/2/49", "", "", "", "", ""):  # the scan went on to the DOB
            await type_text(pilot, typed)
            await pilot.press("enter")
        assert isinstance(app.screen, InjectionScreen)
        assert "STOP: allergy to influenza vaccine" in shown(app, "#injection-problems")
    assert _doses(demo_sqlite, "AX5521") == 38


def _drafts(engine: Engine) -> list[InjectionDraft]:
    with Session(engine) as session:
        return list(session.exec(select(InjectionDraft)).all())


async def test_a_dose_left_half_typed_is_back_when_reopened_and_gone_once_given(
    demo_sqlite: Engine,
) -> None:
    _order_flu(demo_sqlite, "Whitfield")
    app = make_app(demo_sqlite)
    async with app.run_test() as pilot:
        await _open(pilot, "whit da")
        await _scan(pilot, FLU)
        await type_text(pilot, "4/12/68")  # the order filled in by the scan, on to the DOB
        await pilot.press("enter", "enter", "enter")  # dose, route: the catalog's
        await pilot.press("backspace", "backspace")
        await type_text(pilot, "RD")
        await pilot.press("escape")  # called away before giving it
        await pilot.pause()
        assert isinstance(app.screen, QueueScreen)
        [draft] = _drafts(demo_sqlite)
        assert draft.slot == "visit"  # opened with F8, not from an order
        await _open(pilot, "whit da")
        assert isinstance(app.screen, InjectionScreen)
        assert field(app, "#injection-scan").value == "01003333320240491727063010AX5521␝21SN00042"
        assert "lot AX5521" in shown(app, "#injection-vial")
        assert (field(app, "#injection-order").value, field(app, "#injection-site").value) == (
            "1",
            "RD",
        )
        assert "right deltoid" in shown(app, "#injection-note-site").lower()
        assert field(app, "#injection-dob").value == ""  # asked again, never kept
        assert app.focused is field(app, "#injection-dob")
        await type_text(pilot, "4/12/68")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, QueueScreen)
    assert _drafts(demo_sqlite) == []
    with Session(demo_sqlite) as session:
        given = session.exec(select(Injection).where(Injection.lot == "AX5521")).one()
    assert given.site == "RD"


async def _typed_line_is_shown(app: object, pilot: object, typed: str) -> None:
    """The dialog's input box has a line inside its border, and the typed text is on it."""
    from textual.widgets import Input

    await type_text(pilot, typed)  # type: ignore[arg-type]
    await pilot.pause()  # type: ignore[attr-defined]
    box = app.screen.query_one("#ask-answer", Input)  # type: ignore[attr-defined]
    assert box.content_region.height >= 1
    assert box.value == typed
    drawn = app.export_screenshot()  # type: ignore[attr-defined]
    assert typed.replace(" ", "&#160;") in drawn


@pytest.mark.parametrize("size", [(80, 24), (100, 30)])
async def test_the_not_given_and_reaction_dialogs_show_what_is_typed(
    demo_sqlite: Engine, size: tuple[int, int]
) -> None:
    _order_flu(demo_sqlite, "Whitfield")
    app = make_app(demo_sqlite)
    async with app.run_test(size=size) as pilot:
        await _open(pilot, "whit da")
        await _scan(pilot, FLU)
        await pilot.press("f3")
        await pilot.pause()
        await _typed_line_is_shown(app, pilot, "refused wants to wait")
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, QueueScreen)
    with Session(demo_sqlite) as session:
        skipped = session.exec(
            select(Injection).where(col(Injection.not_given_reason).is_not(None))
        ).one()
    assert (skipped.product_key, skipped.note) == ("flu_afluria", "wants to wait")


async def test_after_a_scan_the_date_of_birth_is_typed_where_it_belongs(
    demo_sqlite: Engine,
) -> None:
    """Harold's flu order, from his orders: the scan fills the order field; the date of
    birth typed next lands in its own field, and a STOP about a field goes once it
    changes."""
    from textual.widgets import Input

    app = make_app(demo_sqlite)
    async with app.run_test(size=(80, 24)) as pilot:
        await type_text(pilot, "benton")
        await pilot.press("f7")
        await pilot.pause()
        await pilot.press("down", "enter")  # the flu shot, after the urine dipstick
        await pilot.pause()
        assert isinstance(app.screen, InjectionScreen)
        order = field(app, "#injection-order").value
        assert order
        await _scan(pilot, ("01003333320240491727063010AX5521", GS, "21SN00043"))
        await pilot.pause()
        assert isinstance(app.focused, Input)
        assert app.focused.id == "injection-dob"
        await type_text(pilot, "11/2/1950")  # misheard: not the chart's
        assert field(app, "#injection-dob").value == "11/2/1950"
        assert field(app, "#injection-order").value == order
        await pilot.press("enter")
        await pilot.pause()
        assert "STOP: the date of birth said is not the chart's" in shown(
            app, "#injection-problems"
        )
        await pilot.press("shift+tab")  # back to the date of birth, to fix it
        await pilot.press("ctrl+u")
        await type_text(pilot, "11/2/1949")
        await pilot.pause()
        assert "STOP" not in shown(app, "#injection-problems")
        assert field(app, "#injection-dob").value == "11/2/1949"


async def test_the_adults_flu_standing_order_is_refused_for_a_child(demo_sqlite: Engine) -> None:
    """Ethan Park, 8: `influenza` typed as the order is refused when giving; nothing stored."""
    from ma_tui.staff.accounts import list_users

    app = make_app(demo_sqlite)
    app.staff = next(user for user in list_users(demo_sqlite) if user.username == "mia")
    async with app.run_test() as pilot:
        await _open(pilot, "park")
        assert isinstance(app.screen, InjectionScreen)
        await _scan(pilot, FLU)
        for typed in ("influenza", "1/17/2018", "", "", "", "", "V01"):
            await type_text(pilot, typed)
            await pilot.press("enter")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, InjectionScreen)
        problems = shown(app, "#injection-problems").replace("\n", " ")
        assert "is for ages 18 and over; Ethan is 8" in problems
    assert _doses(demo_sqlite, "AX5521") == 38
    with Session(demo_sqlite) as session:
        assert not session.exec(select(Injection).where(Injection.lot == "AX5521")).all()
