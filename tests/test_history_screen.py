"""The History step driven from the keyboard, as the reference visits do it."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select
from textual.pilot import Pilot
from textual.widgets import DataTable, Input, Static

from ma_tui.core.clock import fixed_clock
from ma_tui.data.models.history import (
    Allergy,
    Condition,
    HistoryReview,
    HistorySection,
    Medication,
    MedicationStatus,
    SocialHistory,
)
from ma_tui.data.models.patients import Sex
from ma_tui.patients.chart import load_chart
from ma_tui.patients.registration import NewPatient, register_walk_in
from ma_tui.screens.app import MaTuiApp
from ma_tui.screens.queue.queue import QueueScreen
from ma_tui.screens.visit.complaint import ComplaintScreen
from ma_tui.screens.visit.history import HistoryScreen
from ma_tui.screens.widgets.confirm import ConfirmScreen
from ma_tui.visits.draft import VisitDraft
from tests.conftest import CLINIC_NOW, todays_encounter_id

SIZE = (80, 24)


def _app(engine: Engine) -> MaTuiApp:
    return MaTuiApp(engine, clock=fixed_clock(CLINIC_NOW), sign_in=False)


async def _open_history(
    app: MaTuiApp, pilot: Pilot[None], engine: Engine, family: str, *, signable: bool = False
) -> None:
    app.open_patient(todays_encounter_id(engine, family))
    await pilot.pause()
    if signable:
        draft = _draft(app)
        draft.checkin.identity_confirmed_at = CLINIC_NOW
        draft.complaint.chief_complaint = "shortness of breath for 2 days"
    app.open_step("history")
    await pilot.pause()
    assert isinstance(app.screen, HistoryScreen)


def _draft(app: MaTuiApp) -> VisitDraft:
    assert app.visit is not None
    return app.visit.draft


def _screen(app: MaTuiApp) -> HistoryScreen:
    assert isinstance(app.screen, HistoryScreen)
    return app.screen


def _section(app: MaTuiApp) -> HistorySection:
    return _screen(app).section


def _table(app: MaTuiApp) -> list[list[str]]:
    table: DataTable[Any] = _screen(app).query_one(DataTable)
    return [[str(cell) for cell in table.get_row_at(i)] for i in range(table.row_count)]


def _text(app: MaTuiApp, selector: str) -> str:
    return str(_screen(app).query_one(selector, Static).render())


async def _type(pilot: Pilot[None], text: str) -> None:
    await pilot.press(*[{" ": "space"}.get(ch, ch) for ch in text])


async def _sign(app: MaTuiApp, pilot: Pilot[None]) -> None:
    await pilot.press("ctrl+r")
    await pilot.pause()
    await pilot.press("ctrl+s")
    await pilot.pause()
    assert isinstance(app.screen, QueueScreen)


# --------------------------------------------------------- reference visits


async def test_dana_reviews_everything_and_adds_lisinopril(demo_engine: Engine) -> None:
    app = _app(demo_engine)
    async with app.run_test(size=SIZE) as pilot:
        await _open_history(app, pilot, demo_engine, "Whitfield", signable=True)
        screen = _screen(app)
        assert _section(app) == HistorySection.MEDICAL
        assert _table(app)[0][1] == "Type 2 diabetes mellitus without complications"
        await pilot.press("enter", "enter", "enter", "enter")  # medical … social
        assert _section(app) == HistorySection.MEDICATIONS
        assert "Medical ✓" in _text(app, "#section-bar")
        await pilot.press("t")  # metformin, still taking
        await pilot.press("a")
        await _type(pilot, "lis")
        await pilot.press("right")  # the suggestion: lisinopril 10 mg oral once daily
        await pilot.press("enter")
        assert _table(app)[-1][:3] == ["new", "lisinopril 10 mg oral once daily", "taking"]
        assert screen.query_one("#medications-0", Input).has_focus
        await pilot.press("enter")  # empty form: section done
        assert _section(app) == HistorySection.ALLERGIES
        assert "NKA" in _text(app, "#section-status")
        await pilot.press("enter")  # NKA, no change
        await pilot.pause()
        assert isinstance(app.screen, ComplaintScreen)
        draft = _draft(app)
        assert draft.history.reviewed == {
            HistorySection.MEDICAL: False,
            HistorySection.SURGICAL: False,
            HistorySection.FAMILY: False,
            HistorySection.SOCIAL: False,
            HistorySection.MEDICATIONS: False,
            HistorySection.ALLERGIES: True,
        }
        assert list(draft.history.medication_status.values()) == [MedicationStatus.TAKING]
        (lisinopril,) = draft.history.entries(HistorySection.MEDICATIONS)
        assert lisinopril.fields == {
            "name": "lisinopril",
            "dose": "10 mg",
            "route": "oral",
            "frequency": "once daily",
            "status": "taking",
        }
        patient_id = draft.patient_id
        await _sign(app, pilot)
    with Session(demo_engine) as session:
        stored = session.exec(
            select(Medication).where(
                Medication.name == "lisinopril", Medication.patient_id == patient_id
            )
        ).one()
        assert (stored.dose, stored.frequency, stored.status) == (
            "10 mg",
            "once daily",
            MedicationStatus.TAKING,
        )
        reviews = session.exec(
            select(HistoryReview).where(HistoryReview.encounter_id == stored.encounter_id)
        ).all()
        assert {(r.section, r.none_known) for r in reviews} == {
            ("medical", False),
            ("surgical", False),
            ("family", False),
            ("social", False),
            ("medications", False),
            ("allergies", True),
        }


async def test_harold_copd_former_smoker_and_medication_statuses(demo_engine: Engine) -> None:
    app = _app(demo_engine)
    async with app.run_test(size=SIZE) as pilot:
        await _open_history(app, pilot, demo_engine, "Benton", signable=True)
        screen = _screen(app)
        await pilot.press("a")
        await _type(pilot, "COPD")
        await pilot.press("enter")
        assert _table(app)[-1][1:3] == ["chronic obstructive pulmonary disease", "J44.9"]
        await pilot.press("enter")  # medical done
        await pilot.press("enter", "enter")  # surgical, family reviewed
        assert _section(app) == HistorySection.SOCIAL
        assert _table(app)[0][1:3] == ["tobacco", "current every day smoker"]
        await pilot.press("e")  # edit the tobacco row: the value field, selected
        assert screen.query_one("#social-1", Input).has_focus
        await pilot.press("f", "enter")  # f: former smoker, the only status starting so
        assert [row[1:3] for row in _table(app)][-1] == ["tobacco", "former smoker"]
        assert "current every day smoker" not in str(_table(app))
        await pilot.press("enter")  # empty form: social done
        assert _section(app) == HistorySection.MEDICATIONS
        await pilot.press("t", "t", "s")
        assert [row[0] + " " + row[2] for row in _table(app)] == [
            "✓ taking",
            "✓ taking",
            "✓ stopped",
        ]
        await pilot.press("enter")  # medications reviewed
        await pilot.press("enter")  # allergies reviewed
        await pilot.pause()
        assert isinstance(app.screen, ComplaintScreen)
        draft = _draft(app)
        assert set(draft.history.reviewed) == set(HistorySection)
        assert not any(draft.history.reviewed.values())
        assert sorted(draft.history.medication_status.values()) == [
            MedicationStatus.STOPPED,
            MedicationStatus.TAKING,
            MedicationStatus.TAKING,
        ]
        patient_id = draft.patient_id
        await _sign(app, pilot)
    with Session(demo_engine) as session:
        copd = session.exec(
            select(Condition).where(Condition.name == "chronic obstructive pulmonary disease")
        ).one()
        assert copd.code == "J44.9"
        assert copd.patient_id == patient_id
        statuses = {
            m.name: m.status
            for m in session.exec(select(Medication).where(Medication.patient_id == patient_id))
        }
        assert statuses == {
            "tiotropium": MedicationStatus.TAKING,
            "amlodipine": MedicationStatus.TAKING,
            "atorvastatin": MedicationStatus.STOPPED,
        }
        tobacco = session.exec(
            select(SocialHistory)
            .where(SocialHistory.patient_id == patient_id, SocialHistory.category == "tobacco")
            .order_by(col(SocialHistory.recorded_at))
        ).all()
        assert [(t.value, t.code) for t in tobacco] == [
            ("current every day smoker", "449868002"),
            ("former smoker", "8517006"),
        ]
        chart = load_chart(session, todays_encounter_id(demo_engine, "Benton"))
        assert [s.value for s in chart.social if s.category == "tobacco"] == ["former smoker"]


async def test_ada_like_additions(demo_engine: Engine) -> None:
    """A child with little on file: added entries, one "none", NKA replaced by an allergy."""
    app = _app(demo_engine)
    async with app.run_test(size=SIZE) as pilot:
        await _open_history(app, pilot, demo_engine, "Park")
        await pilot.press("a")
        await _type(pilot, "asthma")
        await pilot.press("enter", "enter")  # add, then done
        assert _section(app) == HistorySection.SURGICAL
        await pilot.press("n")  # surgical: none
        assert _section(app) == HistorySection.FAMILY
        await pilot.press("a")
        await _type(pilot, "mo")
        await pilot.press("enter")
        await _type(pilot, "asthma")
        await pilot.press("enter", "enter")
        assert _section(app) == HistorySection.SOCIAL
        await pilot.press("a")
        await _type(pilot, "ot")
        await pilot.press("enter")
        await _type(pilot, "attends daycare")
        await pilot.press("enter")
        await _type(pilot, "s")
        await pilot.press("enter", "n", "enter")  # secondhand smoke: no
        await pilot.press("enter")
        assert _section(app) == HistorySection.MEDICATIONS
        await pilot.press("a")
        await _type(pilot, "albuterol inhaler 2 puffs as needed")
        await pilot.press("enter", "enter")
        assert _section(app) == HistorySection.ALLERGIES
        await pilot.press("a")
        await _type(pilot, "penicillin")
        await pilot.press("enter")
        await _type(pilot, "rash")
        await pilot.press("enter")
        await _type(pilot, "mo")
        await pilot.press("enter")
        assert _table(app)[-1][:4] == ["new", "penicillin", "rash", "moderate"]
        assert "penicillin" in _text(app, "#banner")
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, ComplaintScreen)
        draft = _draft(app)
        assert draft.history.reviewed[HistorySection.SURGICAL] is True
        assert draft.history.reviewed[HistorySection.ALLERGIES] is False
        added = {(e.section, tuple(e.fields.values())) for e in draft.history.new_entries}
        assert added == {
            (HistorySection.MEDICAL, ("asthma", "J45.909")),
            (HistorySection.FAMILY, ("mother", "asthma", None)),
            (HistorySection.SOCIAL, ("other", "attends daycare", None)),
            (HistorySection.SOCIAL, ("secondhand_smoke", "no", None)),
            (
                HistorySection.MEDICATIONS,
                ("albuterol inhaler", "2 puffs", "inhaled", "as needed", "taking"),
            ),
            (HistorySection.ALLERGIES, ("penicillin", "medication", "rash", "moderate")),
        }


# -------------------------------------------------------------- mistakes


async def test_bad_input_shows_a_message_and_adds_nothing(demo_engine: Engine) -> None:
    app = _app(demo_engine)
    async with app.run_test(size=SIZE) as pilot:
        await _open_history(app, pilot, demo_engine, "Park")
        screen = _screen(app)
        await pilot.press("right_square_bracket", "right_square_bracket")  # family
        await pilot.press("a", "m", "enter")
        await _type(pilot, "asthma")
        await pilot.press("enter")
        assert "could be mother, maternal grandmother" in _text(app, "#history-error")
        assert screen.query_one("#family-0", Input).has_focus  # at the field to fix
        assert _draft(app).history.new_entries == []
        await pilot.press("o", "enter", "enter")  # "mo": mother
        assert _text(app, "#history-error") == ""
        assert len(_draft(app).history.new_entries) == 1
        await pilot.press("shift+tab")  # from the form's first field to the table
        for _ in range(3):
            await pilot.press("right_square_bracket")
        assert _section(app) == HistorySection.ALLERGIES
        await pilot.press("a")
        await _type(pilot, "latex")
        await pilot.press("enter", "enter", "x", "enter")
        assert "severity: mild, moderate or severe" in _text(app, "#history-error")
        assert screen.query_one("#allergies-2", Input).has_focus
        assert len(_draft(app).history.new_entries) == 1


async def test_none_known_is_refused_when_there_are_entries(demo_engine: Engine) -> None:
    app = _app(demo_engine)
    async with app.run_test(size=SIZE) as pilot:
        await _open_history(app, pilot, demo_engine, "Benton")
        await pilot.press("n")
        assert _section(app) == HistorySection.MEDICAL
        assert _draft(app).history.reviewed == {}


async def test_delete_a_new_entry_and_mark_a_stored_one_in_error(demo_engine: Engine) -> None:
    app = _app(demo_engine)
    async with app.run_test(size=SIZE) as pilot:
        await _open_history(app, pilot, demo_engine, "Benton", signable=True)
        screen = _screen(app)
        for _ in range(5):
            await pilot.press("right_square_bracket")
        assert _section(app) == HistorySection.ALLERGIES
        await pilot.press("a")
        await _type(pilot, "latex")
        await pilot.press("enter", "enter", "enter")
        assert len(_table(app)) == 2
        await pilot.press("shift+tab")  # from the form's first field back to the table
        assert screen.query_one(DataTable).has_focus
        assert _section(app) == HistorySection.ALLERGIES
        await pilot.press("delete")  # the cursor is on the new one: gone at once
        assert len(_table(app)) == 1
        assert _draft(app).history.new_entries == []
        await pilot.press("delete")  # sulfa, stored: asked first
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("n")
        assert _draft(app).history.entered_in_error == {}
        await pilot.press("delete")
        await pilot.press("y")
        assert _table(app)[0][0] == "error"
        assert app.visit is not None
        sulfa_id = app.visit.chart.allergies[0].id
        assert _draft(app).history.entered_in_error == {HistorySection.ALLERGIES: [sulfa_id]}
        await pilot.press("enter")  # reviewed? the list is now empty: say it
        assert "press n" in _text(app, "#history-error")
        await pilot.press("n")
        await pilot.pause()
        assert isinstance(app.screen, ComplaintScreen)
        assert _draft(app).history.reviewed == {HistorySection.ALLERGIES: True}
        patient_id = _draft(app).patient_id
        await _sign(app, pilot)
    with Session(demo_engine) as session:
        sulfa = session.exec(select(Allergy).where(Allergy.patient_id == patient_id)).one()
        assert sulfa.entered_in_error
        review = session.exec(
            select(HistoryReview)
            .where(HistoryReview.patient_id == patient_id, HistoryReview.section == "allergies")
            .order_by(col(HistoryReview.reviewed_at).desc())
        ).first()
        assert review is not None
        assert review.none_known


async def test_leaving_adds_what_the_form_holds_or_stays(demo_engine: Engine) -> None:
    app = _app(demo_engine)
    async with app.run_test(size=SIZE) as pilot:
        await _open_history(app, pilot, demo_engine, "Park")
        await pilot.press("a")
        await _type(pilot, "eczema")
        await pilot.press("ctrl+n")  # to the next step: the text is added first
        await pilot.pause()
        assert isinstance(app.screen, ComplaintScreen)
        (entry,) = _draft(app).history.entries(HistorySection.MEDICAL)
        assert entry.fields == {"name": "atopic dermatitis", "code": "L20.9"}
        await pilot.press("ctrl+b")  # back: resumes at the first section not reviewed
        await pilot.pause()
        screen = _screen(app)
        assert _section(app) == HistorySection.SURGICAL
        await pilot.press("left_square_bracket")
        assert _section(app) == HistorySection.MEDICAL
        await pilot.press("a")
        await _type(pilot, "AD")  # two conditions share it: cannot be read
        await pilot.press("ctrl+n")
        await pilot.pause()
        assert _screen(app) is screen  # still here
        assert "could be" in _text(app, "#history-error")


async def test_shift_tab_on_the_first_section_goes_back_a_step(demo_engine: Engine) -> None:
    app = _app(demo_engine)
    async with app.run_test(size=SIZE) as pilot:
        await _open_history(app, pilot, demo_engine, "Benton")
        await pilot.press("right_square_bracket", "shift+tab")
        assert _section(app) == HistorySection.MEDICAL
        await pilot.press("shift+tab")
        await pilot.pause()
        assert _draft(app).step == "vitals"


async def test_only_the_keys_that_apply_are_in_the_footer(demo_engine: Engine) -> None:
    app = _app(demo_engine)
    async with app.run_test(size=SIZE) as pilot:
        await _open_history(app, pilot, demo_engine, "Benton")

        def shown() -> set[str]:
            return {b.description for (_, b, _, _) in app.screen.active_bindings.values()}

        assert {"Reviewed", "Add", "Edit", "Remove"} <= shown()
        assert "None known" not in shown()
        assert "Taking" not in shown()
        for _ in range(4):
            await pilot.press("right_square_bracket")
        assert {"Taking", "Not taking", "Stopped"} <= shown()
        await pilot.press("a")
        assert {"Next / add", "Take suggestion", "Back"} <= shown()
        assert "Taking" not in shown()  # letters are typed, not keys, in the form


async def test_enter_on_an_empty_section_is_what_the_footer_says(demo_engine: Engine) -> None:
    """A new patient's empty section cannot be "reviewed, no change": the footer does
    not offer that, and says what Enter needs instead."""
    new = NewPatient("Okafor", "Ada", date(1990, 3, 9), Sex.FEMALE, None, None, None, None, None)
    visit_id = register_walk_in(demo_engine, new, now=CLINIC_NOW, staff_id=None)
    app = _app(demo_engine)
    async with app.run_test(size=SIZE) as pilot:
        app.open_patient(visit_id)
        await pilot.pause()
        app.open_step("history")
        await pilot.pause()

        def footer() -> set[str]:
            return {b.description for (_, b, _, _) in app.screen.active_bindings.values()}

        assert "Reviewed" not in footer()
        assert {"n or a first", "None known", "Add"} <= footer()
        await pilot.press("enter")
        assert "press n" in _text(app, "#history-error")
        await pilot.press("n")
        assert _section(app) == HistorySection.SURGICAL
        assert _draft(app).history.reviewed == {HistorySection.MEDICAL: True}


# -------------------------------------------------------------- snapshot


def test_history_at_80x24(demo_sqlite: Engine, snap_compare: Any) -> None:
    app = _app(demo_sqlite)

    async def open_harold(pilot: Pilot[None]) -> None:
        app.open_patient(todays_encounter_id(demo_sqlite, "Benton"))
        await pilot.pause()
        app.open_step("history")
        await pilot.pause()
        for _ in range(4):
            await pilot.press("right_square_bracket")  # medications
        await pilot.press("t", "t", "s")
        await pilot.pause()

    assert snap_compare(app, terminal_size=(80, 24), run_before=open_harold)
