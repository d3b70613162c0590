"""Signing in with a PIN or passphrase, the waits after wrong ones, and the idle lock.

Wrong secrets make the terminal and the account wait before the next try, ever
longer, the account never more than 5 minutes (``ma_tui.staff.throttle`` says the
schedule and why). ``authenticate`` never says which usernames exist: an unknown
user, a wrong PIN and an account that waits get the same message, and each costs
the same argon2 verify (against a dummy hash for an unknown user). A disabled
account is named as such only to someone who typed its right secret. A secret that
no longer meets the clinic's rules (``ma_tui.staff.policy``) still signs in, marked
``must_change``: the sign-in screen then asks for a new one.

Every attempt, failed ones too, is an audit event written in the attempt's own
transaction, with the terminal it came from (never the secret, and never text typed
that names no account). So are the idle lock, unlocking and signing out. Nothing
here imports Textual; the sign-in screen, the app and the command line call it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
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
    find_staff,
    normalize_username,
    secret_bytes,
    snapshot,
    verify_secret,
)
from ma_tui.staff.policy import policy_of
from ma_tui.staff.throttle import account_wait, terminal_failures, terminal_wait, this_terminal

UNKNOWN_OR_WRONG = "Unknown user or wrong PIN. After 5 wrong tries an account waits a few minutes."
DISABLED = "This account is disabled; ask an administrator"


class SignInOutcome(StrEnum):
    """How a sign-in attempt ended; the value is what an audit event records."""

    SIGNED_IN = "signed_in"
    UNKNOWN_USER = "unknown_user"
    WRONG_SECRET = "wrong_secret"
    ACCOUNT_WAITING = "account_waiting"  # refused unchecked: the account waits
    TERMINAL_WAITING = "terminal_waiting"  # refused unchecked: this terminal waits
    DISABLED = "disabled"  # the right secret for a disabled account


@dataclass(frozen=True)
class SignInResult:
    """One sign-in attempt: the staff member on success, else a message safe to show.

    ``staff_id`` and ``username`` are set whenever the text typed names an account
    (also on failure), so the audit event says whose account was tried; for any
    other text ``username`` is empty: what was typed is never kept (it may hold a
    PIN typed into the wrong field). ``terminal`` is where the attempt came from.
    """

    outcome: SignInOutcome
    username: str
    message: str = ""
    staff: Staff | None = None
    staff_id: int | None = None
    failed_attempts: int = 0
    locked_until: datetime | None = None  # the account waits until then
    terminal: str = ""
    must_change: bool = False  # signed in with a secret today's rules refuse
    via: str = ""  # the command that asked (the command line); empty for the screen

    @property
    def ok(self) -> bool:
        return self.outcome is SignInOutcome.SIGNED_IN

    @property
    def audit_action(self) -> str:
        """``sign_in`` or ``sign_in_failed``: the audit event's action."""
        return "sign_in" if self.ok else "sign_in_failed"

    def audit_detail(self) -> dict[str, object]:
        """The audit event's detail (JSON-ready): never the secret, never patient data."""
        detail: dict[str, object] = {"outcome": self.outcome.value, "terminal": self.terminal}
        if self.staff_id is not None:
            detail["username"] = self.username
        if not self.ok and self.staff_id is not None:
            detail["failed_attempts"] = self.failed_attempts
        if self.locked_until is not None:
            detail["locked_until"] = self.locked_until.isoformat()
        if self.must_change:
            detail["must_change"] = True
        if self.via:
            detail["via"] = self.via
        return detail


