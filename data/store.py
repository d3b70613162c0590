"""Open the clinic's database: pick the URL, check the target, connect, migrate.

The engine is always made here, on request, and handed to the app; nothing
connects at import time. SQLite is the embedded default; any SQLAlchemy URL works
(PostgreSQL for clinics with many terminals). ``sqlcipher:///PATH`` names a
SQLite file encrypted with SQLCipher (the optional ``sqlcipher3`` module); its key
is given to ``create_store_engine`` by the caller, never read here, and never put
in a URL that a message shows.

Several ma-tui processes may share one SQLite file (MAs signed in over SSH). Every
transaction on a SQLite file starts with ``BEGIN IMMEDIATE``: it takes the write
lock first, so a terminal that meets another's lock waits (the busy timeout) and
then goes on, instead of failing half-way when a read turns into a write. The rare
"database is locked" that still gets through is retried by ``retry_on_busy``.
"""

from __future__ import annotations

import importlib.util
import os
import random
import re
import stat
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import URL, Connection, Engine, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError, OperationalError
from sqlalchemy.orm import Session as OrmSession
from sqlalchemy.pool import QueuePool, StaticPool

from ma_tui.data.location import APP_NAME as APP_NAME
from ma_tui.data.location import DB_FILENAME as DB_FILENAME
from ma_tui.data.location import ENCRYPTED_SCHEMES as ENCRYPTED_SCHEMES
from ma_tui.data.location import ENV_VAR as ENV_VAR
from ma_tui.data.location import KEY_ENV_VAR as KEY_ENV_VAR
from ma_tui.data.location import StoreError as StoreError
from ma_tui.data.location import default_database_path as default_database_path

SQLITE_HEADER = b"SQLite format 3\x00"
# A write that meets another terminal's lock waits this long before it fails.
BUSY_TIMEOUT_MS = 10_000
# A "database is locked" that escapes the busy timeout is tried again this many
# times in all, waiting 50 ms, 100 ms, 200 ms ... (each ±50 %) in between.
BUSY_ATTEMPTS = 4
BUSY_FIRST_DELAY_S = 0.05
# SQLite's SQLITE_BUSY text; nothing else is ever retried.
_BUSY_MESSAGE = re.compile(r"database is locked|\bbusy\b", re.IGNORECASE)

SUPPORTED_BACKENDS = ("sqlite", "postgresql")

_T = TypeVar("_T")


class DatabaseBusy(StoreError):
    """Other terminals kept the database locked through every retry."""


def is_busy_error(exc: BaseException) -> bool:
    """True for SQLite's SQLITE_BUSY ("database is locked"), and nothing else."""
    if not isinstance(exc, OperationalError):
        return False
    return bool(_BUSY_MESSAGE.search(str(exc.orig if exc.orig is not None else exc)))


def retry_on_busy(
    action: Callable[[], _T],
    *,
    attempts: int = BUSY_ATTEMPTS,
    first_delay: float = BUSY_FIRST_DELAY_S,
    sleep: Callable[[float], None] = time.sleep,
) -> _T:
    """``action()``, called again after a short, growing, jittered wait while the
    database is locked; ``DatabaseBusy`` after ``attempts`` calls in all.

    Only a busy ``OperationalError`` is retried: any other error is raised at once.
    ``action`` must be safe to run again (one whole transaction, rolled back on error).
    """
    for attempt in range(1, attempts + 1):
        try:
            return action()
        except OperationalError as exc:
            if not is_busy_error(exc):
                raise
            if attempt == attempts:
                raise DatabaseBusy(
                    "the clinic's database stayed busy (other terminals are saving); "
                    "try again in a moment"
                ) from exc
        sleep(first_delay * 2 ** (attempt - 1) * random.uniform(0.5, 1.5))
    raise ValueError(f"attempts must be at least 1, not {attempts}")


def in_one_transaction(session: OrmSession, work: Callable[[], _T]) -> _T:
    """``work()`` then commit, as one transaction, run again whole while the database
    is busy. Any failure rolls the session back first: nothing half-done is kept, and
    the write lock is let go at once."""

    def attempt() -> _T:
        try:
            result = work()
            session.commit()
        except BaseException:
            session.rollback()
            raise
        return result

    return retry_on_busy(attempt)


