"""Encryption at rest: a SQLCipher database cannot be opened, or read, without its key."""

from __future__ import annotations

import getpass
import io
import shutil
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from ma_tui import cli
from ma_tui.data.migrate import upgrade
from ma_tui.data.models.patients import Patient
from ma_tui.data.store import (
    BUSY_TIMEOUT_MS,
    KEY_ENV_VAR,
    StoreError,
    create_store_engine,
    describe,
    encrypted_url,
    resolve_database_url,
    sqlite_url,
)
from ma_tui.demo.clinic import build_demo_clinic
from tests.conftest import CLINIC_NOW, CLINIC_TZ

KEY = 'correct "horse" battery'
# Strings written into the demo clinic that must never appear in the file's bytes.
PHI = (b"Whitfield", b"Willow Bend", b"1000105")


def _files(folder: Path) -> list[tuple[str, bytes]]:
    return sorted((p.name, p.read_bytes()) for p in folder.iterdir())


def _open(path: Path, key: str | None = KEY) -> Engine:
    engine = create_store_engine(encrypted_url(path), key=key)
    upgrade(engine)
    return engine


@pytest.fixture(scope="module")
def encrypted_demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An encrypted database holding the demo clinic, closed (WAL checkpointed)."""
    path = tmp_path_factory.mktemp("encrypted") / "clinic.db"
    engine = _open(path)
    build_demo_clinic(engine, CLINIC_NOW.date(), CLINIC_TZ)
    engine.dispose()
    return path


@pytest.fixture
def encrypted_copy(encrypted_demo: Path, tmp_path: Path) -> Path:
    """A private copy of the encrypted demo database that a test may try to change."""
    copy = tmp_path / "clinic.db"
    shutil.copy2(encrypted_demo, copy)
    return copy


@pytest.fixture
def reopened(encrypted_copy: Path) -> Iterator[Engine]:
    engine = _open(encrypted_copy)
    yield engine
    engine.dispose()


def test_a_new_encrypted_file_is_private_and_keeps_the_usual_pragmas(tmp_path: Path) -> None:
    path = tmp_path / "clinic.db"
    engine = _open(path)
    try:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        with engine.connect() as connection:
            pragma = connection.exec_driver_sql
            assert pragma("PRAGMA cipher_version").scalar()  # really SQLCipher
            assert pragma("PRAGMA journal_mode").scalar() == "wal"
            assert pragma("PRAGMA foreign_keys").scalar() == 1
            assert pragma("PRAGMA busy_timeout").scalar() == BUSY_TIMEOUT_MS
            assert pragma("PRAGMA synchronous").scalar() == 2  # FULL
    finally:
        engine.dispose()


def test_rows_written_come_back_with_the_key(reopened: Engine) -> None:
    with Session(reopened) as session:
        dana = session.exec(select(Patient).where(Patient.mrn == "1000105")).one()
    assert (dana.given_name, dana.family_name) == ("Dana", "Whitfield")


def test_the_file_holds_no_patient_text(encrypted_demo: Path) -> None:
    raw = b"".join(p.read_bytes() for p in encrypted_demo.parent.iterdir())
    assert not raw.startswith(b"SQLite format 3")
    for text in PHI:
        assert text not in raw


def test_written_rows_are_encrypted_in_the_wal_too(reopened: Engine, encrypted_copy: Path) -> None:
    with Session(reopened) as session:
        dana = session.exec(select(Patient).where(Patient.mrn == "1000105")).one()
        dana.middle_name = "Quetzalcoatl"
        session.add(dana)
        session.commit()
    wal = encrypted_copy.with_name(encrypted_copy.name + "-wal")
    assert wal.stat().st_size > 0  # still open: the change is in the WAL
    raw = encrypted_copy.read_bytes() + wal.read_bytes()
    assert b"Quetzalcoatl" not in raw
    assert b"Whitfield" not in raw


@pytest.mark.parametrize("key", [None, "", "wrong key"], ids=["no-key", "empty-key", "wrong-key"])
def test_it_cannot_be_opened_without_its_key_and_nothing_changes(
    encrypted_copy: Path, key: str | None
) -> None:
    before = _files(encrypted_copy.parent)
    message = "needs its key" if not key else "wrong key, or not an encrypted ma-tui database"
    with pytest.raises(StoreError, match=message) as refused:
        create_store_engine(encrypted_url(encrypted_copy), key=key)
    assert KEY not in str(refused.value)
    assert len(str(refused.value).splitlines()) == 1
    assert _files(encrypted_copy.parent) == before


def test_opened_as_plain_sqlite_it_is_refused_with_a_hint(encrypted_copy: Path) -> None:
    before = _files(encrypted_copy.parent)
    with pytest.raises(StoreError, match="not a SQLite database") as refused:
        create_store_engine(sqlite_url(encrypted_copy))
    assert f"--db {encrypted_url(encrypted_copy)}" in str(refused.value)
    assert _files(encrypted_copy.parent) == before


def test_a_plain_sqlite_file_opened_as_encrypted_is_refused(
    file_engine: Engine, db_path: Path
) -> None:
    file_engine.dispose()
    before = _files(db_path.parent)
    with pytest.raises(StoreError, match="is a plain SQLite database, not an encrypted one"):
        create_store_engine(encrypted_url(db_path), key=KEY)
    assert _files(db_path.parent) == before


def test_the_key_never_goes_in_the_url(tmp_path: Path) -> None:
    path = tmp_path / "clinic.db"
    with pytest.raises(StoreError, match=f"give it in {KEY_ENV_VAR}") as refused:
        create_store_engine(f"sqlcipher://:hunter2@/{path}", key=KEY)
    assert "hunter2" not in str(refused.value)
    assert not path.exists()


def test_sqlcipher_paths_become_absolute(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HOME", str(tmp_path))
    expected = encrypted_url(tmp_path / "clinic.db")
    assert expected == f"sqlcipher:///{tmp_path}/clinic.db"
    assert resolve_database_url("sqlcipher:///clinic.db", {}) == expected
    assert resolve_database_url("sqlcipher:///~/clinic.db", {}) == expected
    assert resolve_database_url(None, {"MA_TUI_DB": f"sqlcipher:///{tmp_path}/clinic.db"}) == (
        expected
    )
    assert describe(expected) == expected


# ------------------------------------------------------------------ command line


@pytest.fixture
def no_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(""))


def test_cli_demo_with_the_key_in_the_environment(
    tmp_path: Path, capfd: pytest.CaptureFixture[str], no_terminal: None
) -> None:
    path = tmp_path / "clinic.db"
    url = encrypted_url(path)
    assert cli.main(["demo", "--db", url], environ={KEY_ENV_VAR: KEY}) == 0
    out, err = capfd.readouterr()
    assert f"Demo clinic ready in {url}" in out
    assert err == ""
    assert KEY not in out
    assert b"Whitfield" not in path.read_bytes()
    assert cli.main(["settings"], environ={"MA_TUI_DB": url, KEY_ENV_VAR: KEY}) == 0
    assert "weight: lb" in capfd.readouterr().out


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        ({}, f"needs its key: set {KEY_ENV_VAR}"),
        ({KEY_ENV_VAR: "wrong key"}, "wrong key, or not an encrypted ma-tui database"),
    ],
    ids=["no-key", "wrong-key"],
)
def test_cli_without_the_right_key_is_one_line_and_exit_2(
    encrypted_copy: Path,
    capfd: pytest.CaptureFixture[str],
    no_terminal: None,
    environ: dict[str, str],
    message: str,
) -> None:
    before = _files(encrypted_copy.parent)
    code = cli.main(["demo", "--db", encrypted_url(encrypted_copy)], environ=environ)
    out, err = capfd.readouterr()
    assert code == 2
    assert out == ""
    lines = err.strip().splitlines()  # SQLCipher's own log stays quiet
    assert len(lines) == 1, err
    assert lines[0].startswith("ma-tui: ")
    assert message in lines[0]
    assert _files(encrypted_copy.parent) == before


def test_cli_asks_for_the_key_on_a_terminal_twice_for_a_new_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    answers: list[str] = []
    prompts: list[str] = []

    def fake_getpass(prompt: str = "") -> str:
        prompts.append(prompt)
        return answers.pop(0)

    monkeypatch.setattr(cli, "_stdin_is_terminal", lambda: True)
    monkeypatch.setattr(getpass, "getpass", fake_getpass)
    path = tmp_path / "clinic.db"
    url = encrypted_url(path)

    answers[:] = [KEY, "typo"]
    assert cli.main(["demo", "--db", url], environ={}) == 2
    assert "the two keys differ" in capsys.readouterr().err
    assert not path.exists()

    answers[:] = [KEY, KEY]
    assert cli.main(["demo", "--db", url], environ={}) == 0
    assert len(prompts) == 4
    assert "again" in prompts[-1]

    prompts.clear()
    answers[:] = [KEY]  # an existing file: asked once
    assert cli.main(["settings", "--db", url], environ={}) == 0
    assert len(prompts) == 1
    assert str(path) in prompts[0]
    assert KEY not in capsys.readouterr().out
