"""Review & sign: the whole visit on one screen, every value read back with its flag.

Number keys jump to a step to fix something (Ctrl+R comes back here); Ctrl+S signs
the visit in one transaction and hands the patient to the provider. F6 signs it the
same way and then writes it as a FHIR Bundle to the clinic's export folder.
"""

from __future__ import annotations

from datetime import tzinfo
from typing import ClassVar

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Input, Label, Static

from ma_tui.checkin.draft import CheckInDraft
from ma_tui.complaint.draft import HPI_TEXT_FIELDS, ComplaintDraft
from ma_tui.core.errors import UserError
from ma_tui.history.draft import HistoryDraft
from ma_tui.history.entry import SECTION_TITLES, SECTIONS
from ma_tui.history.rows import section_rows
from ma_tui.history.settings import read_review_required, unreviewed
from ma_tui.patients.chart import Chart, coverage_alert
from ma_tui.patients.registration import clean_text
from ma_tui.rooms.store import next_ready_room
from ma_tui.screenings import AnswersRefused, ScreeningsDraft, results, unacknowledged
from ma_tui.screens.messages import ReloadVisit, VisitClosed
from ma_tui.screens.visit.export import export_in_background
from ma_tui.screens.visit.visit import VisitScreen, sentence
from ma_tui.screens.widgets.css import screen_css
from ma_tui.visits.draft import ROOM_MAX
from ma_tui.visits.holding import DraftChanged
from ma_tui.visits.signing import SignError, sign_problems, sign_visit
from ma_tui.visits.steps import REVIEW, STEPS
from ma_tui.vitals.codes import DIASTOLIC_BP, SYSTOLIC_BP
from ma_tui.vitals.draft import VitalEntry
from ma_tui.vitals.expected import not_taken
from ma_tui.vitals.readback import flag_label, readback, unit_label, vital_name

STEP_KEYS = Binding.Group("Step", compact=True)


class ReviewScreen(VisitScreen):
    STEP = REVIEW
    TITLE = "Review & sign"
    CSS = screen_css(__file__, "review.tcss")
    AUTO_FOCUS = "#review-body"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "sign", "Sign", id="review.sign", priority=True),
        Binding("f4", "room", "Room", id="review.room"),
        Binding("f7", "next_room", "Next ready room", id="review.next_room", show=False),
        Binding("f6", "sign_and_export", "Sign+export", id="review.export"),
        # Back still goes back; the step keys say more in the footer's room.
        Binding("ctrl+b", "previous_step", "Back", show=False, id="review.previous"),
        *(
            Binding(str(number), f"jump('{step}')", title, id=f"review.{step}", group=STEP_KEYS)
            for number, (step, title) in enumerate(
                (
                    ("checkin", "Check-in"),
                    ("vitals", "Vitals"),
                    ("history", "History"),
                    ("complaint", "Complaint"),
                    ("screenings", "Screenings"),
                ),
                start=1,
            )
        ),
    ]

    def compose_body(self) -> ComposeResult:
        with Horizontal(id="room-row"):
            yield Label("Room for the provider", id="room-label")
            yield Input(
                placeholder="e.g. Exam 3",
                id="room",
                compact=True,
                max_length=ROOM_MAX,
            )
        with VerticalScroll(id="review-body"):
            yield Static(id="review-problems", classes="problems")
            yield Static(id="review-visit")

    history_review_required = False  # the clinic's setting, read each time review shows

    def fill(self) -> None:
        try:
            self.history_review_required = read_review_required(self.visit.engine)
        except UserError:  # the database is away: signing reads it again
            self.history_review_required = False
        room = self.query_one("#room", Input)
        with room.prevent(Input.Changed):
            room.value = self.visit.draft.room or (self.visit.chart.encounter.room or "")
        self._show()
        body = self.query_one("#review-body", VerticalScroll)
        body.scroll_home(animate=False)
        self.set_focus(body)

    def _show(self) -> None:
        chart, draft = self.visit.chart, self.visit.draft
        problems = sign_problems(draft, history_review_required=self.history_review_required)
        problems_widget = self.query_one("#review-problems", Static)
        problems_widget.update(
            Text("Before signing: " + " ".join(problems), style="bold red") if problems else ""
        )
        problems_widget.display = bool(problems)
        today = self.visit.now().date()
        self.query_one("#review-visit", Static).update(
            Group(
                _heading("1", "Check-in"),
                _checkin(draft.checkin, coverage_alert(chart.coverage, today)),
                _heading("2", "Vitals", _taken(draft.vitals.entries, self.visit.now().tzinfo)),
                _vitals(draft.vitals.entries, (today - chart.patient.birth_date).days),
                _heading("3", "History", _unreviewed(draft.history, self.history_review_required)),
                _history(chart, draft.history),
                _heading("4", "Chief complaint"),
                _complaint(draft.complaint),
                _heading("5", "Screenings"),
                _screenings(draft.screenings, self.visit.now().tzinfo),
            )
        )

    def action_jump(self, step: str) -> None:
        if step in STEPS and step != REVIEW:
            self.go_to(step)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        event.prevent_default()
        self.commit_step()
        self.query_one("#review-body", VerticalScroll).focus()

    def action_room(self) -> None:
        self.query_one("#room", Input).focus()

    def action_next_room(self) -> None:
        """The room ready the longest, in the room field: signing puts the patient there."""
        try:
            room = next_ready_room(self.visit.engine)
        except UserError as exc:
            self.notify(str(exc), severity="warning", markup=False)
            return
        if room is None:
            self.notify("No room is ready: see the room board (F7 on the queue).")
            return
        self.query_one("#room", Input).value = room.name
        self.capture_draft()

    def commit_step(self) -> bool:
        self.capture_draft()
        return True

    def capture_draft(self) -> None:
        self.visit.draft.room = clean_text(self.query_one("#room", Input).value, limit=ROOM_MAX)

    def action_sign(self) -> None:
        if self._sign():
            self._close()

    def action_sign_and_export(self) -> None:
        """Sign, then send the signed visit to the export folder (its values exist
        in the record only once signed)."""
        if not self._sign():
            return
        export_in_background(
            self.app,
            self.visit.engine,
            self.visit.draft.encounter_id,
            now=self.visit.now(),
            staff_id=self.visit.staff_id,
            failed=lambda reason: (
                f"Signed, but not exported: {reason} Open the visit from the queue and "
                "press F6 to try again."
            ),
        )
        self._close()

    def _sign(self) -> bool:
        """Sign the visit; False (and why, on screen) when it cannot be."""
        self.commit_step()
        draft = self.visit.draft
        visit = self.visit
        try:
            # After any save still on its way, at the version it leaves.
            visit.write(
                lambda: sign_visit(
                    visit.engine,
                    draft,
                    staff_id=visit.staff_id,
                    now=visit.now(),
                    holder=visit.holder,
                    terminal=visit.terminal,
                )
            )
        except SignError as exc:
            self.notify("Not signed: " + " ".join(exc.problems), severity="error", timeout=8)
            self._show()
            return False
        except DraftChanged as exc:
            self.notify(f"Not signed: {sentence(exc)}", severity="error", timeout=12, markup=False)
            self.post_message(ReloadVisit(draft.encounter_id, self.STEP))
            return False
        except UserError as exc:
            self.notify(f"Not signed: {sentence(exc)}", severity="error", timeout=8, markup=False)
            return False
        self.visit.signed = True
        patient = self.visit.chart.patient
        self.app.notify(
            f"Signed. {patient.given_name} {patient.family_name} is ready for the provider.",
            markup=False,  # names may hold [brackets]
        )
        return True

    def _close(self) -> None:
        self.post_message(VisitClosed())