def resolve_database_url(cli_value: str | None, environ: Mapping[str, str]) -> str:
    """The database to use: ``--db`` first, then ``$MA_TUI_DB``, then the default file.

    ``--db ""`` is refused (it is a mistake, never a wish for the default); a path
    that cannot be made absolute (``~nouser/x.db``, too long) is a ``StoreError``.
    """
    if cli_value is not None and not cli_value.strip():
        raise StoreError("--db is empty: give a database file path or URL, or leave --db out")
    chosen = cli_value or environ.get(ENV_VAR) or ""
    if not chosen.strip():
        return sqlite_url(default_database_path())
    if "://" in chosen:
        return _absolute_encrypted_url(chosen)
    try:
        return sqlite_url(Path(chosen).expanduser())
    except RuntimeError:  # ~user of no such user: pathlib cannot expand it
        raise StoreError(f"cannot find the home folder in {shortened(chosen)}") from None
    except OSError as exc:
        raise StoreError(f"cannot use {shortened(chosen)}: {exc.strerror}") from None


def shortened(text: str, limit: int = 80) -> str:
    """A path or URL for a one-line message: its start and end around an ellipsis."""
    if len(text) <= limit:
        return text
    half = (limit - 1) // 2
    return f"{text[:half]}…{text[-half:]}"


def _absolute_encrypted_url(url: str) -> str:
    """A ``sqlcipher:`` URL with its path made absolute, as a bare path is; others as given."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        return url
    database = parsed.database or ""
    if parsed.drivername != "sqlcipher" or database in ("", ":memory:"):
        return url
    if database.startswith("file:"):
        return url
    absolute = str(Path(database).expanduser().resolve())
    return parsed.set(database=absolute).render_as_string(hide_password=False)


def is_encrypted_url(url: str) -> bool:
    """True for a URL that names a SQLCipher-encrypted database."""
    try:
        return make_url(url).drivername in ENCRYPTED_SCHEMES
    except ArgumentError:
        return False


def encrypted_url(path: Path) -> str:
    return URL.create("sqlcipher", database=str(path.resolve())).render_as_string()


def sqlite_url(path: Path) -> str:
    return URL.create("sqlite", database=str(path.resolve())).render_as_string()


def parse_url(url: str) -> URL:
    """Parse and check that the database is one ma-tui runs on (SQLite, PostgreSQL)
    and that its driver is installed; every refusal is one line."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise StoreError(f"not a database path or URL: {shortened(url)!r}") from None
    if parsed.drivername in ENCRYPTED_SCHEMES:
        return _check_encrypted_url(parsed)
    unknown = StoreError(
        f"unknown database URL scheme {shortened(parsed.drivername)!r} "
        "(use a file path, sqlite:///PATH or postgresql+psycopg://...)"
    )
    if parsed.get_backend_name() not in SUPPORTED_BACKENDS:
        if _dialect_exists(parsed):
            raise StoreError(
                f"ma-tui runs on SQLite or PostgreSQL, not {parsed.get_backend_name()}: "
                "use a file path, sqlite:///PATH or postgresql+psycopg://..."
            )
        raise unknown
    try:
        # SQLAlchemy 2.1 imports the driver only when connecting: import it now.
        parsed.get_dialect().import_dbapi()
    except NoSuchModuleError:
        raise unknown from None
    except ImportError as exc:
        raise StoreError(
            f"the driver for {parsed.drivername!r} is not installed ({exc.name}); "
            "for PostgreSQL install ma-tui[postgres] (pip install -e '.[postgres]')"
        ) from None
    return parsed


def _dialect_exists(parsed: URL) -> bool:
    try:
        parsed.get_dialect()
    except NoSuchModuleError:
        return False
    except ImportError:
        return True
    return True


def _check_encrypted_url(parsed: URL) -> URL:
    if parsed.password is not None:
        # A key in the URL ends up in shell history, ps and messages.
        raise StoreError(
            f"do not put the database key in the URL; give it in {KEY_ENV_VAR} "
            "or type it when asked"
        )
    if (parsed.database or "") in ("", ":memory:"):
        raise StoreError("an encrypted database needs a file path: sqlcipher:///PATH")
    if importlib.util.find_spec("sqlcipher3") is None:
        raise StoreError(
            "encrypted databases need the sqlcipher3 module; install ma-tui[encryption]"
        )
    return parsed


def sqlite_file(url: URL) -> Path | None:
    """The file a SQLite URL names, or None for an in-memory database."""
    database = url.database or ""
    if url.drivername in ENCRYPTED_SCHEMES:
        if database.startswith("file:"):
            raise StoreError("SQLite URI filenames (file:...) are not supported; give a path")
        return Path(database)
    if url.get_backend_name() != "sqlite" or database in ("", ":memory:"):
        return None
    if database.startswith("file:"):
        raise StoreError("SQLite URI filenames (file:...) are not supported; give a path")
    return Path(database)


