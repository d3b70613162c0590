"""Choosing and opening the database: URL precedence, SQLite settings, bad targets."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from ma_tui.data.store import (
    BUSY_TIMEOUT_MS,
    ENV_VAR,
    StoreError,
    create_store_engine,
    default_database_path,
    parse_url,
    resolve_database_url,
    sqlite_url,
)
from tests.conftest import read_only_folder


def test_cli_value_wins_over_environment_over_default(tmp_path: Path) -> None:
    cli, env = tmp_path / "cli.db", tmp_path / "env.db"
    assert resolve_database_url(str(cli), {ENV_VAR: str(env)}) == sqlite_url(cli)
    assert resolve_database_url(None, {ENV_VAR: str(env)}) == sqlite_url(env)
    assert resolve_database_url(None, {}) == sqlite_url(default_database_path())
    url = "postgresql+psycopg://ma@db.clinic.example/clinic"
    assert resolve_database_url(url, {}) == url


def test_default_database_lives_in_the_users_data_directory() -> None:
    path = default_database_path()
    assert path.name == "clinic.db"
    assert "ma-tui" in path.parts


def test_relative_and_home_paths_become_absolute(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HOME", str(tmp_path))
    assert resolve_database_url("here.db", {}) == sqlite_url(tmp_path / "here.db")
    assert resolve_database_url("~/clinic.db", {}) == sqlite_url(tmp_path / "clinic.db")


def test_sqlite_file_is_private_wal_with_foreign_keys(file_engine: Engine, db_path: Path) -> None:
    assert stat.S_IMODE(db_path.stat().st_mode) == 0o600
    with file_engine.connect() as connection:
        pragma = connection.exec_driver_sql
        assert pragma("PRAGMA journal_mode").scalar() == "wal"
        assert pragma("PRAGMA foreign_keys").scalar() == 1
        assert pragma("PRAGMA busy_timeout").scalar() == BUSY_TIMEOUT_MS
        assert pragma("PRAGMA synchronous").scalar() == 2  # FULL


def test_a_directory_is_refused(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="is a directory"):
        create_store_engine(sqlite_url(tmp_path))


def test_a_file_that_is_not_a_database_is_refused_and_left_alone(tmp_path: Path) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_bytes(b"shopping list\n")
    with pytest.raises(StoreError, match="not a SQLite database"):
        create_store_engine(sqlite_url(notes))
    assert notes.read_bytes() == b"shopping list\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]


def test_a_missing_folder_is_refused_unless_asked_to_create_it(tmp_path: Path) -> None:
    target = tmp_path / "no" / "such" / "clinic.db"
    with pytest.raises(StoreError, match="does not exist"):
        create_store_engine(sqlite_url(target))
    assert not (tmp_path / "no").exists()
    create_store_engine(sqlite_url(target), create_parent=True).dispose()
    assert target.exists()


def test_a_read_only_location_is_refused(tmp_path: Path) -> None:
    folder = read_only_folder(tmp_path)
    target = folder / "ma-tui-test.db"
    with pytest.raises(StoreError, match=r"read-only|Permission denied"):
        create_store_engine(sqlite_url(target))
    assert not target.exists()


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write to a read-only file")
def test_a_read_only_database_file_is_refused(file_engine: Engine, db_path: Path) -> None:
    file_engine.dispose()
    db_path.chmod(0o400)
    with pytest.raises(StoreError, match="read-only"):
        create_store_engine(sqlite_url(db_path))


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("mongodb://localhost/clinic", "unknown database URL scheme"),
        ("nosuchdb+driver://x/y", "unknown database URL scheme"),
        ("postgresql+nosuchdriver://x/y", "unknown database URL scheme"),
    ],
)
def test_unknown_url_schemes_are_refused(url: str, message: str) -> None:
    with pytest.raises(StoreError, match=message):
        parse_url(url)


def test_memory_url_gives_a_working_engine() -> None:
    engine = create_store_engine("sqlite://")
    with engine.connect() as connection:
        assert connection.execute(sa.text("SELECT 1")).scalar() == 1
    engine.dispose()
