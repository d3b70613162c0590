"""What a new user found in the vitals step (issue 17): the time taken moved, a BP not
obtained was listed twice, the repeat reading was not named, infants got adult defaults,
and the not-obtained reasons did not say which vital they were for."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.engine import Engine
from textual.widgets import Input, Label

from ma_tui.screens.app import MaTuiApp
from ma_tui.screens.visit.review import ReviewScreen
from ma_tui.screens.visit.vitals import VitalsScreen
from ma_tui.screens.widgets.common import PickList
from ma_tui.visits.correcting import signed_vitals
from ma_tui.visits.holding import open_visit
from ma_tui.visits.signing import sign_visit
from ma_tui.vitals.codes import SYSTOLIC_BP
from ma_tui.vitals.entry import VitalsForm, build_vitals
from ma_tui.vitals.line import INFANT_EXAMPLE
from ma_tui.vitals.measurements import ClinicUnits
from tests.conftest import CLINIC_NOW, todays_encounter_id
from tests.pilot import make_app, open_from_queue, shown, type_text


async def test_the_time_taken_stays_when_the_step_is_visited_again(demo_sqlite: Engine) -> None:
    """Typed at 09:20; back on Vitals at 09:50 (Ctrl+B) and on again: still 09:20."""
    now = [CLINIC_NOW]
    app = MaTuiApp(demo_sqlite, clock=lambda: now[0], cursor_blink=False, sign_in=False)
    async with app.run_test() as pilot:
        await open_from_queue(pilot, "whit da")
        await pilot.press("enter", "enter", "enter")
        await type_text(pilot, "128/82 p76 r16 t98.4 o97 w171 pn2")
        await pilot.press("enter")
        await pilot.pause()
        assert not isinstance(app.screen, VitalsScreen)
        now[0] = CLINIC_NOW + timedelta(minutes=30)
        await pilot.press("ctrl+b")
        assert isinstance(app.screen, VitalsScreen)
        assert app.screen.query_one("#taken_at", Input).placeholder == "09:20"
        await pilot.press("ctrl+n")
        await pilot.pause()
        assert app.visit is not None
        taken = {entry.taken_at for entry in app.visit.draft.vitals.entries}
    assert taken == {CLINIC_NOW}


async def test_a_bp_not_obtained_is_one_row_of_the_review(demo_sqlite: Engine) -> None:
    app = make_app(demo_sqlite)
    async with app.run_test() as pilot:
        await open_from_queue(pilot, "whit da")
        await pilot.press("enter", "enter", "enter")
        await pilot.press("f3")  # on the line: the first vital still empty, BP
        assert "BP: not obtained because" in str(app.screen.query_one(PickList).border_title)
        await pilot.press("down", "enter")
        await pilot.press("ctrl+r")
        await pilot.pause()
        assert isinstance(app.screen, ReviewScreen)
        review = shown(app, "#review-visit")
    assert review.count("not obtained: patient uncooperative") == 1


def test_the_signed_visit_names_the_repeat_reading(demo_sqlite: Engine) -> None:
    encounter_id = todays_encounter_id(demo_sqlite, "Benton")
    draft = open_visit(demo_sqlite, encounter_id, staff_id=None, now=CLINIC_NOW)
    draft.checkin.identity_confirmed_at = CLINIC_NOW
    draft.complaint.chief_complaint = "headache"
    form = VitalsForm(values={"bp": "168/98", "bp2": "162/96"})
    entries, errors = build_vitals(form, ClinicUnits(), 77 * 365, CLINIC_NOW)
    assert errors == {}
    draft.vitals.entries = entries
    sign_visit(demo_sqlite, draft, staff_id=None, now=CLINIC_NOW)
    listed = [v for v in signed_vitals(demo_sqlite, encounter_id) if v.code == SYSTOLIC_BP]
    assert [(v.name, v.shown) for v in listed] == [
        ("Blood pressure", "168/98 mmHg"),
        ("Blood pressure (repeat)", "162/96 mmHg"),
    ]


async def test_an_infant_gets_a_length_an_axillary_route_and_an_infants_example(
    demo_sqlite: Engine,
) -> None:
    app = make_app(demo_sqlite)
    async with app.run_test() as pilot:
        await open_from_queue(pilot, "lindq")
        await pilot.press("enter", "enter", "enter")
        screen = app.screen
        assert isinstance(screen, VitalsScreen)
        assert str(screen.query_one("#label-height", Label).render()) == "Length"
        assert screen.query_one("#q-temp_route", Input).value == "axillary"
        assert screen.query_one("#vitals-line", Input).placeholder == INFANT_EXAMPLE
