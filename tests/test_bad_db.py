"""Every bad ``--db`` is one line on stderr and exit status 2; the demo never replaces
a clinic's data, imported patients included."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from sqlmodel import Session, func, select

from ma_tui.cli import main
from ma_tui.data.models.patients import Patient
from ma_tui.data.store import create_store_engine, sqlite_url
from tests.credentials import as_admin

BAD = {
    "mysql": ("mysql://clinic@db.example/clinic", "ma-tui runs on SQLite or PostgreSQL, not mysql"),
    "no such scheme": ("nosuch://x/y", "unknown database URL scheme 'nosuch'"),
    "a driver not installed": (
        "postgresql+pg8000://ma@127.0.0.1/clinic",
        "the driver for 'postgresql+pg8000' is not installed (pg8000)",
    ),
    "a 5,000-character path": ("a" * 5000 + ".db", "File name too long"),
    "a 5,000-character sqlite URL": ("sqlite:///" + "b" * 5000 + ".db", "File name too long"),
    "no such user's home": ("~nosuchuser-ma-tui/x.db", "cannot find the home folder"),
    "empty": ("", "--db is empty"),
    "blank": ("   ", "--db is empty"),
}


@pytest.mark.parametrize(("db", "said"), BAD.values(), ids=BAD.keys())
def test_a_bad_db_is_one_line_and_exit_2(
    db: str, said: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    environ = {"HOME": str(tmp_path)}  # the default database is never created instead
    assert main(["settings", "--db", db], environ=environ) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1, err
    assert err.startswith("ma-tui: ")
    assert said in err
    assert len(err) < 300
    assert list(tmp_path.iterdir()) == []


def test_postgresql_without_its_driver_is_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The installed SQLAlchemy imports the driver only when it connects: asked first."""
    monkeypatch.setitem(sys.modules, "psycopg", None)  # import psycopg fails
    assert main(["settings", "--db", "postgresql+psycopg://ma@127.0.0.1/clinic"]) == 2
    err = capsys.readouterr().err
    assert err == (
        "ma-tui: the driver for 'postgresql+psycopg' is not installed (psycopg); for "
        "PostgreSQL install ma-tui[postgres] (pip install -e '.[postgres]')\n"
    )


def test_the_demo_refuses_a_demo_database_into_which_patients_were_imported(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = str(tmp_path / "clinic.db")
    assert main(["demo", "--db", db], environ={}) == 0
    patient = {
        "resourceType": "Patient",
        "identifier": [{"system": "urn:ma-tui:mrn", "value": "EHR-77"}],
        "name": [{"family": "Imported", "given": ["Iris"]}],
        "gender": "female",
        "birthDate": "1970-05-06",
    }
    ndjson = tmp_path / "Patient.ndjson"
    ndjson.write_text(json.dumps(patient) + "\n", encoding="utf-8")
    assert main(["import", "fhir", str(ndjson), *as_admin(tmp_path), "--db", db], environ={}) == 0
    capsys.readouterr()

    assert main(["demo", "--db", db], environ={}) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "which the demo did not write; refusing to replace it" in err
    assert "import events" in err
    engine = create_store_engine(sqlite_url(Path(db)))
    with Session(engine) as session:
        imported = session.exec(
            select(func.count()).select_from(Patient).where(Patient.family_name == "Imported")
        ).one()
    engine.dispose()
    assert imported == 1


def test_the_demo_refreshes_its_own_database(tmp_path: Path) -> None:
    db = str(tmp_path / "clinic.db")
    assert main(["demo", "--db", db], environ={}) == 0
    assert main(["demo", "--db", db], environ={}) == 0
