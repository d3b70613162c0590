"""Registering Ada Okafor, a new pediatric walk-in, from the queue."""

from __future__ import annotations

from datetime import date

from sqlalchemy.engine import Engine
from sqlmodel import Session, select
from textual.widgets import Input, Static

from ma_tui.data.models.patients import Coverage, Patient, Sex
from ma_tui.data.models.visits import Encounter, EncounterStatus
from ma_tui.screens.queue.walkin import WalkInScreen
from ma_tui.screens.visit.checkin import CheckInScreen
from ma_tui.screens.widgets.confirm import ConfirmScreen
from tests.pilot import make_app, type_text

ADA = (
    "Okafor",
    "Ada",
    "03/09/2023",
    "f",
    "5555550142",
    "Chidi Okafor",
    "father",
    "Blue Meadow Health",
    "BMH4471902",
)


async def test_ada_is_registered_and_opened_for_check_in(demo_engine: Engine) -> None:
    app = make_app(demo_engine)
    async with app.run_test() as pilot:
        await pilot.press("f2")
        assert isinstance(app.screen, WalkInScreen)
        for value in ADA:
            await type_text(pilot, value)
            await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, CheckInScreen)
    with Session(demo_engine) as session:
        ada = session.exec(select(Patient).where(Patient.family_name == "Okafor")).one()
        assert (ada.given_name, ada.birth_date, ada.sex) == ("Ada", date(2023, 3, 9), Sex.FEMALE)
        assert ada.phone == "555-555-0142"
        assert ada.guardian_name == "Chidi Okafor"
        coverage = session.exec(select(Coverage).where(Coverage.patient_id == ada.id)).one()
        assert (coverage.payer, coverage.member_id) == ("Blue Meadow Health", "BMH4471902")
        visit = session.exec(select(Encounter).where(Encounter.patient_id == ada.id)).one()
        assert visit.walk_in
        assert visit.status is EncounterStatus.ROOMING


async def test_a_minor_without_a_guardian_is_not_registered(demo_engine: Engine) -> None:
    app = make_app(demo_engine)
    async with app.run_test() as pilot:
        await pilot.press("f2")
        for value in ("Okafor", "Ada", "3/9/23", "F", "", "", "", "", ""):
            await type_text(pilot, value)
            await pilot.press("enter")
        assert isinstance(app.screen, WalkInScreen)
        error = app.screen.query_one("#error-guardian_name", Static)
        assert "guardian" in str(error.render())
    with Session(demo_engine) as session:
        assert session.exec(select(Patient).where(Patient.family_name == "Okafor")).all() == []


async def test_bad_fields_each_say_why(demo_engine: Engine) -> None:
    app = make_app(demo_engine)
    async with app.run_test() as pilot:
        await pilot.press("f2", "ctrl+s")
        assert isinstance(app.screen, WalkInScreen)
        assert "required" in str(app.screen.query_one("#error-family_name", Static).render())
        await pilot.press("escape")
        assert not isinstance(app.screen, WalkInScreen)


async def test_relationship_and_payer_complete_with_the_right_arrow(demo_engine: Engine) -> None:
    app = make_app(demo_engine)
    async with app.run_test() as pilot:
        await pilot.press("f2")
        for value in ADA[:6]:
            await type_text(pilot, value)
            await pilot.press("enter")
        for prefix, completed, selector in (
            ("fa", "father", "#new-guardian_relationship"),
            ("blue m", "Blue Meadow Health", "#new-payer"),
        ):
            await type_text(pilot, prefix)
            await pilot.pause()
            typed = app.screen.query_one(selector, Input)
            assert typed.has_focus
            assert typed.value == prefix
            assert typed.render_line(0).text.startswith(prefix + completed[len(prefix) :])  # grey
            await pilot.press("right")
            assert typed.value == completed
            assert typed.render_line(0).text.startswith(completed)
            await pilot.press("enter")
        await type_text(pilot, "BMH4471902")
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, CheckInScreen)
        assert app.screen.query_one("#cov-payer", Input).value == "Blue Meadow Health"
    with Session(demo_engine) as session:
        ada = session.exec(select(Patient).where(Patient.family_name == "Okafor")).one()
        assert ada.guardian_relationship == "father"
        coverage = session.exec(select(Coverage).where(Coverage.patient_id == ada.id)).one()
        assert (coverage.payer, coverage.member_id) == ("Blue Meadow Health", "BMH4471902")


