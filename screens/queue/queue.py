"""Today's queue: who is scheduled, who is waiting and for how long; find and open a patient.

The search field has the focus: typing filters the queue at once (name prefixes
``whit da``, a date of birth ``4/12/68``, or an MRN), the arrows move through the
rows, and Enter opens the highlighted patient. Patients who match but are not on
today's schedule are listed below it and can be started as a walk-in.
"""

from __future__ import annotations

from contextlib import suppress
from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import DataTable, Input, Static

from ma_tui.core.clock import Clock
from ma_tui.core.errors import UserError
from ma_tui.core.transaction import Engine
from ma_tui.immunizations.chart import Observed, due_for, observed, record_reaction
from ma_tui.immunizations.due import DueReport
from ma_tui.immunizations.observation import observation_countdown
from ma_tui.patients.registration import start_walk_in
from ma_tui.patients.search import PatientQuery, parse_search, person_matches
from ma_tui.screens.immunizations.injection import AskScreen, InjectionScreen
from ma_tui.screens.messages import (
    OpenPatient,
    OpenRooms,
    OpenStaffAccounts,
    OpenSterilization,
    OpenWorklist,
)
from ma_tui.screens.queue.break_glass import BreakGlassScreen
from ma_tui.screens.widgets.common import due_text, settle_inputs
from ma_tui.screens.widgets.css import screen_css
from ma_tui.screens.widgets.footer import KeyFooter
from ma_tui.screens.widgets.repaint import measure_now, show_text
from ma_tui.staff.accounts import Staff, StaffRole
from ma_tui.visits.queue import (
    WAIT_WIDTH,
    EncounterStatus,
    OtherPatient,
    QueueEntry,
    other_patients,
    todays_queue,
)
from ma_tui.worklist.work import worklist_counts

REFRESH_SECONDS = 30.0
COUNTDOWN_SECONDS = 1.0  # the observation countdowns on the rows tick each second
# Widths fit 80 columns with the scrollbar: content + 2 of padding per column.
COLUMNS = (
    ("Time", "time", 5),
    ("Patient", "name", 18),
    ("Age", "age", 5),
    ("Sex", "sex", 3),
    ("Status", "status", 18),
    ("Wait", "wait", WAIT_WIDTH),
    ("Room", "room", 6),
    ("Ord", "orders", 3),  # open orders: "2▸" (F7 opens them)
)
STATUS_STYLES = {
    EncounterStatus.ARRIVED: "bold yellow",
    EncounterStatus.READY_FOR_PROVIDER: "bold green",
    EncounterStatus.ROOMING: "cyan",
    EncounterStatus.CHECKED_OUT: "dim",
    EncounterStatus.CANCELLED: "dim strike",
    EncounterStatus.NO_SHOW: "dim strike",
}
OTHER_PATIENTS_LIMIT = 20
SEARCH_MAX = 100  # longer is a paste gone wrong, not a search
SEARCH_PLACEHOLDER = "Search: name (whit da), date of birth (4/12/68) or MRN"


@dataclass
class QueueRead:
    """What one refresh of the queue read."""

    entries: list[QueueEntry]
    observed: dict[int, Observed]
    due: dict[int, DueReport]
    worklist: Text  # the worklist's counts for the title


