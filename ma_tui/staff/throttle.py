"""How long wrong PINs make an account, and a terminal, wait before the next try.

Two counts slow guessing, and neither locks anyone out for long:

The terminal
    Failed sign-ins in a row at one terminal (any usernames, known or not),
    since its last success there, over the last day. Three tries come at once
    (typos); after the 3rd failure the terminal waits 15 s, then 30 s, 1, 2, 4
    and 8 minutes, then the clinic's ``lockout`` minutes (15 by default) after
    each further failure. One person at one keyboard, whichever accounts they
    try, gets about four guesses an hour once past the first ten.
The account
    Failed sign-ins in a row on an account (from any terminal), since its last
    success. Five tries come at once; after the 5th failure the account waits
    30 s, then 1, 2 and 4 minutes, and 5 minutes at most. Short on purpose: the
    account's owner is kept out only while a wait runs, at most 5 minutes after
    the last wrong try, and each such try costs the one who makes it their own
    terminal's ever longer wait (so they keep a colleague out a third of the
    time at most, and every try is in the audit trail with their terminal).
    From many terminals at once an account still takes at most 12 guesses an
    hour: years, on average, for a 6-digit PIN.

While a wait runs an attempt is refused without being checked and adds nothing to
the account's count, so waiting can never be made longer by trying during it. The
answer is the same for an unknown user, a wrong PIN and an account that waits; only
a terminal's own wait is said (it tells nothing about any account). The counts are
kept where they cannot be quietly reset: the account's in its row, the terminal's
in the audit trail, whose sign-in events name the terminal.
"""

from __future__ import annotations

import json
import os
import socket
from collections.abc import Mapping
from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from ma_tui.core.audit import AuditAction
from ma_tui.data.audit import current_os_user
from ma_tui.data.models.audit import AuditEvent

ACCOUNT_FREE_FAILURES = 4  # the 5th failure in a row starts the account's waits
ACCOUNT_FIRST_WAIT = timedelta(seconds=30)
ACCOUNT_WAIT_MAX = timedelta(minutes=5)
TERMINAL_FREE_FAILURES = 2  # the 3rd failure in a row starts the terminal's waits
TERMINAL_FIRST_WAIT = timedelta(seconds=15)
TERMINAL_WINDOW = timedelta(days=1)  # failures older than this are forgotten

# Outcomes that count against the terminal: a name or PIN was tried and was wrong.
TERMINAL_FAILURES = frozenset({"unknown_user", "wrong_secret", "account_waiting"})


def this_terminal(environ: Mapping[str, str] = os.environ) -> str:
    """Where sign-ins come from: over SSH the client's address, else the OS user and
    host (a new terminal window is the same place: it does not start a new count)."""
    ssh = (environ.get("SSH_CONNECTION") or environ.get("SSH_CLIENT") or "").split()
    if ssh:
        return f"ssh from {ssh[0]}"[:64]
    return f"{current_os_user()}@{socket.gethostname()}"[:64]


def doubling_wait(failures: int, free: int, first: timedelta, most: timedelta) -> timedelta:
    """No wait for the first ``free`` failures; then ``first``, doubling up to ``most``."""
    if failures <= free:
        return timedelta(0)
    doublings = min(failures - free - 1, 20)
    wait: timedelta = first * 2**doublings
    return min(wait, most)


def account_wait(failures: int) -> timedelta:
    """How long an account waits after ``failures`` failed sign-ins in a row."""
    return doubling_wait(failures, ACCOUNT_FREE_FAILURES, ACCOUNT_FIRST_WAIT, ACCOUNT_WAIT_MAX)


def terminal_wait(failures: int, lockout: timedelta) -> timedelta:
    """How long a terminal waits after ``failures`` failed sign-ins in a row there."""
    return doubling_wait(failures, TERMINAL_FREE_FAILURES, TERMINAL_FIRST_WAIT, lockout)


def terminal_failures(
    session: Session, terminal: str, now: datetime
) -> tuple[int, datetime | None]:
    """Failed sign-ins in a row at ``terminal`` (since its last success, within a
    day), and when the last of them was; read from the audit trail."""
    rows = session.exec(
        select(AuditEvent.action, AuditEvent.detail, AuditEvent.at)
        .where(
            col(AuditEvent.at) >= now - TERMINAL_WINDOW,
            col(AuditEvent.action).in_([AuditAction.SIGN_IN, AuditAction.SIGN_IN_FAILED]),
        )
        .order_by(col(AuditEvent.id).desc())
    )
    failures, last = 0, None
    for action, detail, at in rows:
        fields = _detail(detail)
        if fields.get("terminal") != terminal:
            continue
        if action == AuditAction.SIGN_IN:
            break
        if fields.get("outcome") in TERMINAL_FAILURES:
            failures += 1
            last = at if last is None else last
    return failures, last


def _detail(text: str | None) -> dict[str, object]:
    try:
        value = json.loads(text or "{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}
