"""A signed visit: its stored values, and corrections that never overwrite.

``c`` on a value asks for the right one; the wrong value is kept, marked
entered-in-error, and the right one is stored beside it (FHIR's correction rule,
``ma_tui.visits.correcting``). F6 writes the visit, corrections included, as a FHIR
Bundle to the export folder.
"""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import DataTable, Input, Label, Static

from ma_tui.core.clock import Clock
from ma_tui.core.errors import UserError
from ma_tui.core.transaction import Engine
from ma_tui.patients.chart import Chart, banner_identity
from ma_tui.screens.messages import VisitClosed
from ma_tui.screens.visit.export import export_in_background
from ma_tui.screens.visit.vital_check import Decision, VitalCheckScreen
from ma_tui.screens.widgets.common import PatientBanner, settle_inputs
from ma_tui.screens.widgets.css import screen_css
from ma_tui.screens.widgets.footer import KeyFooter
from ma_tui.visits.correcting import SignedVital, correct_vital, signed_vitals
from ma_tui.visits.draft import allergy_line
from ma_tui.vitals.catch import catch_note
from ma_tui.vitals.correction import NeedsConfirm
from ma_tui.vitals.entry import FieldCheck
from ma_tui.vitals.readback import flag_label, vital_name


class SignedVisitScreen(Screen[None]):
    TITLE = "Signed visit"
    CSS = screen_css(__file__, "signed.tcss")
    AUTO_FOCUS = "#signed-values"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("c", "correct", "Correct value", id="signed.correct"),
        Binding("f6", "export", "Export", id="signed.export"),
        Binding("escape", "leave", "Queue", id="signed.leave"),
    ]

    def __init__(self, engine: Engine, clock: Clock, chart: Chart, staff_id: int | None) -> None:
        super().__init__()
        self.engine = engine
        self.clock = clock
        self.chart = chart
        self.staff_id = staff_id
        self.values: list[SignedVital] = []
        self.correcting: SignedVital | None = None

    def compose(self) -> ComposeResult:
        yield PatientBanner(id="banner")
        yield Static(id="signed-title")
        table: DataTable[Text] = DataTable(id="signed-values", cursor_type="row")
        yield table
        yield Label("", id="correct-label")
        yield Input(id="correct-value", compact=True, max_length=20)
        yield Static(id="correct-error", classes="error")
        yield KeyFooter()

    def on_mount(self) -> None:
        settle_inputs(self)
        patient, encounter = self.chart.patient, self.chart.encounter
        today = self.clock().date()
        allergies = allergy_line(self.chart)
        self.query_one(PatientBanner).show(
            banner_identity(patient, today), allergies, alert=allergies.startswith("Allergies: ")
        )
        signed = (
            encounter.signed_at.astimezone(self.clock().tzinfo) if encounter.signed_at else None
        )
        self.query_one("#signed-title", Static).update(
            Text.assemble(
                ("Signed visit", "bold"),
                f"  {signed:%m/%d/%Y %H:%M}" if signed else "",
                f"  ·  {encounter.chief_complaint or ''}",
            )
        )
        table = self.query_one("#signed-values", DataTable)
        table.add_columns("Vital", "Value", "Flag", "Status")
        self._hide_correction()
        self._load()

    def _load(self) -> None:
        table = self.query_one("#signed-values", DataTable)
        table.clear()
        age_days = (self.clock().date() - self.chart.patient.birth_date).days
        self.values = signed_vitals(self.engine, self.chart.encounter_id, age_days)
        for value in self.values:
            style = "strike dim" if value.entered_in_error else ""
            table.add_row(
                Text(value.name, style=style),
                Text(value.shown, style=style),
                Text(flag_label(value.interpretation), style="bold red"),
                Text("entered in error" if value.entered_in_error else "final", style=style),
                key=str(value.observation_id),
            )

    def action_export(self) -> None:
        export_in_background(
            self.app,
            self.engine,
            self.chart.encounter_id,
            now=self.clock(),
            staff_id=self.staff_id,
            failed=lambda reason: f"Not exported: {reason}",
        )

    # ------------------------------------------------------------ correcting

    def action_correct(self) -> None:
        table = self.query_one("#signed-values", DataTable)
        if table.row_count == 0:
            return
        wrong = self.values[table.cursor_row]
        if wrong.entered_in_error:
            self.notify("Pick a value that is still final.", severity="warning")
            return
        self.correcting = wrong
        self.query_one("#correct-label", Label).update(
            f"Right value for {vital_name(wrong.code).lower()} (Enter stores, Esc cancels):"
        )
        field = self.query_one("#correct-value", Input)
        field.value = ""
        for widget in ("#correct-label", "#correct-value", "#correct-error"):
            self.query_one(widget).display = True
        field.focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self._store_correction(event.value)

    def _store_correction(
        self, text: str, confirmed: str | None = None, unit_catch: str | None = None
    ) -> None:
        """Store the right value, after the same checks the vitals screen makes."""
        wrong = self.correcting
        if wrong is None:
            return
        try:
            correct_vital(
                self.engine,
                self.chart,
                wrong.observation_id,
                text,
                staff_id=self.staff_id,
                now=self.clock(),
                confirmed=confirmed,
                unit_catch=unit_catch,
            )
        except NeedsConfirm as held:
            self._ask(held.check)
            return
        except UserError as exc:
            self.query_one("#correct-error", Static).update(str(exc))
            return
        self.notify(
            f"Corrected: {text.strip()} stored; the old value is kept, marked.",
            markup=False,
        )
        self._hide_correction()
        self._load()

    def _ask(self, check: FieldCheck) -> None:
        field = self.query_one("#correct-value", Input)
        assert self.correcting is not None
        what = f"{vital_name(self.correcting.code)} {check.text}"

        def decided(decision: Decision | None) -> None:
            if decision == "keep":
                self._store_correction(check.text, confirmed=check.text)
            elif decision == "unit" and check.other_unit is not None:
                field.value = check.other_unit.text
                self._store_correction(field.value, unit_catch=catch_note(check))
            else:
                field.focus()

        self.app.push_screen(VitalCheckScreen(what, check), decided)

    def _hide_correction(self) -> None:
        for widget in ("#correct-label", "#correct-value", "#correct-error"):
            self.query_one(widget).display = False
        self.query_one("#correct-error", Static).update("")

    def action_leave(self) -> None:
        if self.query_one("#correct-value", Input).display:
            self._hide_correction()
            self.query_one("#signed-values", DataTable).focus()
            return
        self.post_message(VisitClosed())
