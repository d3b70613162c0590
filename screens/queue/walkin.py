"""Register a walk-in: a new patient and their visit, arrived now.

Enter moves through the fields; Enter on the last one (or Ctrl+S) registers. A
minor needs a guardian; each field that is wrong says why, and nothing is stored
until every field is right. The relationship and payer fields complete from the
catalogs (Right arrow takes the grey suggestion).
"""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Grid, VerticalScroll
from textual.screen import Screen
from textual.widgets import Input, Label, Static

from ma_tui.core.clock import Clock
from ma_tui.core.errors import UserError
from ma_tui.core.parsing import parse_date_of_birth
from ma_tui.core.transaction import Engine
from ma_tui.patients.registration import (
    NewPatient,
    NewPatientForm,
    possible_duplicates,
    register_walk_in,
    validate_new_patient,
)
from ma_tui.screens.widgets.common import registration_suggester, settle_inputs
from ma_tui.screens.widgets.confirm import ConfirmScreen
from ma_tui.screens.widgets.css import screen_css
from ma_tui.screens.widgets.footer import KeyFooter

FIELDS: tuple[tuple[str, str, str], ...] = (
    ("family_name", "Family name", ""),
    ("given_name", "Given name", ""),
    ("birth_date", "Date of birth", "MM/DD/YYYY"),
    ("sex", "Sex", "F, M, X or U"),
    ("phone", "Phone", "10 digits"),
    ("guardian_name", "Guardian", "for a minor"),
    ("guardian_relationship", "Relationship", "mother, father, ..."),
    ("payer", "Insurance payer", "blank for self-pay"),
    ("member_id", "Member ID", ""),
)


class WalkInScreen(Screen[int | None]):
    """Dismissed with the new visit's id, or None when cancelled.

    ``staff_id`` is who registers (None: no one signed in, the OS user is recorded).
    """

    TITLE = "Register a walk-in"
    CSS = screen_css(__file__, "walkin.tcss")
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "register", "Register", id="walkin.register", priority=True),
        Binding("escape", "cancel", "Cancel", id="walkin.cancel"),
    ]

    def __init__(
        self,
        engine: Engine,
        clock: Clock,
        staff_id: int | None = None,
        *,
        cursor_blink: bool = True,
    ) -> None:
        super().__init__()
        self.engine = engine
        self.clock = clock
        self.staff_id = staff_id
        self.cursor_blink = cursor_blink

    def compose(self) -> ComposeResult:
        yield Static(
            Text.assemble(("Register a walk-in", "bold"), "   a new patient, arriving now"),
            id="walkin-title",
        )
        with VerticalScroll(id="walkin-body"), Grid(id="walkin-grid"):
            for name, label, placeholder in FIELDS:
                yield Label(label, classes="walkin-label")
                yield Input(
                    id=f"new-{name}",
                    placeholder=placeholder,
                    compact=True,
                    max_length=200,
                    suggester=registration_suggester(name),
                )
                yield Static(id=f"error-{name}", classes="error")
        yield KeyFooter()

    def on_mount(self) -> None:
        settle_inputs(self, cursor_blink=self.cursor_blink)
        self.query_one("#new-family_name", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if event.input.id == f"new-{FIELDS[-1][0]}":
            self.action_register()
        else:
            self.focus_next()

    def on_input_blurred(self, event: Input.Blurred) -> None:
        """A field is checked as it is left: a date of birth that cannot be (02/30)
        is said at once, and a message goes as soon as its field is right."""
        name = (event.input.id or "").removeprefix("new-")
        error = self.query_one(f"#error-{name}", Static)
        if name == "birth_date" and event.value.strip():
            try:
                parse_date_of_birth(event.value, self.clock().date())
            except UserError as exc:
                error.update(str(exc))
                return
            error.update("")
        elif name in self._form_errors():
            error.update(self._form_errors()[name])
        else:
            error.update("")

    def _form(self) -> NewPatientForm:
        return NewPatientForm(
            **{name: self.query_one(f"#new-{name}", Input).value for name, _, _ in FIELDS}
        )

    def _form_errors(self) -> dict[str, str]:
        """The messages the form would get now, for the fields already showing one."""
        shown = {
            name
            for name, _, _ in FIELDS
            if str(self.query_one(f"#error-{name}", Static).content).strip()
        }
        _, errors = validate_new_patient(self._form(), self.clock().date())
        return {name: message for name, message in errors.items() if name in shown}

    def action_cancel(self) -> None:
        """Back to the queue; what was typed is thrown away only when the MA says so."""
        if not any(value.strip() for value in vars(self._form()).values()):
            self.dismiss(None)
            return

        def answered(discard: bool | None) -> None:
            if discard:
                self.dismiss(None)

        self.app.push_screen(
            ConfirmScreen("Discard this walk-in registration?", "What was typed is lost."),
            answered,
        )

    def action_register(self) -> None:
        now = self.clock()
        new, errors = validate_new_patient(self._form(), now.date())
        for name, _, _ in FIELDS:
            self.query_one(f"#error-{name}", Static).update(errors.get(name, ""))
        if new is None:
            first = next(name for name, _, _ in FIELDS if name in errors)
            self.query_one(f"#new-{first}", Input).focus()
            return
        try:
            duplicates = possible_duplicates(self.engine, new)
        except UserError as exc:
            self.notify(str(exc), severity="error", markup=False)
            return
        if not duplicates:
            self._register(new)
            return

        def answered(register: bool | None) -> None:
            if register:
                self._register(new)

        self.app.push_screen(
            ConfirmScreen(
                "Already registered? Register a new patient anyway?",
                "Possible duplicates:\n"
                + "\n".join(f"  {d.line}" for d in duplicates)
                + "\nNo: back to the form (Esc, then find them on the queue).",
                enter_says_no=True,
                yes="register anyway",
                no="back to the form",
            ),
            answered,
        )

    def _register(self, new: NewPatient) -> None:
        now = self.clock()
        try:
            encounter_id = register_walk_in(self.engine, new, now=now, staff_id=self.staff_id)
        except UserError as exc:  # nothing was stored: the form stays as typed
            self.notify(str(exc), severity="error", markup=False)
            return
        self.dismiss(encounter_id)
