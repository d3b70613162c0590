"""Staff accounts: sign-in with a PIN or password, lockout, and what administrators do.

Every staff member has their own username and a PIN (4–12 digits) or password
(8–128 characters), stored only as an argon2id hash. Five wrong secrets in a row lock
the account for the clinic's ``lockout`` minutes (``ma_tui.clinic.settings``); while locked
even the right secret is refused, and the lock is not extended.

``authenticate`` never says which usernames exist: an unknown user and a wrong PIN get
the same message, and an unknown user costs the same argon2 verify (against a dummy
hash) as a known one. A disabled account is named as such only to someone who typed
its right secret. It writes no audit row itself: ``SignInResult`` carries what the
caller's audit event needs (``audit_action``, ``staff_id``, ``audit_detail()``).

Nothing here imports Textual; the sign-in screen and the ``users`` command call it.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from argon2 import PasswordHasher
from argon2.exceptions import Argon2Error, InvalidHashError
from sqlalchemy import func
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from ma_tui.clinic.settings import lockout_minutes
from ma_tui.data.models.staff import Staff, StaffRole
from ma_tui.data.store import in_one_transaction
from ma_tui.patients.registration import clean_text, column_limit

# argon2-cffi's defaults (argon2id, RFC 9106's low-memory profile). Read at call time,
# so tests may swap in a cheap hasher; production never changes it.
PASSWORD_HASHER = PasswordHasher()

MAX_FAILED_ATTEMPTS = 5
USERNAME_MIN, USERNAME_MAX = 2, 64
PIN_MIN, PIN_MAX = 4, 12
PASSWORD_MIN, PASSWORD_MAX = 8, 128
# Longer than any valid secret by far: refused without hashing, so a pasted novel
# costs nothing (a wrong secret for every account alike, so it tells nothing).
_SECRET_VERIFY_MAX = 4 * PASSWORD_MAX

UNKNOWN_OR_WRONG = "Unknown user or wrong PIN"
DISABLED = "This account is disabled; ask an administrator"

_USERNAME = re.compile(r"[a-z0-9][a-z0-9._-]*")
_PIN = re.compile(r"[0-9]+")
_SHOWN_MAX = 40


class AccountError(ValueError):
    """An account change the clinic refuses; the message is one line for the user."""


class UsernameError(AccountError):
    """A username that is not 2–64 of a–z, 0–9, ``.``, ``-``, ``_``."""


class SecretError(AccountError):
    """A PIN or password that is too short, too long, or not typeable."""


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


def check_secret(secret: str) -> str:
    """The PIN or password, unchanged, if the clinic accepts it; else ``SecretError``.

    A PIN is 4–12 digits (0–9); anything else is a password of 8–128 characters,
    without control characters (they cannot be typed at the sign-in screen).
    """
    if not secret:
        raise SecretError("the PIN or password is empty")
    length = len(unicodedata.normalize("NFC", secret))
    if _PIN.fullmatch(secret):
        if length < PIN_MIN:
            raise SecretError(
                f"a PIN has {PIN_MIN} to {PIN_MAX} digits, not {length} (or use a password "
                f"of {PASSWORD_MIN}+ characters)"
            )
        if length <= PIN_MAX:
            return secret
        # Longer numbers are passwords made of digits.
    if any(unicodedata.category(ch) in {"Cc", "Cs"} for ch in secret):
        raise SecretError("a PIN or password cannot hold control characters")
    if length < PASSWORD_MIN:
        raise SecretError(
            f"a password has at least {PASSWORD_MIN} characters (or use a PIN of "
            f"{PIN_MIN} to {PIN_MAX} digits)"
        )
    if length > PASSWORD_MAX:
        raise SecretError(f"a password has at most {PASSWORD_MAX} characters, not {length}")
    return secret


def parse_role(text: str) -> StaffRole:
    """``ma``, ``nurse``, ``provider``, ``front_desk`` (or ``front-desk``) or ``admin``."""
    wanted = text.strip().casefold().replace("-", "_")
    for role in StaffRole:
        if wanted == role.value:
            return role
    roles = ", ".join(role.value for role in StaffRole)
    raise AccountError(f"unknown role {_shown(text)}: use {roles}")


def clean_display_name(text: str) -> str:
    """The name as the screens show it (one line, NFC); ``AccountError`` when empty."""
    name = clean_text(text, limit=column_limit(Staff, "display_name"))
    if not name:
        raise AccountError("a user needs a name: --name 'Full Name'")
    return name


def clean_credentials(text: str | None) -> str | None:
    """``CMA``, ``MD``, ... on one line; None when empty; ``AccountError`` when too long."""
    if text is None:
        return None
    limit = column_limit(Staff, "credentials")
    value = clean_text(text, limit=limit + 1)
    if len(value) > limit:
        raise AccountError(f"credentials have at most {limit} characters (CMA, RMA, MD, ...)")
    return value or None


# ----------------------------------------------------------------- hashing


def _secret_bytes(secret: str) -> bytes:
    """What is hashed: NFC (a password typed on any terminal matches), UTF-8."""
    return unicodedata.normalize("NFC", secret).encode("utf-8", "surrogatepass")


def hash_secret(secret: str) -> str:
    """The argon2id hash of an accepted PIN or password (``check_secret`` first)."""
    return PASSWORD_HASHER.hash(_secret_bytes(check_secret(secret)))


_dummy: tuple[PasswordHasher, str] | None = None


def _dummy_hash() -> str:
    """A hash no one's secret matches, made with today's parameters (same verify cost)."""
    global _dummy
    if _dummy is None or _dummy[0] is not PASSWORD_HASHER:
        _dummy = (PASSWORD_HASHER, PASSWORD_HASHER.hash(b"\x00no account\x00"))
    return _dummy[1]


def _verify(stored: str | None, secret: str) -> bool:
    """Whether ``secret`` matches ``stored``; the full argon2 cost is paid either way."""
    if len(secret) > _SECRET_VERIFY_MAX:
        return False
    try:
        return PASSWORD_HASHER.verify(stored or _dummy_hash(), _secret_bytes(secret)) and (
            stored is not None
        )
    except (Argon2Error, InvalidHashError):
        return False


# ------------------------------------------------------------------ sign-in


class SignInOutcome(StrEnum):
    """How a sign-in attempt ended; the value is what an audit event records."""

    SIGNED_IN = "signed_in"
    UNKNOWN_USER = "unknown_user"
    WRONG_SECRET = "wrong_secret"
    LOCKED_OUT = "locked_out"  # this wrong secret was the fifth: the account is now locked
    LOCKED = "locked"  # refused unchecked: the account was already locked
    DISABLED = "disabled"  # the right secret for a disabled account


@dataclass(frozen=True)
class SignInResult:
    """One sign-in attempt: the staff member on success, else a message safe to show.

    ``staff_id`` is set whenever the username names an account (also on failure), so
    the caller's audit event can say whose account was tried; ``username`` is what was
    typed, on one line and at most 64 characters, for the event's detail.
    """

    outcome: SignInOutcome
    username: str
    message: str = ""
    staff: Staff | None = None
    staff_id: int | None = None
    failed_attempts: int = 0
    locked_until: datetime | None = None

    @property
    def ok(self) -> bool:
        return self.outcome is SignInOutcome.SIGNED_IN

    @property
    def audit_action(self) -> str:
        """``sign_in`` or ``sign_in_failed``: the audit event's action."""
        return "sign_in" if self.ok else "sign_in_failed"

    def audit_detail(self) -> dict[str, object]:
        """The audit event's detail (JSON-ready): never the secret, never patient data."""
        detail: dict[str, object] = {"username": self.username, "outcome": self.outcome.value}
        if not self.ok and self.staff_id is not None:
            detail["failed_attempts"] = self.failed_attempts
        if self.locked_until is not None:
            detail["locked_until"] = self.locked_until.isoformat()
        return detail


