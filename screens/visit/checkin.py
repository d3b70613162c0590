"""Check-in: confirm two identifiers, then verify demographics and insurance.

Three sections, top to bottom, each finished with one Enter: the identity button,
then "unchanged" (or edit a field and press Enter), then "verified" for insurance.
An edit is kept in the draft as it is left, confirmed or not (``CheckInDraft.typed``),
and shown again when the visit is reopened; only confirmed edits are signed. The payer
and guardian relationship complete from the catalogs (Right arrow takes the grey
suggestion). The rules (what a field shows, which edits are taken in) are
``ma_tui.checkin.rules``.
"""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Button, Input, Label, Static

from ma_tui.checkin.rules import (
    CheckInError,
    coverage_changes,
    demographic_changes,
    field_limit,
    is_minor,
    shown,
    typed_edits,
)
from ma_tui.core.errors import UserError
from ma_tui.immunizations.chart import due_for
from ma_tui.patients.chart import coverage_alert
from ma_tui.screens.messages import VisitClosed
from ma_tui.screens.visit.visit import VisitScreen
from ma_tui.screens.widgets.common import due_text, registration_suggester
from ma_tui.screens.widgets.css import screen_css

# (column, label, width) per row; rows fit 80 columns.
FieldRow = tuple[tuple[str, str, int], ...]
DEMOGRAPHICS: tuple[FieldRow, ...] = (
    (("phone", "Phone", 14), ("preferred_language", "Language", 14)),
    (("address_line", "Address", 24), ("city", "City", 12), ("state", "St", 3)),
    (("postal_code", "ZIP", 10),),
)
GUARDIAN: tuple[FieldRow, ...] = (
    (("guardian_name", "Guardian", 20), ("guardian_relationship", "Relation", 8)),
    (("guardian_phone", "Guardian phone", 14),),
)
INSURANCE: tuple[FieldRow, ...] = (
    (("payer", "Payer", 22), ("member_id", "Member ID", 14)),
    (("group_number", "Group", 10),),
)

# What each section's button says until it is done.
UNDONE = {
    "confirm-identity": "Name and date of birth match",
    "demographics-unchanged": "Unchanged",
    "coverage-unchanged": "Verified, unchanged",
}


class SectionButton(Button):
    """A section's button: Enter finishes the section at once, in the frame the key is
    answered in; ``Button`` would first flash it pressed and send ``Pressed`` (one
    frame, and one message, later). A click still presses it."""

    def action_press(self) -> None:
        if isinstance(self.screen, CheckInScreen) and not self.disabled:
            self.screen.finish_section(self)
        else:
            super().action_press()


