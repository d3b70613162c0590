"""Staff accounts: the rules for usernames and secrets, and what administrators do.

Every staff member has their own username and a PIN or passphrase that meets the
clinic's rules (``ma_tui.staff.policy``: administrators a passphrase of 12+
characters, everyone else a PIN of 6+ digits), stored only as an argon2id hash. An
administrator adds accounts, disables and enables them (never the last active
administrator), and gives a new PIN or passphrase, which also ends a wait after
wrong PINs (``ma_tui.staff.throttle``); a person changes their own. Each change is a
use case: it takes the engine, does its work in one transaction and writes its audit
event inside it (``ma_tui.core.audit``), so the change and its event are stored
together or not at all. The administrator who made it is ``by``; from the command
line (``by=None``) it is the operating-system user.

Nothing here imports Textual; the staff screen and the ``users`` command call it.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime

from argon2 import PasswordHasher, Type
from argon2.exceptions import Argon2Error, InvalidHashError
from sqlalchemy import func
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from ma_tui.core.audit import AuditAction, audit
from ma_tui.core.errors import Conflict, InvalidInput, NotAllowed, NotFound, UserError
from ma_tui.core.text import clean_text, column_limit
from ma_tui.core.transaction import in_transaction, read_only
from ma_tui.data.models.staff import Staff, StaffRole
from ma_tui.staff.policy import PASSPHRASE_MAX, SecretPolicy, policy_of, read_policy

# The staff domain's vocabulary, for the screens (which never import ma_tui.data).
__all__ = ["Staff", "StaffRole"]


# argon2id with RFC 9106's second recommended profile, pinned here so a new
# argon2-cffi never changes them unseen: 64 MiB, 3 passes, 4 lanes. Measured on the
# 2-core machine this was written on: 0.36 s a verify, about 3 sign-in checks a
# second. That is what a sign-in costs (under half a second) and what a guess at a
# stolen database costs: half the ~850,000 6-digit PINs the rules allow take about
# 40 hours a core, so a stolen file's PINs fall in days on a big machine, and the
# database file itself must stay protected (README "Security"); an administrator's
# 12-character passphrase stays out of reach. A hash made with other parameters is
# rehashed with these at its owner's next sign-in. Read at call time, so tests may
# swap in a cheap hasher; production never changes it.
def production_hasher() -> PasswordHasher:
    return PasswordHasher(
        time_cost=3, memory_cost=65536, parallelism=4, hash_len=32, salt_len=16, type=Type.ID
    )


PASSWORD_HASHER = production_hasher()

USERNAME_MIN, USERNAME_MAX = 2, 64
# Longer than any valid secret by far: refused without hashing, so a pasted novel
# costs nothing (a wrong secret for every account alike, so it tells nothing).
_SECRET_VERIFY_MAX = 4 * PASSPHRASE_MAX

_USERNAME = re.compile(r"[a-z0-9][a-z0-9._-]*")
_SHOWN_MAX = 40


class AccountError(UserError, ValueError):
    """An account change the clinic refuses; the message is one line for the user."""


class UsernameError(AccountError, InvalidInput):
    """A username that is not 2–64 of a–z, 0–9, ``.``, ``-``, ``_``."""


class SecretError(AccountError, InvalidInput):
    """A PIN or passphrase the clinic's rules refuse; the message says which rule."""


class FieldError(AccountError, InvalidInput):
    """A name, role or credentials that cannot be stored as typed."""


class UsernameTaken(AccountError, Conflict):
    """Another account, disabled ones included, has this username."""


class NoSuchUser(AccountError, NotFound):
    """No account has this username."""


class AdministratorsOnly(AccountError, NotAllowed):
    """Only an active administrator manages accounts; or the last one cannot go."""


def _shown(text: str) -> str:
    """The user's text quoted on one line, short even when it is all escapes."""
    cut = text if len(text) <= _SHOWN_MAX else text[:_SHOWN_MAX] + "…"
    shown = repr(cut)
    return shown if len(shown) <= 2 * _SHOWN_MAX else shown[: 2 * _SHOWN_MAX - 2] + "…'"


# ------------------------------------------------------------------ validators


def normalize_username(text: str) -> str:
    """The username as stored: trimmed, lower case; else ``UsernameError``.

    2–64 characters of ``a``–``z``, ``0``–``9``, ``.``, ``-``, ``_``, starting with a
    letter or digit (so it can never be read as a command-line option).
    """
    name = text.strip()
    if not name.isascii():
        raise UsernameError(
            f"username {_shown(text)} has a character other than a-z, 0-9, '.', '-', '_'"
        )
    name = name.lower()
    if not USERNAME_MIN <= len(name) <= USERNAME_MAX:
        raise UsernameError(
            f"a username has {USERNAME_MIN} to {USERNAME_MAX} characters, not {len(name)}"
        )
    if not _USERNAME.fullmatch(name):
        if _USERNAME.fullmatch("a" + name[1:]):
            raise UsernameError(f"username {_shown(text)} must start with a letter or digit")
        raise UsernameError(
            f"username {_shown(text)} has a character other than a-z, 0-9, '.', '-', '_'"
        )
    return name