def check_sqlite_target(
    path: Path, *, create_parent: bool = False, encrypted: bool = False
) -> None:
    """Refuse a path that cannot hold the clinic's database, touching nothing.

    A directory, a file that is not a SQLite database (or, when ``encrypted``, a
    plain SQLite one), or a place we cannot write each gets a one-line reason before
    anything is created or changed.
    """
    if path.is_dir():
        raise StoreError(f"{path} is a directory, not a database file")
    if path.exists():
        _check_existing_file(path, encrypted=encrypted)
        return
    parent = path.parent
    if not parent.exists():
        if not create_parent:
            raise StoreError(f"cannot create {path}: folder {parent} does not exist")
        try:
            parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        except OSError as exc:
            raise StoreError(f"cannot create folder {parent}: {exc.strerror}") from None
    if not parent.is_dir():
        raise StoreError(f"cannot create {path}: {parent} is not a folder")
    if not _can_create_in(parent):
        raise StoreError(f"cannot create {path}: {parent} is read-only")


def _check_existing_file(path: Path, *, encrypted: bool = False) -> None:
    mode = path.stat().st_mode
    if not stat.S_ISREG(mode):
        raise StoreError(f"{path} is not a regular file")
    try:
        # Opening for update proves write access (and root's read-only mounts)
        # without changing a byte.
        with path.open("r+b") as handle:
            header = handle.read(len(SQLITE_HEADER))
    except PermissionError:
        raise StoreError(f"{path} is read-only; ma-tui needs to write to it") from None
    except OSError as exc:
        if exc.errno == 30:  # EROFS
            raise StoreError(f"{path} is on a read-only file system") from None
        raise StoreError(f"cannot open {path}: {exc.strerror}") from None
    if encrypted and header == SQLITE_HEADER:
        raise StoreError(
            f"{path} is a plain SQLite database, not an encrypted one; "
            "open it with --db PATH (without sqlcipher:)"
        )
    if not encrypted and header and header != SQLITE_HEADER:
        if path.stat().st_size % 512 == 0:
            # Whole pages of what looks like noise: most likely a SQLCipher file.
            raise StoreError(
                f"{path} is not a SQLite database (if it is an encrypted one, "
                f"open it with --db {encrypted_url(path)})"
            )
        raise StoreError(f"{path} is not a SQLite database")
    if not os.access(path.parent, os.W_OK | os.X_OK):
        # SQLite's WAL needs to create -wal and -shm files beside the database.
        raise StoreError(f"{path.parent} is read-only; ma-tui needs to write beside {path.name}")


def _can_create_in(folder: Path) -> bool:
    if not os.access(folder, os.W_OK | os.X_OK):
        return False
    # access() says yes to root even where the file system refuses; ask statvfs too.
    try:
        return not (os.statvfs(folder).f_flag & os.ST_RDONLY)
    except OSError:
        return False


def create_store_engine(url: str, *, create_parent: bool = False, key: str | None = None) -> Engine:
    """An engine for ``url`` after checking the target; the schema is not touched.

    ``key`` is the passphrase of an encrypted (``sqlcipher:``) database, ignored for
    any other; an existing encrypted file is opened once here to check it.
    """
    parsed = parse_url(url)
    path = sqlite_file(parsed)
    try:
        return _engine_for(parsed, path, key, create_parent=create_parent)
    except OSError as exc:  # a name too long, a loop of links: said, never raised
        where = shortened(str(path) if path is not None else describe(url))
        raise StoreError(f"cannot use {where}: {exc.strerror or exc}") from None


def _engine_for(url: URL, path: Path | None, key: str | None, *, create_parent: bool) -> Engine:
    parsed = url
    if parsed.drivername in ENCRYPTED_SCHEMES:
        assert path is not None
        return _encrypted_engine(parsed, path, key, create_parent=create_parent)
    if parsed.get_backend_name() == "sqlite":
        if path is not None:
            check_sqlite_target(path, create_parent=create_parent)
        return _sqlite_engine(parsed, new_file=path is not None and not path.exists(), path=path)
    return sa.create_engine(parsed, pool_pre_ping=True)


def memory_engine() -> Engine:
    """A private in-memory database on one shared connection (tests, benchmarks)."""
    return _sqlite_engine(make_url("sqlite://"), new_file=False, path=None)


