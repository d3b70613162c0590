"""The audit trail against someone with the database file and ``sqlite3`` (issue 15).

Each test plays the attacker with no ma-tui code: it drops the append-only
triggers, rewrites rows, recomputes the chain with ``hashlib`` exactly as the
docstring of ``ma_tui.data.audit`` explains it, deletes events, changes a signed
value. ``ma-tui audit verify`` (with ``--since-checkpoint`` for events cut off the
end) must find each; a trigger found missing at start is a warning and an event.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import stat
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from ma_tui.cli import main
from ma_tui.core.trail import open_trail
from ma_tui.data.audit import AuditAction, events, record, remove_append_only, verify
from ma_tui.data.audit_key import key_path, read_key
from ma_tui.data.catalogs.vitals import HEART_RATE
from ma_tui.data.migrate import upgrade
from ma_tui.data.models.observations import Observation
from ma_tui.data.store import StoreError, create_store_engine, memory_engine, sqlite_url
from ma_tui.vitals.draft import VitalEntry
from tests.conftest import CLINIC_NOW, todays_encounter_id
from tests.signing import sign_dana_with_a_pulse_of_76

EXIT_BROKEN = 1


@pytest.fixture
def clinic(tmp_path: Path) -> Path:
    """The demo clinic in a file, built by the program (so its trail is keyed)."""
    db = tmp_path / "clinic.db"
    assert main(["demo", "--db", str(db)], environ={}) == 0
    return db


def _verify(db: Path, *options: str) -> tuple[int, str]:
    import contextlib
    import io

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = main(["audit", "verify", *options, "--db", str(db)], environ={})
    return code, out.getvalue()


def _attacker(db: Path) -> sqlite3.Connection:
    """sqlite3 on the file, the append-only triggers dropped."""
    connection = sqlite3.connect(db)
    connection.execute("DROP TRIGGER IF EXISTS audit_event_no_update")
    connection.execute("DROP TRIGGER IF EXISTS audit_event_no_delete")
    return connection


def _canonical(row: sqlite3.Row) -> str:
    """The hashed form of an event, from the docstring of ma_tui.data.audit."""
    at = datetime.fromisoformat(str(row["at"]))
    at = at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)
    fields = {name: row[name] for name in ("action", "detail", "entity", "entity_id", "id")}
    fields |= {name: row[name] for name in ("os_user", "patient_id", "staff_id")}
    fields["at"] = at.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=True)


def _recompute_with_hashlib(connection: sqlite3.Connection) -> None:
    """Every hash and link made again with plain SHA-256, as the docstring says."""
    connection.row_factory = sqlite3.Row
    previous = None
    for row in connection.execute("SELECT * FROM audit_event ORDER BY id").fetchall():
        data = (previous or "").encode() + _canonical(row).encode()
        new = hashlib.sha256(data).hexdigest()
        connection.execute(
            "UPDATE audit_event SET prev_hash = ?, hash = ? WHERE id = ?",
            (previous, new, row["id"]),
        )
        previous = new
    connection.commit()


def _staff_id(db: Path, username: str) -> int:
    with sqlite3.connect(db) as connection:
        return int(
            connection.execute("SELECT id FROM staff WHERE username = ?", (username,)).fetchone()[0]
        )


# ------------------------------------------------------------------ the attacks


def test_the_demo_trail_verifies(clinic: Path) -> None:
    code, out = _verify(clinic)
    assert code == 0, out
    assert out.startswith("audit chain ok: ")
    assert "keyed" in out


def test_a_reattributed_event_and_a_deleted_one_with_the_chain_recomputed_are_found(
    clinic: Path,
) -> None:
    connection = _attacker(clinic)
    sign = connection.execute(
        "SELECT id FROM audit_event WHERE action = 'sign' ORDER BY id LIMIT 1"
    ).fetchone()[0]
    connection.execute(
        "UPDATE audit_event SET staff_id = ? WHERE id = ?", (_staff_id(clinic, "jorge"), sign)
    )
    connection.execute("DELETE FROM audit_event WHERE id = ?", (sign + 1,))
    _recompute_with_hashlib(connection)
    connection.close()
    code, out = _verify(clinic)
    assert code == EXIT_BROKEN
    assert "BROKEN" in out


def test_the_whole_trail_recomputed_without_its_key_event_is_found_at_the_next_start(
    clinic: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The thorough attacker also deletes the event that keyed the trail: only what
    ma-tui keeps outside the database (the head it saw last) can tell."""
    connection = _attacker(clinic)
    connection.execute("DELETE FROM audit_event WHERE action = 'audit_key'")
    connection.execute("UPDATE audit_event SET staff_id = NULL WHERE action = 'sign'")
    _recompute_with_hashlib(connection)
    connection.close()
    capsys.readouterr()
    _verify(clinic)
    err = capsys.readouterr().err
    assert "WARNING: the audit trail was rewritten" in err
    with sqlite3.connect(clinic) as connection:
        details = connection.execute(
            "SELECT detail FROM audit_event WHERE action = 'integrity'"
        ).fetchall()
    # The dropped triggers are found too; the rewrite is what matters here.
    assert "rewritten" in {json.loads(detail)["problem"] for (detail,) in details}
    # Said once at the start that found it; every verify afterwards points to it.
    capsys.readouterr()
    code, out = _verify(clinic)
    assert "WARNING" not in capsys.readouterr().err
    assert code == 0
    assert f"; {len(details)} found wrong at a start: ma-tui audit show --action integrity" in out


