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
from ma_tui.core.transaction import Engine
from ma_tui.patients.registration import (
    NewPatientForm,
    register_walk_in,
    validate_new_patient,
)
from ma_tui.screens.widgets.common import registration_suggester, settle_inputs
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

    def action_cancel(self) -> None:
        self.dismiss(None)

    def action_register(self) -> None:
        values = {name: self.query_one(f"#new-{name}", Input).value for name, _, _ in FIELDS}
        form = NewPatientForm(**values)
        now = self.clock()
        new, errors = validate_new_patient(form, now.date())
        for name, _, _ in FIELDS:
            self.query_one(f"#error-{name}", Static).update(errors.get(name, ""))
        if new is None:
            first = next(name for name, _, _ in FIELDS if name in errors)
            self.query_one(f"#new-{first}", Input).focus()
            return
        try:
            encounter_id = register_walk_in(self.engine, new, now=now, staff_id=self.staff_id)
        except UserError as exc:  # nothing was stored: the form stays as typed
            self.notify(str(exc), severity="error", markup=False)
            return
        self.dismiss(encounter_id)
