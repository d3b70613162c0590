"""A point-of-care test at the chair: the kit lot, today's QC, one line of result.

The line is read as it is typed (``ua glu neg bld tr le 1+ nit pos sg 1.020 ph 6``,
``glu 104``) and read back under it: each value with its unit and flag, an
abnormal one marked ``!`` and named in the count above the readback, a refused
piece with its reason. ↑ ↓ choose the kit lot the test was run on (the soonest to
expire first; an expired lot is listed, marked, and refused); F6 adds a lot from
its box. The QC line says whether today's controls passed; without a pass the MA
is told before resulting and must say to result anyway (F4 records a QC run).
Enter or Ctrl+S results. What is typed is kept as a draft until then.
"""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from ma_tui.core.clock import Clock
from ma_tui.core.errors import UserError
from ma_tui.core.transaction import Engine
from ma_tui.labs.drafts import LineDraft, load_poc_draft, save_poc_draft
from ma_tui.labs.kits import QcOutcome, QcState
from ma_tui.labs.line import MAX_LINE, line_example, parse_poc_line
from ma_tui.labs.resulting import PocContext, poc_context, record_result
from ma_tui.labs.results import line_readback
from ma_tui.labs.shelf import ShelfKit, record_qc
from ma_tui.orders.orders import OrderView
from ma_tui.screens.orders.banner import show_visit_banner
from ma_tui.screens.orders.supplies import KitLotScreen, QcScreen
from ma_tui.screens.widgets.common import PatientBanner, settle_inputs
from ma_tui.screens.widgets.confirm import ConfirmScreen
from ma_tui.screens.widgets.css import screen_css
from ma_tui.screens.widgets.footer import KeyFooter

DRAFT_PAUSE = 0.4  # seconds after the last key before the draft is written


