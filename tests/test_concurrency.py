"""Many terminals on one host: several ma-tui processes rooming on one SQLite file.

A write that meets another terminal's lock waits and goes on; no MA ever sees
"database is locked"; a visit someone else is rooming is theirs until they sign it.
Speed is measured by ``bench/concurrency.py``, never asserted here.
"""

from __future__ import annotations

import multiprocessing
import queue
import random
import threading
from collections import Counter
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError
from sqlmodel import Session, col, func, select

from ma_tui.core.errors import UserError
from ma_tui.data.catalogs.vitals import BODY_TEMPERATURE, HEART_RATE
from ma_tui.data.migrate import upgrade
from ma_tui.data.models.observations import Observation
from ma_tui.data.models.patients import Patient
from ma_tui.data.models.settings import ClinicSetting
from ma_tui.data.models.visits import (
    Encounter,
    EncounterStatus,
    EncounterStatusChange,
    RoomingDraft,
)
from ma_tui.data.store import DatabaseBusy, create_store_engine, retry_on_busy, sqlite_url
from ma_tui.demo.synthetic import arrived_clinic
from ma_tui.visits.draft import VisitDraft
from ma_tui.visits.holding import VisitInUse, current_holder, open_visit, save_draft, view_visit
from ma_tui.visits.signing import sign_visit
from ma_tui.vitals.draft import VitalEntry
from tests.conftest import CLINIC_NOW, todays_encounter_id

WORKERS = 4
OWN_VISITS = 50  # each worker's own visits, which it must sign
SHARED_VISITS = 40  # visits every worker tries to take at once: one wins each
VITALS_PER_VISIT = 2


# ------------------------------------------------------------ a shared clinic


def _room_and_sign(engine: Engine, encounter_id: int, holder: str) -> None:
    """What an MA's terminal does for one visit: open it, fill a minimal draft, sign."""
    # As the app opens it: the chart (and its VIEW event), then the claim.
    view_visit(engine, encounter_id, staff_id=None, now=CLINIC_NOW)
    draft = open_visit(engine, encounter_id, staff_id=None, now=CLINIC_NOW, holder=holder)
    draft.checkin.identity_confirmed_at = CLINIC_NOW
    draft.checkin.demographics_confirmed = True
    draft.complaint.chief_complaint = "cough for 3 days"
    draft.vitals.entries = [
        VitalEntry(
            code=HEART_RATE,
            value_entered="72",
            unit_entered="/min",
            value=72,
            unit="/min",
            taken_at=CLINIC_NOW,
        ),
        VitalEntry(
            code=BODY_TEMPERATURE,
            value_entered="98.6",
            unit_entered="[degF]",
            value=37.0,
            unit="Cel",
            taken_at=CLINIC_NOW,
        ),
    ]
    draft.step = "review"
    save_draft(engine, draft, staff_id=None, now=CLINIC_NOW, holder=holder)
    sign_visit(engine, draft, staff_id=None, now=CLINIC_NOW, holder=holder)


def _terminal(
    url: str,
    holder: str,
    own: list[int],
    shared: list[int],
    start: Any,  # multiprocessing.synchronize.Barrier
    results: Any,  # multiprocessing.Queue
) -> None:
    """One ma-tui process (spawned): rooms its own visits and races for the shared ones."""
    signed: list[int] = []
    refused: list[str] = []
    errors: list[str] = []
    try:
        engine = create_store_engine(url)  # as the program opens its database...
        upgrade(engine)  # ... and migrates it at start
        start.wait(timeout=120)
        work = [(encounter_id, False) for encounter_id in own]
        work += [(encounter_id, True) for encounter_id in shared]
        random.Random(holder).shuffle(work)
        for encounter_id, contended in work:
            try:
                _room_and_sign(engine, encounter_id, holder)
                signed.append(encounter_id)
            except UserError as exc:
                # Another terminal has it, or has already signed it: what the MA is
                # told, a notice and not an error, but only for the contended visits.
                (refused if contended else errors).append(f"{encounter_id}: {exc}")
            except Exception as exc:
                errors.append(f"{encounter_id}: {type(exc).__name__}: {exc}")
        engine.dispose()
    except Exception as exc:
        errors.append(f"{holder}: {type(exc).__name__}: {exc}")
    results.put((holder, signed, refused, errors))