def check_secret(
    secret: str,
    role: StaffRole,
    policy: SecretPolicy | None = None,
    *,
    username: str | None = None,
) -> str:
    """The PIN or passphrase, unchanged, if the clinic's rules (``policy``; the floors
    when None) take it for ``role``; else ``SecretError`` saying which rule."""
    problem = (policy or SecretPolicy()).problem(secret, role, username)
    if problem is not None:
        raise SecretError(problem)
    return secret


def parse_role(text: str) -> StaffRole:
    """``ma``, ``nurse``, ``provider``, ``front_desk`` (or ``front-desk``) or ``admin``."""
    wanted = text.strip().casefold().replace("-", "_")
    for role in StaffRole:
        if wanted == role.value:
            return role
    roles = ", ".join(role.value for role in StaffRole)
    raise FieldError(f"unknown role {_shown(text)}: use {roles}")


def clean_display_name(text: str) -> str:
    """The name as the screens show it (one line, NFC); ``AccountError`` when empty."""
    name = clean_text(text, limit=column_limit(Staff, "display_name"))
    if not name:
        raise FieldError("a user needs a name: --name 'Full Name'")
    return name


def clean_credentials(text: str | None) -> str | None:
    """``CMA``, ``MD``, ... on one line; None when empty; ``AccountError`` when too long."""
    if text is None:
        return None
    limit = column_limit(Staff, "credentials")
    value = clean_text(text, limit=limit + 1)
    if len(value) > limit:
        raise FieldError(f"credentials have at most {limit} characters (CMA, RMA, MD, ...)")
    return value or None


# ----------------------------------------------------------------- hashing


def secret_bytes(secret: str) -> bytes:
    """What is hashed: NFC (a password typed on any terminal matches), UTF-8."""
    return unicodedata.normalize("NFC", secret).encode("utf-8", "surrogatepass")


def hash_secret(secret: str) -> str:
    """The argon2id hash of a PIN or passphrase already checked (``check_secret``)."""
    return PASSWORD_HASHER.hash(secret_bytes(secret))


_dummy: tuple[PasswordHasher, str] | None = None


def _dummy_hash() -> str:
    """A hash no one's secret matches, made with today's parameters (same verify cost)."""
    global _dummy
    if _dummy is None or _dummy[0] is not PASSWORD_HASHER:
        _dummy = (PASSWORD_HASHER, PASSWORD_HASHER.hash(b"\x00no account\x00"))
    return _dummy[1]


def verify_secret(stored: str | None, secret: str) -> bool:
    """Whether ``secret`` matches ``stored``; the full argon2 cost is paid either way."""
    if len(secret) > _SECRET_VERIFY_MAX:
        return False
    try:
        return PASSWORD_HASHER.verify(stored or _dummy_hash(), secret_bytes(secret)) and (
            stored is not None
        )
    except (Argon2Error, InvalidHashError):
        return False


# ------------------------------------------------------------------ reading


def aware(now: datetime) -> datetime:
    if now.tzinfo is None:
        raise ValueError("now must be an aware datetime")
    return now


def clock_text(moment: datetime, now: datetime) -> str:
    """``09:35`` in the clinic's time zone; with the date when it is not today."""
    local = moment.astimezone(now.tzinfo)
    if local.date() == now.date():
        return local.strftime("%H:%M")
    return local.strftime("%b %d %H:%M")


def find_staff(session: Session, username: str, *, for_update: bool = False) -> Staff | None:
    query = select(Staff).where(Staff.username == username)
    if for_update:
        query = query.with_for_update()
    return session.exec(query).first()


def snapshot(session: Session, staff: Staff) -> Staff:
    """A detached copy of the row as written: readable after the transaction ends,
    holding no lock and no session. Read it; never add it to a session."""
    session.add(staff)
    session.flush()
    return Staff.model_validate(staff.model_dump())


def _active_admins(session: Session) -> int:
    return session.exec(
        select(func.count())
        .select_from(Staff)
        .where(Staff.role == StaffRole.ADMIN, col(Staff.active))
    ).one()


def list_users(engine: Engine) -> list[Staff]:
    """Every account, disabled ones too, by username."""
    return read_only(
        engine, lambda session: list(session.exec(select(Staff).order_by(col(Staff.username))))
    )


