"""Type-ahead that lands where the MA meant it: keys wait while the screen catches up.

Textual hands each key to whatever has focus at the moment the app reads it. A key
that moves the focus or changes the screen (Enter, Tab, Esc, a function key) takes
effect a little later, through messages; an MA typing ahead (``76⏎16⏎``) would have
the next digits land in the field just left, or be lost while a step's screen is
built. So after such a key, later keys (and pastes) are held, then handed on one
by one, each once the app has settled: in order, to the field they were meant for.
Plain characters go straight on: they only add text where the focus already is,
unless the focus is not a field and the character is one of its commands (``a`` on
the history table opens the add-form: ``atobacco`` must not mark a medication ``t``).
"""

from __future__ import annotations

import asyncio
from collections import deque
from time import monotonic
from typing import Any

from textual import events, on
from textual.app import App
from textual.message_pump import MessagePump
from textual.widget import Widget
from textual.widgets import Input

SETTLE_MAX_SECONDS = 1.0  # never hold keys longer than this for one key
ANSWER_WAIT_SECONDS = 10.0  # nor longer than this for an answer being worked out
# Workers in this group work out the answer to a key (a PIN checked): keys typed on
# wait for it, so the next screen gets them (the queue's search, not the PIN field).
ANSWER_GROUP = "answer"
SETTLE_MAX_ROUNDS = 8  # a screen change takes a few rounds of messages to settle


class KeyGate(App[None]):
    """An App that holds keys typed while it is still reacting to Enter, Tab, Esc..."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._held: deque[events.Event] = deque()
        # Keys that come before the app's first screen is up (a browser tab types
        # while its ma-tui starts) wait for it: released once the app has mounted.
        self._settling = True
        self._replaying: events.Event | None = None
        self._replayed = asyncio.Event()
        self.typed_at = monotonic()  # when the last key or paste came (monotonic seconds)

    @on(events.Mount)
    def _started(self) -> None:
        self._settle()

    async def on_event(self, event: events.Event) -> None:
        if not _typed(event):
            await super().on_event(event)
            return
        self.typed_at = monotonic()
        if event is self._replaying:
            await super().on_event(event)
            self._replayed.set()
            return
        if self._settling:
            self._held.append(event)
            return
        moves = self._moves(event)  # asked before the key acts: it may move the focus
        await super().on_event(event)
        if moves:
            self._settle()

    def _moves(self, event: events.Event) -> bool:
        """Keys that may move the focus or change the screen: all but plain characters,
        and a plain character that is a command where the focus is (``a`` on a table)."""
        if not isinstance(event, events.Key):
            return False
        if not event.is_printable:
            return True
        focused = self.screen.focused if self._screen_stack else None
        if isinstance(focused, Input):
            return False  # a field takes its characters as text
        return event.key in self.screen.active_bindings

    def _settle(self) -> None:
        self._settling = True
        # The method, not a coroutine: one never started at exit would warn "never
        # awaited". (mypy cannot pick between WorkType's callable forms here.)
        self.run_worker(self._release, group="key-gate", exit_on_error=False)  # type: ignore[arg-type]

    async def _release(self) -> None:
        """Wait for the app to settle, then hand on the held keys one at a time."""
        try:
            await self._settled()
            while self._held and self.is_running and self._screen_stack:
                event = self._held.popleft()
                moves = self._moves(event)
                self._replayed.clear()
                self._replaying = event
                self.post_message(event)
                await self._replayed.wait()
                self._replaying = None
                if moves:
                    await self._settled()
        finally:
            self._replaying = None
            self._settling = False
            self._held.clear()  # only left when the app is closing

    async def _settled(self) -> None:
        """Until every message the last key set off has been handled, and no more follow.

        A key can take several hops (the widget, a bubbled binding, a message to
        the screen, a new screen mounting): each round waits for what is queued
        now, until a round ends with nothing left anywhere on the screen.
        """
        for _ in range(SETTLE_MAX_ROUNDS):
            # Only what has something queued (and the app and its screen): a callback
            # to each of a hundred idle widgets is a hundred wake-ups of the loop that
            # is painting the key's answer.
            pumps = self._pumps()
            await self._drained(pumps[:2] + [pump for pump in pumps[2:] if not _idle(pump)])
            answers = [w for w in self.workers if w.group == ANSWER_GROUP and not w.is_finished]
            if answers:
                await asyncio.wait(
                    [asyncio.ensure_future(w.wait()) for w in answers], timeout=ANSWER_WAIT_SECONDS
                )
                continue
            if self._screen_stack and all(_idle(pump) for pump in self._pumps()):
                return

    def _pumps(self) -> list[MessagePump]:
        return [self, *self.screen.walk_children(with_self=True)]

    @staticmethod
    async def _drained(pumps: list[MessagePump]) -> None:
        """Until each of ``pumps`` has handled what was queued to it before now."""
        waiting = [pump for pump in pumps if pump.is_running]
        done = [asyncio.Event() for _ in waiting]
        for pump, event in zip(waiting, done, strict=True):
            if not pump.call_later(event.set):
                event.set()
        waits = [asyncio.ensure_future(event.wait()) for event in done]
        if not waits:
            return
        # A widget that never answers must not hold the keyboard.
        _, late = await asyncio.wait(waits, timeout=SETTLE_MAX_SECONDS)
        for wait in late:
            wait.cancel()


def _idle(pump: MessagePump) -> bool:
    """Mounted, and nothing waiting in its queue (Textual keeps it private; absent: idle).

    A widget of a screen just put up is not idle until it has mounted: until then
    nothing on that screen has the focus, and a key handed on would be lost.
    """
    if isinstance(pump, Widget) and not pump.is_mounted:
        return False
    queue = getattr(pump, "_message_queue", None)
    return not pump.is_running or queue is None or queue.empty()


def _typed(event: events.Event) -> bool:
    """A key or a paste from the terminal (not one Textual forwards internally)."""
    return isinstance(event, events.Key | events.Paste) and not event.is_forwarded
