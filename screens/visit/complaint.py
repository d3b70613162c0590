"""Chief complaint: why the patient came, in their own words, and the HPI.

The complaint field completes common complaints as you type (Right arrow takes the
suggestion); the HPI fields that matter most for that complaint are marked.
"""

from __future__ import annotations

from typing import ClassVar

from textual.actions import SkipAction
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Grid, VerticalScroll
from textual.suggester import SuggestFromList
from textual.widgets import Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from ma_tui.complaint.draft import (
    COMPLAINT_MAX,
    HPI_MAX,
    SEVERITY_PROBLEM,
    as_typed,
    parse_severity,
    severity_shown,
)
from ma_tui.complaint.prompts import HPI_FIELDS, HPI_LABELS, complaint_names, hpi_prompts
from ma_tui.core.errors import UserError
from ma_tui.screens.visit.visit import VisitScreen
from ma_tui.screens.widgets.common import PickList
from ma_tui.screens.widgets.css import screen_css


class ComplaintScreen(VisitScreen):
    STEP = "complaint"
    TITLE = "Chief complaint"
    CSS = screen_css(__file__, "complaint.tcss")
    AUTO_FOCUS = "#chief-complaint"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f2", "quick_pick", "Common complaints", id="complaint.quick_pick"),
        # The HPI grid is two fields a row: Up and Down skip the field beside.
        Binding("down", "hpi_row(1)", "Row below", show=False, id="complaint.row_below"),
        Binding("up", "hpi_row(-1)", "Row above", show=False, id="complaint.row_above"),
    ]

    def compose_body(self) -> ComposeResult:
        names = complaint_names()
        with VerticalScroll(id="complaint-body"):
            yield Label("Chief complaint, in the patient's own words", classes="section-title")
            yield Input(
                id="chief-complaint",
                placeholder="e.g. cough for 5 days",
                suggester=SuggestFromList(names, case_sensitive=False),
                max_length=COMPLAINT_MAX,
            )
            yield PickList(
                *[Option(name, id=name) for name in names],
                id="quick-pick",
            )
            yield Static(id="hpi-hint", classes="hint")
            yield Label("History of present illness", classes="section-title")
            with Grid(id="hpi-grid"):
                for name in HPI_FIELDS:  # reading order, two per row, is Tab order
                    yield Label(HPI_LABELS[name], id=f"label-{name}", classes="hpi-label")
                    yield Input(
                        id=f"hpi-{name}",
                        classes="hpi",
                        compact=True,
                        max_length=2 if name == "severity" else HPI_MAX,
                    )
            yield Static(id="complaint-error", classes="error")

    def fill(self) -> None:
        draft = self.visit.draft.complaint
        complaint = self.query_one("#chief-complaint", Input)
        with complaint.prevent(Input.Changed):
            complaint.value = draft.chief_complaint
        for name in HPI_FIELDS:
            value = severity_shown(draft) if name == "severity" else draft.hpi.get(name, "")
            field = self.query_one(f"#hpi-{name}", Input)
            with field.prevent(Input.Changed):
                field.value = value
        self.query_one("#quick-pick", PickList).display = False
        self.query_one("#complaint-error", Static).update("")
        self._mark_prompts()
        self.set_focus(complaint)

    def action_hpi_row(self, rows: int) -> None:
        """The HPI field a row below or above; from the complaint, Down is the first."""
        focused = self.focused
        if not isinstance(focused, Input):
            raise SkipAction()
        names = list(HPI_FIELDS)
        if focused.id == "chief-complaint":
            if rows < 0:
                raise SkipAction()
            self.set_focus(self.query_one(f"#hpi-{names[0]}", Input))
            return
        name = (focused.id or "").removeprefix("hpi-")
        if name not in names:
            raise SkipAction()
        index = names.index(name) + 2 * rows
        if index < 0:
            self.set_focus(self.query_one("#chief-complaint", Input))
        elif index < len(names):
            self.set_focus(self.query_one(f"#hpi-{names[index]}", Input))

    def action_quick_pick(self) -> None:
        self.query_one("#quick-pick", PickList).open()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        """A picked complaint fills an empty field, or is added to what is there."""
        event.stop()
        field = self.query_one("#chief-complaint", Input)
        picked = str(event.option.id)
        field.value = f"{field.value.rstrip(', ')}, {picked}" if field.value.strip() else picked
        event.option_list.display = False
        field.focus()
        field.cursor_position = len(field.value)

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id == "chief-complaint":
            self._mark_prompts()

    def _mark_prompts(self) -> None:
        """Bold the HPI fields the catalog names for this complaint."""
        prompts = hpi_prompts(self.query_one("#chief-complaint", Input).value)
        for name in HPI_FIELDS:
            self.query_one(f"#label-{name}", Label).set_class(name in prompts, "prompt")
        hint = self.query_one("#hpi-hint", Static)
        hint.update(
            "Ask about: " + ", ".join(HPI_LABELS[p].lower() for p in prompts) if prompts else ""
        )

    def commit_step(self) -> bool:
        severity = self.query_one("#hpi-severity", Input)
        error = self.query_one("#complaint-error", Static)
        try:
            parse_severity(severity.value)
        except UserError:
            error.update(SEVERITY_PROBLEM)
            severity.focus()
            return False
        error.update("")
        self.capture_draft()
        return True

    def capture_draft(self) -> None:
        """The complaint and HPI as typed; a severity not yet valid is kept as text."""
        self.visit.draft.complaint = as_typed(
            self.query_one("#chief-complaint", Input).value,
            {name: self.query_one(f"#hpi-{name}", Input).value for name in HPI_FIELDS},
            self.query_one("#hpi-severity", Input).value,
        )
