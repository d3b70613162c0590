"""The audit trail: append-only in the database, hash-chained, one chain for many
terminals, and the `ma-tui audit` command."""

from __future__ import annotations

import hashlib
import itertools
import json
import multiprocessing
import os
import queue
import threading
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session, col, select

from ma_tui.cli import EXIT_AUDIT_BROKEN, main
from ma_tui.core.exits import EXIT_USAGE
from ma_tui.data.audit import (
    HASH_FIELDS,
    REASON_CHANGED,
    REASON_FIRST,
    REASON_NO_HASH,
    AuditAction,
    canonical_json,
    event_hash,
    events,
    install_append_only,
    record,
    remove_append_only,
    verify,
)
from ma_tui.data.audit_key import AuditKey, key_path, read_key
from ma_tui.data.migrate import upgrade
from ma_tui.data.models.audit import AuditEvent
from ma_tui.data.models.patients import Patient, Sex
from ma_tui.data.models.staff import Staff, StaffRole
from ma_tui.data.store import create_store_engine, memory_engine, sqlite_url
from tests.conftest import CLINIC_NOW, POSTGRES_ENV
from tests.credentials import as_admin, with_admin

T0 = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)
AUDIT = AuditEvent.__table__  # type: ignore[attr-defined]


def _append(engine: Engine, count: int, *, start: int = 0, **fields: Any) -> list[int]:
    """``count`` events, one transaction each (as the app writes them); their ids."""
    ids = []
    for n in range(start, start + count):
        with Session(engine) as session:
            event = record(
                session,
                action=AuditAction.VIEW,
                at=T0 + timedelta(seconds=n),
                detail={"n": n},
                **fields,
            )
            session.commit()
            assert event.id is not None
            ids.append(event.id)
    return ids


def _verify(engine: Engine) -> Any:
    with Session(engine) as session:
        return verify(session)


def _tamper(engine: Engine, statement: sa.Executable) -> None:
    """What someone with the database file could do: drop the triggers, then change rows."""
    with engine.begin() as connection:
        remove_append_only(connection)
        connection.execute(statement)


# ------------------------------------------------------------------ the chain


def test_a_chain_of_events_verifies(engine: Engine) -> None:
    ids = _append(engine, 6, os_user="mia")
    assert ids == list(range(1, 7))
    result = _verify(engine)
    assert result.ok
    assert result.count == 6
    assert result.message() == "audit chain ok: 6 events"
    with Session(engine) as session:
        rows = session.exec(select(AuditEvent).order_by(col(AuditEvent.id))).all()
    assert rows[0].prev_hash is None
    for before, after in itertools.pairwise(rows):
        assert after.prev_hash == before.hash
    assert result.last_hash == rows[-1].hash


def test_an_empty_trail_is_an_unbroken_chain(engine: Engine) -> None:
    result = _verify(engine)
    assert (result.ok, result.count, result.last_hash) == (True, 0, None)
    assert result.message() == "audit chain ok: 0 events"


def test_an_auditor_can_recompute_a_hash_from_the_docstring(engine: Engine) -> None:
    """The canonical form, written out independently of ma_tui.data.audit."""
    with Session(engine) as session:
        first = record(session, action=AuditAction.SIGN_IN, at=T0, os_user="mia")
        second = record(
            session,
            action=AuditAction.SIGN,
            at=datetime(2026, 11, 23, 9, 14, 0, 250, tzinfo=ZoneInfo("America/Chicago")),
            os_user="mia",
            entity="encounter",
            entity_id=42,
            detail={"note": "Nguyễn – ok", "vitals": 9},
        )
        session.commit()
        first_hash, second_hash, detail = first.hash, second.hash, second.detail
    assert detail == '{"note":"Nguyễn – ok","vitals":9}'
    canonical = (
        '{"action":"sign","at":"2026-11-23T15:14:00.000250Z",'
        '"detail":"{\\"note\\":\\"Nguy\\u1ec5n \\u2013 ok\\",\\"vitals\\":9}",'
        '"entity":"encounter","entity_id":"42","id":2,"os_user":"mia",'
        '"patient_id":null,"staff_id":null}'
    )
    assert first_hash is not None
    expected = hashlib.sha256((first_hash + canonical).encode("ascii")).hexdigest()
    assert second_hash == expected
    genesis = (
        '{"action":"sign_in","at":"2026-11-23T15:00:00.000000Z","detail":null,"entity":null,'
        '"entity_id":null,"id":1,"os_user":"mia","patient_id":null,"staff_id":null}'
    )
    assert first_hash == hashlib.sha256(genesis.encode("ascii")).hexdigest()


