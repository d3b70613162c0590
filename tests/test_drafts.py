"""Every field is saved as it is left; on start, the unfinished visit is offered.

The draft is read back from the database (not from the app's memory), as a
restarted ma-tui would read it.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.engine import Engine
from sqlmodel import Session, select
from textual.widgets import OptionList

from ma_tui.data.models.history import HistorySection
from ma_tui.data.models.visits import EncounterStatus, RoomingDraft
from ma_tui.screens.app import MaTuiApp
from ma_tui.screens.queue.queue import QueueScreen
from ma_tui.screens.queue.resume import ResumeScreen
from ma_tui.screens.visit.checkin import CheckInScreen
from ma_tui.screens.visit.complaint import ComplaintScreen
from ma_tui.screens.visit.history import HistoryScreen
from ma_tui.visits.draft import VisitDraft
from ma_tui.visits.holding import open_visit, save_draft
from ma_tui.visits.signing import sign_problems
from tests.conftest import CLINIC_NOW, todays_encounter_id
from tests.pilot import field, make_app, open_from_queue, type_text


def _stored(engine: Engine, family: str) -> VisitDraft:
    """The draft as the database holds it now."""
    with Session(engine) as session:
        row = session.get(RoomingDraft, todays_encounter_id(engine, family))
        assert row is not None, f"no draft stored for {family}"
        return VisitDraft.model_validate_json(row.data)


def _focused_id(app: MaTuiApp) -> str | None:
    focused = app.screen.focused
    return focused.id if focused is not None else None


def _hold(engine: Engine, family: str, chief_complaint: str = "", **changes: object) -> int:
    """A draft this terminal holds, as a killed ma-tui would have left it."""
    encounter_id = todays_encounter_id(engine, family)
    draft = open_visit(engine, encounter_id, staff_id=None, now=CLINIC_NOW)
    for name, value in changes.items():
        setattr(draft, name, value)
    draft.complaint.chief_complaint = chief_complaint
    save_draft(engine, draft, staff_id=None, now=CLINIC_NOW + timedelta(minutes=4))
    return encounter_id


# ------------------------------------------------------------ saved as left


async def test_a_checkin_edit_is_saved_as_left_before_it_is_confirmed(
    demo_engine: Engine,
) -> None:
    app = make_app(demo_engine)
    async with app.run_test() as pilot:
        await open_from_queue(pilot, "benton")
        await pilot.press("enter")  # identifiers confirmed: saved at once
        assert _stored(demo_engine, "Benton").checkin.identity_confirmed_at is not None
        await pilot.press("tab")
        assert _focused_id(app) == "demo-phone"
        await type_text(pilot, "5555550199")
        await pilot.press("tab")  # left, not confirmed
        await pilot.pause()
        stored = _stored(demo_engine, "Benton")
        assert stored.checkin.typed == {"phone": "5555550199"}  # the rest follow the record
        assert stored.field == "demo-preferred_language"
        assert not stored.checkin.demographics_confirmed
        assert stored.checkin.demographic_changes == {}

    app = make_app(demo_engine)  # started again: the edit is on screen, the cursor after it
    async with app.run_test() as pilot:
        await pilot.pause()
        assert isinstance(app.screen, ResumeScreen)
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, CheckInScreen)
        assert field(app, "#demo-phone").value == "5555550199"
        assert _focused_id(app) == "demo-preferred_language"
        await pilot.press("enter")  # now confirmed, normalized, and signed as such
        await pilot.pause()
        assert _stored(demo_engine, "Benton").checkin.demographic_changes == {
            "phone": "555-555-0199"
        }


async def test_complaint_and_hpi_are_saved_as_left(demo_engine: Engine) -> None:
    app = make_app(demo_engine)
    async with app.run_test() as pilot:
        await open_from_queue(pilot, "whit da")
        await pilot.press("enter", "ctrl+r", "4")
        await pilot.pause()
        assert isinstance(app.screen, ComplaintScreen)
        await type_text(pilot, "cough for 5 days")
        await pilot.press("enter")
        await pilot.pause()
        assert _stored(demo_engine, "Whitfield").complaint.chief_complaint == "cough for 5 days"
        await type_text(pilot, "5 days")  # onset
        await pilot.press("enter")
        await pilot.pause()
        stored = _stored(demo_engine, "Whitfield")
        assert stored.complaint.hpi == {"onset": "5 days"}
        assert (stored.step, stored.field) == ("complaint", "hpi-location")
        field(app, "#hpi-severity").focus()
        await pilot.pause()
        await type_text(pilot, "12")  # not yet valid: kept as typed, never signed
        await pilot.press("tab")
        await pilot.pause()
        stored = _stored(demo_engine, "Whitfield")
        assert (stored.complaint.hpi_severity_text, stored.complaint.hpi_severity) == ("12", None)
        assert any("Severity" in problem for problem in sign_problems(stored))

    app = make_app(demo_engine)
    async with app.run_test() as pilot:
        await pilot.press("enter")  # resume
        await pilot.pause()
        assert isinstance(app.screen, ComplaintScreen)
        assert field(app, "#chief-complaint").value == "cough for 5 days"
        assert field(app, "#hpi-severity").value == "12"
        assert _focused_id(app) == "hpi-associated"


async def test_a_half_typed_history_entry_is_saved_and_resumed(demo_engine: Engine) -> None:
    app = make_app(demo_engine)
    async with app.run_test() as pilot:
        app.open_patient(todays_encounter_id(demo_engine, "Whitfield"))
        await pilot.pause()
        app.open_step("history")
        await pilot.pause()
        assert isinstance(app.screen, HistoryScreen)
        await pilot.press("enter")  # medical reviewed: saved at once
        await pilot.pause()
        assert HistorySection.MEDICAL in _stored(demo_engine, "Whitfield").history.reviewed
        await pilot.press("a")
        await type_text(pilot, "appendectomy")
        await pilot.press("enter")  # on to "When": the entry is not added yet
        await pilot.pause()
        form = _stored(demo_engine, "Whitfield").history.form
        assert form is not None
        assert (form.section, form.values) == (HistorySection.SURGICAL, ["appendectomy", ""])
        assert _stored(demo_engine, "Whitfield").field == "surgical-1"

    app = make_app(demo_engine)
    async with app.run_test() as pilot:
        await pilot.press("enter")  # resume
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, HistoryScreen)
        assert screen.section == HistorySection.SURGICAL
        assert field(app, "#surgical-0").value == "appendectomy"
        assert _focused_id(app) == "surgical-1"
        await type_text(pilot, "2009")
        await pilot.press("enter")  # added, and saved although the focus stays put
        await pilot.pause()
        stored = _stored(demo_engine, "Whitfield")
        assert stored.history.form is None
        (entry,) = stored.history.entries(HistorySection.SURGICAL)
        assert entry.fields["name"] == "appendectomy"


async def test_a_one_field_entry_is_saved_when_added(demo_engine: Engine) -> None:
    app = make_app(demo_engine)
    async with app.run_test() as pilot:
        app.open_patient(todays_encounter_id(demo_engine, "Whitfield"))
        await pilot.pause()
        app.open_step("history")
        await pilot.pause()
        await pilot.press("a")
        await type_text(pilot, "asthma")
        await pilot.press("enter")  # the form's only field: added, focus stays there
        await pilot.pause()
        (entry,) = _stored(demo_engine, "Whitfield").history.entries(HistorySection.MEDICAL)
        assert entry.fields["name"] == "asthma"


# ------------------------------------------------------------ the offer


async def test_the_unfinished_visit_is_offered_and_enter_resumes_it(
    demo_engine: Engine,
) -> None:
    encounter_id = _hold(
        demo_engine, "Whitfield", step="complaint", chief_complaint="cough", field="hpi-onset"
    )
    app = make_app(demo_engine)
    async with app.run_test() as pilot:
        await pilot.pause()
        assert isinstance(app.screen, ResumeScreen)
        options = app.screen.query_one(OptionList)
        assert options.option_count == 1
        line = str(options.get_option_at_index(0).prompt)
        assert line == "Dana Whitfield, 58 y — stopped at Chief complaint, 09:24"
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, ComplaintScreen)
        assert app.visit is not None
        assert app.visit.draft.encounter_id == encounter_id
        assert field(app, "#chief-complaint").value == "cough"
        assert _focused_id(app) == "hpi-onset"


async def test_escape_goes_to_the_queue_where_the_visit_is_rooming(demo_engine: Engine) -> None:
    encounter_id = _hold(demo_engine, "Whitfield", step="vitals")
    app = make_app(demo_engine)
    async with app.run_test() as pilot:
        await pilot.pause()
        assert isinstance(app.screen, ResumeScreen)
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, QueueScreen)
        assert _focused_id(app) == "search"
        entry = next(e for e in app.screen.entries if e.encounter_id == encounter_id)
        assert entry.status is EncounterStatus.ROOMING
        await open_from_queue(pilot, "whit da")  # and opening it resumes it all the same
        assert app.visit is not None
        assert app.visit.draft.step == "vitals"


async def test_several_unfinished_visits_are_a_short_list(demo_engine: Engine) -> None:
    _hold(demo_engine, "Whitfield", step="vitals")
    benton = _hold(demo_engine, "Benton", step="history")
    with Session(demo_engine) as session:  # Benton saved later: listed first
        row = session.get(RoomingDraft, benton)
        assert row is not None
        row.updated_at = CLINIC_NOW + timedelta(minutes=9)
        session.add(row)
        session.commit()
    app = make_app(demo_engine)
    async with app.run_test() as pilot:
        await pilot.pause()
        assert isinstance(app.screen, ResumeScreen)
        options = app.screen.query_one(OptionList)
        lines = [str(options.get_option_at_index(i).prompt) for i in range(2)]
        assert "Harold Benton" in lines[0]
        assert "History, 09:29" in lines[0]
        assert "Dana Whitfield" in lines[1]
        assert "Vitals, 09:24" in lines[1]
        await pilot.press("down", "enter")
        await pilot.pause()
        assert app.visit is not None
        assert app.visit.draft.encounter_id == todays_encounter_id(demo_engine, "Whitfield")


async def test_nothing_is_offered_without_a_draft_of_ones_own(demo_engine: Engine) -> None:
    encounter_id = todays_encounter_id(demo_engine, "Whitfield")
    open_visit(demo_engine, encounter_id, staff_id=None, now=CLINIC_NOW, holder="jorge@exam-5")
    app = make_app(demo_engine)
    async with app.run_test() as pilot:
        await pilot.pause()
        assert isinstance(app.screen, QueueScreen)
    with Session(demo_engine) as session:
        assert len(session.exec(select(RoomingDraft)).all()) == 1