def authenticate(
    engine: Engine,
    username: str,
    secret: str,
    *,
    now: datetime,
    terminal: str | None = None,
    via: str = "",
) -> SignInResult:
    """Check a username and PIN or passphrase from ``terminal`` (default: this one,
    ``this_terminal()``), and record the attempt (with ``via``, the command that
    asked, from the command line); never raises on input.

    A terminal that waits refuses the attempt unchecked, with how long it waits.
    Otherwise the secret is checked (an account that waits refuses it all the same,
    with the message of a wrong one); a wrong one counts and may start a wait.
    Success clears the account's count and rehashes the secret when the hash's
    argon2 parameters are out of date. The attempt and its audit event are one
    transaction; only ``DatabaseUnavailable`` is raised.
    """
    now = aware(now)
    place = this_terminal() if terminal is None else terminal
    try:
        wanted: str | None = normalize_username(username)
    except UsernameError:
        wanted = None

    def attempt(session: Session) -> SignInResult:
        failures, last = terminal_failures(session, place, now)
        lockout = timedelta(minutes=lockout_minutes(session))
        ready_at = None if last is None else last + terminal_wait(failures, lockout)
        if ready_at is not None and now < ready_at:
            message = (
                "Too many failed sign-ins at this terminal: "
                f"try again in {_how_long(ready_at - now)}."
            )
            result = SignInResult(SignInOutcome.TERMINAL_WAITING, "", message, terminal=place)
        else:
            staff = find_staff(session, wanted, for_update=True) if wanted is not None else None
            result = _check(session, staff, secret, now, place)
        if via:
            result = replace(result, via=via)
        audit(
            session,
            AuditAction(result.audit_action),
            at=now,
            staff_id=result.staff_id,
            detail=result.audit_detail(),
        )
        return result

    return in_transaction(engine, attempt)


def _how_long(wait: timedelta) -> str:
    seconds = max(1, round(wait.total_seconds()))
    if seconds < 90:
        return f"{seconds} seconds" if seconds != 1 else "1 second"
    return f"{round(seconds / 60)} minutes"


def _check(
    session: Session, staff: Staff | None, secret: str, now: datetime, terminal: str
) -> SignInResult:
    """The attempt on ``staff`` (locked for update), its counts changed in ``session``."""
    if staff is None:
        verify_secret(None, secret)
        return SignInResult(SignInOutcome.UNKNOWN_USER, "", UNKNOWN_OR_WRONG, terminal=terminal)
    right = verify_secret(staff.secret_hash, secret)  # paid in every case: same time
    if staff.locked_until is not None and now < staff.locked_until:
        return SignInResult(
            SignInOutcome.ACCOUNT_WAITING,
            staff.username,
            UNKNOWN_OR_WRONG,
            failed_attempts=staff.failed_attempts,
            locked_until=staff.locked_until,
            staff_id=staff.id,
            terminal=terminal,
        )
    if right and not staff.active:
        return SignInResult(
            SignInOutcome.DISABLED,
            staff.username,
            DISABLED,
            failed_attempts=staff.failed_attempts,
            staff_id=staff.id,
            terminal=terminal,
        )
    if not right:
        staff.failed_attempts += 1
        wait = account_wait(staff.failed_attempts)
        staff.locked_until = now + wait if wait else None
        session.add(staff)
        return SignInResult(
            SignInOutcome.WRONG_SECRET,
            staff.username,
            UNKNOWN_OR_WRONG,
            failed_attempts=staff.failed_attempts,
            locked_until=staff.locked_until,
            staff_id=staff.id,
            terminal=terminal,
        )
    assert staff.secret_hash is not None  # verify_secret is False without a hash
    if accounts.PASSWORD_HASHER.check_needs_rehash(staff.secret_hash):
        staff.secret_hash = accounts.PASSWORD_HASHER.hash(secret_bytes(secret))
    staff.failed_attempts = 0
    staff.locked_until = None
    must_change = policy_of(session).problem(secret, staff.role, staff.username) is not None
    signed_in = snapshot(session, staff)
    return SignInResult(
        SignInOutcome.SIGNED_IN,
        staff.username,
        staff=signed_in,
        must_change=must_change,
        staff_id=staff.id,
        terminal=terminal,
    )


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