def test_record_refuses_naive_times_unknown_actions_and_non_json_detail(engine: Engine) -> None:
    with Session(engine) as session:
        with pytest.raises(ValueError, match="naive"):
            record(session, action=AuditAction.VIEW, at=datetime(2026, 11, 23, 9, 0))  # noqa: DTZ001 (the point)
        with pytest.raises(ValueError, match="peek"):
            record(session, action="peek", at=T0)  # type: ignore[arg-type]
        with pytest.raises(TypeError, match="set"):
            record(session, action=AuditAction.VIEW, at=T0, detail={"x": {1, 2}})
        record(session, action="view", at=T0, detail={"on": date(2026, 11, 23)})  # type: ignore[arg-type]
        session.commit()
    with Session(engine) as session:
        assert session.exec(select(AuditEvent.detail)).one() == '{"on":"2026-11-23"}'


def test_events_filter_by_patient_user_and_local_day(engine: Engine) -> None:
    chicago = ZoneInfo("America/Chicago")
    with Session(engine) as session:
        staff = Staff(username="mia", display_name="Mia", role=StaffRole.MA)
        patient = Patient(
            mrn="1000105",
            family_name="Whitfield",
            given_name="Dana",
            birth_date=date(1968, 4, 12),
            sex=Sex.FEMALE,
        )
        session.add_all([staff, patient])
        session.flush()
        late = datetime(2026, 11, 22, 23, 59, 59, 999999, tzinfo=chicago)
        record(session, action=AuditAction.SIGN_IN, at=late, staff_id=staff.id)
        record(session, action=AuditAction.VIEW, at=late, staff_id=staff.id, patient_id=patient.id)
        midnight = datetime(2026, 11, 23, tzinfo=chicago)
        record(session, action=AuditAction.EXPORT, at=midnight, os_user="jdoe")
        record(
            session, action=AuditAction.SIGN, at=midnight, staff_id=staff.id, patient_id=patient.id
        )
        session.commit()
        assert [e.action for e in events(session)] == ["sign_in", "view", "export", "sign"]
        assert [e.action for e in events(session, patient_mrn="1000105")] == ["view", "sign"]
        assert [e.action for e in events(session, username="jdoe")] == ["export"]
        assert [e.user for e in events(session, username="mia")] == ["mia"] * 3
        today = events(session, since=date(2026, 11, 23), tz=chicago)
        assert [e.action for e in today] == ["export", "sign"]
        assert today[1].patient_mrn == "1000105"
        assert today[1].at == midnight
        assert len(events(session, since=date(2026, 11, 23), tz=UTC)) == 4  # 05:59 UTC
        assert events(session, patient_mrn="1000105", username="jdoe") == []


# ----------------------------------------------------------- append-only


def test_update_and_delete_on_the_audit_table_fail(demo_engine: Engine) -> None:
    """On every backend (PostgreSQL too with MA_TUI_TEST_POSTGRES_URL set)."""
    before = _verify(demo_engine)
    assert before.ok
    assert before.count > 0
    refused: list[sa.Executable] = [
        sa.update(AUDIT).values(detail='{"forged":true}'),
        sa.update(AUDIT).where(AUDIT.c.id == 1).values(hash="0" * 64),
        sa.delete(AUDIT),
        sa.delete(AUDIT).where(AUDIT.c.id == sa.select(sa.func.max(AUDIT.c.id)).scalar_subquery()),
    ]
    if demo_engine.dialect.name == "postgresql":
        refused.append(sa.text("TRUNCATE audit_event"))
    for statement in refused:
        with pytest.raises(DBAPIError, match="append-only"), demo_engine.begin() as connection:
            connection.execute(statement)
    # ... and through the ORM.
    with Session(demo_engine) as session:
        event = session.exec(select(AuditEvent).order_by(col(AuditEvent.id))).first()
        assert event is not None
        event.detail = '{"forged":true}'
        session.add(event)
        with pytest.raises(DBAPIError, match="append-only"):
            session.commit()
    with Session(demo_engine) as session:
        event = session.exec(select(AuditEvent).order_by(col(AuditEvent.id))).first()
        session.delete(event)
        with pytest.raises(DBAPIError, match="append-only"):
            session.commit()
    after = _verify(demo_engine)
    assert after == before