class PocScreen(Screen[None]):
    TITLE = "Point-of-care test"
    CSS = screen_css(__file__, "poc.tcss")
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "result", "Result", id="poc.result"),
        Binding("up", "kit(-1)", "Kit up", show=False, id="poc.kit_up"),
        Binding("down", "kit(1)", "Kit down", show=False, id="poc.kit_down"),
        Binding("f4", "qc", "QC", id="poc.qc"),
        Binding("f6", "new_kit", "New kit lot", id="poc.new_kit"),
        Binding("escape", "back", "Back", id="poc.back"),
    ]

    def __init__(
        self,
        engine: Engine,
        clock: Clock,
        staff_id: int | None,
        encounter_id: int,
        test_key: str,
        *,
        order: OrderView | None = None,
        cursor_blink: bool = True,
    ) -> None:
        super().__init__()
        self.engine = engine
        self.clock = clock
        self.staff_id = staff_id
        self.encounter_id = encounter_id
        self.test_key = test_key
        self.order = order
        self.cursor_blink = cursor_blink
        self.context: PocContext | None = None
        self._draft_timer: Timer | None = None

    def compose(self) -> ComposeResult:
        yield PatientBanner(id="banner")
        yield Static(id="poc-title")
        yield Static(id="poc-qc")
        yield Static(id="poc-kit-label")
        kits = OptionList(id="poc-kits")
        kits.can_focus = False  # the line keeps the keys; ↑ ↓ move the kit
        yield kits
        line = Input(id="poc-line", max_length=MAX_LINE)
        line.border_title = "Result"
        line.border_subtitle = "Enter results"
        yield line
        yield Static(id="poc-count")
        yield Static(id="poc-readback")
        yield Static(id="poc-error")
        yield KeyFooter()

    def on_mount(self) -> None:
        settle_inputs(self, cursor_blink=self.cursor_blink)
        show_visit_banner(
            self.query_one(PatientBanner), self.engine, self.encounter_id, self.clock().date()
        )
        draft = self._load()
        if draft is not None:
            self.query_one("#poc-line", Input).value = draft.line
        self._show_kits(draft.kit_lot_id if draft is not None else None)
        self.query_one("#poc-line", Input).focus()

    # ------------------------------------------------------------ showing

    def _load(self) -> LineDraft | None:
        """The test's context (kits, QC) and any draft of this visit's line."""
        order_id = self.order.id if self.order is not None else None
        try:
            self.context = poc_context(
                self.engine, self.encounter_id, self.test_key, self.clock(), order_id
            )
            draft = load_poc_draft(self.engine, self.encounter_id, self.test_key)
        except UserError as exc:
            self.notify(str(exc), severity="warning", markup=False)
            return None
        test = self.context.test
        ordered = f"  ·  ordered by {self.order.ordered_by}" if self.order is not None else ""
        self.query_one("#poc-title", Static).update(
            Text.assemble((test.name, "bold"), ordered, overflow="ellipsis")
        )
        self.query_one("#poc-line", Input).placeholder = line_example(test)
        self._show_qc()
        return draft

    def _show_qc(self) -> None:
        context = self.context
        if context is None:
            return
        notice = context.qc_notice
        qc = self.query_one("#poc-qc", Static)
        if notice is None:
            qc.update(Text("✓ Quality control passed today", style="green"))
        else:
            qc.update(Text(f"⚠ {notice} (F4 records QC)", style="bold yellow"))
        qc.set_class(notice is not None, "warning")

    def _show_kits(self, chosen: int | None = None) -> None:
        context = self.context
        kits = self.query_one("#poc-kits", OptionList)
        kits.clear_options()
        if context is None or not context.kits:
            kits.add_option(Option(Text("No kit lot on the shelf: F6 adds one", style="italic")))
            kits.highlighted = None
        else:
            kits.add_options([_kit_option(kit) for kit in context.kits])
            usable = [i for i, kit in enumerate(context.kits) if not kit.expired]
            wanted = [i for i, kit in enumerate(context.kits) if kit.id == chosen]
            kits.highlighted = (wanted or usable or [0])[0]
        self._show_chosen()

    def _show_chosen(self) -> None:
        """The kit in use, in words: the list's highlight is not the only sign."""
        kit = self._kit()
        label = Text("Kit lot: ", style="bold")
        if kit is None:
            label.append("none chosen")
        elif kit.expired:
            label.append(f"✗ {kit.kit.lot} EXPIRED: choose another", style="bold red")
        else:
            label.append(f"▶ {kit.kit.lot}, expires {kit.kit.expires.isoformat()}")
        label.append("   (↑ ↓ choose · F6 adds a lot)", style="dim")
        self.query_one("#poc-kit-label", Static).update(label)

    def _kit(self) -> ShelfKit | None:
        kits = self.query_one("#poc-kits", OptionList)
        if self.context is None or kits.highlighted is None or not self.context.kits:
            return None
        return self.context.kits[kits.highlighted]

    def on_input_changed(self, event: Input.Changed) -> None:
        self._readback(event.value)
        self._draft_soon()

    def _readback(self, text: str) -> None:
        context = self.context
        self.query_one("#poc-error", Static).update("")
        parsed = parse_poc_line(text)
        sex = context.sex if context is not None else None
        age = context.age_years if context is not None else None
        parts = line_readback(parsed, sex=sex, age_years=age)
        readback = Text()
        flagged = 0
        for index, part in enumerate(parts):
            if index:
                readback.append("   ")
            if part.tone == "error":
                readback.append(part.text, style="bold red")
            elif part.tone == "flag":
                flagged += 1
                readback.append(f"!{part.text}", style="bold yellow")
            else:
                readback.append(part.text)
        self.query_one("#poc-readback", Static).update(readback)
        count = f"! {flagged} flagged, marked ! below" if flagged else ""
        self.query_one("#poc-count", Static).update(Text(count, style="bold yellow"))

    # ------------------------------------------------------------ drafts

    def _draft_soon(self) -> None:
        if self._draft_timer is not None:
            self._draft_timer.stop()
        self._draft_timer = self.set_timer(DRAFT_PAUSE, self._save_draft)

    def _save_draft(self) -> None:
        self._draft_timer = None
        kit = self._kit()
        try:
            save_poc_draft(
                self.engine,
                self.encounter_id,
                self.test_key,
                LineDraft(self.query_one("#poc-line", Input).value, kit.id if kit else None),
                order_id=self.order.id if self.order is not None else None,
                staff_id=self.staff_id,
                now=self.clock(),
            )
        except UserError as exc:
            self.notify(f"The draft was not saved: {exc}", severity="warning", markup=False)

    # ------------------------------------------------------------ actions

    def action_kit(self, step: int) -> None:
        kits = self.query_one("#poc-kits", OptionList)
        if self.context is None or not self.context.kits or kits.highlighted is None:
            return
        kits.highlighted = min(max(kits.highlighted + step, 0), len(self.context.kits) - 1)
        self._show_chosen()
        self._draft_soon()

    def action_back(self) -> None:
        if self._draft_timer is not None:
            self._draft_timer.stop()
            self._save_draft()
        self.dismiss(None)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_result()

    def action_result(self) -> None:
        context = self.context
        if context is None:
            return
        text = self.query_one("#poc-line", Input).value
        parsed = parse_poc_line(text)
        if not parsed.ok:
            first = parsed.errors[0].error if parsed.errors else None
            self._error(first or f"type the result: {line_example(context.test)}")
            return
        kit = self._kit()
        if kit is None:
            self._error("no kit lot chosen: F6 adds the lot from the box")
            return
        if kit.expired or context.qc is QcState.PASSED:
            self._record(text, kit, without_qc=False)
            return

        def answered(yes: bool | None) -> None:
            if yes:
                self._record(text, kit, without_qc=True)

        self.app.push_screen(
            ConfirmScreen(
                context.qc_notice or "Quality control has not passed today.",
                f"Result anyway? The result records that today's QC was {context.qc.value}.",
                enter_says_no=True,
                yes="result anyway",
                no="not now",
            ),
            answered,
        )

    def _record(self, text: str, kit: ShelfKit, *, without_qc: bool) -> None:
        if self._draft_timer is not None:
            self._draft_timer.stop()
            self._draft_timer = None
        try:
            stored = record_result(
                self.engine,
                self.encounter_id,
                text,
                kit.id,
                by=self.staff_id,
                now=self.clock(),
                order_id=self.order.id if self.order is not None else None,
                without_qc=without_qc,
            )
        except UserError as exc:
            self._error(str(exc))
            return
        flag = "  (abnormal: tell the provider)" if stored.abnormal else ""
        self.notify(f"Resulted {stored.test_name}: {stored.readback}{flag}", markup=False)
        self.dismiss(None)

    def _error(self, message: str) -> None:
        self.query_one("#poc-error", Static).update(Text(f"✗ {message}", style="bold red"))

    def action_qc(self) -> None:
        context = self.context
        if context is None:
            return
        kit = self._kit()

        def answered(outcome: QcOutcome | None) -> None:
            if outcome is None:
                return
            try:
                record_qc(
                    self.engine,
                    self.test_key,
                    outcome,
                    by=self.staff_id,
                    now=self.clock(),
                    kit_lot_id=kit.id if kit is not None else None,
                )
            except UserError as exc:
                self._error(str(exc))
                return
            self._reload()

        label = f"lot {kit.kit.lot}" if kit is not None else None
        self.app.push_screen(QcScreen(context.test.name, label), answered)

    def action_new_kit(self) -> None:
        context = self.context
        if context is None:
            return

        def added(kit: ShelfKit | None) -> None:
            if kit is not None:
                self._reload(kit.id)

        self.app.push_screen(
            KitLotScreen(
                self.engine,
                self.clock,
                self.staff_id,
                self.test_key,
                context.test.name,
                cursor_blink=self.cursor_blink,
            ),
            added,
        )

    def _reload(self, chosen: int | None = None) -> None:
        kit = self._kit()
        self._load()
        self._show_kits(chosen if chosen is not None else (kit.id if kit else None))


def _kit_option(kit: ShelfKit) -> Option:
    if kit.expired:
        return Option(Text(f"✗ {kit.label}", style="bold red"), id=str(kit.id))
    return Option(Text(f"  {kit.label}"), id=str(kit.id))
