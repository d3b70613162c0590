"""The visit's writer thread: writes in order, and holds nothing once idle.

Found by the memory benchmark: each visit's writer thread waited for its next write
forever, keeping its last job, and with it the visit, its draft and chart, alive: a
thread and a visit more for every patient of the day.
"""

from __future__ import annotations

import gc
import time
import weakref
from functools import partial

import pytest

from ma_tui.screens.visit.saving import Writer, wait_briefly


class Visit:
    """Stands for what a job holds: the visit on screen."""


def test_writes_run_in_the_order_asked() -> None:
    writer = Writer(idle_seconds=0.05)
    done: list[int] = []
    futures = [writer.submit(partial(done.append, n)) for n in range(20)]
    assert all(wait_briefly(future, 2.0) for future in futures)
    assert done == list(range(20))


def test_an_idle_writer_ends_its_thread_and_keeps_nothing_of_the_last_job() -> None:
    writer = Writer(idle_seconds=0.05)
    visit = Visit()
    gone = weakref.ref(visit)
    assert wait_briefly(writer.submit(partial(id, visit)), 2.0)
    del visit
    deadline = time.monotonic() + 2.0
    while writer.running and time.monotonic() < deadline:
        time.sleep(0.01)
    assert not writer.running
    gc.collect()
    assert gone() is None
    # The next write starts a thread again.
    assert wait_briefly(writer.submit(lambda: 42), 2.0)


def test_a_failed_write_is_raised_where_it_is_waited_for() -> None:
    writer = Writer(idle_seconds=0.05)

    def fail() -> None:
        raise OSError("disk full")

    future = writer.submit(fail)
    with pytest.raises(OSError, match="disk full"):
        wait_briefly(future, 2.0)
