"""Small questions of the orders screens: today's QC, a new kit lot, why an order is cancelled.

Each is a modal answered from the keyboard; Esc leaves it with nothing done.
"""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Static

from ma_tui.core.clock import Clock
from ma_tui.core.errors import UserError
from ma_tui.core.expiry import EXPIRY_FORMS
from ma_tui.core.transaction import Engine
from ma_tui.labs.kits import MAX_LOT, QcOutcome
from ma_tui.labs.shelf import MAX_NAME, ShelfKit, add_kit_lot
from ma_tui.orders.orders import MAX_REASON
from ma_tui.screens.widgets.common import settle_inputs
from ma_tui.screens.widgets.css import screen_css
from ma_tui.screens.widgets.footer import KeyFooter


class QcScreen(ModalScreen[QcOutcome | None]):
    """Record a run of the test's external controls: P passed, F failed."""

    CSS = screen_css(__file__, "supplies.tcss")
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("p", "answer('pass')", "Passed", id="qc.pass"),
        Binding("f", "answer('fail')", "Failed", id="qc.fail"),
        Binding("escape", "answer('')", "Cancel", id="qc.cancel"),
    ]

    def __init__(self, test_name: str, kit: str | None) -> None:
        super().__init__()
        self.test_name = test_name
        self.kit = kit

    def compose(self) -> ComposeResult:
        with Vertical(classes="box"):
            yield Static(f"Quality control: {self.test_name}", classes="title", markup=False)
            on_kit = f"on {self.kit}" if self.kit else "on the kit in use"
            yield Static(
                f"Run the kit's positive and negative controls {on_kit}, as its insert says.\n"
                "Did both read as expected?",
                markup=False,
            )
            yield Static("P: passed   F: failed   Esc: not now", classes="keys")
        yield KeyFooter()

    def action_answer(self, outcome: str) -> None:
        self.dismiss(QcOutcome(outcome) if outcome else None)


class KitLotScreen(ModalScreen[ShelfKit | None]):
    """A new kit lot on the shelf: product, lot and expiry as printed on the box."""

    CSS = screen_css(__file__, "supplies.tcss")
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="kit.cancel"),
    ]

    def __init__(
        self,
        engine: Engine,
        clock: Clock,
        staff_id: int | None,
        test_key: str,
        test_name: str,
        *,
        cursor_blink: bool = True,
    ) -> None:
        super().__init__()
        self.engine = engine
        self.clock = clock
        self.staff_id = staff_id
        self.test_key = test_key
        self.test_name = test_name
        self.cursor_blink = cursor_blink

    def compose(self) -> ComposeResult:
        with Vertical(classes="box"):
            yield Static(f"New kit lot: {self.test_name}", classes="title", markup=False)
            yield Label("Product")
            yield Input(id="kit-name", max_length=MAX_NAME, compact=True)
            yield Label("Lot")
            yield Input(id="kit-lot", max_length=MAX_LOT, compact=True)
            yield Label("Expiry")
            yield Input(id="kit-expires", placeholder=EXPIRY_FORMS, max_length=20, compact=True)
            yield Static(id="kit-error", classes="error")
            yield Static("Enter: next field, then add · Esc: cancel", classes="keys")
        yield KeyFooter()

    def on_mount(self) -> None:
        settle_inputs(self, cursor_blink=self.cursor_blink)
        self.query_one("#kit-name", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if event.input.id != "kit-expires":
            self.focus_next()
            return
        try:
            kit = add_kit_lot(
                self.engine,
                self.test_key,
                name=self.query_one("#kit-name", Input).value,
                lot=self.query_one("#kit-lot", Input).value,
                expires=event.value,
                by=self.staff_id,
                now=self.clock(),
            )
        except UserError as exc:
            self.query_one("#kit-error", Static).update(f"✗ {exc}")
            return
        self.dismiss(kit)

    def action_cancel(self) -> None:
        self.dismiss(None)


class ReasonScreen(ModalScreen[str | None]):
    """Why an order is cancelled (kept on the order), or why a result is wrong."""

    CSS = screen_css(__file__, "supplies.tcss")
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Keep it", id="reason.cancel"),
    ]

    def __init__(
        self,
        what: str,
        *,
        title: str = "Cancel the order",
        question: str = "Why? (patient declined, provider stopped it, done elsewhere)",
        enter_does: str = "cancel the order",
        cursor_blink: bool = True,
    ) -> None:
        super().__init__()
        self.what = what
        self.title_text = title
        self.question = question
        self.enter_does = enter_does
        self.cursor_blink = cursor_blink

    def compose(self) -> ComposeResult:
        with Vertical(classes="box"):
            yield Static(f"{self.title_text}: {self.what}", classes="title", markup=False)
            yield Label(self.question, markup=False)
            yield Input(id="reason", max_length=MAX_REASON, compact=True)
            yield Static(f"Enter: {self.enter_does} · Esc: keep it", classes="keys")
        yield KeyFooter()

    def on_mount(self) -> None:
        settle_inputs(self, cursor_blink=self.cursor_blink)
        self.query_one("#reason", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        reason = " ".join(event.value.split())
        if reason:
            self.dismiss(reason)

    def action_cancel(self) -> None:
        self.dismiss(None)