def test_four_terminals_sign_visits_at_once_each_exactly_once(tmp_path: Path) -> None:
    path = tmp_path / "clinic.db"
    ids = arrived_clinic(
        path, WORKERS * OWN_VISITS + SHARED_VISITS, CLINIC_NOW, first_mrn=7_000_000
    )
    shared = ids[-SHARED_VISITS:]
    holders = [f"ma{n}@exam-pc-{n}" for n in range(WORKERS)]
    spawn = multiprocessing.get_context("spawn")
    start = spawn.Barrier(WORKERS)
    results = spawn.Queue()
    terminals = [
        spawn.Process(
            target=_terminal,
            args=(
                sqlite_url(path),
                holder,
                ids[n * OWN_VISITS : (n + 1) * OWN_VISITS],
                shared,
                start,
                results,
            ),
        )
        for n, holder in enumerate(holders)
    ]
    for terminal in terminals:
        terminal.start()
    reports = []
    try:
        for _ in terminals:
            reports.append(results.get(timeout=180))
    except queue.Empty:
        pytest.fail(f"a terminal did not finish; {len(reports)} of {WORKERS} did")
    finally:
        for terminal in terminals:
            terminal.join(timeout=30)
            if terminal.is_alive():
                terminal.kill()

    errors = [error for _, _, _, report_errors in reports for error in report_errors]
    assert errors == []
    signed = Counter(
        encounter_id for _, report_signed, _, _ in reports for encounter_id in report_signed
    )
    assert sorted(signed) == sorted(ids)
    assert max(signed.values()) == 1
    for holder, report_signed, refused, _ in reports:
        n = holders.index(holder)
        assert set(ids[n * OWN_VISITS : (n + 1) * OWN_VISITS]) <= set(report_signed)
        # Every shared visit this terminal did not sign, it was refused, with a reason.
        assert len(refused) == SHARED_VISITS - len(set(report_signed) & set(shared))
        assert all("being roomed by" in r or "ready for provider" in r for r in refused)

    engine = create_store_engine(sqlite_url(path))
    with Session(engine) as session:
        encounters = session.exec(select(Encounter)).all()
        assert {e.status for e in encounters} == {EncounterStatus.READY_FOR_PROVIDER}
        assert all(e.signed_at is not None for e in encounters)
        observations = Counter(session.exec(select(Observation.encounter_id)).all())
        assert observations == dict.fromkeys(ids, VITALS_PER_VISIT)
        changes: dict[int, list[EncounterStatus]] = {}
        for change in session.exec(
            select(EncounterStatusChange).order_by(col(EncounterStatusChange.id))
        ).all():
            changes.setdefault(change.encounter_id, []).append(change.status)
        roomed_then_signed = [EncounterStatus.ROOMING, EncounterStatus.READY_FOR_PROVIDER]
        assert changes == {encounter_id: roomed_then_signed for encounter_id in ids}
        assert session.exec(select(func.count()).select_from(RoomingDraft)).one() == 0
    with engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
    engine.dispose()


# ------------------------------------------------- the write lock comes first


def test_a_read_then_write_transaction_waits_for_another_terminal(file_engine: Engine) -> None:
    """Another terminal's write meets this one's open transaction: it waits, then goes on.

    With SQLite's deferred BEGIN this would fail at once with "database is locked"
    (a read lock cannot be upgraded after another writer committed).
    """
    other = create_store_engine(file_engine.url.render_as_string(hide_password=False))
    failures: list[BaseException] = []
    with Session(file_engine) as session:
        assert session.get(ClinicSetting, "units") is None  # a read starts the transaction

        def write_elsewhere() -> None:
            try:
                with Session(other) as elsewhere:
                    elsewhere.add(ClinicSetting(key="from-the-other-terminal", value="1"))
                    elsewhere.commit()
            except BaseException as exc:  # pragma: no cover - the failure being tested
                failures.append(exc)

        writer = threading.Thread(target=write_elsewhere)
        writer.start()
        writer.join(timeout=0.3)
        assert writer.is_alive()  # it queues on this transaction's write lock
        session.add(ClinicSetting(key="units", value="us"))
        session.commit()
    writer.join(timeout=30)
    assert failures == []
    with Session(file_engine) as session:
        assert session.get(ClinicSetting, "units") is not None
        assert session.get(ClinicSetting, "from-the-other-terminal") is not None
    other.dispose()


def test_a_file_database_begins_every_transaction_immediate(file_engine: Engine) -> None:
    statements: list[str] = []
    sa.event.listen(
        file_engine,
        "before_cursor_execute",
        lambda _c, _cur, statement, *_: statements.append(statement),
    )
    with Session(file_engine) as session:
        session.exec(select(Patient)).all()
    assert statements[0] == "BEGIN IMMEDIATE"


# -------------------------------------------------------- who has the visit


def _open(engine: Engine, encounter_id: int, holder: str) -> VisitDraft:
    return open_visit(engine, encounter_id, staff_id=None, now=CLINIC_NOW, holder=holder)


def _race(
    engine: Engine,
    encounter_id: int,
    holder: str,
    start: threading.Barrier,
    outcome: dict[str, BaseException | VisitDraft],
) -> None:
    start.wait(timeout=30)
    try:
        outcome[holder] = _open(engine, encounter_id, holder)
    except BaseException as exc:
        outcome[holder] = exc