def _clock_text(moment: datetime, now: datetime) -> str:
    """``09:35`` in the clinic's time zone; with the date when it is not today."""
    local = moment.astimezone(now.tzinfo)
    if local.date() == now.date():
        return local.strftime("%H:%M")
    return local.strftime("%b %d %H:%M")


def locked_message(locked_until: datetime, now: datetime) -> str:
    return (
        f"Locked after {MAX_FAILED_ATTEMPTS} failed attempts; try again after "
        f"{_clock_text(locked_until, now)} or ask an administrator"
    )


def _aware(now: datetime) -> datetime:
    if now.tzinfo is None:
        raise ValueError("now must be an aware datetime")
    return now


def _find(session: Session, username: str, *, for_update: bool = False) -> Staff | None:
    query = select(Staff).where(Staff.username == username)
    if for_update:
        query = query.with_for_update()
    return session.exec(query).first()


def authenticate(session: Session, username: str, secret: str, *, now: datetime) -> SignInResult:
    """Check a username and PIN or password, in one transaction; never raises on input.

    Success clears the failed count and rehashes the secret when the hash's argon2
    parameters are out of date. A wrong secret counts; the fifth in a row locks the
    account for the clinic's lockout minutes. While locked every attempt is refused
    without counting. Unknown user and wrong secret share one message.
    """
    now = _aware(now)
    typed = clean_text(username, limit=USERNAME_MAX)
    try:
        wanted: str | None = normalize_username(username)
    except UsernameError:
        wanted = None

    def attempt() -> SignInResult:
        staff = _find(session, wanted, for_update=True) if wanted is not None else None
        if staff is None:
            _verify(None, secret)
            return SignInResult(SignInOutcome.UNKNOWN_USER, typed, UNKNOWN_OR_WRONG)
        if staff.locked_until is not None and now >= staff.locked_until:
            # A lock that has run out: the count starts again.
            staff.locked_until = None
            staff.failed_attempts = 0
        right = _verify(staff.secret_hash, secret)
        if staff.locked_until is not None:
            return SignInResult(
                SignInOutcome.LOCKED,
                typed,
                locked_message(staff.locked_until, now),
                staff_id=staff.id,
                failed_attempts=staff.failed_attempts,
                locked_until=staff.locked_until,
            )
        if right and not staff.active:
            session.add(staff)
            return SignInResult(
                SignInOutcome.DISABLED,
                typed,
                DISABLED,
                staff_id=staff.id,
                failed_attempts=staff.failed_attempts,
            )
        if not right:
            staff.failed_attempts += 1
            outcome, message = SignInOutcome.WRONG_SECRET, UNKNOWN_OR_WRONG
            if staff.failed_attempts >= MAX_FAILED_ATTEMPTS:
                staff.locked_until = now + timedelta(minutes=lockout_minutes(session))
                outcome = SignInOutcome.LOCKED_OUT
                message = locked_message(staff.locked_until, now)
            session.add(staff)
            return SignInResult(
                outcome,
                typed,
                message,
                staff_id=staff.id,
                failed_attempts=staff.failed_attempts,
                locked_until=staff.locked_until,
            )
        assert staff.secret_hash is not None  # _verify is False without a hash
        if PASSWORD_HASHER.check_needs_rehash(staff.secret_hash):
            staff.secret_hash = PASSWORD_HASHER.hash(_secret_bytes(secret))
        staff.failed_attempts = 0
        session.add(staff)
        signed_in = _snapshot(session, staff)
        return SignInResult(SignInOutcome.SIGNED_IN, typed, staff=signed_in, staff_id=staff.id)

    return in_one_transaction(session, attempt)