class QueueScreen(Screen[None]):
    """Today's queue for ``staff`` (None: tests and benchmarks that skip sign-in)."""

    TITLE = "Today's queue"
    CSS = screen_css(__file__, "queue.tcss")
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "open", "Open", id="queue.open", show=True),
        Binding("f2", "walk_in", "Walk-in", id="queue.walk_in"),
        Binding("f3", "worklist", "Worklist", id="queue.worklist"),
        Binding("f4", "rooms", "Rooms", id="queue.rooms"),
        Binding("f5,ctrl+r", "refresh_queue", "Refresh", id="queue.refresh"),
        Binding("f7", "orders", "Orders", id="queue.orders"),
        Binding("f10", "sterilization", "Sterilizer", id="queue.sterilization"),
        Binding("f8", "inject", "Inject", id="queue.inject"),
        Binding("f6", "reaction", "Reaction", id="queue.reaction"),
        Binding("f9", "staff_accounts", "Staff", id="queue.users"),
        Binding("down", "move(1)", "Down", show=False, id="queue.down"),
        Binding("up", "move(-1)", "Up", show=False, id="queue.up"),
        Binding("pagedown", "move(10)", "Page down", show=False, id="queue.page_down"),
        Binding("pageup", "move(-10)", "Page up", show=False, id="queue.page_up"),
    ]

    def __init__(
        self,
        engine: Engine,
        clock: Clock,
        staff: Staff | None = None,
        *,
        cursor_blink: bool = True,
    ) -> None:
        super().__init__()
        self.engine = engine
        self.clock = clock
        self.staff = staff
        self.cursor_blink = cursor_blink
        self.entries: list[QueueEntry] = []
        self.others: dict[int, OtherPatient] = {}  # the rows "Not scheduled", by patient
        self._painted: dict[str, tuple[Text, ...]] = {}  # the table's rows, by key
        self._read_at: datetime | None = None  # when the queue on screen was read
        self._stale_since: datetime | None = None  # the database unreadable since then
        self.observed: dict[int, Observed] = {}  # doses under observation, by visit
        self.due: dict[int, DueReport] = {}  # vaccines due today, by patient
        self._others_for: str | None = None  # the search the database found ``others`` for
        # The search the database is to be asked next (text, query, patients on the
        # queue), and whether one is being asked now.
        self._search_wanted: tuple[str, PatientQuery, set[int]] | None = None
        self._searching = False

    def compose(self) -> ComposeResult:
        yield Static(id="queue-title")
        search = Input(placeholder=SEARCH_PLACEHOLDER, id="search", max_length=SEARCH_MAX)
        search.border_title = "Find a patient"
        search.border_subtitle = "↑↓ move · Enter opens"
        yield search
        table: DataTable[Text] = DataTable(id="queue-table", cursor_type="row", zebra_stripes=True)
        table.can_focus = False  # the search field keeps the keys; arrows move the rows
        yield table
        yield Static(id="queue-empty")
        yield Static(id="queue-due")
        yield KeyFooter()

    def on_mount(self) -> None:
        table = self.query_one("#queue-table", DataTable)
        for label, key, width in COLUMNS:
            table.add_column(label, key=key, width=width)
        # Not read here: its first ScreenResume, which comes next, reads and paints it
        # (a read on mount was thrown away: a screen mounting paints nothing yet).
        self.watch(self.query_one("#search", Input), "value", self._search_changed, init=False)
        self.set_interval(REFRESH_SECONDS, self.refresh_in_background)
        self.set_interval(COUNTDOWN_SECONDS, self._tick)
        settle_inputs(self, cursor_blink=self.cursor_blink)
        self.query_one("#search", Input).focus()

    def on_screen_resume(self) -> None:
        self.refresh_queue()
        search = self.query_one("#search", Input)
        search.focus()
        # A search left from before shows what it found, all selected: the next name
        # typed replaces it instead of running on after it ("parklindq").
        search.call_later(search.select_all)

    # ------------------------------------------------------------- actions

    def action_refresh_queue(self) -> None:
        self.refresh_queue()

    def action_move(self, rows: int) -> None:
        table = self.query_one("#queue-table", DataTable)
        if table.row_count:
            target = min(max(table.cursor_row + rows, 0), table.row_count - 1)
            table.move_cursor(row=target)

    def action_open(self) -> None:
        self._others_now()
        table = self.query_one("#queue-table", DataTable)
        if table.row_count == 0:
            return
        row_key, _ = table.coordinate_to_cell_key(table.cursor_coordinate)
        kind, _, number = (row_key.value or "").partition(":")
        if kind == "encounter":
            self._open_encounter(int(number))
        elif kind == "patient":
            self._offer_walk_in(int(number))

    def action_orders(self) -> None:
        """The highlighted visit's orders: do one, place a standing order, cancel one."""
        from ma_tui.screens.orders.orders import OrdersScreen

        table = self.query_one("#queue-table", DataTable)
        key = _selected_key(table) or ""
        kind, _, number = key.partition(":")
        if kind != "encounter":
            self.notify("Orders belong to a visit: pick a patient on today's queue.")
            return
        screen = OrdersScreen(
            self.engine, self.clock, self.staff, int(number), cursor_blink=self.cursor_blink
        )
        self.app.push_screen(screen)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """F9 (staff accounts) is shown only to a signed-in administrator."""
        if action == "staff_accounts":
            return self.staff is not None and self.staff.role is StaffRole.ADMIN
        if action == "reaction":  # shown only on a row under observation
            return self._highlighted_encounter() in self.observed
        return True

    def action_inject(self) -> None:
        """F8: give an injection (or record one not given) to the highlighted visit's patient."""
        encounter_id = self._highlighted_encounter()
        if encounter_id is None:
            self.notify("Highlight a visit of today's queue first.", severity="warning")
            return
        self.query_one("#search", Input).value = ""
        screen = InjectionScreen(
            self.engine, self.clock, encounter_id, self.staff, cursor_blink=self.cursor_blink
        )
        self.app.push_screen(screen)

    def action_reaction(self) -> None:
        """F6: note a reaction seen after the dose the highlighted patient is observed for."""
        encounter_id = self._highlighted_encounter()
        watched = self.observed.get(encounter_id) if encounter_id is not None else None
        if watched is None:
            self.notify("No dose given in this visit to note a reaction to.", severity="warning")
            return

        def answered(text: str | None) -> None:
            if not text:
                return
            try:
                record_reaction(
                    self.engine,
                    watched.injection_id,
                    text,
                    now=self.clock(),
                    staff_id=self._staff_id(),
                )
            except UserError as exc:
                self.notify(str(exc), severity="warning", markup=False)
                return
            self.notify("Reaction noted: tell the provider now.", severity="warning")
            self.refresh_queue()

        question = f"Reaction after {watched.name}: what is seen?"
        placeholder = "hives, fainting, swelling at the site, short of breath …"
        self.app.push_screen(AskScreen(question, placeholder), answered)

    def _highlighted_encounter(self) -> int | None:
        key = _selected_key(self.query_one("#queue-table", DataTable))
        kind, _, number = (key or "").partition(":")
        return int(number) if kind == "encounter" else None

    def action_staff_accounts(self) -> None:
        self.post_message(OpenStaffAccounts())

    def action_worklist(self) -> None:
        self.post_message(OpenWorklist())

    def action_rooms(self) -> None:
        self.post_message(OpenRooms())

    def action_sterilization(self) -> None:
        self.post_message(OpenSterilization())

    def action_walk_in(self) -> None:
        from ma_tui.screens.queue.walkin import WalkInScreen

        screen = WalkInScreen(
            self.engine, self.clock, self._staff_id(), cursor_blink=self.cursor_blink
        )
        self.app.push_screen(screen, self._after_registration)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_open()

    def _search_changed(self, text: str) -> None:
        """Each key of the search, answered as the text changes (a watcher): the rows
        are in the frame that shows the character, not one frame after it (which
        ``Input.Changed`` would be)."""
        if self.is_mounted:
            self._show()

    # ------------------------------------------------------------- opening

    def _open_encounter(self, encounter_id: int) -> None:
        self.query_one("#search", Input).value = ""
        self.post_message(OpenPatient(encounter_id))

    def _offer_walk_in(self, patient_id: int) -> None:
        patient = self.others.get(patient_id)
        if patient is None:
            return

        def answered(reason: str | None) -> None:
            if not reason:
                return
            try:
                encounter_id = start_walk_in(
                    self.engine,
                    patient_id,
                    reason=reason,
                    now=self.clock(),
                    staff_id=self._staff_id(),
                )
            except UserError as exc:
                self.notify(str(exc), severity="warning", markup=False)
                return
            self._open_encounter(encounter_id)

        self.app.push_screen(
            BreakGlassScreen(
                patient.name, f"Born {patient.birth_date:%m/%d/%Y}: a walk-in visit is started."
            ),
            answered,
        )

    def _after_registration(self, encounter_id: int | None) -> None:
        if encounter_id is not None:
            self._open_encounter(encounter_id)

    def _staff_id(self) -> int | None:
        return self.staff.id if self.staff is not None else None

    # ------------------------------------------------------------- showing

    def refresh_queue(self) -> None:
        """Read and show today's queue now (on start, back from a visit, F5)."""
        now = self.clock()
        try:
            read = self._read(now)
        except UserError as exc:  # the queue as last read stays on screen
            self._unreadable(exc)
            return
        self._paint_queue(read, now)

    def refresh_in_background(self) -> None:
        """The periodic refresh, read in a thread: a database that is busy (a backup's
        lock) or unreachable never holds up a key, and is tried again next time."""
        if self not in self.app.screen_stack:
            return  # built ahead behind the sign-in screen: nothing is read before it
        now = self.clock()

        def read() -> None:
            try:
                found = self._read(now)
            except UserError as exc:
                self.app.call_from_thread(self._unreadable, exc)
                return
            self.app.call_from_thread(self._paint_queue, found, now)

        self.run_worker(read, thread=True, group="queue-read", exclusive=True, exit_on_error=False)

    def _read(self, now: datetime) -> QueueRead:
        """Everything the queue shows, read in one go (on any thread): the visits,
        then what is said beside them, which keeps its last reading if it fails."""
        entries = todays_queue(self.engine, now)
        read = QueueRead(entries, self.observed, self.due, self._worklist_counts(now))
        try:
            read.observed = observed(self.engine, [e.encounter_id for e in entries])
            patients = {e.patient_id: e.birth_date for e in entries}
            read.due = due_for(self.engine, patients, now.date())
        except UserError:
            pass  # the countdowns and due line as last read; the next refresh tries again
        return read

    def _unreadable(self, error: UserError) -> None:
        """Said once in the title (as read at …), not as a toast every refresh."""
        self._stale_since = self._stale_since or self._read_at
        read_at = f"as read at {self._stale_since:%H:%M}" if self._stale_since else "not read"
        self.query_one("#queue-title", Static).update(
            Text.assemble(
                ("Today's queue", "bold"),
                f"   {read_at}  ·  ",
                (f"database unavailable, retrying: {error}", "bold reverse"),
            )
        )

    def _paint_queue(self, read: QueueRead, now: datetime) -> None:
        if not self.is_mounted:
            return
        self.entries, self.observed, self.due = read.entries, read.observed, read.due
        self._read_at, self._stale_since = now, None
        # Painted whole again: the table's render caches (kept per change, up to
        # thousands of lines) are emptied with it, so a day of refreshes and searches
        # does not grow them. Each key of a search changes only what it must.
        table = self.query_one("#queue-table", DataTable)
        selected = _selected_key(table)
        table.clear()
        self._painted.clear()
        self._show(select=selected)
        waiting = sum(entry.is_waiting for entry in self.entries)
        title = Text.assemble(
            ("Today's queue", "bold"),
            f" {now:%a %d %b %Y} · {len(self.entries)} visits · {waiting} waiting",
        )
        title.append_text(read.worklist)
        self.query_one("#queue-title", Static).update(title)

    def _worklist_counts(self, now: datetime) -> Text:
        """`` · worklist 12, 3 OVERDUE`` (the overdue in bold); nothing when empty."""
        try:
            numbers = worklist_counts(self.engine, now, self._staff_id())
        except UserError:
            return Text()
        if not numbers.open:
            return Text()
        counted = Text(f" · worklist {numbers.open}")
        if numbers.overdue:
            counted.append(f", {numbers.overdue} OVERDUE", style="bold")
        return counted

    def _status(self, entry: QueueEntry) -> Text | None:
        """The observation countdown the row shows in place of its status, if any."""
        watched = self.observed.get(entry.encounter_id)
        if watched is None:
            return None
        if watched.reaction:
            return Text("reaction noted", style="bold red")
        countdown = observation_countdown(watched.started_at, watched.minutes, self.clock())
        if countdown.done:
            return Text("obs done", style="green")
        return Text(countdown.text, style="bold magenta")

    def _tick(self) -> None:
        """Each row under observation shows its countdown anew (only those cells)."""
        table = self.query_one("#queue-table", DataTable)
        for entry in self.entries:
            key = f"encounter:{entry.encounter_id}"
            cells = self._painted.get(key)
            if entry.encounter_id not in self.observed or cells is None:
                continue
            new = _queue_cells(entry, self._status(entry))
            if new != cells:
                table.update_cell(key, "status", new[4])
                self._painted[key] = new

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._show_due(event.row_key.value)

    def _show_due(self, key: str | None) -> None:
        """The highlighted patient's vaccines due today, on one line under the table."""
        entry = next((e for e in self.entries if f"encounter:{e.encounter_id}" == key), None)
        self.refresh_bindings()  # F6 (reaction) only on a row under observation
        line = self.query_one("#queue-due", Static)
        if entry is None:
            show_text(line, "", same_size=True)
            return
        text = due_text(self.due.get(entry.patient_id), lead=f"{entry.name}, due: ")
        show_text(line, text, same_size=True)

    def _query(self) -> PatientQuery | None:
        return parse_search(self.query_one("#search", Input).value, self.clock().date())

    def _show(self, *, select: str | None = None) -> None:
        """The rows the search finds; the cursor on ``select`` if shown, else the first.

        Answered at once from what was already read: today's queue, and the patients
        off it that the last search found and that still match. The database is asked
        for the others behind it (``_search_others``): the rows it adds are painted
        when it answers, if the search is still the same.
        """
        query = self._query()
        entries = self._todays_matches(query)
        on_schedule = {entry.patient_id for entry in entries}
        others = [
            patient
            for patient in self.others.values()
            if query is not None
            and patient.patient_id not in on_schedule
            and person_matches(query, patient)
        ]
        self._show_rows(entries, others, select=select, pending=query is not None)
        self._others_for = None
        if query is not None:
            self._search_others(self._search_text(), query, on_schedule)

    def _todays_matches(self, query: PatientQuery | None) -> list[QueueEntry]:
        """Today's visits the search finds (all of them with no search)."""
        return [entry for entry in self.entries if query is None or person_matches(query, entry)]

    def _find_others(
        self, query: PatientQuery, on_schedule: set[int], now: datetime
    ) -> list[OtherPatient]:
        """The patients off today's queue ``query`` finds (``UserError`` if unreadable)."""
        return other_patients(
            self.engine, query, now, shown=on_schedule, limit=OTHER_PATIENTS_LIMIT
        )

    def _search_text(self) -> str:
        return self.query_one("#search", Input).value

    @property
    def searching(self) -> bool:
        """The database is being asked (or about to be) for the search's other patients."""
        return self._searching

    def _search_others(self, text: str, query: PatientQuery, on_schedule: set[int]) -> None:
        """Ask the database for the patients off today's queue that ``query`` finds,
        on a thread, once this key's answer is on screen; one search at a time, the
        last one asked for next (the keys typed meanwhile have changed it)."""
        self._search_wanted = (text, query, on_schedule)
        if not self._searching:
            self._searching = True
            self.call_after_refresh(self._start_search)

    def _start_search(self) -> None:
        wanted, self._search_wanted = self._search_wanted, None
        if wanted is None or not self.is_attached:
            self._searching = False
            return
        text, query, on_schedule = wanted
        now = self.clock()

        def search() -> None:
            found: list[OtherPatient] | None = None
            try:
                found = self._read_others(query, on_schedule, now)
            finally:  # always answered: the next search waits for this one
                with suppress(RuntimeError):  # the app has closed meanwhile
                    self.app.call_from_thread(self._others_found, text, found)

        self.run_worker(search, thread=True, group="queue-search", exit_on_error=False)

    def _read_others(
        self, query: PatientQuery, on_schedule: set[int], now: datetime
    ) -> list[OtherPatient] | None:
        """The patients off the queue ``query`` finds; None (said) if it cannot be read."""
        try:
            return self._find_others(query, on_schedule, now)
        except UserError as exc:
            with suppress(RuntimeError):
                self.app.call_from_thread(self.notify, str(exc), severity="warning", markup=False)
            return None

    def _others_found(self, text: str, found: list[OtherPatient] | None) -> None:
        """The database's answer to the search ``text``: painted if it is still the search."""
        if self._search_wanted is not None:
            self._start_search()  # a later key asked again: its answer is the one shown
        else:
            self._searching = False
        if not self.is_attached or text != self._search_text():
            return
        if found is None:  # unreadable (said): what was found before, still matching
            self._show_others(list(self.others.values()))
            return
        self._others_for = text
        self._show_others(found)

    def _show_others(self, others: list[OtherPatient]) -> None:
        """Today's rows as shown, then ``others``; the cursor stays on its patient."""
        entries = self._todays_matches(self._query())
        table = self.query_one("#queue-table", DataTable)
        self._show_rows(entries, others, select=_selected_key(table))

    def _show_rows(
        self,
        entries: list[QueueEntry],
        others: list[OtherPatient],
        *,
        select: str | None,
        pending: bool = False,
    ) -> None:
        """``pending``: the database may still find more (no "No patient matches" yet)."""
        query = self._query()
        table = self.query_one("#queue-table", DataTable)
        self.others = {patient.patient_id: patient for patient in others}
        self._paint(
            table,
            [
                *(
                    (f"encounter:{entry.encounter_id}", _queue_cells(entry, self._status(entry)))
                    for entry in entries
                ),
                *((f"patient:{patient.patient_id}", _other_cells(patient)) for patient in others),
            ],
        )
        measure_now(table)
        self._show_empty(bool(entries or others), searching=query is not None, pending=pending)
        if select is not None and select in table.rows:
            table.move_cursor(row=table.get_row_index(select))
        elif table.row_count:
            table.move_cursor(row=0)
        self._show_due(_selected_key(table))

    def _paint(self, table: DataTable[Text], rows: list[tuple[str, tuple[Text, ...]]]) -> None:
        """Show ``rows`` (key, cells) in order, changing only the rows that differ.

        A key typed in the search usually drops a few rows or brings some back: those
        are removed or added, the rest stay as painted (not the whole table cleared
        and filled again on every key).
        """
        painted = self._painted
        wanted = dict(rows)
        for key in [key for key in painted if key not in wanted]:
            table.remove_row(key)
            del painted[key]
        # Rows are only ever appended: from the first one out of place, add again.
        order = [key for key, _ in rows]
        shown = list(painted)
        first = next(
            (i for i, (have, want) in enumerate(zip(shown, order, strict=False)) if have != want),
            min(len(shown), len(order)),
        )
        for key in shown[first:]:
            table.remove_row(key)
            del painted[key]
        for key, cells in rows:
            before = painted.get(key)
            if before is None:
                table.add_row(*cells, key=key)
            elif before != cells:
                for (_, column, _), old, new in zip(COLUMNS, before, cells, strict=True):
                    if old != new:
                        table.update_cell(key, column, new)
            painted[key] = cells

    def _others_now(self) -> None:
        """Enter before the database answered the search: its answer first, waited for,
        so that Enter opens the row the whole search finds."""
        text, query = self._search_text(), self._query()
        if query is None or self._others_for == text:
            return
        on_schedule = {entry.patient_id for entry in self._todays_matches(query)}
        try:
            found = self._find_others(query, on_schedule, self.clock())
        except UserError as exc:
            self.notify(str(exc), severity="warning", markup=False)
            return
        self._others_for = text
        self._show_others(found)

    def _show_empty(self, any_rows: bool, *, searching: bool, pending: bool = False) -> None:
        empty = self.query_one("#queue-empty", Static)
        if pending:
            message = ""  # the database has not answered yet: no "no match" to flash
        elif searching:
            message = "No patient matches. F2 registers a walk-in."
        else:
            message = "No visits are scheduled today. F2 registers a walk-in."
        show_text(empty, "" if any_rows else message, same_size=True)
        empty.display = not any_rows
        self.query_one("#queue-table", DataTable).display = any_rows


def _other_cells(patient: OtherPatient) -> tuple[Text, ...]:
    return (
        Text("—"),
        Text(patient.name),
        Text(patient.age),
        Text(patient.sex),
        Text("Not scheduled", style="italic"),
        Text(""),
        Text(""),
        Text(""),
    )


def _queue_cells(entry: QueueEntry, status: Text | None = None) -> tuple[Text, ...]:
    style = STATUS_STYLES.get(entry.status, "")
    # Text, not str: a name with [brackets] must not be read as markup.
    return (
        Text(entry.time),
        Text(entry.name),
        Text(entry.age),
        Text(entry.sex),
        status or Text(entry.status.label, style=style),
        Text(entry.wait, style=style),
        Text(entry.room),
        _orders_cell(entry.open_orders),
    )


def _orders_cell(count: int) -> Text:
    """``2▸``: a count and a mark, so the cell says it without its colour."""
    return Text(f"{count}▸", style="bold magenta") if count else Text("")


def _selected_key(table: DataTable[Text]) -> str | None:
    if table.row_count == 0:
        return None
    row_key, _ = table.coordinate_to_cell_key(table.cursor_coordinate)
    return row_key.value