def user_exists(engine: Engine, username: str) -> bool:
    """Whether the (valid) username names an account, disabled ones too."""
    name = normalize_username(username)
    return read_only(engine, lambda session: find_staff(session, name) is not None)


def needs_first_admin(engine: Engine) -> bool:
    """No active administrator: a new database's first start must create one."""
    return read_only(engine, lambda session: _active_admins(session) == 0)


def is_locked(staff: Staff, now: datetime) -> bool:
    return staff.locked_until is not None and aware(now) < staff.locked_until


def account_status(staff: Staff, now: datetime) -> str:
    """``active``, ``disabled`` or ``locked until 09:35``, as ``users list`` shows it."""
    if not staff.active:
        return "disabled"
    if staff.locked_until is not None and is_locked(staff, now):
        return f"locked until {clock_text(staff.locked_until, now)}"
    return "active"


# -------------------------------------------------------------- administration


def _change(
    engine: Engine,
    work: Callable[[Session], Staff],
    action: AuditAction,
    detail: Mapping[str, object],
    *,
    now: datetime,
    by: int | None,
) -> Staff:
    """``work`` and its audit event (``detail``, never a secret), in one transaction.

    ``by`` must be an active administrator; None is the command line's OS user.
    """

    def change(session: Session) -> Staff:
        if by is not None:
            _check_administrator(session, by)
        staff = work(session)
        audit(
            session, action, at=now, staff_id=by, entity="staff", entity_id=staff.id, detail=detail
        )
        return staff

    return in_transaction(engine, change)


def _check_administrator(session: Session, staff_id: int) -> None:
    actor = session.get(Staff, staff_id)
    if actor is None or actor.role is not StaffRole.ADMIN or not actor.active:
        raise AdministratorsOnly("only an administrator manages staff accounts")


def _existing(session: Session, username: str) -> Staff:
    name = normalize_username(username)
    staff = find_staff(session, name, for_update=True)
    if staff is None:
        raise NoSuchUser(f"no user {_shown(name)}")
    return staff


@dataclass(frozen=True)
class _NewAccount:
    """An account's fields, each checked, and its secret hashed: ready to store."""

    username: str
    display_name: str
    role: StaffRole
    credentials: str | None
    secret_hash: str

    @classmethod
    def checked(
        cls,
        username: str,
        display_name: str,
        role: StaffRole | str,
        secret: str,
        credentials: str | None,
        policy: SecretPolicy,
    ) -> _NewAccount:
        name = normalize_username(username)
        checked_role = role if isinstance(role, StaffRole) else parse_role(role)
        return cls(
            username=name,
            display_name=clean_display_name(display_name),
            role=checked_role,
            credentials=clean_credentials(credentials),
            secret_hash=hash_secret(check_secret(secret, checked_role, policy, username=name)),
        )

    def add(self, session: Session, now: datetime) -> Staff:
        taken = UsernameTaken(f"username {_shown(self.username)} is taken; choose another")
        if find_staff(session, self.username) is not None:
            raise taken
        staff = Staff(
            username=self.username,
            display_name=self.display_name,
            role=self.role,
            credentials=self.credentials,
            secret_hash=self.secret_hash,
            created_at=now,
        )
        try:
            return snapshot(session, staff)
        except IntegrityError:  # another terminal took it a moment ago
            raise taken from None

    def detail(self, change: str) -> dict[str, object]:
        return {"username": self.username, "role": self.role.value, "change": change}


def add_user(
    engine: Engine,
    username: str,
    display_name: str,
    role: StaffRole | str,
    secret: str,
    *,
    credentials: str | None = None,
    now: datetime,
    by: int | None = None,
) -> Staff:
    """A new account, every field checked (the secret against the clinic's rules for
    its role) before anything is written.

    ``AccountError`` (or one of its kinds) for a bad field or a username already
    taken, disabled accounts included; nothing is written then.
    """
    now = aware(now)
    new = _NewAccount.checked(
        username, display_name, role, secret, credentials, read_policy(engine)
    )
    return _change(
        engine,
        lambda session: new.add(session, now),
        AuditAction.CREATE,
        new.detail("add"),
        now=now,
        by=by,
    )


def add_first_admin(
    engine: Engine, username: str, display_name: str, secret: str, *, now: datetime
) -> Staff:
    """The first administrator of a new database, from the command line.

    Refused (``AdministratorsOnly``) once the clinic has an active administrator:
    two terminals starting on a new database do not both create one.
    """
    now = aware(now)
    policy = read_policy(engine)
    new = _NewAccount.checked(username, display_name, StaffRole.ADMIN, secret, None, policy)

    def add(session: Session) -> Staff:
        if _active_admins(session):
            raise AdministratorsOnly("this clinic has an administrator already")
        return new.add(session, now)

    return _change(engine, add, AuditAction.CREATE, new.detail("first_admin"), now=now, by=None)