async def test_a_payer_not_in_the_catalog_is_kept_as_typed(demo_engine: Engine) -> None:
    app = make_app(demo_engine)
    async with app.run_test() as pilot:
        await pilot.press("f2")
        for value in ("Okafor", "Ada", "3/9/23", "F", "", "Chidi Okafor", "father"):
            await type_text(pilot, value)
            await pilot.press("enter")
        await type_text(pilot, "Cedar Valley Co-op")  # "Cedar " is offered Cedar Mutual
        await pilot.pause()
        payer = app.screen.query_one("#new-payer", Input)
        assert payer.render_line(0).text.rstrip() == "Cedar Valley Co-op"  # nothing grey
        await pilot.press("right", "enter")  # Right at the end with nothing offered: no-op
        await type_text(pilot, "CV1")
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, CheckInScreen)
    with Session(demo_engine) as session:
        ada = session.exec(select(Patient).where(Patient.family_name == "Okafor")).one()
        coverage = session.exec(select(Coverage).where(Coverage.patient_id == ada.id)).one()
        assert coverage.payer == "Cedar Valley Co-op"


async def test_an_impossible_birth_date_is_refused_as_it_is_left_and_cleared_once_fixed(
    demo_engine: Engine,
) -> None:
    app = make_app(demo_engine)
    async with app.run_test() as pilot:
        await pilot.press("f2")
        await type_text(pilot, "Okafor")
        await pilot.press("enter")
        await type_text(pilot, "Ada")
        await pilot.press("enter")
        await type_text(pilot, "02/30/1979")
        await pilot.press("enter")  # left for Sex
        error = app.screen.query_one("#error-birth_date", Static)
        assert isinstance(app.screen, WalkInScreen)
        assert str(error.content) != ""  # said before the form is sent
        await pilot.press("shift+tab")
        field = app.screen.query_one("#new-birth_date", Input)
        field.value = "03/09/1979"
        await pilot.press("enter")
        assert str(error.content) == ""


async def test_escape_on_a_half_typed_walk_in_asks_before_throwing_it_away(
    demo_engine: Engine,
) -> None:
    app = make_app(demo_engine)
    async with app.run_test() as pilot:
        await pilot.press("f2")
        await type_text(pilot, "Okafor")
        await pilot.press("escape")
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("n")
        assert isinstance(app.screen, WalkInScreen)
        assert app.screen.query_one("#new-family_name", Input).value == "Okafor"
        await pilot.press("escape", "y")
        assert not isinstance(app.screen, WalkInScreen | ConfirmScreen)


async def test_a_possible_duplicate_is_shown_before_a_walk_in_is_registered(
    demo_engine: Engine,
) -> None:
    app = make_app(demo_engine)
    async with app.run_test() as pilot:
        await pilot.press("f2")
        for value in ("Whitfield", "Dana", "4/12/1968", "f", "", "", "", "", ""):
            await type_text(pilot, value)
            await pilot.press("enter")
        assert isinstance(app.screen, ConfirmScreen)
        assert "Whitfield, Dana  DOB 04/12/1968" in app.screen.detail
        keys = str(app.screen.query_one("#confirm-keys", Static).content)
        assert keys == "Y: register anyway     N / Enter / Esc: back to the form"
        await pilot.press("enter")  # a habit Enter is the safe answer: no duplicate
        await pilot.pause()
        assert isinstance(app.screen, WalkInScreen)
    with Session(demo_engine) as session:
        assert (
            len(session.exec(select(Patient).where(Patient.family_name == "Whitfield")).all()) == 1
        )


async def test_a_long_reason_is_read_in_full_at_80_columns(demo_engine: Engine) -> None:
    """Found trying it: "13 is not a month (dates are" — the reason cut at the column."""
    app = make_app(demo_engine)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("f2")
        await type_text(pilot, "Okafor")
        await pilot.press("enter")
        await type_text(pilot, "Ada")
        await pilot.press("enter")
        await type_text(pilot, "13/09/2023")
        await pilot.press("enter")
        await pilot.pause()
        error = app.screen.query_one("#error-birth_date", Static)
        message = str(error.content)
        assert len(message) > error.content_region.width  # a reason longer than its cell
        shown_lines = [
            "".join(segment.text for segment in line).strip()
            for line in error.render_lines(error.content_region.reset_offset)
        ]
        assert " ".join(" ".join(shown_lines).split()) == " ".join(message.split())
