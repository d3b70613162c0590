"""The audit trail's key and the heads kept outside the database.

The key
    32 random bytes, as 64 hex digits and a newline, in a file only the clinic's
    service account may read: ``$MA_TUI_AUDIT_KEY_FILE``, else ``audit.key`` in the
    user's config folder (``~/.config/ma-tui/audit.key`` on Linux), made on first
    start with mode 0600 in a folder of mode 0700. With it each event's hash is an
    HMAC-SHA256 (``ma_tui.data.audit``): rewriting the trail needs the key, which
    is not in the database nor in its backups. Every terminal on one database
    needs the same key; its ``key_id`` (the first 16 hex digits of the HMAC of
    ``ma-tui audit key id``) names it in messages and in the trail without
    revealing it.
Heads and checkpoints
    The id and hash of the last event seen, in a small JSON file: ma-tui keeps one
    per database beside the key (written at every start, compared at the next), and
    ``ma-tui audit verify --checkpoint FILE`` writes one where the auditor says.
    With a key, the file carries its own HMAC, so a forged one is refused.

This module only reads and writes files; what they mean for the trail is
``ma_tui.core.trail``.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import stat
import tempfile
import weakref
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from pathlib import Path

from platformdirs import user_config_path
from sqlalchemy.engine import Connection, Engine

from ma_tui.data.store import StoreError

KEY_FILE_ENV = "MA_TUI_AUDIT_KEY_FILE"
KEY_BYTES = 32
_KEY_ID_MESSAGE = b"ma-tui audit key id"


@dataclass(frozen=True)
class AuditKey:
    secret: bytes

    @property
    def key_id(self) -> str:
        return self.mac(_KEY_ID_MESSAGE)[:16]

    def mac(self, data: bytes) -> str:
        """HMAC-SHA256 of ``data`` as 64 lower-case hex digits."""
        return hmac.new(self.secret, data, hashlib.sha256).hexdigest()

    def __repr__(self) -> str:  # never the secret, in a log or a traceback
        return f"AuditKey(key_id={self.key_id!r})"


def config_folder() -> Path:
    return user_config_path("ma-tui", appauthor=False)


def key_path(environ: Mapping[str, str]) -> Path:
    """``$MA_TUI_AUDIT_KEY_FILE``, else ``audit.key`` in the user's config folder."""
    named = environ.get(KEY_FILE_ENV)
    return Path(named).expanduser() if named else config_folder() / "audit.key"


def _private_file(path: Path, what: str) -> bytes | None:
    """The bytes of ``path``, a regular file of this user's no one else may read;
    None when there is none; ``StoreError`` when it is anything else."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NOCTTY)
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise StoreError(f"cannot read the {what} {path}: {exc.strerror}") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise StoreError(f"the {what} {path} is not a regular file")
        if info.st_uid != os.geteuid():
            raise StoreError(f"the {what} {path} belongs to another user")
        if info.st_mode & 0o077:
            mode = stat.S_IMODE(info.st_mode)
            raise StoreError(
                f"the {what} {path} is readable by others (mode {mode:04o}): chmod 600 it"
            )
        return os.read(fd, 64 * 1024)
    finally:
        os.close(fd)


def read_key(path: Path) -> AuditKey | None:
    """The key in ``path``; None when there is no such file; ``StoreError`` for a file
    others may read, or one that holds no key."""
    data = _private_file(path, "audit key")
    if data is None:
        return None
    try:
        secret = bytes.fromhex(data.decode("ascii").strip())
    except (UnicodeDecodeError, ValueError):
        secret = b""
    if len(secret) != KEY_BYTES:
        raise StoreError(f"the audit key {path} holds no key ({2 * KEY_BYTES} hex digits)")
    return AuditKey(secret)


def _write_private(path: Path, text: str, *, replace: bool) -> None:
    """``text`` in ``path``, mode 0600 in a folder of mode 0700, whole or not at all."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    if not replace:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
        with os.fdopen(fd, "w", encoding="ascii") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        return
    handle, temp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="ascii") as out:
            out.write(text)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def create_key(path: Path) -> AuditKey:
    """A new key in ``path`` (which must not exist yet)."""
    key = AuditKey(os.urandom(KEY_BYTES))
    try:
        _write_private(path, key.secret.hex() + "\n", replace=False)
    except OSError as exc:
        raise StoreError(f"cannot make the audit key {path}: {exc.strerror or exc}") from None
    return key


# ------------------------------------------------------- which key an engine uses

_KEYS: weakref.WeakKeyDictionary[Engine, AuditKey] = weakref.WeakKeyDictionary()


def use_key(engine: Engine, key: AuditKey) -> None:
    """Every event written through ``engine`` from now on is keyed with ``key``."""
    _KEYS[engine] = key


def key_of(connection: Connection) -> AuditKey | None:
    return _KEYS.get(connection.engine)


def engine_key(engine: Engine) -> AuditKey | None:
    """The key events written through ``engine`` are keyed with (None: unkeyed)."""
    return _KEYS.get(engine)


# ------------------------------------------------------------ heads, checkpoints


@dataclass(frozen=True)
class Head:
    """The trail's last event as seen at ``at`` (ISO 8601), and how many there were."""

    last_id: int
    last_hash: str
    count: int
    at: str
    key_id: str | None = None


def head_path(environ: Mapping[str, str], engine: Engine, folder: str = "audit-heads") -> Path:
    """Where ma-tui keeps the head it last saw of ``engine``'s database (in
    ``audit-checkpoints``: the default file of ``audit verify --checkpoint``), named
    by its URL without a password, however the command line spelled it."""
    url = engine.url.set(password=None).render_as_string(hide_password=False)
    name = hashlib.sha256(url.encode("utf-8")).hexdigest()[:24]
    return key_path(environ).parent / folder / f"{name}.json"


def forget_head(environ: Mapping[str, str], engine: Engine) -> None:
    """Drop the head kept of ``engine``'s database: only when its trail was replaced
    on purpose (a demo rebuilt), so the next start does not call that a rewrite."""
    head_path(environ, engine).unlink(missing_ok=True)


def _signed_text(head: Head, key: AuditKey | None) -> str:
    fields = asdict(head)
    body = json.dumps(fields, sort_keys=True, separators=(",", ":"))
    if key is not None:
        fields["mac"] = key.mac(body.encode("ascii"))
    return json.dumps(fields, sort_keys=True, indent=1) + "\n"


def write_head(path: Path, head: Head, key: AuditKey | None) -> None:
    try:
        _write_private(path, _signed_text(head, key), replace=True)
    except OSError as exc:
        raise StoreError(f"cannot write {path}: {exc.strerror or exc}") from None


def read_head(path: Path, key: AuditKey | None) -> Head | None:
    """The head in ``path``; None when there is none; ``StoreError`` when it is not
    one, or its HMAC does not match ``key`` (the file was changed)."""
    data = _private_file(path, "audit checkpoint")
    if data is None:
        return None
    try:
        fields = json.loads(data.decode("utf-8"))
        mac = fields.pop("mac", None)
        head = Head(**fields)
    except (ValueError, TypeError) as exc:
        raise StoreError(f"{path} is not an audit checkpoint ({exc})") from None
    if key is not None:
        if head.key_id not in (None, key.key_id):
            raise StoreError(f"the audit checkpoint {path} was written with another audit key")
        body = json.dumps(asdict(head), sort_keys=True, separators=(",", ":"))
        if not isinstance(mac, str) or not hmac.compare_digest(mac, key.mac(body.encode("ascii"))):
            raise StoreError(f"the audit checkpoint {path} was changed since it was written")
    return head
