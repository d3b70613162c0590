"""This running ma-tui as it holds visits (``ma_tui.visits.claims``): a session id, its
host and process id, and how long its claims last without a heartbeat.

Apart from the claims so that the app can name its terminal before the database and
its models are imported (the sign-in screen is painted first).
"""

from __future__ import annotations

import os
import socket
import uuid
from dataclasses import dataclass, field

HOLD_SECONDS = 120.0
HOLD_ENV = "MA_TUI_HOLD_SECONDS"  # another hold time, in seconds (tests, slow networks)
HOST_MAX = 255  # RoomingDraft.terminal_host


@dataclass(frozen=True)
class Terminal:
    """One running ma-tui: what holds a visit's draft, for ``hold_seconds`` of silence."""

    id: str = field(default_factory=lambda: str(uuid.uuid4()))
    host: str = field(default_factory=lambda: socket.gethostname()[:HOST_MAX])
    pid: int = field(default_factory=os.getpid)
    hold_seconds: float = HOLD_SECONDS

    @property
    def heartbeat_seconds(self) -> float:
        """How often to say this terminal is alive: four beats a hold time."""
        return max(self.hold_seconds / 4, 0.25)


_this: Terminal | None = None


def this_terminal() -> Terminal:
    """This process's terminal, made once (the command line and tests share it)."""
    global _this
    if _this is None:
        _this = Terminal()
    return _this


def hold_seconds_from(environ: dict[str, str] | os._Environ[str]) -> float:
    """``$MA_TUI_HOLD_SECONDS`` when it is a number of seconds from 1 on, else the default."""
    try:
        seconds = float(environ.get(HOLD_ENV, ""))
    except ValueError:
        return HOLD_SECONDS
    return seconds if seconds >= 1 else HOLD_SECONDS