def test_two_terminals_racing_for_one_visit_one_wins(tmp_path: Path) -> None:
    path = tmp_path / "clinic.db"
    ids = arrived_clinic(path, 12, CLINIC_NOW, first_mrn=7_000_000)
    engines = [create_store_engine(sqlite_url(path)) for _ in range(2)]
    holders = ["mia@exam-pc-3", "jorge@exam-pc-5"]
    for encounter_id in ids:
        start = threading.Barrier(2)
        outcome: dict[str, BaseException | VisitDraft] = {}
        racers = [
            threading.Thread(target=_race, args=(engine, encounter_id, holder, start, outcome))
            for engine, holder in zip(engines, holders, strict=True)
        ]
        for racer in racers:
            racer.start()
        for racer in racers:
            racer.join(timeout=30)
        winners = [h for h in holders if isinstance(outcome[h], VisitDraft)]
        assert len(winners) == 1, outcome
        (loser,) = set(holders) - set(winners)
        lost = outcome[loser]
        assert isinstance(lost, VisitInUse)
        assert str(lost) == f"being roomed by {winners[0]} since 09:20"
        with Session(engines[0]) as session:
            stored = session.get(RoomingDraft, encounter_id)
            assert stored is not None
            assert stored.holder == winners[0]
            changes = session.exec(
                select(EncounterStatusChange).where(
                    EncounterStatusChange.encounter_id == encounter_id
                )
            ).all()
            assert [c.status for c in changes] == [EncounterStatus.ROOMING]
    for engine in engines:
        engine.dispose()


def test_the_message_names_the_holder_and_the_local_time(demo_engine: Engine) -> None:
    encounter_id = todays_encounter_id(demo_engine, "Whitfield")
    _open(demo_engine, encounter_id, "mia@exam-pc-3")
    with pytest.raises(VisitInUse) as caught:
        _open(demo_engine, encounter_id, "jorge@exam-pc-5")
    assert str(caught.value) == "being roomed by mia@exam-pc-3 since 09:20"
    assert caught.value.holder == "mia@exam-pc-3"
    # The app shows it as: "Cannot room this visit: being roomed by mia@exam-pc-3 since 09:20."
    with Session(demo_engine) as session:
        stored = session.get(RoomingDraft, encounter_id)
        assert stored is not None
        assert stored.held_since == CLINIC_NOW
    tomorrow = CLINIC_NOW + timedelta(days=1)
    with pytest.raises(VisitInUse, match="since 11/23/2026 09:20"):
        open_visit(demo_engine, encounter_id, staff_id=None, now=tomorrow, holder="jorge@exam-pc-5")


def test_the_same_holder_resumes_its_own_draft(demo_engine: Engine) -> None:
    """How a crashed terminal resumes: the same user on the same host opens it again."""
    encounter_id = todays_encounter_id(demo_engine, "Whitfield")
    draft = _open(demo_engine, encounter_id, "mia@exam-pc-3")
    draft.step = "vitals"
    draft.complaint.chief_complaint = "cough"
    later = CLINIC_NOW + timedelta(minutes=5)
    save_draft(demo_engine, draft, staff_id=None, now=later, holder="mia@exam-pc-3")
    resumed = open_visit(
        demo_engine, encounter_id, staff_id=None, now=later, holder="mia@exam-pc-3"
    )
    assert (resumed.step, resumed.complaint.chief_complaint) == ("vitals", "cough")
    with Session(demo_engine) as session:
        stored = session.get(RoomingDraft, encounter_id)
        assert stored is not None
        assert stored.held_since == CLINIC_NOW


def test_a_draft_without_a_holder_is_taken_by_whoever_opens_it(demo_engine: Engine) -> None:
    """Drafts saved before holders were kept belong to the next MA who opens them."""
    encounter_id = todays_encounter_id(demo_engine, "Whitfield")
    _open(demo_engine, encounter_id, "mia@exam-pc-3")
    with Session(demo_engine) as session:
        stored = session.get(RoomingDraft, encounter_id)
        assert stored is not None
        stored.holder = None
        session.add(stored)
        session.commit()
    _open(demo_engine, encounter_id, "jorge@exam-pc-5")
    with pytest.raises(VisitInUse, match="jorge@exam-pc-5"):
        _open(demo_engine, encounter_id, "mia@exam-pc-3")


