"""Check-in: confirm two identifiers, then verify demographics and insurance.

Three sections, top to bottom, each finished with one Enter: the identity button,
then "unchanged" (or edit a field and press Enter), then "verified" for insurance.
An edit is kept in the draft as it is left, confirmed or not (``checkin_typed``), and
shown again when the visit is reopened; only confirmed edits are signed. The payer
and guardian relationship complete from the catalogs (Right arrow takes the grey
suggestion).
"""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Button, Input, Label, Static

from ma_tui.core.ages import age_in_years
from ma_tui.core.parsing import ParseError, normalize_phone
from ma_tui.data.models.patients import Coverage, Patient
from ma_tui.patients.chart import coverage_alert
from ma_tui.patients.registration import (
    ADULT_AGE,
    clean_text,
    column_limit,
)
from ma_tui.screens.visit.visit import VisitScreen
from ma_tui.screens.widgets.common import registration_suggester
from ma_tui.visits.rooming import VisitDraft

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
PHONE_FIELDS = {"phone", "guardian_phone"}


class CheckInScreen(VisitScreen):
    STEP = "checkin"
    TITLE = "Check-in"
    CSS_PATH = "checkin.tcss"
    AUTO_FOCUS = "#confirm-identity"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f2", "confirm_identity", "IDs confirmed", id="checkin.identity"),
    ]

    def compose_body(self) -> ComposeResult:
        patient = self.visit.chart.patient
        with VerticalScroll(id="checkin-body"):
            yield Static("Identity", classes="section-title")
            yield Static(
                "Ask the patient to say their full name and date of birth; "
                "a room number is not an identifier.",
                classes="hint",
            )
            yield Static(
                f"{patient.family_name}, {patient.given_name}    "
                f"DOB {patient.birth_date:%m/%d/%Y}    MRN {patient.mrn}",
                id="identity-line",
                markup=False,
            )
            yield Button("Name and date of birth match", id="confirm-identity", compact=True)
            yield Static("Demographics", classes="section-title")
            yield Button("Unchanged", id="demographics-unchanged", compact=True)
            draft = self.visit.draft
            yield from _fields("demo", DEMOGRAPHICS, patient, draft)
            if self._is_minor():
                yield from _fields("demo", GUARDIAN, patient, draft)
            yield Static(id="demographics-error", classes="error")
            yield Static("Insurance", classes="section-title")
            yield Static(id="coverage-alert", classes="alert")
            yield Button("Verified, unchanged", id="coverage-unchanged", compact=True)
            yield from _fields("cov", INSURANCE, self.visit.chart.coverage, draft)
            yield Static(id="coverage-error", classes="error")

    def on_mount(self) -> None:
        alert = coverage_alert(self.visit.chart.coverage, self.visit.now().date())
        alert_widget = self.query_one("#coverage-alert", Static)
        alert_widget.update(f"⚠ {alert}" if alert else "")
        alert_widget.display = alert is not None
        self._show_state()
        self._focus_first_open_section()

    # --------------------------------------------------------------- sections

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "confirm-identity":
            self.action_confirm_identity()
        elif event.button.id == "demographics-unchanged":
            self._finish_demographics()
        elif event.button.id == "coverage-unchanged":
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
        draft = self.visit.draft
        if draft.identity_confirmed_at is None:
            draft.identity_confirmed_at = self.visit.now()
        self._show_state()
        # set_focus, not focus(): at once, so a fast second Enter lands here.
        self.set_focus(self.query_one("#demographics-unchanged", Button))
        self.save_as_typed()

    def _finish_demographics(self) -> None:
        if not self._identity_confirmed():
            return
        changes = self._demographic_changes()
        if changes is None:
            return
        self.visit.draft.demographic_changes = changes
        self.visit.draft.demographics_confirmed = True
        self._show_state()
        self.set_focus(self.query_one("#coverage-unchanged", Button))
        self.save_as_typed()

    def _finish_coverage(self) -> None:
        if not self._identity_confirmed():
            return
        changes = self._coverage_changes()
        if changes is None:
            return
        self.visit.draft.coverage_changes = changes
        self.visit.draft.coverage_confirmed = True
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
        draft, chart = self.visit.draft, self.visit.chart
        typed: dict[str, str] = {}
        for field in self.query(Input):
            name = _field_name(field)
            if field.has_class("cov"):
                shown = _shown({}, draft.coverage_changes, chart.coverage, name)
            else:
                shown = _shown({}, draft.demographic_changes, chart.patient, name)
            if field.value != shown:
                typed[name] = field.value
        draft.checkin_typed = typed

    def action_leave(self) -> None:
        """Leave even before the identifiers are confirmed: nothing clinical is lost."""
        self.capture_draft()
        self.note_focus()
        if self.save_draft():
            self.app.pop_screen()

    # ------------------------------------------------------------- reading

    def _identity_confirmed(self) -> bool:
        if self.visit.draft.identity_confirmed_at is None:
            self.notify(
                "Confirm two identifiers first: name and date of birth.", severity="warning"
            )
            self.query_one("#confirm-identity", Button).focus()
            return False
        return True

    def _demographic_changes(self) -> dict[str, str | None] | None:
        patient = self.visit.chart.patient
        changes: dict[str, str | None] = {}
        error = self.query_one("#demographics-error", Static)
        for field in self.query(Input).filter(".demo"):
            name = _field_name(field)
            value = clean_text(field.value, limit=column_limit(Patient, name)) or None
            if value is not None and name in PHONE_FIELDS:
                try:
                    value = normalize_phone(value)
                except ParseError as exc:
                    error.update(f"{_label(name)}: {exc}")
                    field.focus()
                    return None
            if value != getattr(patient, name):
                changes[name] = value
        error.update("")
        return changes

    def _coverage_changes(self) -> dict[str, str | None] | None:
        coverage = self.visit.chart.coverage
        changes: dict[str, str | None] = {}
        for field in self.query(Input).filter(".cov"):
            name = _field_name(field)
            value = clean_text(field.value, limit=column_limit(Coverage, name)) or None
            if value != (getattr(coverage, name) if coverage else None):
                changes[name] = value
        payer = changes.get("payer", coverage.payer if coverage else None)
        member = changes.get("member_id", coverage.member_id if coverage else None)
        if bool(payer) != bool(member):
            self.query_one("#coverage-error", Static).update(
                "Payer and member ID go together: give both, or neither for self-pay."
            )
            return None
        self.query_one("#coverage-error", Static).update("")
        return changes

    def _is_minor(self) -> bool:
        born = self.visit.chart.patient.birth_date
        return age_in_years(born, self.visit.now().date()) < ADULT_AGE

    # ------------------------------------------------------------- showing

    def _show_state(self) -> None:
        draft = self.visit.draft
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
        draft = self.visit.draft
        if draft.identity_confirmed_at is None:
            self.query_one("#confirm-identity", Button).focus()
        elif not draft.demographics_confirmed:
            self.query_one("#demographics-unchanged", Button).focus()
        else:
            self.query_one("#coverage-unchanged", Button).focus()


def _shown(
    typed: dict[str, str],
    changes: dict[str, str | None],
    source: Patient | Coverage | None,
    name: str,
) -> str:
    """What a field shows: as last left in this visit, else its confirmed edit, else
    the record."""
    if name in typed:
        return typed[name]
    if name in changes:
        return changes[name] or ""
    return str(getattr(source, name, None) or "") if source is not None else ""


def _fields(
    kind: str,
    rows: tuple[FieldRow, ...],
    source: Patient | Coverage | None,
    draft: VisitDraft,
) -> ComposeResult:
    changes = draft.coverage_changes if kind == "cov" else draft.demographic_changes
    for row in rows:
        with Horizontal(classes="field-row"):
            for name, label, width in row:
                yield Label(label, classes="field-label")
                field = Input(
                    value=_shown(draft.checkin_typed, changes, source, name),
                    id=f"{kind}-{name}",
                    classes=kind,
                    max_length=column_limit(Coverage if kind == "cov" else Patient, name),
                    suggester=registration_suggester(name),
                    compact=True,
                )
                field.styles.width = width + 2
                yield field


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
    if done:
        button.label = done_label
        button.add_class("done")
    else:
        button.remove_class("done")
