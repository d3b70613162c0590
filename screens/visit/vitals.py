"""Vitals: a whole set on one line, or one row per vital sign, read back and flagged.

The screen opens on the one-line entry (``128/82 p76 r16 t98.4 o97 w171 pn2``, see
``ma_tui.vitals.line``): as it is typed, the fields below fill in and the line is
read back under it, a refused piece pointed at with the reason. Enter on the line
asks about any value that needs a confirm, then goes to the first empty field after
the last one it filled, or, past the last field, to the next step; Enter on an
empty line goes to the first field.

Bare numbers are in the clinic's units, shown beside every field; a suffix says
otherwise (``38.1c``, ``13.6kg``, ``5'5"``, ``7lb4oz``). Enter moves to the next
value; Tab also visits the qualifiers (position, arm, cuff, route, O2 flow). F3
records a vital as not obtained, with a reason.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from functools import partial
from typing import ClassVar

from rich.text import Text
from textual.actions import SkipAction
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from ma_tui.core.errors import UserError
from ma_tui.growth import GestationalAge, GrowthResult
from ma_tui.screens.messages import VisitClosed
from ma_tui.screens.visit.growth_chart import GrowthChartScreen
from ma_tui.screens.visit.visit import VisitScreen
from ma_tui.screens.visit.vital_check import Decision, VitalCheckScreen
from ma_tui.screens.widgets.common import PickList
from ma_tui.screens.widgets.css import screen_css
from ma_tui.screens.widgets.repaint import show_text
from ma_tui.vitals.catch import take_other_unit
from ma_tui.vitals.codes import HEAD_CIRCUMFERENCE
from ma_tui.vitals.entry import (
    BY_KEY,
    FIELDS,
    HEAD_MAX_AGE_DAYS,
    NOT_OBTAINED_REASONS,
    FieldCheck,
    FieldSpec,
    VitalsForm,
    build_vitals,
    check_field,
    default_cuff,
    default_temp_route,
    field_label,
    field_unit,
    form_taken_at,
    growth_of,
    read_clinic_units,
    read_field,
    settle_vitals,
    stamp_taken,
)
from ma_tui.vitals.gestation import record_gestation
from ma_tui.vitals.line import EXAMPLE, MAX_LINE, VitalsLine, example_for, line_readback, read_line
from ma_tui.vitals.measurements import ClinicUnits
from ma_tui.vitals.percentiles import (
    Child,
    chart_indicators,
    gestation_from_days,
    percentile_note,
    proportion_note,
    readings_of,
)
from ma_tui.vitals.restore import carried_height, form_as_saved, form_from_draft, form_from_saved
from ma_tui.vitals.trend import past_readings, trend

QUALIFIERS = {
    "temp": (("temp_route", "route", 6),),
    "spo2": (("o2_flow", "O2 L/min", 4),),
}
BP_QUALIFIERS = (("position", "position", 9), ("arm", "arm", 9), ("cuff", "cuff", 7))
QUALIFIER_NAMES = [name for row in (*QUALIFIERS.values(), BP_QUALIFIERS) for name, _, _ in row]
HEAD_KEY = next(spec.key for spec in FIELDS if spec.code == HEAD_CIRCUMFERENCE)


class VitalsScreen(VisitScreen):
    STEP = "vitals"
    FILLED_AHEAD = True
    _to_empty: frozenset[str] | set[str] = frozenset()  # see ``fill``
    TITLE = "Vitals"
    CSS = screen_css(__file__, "vitals.tcss")
    AUTO_FOCUS = "Input.vital"
    child: Child | None = None  # who the growth standards are read for: set by fill()
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f3", "not_obtained", "Not obtained", id="vitals.not_obtained"),
        Binding("f4", "growth_chart", "Growth chart", id="vitals.growth_chart"),
        # A priority binding runs as the key is read, before the next key is handed
        # to a widget: digits typed right after Enter land in the next field.
        Binding("enter", "enter_field", "Next field", show=False, priority=True, id="vitals.enter"),
    ]

    def compose_body(self) -> ComposeResult:
        # The clinic's unit is beside each field; this says how to type another.
        units_line = "Other units: 38.1c 13.6kg 92.5cm 5'5\""
        with VerticalScroll(id="vitals-body"):
            with Horizontal(classes="vital-row"):
                yield Label("One line", classes="vital-label")
                yield Input(
                    placeholder=EXAMPLE,
                    id="vitals-line",
                    compact=True,
                    max_length=MAX_LINE,
                    select_on_focus=False,  # a key adds to the set, never replaces it
                )
            yield Static(id="line-readback", classes="line-readback")
            with Horizontal(classes="vital-row"):
                yield Label("Taken at", classes="vital-label")
                yield Input(id="taken_at", compact=True, max_length=16)
                yield Static(units_line, id="units-line", markup=False)
            for spec in FIELDS:
                with Horizontal(classes="vital-row", id=f"row-{spec.key}"):
                    yield Label(spec.label, id=f"label-{spec.key}", classes="vital-label")
                    yield Input(
                        id=f"v-{spec.key}",
                        classes="vital",
                        compact=True,
                        max_length=20,
                    )
                    yield Label(id=f"unit-{spec.key}", classes="vital-unit")
                    yield from self._qualifiers(QUALIFIERS.get(spec.key, ()))
                    yield Static(id=f"note-{spec.key}", classes="vital-note")
                    yield Static(id=f"last-{spec.key}", classes="vital-last", markup=False)
                if spec.key == "bp":
                    with Horizontal(classes="vital-row qualifier-row"):
                        yield from self._qualifiers(BP_QUALIFIERS)
            yield Static(id="bmi-line", classes="bmi")
            yield Static(id="vitals-error", classes="error")
            yield PickList(
                *[Option(reason, id=reason) for reason in NOT_OBTAINED_REASONS],
                id="reasons",
            )

    def _trend(self, spec: FieldSpec) -> str:
        if spec.key == "bp2":  # the BP row already shows it
            return ""
        return trend(spec.code, self.visit.chart.vital_history, self.visit.now().tzinfo)

    def _qualifiers(self, qualifiers: tuple[tuple[str, str, int], ...]) -> ComposeResult:
        for name, label, width in qualifiers:
            yield Label(label, classes="qualifier-label")
            qualifier = Input(id=f"q-{name}", classes="qualifier", compact=True, max_length=30)
            qualifier.styles.width = width + 1
            yield qualifier

    def fill(self) -> None:
        """The visit's form in the fields, its notes and trends; the focus where to start."""
        self._read_form()
        # A head circumference only for a young child: the row is hidden, and never read.
        head = self.age_days < HEAD_MAX_AGE_DAYS
        self.query_one(f"#row-{HEAD_KEY}").display = head
        # Looked up once: a CSS query on every key press costs more than the parsing.
        self._inputs: dict[str, Input] = {
            i.id or "": i for i in self.query(Input) if head or i.id != f"v-{HEAD_KEY}"
        }
        self._notes: dict[str, Static] = {
            spec.key: self.query_one(f"#note-{spec.key}", Static)
            for spec in FIELDS
            if f"v-{spec.key}" in self._inputs
        }
        form = self.form
        values = {
            "vitals-line": form.line,
            "taken_at": form.taken_at,
            **{f"v-{spec.key}": form.values.get(spec.key, "") for spec in FIELDS},
            **{f"q-{name}": getattr(form, name) for name in QUALIFIER_NAMES},
        }
        for name, field in self._inputs.items():
            with field.prevent(Input.Changed):
                field.value = values[name]
        self._inputs["taken_at"].placeholder = f"{self._taken():%H:%M}"
        self._inputs["vitals-line"].placeholder = example_for(self.age_days)
        for spec in FIELDS:
            show_text(
                self.query_one(f"#label-{spec.key}", Label), field_label(spec.key, self.age_days)
            )
            show_text(self.query_one(f"#unit-{spec.key}", Label), field_unit(spec.key, self.units))
            show_text(self.query_one(f"#last-{spec.key}", Static), self._trend(spec))
        self.query_one("#reasons", PickList).display = False
        self._shown: dict[str, Text] = {}  # what each Static shows: unchanged, not redrawn
        # Emptied after the redraw, only those it left: a note emptied, then drawn again
        # as it was, would lay the screen out twice for nothing.
        self._to_empty = {
            static.id
            for static in self.query(".vital-note, #bmi-line, #vitals-error, #line-readback")
            if static.id
        }
        self._redraw(None)
        # What the line filled before (a resumed draft), as if it had just been typed.
        self._line = self._read_line(self.form.line)
        self._line_fills = {
            target: (value, "")
            for target, value in self._line.fills().items()
            if (widget := self._widget_for(target)) is not None and widget.value == value
        }
        self._show_line_readback()
        for static_id in self._to_empty:
            show_text(self.query_one(f"#{static_id}", Static), "")
        self._to_empty = frozenset()
        # Always the one line, its cursor after what it holds: more is typed on, and
        # no key replaces a value (a field's focus selects it all).
        self.set_focus(self._inputs["vitals-line"])
        self.refresh_bindings()  # the growth chart's key: a child's only

    def _vitals(self) -> list[Input]:
        """The vitals' fields shown for this patient, top to bottom."""
        return [field for field in self._inputs.values() if field.has_class("vital")]

    def _read_form(self) -> None:
        """The clinic's units, the patient's age and past readings, and the draft's form."""
        self.units: ClinicUnits = read_clinic_units(self.visit.engine)
        self.age_days = (self.visit.now().date() - self.visit.chart.patient.birth_date).days
        self.history = past_readings(self.visit.chart.vital_history)
        draft = self.visit.draft.vitals
        self.form: VitalsForm = (
            form_from_saved(draft.form)
            if draft.form is not None
            else form_from_draft(draft.entries, self.units)
        )
        if draft.form is None and not draft.entries:
            self.form.cuff = default_cuff(self.age_days)
            self.form.temp_route = default_temp_route(self.age_days)
        patient = self.visit.chart.patient
        self.child = Child(
            patient.sex, patient.birth_date, gestation_from_days(patient.gestational_age_days)
        )
        carried = None
        if "height" not in self.form.values and "height" not in self.form.not_obtained:
            last = self.visit.chart.last_vitals.get(FIELDS[6].code)
            carried = carried_height(last, self.units, self.age_days)
            if carried:
                self.form.values["height"] = carried
        self.carried = carried

    # --------------------------------------------------------------- one line

    def on_mount(self) -> None:
        """(Then ``VisitScreen.on_mount``, which Textual calls after this one.)"""
        self.watch(self.query_one("#vitals-line", Input), "value", self._line_changed, init=False)

    def _line_changed(self, text: str) -> None:
        """Each key on the line, read as the text changes (a watcher): the fields and the
        readback change in the frame that shows the character, not one frame after it
        (which ``Input.Changed`` would be)."""
        if self._visit is not None and hasattr(self, "form") and text != self.form.line:
            self._apply_line(text)

    def on_input_changed(self, event: Input.Changed) -> None:
        # The line as it is now, not as the event saw it: events typed ahead arrive late.
        if event.input.id == "vitals-line" and event.input.value != self.form.line:
            self._apply_line(event.input.value)

    def _read_line(self, text: str) -> VitalsLine:
        return read_line(text, self.form, self.units, self.age_days, self.visit.now())

    def _widget_for(self, target: str) -> Input | None:
        """The Input a line's target fills: a vital, a qualifier or the time taken."""
        if target == "taken_at":
            selector = "#taken_at"
        elif target in BY_KEY:
            selector = f"#v-{target}"
        else:
            selector = f"#q-{target}"
        return self._inputs.get(selector.removeprefix("#"))

    def _apply_line(self, text: str) -> None:
        """Fill the fields the line names; give back what a piece no longer there had set.

        Only what changed in the line is written, so a field corrected by hand after
        the line filled it keeps the correction until its piece of the line changes.
        """
        changed = self._take_inputs()
        self.form.line = text
        line = self._read_line(text)
        fills = line.fills()
        for target in [*self._line_fills, *fills]:
            widget = self._widget_for(target)
            before = self._line_fills.get(target)
            wanted = fills.get(target)
            if widget is None or (before is not None and before[0] == wanted):
                continue
            if wanted is None:
                if before is not None and widget.value == before[0]:
                    widget.value = before[1]
                self._line_fills.pop(target, None)
                self.form.not_obtained.pop(target, None)
            else:
                self._line_fills[target] = (wanted, before[1] if before else widget.value)
                widget.value = wanted
        filled = self._take_inputs()
        reasons = {*self._line.not_obtained, *line.not_obtained}
        for key in self._line.not_obtained.keys() - line.not_obtained.keys():
            self.form.not_obtained.pop(key, None)
        self.form.not_obtained.update(line.not_obtained)
        self._line = line
        self._redraw(None if changed is None or filled is None else changed | filled | reasons)
        self._show_line_readback()

    def _show(self, static_id: str, text: Text) -> None:
        """Update a Static only when its text changes: each update lays the screen out."""
        if static_id in self._to_empty:
            self._to_empty = self._to_empty - {static_id}
        if self._shown.get(static_id) != text:
            self._shown[static_id] = text
            show_text(self.query_one(f"#{static_id}", Static), text)

    def _show_line_readback(self) -> None:
        if not self.form.line.strip():
            self._show(
                "line-readback",
                Text(
                    "A whole set in one line, any order; Enter on it empty: field by field.",
                    style="dim",
                ),
            )
            return
        parts = line_readback(
            self._line, self.form, self.units, self.age_days, self.visit.now(), self.child
        )
        styles = {"plain": "", "flag": "bold red", "error": "bold red reverse"}
        text = Text()
        for index, part in enumerate(parts):
            if index:
                text.append(" · ", style="dim")
            text.append(part.text, style=styles[part.tone])
        self._show("line-readback", text)

    def _enter_from_line(self) -> None:
        """A good line: confirm what needs it, then on past the last field it filled."""
        line_input = self.query_one("#vitals-line", Input)
        if line_input.value != self.form.line:
            self._apply_line(line_input.value)
        if self._line.refused:
            self._line_problem(self._line.refused[0].error or "")
            return
        keys = [spec.key for spec in FIELDS if spec.key in self._line.values]
        if "taken_at" in self._line.qualifiers:
            keys.insert(0, "taken_at")
        self._confirm_each(keys, then=self._advance_from_line)

    def _line_problem(self, message: str) -> None:
        # Kept as typed, as when a field is left: the MA may be called away to fix it.
        self.save_as_typed()
        self.app.bell()
        self.notify(f"Fix the line first: {message}", severity="warning", markup=False)

    def _confirm_each(self, keys: list[str], then: Callable[[], None]) -> None:
        """Ask about each value that needs it, in turn; a value still refused stops here."""
        for index, key in enumerate(keys):
            check = self._check(key)
            if check is not None and not check.satisfied_by(self.form):
                self._ask(check, then=partial(self._confirm_each, keys[index + 1 :], then))
                return
            if key != "taken_at":
                result = read_field(key, self.form, self.units, self.age_days, self.visit.now())
                if result.error:
                    self._line_problem(f"{BY_KEY[key].label}: {result.error}")
                    return
        then()

    def _line_piece_of(self, key: str) -> tuple[Input, int] | None:
        """The line and where its piece for ``key`` ends, if the field still holds its value."""
        piece = next((p for p in self._line.pieces if p.target == key), None)
        field = self._widget_for(key)
        if piece is None or field is None or self._line_fills.get(key, ("",))[0] != field.value:
            return None
        return self.query_one("#vitals-line", Input), piece.end

    def _retype_in_line(self, key: str, text: str) -> bool:
        """Put the other unit's text in the line's piece for ``key`` (which refills the field)."""
        piece = next((p for p in self._line.pieces if p.target == key), None)
        if piece is None or self._line_piece_of(key) is None:
            return False
        letters = piece.text[: len(piece.text) - len(piece.value)]
        line = self.form.line
        retyped = line[: piece.start] + letters + text + line[piece.end :]
        line_input = self.query_one("#vitals-line", Input)
        with line_input.prevent(Input.Changed):
            line_input.value = retyped  # read at once by ``_line_changed``
        if self.form.line != retyped:
            self._apply_line(retyped)
        return True

    def _advance_from_line(self) -> None:
        """The first empty field after the last one the line filled; none left: on."""
        values = self._vitals()
        filled = {*self._line.values, *self._line.not_obtained}
        last = max(
            (index for index, field in enumerate(values) if (field.id or "")[2:] in filled),
            default=-1,
        )
        for field in values[last + 1 :]:
            key = (field.id or "")[2:]
            if not field.value.strip() and key not in self.form.not_obtained:
                self.set_focus(field)
                return
        if last < 0:
            self.set_focus(values[0])
        else:
            self.action_next_step()

    # ----------------------------------------------------------------- typing

    def action_enter_field(self) -> None:
        """Enter in a field of this screen; anywhere else (the reasons list) as usual."""
        focused = self.focused
        if not isinstance(focused, Input):
            raise SkipAction()
        if focused.id == "vitals-line":
            # What Enter does depends on the line's text: first let the line take the
            # keys typed before this Enter, which may still wait in its queue.
            focused.call_later(self._enter_from_line)
            return
        self._enter_from(focused)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        event.prevent_default()  # not also VisitScreen's Enter-moves-on
        self._enter_from(event.input)

    def _enter_from(self, field: Input) -> None:
        """Enter goes to the next vital (qualifiers are for Tab); the last one, onward."""
        if field.id == "vitals-line":
            self._enter_from_line()
            return
        self._read_inputs()
        current = self._value_input_of(field)
        key = "taken_at" if current is None else (current.id or "")[2:]
        check = self._check(key)
        if check is not None and not check.satisfied_by(self.form):
            self._ask(check, then=lambda: self._advance_from(current))
            return
        self._advance_from(current)

    def _advance_from(self, current: Input | None) -> None:
        """Focus the vital after ``current`` (the first after "taken at"); past the last, on."""
        values = self._vitals()
        # set_focus, not focus(): at once, so the next key typed lands in the next field.
        if current is None:
            self.set_focus(values[0])
            return
        index = values.index(current)
        if index + 1 < len(values):
            self.set_focus(values[index + 1])
        else:
            self.action_next_step()

    # ---------------------------------------------------------------- checks

    def _check(self, key: str) -> FieldCheck | None:
        return check_field(
            key, self.form, self.units, self.age_days, self.visit.now(), self.history, self.child
        )

    def _ask(self, check: FieldCheck, then: Callable[[], None] | None = None) -> None:
        """Hold the value until the MA keeps it, takes the other unit, or fixes it."""
        field_id = "taken_at" if check.key == "taken_at" else f"v-{check.key}"
        label = "Taken at" if check.key == "taken_at" else BY_KEY[check.key].label
        field = self.query_one(f"#{field_id}", Input)

        def decided(decision: Decision | None) -> None:
            if decision == "keep":
                self.form.confirmed[check.key] = check.text
            elif decision == "unit" and check.other_unit is not None:
                taken = take_other_unit(self.form, check)  # the catch kept for the export
                if not self._retype_in_line(check.key, taken):
                    field.value = taken
            else:
                # Fixed where it was typed: in the line, after its piece, if it came from there.
                in_line = self._line_piece_of(check.key)
                if in_line is None:
                    self.set_focus(field)
                else:
                    self.set_focus(in_line[0])
                    in_line[0].cursor_position = in_line[1]
                return
            self._read_inputs(force=True)
            self.capture_draft()
            self.save_draft()
            if then is not None:
                then()

        self.app.push_screen(VitalCheckScreen(f"{label} {check.text}", check), decided)

    def _value_input_of(self, field: Input) -> Input | None:
        """The vital a field belongs to: itself, or the vital of its qualifier's row."""
        if field.has_class("vital"):
            return field
        if field.id == "taken_at":
            return None
        row = field.parent
        if row is not None and row.has_class("qualifier-row"):
            return self.query_one("#v-bp", Input)
        return next(iter(row.query(Input).filter(".vital"))) if row is not None else None

    def on_input_blurred(self, event: Input.Blurred) -> None:
        self._read_inputs()  # then VisitScreen's handler saves the draft

    def _read_inputs(self, *, force: bool = False) -> None:
        """Take the fields into the form; redraw what changed (everything if ``force``)."""
        changed = self._take_inputs()
        self._redraw(None if force else changed)

    def _take_inputs(self) -> set[str] | None:
        """Take the fields into the form: the vitals whose value changed (None: all may have)."""
        form = self.form
        values, reasons = dict(form.values), dict(form.not_obtained)
        rest = {k: v for k, v in vars(form).items() if k not in ("values", "not_obtained", "line")}
        for name, field in self._inputs.items():
            if name == "vitals-line":
                form.line = field.value
            elif name == "taken_at":
                form.taken_at = field.value
            elif name.startswith("v-"):
                key = name[2:]
                if field.value.strip() != form.values.get(key, "").strip():
                    form.not_obtained.pop(key, None)
                form.values[key] = field.value
            elif name.startswith("q-"):
                setattr(form, name[2:], field.value)
        if rest != {k: v for k, v in vars(form).items() if k in rest}:
            return None  # a qualifier, the time or a confirm: every note may read otherwise
        if form.values != values or form.not_obtained != reasons:
            stamp_taken(form, self.visit.now())
        return {
            key
            for key in {*values, *form.values, *reasons, *form.not_obtained}
            if values.get(key) != form.values.get(key)
            or reasons.get(key) != form.not_obtained.get(key)
        }

    def _redraw(self, changed: set[str] | None) -> None:
        """The notes of the changed vitals (None: all), BMI and the time taken, as they read now."""
        if changed is not None and not changed:
            return
        keys = set(self._notes) if changed is None else changed & set(self._notes)
        if keys & {"bp", "bp2"}:
            keys |= {"bp", "bp2"}  # the two readings share their qualifiers
        for key in keys:
            self._show_note(key)
        if changed is not None and changed & {"height", "weight", "head"}:
            keys = {"height", "weight", "head"} & set(self._notes)
            for key in keys:  # a weight's percentile is read for its length
                self._show_note(key)
        if changed is None or changed & {"height", "weight"}:
            self._show_bmi()
        if changed is None:
            self._show_time_error()

    def _show_note(self, key: str) -> None:
        result = read_field(key, self.form, self.units, self.age_days, self.visit.now())
        check = None if result.error else self._check(key)
        if result.error:
            text = Text(result.error, style="bold red")
        elif check is not None and not check.satisfied_by(self.form):
            text = Text(f"{result.note}  ⚠ check: Enter", style="bold yellow")
        elif check is not None:
            text = Text(f"{result.note}  ✓ confirmed", style="bold red")
        elif result.flagged:
            text = Text(result.note, style="bold red")
        elif key == "height" and self.carried and self.form.values.get("height") == self.carried:
            text = Text(f"{result.note}  carried forward", style="cyan")
        else:
            text = Text(result.note)
        growth = self._growth(key)
        if growth and not result.error:
            text = text + Text(f" · {percentile_note(growth)}", style="bold")
        self._show(f"note-{key}", text)

    def _growth(self, key: str) -> list[GrowthResult]:
        return growth_of(key, self.form, self.units, self.age_days, self.visit.now(), self.child)

    def _show_bmi(self) -> None:
        entries, _ = build_vitals(
            self.form, self.units, self.age_days, self.visit.now(), self.history, self.child
        )
        bmi = next((e for e in entries if e.method == "calculated"), None)
        shown = f"BMI {bmi.value:.1f} kg/m² (computed)" if bmi and bmi.value else ""
        if proportion := proportion_note(self._growth("weight")):
            shown = f"{shown} · {proportion}" if shown else proportion
        self._show("bmi-line", Text(shown))

    def _taken(self) -> datetime:
        try:
            return form_taken_at(self.form, self.visit.now())
        except UserError:
            return self.visit.now()

    def _show_time_error(self) -> None:
        self._inputs["taken_at"].placeholder = f"{self._taken():%H:%M}"
        try:
            form_taken_at(self.form, self.visit.now())
        except UserError as exc:
            self._show("vitals-error", Text(str(exc)))
            return
        late = self._check("taken_at")
        self._show("vitals-error", Text(f"Taken at: {late.reasons[0]}" if late else ""))

    # ------------------------------------------------------------ not obtained

    def action_not_obtained(self) -> None:
        focused = self.focused
        if isinstance(focused, Input) and focused.id == "vitals-line":
            # From the line, for the first vital not yet given (BP on a new visit).
            empty = [
                field
                for field in self._vitals()
                if field.display
                and not field.value.strip()
                and (field.id or "")[2:] not in self.form.not_obtained
            ]
            if empty:
                self.set_focus(empty[0])
                focused = empty[0]
        if not isinstance(focused, Input) or not (focused.id or "").startswith("v-"):
            self.notify("Move to a vital's field first, then F3.", severity="warning")
            return
        self._reason_for = (focused.id or "")[2:]
        reasons = self.query_one("#reasons", PickList)
        reasons.border_title = (
            f"{field_label(self._reason_for, self.age_days)}: not obtained because"
        )
        reasons.open()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        key = self._reason_for
        self.form.not_obtained[key] = str(event.option.id)
        self.form.values[key] = ""
        stamp_taken(self.form, self.visit.now())
        field = self.query_one(f"#v-{key}", Input)
        field.value = ""
        event.option_list.display = False
        self._show_note(key)
        values = self._vitals()
        index = values.index(field)
        (values[index + 1] if index + 1 < len(values) else field).focus()

    # ------------------------------------------------------------ growth chart

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """The growth chart's key only for a child: the footer has no room to spare."""
        if action == "growth_chart":
            child = self.child
            return child is not None and bool(chart_indicators(child, self._taken().date()))
        return True

    def action_growth_chart(self) -> None:
        """The child's growth charts: earlier visits' measurements and this one's."""
        day = self._taken().date()
        indicators = () if self.child is None else chart_indicators(self.child, day)
        if self.child is None or not indicators:
            self.notify("Growth charts are for children under 20.", severity="warning")
            return
        self.capture_draft()
        readings = readings_of(self.visit.chart.vital_history, self.visit.draft.vitals.entries)
        chart = GrowthChartScreen(self.child, day, readings, indicators, self._record_gestation)
        self.app.push_screen(chart.in_units(self.units))

    def _record_gestation(self, text: str) -> GestationalAge:
        """Store the child's gestational age at birth; the percentiles read at it from now."""
        visit = self.visit
        stored = record_gestation(
            visit.engine, visit.chart.patient_id, text, staff_id=visit.staff_id, now=visit.now()
        )
        visit.chart.patient.gestational_age_days = stored.total_days
        self.child = replace(self.child, gestation=stored) if self.child else None
        self._redraw(None)
        return stored

    # ------------------------------------------------------------------ leave

    def action_leave(self) -> None:
        """Back to the queue even with a value unfinished: the draft keeps it as typed."""
        self.capture_draft()
        if self.save_draft():
            self.notify("Draft kept: open the patient again to go on.", timeout=4)
            self.post_message(VisitClosed())

    def keep_draft(self) -> None:
        self.capture_draft()
        self.save_draft()

    def capture_draft(self) -> None:
        """The form as typed, and every value that reads well, go in the draft."""
        self._read_inputs()
        entries, unsettled = settle_vitals(
            self.form, self.units, self.age_days, self.visit.now(), self.history, self.child
        )
        draft = self.visit.draft.vitals
        draft.entries, draft.unsettled = entries, unsettled
        draft.form = form_as_saved(self.form)

    def commit_step(self) -> bool:
        self._read_inputs()
        entries, errors = build_vitals(
            self.form, self.units, self.age_days, self.visit.now(), self.history, self.child
        )
        if errors:
            self.capture_draft()  # what was typed is kept, even though it cannot go on
            self.save_draft()
            key = next(iter(errors))
            self._show("vitals-error", Text(f"Fix before moving on: {errors[key]}"))
            target = "taken_at" if key == "taken_at" else f"v-{key}"
            self.set_focus(self.query_one(f"#{target}", Input))
            check = self._check(key)
            if check is not None and not check.satisfied_by(self.form):
                self._ask(check)
            return False
        draft = self.visit.draft.vitals
        draft.entries, draft.unsettled = entries, ""
        draft.form = form_as_saved(self.form)
        return True
