"""Noticing that the terminal has gone away (a closed window, an SSH drop, tmux killed).

The kernel sends SIGHUP to the terminal's foreground processes when it hangs up, but
not always to ma-tui: started under ``make`` or a shell script, the signal can go to
the process that owns the session and stop there. The terminal itself still says so:
a hung-up terminal polls as ``POLLHUP`` (and reads as end-of-file, or fails with
``EIO``, forever: a reader that does not check spins at full CPU). ``watch_for_hangup``
polls the terminal twice a second in a daemon thread and calls ``on_hangup`` once.
"""

from __future__ import annotations

import os
import select
import threading
from collections.abc import Callable

GONE = select.POLLHUP | select.POLLERR | select.POLLNVAL
POLL_MS = 500


def terminal_gone(fd: int) -> bool:
    """True when ``fd`` (a terminal) has hung up or been closed."""
    poller = select.poll()
    poller.register(fd, 0)  # no events asked: only hang-up and errors are reported
    try:
        return any(mask & GONE for _, mask in poller.poll(0))
    except OSError:
        return True


def watch_for_hangup(
    fd: int, on_hangup: Callable[[], None], *, stop: threading.Event
) -> threading.Thread:
    """A daemon thread that calls ``on_hangup()`` once ``fd`` hangs up, until ``stop``."""

    def watch() -> None:
        poller = select.poll()
        poller.register(fd, 0)
        while not stop.is_set():
            try:
                events = poller.poll(POLL_MS)
            except OSError:
                events = [(fd, select.POLLNVAL)]
            if any(mask & GONE for _, mask in events):
                on_hangup()
                return

    thread = threading.Thread(target=watch, name="ma-tui-hangup", daemon=True)
    thread.start()
    return thread


def exit_after(seconds: float, code: int) -> None:
    """End the process after ``seconds``, whatever it waits for (a database, a tty)."""

    def stop() -> None:
        os._exit(code)

    timer = threading.Timer(seconds, stop)
    timer.daemon = True
    timer.start()
