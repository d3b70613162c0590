"""Signing in with a PIN or password, the lockout, and the idle lock of a terminal.

Five wrong secrets in a row lock the account for the clinic's ``lockout`` minutes
(``ma_tui.clinic.settings``); while locked even the right secret is refused, and the
lock is not extended. ``authenticate`` never says which usernames exist: an unknown
user and a wrong PIN get the same message, and an unknown user costs the same argon2
verify (against a dummy hash) as a known one. A disabled account is named as such
only to someone who typed its right secret.

Every attempt, failed ones too, is an audit event written in the attempt's own
transaction (never the secret). So are the idle lock, unlocking and signing out.
Nothing here imports Textual; the sign-in screen and the app call it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy.engine import Engine
from sqlmodel import Session

from ma_tui.clinic.settings import lockout_minutes
from ma_tui.core.audit import AuditAction, audit
from ma_tui.core.transaction import in_transaction
from ma_tui.data.models.staff import Staff
from ma_tui.staff import accounts
from ma_tui.staff.accounts import (
    UsernameError,
    aware,
    clock_text,
    find_staff,
    normalize_username,
    secret_bytes,
    snapshot,
    verify_secret,
)

MAX_FAILED_ATTEMPTS = 5
UNKNOWN_OR_WRONG = "Unknown user or wrong PIN"
DISABLED = "This account is disabled; ask an administrator"


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

    ``staff_id`` and ``username`` are set whenever the text typed names an account
    (also on failure), so the audit event says whose account was tried; for any
    other text ``username`` is empty: what was typed is never kept (it may hold a
    PIN typed into the wrong field).
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
        detail: dict[str, object] = {"outcome": self.outcome.value}
        if self.staff_id is not None:
            detail["username"] = self.username
        if not self.ok and self.staff_id is not None:
            detail["failed_attempts"] = self.failed_attempts
        if self.locked_until is not None:
            detail["locked_until"] = self.locked_until.isoformat()
        return detail


def locked_message(locked_until: datetime, now: datetime) -> str:
    return (
        f"Locked after {MAX_FAILED_ATTEMPTS} failed attempts; try again after "
        f"{clock_text(locked_until, now)} or ask an administrator"
    )


def authenticate(engine: Engine, username: str, secret: str, *, now: datetime) -> SignInResult:
    """Check a username and PIN or password, and record the attempt; never raises on input.

    Success clears the failed count and rehashes the secret when the hash's argon2
    parameters are out of date. A wrong secret counts; the fifth in a row locks the
    account for the clinic's lockout minutes. While locked every attempt is refused
    without counting. Unknown user and wrong secret share one message. The attempt
    and its audit event are one transaction; only ``DatabaseUnavailable`` is raised.
    """
    now = aware(now)
    try:
        wanted: str | None = normalize_username(username)
    except UsernameError:
        wanted = None

    def attempt(session: Session) -> SignInResult:
        staff = find_staff(session, wanted, for_update=True) if wanted is not None else None
        result = _check(session, staff, secret, now)
        audit(
            session,
            AuditAction(result.audit_action),
            at=now,
            staff_id=result.staff_id,
            detail=result.audit_detail(),
        )
        return result

    return in_transaction(engine, attempt)


def _check(session: Session, staff: Staff | None, secret: str, now: datetime) -> SignInResult:
    """The attempt on ``staff`` (locked for update), its counts changed in ``session``."""
    if staff is None:
        verify_secret(None, secret)
        return SignInResult(SignInOutcome.UNKNOWN_USER, "", UNKNOWN_OR_WRONG)
    typed = staff.username
    if staff.locked_until is not None and now >= staff.locked_until:
        # A lock that has run out: the count starts again.
        staff.locked_until = None
        staff.failed_attempts = 0
    right = verify_secret(staff.secret_hash, secret)
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
    assert staff.secret_hash is not None  # verify_secret is False without a hash
    if accounts.PASSWORD_HASHER.check_needs_rehash(staff.secret_hash):
        staff.secret_hash = accounts.PASSWORD_HASHER.hash(secret_bytes(secret))
    staff.failed_attempts = 0
    signed_in = snapshot(session, staff)
    return SignInResult(SignInOutcome.SIGNED_IN, typed, staff=signed_in, staff_id=staff.id)


# ------------------------------------------------------------------ the lock


def _record(
    engine: Engine, action: AuditAction, staff_id: int, now: datetime, **detail: str
) -> None:
    in_transaction(
        engine,
        lambda session: audit(session, action, at=now, staff_id=staff_id, detail=detail or None),
    )


def lock_terminal(engine: Engine, staff_id: int, *, now: datetime) -> None:
    """The terminal of ``staff_id`` locked itself, idle; recorded as theirs."""
    _record(engine, AuditAction.LOCK, staff_id, now, reason="idle")


def unlock_terminal(engine: Engine, staff_id: int, *, now: datetime) -> None:
    """``staff_id`` unlocked the terminal (the locked user, or another who signed in)."""
    _record(engine, AuditAction.UNLOCK, staff_id, now)


def sign_out(engine: Engine, staff_id: int, *, now: datetime) -> None:
    """``staff_id`` left the app (Ctrl+Q)."""
    _record(engine, AuditAction.SIGN_OUT, staff_id, now)
