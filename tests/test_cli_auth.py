"""Command-line administration needs a person: an administrator for accounts,
settings and the audit trail, a provider or administrator to export, the front
desk or an administrator to import (issue 15). Each command is recorded as that
person. The first administrator of an empty database is the one exception."""

from __future__ import annotations

import io
import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from ma_tui.cli import main
from ma_tui.core.trail import open_trail
from ma_tui.data.audit import events
from ma_tui.data.migrate import upgrade
from ma_tui.data.models.audit import AuditEvent
from ma_tui.data.models.patients import Patient
from ma_tui.data.models.staff import Staff
from ma_tui.data.store import create_store_engine, sqlite_url
from ma_tui.demo.clinic import build_demo_clinic
from ma_tui.staff.prompts import NEW_SECRET_ENV
from tests.conftest import CLINIC_NOW, CLINIC_TZ
from tests.credentials import as_admin, secret_file, signed_as
from tests.pilot import demo_secret

PASSPHRASE = "quiet meadow lantern"


@pytest.fixture
def demo_db(tmp_path: Path) -> Iterator[tuple[Engine, str]]:
    db = str(tmp_path / "clinic.db")
    engine = create_store_engine(sqlite_url(Path(db)))
    upgrade(engine)
    open_trail(engine, environ={}, now=CLINIC_NOW)  # keyed, as the program builds it
    build_demo_clinic(engine, CLINIC_NOW.date(), CLINIC_TZ)
    yield engine, db
    engine.dispose()


@pytest.fixture(autouse=True)
def no_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    """As a script runs: nothing can be asked."""
    monkeypatch.setattr("sys.stdin", io.StringIO())


def _hash(engine: Engine, username: str) -> str | None:
    with Session(engine) as session:
        return session.exec(select(Staff).where(Staff.username == username)).one().secret_hash


def _last_events(engine: Engine, count: int) -> list[AuditEvent]:
    with Session(engine) as session:
        return list(
            session.exec(select(AuditEvent).order_by(col(AuditEvent.id).desc()).limit(count))
        )[::-1]


def _staff_id(engine: Engine, username: str) -> int | None:
    with Session(engine) as session:
        return session.exec(select(Staff).where(Staff.username == username)).one().id


# ----------------------------------------------------------- the bypasses


@pytest.mark.parametrize(
    "command",
    [
        ["users", "reset", "admin"],
        ["users", "add", "eve", "--name", "Eve", "--role", "admin"],
        ["users", "disable", "mia"],
        ["users", "list"],
        ["settings", "set", "idle-lock", "240"],
        ["audit", "show"],
        ["export", "fhir", "--all"],
    ],
)
def test_without_credentials_nothing_is_done(
    demo_db: tuple[Engine, str], capsys: pytest.CaptureFixture[str], command: list[str]
) -> None:
    engine, db = demo_db
    admin_hash = _hash(engine, "admin")
    with Session(engine) as session:
        before = len(events(session))
    environ = {NEW_SECRET_ENV: "a new passphrase here"}
    assert main([*command, "--db", db], environ=environ) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "needs" in captured.err
    assert "--secret-file" in captured.err
    assert _hash(engine, "admin") == admin_hash
    with Session(engine) as session:
        assert len(events(session)) == before  # not even a view was recorded


def test_import_without_credentials_imports_nothing(
    demo_db: tuple[Engine, str], tmp_path: Path
) -> None:
    engine, db = demo_db
    patient = {
        "resourceType": "Patient",
        "identifier": [{"system": "urn:ma-tui:mrn", "value": "N-1"}],
        "name": [{"family": "Nakamura", "given": ["Ken"]}],
        "gender": "male",
        "birthDate": "1981-02-03",
    }
    path = tmp_path / "p.ndjson"
    path.write_text(json.dumps(patient) + "\n")
    assert main(["import", "fhir", str(path), "--db", db], environ={}) == 2
    with Session(engine) as session:
        assert session.exec(select(Patient).where(Patient.mrn == "N-1")).first() is None


def test_an_administrator_resets_and_it_is_recorded_as_them(
    demo_db: tuple[Engine, str], tmp_path: Path
) -> None:
    engine, db = demo_db
    command = ["users", "reset", "jorge", *as_admin(tmp_path), "--db", db]
    assert main(command, environ={NEW_SECRET_ENV: "861530"}) == 0
    signed_in, reset = _last_events(engine, 2)
    admin_id = _staff_id(engine, "admin")
    assert (signed_in.action, signed_in.staff_id) == ("sign_in", admin_id)
    assert json.loads(signed_in.detail or "{}")["via"] == "command line: users reset"
    assert (reset.action, reset.staff_id, reset.os_user) == ("update", admin_id, None)


