"""The shelf of vaccines and in-office medications, read only.

Each lot with its product, lot number, expiry, doses on hand and who paid for it
(VFC, private or other public stock), by product name, the soonest to expire first.
A lot past its expiry says ``✗ EXPIRED``, one with no doses ``✗ EMPTY`` and one at or
under the low mark ``! LOW``, in words, not by colour alone; the title counts them.
Opened with F6 on the injection screen and ``i`` on a visit's orders; Esc goes back.
Lots are put on the shelf by the clinic (``add_lot``), not here.
"""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import DataTable, Static

from ma_tui.core.clock import Clock
from ma_tui.core.errors import UserError
from ma_tui.core.transaction import Engine
from ma_tui.immunizations.inventory import LOW_STOCK, FundingSource, StockFlag, stock_flag
from ma_tui.immunizations.shelf import ShelfLot, shelf
from ma_tui.screens.widgets.css import screen_css
from ma_tui.screens.widgets.footer import KeyFooter

FUNDING_SHORT = {
    FundingSource.VFC: "VFC",
    FundingSource.PRIVATE: "private",
    FundingSource.OTHER: "public",
}
FLAG_TEXT = {
    StockFlag.EXPIRED: ("✗ EXPIRED", "bold red"),
    StockFlag.EMPTY: ("✗ EMPTY", "bold red"),
    StockFlag.LOW: ("! LOW", "bold yellow"),
}
# Widths fit 80 columns with the scrollbar: content + 2 of padding per column.
COLUMNS = (
    ("Product", 26),
    ("Lot", 9),
    ("Expires", 10),
    ("Doses", 5),
    ("Funding", 7),
    ("Flag", 9),
)


class InventoryScreen(Screen[None]):
    TITLE = "Shelf"
    CSS = screen_css(__file__, "inventory.tcss")
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back", id="inventory.back"),
    ]

    def __init__(self, engine: Engine, clock: Clock) -> None:
        super().__init__()
        self.engine = engine
        self.clock = clock

    def compose(self) -> ComposeResult:
        yield Static(id="inventory-title")
        table: DataTable[Text] = DataTable(id="inventory-table", cursor_type="row")
        yield table
        yield Static(
            f"✗ EXPIRED: take it off the shelf · ✗ EMPTY: count the shelf · "
            f"! LOW: {LOW_STOCK} doses or fewer, reorder",
            id="inventory-legend",
        )
        yield KeyFooter()

    def on_mount(self) -> None:
        table = self.query_one("#inventory-table", DataTable)
        for label, width in COLUMNS:
            table.add_column(label, key=label, width=width)
        try:
            # By product name as the MA reads it, then the soonest to expire: use it first.
            lots = sorted(
                shelf(self.engine), key=lambda s: (s.product.name.casefold(), s.lot.expires)
            )
        except UserError as exc:
            self.notify(str(exc), severity="warning", markup=False)
            lots = []
        self._show(lots)
        table.focus()

    def _show(self, lots: list[ShelfLot]) -> None:
        today = self.clock().date()
        table = self.query_one("#inventory-table", DataTable)
        flags = [stock_flag(lot.lot, today) for lot in lots]
        for on_shelf, flag in zip(lots, flags, strict=True):
            lot = on_shelf.lot
            shown, style = FLAG_TEXT[flag] if flag is not None else ("", "")
            table.add_row(
                Text(on_shelf.product.name, overflow="ellipsis", no_wrap=True),
                Text(lot.lot),
                Text(lot.expires.isoformat(), style=style if flag is StockFlag.EXPIRED else ""),
                Text(str(lot.doses_on_hand), justify="right"),
                Text(FUNDING_SHORT[lot.funding]),
                Text(shown, style=style),
                key=str(on_shelf.id),
            )
        title = Text.assemble(("Shelf", "bold"), f"  ·  {len(lots)} lots")
        for flag, (_, style) in FLAG_TEXT.items():
            if counted := flags.count(flag):
                title.append(f"  ·  {counted} {flag.value}", style=style)
        if not lots:
            title.append("  ·  no lots on the shelf yet")
        self.query_one("#inventory-title", Static).update(title)

    def action_back(self) -> None:
        self.dismiss(None)
