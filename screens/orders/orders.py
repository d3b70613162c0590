"""A visit's orders: what is still to do, and who ordered it.

Opened from the queue with F7 on a visit. Enter does the highlighted order (a
point-of-care test opens its entry screen; a medication or vaccine is given from
the injection screen); ``s`` places one of the clinic's standing orders, ``n`` (a
provider only) orders a test or product from the catalogs, ``x`` cancels an open
order with a reason, F4 records today's quality control of the highlighted test,
``i`` shows the vaccine and medication shelf.

Under the table, the results of the highlighted test as stored; ``e`` marks its
result entered in error, with the reason asked for (the result is kept, shown
struck through, and the order is to do again).
"""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import DataTable, Static
from textual.widgets.option_list import Option

from ma_tui.core.clock import Clock
from ma_tui.core.errors import UserError
from ma_tui.core.transaction import Engine
from ma_tui.labs.corrections import ResultLine, mark_in_error, visit_results
from ma_tui.labs.kits import QcOutcome
from ma_tui.labs.shelf import record_qc
from ma_tui.orders.items import OrderItem, orderable_items, standing_protocols
from ma_tui.orders.orders import (
    OrderKind,
    OrderStatus,
    OrderView,
    cancel_order,
    place_orders,
    place_standing_order,
    standing_choices,
    visit_orders,
)
from ma_tui.orders.standing import audience
from ma_tui.screens.orders.banner import show_visit_banner
from ma_tui.screens.orders.supplies import QcScreen, ReasonScreen
from ma_tui.screens.widgets.common import PatientBanner, PickList
from ma_tui.screens.widgets.css import screen_css
from ma_tui.screens.widgets.footer import KeyFooter
from ma_tui.staff.accounts import Staff, StaffRole

KIND_LABEL = {OrderKind.TEST: "Test", OrderKind.MEDICATION: "Med", OrderKind.VACCINE: "Vaccine"}
STATUS_TEXT = {
    OrderStatus.OPEN: ("▸ to do", "bold magenta"),
    OrderStatus.DONE: ("✓ done", "green"),
    OrderStatus.CANCELLED: ("✗ cancelled", "dim"),
}
# Widths fit 80 columns with the scrollbar: content + 2 of padding per column.
COLUMNS = (("Kind", 7), ("Order", 34), ("Ordered by", 20), ("Status", 11))