def disable_user(engine: Engine, username: str, *, now: datetime, by: int | None = None) -> Staff:
    """Stop an account signing in; refused for the last active administrator.

    Disabling a disabled account changes nothing but is recorded all the same.
    """
    now = aware(now)
    name = normalize_username(username)

    def disable(session: Session) -> Staff:
        staff = _existing(session, name)
        if staff.active and staff.role is StaffRole.ADMIN and _active_admins(session) <= 1:
            raise AdministratorsOnly(
                f"{_shown(staff.username)} is the last active administrator; add another "
                "administrator before disabling this one"
            )
        staff.active = False
        return snapshot(session, staff)

    detail = {"username": name, "active": False, "change": "disable"}
    return _change(engine, disable, AuditAction.UPDATE, detail, now=now, by=by)


def enable_user(engine: Engine, username: str, *, now: datetime, by: int | None = None) -> Staff:
    """Let a disabled account sign in again (its secret, count and lock unchanged)."""
    now = aware(now)
    name = normalize_username(username)

    def enable(session: Session) -> Staff:
        staff = _existing(session, name)
        staff.active = True
        return snapshot(session, staff)

    detail = {"username": name, "active": True, "change": "enable"}
    return _change(engine, enable, AuditAction.UPDATE, detail, now=now, by=by)


def reset_secret(
    engine: Engine, username: str, secret: str, *, now: datetime, by: int | None = None
) -> Staff:
    """A new PIN or passphrase, checked for the account's role; clears the failed
    count and any wait."""
    now = aware(now)
    name = normalize_username(username)
    role, policy = read_only(
        engine, lambda session: (_existing(session, name).role, policy_of(session))
    )
    secret_hash = hash_secret(check_secret(secret, role, policy, username=name))

    def reset(session: Session) -> Staff:
        staff = _existing(session, name)
        staff.secret_hash = secret_hash
        staff.failed_attempts = 0
        staff.locked_until = None
        return snapshot(session, staff)

    detail = {"username": name, "change": "reset_secret"}
    return _change(engine, reset, AuditAction.UPDATE, detail, now=now, by=by)


def secret_rules(engine: Engine, username: str) -> Callable[[str], str]:
    """What a new secret for the account ``username`` must meet, as a check that
    returns it or raises ``SecretError`` (for a form, before the two entries)."""
    name = normalize_username(username)
    role, policy = read_only(
        engine, lambda session: (_existing(session, name).role, policy_of(session))
    )
    return lambda secret: check_secret(secret, role, policy, username=name)


def role_rules(engine: Engine, role: StaffRole, username: str) -> Callable[[str], str]:
    """The same for an account not made yet, of ``role``."""
    policy = read_policy(engine)
    return lambda secret: check_secret(secret, role, policy, username=username)


def secret_hint(engine: Engine, role: StaffRole) -> str:
    """What ``role`` may choose under the clinic's rules, for a form's hint; the
    floors when the database cannot be read (the form checks again on save)."""
    try:
        return read_policy(engine).describe(role)
    except UserError:
        return SecretPolicy().describe(role)


def change_own_secret(engine: Engine, staff_id: int, secret: str, *, now: datetime) -> Staff:
    """A signed-in person's own new PIN or passphrase (asked when theirs no longer
    meets the clinic's rules); checked for their role, recorded as theirs."""
    now = aware(now)
    staff = read_only(engine, lambda session: session.get(Staff, staff_id))
    if staff is None:
        raise NoSuchUser(f"no user with id {staff_id}")
    secret_hash = hash_secret(
        check_secret(secret, staff.role, read_policy(engine), username=staff.username)
    )

    def change(session: Session) -> Staff:
        row = session.get(Staff, staff_id)
        if row is None:
            raise NoSuchUser(f"no user {_shown(staff.username)}")
        row.secret_hash = secret_hash
        row.failed_attempts = 0
        row.locked_until = None
        return snapshot(session, row)

    detail = {"username": staff.username, "change": "own_secret"}
    return _change_as(engine, change, detail, now=now, staff_id=staff_id)


def _change_as(
    engine: Engine,
    work: Callable[[Session], Staff],
    detail: Mapping[str, object],
    *,
    now: datetime,
    staff_id: int,
) -> Staff:
    def change(session: Session) -> Staff:
        staff = work(session)
        audit(
            session,
            AuditAction.UPDATE,
            at=now,
            staff_id=staff_id,
            entity="staff",
            entity_id=staff.id,
            detail=detail,
        )
        return staff

    return in_transaction(engine, change)
