"""Which terminal holds a visit being roomed, and the version its screen loaded.

A draft belongs to the MA who opened it (``holder``) and, within that MA, to one
terminal: one running ma-tui, named by a session id made when it starts, with its
host and process id for the messages. The same MA signed in on two terminals (two
exam rooms, or an SSH session left open) can therefore never both write one visit:
the second is told which terminal has it.

A terminal says it is alive with a heartbeat (``keep_alive``, every quarter of the
hold time). Its claim ends when it lets go (leaving the visit, quitting, signing),
when it has been silent for ``hold_seconds`` (default two minutes: longer than a
database kept busy for a minute or a network blip, short enough that an MA whose
terminal died on another computer waits little), or at once when its process is gone
on this same host (a crash, a closed window): ma-tui started again resumes at once.

Every save and the sign carry the draft's ``version`` as the screen loaded it; a
save from an older version (another terminal saved in between, after this one's
claim had lapsed) is refused with ``DraftChanged``, and the screen reloads the
stored draft: no save ever writes over work it has not seen.
"""

from __future__ import annotations

import os
import socket
from datetime import datetime, timedelta

from sqlalchemy import update
from sqlalchemy.engine import Engine
from sqlmodel import Session, col

from ma_tui.core.errors import Conflict
from ma_tui.core.transaction import in_transaction
from ma_tui.data.models.visits import RoomingDraft
from ma_tui.visits.draft import VisitDraft
from ma_tui.visits.terminal import HOLD_ENV as HOLD_ENV
from ma_tui.visits.terminal import HOLD_SECONDS as HOLD_SECONDS
from ma_tui.visits.terminal import HOST_MAX as HOST_MAX
from ma_tui.visits.terminal import Terminal as Terminal
from ma_tui.visits.terminal import hold_seconds_from as hold_seconds_from
from ma_tui.visits.terminal import this_terminal as this_terminal


class VisitInUse(Conflict):
    """Another MA, or the same MA on another terminal, is rooming this visit.

    The message reads on after "Cannot room this visit: ", e.g. "being roomed by
    mia on another terminal (exam-pc-3, process 4242) since 09:12", the time in the
    clinic's local time (``now``'s zone).
    """

    def __init__(self, holder: str, since: datetime | None, now: datetime, where: str = "") -> None:
        self.holder = holder
        self.since = since
        when = ""
        if since is not None:
            local = since.astimezone(now.tzinfo)
            same_day = local.date() == now.astimezone(now.tzinfo).date()
            when = f" since {local:%H:%M}" if same_day else f" since {local:%m/%d/%Y %H:%M}"
        super().__init__(f"being roomed by {holder}{where}{when}")


class DraftChanged(Conflict):
    """The stored draft was saved by another terminal after this screen loaded it."""

    def __init__(self, stored: RoomingDraft, now: datetime) -> None:
        self.version = stored.version
        saved = stored.updated_at.astimezone(now.tzinfo)
        super().__init__(
            f"another terminal saved this visit at {saved:%H:%M} after this screen opened "
            "it; its work is on screen now: check it, and enter again what you typed here"
        )


class VisitSigned(Conflict):
    """The visit was signed (on another terminal): its draft is gone for good."""

    def __init__(self) -> None:
        super().__init__(
            "this visit has been signed (on another terminal); nothing more is saved to "
            "its draft: open it from the queue to see it"
        )


def claim_alive(stored: RoomingDraft, now: datetime, hold_seconds: float) -> bool:
    """True while the terminal holding ``stored`` may still be at work on it."""
    if stored.terminal_id is None or stored.heartbeat_at is None:
        return False
    if now - stored.heartbeat_at >= timedelta(seconds=hold_seconds):
        return False
    return not _process_gone(stored.terminal_host, stored.terminal_pid)


def _process_gone(host: str | None, pid: int | None) -> bool:
    """True when the holding process ran on this host and is there no more."""
    if host != socket.gethostname()[:HOST_MAX] or pid is None or pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:  # another user's process: alive
        return False
    return False


def check_hold(stored: RoomingDraft, holder: str, terminal: Terminal, now: datetime) -> None:
    """Refuse a draft held by another MA, or by another terminal still alive."""
    if stored.holder is not None and stored.holder != holder:
        raise VisitInUse(stored.holder, stored.held_since, now)
    if (
        stored.terminal_id not in (None, terminal.id)
        and not _earlier_app_of(stored, terminal)
        and claim_alive(stored, now, terminal.hold_seconds)
    ):
        where = f" on another terminal ({stored.terminal_host}, process {stored.terminal_pid})"
        raise VisitInUse(stored.holder or holder, stored.heartbeat_at, now, where)


def _earlier_app_of(stored: RoomingDraft, terminal: Terminal) -> bool:
    """True when another session of this very process holds the draft: a process runs
    one App at a time, so that App has ended (started again in the same process)."""
    return stored.terminal_host == terminal.host and stored.terminal_pid == terminal.pid


def check_version(stored: RoomingDraft, draft: VisitDraft, now: datetime) -> None:
    """Refuse a draft loaded before the stored one was last saved."""
    if draft.version != stored.version:
        raise DraftChanged(stored, now)


def take_hold(stored: RoomingDraft, holder: str, terminal: Terminal, now: datetime) -> None:
    """``terminal`` holds the draft from now (after ``check_hold``)."""
    if stored.holder is None:
        stored.holder = holder
        stored.held_since = now
    if stored.terminal_id != terminal.id:
        stored.held_since = now
    stored.terminal_id = terminal.id
    stored.terminal_host = terminal.host
    stored.terminal_pid = terminal.pid
    stored.heartbeat_at = now


def keep_alive(engine: Engine, terminal: Terminal, *, now: datetime) -> int:
    """The heartbeat: every draft ``terminal`` holds is held on; how many there are."""
    statement = (
        update(RoomingDraft)
        .where(col(RoomingDraft.terminal_id) == terminal.id)
        .values(heartbeat_at=now)
    )
    return in_transaction(engine, lambda session: _rows(session, statement))


def let_go(engine: Engine, terminal: Terminal, encounter_id: int | None = None) -> None:
    """``terminal`` no longer holds the visit (None: any visit); the MA still owns it,
    so the same MA may resume it on another terminal at once."""
    statement = update(RoomingDraft).where(col(RoomingDraft.terminal_id) == terminal.id)
    if encounter_id is not None:
        statement = statement.where(col(RoomingDraft.encounter_id) == encounter_id)
    statement = statement.values(
        terminal_id=None, terminal_host=None, terminal_pid=None, heartbeat_at=None
    )
    in_transaction(engine, lambda session: _rows(session, statement))


def _rows(session: Session, statement: object) -> int:
    result = session.connection().execute(statement)  # type: ignore[call-overload]
    return int(result.rowcount)
