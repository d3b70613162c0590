"""Credentials for command-line tests: a secret file made as a script would make it."""

from __future__ import annotations

import os
from pathlib import Path

from tests.pilot import demo_secret


def secret_file(folder: Path, secret: str, *, mode: int = 0o600) -> Path:
    """``secret`` in a file only its owner reads (or ``mode``), as the README says."""
    path = folder / f"secret-{len(list(folder.glob('secret-*')))}"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(secret + "\n")
    os.chmod(path, mode)  # whatever the umask
    return path


def signed_as(folder: Path, username: str, secret: str | None = None) -> list[str]:
    """The options that name who runs a command and where their secret is."""
    typed = demo_secret(username) if secret is None else secret
    return ["--as", username, "--secret-file", str(secret_file(folder, typed))]


def as_admin(folder: Path) -> list[str]:
    """The demo clinic's administrator (or a test's own ``admin`` with that passphrase)."""
    return signed_as(folder, "admin")


def with_admin(db: Path | str, folder: Path) -> list[str]:
    """Give the (new or empty) SQLite database ``db`` an administrator, ``admin``
    with the demo's passphrase (a cheap hash: tests check rules, not argon2's
    cost); the options that run a command as them."""
    from argon2 import PasswordHasher
    from sqlmodel import Session

    from ma_tui.data.migrate import upgrade
    from ma_tui.data.models.staff import Staff, StaffRole
    from ma_tui.data.store import create_store_engine, sqlite_url

    engine = create_store_engine(sqlite_url(Path(db)))
    try:
        upgrade(engine)
        cheap = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
        with Session(engine) as session:
            session.add(
                Staff(
                    username="admin",
                    display_name="Helen Marsh",
                    role=StaffRole.ADMIN,
                    secret_hash=cheap.hash(demo_secret("admin")),
                )
            )
            session.commit()
    finally:
        engine.dispose()
    return as_admin(folder)
