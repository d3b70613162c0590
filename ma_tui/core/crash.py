"""What an unexpected error leaves behind: an error id and a report with no patient in it.

A bug must never print a patient's name, MRN or complaint on the terminal (and its
scrollback, and tmux's history), and never write one to a file. So the report is
structural, not scrubbed: for each exception of the chain, its type and, per frame,
the module, function and line number; never a message (a driver's message carries the
SQL's parameters, a ``ValueError`` the text that was typed), never a local variable,
never a source line. It is written to ma-tui's log folder (``user_log_path``), the
folder ``0700`` and the file ``0600``, named by the error id the screen shows.
"""

from __future__ import annotations

import os
import platform
import sys
import traceback
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType

from platformdirs import user_log_path

APP_NAME = "ma-tui"
CRASH_DIR_ENV = "MA_TUI_CRASH_DIR"  # another folder for the reports (tests, IT)
MAX_FRAMES = 60  # per exception, the innermost kept: a deep recursion stays readable


@dataclass(frozen=True)
class CrashReport:
    """The error id the MA reads out to IT, and where its report is (None: unwritable)."""

    error_id: str
    path: Path | None

    def message(self) -> str:
        """What the terminal shows: no detail of the error, nothing of the patient."""
        where = f" The report for IT is {self.path}." if self.path else ""
        return (
            f"ma-tui stopped on an unexpected error (error id {self.error_id}). "
            f"What was typed was kept as the visit's draft; start ma-tui again to "
            f"go on.{where}"
        )


def crash_folder(environ: os._Environ[str] | dict[str, str] | None = None) -> Path:
    env = os.environ if environ is None else environ
    chosen = env.get(CRASH_DIR_ENV)
    return Path(chosen) if chosen else user_log_path(APP_NAME, appauthor=False)


def structural_report(error: BaseException) -> str:
    """The error as types and frames only: module, function, line; no values at all."""
    lines: list[str] = []
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        kind = type(current)
        lines.append(f"exception: {kind.__module__}.{kind.__qualname__}")
        lines.extend(_frames(current.__traceback__))
        cause = current.__cause__ or (None if current.__suppress_context__ else current.__context__)
        if cause is not None:
            lines.append("raised while handling or from:")
        current = cause
    return "\n".join(lines)


def _frames(tb: TracebackType | None) -> list[str]:
    frames = traceback.extract_tb(tb)[-MAX_FRAMES:]
    return [
        f"  at {_module_of(frame.filename)}:{frame.name} line {frame.lineno}" for frame in frames
    ]


def _module_of(filename: str) -> str:
    """``ma_tui/visits/holding.py`` for ma-tui's own files, else the file's last two parts
    (no home folder, no user name)."""
    parts = Path(filename).parts
    for anchor in ("ma_tui", "screens", "data", "textual", "sqlalchemy"):
        if anchor in parts:
            index = len(parts) - 1 - parts[::-1].index(anchor)
            return "/".join(parts[index:])
    return "/".join(parts[-2:])


def write_crash_report(
    error: BaseException, *, now: datetime | None = None, folder: Path | None = None
) -> CrashReport:
    """Write the structural report, owner-only; the report's path is None when the
    folder cannot be written (the error id is still shown)."""
    error_id = uuid.uuid4().hex[:8]
    when = now or datetime.now(UTC)
    from ma_tui import __version__

    body = "\n".join(
        [
            f"ma-tui crash report {error_id}",
            f"time (UTC): {when.astimezone(UTC):%Y-%m-%d %H:%M:%S}",
            f"ma-tui {__version__}, Python {platform.python_version()}, {sys.platform}",
            "No messages, values or local variables are kept: only types and frames.",
            "",
            structural_report(error),
            "",
        ]
    )
    target = folder or crash_folder()
    try:
        target.mkdir(parents=True, exist_ok=True, mode=0o700)
        path = target / f"crash-{when.astimezone(UTC):%Y%m%d-%H%M%S}-{error_id}.txt"
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(body)
    except OSError:
        return CrashReport(error_id, None)
    return CrashReport(error_id, path)