def test_the_last_twenty_events_deleted_are_found_since_the_checkpoint(
    clinic: Path, tmp_path: Path
) -> None:
    checkpoint = tmp_path / "checkpoint.json"
    code, out = _verify(clinic, "--checkpoint", str(checkpoint))
    assert code == 0, out
    assert stat.S_IMODE(checkpoint.stat().st_mode) == 0o600
    connection = _attacker(clinic)
    connection.execute(
        "DELETE FROM audit_event WHERE id IN (SELECT id FROM audit_event ORDER BY id DESC LIMIT 20)"
    )
    connection.commit()
    connection.close()
    code, out = _verify(clinic, "--since-checkpoint", str(checkpoint))
    assert code == EXIT_BROKEN
    assert "cut" in out


def test_a_rewrite_since_the_checkpoint_is_found(clinic: Path, tmp_path: Path) -> None:
    checkpoint = tmp_path / "checkpoint.json"
    assert _verify(clinic, "--checkpoint", str(checkpoint))[0] == 0
    connection = _attacker(clinic)
    connection.execute("DELETE FROM audit_event WHERE action = 'audit_key'")
    _recompute_with_hashlib(connection)
    connection.close()
    code, out = _verify(clinic, "--since-checkpoint", str(checkpoint))
    assert code == EXIT_BROKEN
    assert "rewritten" in out


def test_a_signed_pulse_changed_with_sqlite3_is_found(tmp_path: Path) -> None:
    from ma_tui.demo.clinic import build_demo_clinic
    from tests.conftest import CLINIC_TZ

    clinic = tmp_path / "clinic.db"
    engine = create_store_engine(sqlite_url(clinic))
    try:
        upgrade(engine)
        open_trail(engine, environ={}, now=CLINIC_NOW)  # as the program
        build_demo_clinic(engine, CLINIC_NOW.date(), CLINIC_TZ)
        _sign_with_a_pulse_of_76(engine)
    finally:
        engine.dispose()
    code, out = _verify(clinic)
    assert code == 0, out
    with sqlite3.connect(clinic) as connection:  # no trigger guards the observations
        connection.execute(
            "UPDATE observation SET value = 46, value_entered = '46' WHERE code = ? AND value = 76",
            (HEART_RATE,),
        )
    code, out = _verify(clinic)
    assert code == EXIT_BROKEN
    assert "no longer holds what was signed" in out


def _sign_with_a_pulse_of_76(engine: Engine) -> None:
    sign_dana_with_a_pulse_of_76(engine, CLINIC_NOW)