def test_an_ma_is_no_administrator(
    demo_db: tuple[Engine, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _, db = demo_db
    assert main(["users", "list", *signed_as(tmp_path, "mia"), "--db", db], environ={}) == 2
    assert capsys.readouterr().err == "ma-tui: ma-tui users is for an administrator\n"


def test_a_wrong_secret_is_refused_with_the_answer_of_the_sign_in_screen(
    demo_db: tuple[Engine, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    engine, db = demo_db
    for who in (["--as", "admin"], ["--as", "nobody"]):
        wrong = ["--secret-file", str(secret_file(tmp_path, "not the passphrase"))]
        assert main(["users", "list", *who, *wrong, "--db", db], environ={}) == 2
        assert capsys.readouterr().err.startswith("ma-tui: Unknown user or wrong PIN.")
    failed = _last_events(engine, 2)
    assert [event.action for event in failed] == ["sign_in_failed", "sign_in_failed"]


@pytest.mark.parametrize(
    ("username", "allowed"),
    [("admin", True), ("dr.chen", True), ("mia", False), ("rosa", False)],
)
def test_export_is_for_providers_and_administrators(
    demo_db: tuple[Engine, str], tmp_path: Path, username: str, allowed: bool
) -> None:
    engine, db = demo_db
    out = tmp_path / "out.json"
    command = ["export", "fhir", "--patient", "1000105", "-o", str(out)]
    code = main([*command, *signed_as(tmp_path, username), "--db", db], environ={})
    assert (code == 0) is allowed
    assert out.exists() is allowed
    if allowed:
        exported = [e for e in _last_events(engine, 5) if e.action == "export"]
        assert {e.staff_id for e in exported} == {_staff_id(engine, username)}


@pytest.mark.parametrize(("username", "allowed"), [("rosa", True), ("mia", False)])
def test_import_is_for_the_front_desk_and_administrators(
    demo_db: tuple[Engine, str], tmp_path: Path, username: str, allowed: bool
) -> None:
    _, db = demo_db
    bundle = tmp_path / "p.json"
    bundle.write_text(json.dumps({"resourceType": "Bundle", "type": "collection", "entry": []}))
    code = main(["import", "fhir", str(bundle), *signed_as(tmp_path, username), "--db", db], {})
    assert (code == 0) is allowed


def test_settings_and_the_audit_trail_are_an_administrators(
    demo_db: tuple[Engine, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    engine, db = demo_db
    assert main(["settings", "set", "idle-lock", "3", *as_admin(tmp_path), "--db", db], {}) == 0
    changed = _last_events(engine, 1)[0]
    assert (changed.entity, changed.staff_id) == ("clinic_setting", _staff_id(engine, "admin"))
    assert main(["audit", "show", *as_admin(tmp_path), "--db", db], {}) == 0
    viewed = _last_events(engine, 1)[0]
    assert (viewed.action, viewed.staff_id) == ("view", _staff_id(engine, "admin"))
    capsys.readouterr()
    assert main(["settings", "--db", db], {}) == 0  # reading them needs no one
    assert "idle-lock: 3 minutes" in capsys.readouterr().out


# ---------------------------------------------------- how a secret is given


def test_a_secret_file_others_can_read_is_refused(
    demo_db: tuple[Engine, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _, db = demo_db
    loose = secret_file(tmp_path, PASSPHRASE, mode=0o644)
    command = ["users", "list", "--as", "admin", "--secret-file", str(loose), "--db", db]
    assert main(command, environ={}) == 2
    assert "readable by others (mode 0644)" in capsys.readouterr().err
    link = tmp_path / "link"
    link.symlink_to(secret_file(tmp_path, PASSPHRASE))
    command = ["users", "list", "--as", "admin", "--secret-file", str(link), "--db", db]
    assert main(command, environ={}) == 2
    assert "not a regular file" in capsys.readouterr().err


def test_a_secret_from_a_file_descriptor_and_the_user_from_the_environment(
    demo_db: tuple[Engine, str],
) -> None:
    _, db = demo_db
    read, write = os.pipe()
    os.write(write, (PASSPHRASE + "\n").encode())
    os.close(write)
    try:
        code = main(
            ["users", "list", "--secret-fd", str(read), "--db", db], {"MA_TUI_USER": "admin"}
        )
    finally:
        os.close(read)
    assert code == 0


def test_the_secret_is_never_taken_from_the_environment(
    demo_db: tuple[Engine, str], capsys: pytest.CaptureFixture[str]
) -> None:
    _, db = demo_db
    environ = {"MA_TUI_USER": "admin", "MA_TUI_SECRET": PASSPHRASE, "MA_TUI_PASSWORD": PASSPHRASE}
    assert main(["users", "list", "--db", db], environ=environ) == 2
    assert "--secret-file" in capsys.readouterr().err


def test_on_a_terminal_the_username_and_secret_are_asked(
    demo_db: tuple[Engine, str],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    _, db = demo_db

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    monkeypatch.setattr("sys.stdin", Terminal("admin\n"))
    asked: list[str] = []

    def getpass(prompt: str = "") -> str:
        asked.append(prompt)
        return PASSPHRASE

    monkeypatch.setattr("getpass.getpass", getpass)
    assert main(["export", "fhir", "--patient", "1000105", "--db", db], environ={}) == 0
    captured = capsys.readouterr()
    json.loads(captured.out)  # the Bundle alone on standard output: prompts go elsewhere
    assert "Username: " in captured.err
    assert asked == ["PIN or passphrase for admin: "]


# ------------------------------------------------------ the first administrator


def test_the_first_administrator_needs_no_one_then_everyone_does(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = str(tmp_path / "new.db")
    environ = {NEW_SECRET_ENV: PASSPHRASE}
    first = ["users", "add", "admin", "--name", "Helen Marsh", "--role", "admin", "--db", db]
    assert main(first, environ=environ) == 0
    second = ["users", "add", "omar", "--name", "Omar", "--role", "admin", "--db", db]
    assert main(second, environ=environ) == 2
    assert "needs" in capsys.readouterr().err
    assert main([*second, *as_admin(tmp_path)], environ=environ) == 0
    assert demo_secret("admin") == PASSPHRASE


def test_on_an_empty_database_other_commands_ask_for_the_first_administrator(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = str(tmp_path / "new.db")
    assert main(["users", "add", "mia", "--name", "Mia", "--role", "ma", "--db", db], {}) == 2
    assert "no administrator yet" in capsys.readouterr().err
    assert main(["settings", "set", "weight", "kg", "--db", db], {}) == 2
    assert "no administrator yet" in capsys.readouterr().err