def test_a_sqlite_file_refuses_update_and_delete_too(file_engine: Engine) -> None:
    _append(file_engine, 3)
    for statement in (sa.update(AUDIT).values(os_user="someone"), sa.delete(AUDIT)):
        with pytest.raises(DBAPIError, match="append-only"), file_engine.begin() as connection:
            connection.execute(statement)
    assert _verify(file_engine).count == 3


# ------------------------------------------------ tampering behind its back


def test_verify_names_a_row_changed_with_the_triggers_dropped(file_engine: Engine) -> None:
    _append(file_engine, 10)
    _tamper(file_engine, sa.update(AUDIT).where(AUDIT.c.id == 7).values(detail='{"n":70}'))
    result = _verify(file_engine)
    assert (result.ok, result.broken_id, result.reason) == (False, 7, REASON_CHANGED)
    assert result.message() == (
        "audit chain BROKEN at event 7: contents changed since it was written"
    )


def test_verify_names_the_gap_a_deleted_row_leaves(file_engine: Engine) -> None:
    _append(file_engine, 10)
    _tamper(file_engine, sa.delete(AUDIT).where(AUDIT.c.id == 5))
    result = _verify(file_engine)
    assert (result.ok, result.broken_id) == (False, 6)
    assert result.reason is not None
    assert "event 4" in result.reason
    assert "removed" in result.reason


def test_a_rewritten_row_with_a_recomputed_hash_breaks_the_next_link(engine: Engine) -> None:
    _append(engine, 5)
    with Session(engine) as session:
        row = session.get(AuditEvent, 3)
        assert row is not None
        fields = {name: getattr(row, name) for name in HASH_FIELDS} | {"detail": '{"n":99}'}
        forged = event_hash(row.prev_hash, fields)
    _tamper(engine, sa.update(AUDIT).where(AUDIT.c.id == 3).values(detail='{"n":99}', hash=forged))
    result = _verify(engine)
    assert (result.ok, result.broken_id) == (False, 4)
    assert result.reason is not None
    assert "event 3 was rewritten" in result.reason


def test_removing_the_first_events_is_seen(engine: Engine) -> None:
    _append(engine, 4)
    _tamper(engine, sa.delete(AUDIT).where(AUDIT.c.id <= 2))
    result = _verify(engine)
    assert (result.ok, result.broken_id, result.reason) == (False, 3, REASON_FIRST)


def test_an_event_inserted_outside_record_is_seen(engine: Engine) -> None:
    _append(engine, 2)
    with engine.begin() as connection:
        connection.execute(sa.insert(AUDIT).values(at=T0, action="view", prev_hash=None))
    result = _verify(engine)
    assert (result.ok, result.broken_id) == (False, 3)
    with engine.begin() as connection:
        remove_append_only(connection)
        connection.execute(sa.delete(AUDIT).where(AUDIT.c.id == 3))
        last = connection.execute(sa.select(AUDIT.c.hash).where(AUDIT.c.id == 2)).scalar_one()
        connection.execute(sa.insert(AUDIT).values(at=T0, action="view", prev_hash=last))
        install_append_only(connection)
    result = _verify(engine)
    assert (result.ok, result.broken_id, result.reason) == (False, 3, REASON_NO_HASH)


# ------------------------------------------------------ one chain, many writers


WRITERS = 4
EVENTS_EACH = 40


def _writer(url: str, n: int, start: Any, results: Any) -> None:
    """One ma-tui process (spawned) appending events as fast as it can."""
    try:
        engine = create_store_engine(url)
        upgrade(engine)
        start.wait(timeout=120)
        for i in range(EVENTS_EACH):
            with Session(engine) as session:
                record(
                    session,
                    action=AuditAction.VIEW,
                    at=datetime.now(UTC),
                    os_user=f"writer{n}",
                    detail={"i": i},
                )
                session.commit()
        engine.dispose()
        results.put((n, ""))
    except BaseException as exc:  # reported to the test, not lost in the child
        results.put((n, repr(exc)))