def test_a_corrected_value_changed_afterwards_is_found(engine: Engine) -> None:
    from ma_tui.data.audit_key import AuditKey, use_key
    from ma_tui.demo.clinic import build_demo_clinic
    from ma_tui.visits.correcting import correct_observation
    from tests.conftest import CLINIC_TZ

    key = AuditKey(os.urandom(32))
    use_key(engine, key)
    build_demo_clinic(engine, CLINIC_NOW.date(), CLINIC_TZ)
    _sign_with_a_pulse_of_76(engine)
    today = todays_encounter_id(engine, "Whitfield")
    with Session(engine) as session:
        pulse = session.exec(
            select(Observation).where(
                Observation.encounter_id == today, Observation.code == HEART_RATE
            )
        ).one()
        assert pulse.id is not None
        replacement = VitalEntry.model_validate(
            pulse.model_dump(include=set(VitalEntry.model_fields)) | {"value": 74.0}
        )
    right = correct_observation(engine, pulse.id, replacement, staff_id=None, now=CLINIC_NOW)
    with Session(engine) as session:
        assert verify(session, key).ok
    with engine.begin() as connection:
        connection.exec_driver_sql("UPDATE observation SET value = 47 WHERE id = ?", (right,))
    with Session(engine) as session:
        result = verify(session, key)
    assert not result.ok
    assert "no longer holds" in (result.reason or "")


def test_a_unit_catch_removed_from_a_correction_is_found(engine: Engine) -> None:
    """The unit catch's note is part of what was stored; a row without one hashes as
    it did before the column existed (the demo's trail verifies)."""
    from ma_tui.data.audit_key import AuditKey, use_key
    from ma_tui.demo.clinic import build_demo_clinic
    from ma_tui.visits.correcting import correct_observation
    from tests.conftest import CLINIC_TZ

    key = AuditKey(os.urandom(32))
    use_key(engine, key)
    build_demo_clinic(engine, CLINIC_NOW.date(), CLINIC_TZ)
    _sign_with_a_pulse_of_76(engine)
    today = todays_encounter_id(engine, "Whitfield")
    with Session(engine) as session:
        pulse = session.exec(
            select(Observation).where(
                Observation.encounter_id == today, Observation.code == HEART_RATE
            )
        ).one()
        assert pulse.id is not None
        replacement = VitalEntry.model_validate(
            pulse.model_dump(include=set(VitalEntry.model_fields))
            | {"value": 74.0, "unit_catch": "Typed 74 (read as x), held: test"}
        )
    right = correct_observation(engine, pulse.id, replacement, staff_id=None, now=CLINIC_NOW)
    with Session(engine) as session:
        assert verify(session, key).ok
    with engine.begin() as connection:
        connection.exec_driver_sql(
            "UPDATE observation SET unit_catch = NULL WHERE id = ?", (right,)
        )
    with Session(engine) as session:
        result = verify(session, key)
    assert not result.ok
    assert "no longer holds" in (result.reason or "")


# ---------------------------------------------------------- the triggers at start


