"""Check-in, driven from the queue with the keys an MA presses."""

from __future__ import annotations

from sqlalchemy.engine import Engine
from sqlmodel import Session
from textual.widgets import Button, Input, Static

from ma_tui.data.models.visits import RoomingDraft
from ma_tui.screens.visit.checkin import CheckInScreen
from ma_tui.screens.visit.vitals import VitalsScreen
from ma_tui.visits.draft import VisitDraft
from tests.pilot import make_app, open_from_queue, type_text


def _text(app: object, selector: str) -> str:
    screen = app.screen  # type: ignore[attr-defined]
    return str(screen.query_one(selector, Static).render())


async def test_dana_is_checked_in_with_three_enters(demo_engine: Engine) -> None:
    app = make_app(demo_engine)
    async with app.run_test() as pilot:
        await open_from_queue(pilot, "whit da")
        assert isinstance(app.screen, CheckInScreen)
        banner = _text(app, "#banner")
        for part in ("Whitfield, Dana", "58 y", "DOB 04/12/1968", "F", "NKA"):
            assert part in banner
        await pilot.press("enter", "enter", "enter")
        assert isinstance(app.screen, VitalsScreen)
        assert app.visit is not None
        draft = app.visit.draft.checkin
        assert draft.identity_confirmed_at is not None
        assert draft.demographics_confirmed
        assert draft.demographic_changes == {}
        assert draft.coverage_confirmed
        assert draft.coverage_changes == {}


async def test_harold_gets_a_new_phone_and_an_insurance_warning(demo_engine: Engine) -> None:
    app = make_app(demo_engine)
    async with app.run_test() as pilot:
        await open_from_queue(pilot, "benton")
        assert "expires in 18 days" in _text(app, "#coverage-alert")
        assert "Allergies: sulfa" in _text(app, "#banner")
        await pilot.press("enter", "tab")
        await type_text(pilot, "5555550199")
        await pilot.press("enter", "enter")
        assert isinstance(app.screen, VitalsScreen)
        assert app.visit is not None
        assert app.visit.draft.checkin.demographic_changes == {"phone": "555-555-0199"}


async def test_a_bad_phone_is_refused_with_a_message(demo_engine: Engine) -> None:
    app = make_app(demo_engine)
    async with app.run_test() as pilot:
        await open_from_queue(pilot, "benton")
        await pilot.press("enter", "tab")
        await type_text(pilot, "12345")
        await pilot.press("enter")
        assert isinstance(app.screen, CheckInScreen)
        assert "Phone" in _text(app, "#demographics-error")
        assert app.visit is not None
        assert not app.visit.draft.checkin.demographics_confirmed


async def test_nothing_clinical_before_two_identifiers(demo_engine: Engine) -> None:
    app = make_app(demo_engine)
    async with app.run_test() as pilot:
        await open_from_queue(pilot, "whit da")
        await pilot.press("ctrl+n")
        assert isinstance(app.screen, CheckInScreen)
        await pilot.press("ctrl+r")
        assert isinstance(app.screen, CheckInScreen)
        assert app.visit is not None
        assert app.visit.draft.checkin.identity_confirmed_at is None


async def test_harolds_new_payer_completes_with_the_right_arrow(demo_engine: Engine) -> None:
    app = make_app(demo_engine)
    async with app.run_test() as pilot:
        await open_from_queue(pilot, "benton")
        await pilot.press("enter", "enter", "tab")  # identity, demographics, into Payer
        payer = app.screen.query_one("#cov-payer", Input)
        assert payer.has_focus
        assert payer.value == "Medicare"
        await type_text(pilot, "humana g")  # the old payer, selected, is typed over
        await pilot.pause()
        assert payer.value == "humana g"
        assert payer.render_line(0).text.startswith("humana gold Plus")  # typed, then grey
        await pilot.press("right")
        assert payer.value == "Humana Gold Plus"
        await pilot.press("tab")
        await type_text(pilot, "H48213377")
        await pilot.press("enter")
        assert isinstance(app.screen, VitalsScreen)
        assert app.visit is not None
        encounter_id = app.visit.draft.encounter_id
    changes = {"payer": "Humana Gold Plus", "member_id": "H48213377"}
    with Session(demo_engine) as session:
        stored = session.get(RoomingDraft, encounter_id)
        assert stored is not None
        draft = VisitDraft.model_validate_json(stored.data).checkin
    assert draft.coverage_confirmed
    assert draft.coverage_changes == changes


async def test_the_confirmed_identity_line_is_shown_whole_at_once(demo_sqlite: Engine) -> None:
    app = make_app(demo_sqlite)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_from_queue(pilot, "whit da")
        await pilot.press("enter")
        await pilot.pause()
        button = app.screen.query_one("#confirm-identity", Button)
        assert str(button.label) == "✓ Identity confirmed (name and date of birth)"
        assert button.size.width >= len(str(button.label))  # not cut to the old label's width


async def test_a_confirmation_shows_once_with_no_pressed_flash(demo_engine: Engine) -> None:
    """Enter on a confirmation changes its label to a ✓ at once, and nothing after:
    Textual's 0.2 s pressed look repainted the row again long after the key."""
    app = make_app(demo_engine)
    async with app.run_test() as pilot:
        await open_from_queue(pilot, "whit da")
        await pilot.press("enter")
        button = app.screen.query_one("#confirm-identity", Button)
        assert str(button.label).startswith("✓")
        assert "-active" not in button.classes