# -------------------------------------------------------------- administration


def _existing(session: Session, username: str) -> Staff:
    name = normalize_username(username)
    staff = _find(session, name, for_update=True)
    if staff is None:
        raise AccountError(f"no user {_shown(name)}")
    return staff


def _active_admins(session: Session) -> int:
    return session.exec(
        select(func.count())
        .select_from(Staff)
        .where(Staff.role == StaffRole.ADMIN, col(Staff.active))
    ).one()


def _snapshot(session: Session, staff: Staff) -> Staff:
    """A detached copy of the row as written: readable after the transaction ends,
    holding no lock and no session. Read it; never add it to a session."""
    session.add(staff)
    session.flush()
    return Staff.model_validate(staff.model_dump())


def add_user(
    session: Session,
    username: str,
    display_name: str,
    role: StaffRole | str,
    secret: str,
    *,
    credentials: str | None = None,
    now: datetime,
) -> Staff:
    """A new account, every field checked before the database is touched.

    ``AccountError`` (or its ``UsernameError``/``SecretError``) for a bad field or a
    username already taken, disabled accounts included; nothing is written then.
    """
    now = _aware(now)
    name = normalize_username(username)
    shown_name = clean_display_name(display_name)
    staff_role = role if isinstance(role, StaffRole) else parse_role(role)
    creds = clean_credentials(credentials)
    secret_hash = hash_secret(secret)

    def work() -> Staff:
        if _find(session, name) is not None:
            raise AccountError(f"username {_shown(name)} is taken; choose another")
        staff = Staff(
            username=name,
            display_name=shown_name,
            role=staff_role,
            credentials=creds,
            secret_hash=secret_hash,
            created_at=now,
        )
        try:
            return _snapshot(session, staff)
        except IntegrityError:  # another terminal took it a moment ago
            raise AccountError(f"username {_shown(name)} is taken; choose another") from None

    return in_one_transaction(session, work)