def test_triggers_found_missing_at_start_are_a_warning_and_an_event(
    clinic: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _attacker(clinic).close()
    capsys.readouterr()
    assert main(["settings", "--db", str(clinic)], environ={}) == 0
    err = capsys.readouterr().err
    assert "WARNING" in err
    assert "audit_event_no_update" in err
    with sqlite3.connect(clinic) as connection:
        (detail,) = connection.execute(
            "SELECT detail FROM audit_event WHERE action = 'integrity' ORDER BY id DESC"
        ).fetchone()
        triggers = connection.execute(
            "SELECT count(*) FROM sqlite_master WHERE type = 'trigger'"
        ).fetchone()[0]
    assert "audit_event_no_delete" in detail
    assert triggers == 2  # put back, and said so
    capsys.readouterr()
    assert main(["settings", "--db", str(clinic)], environ={}) == 0
    assert "WARNING" not in capsys.readouterr().err  # once


# ------------------------------------------------------------------ the key


def test_the_key_is_made_once_readable_only_by_its_owner(clinic: Path) -> None:
    path = key_path({})
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    key = read_key(path)
    assert key is not None
    assert key.key_id in _verify(clinic)[1]


def test_a_loose_key_file_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "loose.key"
    path.write_text(os.urandom(32).hex() + "\n")
    path.chmod(0o644)
    with pytest.raises(StoreError, match="readable by others"):
        read_key(path)


def test_a_keyed_trail_without_its_key_does_not_start(
    clinic: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    elsewhere = {"MA_TUI_AUDIT_KEY_FILE": str(tmp_path / "other" / "audit.key")}
    capsys.readouterr()
    assert main(["settings", "--db", str(clinic)], environ=elsewhere) == 2
    assert "restore the clinic's audit key" in capsys.readouterr().err
    assert not (tmp_path / "other" / "audit.key").exists()


def test_an_old_unkeyed_trail_is_continued_and_still_verifies(tmp_path: Path) -> None:
    db = tmp_path / "old.db"
    engine = create_store_engine(sqlite_url(db))
    upgrade(engine)
    with Session(engine) as session:  # written by a ma-tui before keys
        for n in range(5):
            record(session, action=AuditAction.VIEW, at=CLINIC_NOW, os_user="old", detail={"n": n})
        session.commit()
    engine.dispose()
    code, out = _verify(db)
    assert code == 0, out
    assert "keyed since event 6" in out
    with sqlite3.connect(db) as connection:
        action, detail = connection.execute(
            "SELECT action, detail FROM audit_event WHERE id = 6"
        ).fetchone()
    assert action == "audit_key"
    assert json.loads(detail)["continues_after"] == 5
    # Rewriting the unkeyed part is found: its last link is in the keyed switch.
    connection = _attacker(db)
    connection.execute("UPDATE audit_event SET os_user = 'someone' WHERE id = 2")
    _recompute_with_hashlib(connection)
    connection.close()
    assert _verify(db)[0] == EXIT_BROKEN


def test_verify_without_the_key_says_it_needs_it() -> None:
    from ma_tui.data.audit_key import AuditKey, use_key

    engine = memory_engine()
    upgrade(engine)
    use_key(engine, AuditKey(os.urandom(32)))
    with Session(engine) as session:
        record(session, action=AuditAction.VIEW, at=CLINIC_NOW, os_user="mia")
        session.commit()
        assert [e.action for e in events(session)] == ["audit_key", "view"]
        result = verify(session)
    assert not result.ok
    assert "audit key" in (result.reason or "")


async def test_what_the_start_found_is_on_the_first_screen(demo_engine: Engine) -> None:
    from textual.widgets._toast import Toast

    from ma_tui.core.clock import fixed_clock
    from ma_tui.screens.app import MaTuiApp
    from ma_tui.screens.staff.signin import SignInScreen

    engine = demo_engine
    with engine.begin() as connection:
        remove_append_only(connection)
    warnings = open_trail(engine, environ={}, now=CLINIC_NOW)
    app = MaTuiApp(engine, clock=fixed_clock(CLINIC_NOW), start_warnings=warnings)
    async with app.run_test(notifications=True) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, SignInScreen)
        toasts = [str(toast.render()) for toast in app.screen.query(Toast)]
    assert any("audit_event_no_update" in toast for toast in toasts)


def test_the_keyed_trail_on_each_backend(demo_engine: Engine, tmp_path: Path) -> None:
    """A trail from before keys continued keyed, a signed pulse changed, the trail
    cut: found on SQLite and PostgreSQL alike (``make test-postgres``)."""
    environ = {"MA_TUI_AUDIT_KEY_FILE": str(tmp_path / "audit.key")}
    assert open_trail(demo_engine, environ=environ, now=CLINIC_NOW) == []
    key = read_key(tmp_path / "audit.key")
    assert key is not None
    _sign_with_a_pulse_of_76(demo_engine)
    with Session(demo_engine) as session:
        kept = verify(session, key)
    assert kept.ok
    assert kept.keyed_since is not None
    assert open_trail(demo_engine, environ=environ, now=CLINIC_NOW) == []  # its head kept
    today = todays_encounter_id(demo_engine, "Whitfield")
    with demo_engine.begin() as connection:
        remove_append_only(connection)
        connection.execute(
            sa.update(Observation)
            .where(col(Observation.encounter_id) == today, col(Observation.code) == HEART_RATE)
            .values(value=46)
        )
    with Session(demo_engine) as session:
        changed = verify(session, key)
    assert not changed.ok
    assert "no longer holds what was signed" in (changed.reason or "")
    with demo_engine.begin() as connection:
        connection.exec_driver_sql(
            "DELETE FROM audit_event WHERE id IN "
            "(SELECT id FROM audit_event ORDER BY id DESC LIMIT 5)"
        )
    warnings = open_trail(demo_engine, environ=environ, now=CLINIC_NOW)
    assert any("append-only triggers were missing" in warning for warning in warnings)
    assert any("the audit trail was cut" in warning for warning in warnings)