def test_processes_appending_at_once_keep_one_chain(file_engine: Engine, db_path: Path) -> None:
    spawn = multiprocessing.get_context("spawn")
    start = spawn.Barrier(WRITERS)
    results = spawn.Queue()
    writers = [
        spawn.Process(target=_writer, args=(sqlite_url(db_path), n, start, results))
        for n in range(WRITERS)
    ]
    for writer in writers:
        writer.start()
    reports = []
    try:
        for _ in writers:
            reports.append(results.get(timeout=180))
    except queue.Empty:
        pytest.fail(f"a writer did not finish; {len(reports)} of {WRITERS} did")
    finally:
        for writer in writers:
            writer.join(timeout=30)
            if writer.is_alive():
                writer.kill()
    assert [error for _, error in reports if error] == []
    result = _verify(file_engine)
    assert result.ok, result.message()
    assert result.count == WRITERS * EVENTS_EACH
    with Session(file_engine) as session:
        by_writer = {
            name: len(events(session, username=name))
            for name in (f"writer{n}" for n in range(WRITERS))
        }
    assert set(by_writer.values()) == {EVENTS_EACH}


@pytest.mark.skipif(not os.environ.get(POSTGRES_ENV), reason=f"set {POSTGRES_ENV}")
def test_threads_appending_at_once_keep_one_chain_on_postgresql() -> None:
    engine = create_store_engine(os.environ[POSTGRES_ENV])
    with engine.begin() as connection:
        connection.exec_driver_sql("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
    upgrade(engine)
    start = threading.Barrier(WRITERS)
    errors: list[str] = []

    def write(n: int) -> None:
        try:
            start.wait(timeout=60)
            _append(engine, EVENTS_EACH, start=n * EVENTS_EACH, os_user=f"writer{n}")
        except BaseException as exc:
            errors.append(repr(exc))

    threads = [threading.Thread(target=write, args=(n,)) for n in range(WRITERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    try:
        assert errors == []
        result = _verify(engine)
        assert result.ok, result.message()
        assert result.count == WRITERS * EVENTS_EACH
    finally:
        engine.dispose()


# ---------------------------------------------------------- property tests

_TEXT = st.text(st.characters(codec="utf-8"), max_size=40)
_JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**53), 2**53)
    | st.floats(allow_nan=False, allow_infinity=False)
    | _TEXT,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_TEXT, inner, max_size=3),
    max_leaves=8,
)
_ZONES = st.sampled_from([UTC, ZoneInfo("America/Chicago"), timezone(timedelta(hours=5.5))])
_EVENT = st.fixed_dictionaries(
    {
        "action": st.sampled_from(list(AuditAction)),
        # Hypothesis takes naive bounds and adds a zone from ``timezones``.
        "at": st.datetimes(datetime(1990, 1, 1), datetime(2100, 1, 1), timezones=_ZONES),  # noqa: DTZ001
        "staff_id": st.none() | st.integers(1, 2),
        "os_user": st.none() | _TEXT,
        "patient_id": st.none() | st.integers(1, 2),
        "entity": st.none() | _TEXT,
        "entity_id": st.none() | _TEXT | st.integers(0, 10**9),
        "detail": st.none() | st.dictionaries(_TEXT, _JSON, max_size=4),
    }
)


@pytest.fixture(scope="module")
def trail() -> Iterator[Engine]:
    """One database the property tests empty and refill, with two staff and patients."""
    engine = memory_engine()
    upgrade(engine)
    with Session(engine) as session:
        for n in (1, 2):
            session.add(Staff(username=f"s{n}", display_name=f"S {n}", role=StaffRole.MA))
            session.add(
                Patient(
                    mrn=f"90{n}",
                    family_name="P",
                    given_name=str(n),
                    birth_date=date(1980, 1, n),
                    sex=Sex.UNKNOWN,
                )
            )
        session.commit()
    yield engine
    engine.dispose()


