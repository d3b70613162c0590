"""Give an injection at the chair: scan the vial, confirm who, check, give or record why not.

The scan field reads a keyboard-wedge scanner: the vial's GS1 DataMatrix arrives as
typed characters ending in Enter, its group separators as Ctrl+], which the field
shows as ``␝`` (``ScanInput``). The product, lot and expiry fill in from the scan and
the shelf; dose, route, site and VIS edition from the catalog, each can be changed.
The patient's date of birth is asked again (the name is on the banner: ask both).

Ctrl+S runs every check (``ma_tui.immunizations.administration``): a stop (expired
lot, another vaccine than ordered, an allergy to the product, the wrong stock for
the patient's funding) is shown and nothing is written; warnings are asked about.
Given, the lot's count goes down and the observation countdown starts on the queue.
F3 records the dose as not given, with a reason (refused, deferred, ...). F6 shows
the shelf's lots (``InventoryScreen``).

What is typed is kept as a draft (``ma_tui.immunizations.drafts``) a moment after
the last key, on leaving a field and on Esc; opening the same order again brings it
back (all but the date of birth, asked again), and recording the dose drops it.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import ClassVar

from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Grid
from textual.screen import ModalScreen, Screen
from textual.timer import Timer
from textual.widgets import Input, Label, Static

from ma_tui.core.ages import format_age
from ma_tui.core.clock import Clock
from ma_tui.core.errors import InvalidInput, NotAllowed, UserError
from ma_tui.core.transaction import Engine
from ma_tui.immunizations.administration import (
    NOT_GIVEN_DISPLAY,
    AdministrationCheck,
    NotGiven,
    Order,
    dose_from_text,
    not_given_reason,
)
from ma_tui.immunizations.chart import (
    Giving,
    InjectionPatient,
    check_dose,
    due_for,
    give_dose,
    injection_patient,
    patient_injections,
    record_not_given_dose,
)
from ma_tui.immunizations.drafts import (
    KEPT_FIELDS,
    DraftKey,
    FormDraft,
    form_draft,
    load_injection_draft,
    save_injection_draft,
)
from ma_tui.immunizations.entry import (
    edition_from_text,
    eligibility_from_text,
    injection_orders,
    matching_order,
    order_of,
    same_birth_date,
    site_name,
    standing_order_for,
)
from ma_tui.immunizations.inventory import FUNDING_DISPLAY
from ma_tui.immunizations.scan import MAX_SCAN, SCREEN_SEPARATOR, parse_vial_scan
from ma_tui.immunizations.shelf import ScannedVial, ShelfLot, find_scanned
from ma_tui.orders.orders import OrderView, place_standing_order
from ma_tui.screens.widgets.common import PatientBanner, due_text, settle_inputs
from ma_tui.screens.widgets.confirm import ConfirmScreen
from ma_tui.screens.widgets.css import screen_css
from ma_tui.screens.widgets.footer import KeyFooter
from ma_tui.staff.accounts import Staff

FIELDS: tuple[tuple[str, str, str], ...] = (
    ("scan", "Scan vial", "scan the 2D barcode"),
    ("order", "Order", "number, or standing"),
    ("dob", "DOB again", "ask name and DOB"),
    ("dose", "Dose", ""),
    ("route", "Route", "IM, SC, ID"),
    ("site", "Site", "LD RD LVL RVL …"),
    ("vis", "VIS edition", "YYYY-MM-DD"),
    ("eligibility", "Eligibility", "V01-V07; blank adult"),
)
HISTORY_SHOWN = 4  # the last doses on record shown under the form
DRAFT_PAUSE = 0.4  # seconds after the last key before the draft is written


class ScanInput(Input):
    """An Input that keeps a scanner's group separator (Ctrl+]) as ``␝``.

    A terminal delivers ASCII GS (0x1D) as the key ``ctrl+right_square_bracket``,
    which a plain Input drops as unprintable; the GS1 parser needs to see it.
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "ctrl+right_square_bracket",
            "separator",
            "Group separator",
            show=False,
            id="injection.separator",
        ),
    ]

    def action_separator(self) -> None:
        self.insert_text_at_cursor(SCREEN_SEPARATOR)


