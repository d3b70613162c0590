"""The ma-tui command: help, the demo clinic, and refusing bad databases cleanly."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlmodel import Session, func, select

from ma_tui.cli import build_parser, main
from ma_tui.data.models.patients import Patient
from ma_tui.data.store import create_store_engine, sqlite_url
from tests.conftest import read_only_folder

ROOT = Path(__file__).resolve().parent.parent


def _run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if k != "MA_TUI_DB"}
    environment.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "ma_tui", *args],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _patient_count(path: Path) -> int:
    engine = create_store_engine(sqlite_url(path))
    with Session(engine) as session:
        count = session.exec(select(func.count()).select_from(Patient)).one()
    engine.dispose()
    return count


def test_help_documents_every_option_and_command() -> None:
    result = _run("--help")
    assert result.returncode == 0
    for word in ("--db", "PATH_OR_URL", "MA_TUI_DB", "--version", "demo", "run"):
        assert word in result.stdout
    parser = build_parser()
    demo_help = parser.parse_known_args(["demo", "--db", "x"])[0]
    assert demo_help.db == "x"


def test_demo_builds_a_clinic_where_db_points(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "demo.db"
    assert main(["demo", "--db", str(target)], environ={}) == 0
    assert "Demo clinic ready" in capsys.readouterr().out
    assert _patient_count(target) >= 20


def test_db_option_before_the_command_and_env_var_both_work(tmp_path: Path) -> None:
    first, second = tmp_path / "first.db", tmp_path / "second.db"
    assert main(["--db", str(first), "demo"], environ={}) == 0
    assert main(["demo"], environ={"MA_TUI_DB": str(second)}) == 0
    assert _patient_count(first) == _patient_count(second) >= 20


def test_demo_refreshes_a_demo_but_refuses_a_real_clinic(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "clinic.db"
    assert main(["demo", "--db", str(target)], environ={}) == 0
    assert main(["demo", "--db", str(target)], environ={}) == 0
    real = tmp_path / "real.db"
    assert main(["demo", "--db", str(real)], environ={}) == 0
    engine = create_store_engine(sqlite_url(real))
    with engine.begin() as connection:
        connection.execute(sa.text("DELETE FROM clinic_setting"))
    with Session(engine) as session:
        before = session.exec(select(func.count()).select_from(Patient)).one()
    engine.dispose()
    capsys.readouterr()
    assert main(["demo", "--db", str(real)], environ={}) == 2
    err = capsys.readouterr().err
    assert err.startswith("ma-tui: ")
    assert "not a demo" in err
    assert _patient_count(real) == before


def _not_a_database(tmp_path: Path) -> Path:
    path = tmp_path / "notes.txt"
    path.write_text("not a database\n")
    return path


@pytest.mark.parametrize(
    ("make_target", "message"),
    [
        (lambda tmp: str(tmp), "is a directory"),
        (lambda tmp: str(_not_a_database(tmp)), "not a SQLite database"),
        (lambda tmp: str(read_only_folder(tmp) / "ma-tui-test.db"), "cannot create"),
        (lambda tmp: "mongodb://localhost/clinic", "unknown database URL scheme"),
        (lambda tmp: str(tmp / "missing" / "clinic.db"), "does not exist"),
    ],
    ids=["directory", "not-a-database", "read-only", "unknown-scheme", "missing-folder"],
)
@pytest.mark.parametrize("command", [[], ["demo"]], ids=["run", "demo"])
def test_bad_database_is_one_clear_line_and_touches_nothing(
    tmp_path: Path, make_target: object, message: str, command: list[str]
) -> None:
    assert callable(make_target)
    target = make_target(tmp_path)
    before = sorted((p.name, p.stat().st_size) for p in tmp_path.rglob("*"))
    result = _run(*command, "--db", target)
    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("ma-tui: ")
    assert message in lines[0]
    assert "Traceback" not in result.stderr
    assert sorted((p.name, p.stat().st_size) for p in tmp_path.rglob("*")) == before


def test_version() -> None:
    result = _run("--version")
    assert result.returncode == 0
    assert result.stdout.startswith("ma-tui ")