def _encrypted_engine(url: URL, path: Path, key: str | None, *, create_parent: bool) -> Engine:
    """An engine on a SQLCipher file: ``PRAGMA key`` first, then the usual pragmas."""
    check_sqlite_target(path, create_parent=create_parent, encrypted=True)
    if not key:
        raise StoreError(
            f"{path} is an encrypted database and needs its key: set {KEY_ENV_VAR}, "
            "or run ma-tui on a terminal to be asked for it"
        )
    new_file = not path.exists()
    # SQLAlchemy's pysqlcipher dialect sends ``PRAGMA key`` (quoted) on every new
    # connection, before any listener below; the URL holding the key is never shown.
    keyed = url.set(drivername="sqlite+pysqlcipher", password=key)
    engine = _sqlite_engine(keyed, new_file=new_file, path=path)
    if not new_file:
        _check_key(engine, path)
    return engine


def _check_key(engine: Engine, path: Path) -> None:
    """Read the encrypted file's schema once: a wrong key fails here, changing nothing."""
    try:
        with engine.connect() as connection:
            connection.exec_driver_sql("SELECT count(*) FROM sqlite_master").scalar()
    except DBAPIError as exc:
        engine.dispose()
        if "not a database" in str(exc.orig):
            raise StoreError(
                f"cannot open the encrypted database {path}: wrong key, "
                "or not an encrypted ma-tui database"
            ) from None
        reason = str(exc.orig).splitlines()[0] if exc.orig else type(exc).__name__
        raise StoreError(f"cannot open the encrypted database {path}: {reason}") from None


def _sqlite_engine(url: URL, *, new_file: bool, path: Path | None) -> Engine:
    if new_file and path is not None:
        _create_private_file(path)
    kwargs: dict[str, Any] = {"connect_args": {"timeout": BUSY_TIMEOUT_MS / 1000}}
    encrypted = url.drivername == "sqlite+pysqlcipher"
    if path is None:
        # One private connection that everything shares; no other process sees it,
        # so pysqlite's own transaction handling (which tolerates nesting) stays.
        kwargs["poolclass"] = StaticPool
        kwargs["connect_args"]["check_same_thread"] = False
    else:
        # A file other ma-tui processes share: pysqlite emits no BEGIN of its own
        # (SQLAlchemy's documented recipe); ``_begin_immediate`` emits ours.
        kwargs["connect_args"]["isolation_level"] = None
        # pysqlite's pool for a file (pysqlcipher's default keeps one per thread).
        kwargs["poolclass"] = QueuePool
    engine = sa.create_engine(url, **kwargs)
    if encrypted:
        event.listen(engine, "connect", _quiet_sqlcipher)
    event.listen(engine, "connect", _sqlite_pragmas)
    if path is not None:
        event.listen(engine, "begin", _begin_immediate)
    return engine


def _begin_immediate(connection: Connection) -> None:
    """Start every transaction holding the write lock, waiting for it if need be.

    With a plain (deferred) BEGIN, a transaction that reads and then writes fails
    at once with "database is locked" when another terminal wrote in between: the
    busy timeout does not apply to upgrading a read lock. Taking the write lock at
    BEGIN queues every transaction on the busy timeout instead. A read-only one
    takes the lock too, for the few milliseconds it lasts: keep sessions short.
    """
    try:
        retry_on_busy(lambda: connection.exec_driver_sql("BEGIN IMMEDIATE"))
    except BaseException:
        # SQLAlchemy never clears its "beginning" mark when this hook fails, and a
        # connection so marked would run later statements outside any transaction:
        # close it, so that any further use fails loudly instead.
        connection.close()
        raise


def _create_private_file(path: Path) -> None:
    """Create the database file readable by its owner only: it holds PHI."""
    try:
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    except OSError as exc:
        raise StoreError(f"cannot create {path}: {exc.strerror} (read-only location?)") from None
    os.close(fd)


def _quiet_sqlcipher(dbapi_connection: Any, _record: Any) -> None:
    """Keep SQLCipher's own log (e.g. "hmac check failed" for a wrong key) off stderr."""
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA cipher_log_level = NONE")
    finally:
        cursor.close()


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute("PRAGMA journal_mode = WAL")
        # FULL: a signed visit survives a power cut, not only a crash.
        cursor.execute("PRAGMA synchronous = FULL")
    finally:
        cursor.close()


def describe(url: str) -> str:
    """The URL for messages, with any password hidden."""
    return make_url(url).render_as_string(hide_password=True)