def _refill(engine: Engine, specs: list[dict[str, Any]]) -> list[AuditEvent]:
    with engine.begin() as connection:
        remove_append_only(connection)
        connection.execute(sa.delete(AUDIT))
        install_append_only(connection)
    with Session(engine) as session:
        for spec in specs:
            record(session, **spec)
        session.commit()
        return list(session.exec(select(AuditEvent).order_by(col(AuditEvent.id))).all())


@settings(max_examples=150, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(specs=st.lists(_EVENT, min_size=1, max_size=6))
def test_any_sequence_of_events_verifies(trail: Engine, specs: list[dict[str, Any]]) -> None:
    rows = _refill(trail, specs)
    result = _verify(trail)
    assert result.ok, result.message()
    assert result.count == len(specs)
    assert result.last_hash == rows[-1].hash
    for row in rows:  # what was stored is what was hashed
        assert json.loads(canonical_json({n: getattr(row, n) for n in HASH_FIELDS}))["id"] == row.id


@settings(max_examples=300, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(specs=st.lists(_EVENT, min_size=1, max_size=5), data=st.data())
def test_changing_any_field_of_any_row_is_detected(
    trail: Engine, specs: list[dict[str, Any]], data: st.DataObject
) -> None:
    rows = _refill(trail, specs)
    row = data.draw(st.sampled_from(rows), label="row")
    field = data.draw(st.sampled_from([*HASH_FIELDS, "prev_hash", "hash"]), label="field")
    old = getattr(row, field)
    new: Any
    if field == "id":
        new = data.draw(st.integers(len(rows) + 1, len(rows) + 100))
    elif field == "at":
        new = old + data.draw(
            st.timedeltas(timedelta(microseconds=-(10**12)), timedelta(microseconds=10**12)).filter(
                bool
            )
        )
    elif field in ("staff_id", "patient_id"):
        new = data.draw(st.sampled_from([None, 1, 2]).filter(lambda value: value != old))
    elif field == "action":
        new = data.draw(_TEXT.filter(lambda value: value != old))
    else:
        new = data.draw((st.none() | _TEXT).filter(lambda value: value != old))
    _tamper(trail, sa.update(AUDIT).where(AUDIT.c.id == row.id).values({field: new}))
    result = _verify(trail)
    assert not result.ok
    if field != "id":
        assert result.broken_id == row.id, (field, result.message())


# ------------------------------------------------------------ the command


@pytest.fixture
def demo_file(tmp_path: Path) -> Path:
    path = tmp_path / "clinic.db"
    assert main(["demo", "--db", str(path)], environ={}) == 0
    return path


def _clinic_key() -> AuditKey:
    """The audit key the program made for the demo (tests keep their own config folder)."""
    key = read_key(key_path({}))
    assert key is not None
    return key


def test_audit_verify_on_the_demo(demo_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()
    assert main(["audit", "verify", "--db", str(demo_file)], environ={}) == 0
    first, last = capsys.readouterr().out.splitlines()
    assert first.startswith("audit chain ok: ")
    assert first.endswith(f" events (keyed since event 1, key {_clinic_key().key_id})")
    assert int(first.split()[3]) > 100
    assert last.startswith("last event's hash: ")
    assert len(last.split()[-1]) == 64


def test_audit_verify_names_a_row_changed_behind_its_back(
    demo_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    engine = create_store_engine(sqlite_url(demo_file))
    _tamper(engine, sa.update(AUDIT).where(AUDIT.c.id == 57).values(os_user="nobody"))
    engine.dispose()
    capsys.readouterr()
    assert main(["--db", str(demo_file), "audit", "verify"], environ={}) == EXIT_AUDIT_BROKEN
    assert capsys.readouterr().out == (
        "audit chain BROKEN at event 57: contents changed since it was written\n"
    )
    # Opening the database put the triggers back; the change is still found.
    engine = create_store_engine(sqlite_url(demo_file))
    with pytest.raises(DBAPIError, match="append-only"), engine.begin() as connection:
        connection.execute(sa.delete(AUDIT).where(AUDIT.c.id == 57))
    engine.dispose()


def test_audit_show_lists_a_patients_events_and_records_the_look(
    demo_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    db = [*as_admin(tmp_path), "--db", str(demo_file)]
    assert main(["audit", "show", "--patient", "1000108", *db], environ={}) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines
    assert all(" 1000108 " in line for line in lines)
    assert any(" sign " in line and "encounter" in line for line in lines)
    assert any(line.split()[2] == "rosa" and " create " in line for line in lines)
    # The listing itself is an event: a view of the audit trail by the administrator.
    engine = create_store_engine(sqlite_url(demo_file))
    with Session(engine) as session:
        assert verify(session, _clinic_key()).ok
        look = events(session, username="admin")[-1]
    engine.dispose()
    assert (look.action, look.entity, look.patient_mrn) == ("view", "audit_event", "1000108")
    assert look.staff_username == "admin"
    assert look.os_user is None
    assert json.loads(look.detail or "") == {"patient": "1000108", "events": len(lines)}


def test_audit_show_filters_by_user_and_day(
    demo_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = [*as_admin(tmp_path), "--db", str(demo_file)]
    capsys.readouterr()
    assert main(["audit", "show", "--user", "jorge", *db], environ={}) == 0
    jorge = capsys.readouterr().out.splitlines()
    assert jorge
    assert all(line.split()[2] == "jorge" for line in jorge)
    today = datetime.now().astimezone().date().isoformat()
    assert main(["audit", "show", "--since", today, *db], environ={}) == 0
    todays = capsys.readouterr().out.splitlines()
    assert todays
    assert all(line.startswith(today) for line in todays)
    assert main(["audit", "show", *db], environ={}) == 0
    everything = capsys.readouterr().out.splitlines()
    assert len(everything) > len(todays) >= 1
    # The views above are on the list now, by the administrator, who signed in for each.
    assert [line.split()[2:4] for line in everything[-2:]] == [
        ["admin", "view"],
        ["admin", "sign_in"],
    ]


def test_audit_show_lists_one_kind_of_event(
    demo_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``--action break_glass`` is the review list of records opened outside the schedule."""
    db = [*as_admin(tmp_path), "--db", str(demo_file)]
    capsys.readouterr()
    assert main(["audit", "show", "--action", "sign", *db], environ={}) == 0
    signs = capsys.readouterr().out.splitlines()
    assert signs
    assert all(line.split()[3] == "sign" for line in signs)
    with pytest.raises(SystemExit):
        main(["audit", "show", "--action", "nonsense", *db], environ={})


@pytest.mark.parametrize("since", ["2026-13-01", "yesterday", "11/23/2026", ""])
def test_a_bad_since_date_is_one_line_and_creates_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], since: str
) -> None:
    target = tmp_path / "new.db"
    assert main(["audit", "show", "--since", since, "--db", str(target)], environ={}) == EXIT_USAGE
    err = capsys.readouterr().err
    assert err.startswith("ma-tui: --since takes a date as YYYY-MM-DD")
    assert err.count("\n") == 1
    assert not target.exists()


def test_an_unknown_mrn_is_refused(
    demo_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    signed = as_admin(tmp_path)
    assert main(["audit", "show", "--patient", "0000000", *signed, "--db", str(demo_file)]) == 2
    assert capsys.readouterr().err == "ma-tui: no patient has MRN '0000000'\n"


def test_audit_needs_an_action(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["audit"], environ={})
    assert exited.value.code == 2


def test_show_prints_control_characters_harmlessly(
    file_engine: Engine, db_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    signed = with_admin(db_path, tmp_path)
    with Session(file_engine) as session:
        record(
            session,
            action=AuditAction.EXPORT,
            at=CLINIC_NOW,
            os_user="\x1b[31mevil",
            detail={"file": "a\x07b" + "x" * 100},
        )
        session.commit()
    capsys.readouterr()
    assert main(["audit", "show", *signed, "--db", str(db_path)], environ={}) == 0
    line = capsys.readouterr().out.splitlines()[0]
    assert "\x1b" not in line
    assert "\x07" not in line
    assert "?[31mevil" in line
    assert line.endswith("…")


def test_help_lists_the_audit_command() -> None:
    from ma_tui.cli import build_parser

    parser = build_parser()
    assert "audit" in parser.format_help()
    args = parser.parse_args(["audit", "show", "--patient", "1", "--user", "mia", "--db", "x"])
    assert (args.command, args.action, args.patient, args.user, args.db) == (
        "audit",
        "show",
        "1",
        "mia",
        "x",
    )