def _heading(key: str, title: str, note: str = "") -> Text:
    return Text.assemble(
        ("\n" if key != "1" else "", ""), (f"[{key}] ", "dim"), (title, "bold"), (note, "dim")
    )


def _taken(vitals: list[VitalEntry], tz: tzinfo | None) -> str:
    """``  taken 09:20`` in the clinic's time: every value of the form shares it."""
    times = sorted({vital.taken_at for vital in vitals})
    return f"  taken {times[0].astimezone(tz):%H:%M}" if times else ""


def _unreviewed(history: HistoryDraft, required: bool) -> str:
    """``  2 sections not reviewed (required before signing)`` beside the heading."""
    count = len(unreviewed(history))
    if not count:
        return ""
    rule = "required before signing" if required else "signing allowed"
    return f"  {count} section{'s' if count > 1 else ''} not reviewed ({rule})"


def _done(label: str, done: bool) -> Text:
    return Text(f"  {'✓' if done else '✗'} {label}", style="green" if done else "bold red")


def _checkin(draft: CheckInDraft, alert: str | None) -> RenderableType:
    lines: list[RenderableType] = [
        _done(
            "Two identifiers confirmed"
            if draft.identity_confirmed_at is not None
            else "Two identifiers not confirmed",
            draft.identity_confirmed_at is not None,
        ),
        _verified("Demographics", draft.demographics_confirmed, draft.demographic_changes),
        _verified("Insurance", draft.coverage_confirmed, draft.coverage_changes),
    ]
    if alert:
        lines.append(Text(f"  ⚠ {alert}", style="bold yellow"))
    return Group(*lines)


def _verified(section: str, done: bool, changes: dict[str, str | None]) -> Text:
    """``✓ Insurance verified, unchanged``, or ``✗ Insurance not verified``."""
    if not done:
        return _done(f"{section} not verified", False)
    return _done(f"{section} verified{_changes(changes)}", True)


def _changes(changes: dict[str, str | None]) -> str:
    if not changes:
        return ", unchanged"
    return ": " + ", ".join(
        f"{name.replace('_', ' ')} → {value or '(none)'}" for name, value in changes.items()
    )