class CheckInScreen(VisitScreen):
    STEP = "checkin"
    TITLE = "Check-in"
    CSS = screen_css(__file__, "checkin.tcss")
    AUTO_FOCUS = "#confirm-identity"
    _minor = False  # guardian fields shown: set by fill for each patient
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f2", "confirm_identity", "IDs confirmed", id="checkin.identity"),
    ]

    def compose_body(self) -> ComposeResult:
        with VerticalScroll(id="checkin-body"):
            yield Static("Identity", classes="section-title")
            yield Static(
                "Ask the patient to say their full name and date of birth; "
                "a room number is not an identifier.",
                classes="hint",
            )
            yield Static(id="identity-line", markup=False)
            yield Static(id="vaccines-due")
            yield SectionButton(UNDONE["confirm-identity"], id="confirm-identity", compact=True)
            yield Static("Demographics", classes="section-title")
            yield SectionButton(
                UNDONE["demographics-unchanged"], id="demographics-unchanged", compact=True
            )
            yield from self._fields("demo", DEMOGRAPHICS)
            yield from self._fields("demo", GUARDIAN, classes="guardian")
            yield Static(id="demographics-error", classes="error")
            yield Static("Insurance", classes="section-title")
            yield Static(id="coverage-alert", classes="alert")
            yield SectionButton(UNDONE["coverage-unchanged"], id="coverage-unchanged", compact=True)
            yield from self._fields("cov", INSURANCE)
            yield Static(id="coverage-error", classes="error")

    def fill(self) -> None:
        chart, draft = self.visit.chart, self.visit.draft.checkin
        patient = chart.patient
        self.query_one("#identity-line", Static).update(
            f"{patient.family_name}, {patient.given_name}    "
            f"DOB {patient.birth_date:%m/%d/%Y}    MRN {patient.mrn}"
        )
        self._show_vaccines_due()
        # Guardian fields only for a minor; an adult's are hidden and never read.
        self._minor = is_minor(patient, self.visit.now().date())
        for row in self.query(".guardian-row"):
            row.display = self._minor
        for field in self.query(Input):
            with field.prevent(Input.Changed):
                field.value = shown(_field_name(field), draft, patient, chart.coverage)
        alert = coverage_alert(chart.coverage, self.visit.now().date())
        alert_widget = self.query_one("#coverage-alert", Static)
        alert_widget.update(f"⚠ {alert}" if alert else "")
        alert_widget.display = alert is not None
        self.query_one("#demographics-error", Static).update("")
        self.query_one("#coverage-error", Static).update("")
        self._show_state()
        self._focus_first_open_section()

    def _show_vaccines_due(self) -> None:
        """The routine vaccines due today, from the imported and recorded history."""
        patient, today = self.visit.chart.patient, self.visit.now().date()
        try:
            due = due_for(
                self.visit.engine, {self.visit.chart.patient_id: patient.birth_date}, today
            )
        except UserError as exc:
            self.notify(str(exc), severity="warning", markup=False)
            return
        self.query_one("#vaccines-due", Static).update(
            due_text(due.get(self.visit.chart.patient_id))
        )

    def _fields(self, kind: str, rows: tuple[FieldRow, ...], classes: str = "") -> ComposeResult:
        for row in rows:
            with Horizontal(classes=f"field-row {classes}-row" if classes else "field-row"):
                for name, label, width in row:
                    yield Label(label, classes="field-label")
                    field = Input(
                        id=f"{kind}-{name}",
                        classes=f"{kind} {classes}".strip(),
                        max_length=field_limit(name),
                        suggester=registration_suggester(name),
                        compact=True,
                    )
                    field.styles.width = width + 2
                    yield field

    def _inputs(self, kind: str | None = None) -> list[Input]:
        """The fields shown for this patient (a section's with ``kind``)."""
        fields = self.query(Input) if kind is None else self.query(Input).filter(f".{kind}")
        return [f for f in fields if self._minor or not f.has_class("guardian")]

    # --------------------------------------------------------------- sections

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.finish_section(event.button)

    def finish_section(self, button: Button) -> None:
        """The section of ``button`` done (Enter on it, or a click)."""
        if button.id == "confirm-identity":
            self.action_confirm_identity()
        elif button.id == "demographics-unchanged":
            self._finish_demographics()
        elif button.id == "coverage-unchanged":
            self._finish_coverage()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        """Enter in a section's field finishes that section, edits included."""
        event.stop()
        event.prevent_default()  # not also VisitScreen's Enter-moves-on
        if event.input.has_class("demo"):
            self._finish_demographics()
        else:
            self._finish_coverage()

    def action_confirm_identity(self) -> None:
        draft = self.visit.draft.checkin
        if draft.identity_confirmed_at is None:
            draft.identity_confirmed_at = self.visit.now()
        self._show_state()
        # set_focus, not focus(): at once, so a fast second Enter lands here.
        self.set_focus(self.query_one("#demographics-unchanged", Button))
        self.save_after_paint()

    def _finish_demographics(self) -> None:
        if not self._identity_confirmed():
            return
        changes = self._demographic_changes()
        if changes is None:
            return
        draft = self.visit.draft.checkin
        draft.demographic_changes, draft.demographics_confirmed = changes, True
        self._show_state()
        self.set_focus(self.query_one("#coverage-unchanged", Button))
        self.save_after_paint()

    def _finish_coverage(self) -> None:
        if not self._identity_confirmed():
            return
        changes = self._coverage_changes()
        if changes is None:
            return
        draft = self.visit.draft.checkin
        draft.coverage_changes, draft.coverage_confirmed = changes, True
        self._show_state()
        self.action_next_step()

    def commit_step(self) -> bool:
        """Nothing clinical is entered for a patient whose identity is unconfirmed."""
        return self._identity_confirmed()

    def capture_draft(self) -> None:
        """The fields edited, as typed, confirmed or not: a kill keeps a half-made edit.

        Only what differs from what the field would show anyway (the confirmed edit,
        else the record) is kept, so a field not touched follows the record.
        """
        chart, draft = self.visit.chart, self.visit.draft.checkin
        values = {_field_name(field): field.value for field in self._inputs()}
        draft.typed = typed_edits(values, draft, chart.patient, chart.coverage)

    def action_leave(self) -> None:
        """Leave even before the identifiers are confirmed: nothing clinical is lost."""
        if self.save_as_typed():
            self.post_message(VisitClosed())

    # ------------------------------------------------------------- reading

    def _identity_confirmed(self) -> bool:
        if self.visit.draft.checkin.identity_confirmed_at is None:
            self.notify(
                "Confirm two identifiers first: name and date of birth.", severity="warning"
            )
            self.query_one("#confirm-identity", Button).focus()
            return False
        return True

    def _section(self, kind: str) -> dict[str, str]:
        """The section's fields as on screen: column -> text."""
        return {_field_name(field): field.value for field in self._inputs(kind)}

    def _demographic_changes(self) -> dict[str, str | None] | None:
        error = self.query_one("#demographics-error", Static)
        try:
            changes = demographic_changes(self.visit.chart.patient, self._section("demo"))
        except CheckInError as exc:
            error.update(f"{_label(exc.field or '')}: {exc}")
            if exc.field is not None:
                self.query_one(f"#demo-{exc.field}", Input).focus()
            return None
        error.update("")
        return changes

    def _coverage_changes(self) -> dict[str, str | None] | None:
        error = self.query_one("#coverage-error", Static)
        try:
            changes = coverage_changes(self.visit.chart.coverage, self._section("cov"))
        except CheckInError as exc:
            error.update(str(exc))
            return None
        error.update("")
        return changes

    # ------------------------------------------------------------- showing

    def _show_state(self) -> None:
        draft = self.visit.draft.checkin
        _mark(
            self.query_one("#confirm-identity", Button),
            draft.identity_confirmed_at is not None,
            "✓ Identity confirmed (name and date of birth)",
        )
        edited = " with changes" if draft.demographic_changes else ", unchanged"
        _mark(
            self.query_one("#demographics-unchanged", Button),
            draft.demographics_confirmed,
            f"✓ Demographics verified{edited}",
        )
        edited = " with changes" if draft.coverage_changes else ", unchanged"
        _mark(
            self.query_one("#coverage-unchanged", Button),
            draft.coverage_confirmed,
            f"✓ Insurance verified{edited}",
        )

    def _focus_first_open_section(self) -> None:
        draft = self.visit.draft.checkin
        if draft.identity_confirmed_at is None:
            first = "#confirm-identity"
        elif not draft.demographics_confirmed:
            first = "#demographics-unchanged"
        else:
            first = "#coverage-unchanged"
        self.set_focus(self.query_one(first, Button))


def _field_name(field: Input) -> str:
    assert field.id is not None
    return field.id.split("-", 1)[1]


def _label(name: str) -> str:
    for rows in (DEMOGRAPHICS, GUARDIAN, INSURANCE):
        for row in rows:
            for field_name, label, _ in row:
                if field_name == name:
                    return label
    return name


def _mark(button: Button, done: bool, done_label: str) -> None:
    label = done_label if done else UNDONE[button.id or ""]
    if str(button.label) != label:
        button.label = label
        button.refresh(layout=True)  # an auto-width button is not measured again otherwise
    button.set_class(done, "done")