class OrdersScreen(Screen[None]):
    TITLE = "Orders"
    AUTO_FOCUS = ""  # nothing focused: the screen's keys act (the pick list only when open)
    CSS = screen_css(__file__, "orders.tcss")
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "do_order", "Do it", id="orders.do"),
        Binding("s", "standing", "Standing", id="orders.standing"),
        Binding("n", "new_order", "Order", id="orders.new"),
        Binding("x", "cancel_order", "Cancel", id="orders.cancel"),
        Binding("e", "in_error", "In error", id="orders.in_error"),
        Binding("f4", "qc", "QC", id="orders.qc"),
        Binding("i", "shelf", "Shelf", id="orders.shelf"),
        Binding("escape", "back", "Queue", id="orders.back"),
        Binding("down", "move(1)", "Down", show=False, id="orders.down"),
        Binding("up", "move(-1)", "Up", show=False, id="orders.up"),
    ]

    def __init__(
        self,
        engine: Engine,
        clock: Clock,
        staff: Staff | None,
        encounter_id: int,
        *,
        cursor_blink: bool = True,
    ) -> None:
        super().__init__()
        self.engine = engine
        self.clock = clock
        self.staff = staff
        self.encounter_id = encounter_id
        self.cursor_blink = cursor_blink
        self.orders: list[OrderView] = []
        self.results: list[ResultLine] = []
        self._picking: list[OrderItem] = []

    @property
    def staff_id(self) -> int | None:
        return self.staff.id if self.staff is not None else None

    def compose(self) -> ComposeResult:
        yield PatientBanner(id="banner")
        yield Static(id="orders-title")
        table: DataTable[Text] = DataTable(id="orders-table", cursor_type="row")
        table.can_focus = False  # the screen keeps the keys: Enter does, ↑ ↓ move
        yield table
        yield Static(id="orders-empty")
        yield Static(id="orders-results")
        yield PickList(id="orders-pick")
        yield KeyFooter()

    def on_mount(self) -> None:
        table = self.query_one("#orders-table", DataTable)
        for label, width in COLUMNS:
            table.add_column(label, key=label, width=width)
        show_visit_banner(
            self.query_one(PatientBanner), self.engine, self.encounter_id, self.clock().date()
        )
        self.refresh_orders()

    def on_screen_resume(self) -> None:
        self.refresh_orders()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """``n`` (a new order) is a provider's; the rest need an order under the cursor."""
        if action == "new_order":
            return self.staff is not None and self.staff.role is StaffRole.PROVIDER
        if action in ("do_order", "cancel_order"):
            order = self._current()
            return order is not None and order.is_open
        if action == "in_error":
            return self._final_result() is not None
        return True

    # ------------------------------------------------------------ showing

    def refresh_orders(self) -> None:
        try:
            self.orders = visit_orders(self.engine, self.encounter_id)
            self.results = visit_results(self.engine, self.encounter_id)
        except UserError as exc:
            self.notify(str(exc), severity="warning", markup=False)
            return
        table = self.query_one("#orders-table", DataTable)
        row = table.cursor_row
        current = self._current_id(table)
        table.clear()
        for order in self.orders:
            status, style = STATUS_TEXT[order.status]
            table.add_row(
                Text(KIND_LABEL[order.kind]),
                Text(order.display + (f" ({order.instructions})" if order.instructions else "")),
                Text(order.ordered_by),
                Text(status, style=style),
                key=str(order.id),
            )
        if table.row_count:
            # The same order under the cursor, though its status moved it in the list.
            ids = [o.id for o in self.orders]
            row = ids.index(current) if current in ids else min(row, table.row_count - 1)
            table.move_cursor(row=row)
        waiting = sum(order.is_open for order in self.orders)
        self.query_one("#orders-title", Static).update(
            Text.assemble(("Orders", "bold"), f"  ·  {waiting} to do  ·  {len(self.orders)} in all")
        )
        empty = self.query_one("#orders-empty", Static)
        empty.update("" if self.orders else "No orders on this visit. s: a standing order.")
        empty.display = not self.orders
        table.display = bool(self.orders)
        self._show_results()

    def on_data_table_row_highlighted(self) -> None:
        self._show_results()

    def _show_results(self) -> None:
        """The highlighted order's results, newest last; one in error struck through."""
        shown = Text()
        for result in self._results():
            at = result.performed_at.astimezone(self.clock().tzinfo).strftime("%H:%M")
            if shown:
                shown.append("\n")
            if result.in_error:
                shown.append(f"✗ {at} {result.readback}", style="dim strike")
                shown.append(f"  entered in error: {result.error_reason}", style="bold red")
            else:
                shown.append(f"✓ {at} {result.readback}  · lot {result.kit_lot}")
        box = self.query_one("#orders-results", Static)
        box.update(shown)
        box.display = bool(shown)
        self.refresh_bindings()

    def _results(self) -> list[ResultLine]:
        order = self._current()
        return [r for r in self.results if order is not None and r.order_id == order.id]

    def _final_result(self) -> ResultLine | None:
        """The highlighted order's result still standing, if any (the last one)."""
        final = [r for r in self._results() if not r.in_error]
        return final[-1] if final else None

    def action_move(self, rows: int) -> None:
        table = self.query_one("#orders-table", DataTable)
        if table.row_count:
            table.move_cursor(row=min(max(table.cursor_row + rows, 0), table.row_count - 1))

    def _current(self) -> OrderView | None:
        table = self.query_one("#orders-table", DataTable)
        wanted = self._current_id(table)
        return next((o for o in self.orders if o.id == wanted), None)

    @staticmethod
    def _current_id(table: DataTable[Text]) -> int | None:
        if not table.row_count:
            return None
        row_key, _ = table.coordinate_to_cell_key(table.cursor_coordinate)
        return int(row_key.value) if row_key.value is not None else None

    # ------------------------------------------------------------ actions

    def action_back(self) -> None:
        self.dismiss(None)

    def action_do_order(self) -> None:
        order = self._current()
        if order is None or not order.is_open:
            return
        if order.kind is OrderKind.TEST and order.catalog_key is not None:
            from ma_tui.screens.orders.poc import PocScreen

            self.app.push_screen(
                PocScreen(
                    self.engine,
                    self.clock,
                    self.staff_id,
                    self.encounter_id,
                    order.catalog_key,
                    order=order,
                    cursor_blink=self.cursor_blink,
                )
            )
            return
        if order.kind is not OrderKind.TEST:
            from ma_tui.screens.immunizations.injection import InjectionScreen

            self.app.push_screen(
                InjectionScreen(
                    self.engine,
                    self.clock,
                    self.encounter_id,
                    self.staff,
                    order_id=order.id,
                    cursor_blink=self.cursor_blink,
                )
            )
            return
        said = "not a point-of-care test of this clinic: it is done elsewhere"
        self.notify(f"{order.display}: {said}.", markup=False)

    def action_standing(self) -> None:
        """``s``: the clinic's protocols; one not for this patient is shown greyed, with
        whom it is for, and cannot be picked (placing it is refused anyway)."""
        try:
            choices = standing_choices(self.engine, self.encounter_id, self.clock())
        except UserError as exc:
            self.notify(str(exc), severity="warning", markup=False)
            return
        options = []
        for protocol, refused in choices:
            label = Text(protocol.name)
            if refused is not None:
                label.append(f"  (not for this patient: {audience(protocol)})")
                label.stylize("dim")
            options.append(Option(label, id=f"standing:{protocol.key}", disabled=bool(refused)))
        self._open_pick(options)

    def action_new_order(self) -> None:
        self._picking = list(orderable_items())
        self._pick("new", [(str(i), item.display) for i, item in enumerate(self._picking)])

    def _pick(self, kind: str, choices: list[tuple[str, str]]) -> None:
        self._open_pick([Option(Text(label), id=f"{kind}:{key}") for key, label in choices])

    def _open_pick(self, options: list[Option]) -> None:
        pick = self.query_one("#orders-pick", PickList)
        pick.clear_options()
        pick.add_options(options)
        pick.open()

    def on_option_list_option_selected(self, event: PickList.OptionSelected) -> None:
        event.stop()
        pick = self.query_one("#orders-pick", PickList)
        pick.action_close()
        kind, _, key = str(event.option.id).partition(":")
        try:
            if kind == "standing":
                protocol = next(p for p in standing_protocols() if p.key == key)
                placed = place_standing_order(
                    self.engine, self.encounter_id, protocol, by=self._who(), at=self.clock()
                )
            else:
                placed = place_orders(
                    self.engine,
                    self.encounter_id,
                    [self._picking[int(key)]],
                    by=self._who(),
                    at=self.clock(),
                )
        except UserError as exc:
            self.notify(str(exc), severity="warning", markup=False)
            return
        self.notify(f"Ordered: {', '.join(o.display for o in placed)}", markup=False)
        self.refresh_orders()

    def _who(self) -> int:
        if self.staff_id is None:
            raise UserError("Sign in to place an order.")
        return self.staff_id

    def action_cancel_order(self) -> None:
        order = self._current()
        if order is None or not order.is_open:
            return

        def answered(reason: str | None) -> None:
            if reason is None or order is None:
                return
            try:
                cancel_order(self.engine, order.id, reason, by=self._who(), at=self.clock())
            except UserError as exc:
                self.notify(str(exc), severity="warning", markup=False)
            self.refresh_orders()

        self.app.push_screen(ReasonScreen(order.display, cursor_blink=self.cursor_blink), answered)

    def action_in_error(self) -> None:
        """``e``: the highlighted test's result was wrong: mark it, with the reason."""
        result = self._final_result()
        if result is None:
            return

        def answered(reason: str | None) -> None:
            if reason is None or result is None:
                return
            try:
                mark_in_error(self.engine, result.id, reason, by=self._who(), at=self.clock())
            except UserError as exc:
                self.notify(str(exc), severity="warning", markup=False)
                return
            said = f"{result.test_name}: entered in error; the test is to do again."
            self.notify(said, markup=False)
            self.refresh_orders()

        self.app.push_screen(
            ReasonScreen(
                f"{result.test_name}, {result.readback}",
                title="Result entered in error",
                question="Why is it wrong? (wrong patient, misread, typed wrong...)",
                enter_does="mark it in error",
                cursor_blink=self.cursor_blink,
            ),
            answered,
        )

    def action_shelf(self) -> None:
        """``i``: the vaccine and medication lots on the shelf (read only)."""
        from ma_tui.screens.immunizations.inventory import InventoryScreen

        self.app.push_screen(InventoryScreen(self.engine, self.clock))

    def action_qc(self) -> None:
        order = self._current()
        if order is None or order.kind is not OrderKind.TEST or order.catalog_key is None:
            self.notify("Put the cursor on a point-of-care test to record its QC.")
            return
        test_key = order.catalog_key

        def answered(outcome: QcOutcome | None) -> None:
            if outcome is None:
                return
            try:
                state = record_qc(
                    self.engine, test_key, outcome, by=self.staff_id, now=self.clock()
                )
            except UserError as exc:
                self.notify(str(exc), severity="warning", markup=False)
                return
            self.notify(f"QC recorded: {order.display}, today {state.value}", markup=False)

        self.app.push_screen(QcScreen(order.display, None), answered)
