"""A visit's draft that waits for the database: said once, in place, and written
again until it goes through (``DatabaseWait``, from a step's save).

The screen never waits: the draft stays on screen and in the visit, keys typed on
are kept, and one status line says the database is waited for, then that it is back.
A draft another terminal saved meanwhile is reloaded (``ReloadVisit``), never written
over.
"""

from __future__ import annotations

import threading
from concurrent.futures import Future
from contextlib import suppress
from functools import partial
from typing import TYPE_CHECKING

from textual import on
from textual.notifications import Notification, Notify, SeverityLevel

from ma_tui.core.errors import Conflict, DatabaseUnavailable
from ma_tui.screens.messages import DatabaseWait, ReloadVisit
from ma_tui.screens.opening import OpensBehind

if TYPE_CHECKING:
    from ma_tui.screens.visit.visit import Visit

RETRY_SECONDS = 2.0  # how often a draft that could not be written is tried again
WAITING = "Waiting for the database… (your typing is kept)"
UNAVAILABLE = "Database unavailable — retrying… (your typing is kept)"
BACK = "Database back; saved."


class WaitsForTheDatabase(OpensBehind):
    """The app's part that writes a waiting draft again and says how it stands."""

    _status: Notification | None = None  # the database's state, while not ok
    _leaving: threading.Event  # set once, by the first way out (``MaTuiApp``)

    @on(DatabaseWait)
    def _database_wait(self, message: DatabaseWait) -> None:
        """Show the wait; write the visit's draft again until it goes through."""
        self._show_status(UNAVAILABLE if message.failed else WAITING)
        visit = message.visit
        if message.failed:
            self.set_timer(RETRY_SECONDS, partial(self._retry_save, visit))
        elif visit.pending is not None:
            self._when_written(visit, visit.pending)

    def _retry_save(self, visit: Visit) -> None:
        if visit.signed or self._leaving.is_set():
            return
        self._when_written(visit, visit.save_later())

    def _when_written(self, visit: Visit, future: Future[None]) -> None:
        def done(finished: Future[None]) -> None:
            if self._leaving.is_set():
                return
            if threading.get_ident() == self._thread_id:  # it was already done
                self.call_later(self._written, visit, finished)
                return
            with suppress(RuntimeError):  # the app has already closed
                self.call_from_thread(self._written, visit, finished)

        future.add_done_callback(done)

    def _written(self, visit: Visit, future: Future[None]) -> None:
        from ma_tui.screens.visit.visit import sentence
        from ma_tui.visits.holding import DraftChanged

        error = future.exception()
        if error is None:
            if self._status is not None:
                self._show_status(BACK, severity="information", timeout=6)
                self._status = None
            return
        if isinstance(error, DatabaseUnavailable):
            self._show_status(UNAVAILABLE)
            self.set_timer(RETRY_SECONDS, partial(self._retry_save, visit))
        elif isinstance(error, DraftChanged):
            self.notify(f"Not saved: {sentence(error)}", severity="error", markup=False)
            self.post_message(ReloadVisit(visit.draft.encounter_id, visit.draft.step))
        elif isinstance(error, Conflict):
            self.notify(f"Not saved: {sentence(error)}", severity="error", markup=False)
        elif isinstance(error, Exception):
            self._handle_exception(error)

    def _show_status(
        self, text: str, *, severity: SeverityLevel = "warning", timeout: float = 3600
    ) -> None:
        """The one status line about the database, replaced in place."""
        if self._status is not None:
            self._unnotify(self._status)
        note = Notification(text, "", severity, timeout, markup=False)
        self._status = note
        self.post_message(Notify(note))
