"""Writing a visit's draft without freezing the screen on a busy or absent database.

Every write of a visit (each save, and the sign) runs, in order, on one background
thread of its own. The screen waits for it at most ``WAIT_SECONDS``: a healthy
database answers well within that, and the screen goes on exactly as if the write
had been made in place. Past that, the write goes on in the background, the keys
typed meanwhile are kept (Textual queues them), and the app shows that it waits for
the database (``DatabaseWait``); a write that then fails for want of the database is
tried again until it goes through.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from typing import TypeVar

WAIT_SECONDS = 1.0  # the screen waits this long for a write before showing the wait
IDLE_SECONDS = 5.0  # a writer with nothing to write this long ends its thread

_T = TypeVar("_T")


class Writer:
    """One daemon thread that runs a visit's writes in the order they were asked; it
    ends once idle, and the next write starts another.

    A daemon, so that a write stuck on an absent database never holds the process
    at exit (the exit paths save what they can with their own time limit).
    """

    def __init__(self, idle_seconds: float = IDLE_SECONDS) -> None:
        self.idle_seconds = idle_seconds
        self._jobs: queue.SimpleQueue[tuple[Callable[[], object], Future[object]]] = (
            queue.SimpleQueue()
        )
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def submit(self, job: Callable[[], _T]) -> Future[_T]:
        future: Future[_T] = Future()
        self._jobs.put((job, future))  # type: ignore[arg-type]
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="ma-tui-writer", daemon=True)
                self._thread.start()
        return future

    @property
    def running(self) -> bool:
        """A thread is up (writing, or waiting a moment for the next write)."""
        with self._lock:
            return self._thread is not None

    def _run(self) -> None:
        while True:
            try:
                job, future = self._jobs.get(timeout=self.idle_seconds)
            except queue.Empty:
                with self._lock:  # ``submit`` starts another if a job comes after this
                    if self._jobs.empty():
                        self._thread = None
                        return
                continue
            if future.set_running_or_notify_cancel():
                try:
                    future.set_result(job())
                except BaseException as exc:  # handed to whoever waits on the future
                    future.set_exception(exc)
            # Not kept while waiting for the next: the job holds the visit, its draft
            # and its chart, and an idle thread kept each visit of the day alive.
            del job, future


def wait_briefly(future: Future[_T], seconds: float = WAIT_SECONDS) -> bool:
    """True once ``future`` is done within ``seconds`` (its error raised here); False
    while it still runs."""
    try:
        future.result(timeout=seconds)
    except FutureTimeout:
        return False
    return True
