"""``ma-tui export fhir`` and ``ma-tui import fhir`` as a clinic's IT person runs them."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from ma_tui.cli import main
from ma_tui.data.audit import AuditAction
from ma_tui.data.migrate import upgrade
from ma_tui.data.models.audit import AuditEvent
from ma_tui.data.models.patients import Patient
from ma_tui.data.models.staff import Staff
from ma_tui.data.store import create_store_engine, sqlite_url
from ma_tui.demo.clinic import build_demo_clinic
from tests.conftest import CLINIC_NOW, CLINIC_TZ
from tests.credentials import as_admin, signed_as


@pytest.fixture
def demo_db(tmp_path: Path) -> Iterator[tuple[Engine, str]]:
    db = str(tmp_path / "clinic.db")
    engine = create_store_engine(sqlite_url(Path(db)))
    upgrade(engine)
    build_demo_clinic(engine, CLINIC_NOW.date(), CLINIC_TZ)
    yield engine, db
    engine.dispose()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--date", "2026-13-01"], "ma-tui: --date takes a date as YYYY-MM-DD, not '2026-13-01'"),
        (["--encounter", "12a"], "ma-tui: --encounter takes a visit number, not '12a'"),
    ],
)
def test_bad_export_arguments_are_one_line_and_open_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    target = tmp_path / "new.db"
    assert main(["export", "fhir", *args, "--db", str(target)], environ={}) == 2
    assert capsys.readouterr().err == message + "\n"
    assert not target.exists()


def test_export_needs_exactly_one_selection(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["export", "fhir", "--all", "--patient", "1000105"])
    assert exited.value.code == 2
    assert "not allowed with argument" in capsys.readouterr().err


def test_a_selection_matching_nothing_writes_nothing(
    demo_db: tuple[Engine, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _, db = demo_db
    out = tmp_path / "none.json"
    signed = as_admin(tmp_path)
    assert (
        main(["export", "fhir", "--encounter", "99999", "-o", str(out), *signed, "--db", db]) == 1
    )
    assert capsys.readouterr().err.startswith("ma-tui: ")
    assert list(tmp_path.glob("*none.json*")) == []


def test_export_to_stdout_is_one_bundle_and_each_patient_is_audited(
    demo_db: tuple[Engine, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    engine, db = demo_db
    signed = signed_as(tmp_path, "dr.chen")
    assert main(["export", "fhir", "--patient", "1000105", *signed, "--db", db]) == 0
    captured = capsys.readouterr()
    bundle = json.loads(captured.out)
    assert bundle["resourceType"] == "Bundle"
    assert bundle["type"] == "collection"
    assert captured.err.startswith("Exported 1 patients, ")
    with Session(engine) as session:
        dana = session.exec(select(Patient).where(Patient.mrn == "1000105")).one()
        exported = session.exec(
            select(AuditEvent).where(AuditEvent.action == AuditAction.EXPORT.value)
        ).all()
        chen = session.exec(select(Staff).where(Staff.username == "dr.chen")).one()
    assert [event.patient_id for event in exported] == [dana.id]
    assert exported[0].staff_id == chen.id  # who signed in for it


def test_export_into_a_missing_folder_is_refused_cleanly(
    demo_db: tuple[Engine, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _, db = demo_db
    out = tmp_path / "no" / "such" / "folder.json"
    assert main(["export", "fhir", "--all", "-o", str(out), *as_admin(tmp_path), "--db", db]) == 2
    assert capsys.readouterr().err.startswith(f"ma-tui: cannot write {out}")


def test_import_reports_each_rejected_resource_imports_the_rest_and_exits_1(
    demo_db: tuple[Engine, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    engine, db = demo_db
    good = {
        "resourceType": "Patient",
        "identifier": [{"system": "urn:ma-tui:mrn", "value": "N-1"}],
        "name": [{"family": "Nakamura", "given": ["Ken"]}],
        "gender": "male",
        "birthDate": "1981-02-03",
    }
    bad_date = good | {
        "identifier": [{"system": "urn:ma-tui:mrn", "value": "N-2"}],
        "birthDate": "1981-02-30",
    }
    lines = [json.dumps(good), "{not json", json.dumps(bad_date)]
    path = tmp_path / "patients.ndjson"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    missing = tmp_path / "missing.ndjson"
    signed = signed_as(tmp_path, "rosa")
    assert main(["import", "fhir", str(path), str(missing), *signed, "--db", db]) == 1
    printed = capsys.readouterr().out
    assert "Patient: 1 created" in printed
    assert "patients.ndjson line 2" in printed
    assert "patients.ndjson line 3" in printed
    assert "missing.ndjson" in printed
    with Session(engine) as session:
        mrns = session.exec(select(Patient.mrn).where(col(Patient.mrn).startswith("N-"))).all()
        imported = session.exec(
            select(AuditEvent).where(AuditEvent.action == AuditAction.IMPORT.value)
        ).all()
    assert mrns == ["N-1"]
    assert len(imported) == 1
    assert "Nakamura" not in (imported[0].detail or "")


def test_on_a_terminal_the_import_shows_a_progress_bar_and_off_one_it_does_not(
    demo_db: tuple[Engine, str],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _, db = demo_db
    path = tmp_path / "one.ndjson"
    path.write_text(json.dumps({"resourceType": "Practitioner", "id": "x"}) + "\n")
    signed = as_admin(tmp_path)
    assert main(["import", "fhir", str(path), *signed, "--db", db]) == 0
    assert "Importing" not in capsys.readouterr().err  # a pipe or a log file: no bar
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    assert main(["import", "fhir", str(path), *signed, "--db", db]) == 0
    assert "Importing one.ndjson" in capsys.readouterr().err
