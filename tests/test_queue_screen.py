"""Today's queue, driven as an MA drives it, against an injected database."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select
from textual.pilot import Pilot
from textual.widgets import DataTable, Input, Static

from ma_tui.core.clock import fixed_clock
from ma_tui.data.models.patients import Patient, Sex
from ma_tui.data.models.visits import Encounter, EncounterStatus
from ma_tui.screens.app import MaTuiApp
from ma_tui.screens.queue.queue import QueueScreen
from tests.conftest import CLINIC_NOW


def _rows(app: MaTuiApp) -> list[list[str]]:
    table = app.screen.query_one("#queue-table", DataTable)
    return [[str(cell) for cell in table.get_row_at(i)] for i in range(table.row_count)]


async def _searched(pilot: Pilot[Any]) -> None:
    """Until the database has answered the search too (it follows the key, on a thread)."""
    screen = pilot.app.screen
    assert isinstance(screen, QueueScreen)
    await pilot.pause()
    for _ in range(500):  # a bound, not a time: each pause lets the answer come in
        if not screen.searching:
            break
        await pilot.pause(0.01)
    await pilot.pause()
    assert not screen.searching


def _title(app: MaTuiApp) -> str:
    return str(app.screen.query_one("#queue-title", Static).render())


async def test_queue_lists_todays_demo_schedule_in_time_order(demo_engine: Engine) -> None:
    app = MaTuiApp(demo_engine, clock=fixed_clock(CLINIC_NOW), sign_in=False)
    async with app.run_test(size=(80, 24)):
        rows = _rows(app)
        assert len(rows) >= 20
        times = [row[0] for row in rows]
        assert times == sorted(times)
        by_name = {row[1]: row for row in rows}
        dana = by_name["Whitfield, Dana"]
        assert dana[0] == "09:00"
        assert dana[2] == "58 y"
        assert dana[3] == "F"
        assert dana[4] == "Arrived"
        assert dana[5].endswith("m")
        harold = by_name["Benton, Harold"]
        assert harold[0] == "10:30"
        assert harold[2] == "77 y"
        assert harold[3] == "M"
        assert "Mon 23 Nov 2026" in _title(app)
        assert f"{len(rows)} visits" in _title(app)


async def test_queue_shows_what_the_database_holds(engine: Engine) -> None:
    with Session(engine) as session:
        patient = Patient(
            mrn="5000001",
            family_name="Łukasz",
            given_name="Nguyễn",
            birth_date=CLINIC_NOW.date() - timedelta(days=200),
            sex=Sex.MALE,
        )
        session.add(patient)
        session.flush()
        assert patient.id is not None
        session.add(
            Encounter(
                patient_id=patient.id,
                scheduled_at=CLINIC_NOW - timedelta(minutes=20),
                status=EncounterStatus.READY_FOR_PROVIDER,
                status_changed_at=CLINIC_NOW - timedelta(minutes=75),
                room="Exam 4",
            )
        )
        # Yesterday's and tomorrow's visits are not today's queue.
        for days in (-1, 1):
            session.add(
                Encounter(patient_id=patient.id, scheduled_at=CLINIC_NOW + timedelta(days=days))
            )
        session.commit()
    app = MaTuiApp(engine, clock=fixed_clock(CLINIC_NOW), sign_in=False)
    async with app.run_test():
        assert _rows(app) == [
            ["09:00", "Łukasz, Nguyễn", "6 mo", "M", "Ready for provider", "1h15", "Exam 4", ""]
        ]
        assert "1 waiting" in _title(app)


async def test_an_empty_day_says_so(engine: Engine) -> None:
    app = MaTuiApp(engine, clock=fixed_clock(CLINIC_NOW), sign_in=False)
    async with app.run_test():
        message = app.screen.query_one("#queue-empty", Static)
        assert message.display
        assert "No visits are scheduled today" in str(message.render())


async def test_f5_shows_a_visit_another_terminal_added(demo_engine: Engine) -> None:
    app = MaTuiApp(demo_engine, clock=fixed_clock(CLINIC_NOW), sign_in=False)
    async with app.run_test() as pilot:
        before = len(_rows(app))
        await pilot.press("down", "down")
        with Session(demo_engine) as session:
            patient = session.exec(select(Patient).where(Patient.family_name == "Whitfield")).one()
            assert patient.id is not None
            session.add(Encounter(patient_id=patient.id, scheduled_at=CLINIC_NOW, walk_in=True))
            session.commit()
        await pilot.press("f5")
        assert len(_rows(app)) == before + 1
        table = app.screen.query_one("#queue-table", DataTable)
        assert table.cursor_row == 2


async def test_footer_shows_the_keys(demo_engine: Engine) -> None:
    app = MaTuiApp(demo_engine, clock=fixed_clock(CLINIC_NOW), sign_in=False)
    async with app.run_test():
        keys = {binding.key for _, binding, enabled, _ in app.active_bindings.values() if enabled}
        assert {"f5", "ctrl+q"} <= keys


async def test_typing_filters_by_name_dob_or_mrn(demo_engine: Engine) -> None:
    from tests.pilot import type_text

    app = MaTuiApp(demo_engine, clock=fixed_clock(CLINIC_NOW), sign_in=False)
    async with app.run_test() as pilot:
        for text in ("whit da", "4/12/68", "04121968", "1968-04-12"):
            search = app.screen.query_one("#search")
            search.value = ""  # type: ignore[attr-defined]
            await type_text(pilot, text)
            names = [row[1] for row in _rows(app)]
            assert names[0] == "Whitfield, Dana", text
            assert all(name == "Whitfield, Dana" for name in names), text


async def test_a_patient_not_on_todays_schedule_can_start_a_walk_in(engine: Engine) -> None:
    from tests.pilot import type_text

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
    app = MaTuiApp(engine, clock=fixed_clock(CLINIC_NOW), sign_in=False)
    async with app.run_test() as pilot:
        await type_text(pilot, "o'br")
        assert _rows(app)[0][1:5] == ["O'Brien, Siobhán", "40 y", "F", "Not scheduled"]
        await pilot.press("enter")  # not on today's schedule: why open it?
        await pilot.pause()
        await pilot.press("escape")  # opens nothing
        await pilot.pause()
        assert isinstance(app.screen, QueueScreen)
        await pilot.press("enter")
        await pilot.pause()
        await pilot.press("down", "down", "down", "enter")  # other reason, typed
        await type_text(pilot, "her daughter brought a form to complete")
        await pilot.press("enter")
        await pilot.pause()
    with Session(engine) as session:
        visit = session.exec(select(Encounter)).one()
        assert visit.walk_in
        assert visit.status is EncounterStatus.ROOMING
        from ma_tui.data.audit import AuditAction, events

        (glass,) = events(session, action=AuditAction.BREAK_GLASS)
        assert glass.patient_mrn == "7000001"
        assert "her daughter brought a form to complete" in (glass.detail or "")


async def test_odd_search_text_is_plain_text(demo_engine: Engine) -> None:
    from tests.pilot import type_text

    app = MaTuiApp(demo_engine, clock=fixed_clock(CLINIC_NOW), sign_in=False)
    async with app.run_test() as pilot:
        await type_text(pilot, "%' or 1=1 --")
        assert _rows(app) == []
        message = app.screen.query_one("#queue-empty", Static)
        assert "No patient matches" in str(message.render())


def test_other_patients_are_those_found_and_not_on_the_queue(demo_engine: Engine) -> None:
    from ma_tui.patients.search import parse_search
    from ma_tui.visits.queue import other_patients, todays_queue

    query = parse_search("benton", CLINIC_NOW.date())
    assert query is not None
    queue = todays_queue(demo_engine, CLINIC_NOW)
    on_queue = {entry.patient_id for entry in queue if entry.family_name == "Benton"}
    found = other_patients(demo_engine, query, CLINIC_NOW, shown=set(), limit=20)
    assert on_queue
    assert on_queue <= {patient.patient_id for patient in found}
    harold = next(patient for patient in found if patient.name == "Benton, Harold")
    assert (harold.age, harold.sex) == ("77 y", "M")
    rest = other_patients(demo_engine, query, CLINIC_NOW, shown=on_queue, limit=20)
    assert {patient.patient_id for patient in rest} == {
        patient.patient_id for patient in found
    } - on_queue


async def test_typing_and_erasing_a_search_shows_the_same_rows_as_a_fresh_queue(
    demo_sqlite: Engine,
) -> None:
    """The table is changed row by row as the search narrows and widens: after each key
    it must hold exactly what a queue opened on that search would show, in order."""
    app = MaTuiApp(demo_sqlite, clock=fixed_clock(CLINIC_NOW), sign_in=False)
    async with app.run_test(size=(80, 24)) as pilot:
        everyone = _rows(app)
        seen: dict[str, list[list[str]]] = {}
        for key in ["b", "e", "backspace", "backspace", "m", "o", "r", "backspace", "t"]:
            await pilot.press(key)
            await _searched(pilot)
            search = app.screen.query_one("#search", Input).value
            seen[search] = _rows(app)
        await pilot.press(*["backspace"] * 3)
        await pilot.pause()
        assert _rows(app) == everyone

    for search, rows in seen.items():
        fresh = MaTuiApp(demo_sqlite, clock=fixed_clock(CLINIC_NOW), sign_in=False)
        async with fresh.run_test(size=(80, 24)) as pilot:
            fresh.screen.query_one("#search", Input).value = search
            await _searched(pilot)
            assert _rows(fresh) == rows, search


async def test_a_search_left_on_the_queue_is_replaced_by_the_next_typed(
    demo_engine: Engine,
) -> None:
    """Found trying it: back from a patient's orders, 'lindq' typed after 'park' searched
    'parklindq'. The search still shows what it found, all selected: typing replaces it."""
    from tests.pilot import type_text

    app = MaTuiApp(demo_engine, clock=fixed_clock(CLINIC_NOW), cursor_blink=False, sign_in=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await type_text(pilot, "park")
        await pilot.press("f7")  # the highlighted patient's orders
        await pilot.pause()
        assert not isinstance(app.screen, QueueScreen)
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, QueueScreen)
        search = app.screen.query_one("#search", Input)
        assert search.value == "park"
        await type_text(pilot, "whit")
        assert search.value == "whit"
        assert [row[1] for row in _rows(app)][:1] == ["Whitfield, Dana"]


async def test_the_queue_is_read_once_when_it_first_shows(
    demo_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On start (after the sign-in), the day is read once, not again by the screen's
    first resume: a second read held up the queue's first paint."""
    from ma_tui.visits.queue import todays_queue

    reads: list[object] = []
    real = todays_queue

    def counted(*args: object, **kwargs: object) -> object:
        reads.append(args)
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr("ma_tui.screens.queue.queue.todays_queue", counted)
    app = MaTuiApp(demo_engine, clock=fixed_clock(CLINIC_NOW), sign_in=False)
    app.build_ahead = False
    async with app.run_test() as pilot:
        await pilot.pause()
        assert len(reads) == 1
        assert isinstance(app.screen, QueueScreen)
