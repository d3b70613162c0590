"""Opening the database behind the sign-in screen (``MaTuiApp.behind_sign_in``).

The command line starts the app with an opening (a function that opens, checks and
migrates the database) instead of an engine: the sign-in screen is painted first,
and the opening runs in a thread behind it, followed by the imports of what comes
after a sign-in, giving way to each key the MA types meanwhile. ``engine`` waits
for it (only the PIN check asks that early); a failure closes the app with its
exit status, and the command line says why.
"""

from __future__ import annotations

import gc
import sys
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from contextlib import suppress
from importlib import import_module
from importlib.abc import MetaPathFinder
from time import monotonic, sleep
from types import ModuleType
from typing import TYPE_CHECKING

from textual import on
from textual.message import Message

from ma_tui.core.exits import Refused
from ma_tui.screens.visit.kept import KeptSteps

if TYPE_CHECKING:
    from ma_tui.core.transaction import Engine

    # What opens the database behind the sign-in screen: the engine and what the
    # start found wrong with the audit trail; ``Refused`` (or any error) ends the app.
    Opening = Callable[[], tuple[Engine, Sequence[str]]]

EXIT_CRASHED = 70  # an unexpected error (EX_SOFTWARE)

# What the app needs after a sign-in, imported behind the sign-in screen (each also
# where it is used: one left out of this list is imported on first use instead).
BEHIND_THE_SIGN_IN = (
    "ma_tui.clinic.settings",
    "ma_tui.staff.signin",
    "ma_tui.staff.preferences",
    "ma_tui.visits.claims",
    "ma_tui.visits.holding",
    "ma_tui.visits.steps",
    "ma_tui.screens.day_work",
    "ma_tui.screens.queue.palette",
    "ma_tui.screens.queue.queue",
    "ma_tui.screens.queue.resume",
    "ma_tui.screens.staff.users",
    "ma_tui.screens.visit.signed",
    "ma_tui.screens.visit.visit",
    "ma_tui.screens.visit.steps",
)

# While the database opens behind the sign-in screen: its thread waits this long
# after each key before it imports on, and Python switches threads this often (the
# default, 5 ms, would have a key wait that long for its turn).
GIVE_WAY_SECONDS = 0.05
OPENING_SWITCH_SECONDS = 0.001


class _GiveWay(MetaPathFinder):
    """An import hook that finds nothing: before each module the opening thread
    imports, it waits until no key has come for ``GIVE_WAY_SECONDS``, so a key typed
    on the sign-in screen while the app loads is answered as fast as one typed later
    (two threads that both want Python take turns, each slowed down)."""

    def __init__(self, app: KeptSteps) -> None:
        self.app = app
        self.thread = threading.get_ident()

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> None:
        if threading.get_ident() != self.thread:
            return
        while (wait := self.app.typed_at + GIVE_WAY_SECONDS - monotonic()) > 0:
            sleep(wait)


class Opened(Message):
    """The database is open behind the sign-in screen (from the opening thread)."""

    def __init__(self, warnings: tuple[str, ...]) -> None:
        super().__init__()
        self.warnings = warnings


class NotOpened(Message):
    """The database could not be opened (from the opening thread): the app closes."""

    def __init__(self, error: BaseException) -> None:
        super().__init__()
        self.error = error


class OpensBehind(KeptSteps):
    """The app's part that holds the database, given or opened behind the sign-in."""

    def await_database(self, engine: Engine | None, opening: Opening | None) -> None:
        """The database given (``engine``), or the ``opening`` that opens it once the
        sign-in screen is painted (``open_behind``)."""
        if (engine is None) == (opening is None):
            raise TypeError("MaTuiApp takes an engine, or an opening (behind_sign_in)")
        self._database: Future[Engine] = Future()
        if engine is not None:
            self._database.set_result(engine)
        self._opening = opening
        self.closed_by_opening = False  # the opening refused, rather than someone quit

    @property
    def opens_behind(self) -> bool:
        """The database is opened behind the sign-in screen, not given."""
        return self._opening is not None

    @property
    def engine(self) -> Engine:
        """The database. Opened behind the sign-in screen (``behind_sign_in``), it is
        waited for: only a worker thread (the PIN check) asks for it that early."""
        return self._database.result()

    def _engine_if_open(self) -> Engine | None:
        """The database if it is open: before that this terminal holds nothing."""
        database = self._database
        if database.done() and database.exception() is None:
            return database.result()
        return None

    def open_behind(self) -> None:
        """After the sign-in screen's first paint: the opening, in its own thread."""
        threading.Thread(target=self._open, name="ma-tui opening", daemon=True).start()

    def _open(self) -> None:
        """In a thread: open the database, then import what comes after a sign-in;
        giving way to each key the MA types meanwhile (``_GiveWay``)."""
        assert self._opening is not None
        give_way = _GiveWay(self)
        switching = sys.getswitchinterval()
        sys.meta_path.insert(0, give_way)
        sys.setswitchinterval(OPENING_SWITCH_SECONDS)
        if self.manage_gc:  # no full collection of half-imported modules while she types
            gc.disable()
        try:
            engine, warnings = self._opening()
            for module in BEHIND_THE_SIGN_IN:
                if not self.is_running:
                    break  # someone quit meanwhile: nothing more is needed
                import_module(module)
        except BaseException as exc:  # the app closes, whatever it was
            self._database.set_exception(exc)
            self._tell(NotOpened(exc))
            return
        finally:
            sys.setswitchinterval(switching)
            sys.meta_path.remove(give_way)
            if self.manage_gc:  # what was imported lives as long as the app (kept.py)
                gc.freeze()
                gc.enable()
        self._database.set_result(engine)
        self._tell(Opened(tuple(warnings)))

    def _tell(self, message: Message) -> None:
        """From the opening thread; nothing if the app has closed meanwhile."""
        with suppress(RuntimeError):  # its event loop already closed
            self.post_message(message)

    @on(Opened)
    def _opened(self, message: Opened) -> None:
        self.database_opened(message.warnings)

    def database_opened(self, warnings: tuple[str, ...]) -> None:
        """The database is open behind the sign-in screen (the app says what follows)."""

    @on(NotOpened)
    def _not_opened(self, message: NotOpened) -> None:
        """The database cannot be used: the app closes, and the command line says why."""
        self.closed_by_opening = True
        if isinstance(message.error, Refused):
            self.exit(return_code=message.error.code)
        elif isinstance(message.error, Exception):
            self._handle_exception(message.error)
        else:  # KeyboardInterrupt, SystemExit: stop as asked
            self.exit(return_code=EXIT_CRASHED)
