"""A secret given in the environment, taken out of it once read.

The key of an encrypted database (``MA_TUI_DB_KEY``) is read at start and then
removed from the process's environment: no program ma-tui starts inherits it, and
nothing that reads ``os.environ`` later (a crash report, a debugger) finds it. On
Linux the kernel also shows the environment the process started with
(``/proc/PID/environ``, to the same user and to root); the value is overwritten
there too, where the C library lets ma-tui find it. The shell that started ma-tui,
and its history, are the clinic's to keep clean (README, Security).
"""

from __future__ import annotations

import ctypes
import os


def take_from_environment(name: str) -> str | None:
    """The value of ``name`` in this process's environment, which no longer holds it;
    None when it was not there."""
    value = os.environ.get(name)
    if value is None:
        return None
    _overwrite_start_environment(name)
    del os.environ[name]  # also unsetenv(3): gone for every program started from here
    return value


def _overwrite_start_environment(name: str) -> None:
    """Zero the value of ``name`` in the C library's environment, which at start is
    the block the kernel shows as ``/proc/PID/environ``."""
    prefix = name.encode() + b"="
    try:
        environ = ctypes.POINTER(ctypes.c_void_p).in_dll(ctypes.CDLL(None), "environ")
    except (OSError, ValueError, AttributeError):  # no C library ma-tui can look into
        return
    index = 0
    while (address := environ[index]) is not None:
        entry = ctypes.string_at(address)
        if entry.startswith(prefix):
            ctypes.memset(address + len(prefix), 0, len(entry) - len(prefix))
        index += 1
