"""The worklist: refills, referrals, prior authorizations and follow-ups, soonest due first.

Opened with F3 from the queue. The table shows every open item (``f`` steps through
the filters: mine, unclaimed, overdue, one kind); an overdue item says OVERDUE in
its due column, in bold, not only in red. Below the table, the highlighted item:
whether a refill meets the protocol or why not, a referral's 7/14-day alert, a
prior authorization's units bar and warnings, a follow-up's window, and the last
lines of its history. Every change is a use case of ``ma_tui.worklist.work``; a
refusal is shown as the domain words it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import DataTable, Static

from ma_tui.core.clock import Clock
from ma_tui.core.errors import Conflict, UserError
from ma_tui.core.transaction import Engine
from ma_tui.screens.widgets.ask import AskScreen, PickScreen
from ma_tui.screens.widgets.confirm import ConfirmScreen
from ma_tui.screens.widgets.css import screen_css
from ma_tui.screens.widgets.footer import KeyFooter
from ma_tui.worklist import work
from ma_tui.worklist.followup import HARD_PROBLEMS, FollowUp
from ma_tui.worklist.items import ItemType, WorkItem, counts, header_text, is_overdue, select
from ma_tui.worklist.prior_auth import PriorAuth, has_units, use_done, use_question
from ma_tui.worklist.refills import ProtocolCheck, RefillRequest
from ma_tui.worklist.typed import DAY_FORMS, parse_day, parse_slot
from ma_tui.worklist.view import Filter, detail_lines, filters, row_cells

# Widths fit 80 columns with the scrollbar: content + 2 of padding per column.
COLUMNS = (
    ("Due", "due", 14),
    ("Type", "type", 10),
    ("Patient", "patient", 17),
    ("Status", "status", 13),
    ("Owner", "owner", 12),
)
PROPOSED_SLOTS = 5


class WorklistScreen(Screen[None]):
    """The clinic's open work; ``staff_id`` None (tests without sign-in) may only look."""

    TITLE = "Worklist"
    CSS = screen_css(__file__, "worklist.tcss")
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("c", "claim", "Claim", id="worklist.claim"),
        Binding("p", "to_provider", "To provider", id="worklist.to_provider"),
        Binding("x", "close_item", "Close", id="worklist.close"),
        Binding("f", "next_filter", "Filter", id="worklist.filter"),
        Binding("a", "decide(True)", "Approve", id="worklist.approve"),
        Binding("d", "decide(False)", "Deny", id="worklist.deny"),
        Binding("s", "sent", "Sent", id="worklist.sent", show=False),
        Binding("t", "appointment", "Appointment date", id="worklist.appointment", show=False),
        Binding("n", "consult_note", "Consult note back", id="worklist.consult_note", show=False),
        Binding("u", "use_unit", "Unit used", id="worklist.use_unit", show=False),
        Binding("k", "book", "Book follow-up", id="worklist.book", show=False),
        Binding("b", "hand_back", "Hand back", id="worklist.hand_back", show=False),
        Binding("escape", "back", "Back", id="worklist.back"),
    ]

    def __init__(self, engine: Engine, clock: Clock, staff_id: int | None) -> None:
        super().__init__()
        self.engine = engine
        self.clock = clock
        self.staff_id = staff_id
        self.filters: tuple[Filter, ...] = filters(staff_id)
        self.filter_at = 0
        self.items: list[WorkItem[Any]] = []
        self.shown: dict[str, WorkItem[Any]] = {}
        self._checks: dict[int, ProtocolCheck] = {}

    def compose(self) -> ComposeResult:
        yield Static(id="worklist-title")
        table: DataTable[Text] = DataTable(id="worklist-table", cursor_type="row")
        for label, key, width in COLUMNS:
            table.add_column(label, key=key, width=width)
        yield table
        yield Static(id="worklist-detail", markup=False)
        yield KeyFooter()

    def on_mount(self) -> None:
        self.reload()
        self.query_one("#worklist-table", DataTable).focus()

    # ------------------------------------------------------------- showing

    def reload(self, keep: int | None = None) -> None:
        try:
            self.items = work.open_items(self.engine)
        except UserError as exc:
            self.notify(str(exc), severity="warning", markup=False)
            return
        self._checks.clear()
        self._paint(keep)

    def _paint(self, keep: int | None = None) -> None:
        now = self.clock()
        chosen = self.filters[self.filter_at]
        table: DataTable[Text] = self.query_one("#worklist-table", DataTable)
        keep = keep if keep is not None else self._item_id()
        table.clear()
        self.shown = {}
        for item in select(self.items, chosen.wanted, now):
            key = str(item.item_id)
            self.shown[key] = item
            late = is_overdue(item, now)
            cells = row_cells(item, now)
            table.add_row(
                Text(cells[0], style="bold red" if late else ""),
                *(Text(cell) for cell in cells[1:]),
                key=key,
            )
        if keep is not None and str(keep) in self.shown:
            table.move_cursor(row=table.get_row_index(str(keep)))
        me = None
        if self.staff_id is not None:
            me = next(
                (i.owner for i in self.items if i.owner and i.owner.staff_id == self.staff_id), None
            )
        numbers = counts(self.items, now, me)
        self.query_one("#worklist-title", Static).update(
            Text.assemble(
                (header_text(numbers), "bold"),
                f"   showing: {chosen.name} ({len(self.shown)})   f: next filter",
            )
        )
        self._show_detail()

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._show_detail()

    def _show_detail(self) -> None:
        item = self._item()
        panel = self.query_one("#worklist-detail", Static)
        if item is None:
            panel.update("Nothing here. f: another filter · Esc: back to the queue")
            return
        panel.update("\n".join(detail_lines(item, self.clock(), self._check(item))))

    def _check(self, item: WorkItem[Any]) -> ProtocolCheck | None:
        if not isinstance(item.details, RefillRequest) or item.item_id is None:
            return None
        if item.item_id not in self._checks:
            try:
                self._checks[item.item_id] = work.refill_check(
                    self.engine, item, self.clock().date()
                )
            except UserError:
                return None
        return self._checks[item.item_id]

    def _item(self) -> WorkItem[Any] | None:
        table = self.query_one("#worklist-table", DataTable)
        if table.row_count == 0:
            return None
        row_key, _ = table.coordinate_to_cell_key(table.cursor_coordinate)
        return self.shown.get(row_key.value or "")

    def _item_id(self) -> int | None:
        item = self._item()
        return item.item_id if item is not None else None

    # ------------------------------------------------------------- doing

    def _do(self, change: Callable[[work.Move, int], object]) -> None:
        """Run ``change`` on the highlighted item as the signed-in staff member."""
        item_id = self._item_id()
        if item_id is None:
            return
        if self.staff_id is None:
            self.notify("Sign in to change the worklist.", severity="warning")
            return
        try:
            change(work.Move(self.engine, self.staff_id, self.clock()), item_id)
        except UserError as exc:
            self.notify(str(exc), severity="warning", markup=False)
            return
        self.reload(keep=item_id)

    def action_next_filter(self) -> None:
        self.filter_at = (self.filter_at + 1) % len(self.filters)
        self._paint()

    def action_claim(self) -> None:
        item = self._item()
        if item is None or self.staff_id is None or item.owner is None:
            self._do(work.claim_item)
            return
        if item.owner.staff_id == self.staff_id:
            self.notify("It is yours already.")
            return

        def answered(yes: bool | None) -> None:
            if yes:
                self._do(lambda move, item_id: work.claim_item(move, item_id, take_over=True))

        self.app.push_screen(ConfirmScreen(f"{item.owner.name} has it. Take it over?"), answered)

    def action_to_provider(self) -> None:
        item = self._item()
        if item is None:
            return
        try:
            doctors = work.providers(self.engine)
        except UserError as exc:
            self.notify(str(exc), severity="warning", markup=False)
            return
        check = self._check(item)
        note = check.summary if check is not None else ""

        def picked(choice: str | None) -> None:
            if choice is not None:
                self._do(lambda m, i: work.hand_item_to_provider(m, i, int(choice), note))

        choices = [(str(d.staff_id), d.name) for d in doctors]
        self.app.push_screen(PickScreen("Hand it to which provider?", choices, note), picked)

    def action_hand_back(self) -> None:
        self._do(work.hand_item_back)

    def action_close_item(self) -> None:
        self._do(work.close_item)

    def action_decide(self, approved: bool) -> None:
        item = self._item()
        if item is None or item.type is not ItemType.REFILL:
            self.notify("Approve and deny are for refills.", severity="warning")
            return
        if approved:
            self._do(lambda m, i: work.decide_refill(m, i, approved=True))
            return

        def answered(reason: str | None) -> None:
            if reason:
                self._do(lambda m, i: work.decide_refill(m, i, approved=False, note=reason))

        self.app.push_screen(
            AskScreen("Why is the refill denied?", hint="The pharmacy is told."), answered
        )

    def _ask_day(self, question: str, then: Callable[[work.Move, int, date], object]) -> None:
        today = self.clock().date()

        def answered(text: str | None) -> None:
            if text:
                day = parse_day(text, today)
                self._do(lambda m, i: then(m, i, day))

        self.app.push_screen(
            AskScreen(question, hint=DAY_FORMS, value="today", check=lambda t: parse_day(t, today)),
            answered,
        )

    def action_sent(self) -> None:
        def sent(move: work.Move, item_id: int, day: date) -> object:
            return work.record_referral_sent(
                move, item_id, ("referral letter", "last office note"), day
            )

        self._ask_day("Referral letter and last office note sent on which day?", sent)

    def action_appointment(self) -> None:
        self._ask_day(
            "The specialist's appointment is on which day?", work.record_referral_appointment
        )

    def action_consult_note(self) -> None:
        self._ask_day("The consult note came back on which day?", work.record_consult_note)

    def action_use_unit(self) -> None:
        """Counted only once confirmed: who, which service and the count after, then a toast."""
        item = self._item()
        if item is None or not isinstance(item.details, PriorAuth) or not has_units(item):
            self._do(lambda m, i: work.record_auth_use(m, i, m.at.date()))  # the domain refuses
            return
        name = item.patient.name
        done: list[WorkItem[Any]] = []

        def use(move: work.Move, item_id: int) -> object:
            done.append(work.record_auth_use(move, item_id, move.at.date()))
            return done[-1]

        def answered(yes: bool | None) -> None:
            if not yes:
                return
            self._do(use)
            if done:
                self.notify(use_done(name, done[-1].details), markup=False)

        self.app.push_screen(ConfirmScreen(use_question(name, item.details)), answered)

    def action_book(self) -> None:
        """The first free slots in the window, or a time typed with its conflicts shown."""
        item = self._item()
        if item is None or not isinstance(item.details, FollowUp):
            self.notify("Booking is for follow-ups.", severity="warning")
            return
        follow_up: FollowUp = item.details
        now = self.clock()
        tz = now.tzinfo
        assert tz is not None
        try:
            slots = work.proposed_slots(self.engine, follow_up, now, PROPOSED_SLOTS)
        except UserError as exc:
            self.notify(str(exc), severity="warning", markup=False)
            return

        def refused(text: str) -> None:
            start = parse_slot(text, now.date(), tz)
            problems = work.slot_problems(self.engine, follow_up, start, now)
            hard = [p.text for p in problems if p.kind in HARD_PROBLEMS]
            if hard:
                raise Conflict("; ".join(hard))

        def typed(text: str | None) -> None:
            if not text:
                return
            start = parse_slot(text, now.date(), tz)
            if follow_up.window.holds(start.astimezone(tz).date()):
                self._book(start, outside_window_ok=False)
                return
            self.app.push_screen(
                ConfirmScreen(
                    "Outside the window the provider asked for. Book it anyway?",
                    f"{follow_up.request!r}: {follow_up.window.text}",
                ),
                lambda yes: self._book(start, outside_window_ok=True) if yes else None,
            )

        def picked(choice: str | None) -> None:
            if choice == "typed":
                ask = AskScreen("Book at (day and time)?", hint="e.g. 12/10 10:30", check=refused)
                self.app.push_screen(ask, typed)
            elif choice is not None:
                self._book(slots[int(choice)].start, outside_window_ok=False)

        choices = [
            (str(n), f"{slot.start.astimezone(tz):%a %m/%d %H:%M}  free")
            for n, slot in enumerate(slots)
        ]
        choices.append(("typed", "another time… (its conflicts are shown)"))
        question = f"Book {item.patient.name} with {follow_up.provider_name}"
        hint = f"{follow_up.request!r}: {follow_up.window.text}"
        self.app.push_screen(PickScreen(question, choices, hint), picked)

    def _book(self, start: datetime, *, outside_window_ok: bool) -> None:
        self._do(lambda m, i: work.book_follow_up(m, i, start, outside_window_ok=outside_window_ok))

    def action_back(self) -> None:
        self.dismiss()