def list_users(session: Session) -> list[Staff]:
    """Every account, disabled ones too, by username."""
    return list(session.exec(select(Staff).order_by(col(Staff.username))))


def is_locked(staff: Staff, now: datetime) -> bool:
    return staff.locked_until is not None and _aware(now) < staff.locked_until


def account_status(staff: Staff, now: datetime) -> str:
    """``active``, ``disabled`` or ``locked until 09:35``, as ``users list`` shows it."""
    if not staff.active:
        return "disabled"
    if staff.locked_until is not None and is_locked(staff, now):
        return f"locked until {_clock_text(staff.locked_until, now)}"
    return "active"


def disable_user(session: Session, username: str, *, now: datetime) -> Staff:
    """Stop an account signing in; refused for the last active administrator.

    Disabling a disabled account changes nothing. ``now`` is when the caller's audit
    event says it happened.
    """
    _aware(now)

    def work() -> Staff:
        staff = _existing(session, username)
        if staff.active and staff.role is StaffRole.ADMIN and _active_admins(session) <= 1:
            raise AccountError(
                f"{_shown(staff.username)} is the last active administrator; add another "
                "administrator before disabling this one"
            )
        staff.active = False
        return _snapshot(session, staff)

    return in_one_transaction(session, work)


def enable_user(session: Session, username: str, *, now: datetime) -> Staff:
    """Let a disabled account sign in again (its secret, count and lock unchanged)."""
    _aware(now)

    def work() -> Staff:
        staff = _existing(session, username)
        staff.active = True
        return _snapshot(session, staff)

    return in_one_transaction(session, work)


def reset_secret(session: Session, username: str, secret: str, *, now: datetime) -> Staff:
    """A new PIN or password; clears the failed count and any lock."""
    _aware(now)
    name = normalize_username(username)
    secret_hash = hash_secret(secret)

    def work() -> Staff:
        staff = _existing(session, name)
        staff.secret_hash = secret_hash
        staff.failed_attempts = 0
        staff.locked_until = None
        return _snapshot(session, staff)

    return in_one_transaction(session, work)


def user_exists(session: Session, username: str) -> bool:
    """Whether the (valid) username names an account, disabled ones too."""
    return _find(session, normalize_username(username)) is not None


def needs_first_admin(session: Session) -> bool:
    """No active administrator: a new database's first start must create one."""
    return _active_admins(session) == 0