class InjectionScreen(Screen[None]):
    """A dose for the patient of visit ``encounter_id``; dismissed when given or not.

    Opened with F8 on the queue, or with Enter on a medication or vaccine order.
    """

    TITLE = "Give an injection"
    CSS = screen_css(__file__, "injection.tcss")
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "give", "Give", id="injection.give", priority=True),
        Binding("f3", "not_given", "Not given", id="injection.not_given"),
        Binding("f6", "shelf", "Shelf", id="injection.shelf"),
        Binding("escape", "leave", "Back", id="injection.back"),
    ]

    def __init__(
        self,
        engine: Engine,
        clock: Clock,
        encounter_id: int,
        staff: Staff | None = None,
        *,
        order_id: int | None = None,
        cursor_blink: bool = True,
    ) -> None:
        """``order_id``: the open order the MA chose to do (from the visit's orders)."""
        super().__init__()
        self.order_id = order_id
        self.engine = engine
        self.clock = clock
        self.encounter_id = encounter_id
        self.staff = staff
        self.cursor_blink = cursor_blink
        self.patient: InjectionPatient | None = None
        self.vial: ScannedVial | None = None
        self.orders: list[OrderView] = []  # the visit's open injection orders, numbered from 1
        self.draft_key = DraftKey(encounter_id, order_id)
        self._blank: dict[str, str] = {}  # the fields as the screen opened: nothing typed
        self._draft_timer: Timer | None = None
        self._problems_for: dict[str, str] | None = None  # the fields the STOP lines are about

    def compose(self) -> ComposeResult:
        yield Static(Text("Give an injection", style="bold"), id="injection-title")
        yield PatientBanner(id="injection-banner")
        yield Static("Scan the vial: its product, lot and expiry fill in.", id="injection-vial")
        with Grid(id="injection-grid"):
            for name, label, placeholder in FIELDS:
                yield Label(label, classes="injection-label")
                field = ScanInput if name == "scan" else Input
                yield field(
                    id=f"injection-{name}",
                    placeholder=placeholder,
                    compact=True,
                    max_length=MAX_SCAN if name == "scan" else 40,
                )
                yield Static(id=f"injection-note-{name}", classes="injection-note")
        yield Static(id="injection-problems")
        yield Static(id="injection-record")
        yield KeyFooter()

    def on_mount(self) -> None:
        settle_inputs(self, cursor_blink=self.cursor_blink)
        try:
            self.patient = injection_patient(self.engine, self.encounter_id)
            self.orders = injection_orders(self.engine, self.encounter_id)
        except UserError as exc:
            self.notify(str(exc), severity="error", markup=False)
            self.dismiss(None)
            return
        self._show_patient(self.patient)
        self._note("order", _orders_text(self.orders))
        chosen = [n for n, o in enumerate(self.orders, 1) if o.id == self.order_id]
        if chosen:
            self._set("order", str(chosen[0]))
        self._blank = self._fields()
        restored = self._restore()
        self.query_one("#injection-dob" if restored else "#injection-scan", Input).focus()

    # ------------------------------------------------------------- showing

    def _show_patient(self, patient: InjectionPatient) -> None:
        today = self.clock().date()
        identity = (
            f"{patient.name}   {format_age(patient.birth_date, today)}"
            f"   DOB {patient.birth_date:%m/%d/%Y}"
        )
        allergies = ", ".join(patient.allergies) or "none on record"
        self.query_one(PatientBanner).show(
            identity, f"Allergies: {allergies}", alert=bool(patient.allergies)
        )
        self._show_record(patient, today)

    def _show_record(self, patient: InjectionPatient, today: date) -> None:
        try:
            history = patient_injections(self.engine, patient.patient_id)
            due = due_for(self.engine, {patient.patient_id: patient.birth_date}, today)
        except UserError as exc:
            self.notify(str(exc), severity="warning", markup=False)
            return
        text = Text("On record: ", style="bold")
        shown = [
            f"{r.name} {r.day:%m/%d/%Y}" + ("" if r.given else " (not given)")
            for r in history[-HISTORY_SHOWN:]
        ]
        text.append(" · ".join(shown) or "no immunizations")
        text.append("\n")
        text.append(due_text(due.get(patient.patient_id), lead="Due today: "))
        self.query_one("#injection-record", Static).update(text)

    def _note(self, name: str, text: str | Text) -> None:
        self.query_one(f"#injection-note-{name}", Static).update(text)

    def _value(self, name: str) -> str:
        return self.query_one(f"#injection-{name}", Input).value

    def _set(self, name: str, value: str) -> None:
        self.query_one(f"#injection-{name}", Input).value = value

    # ------------------------------------------------------------- drafts

    def _fields(self) -> dict[str, str]:
        return {name: self._value(name) for name in KEPT_FIELDS}

    def _restore(self) -> bool:
        """The fields as a draft kept them, if there is one; whether a vial is back."""
        try:
            draft = load_injection_draft(self.engine, self.draft_key)
        except UserError as exc:
            self.notify(f"The draft was not read: {exc}", severity="warning", markup=False)
            return False
        if draft is None or draft.empty:
            return False
        fields = draft.fields
        if fields.get("scan", "").strip():
            self._set("scan", fields["scan"])
            self._read_scan()  # the shelf as it is now: the lot, its count, an expiry
        for name in KEPT_FIELDS[1:]:
            if name in fields:
                self._set(name, fields[name])
        if draft.order_id is not None:  # by id: the numbers move as orders are done
            numbers = [n for n, o in enumerate(self.orders, 1) if o.id == draft.order_id]
            self._set("order", str(numbers[0]) if numbers else "")
        if self._value("site").strip():
            self._note("site", site_name(self._value("site")))
        self._show_order()
        self._show_check()
        self.notify("What was typed before is back. Ask the name and date of birth again.")
        return self.vial is not None

    def on_input_changed(self, event: Input.Changed) -> None:
        if self.patient is not None:
            self._draft_soon()
        if self._all_fields() != self._problems_for:
            # The STOP lines were about fields since changed: they would mislead now
            # (the checks run again on Enter in the last field and on Ctrl+S).
            self._problems(Text())

    def _all_fields(self) -> dict[str, str]:
        return {name: self._value(name) for name, _, _ in FIELDS}

    def on_descendant_blur(self, event: events.DescendantBlur) -> None:
        """Leaving a field writes what is pending at once."""
        if self._draft_timer is not None:
            self._save_draft()

    def _draft_soon(self) -> None:
        if self._draft_timer is not None:
            self._draft_timer.stop()
        self._draft_timer = self.set_timer(DRAFT_PAUSE, self._save_draft)

    def _stop_draft_timer(self) -> None:
        if self._draft_timer is not None:
            self._draft_timer.stop()
            self._draft_timer = None

    def _save_draft(self) -> None:
        self._stop_draft_timer()
        fields = self._fields()
        typed = fields["order"].strip()
        order_id = self.orders[int(typed) - 1].id if _numbered(typed, len(self.orders)) else None
        draft = FormDraft() if fields == self._blank else form_draft(fields, order_id)
        try:
            save_injection_draft(
                self.engine, self.draft_key, draft, staff_id=self._staff_id(), now=self.clock()
            )
        except UserError as exc:
            self.notify(f"The draft was not saved: {exc}", severity="warning", markup=False)

    # ------------------------------------------------------------- entering

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        name = (event.input.id or "").removeprefix("injection-")
        if name == "scan":
            if self._read_scan():
                # The order field is often filled from the scan: the next thing to type is
                # the date of birth said again, so go there (or to the order, if empty),
                # never into a filled field whose text typing would replace.
                self._focus("order" if not self._value("order").strip() else "dob")
            return
        if name == "order":
            self._show_order()
        if name != FIELDS[-1][0]:
            self._show_check()  # the STOP lines as the form is now (cleared while typing)
        if name == FIELDS[-1][0]:
            self.action_give()
        else:
            self.focus_next()

    def _focus(self, name: str) -> None:
        self.query_one(f"#injection-{name}", Input).focus()

    def _read_scan(self) -> bool:
        try:
            vial = find_scanned(self.engine, parse_vial_scan(self._value("scan")))
        except UserError as exc:
            self.vial = None
            self.query_one("#injection-vial", Static).update(Text(str(exc), style="bold red"))
            return False
        self.vial = vial
        product, lot = vial.product, vial.lots[0]
        self.query_one("#injection-vial", Static).update(_lot_text(vial, lot))
        self._set("dose", f"{product.dose.value}")
        self._note("dose", product.dose.unit)
        self._set("route", product.routes[0] if product.routes else "")
        self._set("site", product.default_site)
        self._note("site", site_name(product.default_site))
        self._set("vis", product.vis.edition.isoformat() if product.vis else "")
        self._note("vis", "given today" if product.vis else "no VIS: a medication")
        matched = matching_order(self.orders, product)
        if matched is not None and not self._value("order"):
            self._set("order", str(matched + 1))
        self._show_order()
        self._show_check()
        return True

    def _show_order(self) -> None:
        typed = self._value("order").strip()
        view = self.orders[int(typed) - 1] if _numbered(typed, len(self.orders)) else None
        if view is not None:
            self._note("order", Text(f"{view.display}: {view.ordered_by}", style="green"))
        elif not typed:
            self._note("order", Text("no order for this product", style="bold red"))

    def _order(self, typed: str) -> tuple[Order, int | None]:
        """The order the field names: an open order by its number, or a standing order
        (placed when the dose is given); nothing typed is no order (a stop)."""
        typed = typed.strip()
        if not typed:
            return Order(), None
        if _numbered(typed, len(self.orders)):
            view = self.orders[int(typed) - 1]
            return order_of(view), view.id
        assert self.vial is not None
        standing_order_for(typed, self.vial.product)
        return Order(group=self.vial.product.group, product_key=self.vial.product.key), None

    def _giving(self) -> Giving | None:
        """What the form says, read; None (each field saying why) when it cannot be."""
        if self.vial is None or self.patient is None:
            self._problems(Text("STOP: scan the vial first", style="bold red"))
            return None
        today = self.clock().date()
        product = self.vial.product
        problems: list[str] = []
        order: Order | None
        try:
            order, order_id = self._order(self._value("order"))
        except InvalidInput as exc:
            problems.append(str(exc))
            order, order_id = None, None
        confirmed = False  # not asked yet: the checks say to confirm two identifiers
        if self._value("dob").strip():
            try:
                confirmed = same_birth_date(self._value("dob"), self.patient.birth_date, today)
                if not confirmed:
                    problems.append("the date of birth said is not the chart's: stop, ask again")
            except InvalidInput as exc:
                problems.append(f"date of birth again: {exc}")
        dose = dose_from_text(self._value("dose"), product.dose.unit)
        if dose is None:
            problems.append(f"dose: a number of {product.dose.unit}")
        try:
            eligibility = eligibility_from_text(self._value("eligibility"))
            edition = edition_from_text(self._value("vis"))
        except InvalidInput as exc:
            problems.append(str(exc))
            eligibility, edition = None, None
        if problems or order is None or dose is None:
            self._problems(Text("\n".join(f"STOP: {p}" for p in problems), style="bold red"))
            return None
        return Giving(
            lot_id=self.vial.lots[0].id,
            dose=dose,
            route=self._value("route").strip().upper(),
            site=self._value("site").strip().upper(),
            given_at=self.clock(),
            identifiers_confirmed=confirmed,
            order=order,
            order_id=order_id,
            eligibility=eligibility,
            vis_edition=edition,
            scanned_expiry=self.vial.scan.expires,
        )

    def _problems(self, text: Text) -> None:
        self.query_one("#injection-problems", Static).update(text)
        self._problems_for = self._all_fields()  # what the lines shown are about

    def _show_check(self) -> AdministrationCheck | None:
        """Run the checks on what is entered so far, and show the stops (a scan shows an
        expired lot at once, before anything else is typed)."""
        if self.vial is None or self.patient is None:
            return None
        giving = self._giving()
        if giving is None:
            return None
        try:
            _, check = check_dose(self.engine, self.patient, giving, self.clock())
        except UserError as exc:
            self._problems(Text(str(exc), style="bold red"))
            return None
        self._problems(_check_text(check))
        return check

    # ------------------------------------------------------------- actions

    def action_give(self) -> None:
        check = self._show_check()
        if check is None:
            self._first_problem_lot()
            return
        if check.blocked:
            self.notify("Not given: a hard stop (see the list).", severity="error")
            return
        if check.warnings:
            detail = "\n".join(p.message for p in check.warnings)
            self.app.push_screen(
                ConfirmScreen("Give it anyway? The provider has agreed.", detail),
                lambda yes: self._give() if yes else None,
            )
            return
        self._give()

    def _first_problem_lot(self) -> None:
        if self.vial is None:
            self.query_one("#injection-scan", Input).focus()

    def _give(self) -> None:
        giving = self._giving()
        if giving is None or self.patient is None or self.vial is None:
            return
        self._stop_draft_timer()  # the record drops the draft; none written after it
        try:
            if giving.order_id is None:
                giving = replace(giving, order_id=self._place_standing_order())
            give_dose(
                self.engine,
                self.patient,
                giving,
                now=self.clock(),
                staff_id=self._staff_id(),
                draft=self.draft_key,
            )
        except UserError as exc:
            self._problems(Text(str(exc), style="bold red"))
            self.notify(str(exc), severity="error", markup=False)
            self._save_draft()
            return
        minutes = self.patient.observation_minutes
        watch = f" Observe for {minutes} minutes." if minutes else ""
        self.notify(f"Given: {self.vial.product.name}.{watch}")
        self.dismiss(None)

    def _place_standing_order(self) -> int:
        """Put the standing order typed on the visit (by the MA signed in); its id."""
        assert self.vial is not None
        protocol = standing_order_for(self._value("order"), self.vial.product)
        if self.staff is None or self.staff.id is None:
            raise NotAllowed("sign in to place a standing order")
        placed = place_standing_order(
            self.engine, self.encounter_id, protocol, by=self.staff.id, at=self.clock()
        )
        product_key = self.vial.product.key
        return next(o.id for o in placed if o.catalog_key == product_key)

    def action_not_given(self) -> None:
        if self.vial is None or self.patient is None:
            self.notify("Scan the vial of the dose not given first.", severity="warning")
            return
        reasons = ", ".join(NOT_GIVEN_DISPLAY.values())
        question = f"Why was {self.vial.product.name} not given? ({reasons})"
        placeholder = "refused · deferred sick · immune · stock, then a note"
        self.app.push_screen(AskScreen(question, placeholder), self._not_given)

    def _not_given(self, typed: str | None) -> None:
        if not typed or self.vial is None or self.patient is None:
            return
        reason, why = not_given_reason(typed.split(maxsplit=1)[0])
        if reason is None:
            self.notify(why, severity="warning", markup=False)
            return
        note = typed.split(maxsplit=1)[1] if " " in typed.strip() else ""
        not_given = NotGiven(self.vial.product, reason, self.clock(), note)
        self._stop_draft_timer()
        try:
            record_not_given_dose(
                self.engine,
                self.patient,
                not_given,
                staff_id=self._staff_id(),
                draft=self.draft_key,
            )
        except UserError as exc:
            self.notify(str(exc), severity="error", markup=False)
            self._save_draft()
            return
        self.notify(f"Recorded as not given: {NOT_GIVEN_DISPLAY[reason]}.")
        self.dismiss(None)

    def action_shelf(self) -> None:
        """F6: the lots on the shelf (read only); the form waits as it is."""
        from ma_tui.screens.immunizations.inventory import InventoryScreen

        self.app.push_screen(InventoryScreen(self.engine, self.clock))

    def action_leave(self) -> None:
        if self.patient is not None:
            self._save_draft()
        self.dismiss(None)

    def _staff_id(self) -> int | None:
        return self.staff.id if self.staff is not None else None


