"""Screenings: the questionnaires the clinic gives this patient, each typed on one line.

One row per screening the clinic's rules give this patient today (one not due says
when it is; the cursor starts on the first due one), and the PHQ-9 once a PHQ-2 is
positive. The answers are typed as the patient gives them (``0 1 2 1``, or
``declined``); the total and severity show as they are typed, and Enter takes the
line in. A PHQ-9 item 9 above "not at all" raises an alert: the MA tells the
clinician and acknowledges it (F7); the visit cannot be signed before.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Input, Label, Static

from ma_tui.screenings import (
    AnswersRefused,
    Instrument,
    InstrumentKind,
    ScreeningResult,
    ScreeningsDraft,
    ScreeningStatus,
    acknowledge,
    enter,
    keep_typed,
    parse_answers,
    pending_reflex,
    remove,
    results,
    screening_catalog,
    screening_status,
    unacknowledged,
)
from ma_tui.screenings.answers import DECLINED_WORDS, choices_hint
from ma_tui.screenings.scoring import reflex
from ma_tui.screens.visit.visit import VisitScreen
from ma_tui.screens.widgets.css import screen_css
from ma_tui.visits.holding import current_holder

TOBACCO = "tobacco"  # a history prompt: updated in the social history, not typed here
LINE_MAX = 60


def questionnaires() -> list[Instrument]:
    return [
        instrument
        for instrument in screening_catalog().instruments.values()
        if instrument.kind == InstrumentKind.QUESTIONNAIRE
    ]


class ScreeningsScreen(VisitScreen):
    STEP = "screenings"
    TITLE = "Screenings"
    CSS = screen_css(__file__, "screenings.tcss")
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f7", "acknowledge", "Acknowledge", id="screenings.acknowledge"),
        Binding("enter", "next_step", "Next", show=False, id="screenings.next"),
    ]

    def compose_body(self) -> ComposeResult:
        with VerticalScroll(id="screenings-body"):
            yield Static(id="screening-alert")
            yield Static(id="screening-none", classes="hint")
            for instrument in questionnaires():
                key = instrument.key
                with Horizontal(id=f"row-{key}", classes="screening-row"):
                    yield Label(instrument.name, classes="screening-name")
                    yield Input(
                        id=f"answers-{key}",
                        classes="screening-answers",
                        compact=True,
                        max_length=LINE_MAX,
                    )
                    yield Static(id=f"result-{key}", classes="screening-result")
                yield Static(id=f"why-{key}", classes="screening-why")
            yield Static(id="screening-tobacco", classes="hint")
            yield Static(id="screening-items", classes="screening-items")
            yield Static(id="screening-earlier", classes="hint")

    # ------------------------------------------------------------------ showing

    @property
    def draft(self) -> ScreeningsDraft:
        return self.visit.draft.screenings

    @draft.setter
    def draft(self, value: ScreeningsDraft) -> None:
        self.visit.draft.screenings = value

    def fill(self) -> None:
        self.draft = self.draft.model_copy(update={"sex": self.visit.chart.patient.sex})
        self._statuses = {status.instrument.key: status for status in self._read_statuses()}
        for instrument in questionnaires():
            field = self.query_one(f"#answers-{instrument.key}", Input)
            with field.prevent(Input.Changed):
                field.value = self.draft.typed.get(instrument.key) or self._taken_line(
                    instrument.key
                )
        self._show_rows()
        tobacco = self._statuses.get(TOBACCO)
        self.query_one("#screening-tobacco", Static).update(
            f"Tobacco: {tobacco.reason}. Ask, and update it in History (social)."
            if tobacco is not None and tobacco.due
            else ""
        )
        self.query_one("#screening-earlier", Static).update(
            Text(
                "\n".join(
                    f"Earlier ({day.isoformat()}): {text}"
                    for day, text in self.visit.chart.screening_alerts
                ),
                style="yellow",
            )
        )
        first = self._first_to_answer()
        self.set_focus(self.query_one(f"#answers-{first}", Input) if first else None)
        self._show_items()

    _statuses: dict[str, ScreeningStatus]

    def _read_statuses(self) -> list[ScreeningStatus]:
        chart = self.visit.chart
        return screening_status(
            birth_date=chart.patient.birth_date,
            sex=chart.patient.sex,
            today=self.visit.now().date(),
            last_given=chart.screenings_last,
        )

    def _shown(self) -> list[str]:
        """The rows shown: the rules' screenings, what was given or typed, a follow-up due."""
        keys = set(self._statuses) | {done.instrument for done in self.draft.given}
        keys |= set(self.draft.typed)
        follow_up = pending_reflex(self.draft, self.draft.sex)
        if follow_up is not None:
            keys.add(follow_up.target.key)
        return [instrument.key for instrument in questionnaires() if instrument.key in keys]

    def _show_rows(self) -> None:
        shown = self._shown()
        for instrument in questionnaires():
            key = instrument.key
            self.query_one(f"#row-{key}").display = key in shown
            why = self.query_one(f"#why-{key}", Static)
            why.display = key in shown
            why.update(self._why(key))
            self._show_result(key)
        self.query_one("#screening-none", Static).update(
            "" if shown else "No screenings for this patient today: Enter goes on."
        )
        self._show_alert()

    def _why(self, key: str) -> Text:
        follow_up = pending_reflex(self.draft, self.draft.sex)
        if follow_up is not None and follow_up.target.key == key:
            return Text(f"  {follow_up.prompt}", style="bold yellow")
        status = self._statuses.get(key)
        if status is None:
            return Text("")
        return Text(f"  {status.reason}", style="yellow" if status.due else "dim")

    def _first_to_answer(self) -> str | None:
        shown = self._shown()
        given = {done.instrument for done in self.draft.given}
        waiting = [key for key in shown if key not in given]
        due = [key for key in waiting if key not in self._statuses or self._statuses[key].due]
        return next(iter(due or waiting or shown), None)

    def _result_of(self, key: str) -> ScreeningResult | None:
        try:
            done = results(self.draft, self.draft.sex)
        except AnswersRefused:
            return None
        return next((result for result in done if result.instrument.key == key), None)

    def _given_for(self, key: str) -> Mapping[str, Mapping[int, int]]:
        """The answers a follow-up already has from the screen that led to it."""
        try:
            done = results(self.draft, self.draft.sex)
        except AnswersRefused:
            return {}
        for result in done:
            follow_up = reflex(result)
            if follow_up is not None and follow_up.target.key == key:
                return {key: follow_up.given}
        return {}

    def _taken_line(self, key: str) -> str:
        """The line that gave the answers taken in (without those a follow-up reused)."""
        result = self._result_of(key)
        if result is None:
            return ""
        if result.declined:
            return "declined"
        known = self._given_for(key).get(key, {})
        return " ".join(
            str(score)
            for item, score in zip(result.instrument.items, result.scores, strict=True)
            if item.number not in known
        )

    def _show_result(self, key: str, preview: ScreeningResult | None = None) -> None:
        shown = self.query_one(f"#result-{key}", Static)
        if preview is not None:
            shown.update(Text(f"= {_summary(preview)}", style="dim"))
            return
        result = self._result_of(key)
        if result is None:
            typed = self.draft.typed.get(key)
            shown.update(Text("typed, not taken in" if typed else "", style="yellow"))
            return
        style = "bold red" if result.alerts else ("bold yellow" if result.positive else "green")
        shown.update(Text(f"✓ {_summary(result)}", style=style))

    def _show_alert(self) -> None:
        box = self.query_one("#screening-alert", Static)
        waiting = unacknowledged(self.draft, self.draft.sex) if self.draft.given else []
        if waiting:
            box.update(
                Text(
                    f"⚠ {waiting[0].text}\nF7: acknowledge once the clinician is told.",
                    style="bold red",
                )
            )
        elif self.draft.acknowledgements:
            ack = self.draft.acknowledgements[-1]
            when = ack.at.astimezone(self.visit.now().tzinfo)
            box.update(Text(f"✓ Alert acknowledged by {ack.by} at {when:%H:%M}.", style="yellow"))
        else:
            box.update("")
        box.display = bool(waiting or self.draft.acknowledgements)

    def _show_items(self) -> None:
        """The focused screening's items, numbered, and the digits they take."""
        items = self.query_one("#screening-items", Static)
        key = self._focused_key()
        if key is None:
            items.update("")
            return
        instrument = screening_catalog().instruments[key]
        known = self._given_for(key).get(key, {})
        to_type = [item for item in instrument.items if item.number not in known]
        items.update(
            Text.assemble(
                (f"{instrument.name}: {instrument.stem} ", "bold"),
                f"({choices_hint(to_type)}, or 'declined')\n",
                " · ".join(f"{item.number} {item.short}" for item in to_type),
                style="dim",
            )
        )

    def _focused_key(self) -> str | None:
        focused = self.focused
        if isinstance(focused, Input) and (focused.id or "").startswith("answers-"):
            return (focused.id or "").removeprefix("answers-")
        return None

    # ----------------------------------------------------------------- typing

    def on_descendant_focus(self) -> None:
        self._show_items()

    def on_input_changed(self, event: Input.Changed) -> None:
        """The total and severity as the answers are typed."""
        key = (event.input.id or "").removeprefix("answers-")
        instrument = screening_catalog().instruments.get(key)
        if instrument is None:
            return
        try:
            typed = parse_answers(event.value, expected=instrument, given=self._given_for(key))
            preview = ScreeningResult(
                instrument=instrument,
                sex=self.draft.sex,
                scores=typed.scores,
                declined=typed.declined,
            )
        except AnswersRefused:
            self._show_result(key)
            return
        self._show_result(key, preview)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        """Enter takes the line in and moves to the next screening (the PHQ-9 when
        the PHQ-2 is positive); on the last one, to the next step."""
        event.stop()
        event.prevent_default()  # VisitScreen's own Enter (the next field) is not this one
        key = (event.input.id or "").removeprefix("answers-")
        if not self._take(key, event.input.value):
            return
        self._show_rows()
        self.save_after_paint()
        follow_up = pending_reflex(self.draft, self.draft.sex)
        if follow_up is not None:  # its row was just shown: focusable once laid out
            self.call_after_refresh(
                self.set_focus, self.query_one(f"#answers-{follow_up.target.key}", Input)
            )
            return
        waiting = self._waiting_after(key)
        if waiting is not None:
            self.set_focus(self.query_one(f"#answers-{waiting}", Input))
        elif not unacknowledged(self.draft, self.draft.sex):
            self.action_next_step()

    def _waiting_after(self, key: str) -> str | None:
        """The next row below ``key`` still to answer: due, and not given yet."""
        shown = self._shown()
        given = {done.instrument for done in self.draft.given}
        below = shown[shown.index(key) + 1 :] if key in shown else []
        return next(
            (
                row
                for row in below
                if row not in given and (row not in self._statuses or self._statuses[row].due)
            ),
            None,
        )

    def _take(self, key: str, text: str) -> bool:
        """Take a line in (blank takes back what was given); False shows why not."""
        if not text.strip():
            self.draft = keep_typed(remove(self.draft, key), key, "")
            return True
        # A line that names its screening ("phq9 1 2 0 ...") is for that one, in any row.
        named = text.strip()[:1].isalpha() and text.split()[0].casefold() not in DECLINED_WORDS
        try:
            self.draft, result = enter(
                self.draft,
                text,
                sex=self.draft.sex,
                at=self.visit.now(),
                expected=None if named else key,
            )
        except AnswersRefused as exc:
            self.draft = keep_typed(self.draft, key, text)
            refused = Text("✗ not taken in", style="bold red")
            self.query_one(f"#result-{key}", Static).update(refused)
            # Under the row, the whole width and as many lines as it takes: never cut.
            why = self.query_one(f"#why-{key}", Static)
            why.update(Text(f"  {exc}", style="bold red"))
            why.display = True
            return False
        for taken in {key, result.instrument.key}:
            self.draft = keep_typed(self.draft, taken, "")
            field = self.query_one(f"#answers-{taken}", Input)
            with field.prevent(Input.Changed):
                field.value = self._taken_line(taken)
        return True

    def action_acknowledge(self) -> None:
        waiting = unacknowledged(self.draft, self.draft.sex)
        if not waiting:
            self.notify("No alert to acknowledge.", timeout=3)
            return
        self.draft = acknowledge(
            self.draft,
            waiting[0],
            by=self.visit.holder or current_holder(),
            at=self.visit.now(),
            staff_id=self.visit.staff_id,
        )
        self._show_alert()
        self.save_as_typed()

    # ----------------------------------------------------------------- leaving

    def commit_step(self) -> bool:
        """Lines typed and not taken in are taken in; one refused stays typed (the
        review says so, and signing waits for it)."""
        for instrument in questionnaires():
            key = instrument.key
            field = self.query_one(f"#answers-{key}", Input)
            if field.display and field.value != self._taken_line(key):
                self._take(key, field.value)
        return True

    def capture_draft(self) -> None:
        """Each line as typed, when it is not what was taken in."""
        for instrument in questionnaires():
            key = instrument.key
            value = self.query_one(f"#answers-{key}", Input).value
            self.draft = keep_typed(
                self.draft, key, "" if value == self._taken_line(key) else value
            )


def _summary(result: ScreeningResult) -> str:
    alerts = f" · alert: item {', '.join(str(a.item) for a in result.alerts)}"
    return result.summary + (alerts if result.alerts else "")