def _vitals(vitals: list[VitalEntry], age_days: int) -> RenderableType:
    if not vitals:
        return Text("  No vitals entered.", style="yellow")
    missing = [
        Text(f"  ✗ {name}: not taken", style="bold red") for name in not_taken(vitals, age_days)
    ]
    return Group(_vitals_table(vitals, age_days), *missing)


def _vitals_table(vitals: list[VitalEntry], age_days: int) -> Table:
    table = Table(box=None, show_header=False, padding=(0, 1), pad_edge=False)
    table.add_column(no_wrap=True)
    table.add_column()
    table.add_column(no_wrap=True)
    for vital in vitals:
        if vital.code == DIASTOLIC_BP:
            continue  # one row per reading: its systolic's, measured or not obtained
        name = vital_name(vital.code, vital.reading_group, age_days)
        if vital.not_obtained_reason:
            table.add_row(f"  {name}", Text(f"not obtained: {vital.not_obtained_reason}"), "")
            continue
        value = _bp_text(vital, vitals) if vital.code == SYSTOLIC_BP else _value_text(vital)
        flag = flag_label(vital.interpretation)
        table.add_row(f"  {name}", value, Text(flag, style="bold red") if flag else "")
        if vital.confirmation:  # the provider sees that the MA checked it again
            table.add_row("", Text(f"confirmed: {vital.confirmation}", style="yellow"), "")
    return table


def _value_text(vital: VitalEntry) -> Text:
    text = readback(vital.value_entered, vital.unit_entered, vital.value, vital.unit)
    extra = _qualifiers(vital)
    return Text(text + (f"  {extra}" if extra else ""))


def _bp_text(systolic: VitalEntry, vitals: list[VitalEntry]) -> Text:
    diastolic = next(
        (v for v in vitals if v.code == DIASTOLIC_BP and v.reading_group == systolic.reading_group),
        None,
    )
    low = diastolic.value_entered if diastolic else "?"
    extra = _qualifiers(systolic)
    style = (
        "bold red" if systolic.interpretation or (diastolic and diastolic.interpretation) else ""
    )
    return Text(
        f"{systolic.value_entered}/{low} {unit_label(systolic.unit)}"
        + (f"  {extra}" if extra else ""),
        style=style,
    )


def _qualifiers(vital: VitalEntry) -> str:
    parts = [p for p in (vital.position, vital.site, vital.method) if p]
    if vital.o2_flow_l_min is not None:
        parts.append(f"on O2 {vital.o2_flow_l_min:g} L/min")
    return ", ".join(parts)


def _history(chart: Chart, draft: HistoryDraft) -> RenderableType:
    """Each section's review, and only what this visit changed in it."""
    lines: list[RenderableType] = []
    for section in SECTIONS:
        reviewed = section in draft.reviewed
        label = SECTION_TITLES[section] + (": none known" if draft.reviewed.get(section) else "")
        lines.append(_done(label + (", reviewed" if reviewed else ", not reviewed"), reviewed))
        for row in section_rows(chart, draft, section):
            summary = " · ".join(cell for cell in row.cells if cell)
            if row.new:
                lines.append(Text(f"      + {summary}", style="cyan"))
            elif row.struck:
                lines.append(Text(f"      entered in error: {summary}", style="strike"))
            elif row.confirmed:
                lines.append(Text(f"      {summary}"))
    return Group(*lines)


def _complaint(draft: ComplaintDraft) -> RenderableType:
    lines: list[RenderableType] = [
        Text("  " + (draft.chief_complaint or "(not written)"), style="bold")
    ]
    for name in HPI_TEXT_FIELDS:
        if draft.hpi.get(name):
            lines.append(Text(f"    {name.capitalize()}: {draft.hpi[name]}"))
    if draft.hpi_severity is not None:
        lines.append(Text(f"    Severity: {draft.hpi_severity}/10"))
    return Group(*lines)


def _screenings(draft: ScreeningsDraft, tz: tzinfo | None) -> RenderableType:
    """Each screening's total and severity, and every alert with who acknowledged it."""
    try:
        given = results(draft, draft.sex)
        waiting = unacknowledged(draft, draft.sex)
    except AnswersRefused as exc:
        return Text(f"  {exc}", style="bold red")
    if not given:
        return Text("  None given.", style="dim")
    lines: list[RenderableType] = []
    for result in given:
        style = "bold yellow" if result.positive else ""
        lines.append(Text(f"  {result.summary}", style=style))
        for alert in result.alerts:
            ack = next((a for a in draft.acknowledgements if a.covers(alert)), None)
            if alert in waiting or ack is None:
                lines.append(Text(f"    ⚠ NOT ACKNOWLEDGED: {alert.text}", style="bold red"))
                continue
            lines.append(
                Text(
                    f"    ⚠ {alert.text} Acknowledged by {ack.by} at "
                    f"{ack.at.astimezone(tz):%H:%M}.",
                    style="bold red",
                )
            )
    return Group(*lines)