def test_someone_elses_draft_cannot_be_saved_or_signed(demo_engine: Engine) -> None:
    encounter_id = todays_encounter_id(demo_engine, "Whitfield")
    theirs = _open(demo_engine, encounter_id, "mia@exam-pc-3")
    theirs.complaint.chief_complaint = "cough"
    save_draft(demo_engine, theirs, staff_id=None, now=CLINIC_NOW, holder="mia@exam-pc-3")
    with Session(demo_engine) as session:
        before = session.get(RoomingDraft, encounter_id)
        assert before is not None
        stored_before = (before.data, before.holder, before.updated_at)

    mine = theirs.model_copy(deep=True)
    mine.checkin.identity_confirmed_at = CLINIC_NOW
    mine.complaint.chief_complaint = "something else entirely"
    with pytest.raises(VisitInUse, match="mia@exam-pc-3"):
        save_draft(
            demo_engine,
            mine,
            staff_id=None,
            now=CLINIC_NOW + timedelta(minutes=1),
            holder="jorge@exam-pc-5",
        )
    with pytest.raises(VisitInUse, match="mia@exam-pc-3"):
        sign_visit(demo_engine, mine, staff_id=None, now=CLINIC_NOW, holder="jorge@exam-pc-5")

    with Session(demo_engine) as session:
        after = session.get(RoomingDraft, encounter_id)
        assert after is not None
        assert (after.data, after.holder, after.updated_at) == stored_before
        encounter = session.get(Encounter, encounter_id)
        assert encounter is not None
        assert (encounter.status, encounter.signed_at, encounter.chief_complaint) == (
            EncounterStatus.ROOMING,
            None,
            None,
        )
        assert (
            session.exec(select(Observation).where(Observation.encounter_id == encounter_id)).all()
            == []
        )
    # The holder still signs it.
    theirs.checkin.identity_confirmed_at = CLINIC_NOW
    sign_visit(demo_engine, theirs, staff_id=None, now=CLINIC_NOW, holder="mia@exam-pc-3")


def test_this_terminals_holder_is_user_at_host() -> None:
    user, _, host = current_holder().partition("@")
    assert user
    assert host


# ------------------------------------------------------------------- retry


def _locked() -> OperationalError:
    return OperationalError("BEGIN IMMEDIATE", None, Exception("database is locked"))


def test_a_locked_database_is_tried_again_with_growing_waits() -> None:
    calls: list[int] = []
    waits: list[float] = []

    def locked_twice() -> str:
        calls.append(1)
        if len(calls) < 3:
            raise _locked()
        return "signed"

    assert retry_on_busy(locked_twice, attempts=4, first_delay=0.1, sleep=waits.append) == "signed"
    assert len(calls) == 3
    assert len(waits) == 2
    assert 0.05 <= waits[0] <= 0.15
    assert 0.1 <= waits[1] <= 0.3


def test_retrying_gives_up_after_the_last_attempt() -> None:
    calls: list[int] = []
    waits: list[float] = []

    def always_locked() -> None:
        calls.append(1)
        raise _locked()

    with pytest.raises(DatabaseBusy) as caught:
        retry_on_busy(always_locked, attempts=3, sleep=waits.append)
    assert len(calls) == 3
    assert len(waits) == 2
    assert isinstance(caught.value.__cause__, OperationalError)
    assert "locked" not in str(caught.value)  # the MA never reads "database is locked"


@pytest.mark.parametrize(
    "error",
    [
        OperationalError("SELECT", None, Exception("no such table: patient")),
        OperationalError("INSERT", None, Exception("disk I/O error")),
        ValueError("this visit is checked out"),
        sa.exc.IntegrityError("INSERT", None, Exception("UNIQUE constraint failed")),
    ],
)
def test_nothing_but_a_locked_database_is_retried(error: Exception) -> None:
    calls: list[int] = []

    def fails() -> None:
        calls.append(1)
        raise error

    with pytest.raises(type(error)):
        retry_on_busy(fails, attempts=5, sleep=lambda _: None)
    assert len(calls) == 1


async def test_a_second_ma_is_told_who_has_the_visit(demo_engine: Engine) -> None:
    from textual.widgets._toast import Toast

    from ma_tui.data.models.visits import RoomingDraft
    from ma_tui.screens.queue.queue import QueueScreen
    from tests.conftest import todays_encounter_id
    from tests.pilot import make_app, open_from_queue

    encounter_id = todays_encounter_id(demo_engine, "Whitfield")
    open_visit(demo_engine, encounter_id, staff_id=None, now=CLINIC_NOW, holder="mia@exam-3")
    app = make_app(demo_engine)
    async with app.run_test(notifications=True) as pilot:
        await open_from_queue(pilot, "whit da")
        assert isinstance(app.screen, QueueScreen)
        await pilot.pause()
        toasts = [str(toast.render()) for toast in app.screen.query(Toast)]
        assert any("being roomed by mia@exam-3 since 09:20" in text for text in toasts)
    with Session(demo_engine) as session:
        draft = session.get(RoomingDraft, encounter_id)
        assert draft is not None
        assert draft.holder == "mia@exam-3"
