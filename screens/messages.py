"""Typed messages the screens send up to the app (attributes down, messages up).

A screen never reaches into the app (no ``getattr(self.app, ...)``): it posts one of
these and the app, which owns navigation, handles it with ``@on``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.message import Message

if TYPE_CHECKING:
    from ma_tui.screens.visit.visit import Visit


class AppRequest(Message):
    """A request for the app to act (open, move, close). None is acted on while the
    terminal is locked or nobody has signed in (``MaTuiApp.check_message_enabled``)."""


class OpenPatient(AppRequest):
    """Open (start or resume rooming) a visit of today's queue."""

    def __init__(self, encounter_id: int) -> None:
        super().__init__()
        self.encounter_id = encounter_id


class GoToStep(AppRequest):
    """Show another step of the visit on screen; its draft is already saved."""

    def __init__(self, step: str) -> None:
        super().__init__()
        self.step = step


class VisitClosed(AppRequest):
    """The visit on screen was signed (or left): back to the queue."""


class OpenStaffAccounts(AppRequest):
    """An administrator asked for the staff accounts screen (F9 on the queue)."""


class OpenWorklist(AppRequest):
    """The worklist: refills, referrals, prior authorizations, follow-ups (F6 on the queue)."""


class OpenRooms(AppRequest):
    """The room board (F7 on the queue)."""


class OpenSterilization(AppRequest):
    """The sterilization log (F8 on the queue)."""


class ReloadVisit(Message):
    """Another terminal saved the visit on screen: show the stored draft at ``step``."""

    def __init__(self, encounter_id: int, step: str) -> None:
        super().__init__()
        self.encounter_id = encounter_id
        self.step = step


class DatabaseWait(Message):
    """A write of ``visit`` waits for the database (``failed``: it could not be made):
    the app shows so, and writes the draft again until it goes through."""

    def __init__(self, visit: Visit, *, failed: bool = False) -> None:
        super().__init__()
        self.visit = visit
        self.failed = failed