class AskScreen(ModalScreen[str | None]):
    """One line asked for (why a dose was not given, a reaction seen); Esc cancels."""

    CSS = screen_css(__file__, "injection.tcss")
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="ask.cancel"),
    ]

    def __init__(self, question: str, placeholder: str) -> None:
        super().__init__()
        self.question = question
        self.placeholder = placeholder

    def compose(self) -> ComposeResult:
        with Grid(id="ask-box"):
            yield Static(self.question, id="ask-question", markup=False)
            yield Input(placeholder=self.placeholder, id="ask-answer", max_length=200)
        yield KeyFooter()

    def on_mount(self) -> None:
        settle_inputs(self, cursor_blink=False)
        self.query_one(Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.dismiss(event.value.strip() or None)

    def action_cancel(self) -> None:
        self.dismiss(None)


def _numbered(typed: str, count: int) -> bool:
    return typed.isdigit() and 1 <= int(typed) <= count


def _orders_text(orders: list[OrderView]) -> Text:
    if not orders:
        return Text("none open: a standing order?", style="yellow")
    return Text(" · ".join(f"{n} {o.display}" for n, o in enumerate(orders, 1)))


def _lot_text(vial: ScannedVial, lot: ShelfLot) -> Text:
    """The product, and the lot as the shelf has it; an expiry the vial prints otherwise
    is shown beside it (the sooner of the two is the one checked)."""
    scanned = vial.scan.expires
    expires = min(lot.lot.expires, scanned or lot.lot.expires)
    text = Text(f"{vial.product.name}\n", style="bold")
    text.append(f"lot {lot.lot.lot} exp {expires:%m/%d/%Y}")
    if scanned is not None and scanned != lot.lot.expires:
        text.append(f" (vial {scanned:%m/%d/%Y}, shelf {lot.lot.expires:%m/%d/%Y})", "yellow")
    text.append(f" · {FUNDING_DISPLAY[lot.lot.funding]} · {lot.lot.doses_on_hand} on hand")
    return text


def _check_text(check: AdministrationCheck) -> Text:
    if not check.problems:
        return Text("Checks passed: Ctrl+S gives the dose.", style="bold green")
    text = Text()
    styles = {"stop": "bold red", "warn": "bold yellow", "info": "cyan"}
    for index, problem in enumerate(check.problems):
        text.append("\n" if index else "")
        text.append(
            f"{problem.severity.upper()}: {problem.message}", style=styles[problem.severity]
        )
    return text
