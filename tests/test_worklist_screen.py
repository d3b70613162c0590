"""The worklist on screen (F6 from the queue), on the demo clinic's day."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select
from textual.pilot import Pilot
from textual.widgets import DataTable
from textual.widgets._toast import Toast

from ma_tui.data.models.patients import Patient
from ma_tui.data.models.visits import Encounter
from ma_tui.data.models.worklist import WorklistEvent, WorklistItem
from ma_tui.screens.app import MaTuiApp
from ma_tui.screens.widgets.confirm import ConfirmScreen
from ma_tui.screens.worklist.worklist import WorklistScreen
from ma_tui.worklist.work import Move, decide_refill, open_items
from tests.conftest import CLINIC_NOW
from tests.day_work import app_as, staff_id
from tests.pilot import shown, type_text


async def _to(app: MaTuiApp, pilot: Pilot[None], patient: str) -> str:
    """Move the worklist's cursor to ``patient``'s row; the detail shown for it."""
    screen = app.screen
    assert isinstance(screen, WorklistScreen)
    table = screen.query_one("#worklist-table", DataTable)
    key = next(k for k, item in screen.shown.items() if item.patient.name == patient)
    table.move_cursor(row=table.get_row_index(key))
    await pilot.pause()
    return shown(app, "#worklist-detail")


def _status(engine: Engine, family: str) -> str:
    with Session(engine) as session:
        return session.exec(
            select(WorklistItem.status).join(Patient).where(Patient.family_name == family)
        ).one()


async def test_refills_say_whether_they_meet_the_protocol_and_who_decided(
    demo_engine: Engine,
) -> None:
    app = app_as(demo_engine, "mia")
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("f3")
        assert isinstance(app.screen, WorklistScreen)
        title = shown(app, "#worklist-title")
        assert "4 overdue" in title
        assert "OVERDUE" in str(app.screen.query_one("#worklist-table", DataTable).get_row_at(0))
        meets = await _to(app, pilot, "Minh Trần")
        assert "✓ meets protocol (visit within 12 months)" in meets
        fails = await _to(app, pilot, "Dana Whitfield")
        assert "does not meet protocol: no A1c on file (needed within 6 months)" in fails
        await pilot.press("p")  # to a provider: Dr. Chen is first
        await pilot.press("enter")
        await pilot.pause()
    assert _status(demo_engine, "Whitfield") == "with-provider"
    refill = next(i for i in open_items(demo_engine) if i.patient.name == "Dana Whitfield")
    assert refill.owner is not None
    assert refill.owner.name == "Dr. Lena Chen, MD"
    assert "no A1c on file" in refill.last_event.note  # the check goes with it
    chen = Move(demo_engine, staff_id(demo_engine, "dr.chen"), CLINIC_NOW + timedelta(minutes=5))
    assert refill.item_id is not None
    denied = decide_refill(chen, refill.item_id, approved=False, note="needs an A1c first")
    assert denied.details.decision.by.name == "Dr. Lena Chen, MD"
    assert denied.owner is not None
    assert denied.owner.name == "Mia Sorensen, CMA"  # back to her, to tell the pharmacy


async def test_a_referral_closes_on_its_consult_note_and_an_overdue_one_alerts(
    demo_engine: Engine,
) -> None:
    app = app_as(demo_engine, "mia")
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("f3")
        overdue = await _to(app, pilot, "Margaret O'Brien")
        assert "⚠ 16 days without an appointment (since 2026-11-07)" in overdue
        await pilot.press("x")  # no note back: it does not close
        await pilot.pause()
        assert _status(demo_engine, "O'Brien") == "sent"
        late_note = await _to(app, pilot, "Yuki Tanaka")
        assert "⚠ 12 days without the consult note" in late_note
        await pilot.press("n", "enter")  # the note came back today
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, WorklistScreen)
        assert all(i.patient.name != "Yuki Tanaka" for i in screen.shown.values())
    assert _status(demo_engine, "Tanaka") == "closed"
    with Session(demo_engine) as session:
        last = session.exec(select(WorklistEvent).order_by(col(WorklistEvent.id).desc())).first()
    assert last is not None
    assert last.note == "consult note received 2026-11-23"


async def test_a_prior_auth_near_its_end_runs_out_of_units(demo_engine: Engine) -> None:
    app = app_as(demo_engine, "mia")
    async with app.run_test(size=(100, 30), notifications=True) as pilot:
        await pilot.press("f3")
        detail = await _to(app, pilot, "Hamid Rahimi")
        assert "█████████░ 11/12" in detail
        assert "⚠ ends in 10 days (2026-12-03): renew?" in detail
        assert "⚠ 1 unit left" in detail
        await pilot.press("u")  # asked first, naming who, what and the count after
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        question = shown(app, "#confirm-question")
        assert question == "Use 1 unit of CPT 97110 for Hamid Rahimi? 11 → 12 of 12"
        await pilot.press("n")  # no: nothing counted
        await pilot.pause()
        assert "11/12" in shown(app, "#worklist-detail")
        await pilot.press("u", "y")
        await pilot.pause()
        toasts = [str(toast.render()) for toast in app.screen.query(Toast)]
        assert "Unit used for Hamid Rahimi: 12 of 12" in toasts
        detail = shown(app, "#worklist-detail")
        assert "██████████ 12/12" in detail
        assert "⚠ all 12 units used" in detail
        # Today's use is the first line of the history, not scrolled off below it.
        history = detail.split("⚠ all 12 units used")[1]
        assert "1 used 2026-11-23: ██████████ 12/12" in history.strip().splitlines()[0]
        await pilot.press("u")  # none left: refused, nothing stored
        await pilot.pause()
        assert "12/12" in shown(app, "#worklist-detail")


async def test_a_follow_up_is_booked_into_a_free_slot_and_conflicts_are_shown(
    demo_engine: Engine,
) -> None:
    app = app_as(demo_engine, "mia")
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("f3")
        await _to(app, pilot, "Guadalupe Morales")
        await pilot.press("k")  # proposed slots; the last line: another time
        await pilot.press("end", "enter")
        await type_text(pilot, "2/22/2027 12:30")  # the lunch hour
        await pilot.press("enter")
        assert "outside hours" in shown(app, "#ask-hint")
        await pilot.press("escape", "k", "enter")  # the first free slot
        await pilot.pause()
        assert "booked Mon 02/22 08:00" in shown(app, "#worklist-detail")
    assert _status(demo_engine, "Morales") == "booked"
    with Session(demo_engine) as session:
        visit = session.exec(
            select(Encounter)
            .join(Patient)
            .where(
                Patient.family_name == "Morales",
                Encounter.visit_type == "follow-up",
                col(Encounter.scheduled_at) > CLINIC_NOW + timedelta(days=60),
            )
        ).one()
    assert visit.scheduled_minutes == 20
