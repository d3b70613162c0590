"""History: medical, surgical, family, social, medications and allergies, one at a time.

Each section shows what the record holds plus what this visit added. On the table,
Enter says "reviewed, no change" and moves to the next section (after allergies, to
the next step); ``n`` says none known; ``t``/``x``/``s`` set a medication's status;
``a`` (or Tab) goes to the add-form under the table, whose fields complete from the
catalogs (Right arrow takes the grey suggestion). Enter in the form moves to its next
field and adds the entry on the last one; Enter in an empty form finishes the
section like Enter on the table. Parsing lives in ``ma_tui.history.entry``, the
draft bookkeeping in ``ma_tui.history.editing`` and the rows in
``ma_tui.history.rows``; this screen only shows them.

Text left in the add-form is never dropped: moving to another section or step adds
it, or, when it cannot be read, stays here with the message shown. Until then it is
kept in the draft as typed (``HistoryDraft.form``), so a killed process keeps it too,
and every section reviewed or entry added is saved at once.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.suggester import Suggester, SuggestFromList
from textual.widgets import DataTable, Input, Label, Static

from ma_tui.core.errors import UserError
from ma_tui.history.draft import HistoryDraft, HistoryForm, HistorySection, MedicationStatus
from ma_tui.history.editing import (
    add_entry,
    mark_none_known,
    mark_reviewed,
    needs_none_known,
    remove_row,
    row_fields,
    set_medication_status,
)
from ma_tui.history.entry import (
    EDIT_FIELD,
    FORMS,
    SECTION_TITLES,
    SECTIONS,
    EntryError,
    form_values,
    parse_entry,
    suggestions,
    value_suggestions,
)
from ma_tui.history.rows import COLUMNS, HistoryRow, current_rows, section_rows, section_status
from ma_tui.screens.visit.visit import Visit, VisitScreen
from ma_tui.screens.widgets.confirm import ConfirmScreen
from ma_tui.screens.widgets.css import screen_css
from ma_tui.screens.widgets.repaint import measure_now, show_text

STATUS_KEYS = Binding.Group("Taking/not/stopped", compact=True)
SECTION_KEYS = Binding.Group("Section", compact=True)


class SectionTable(DataTable[Text]):
    """The section's entries; its keys act on the section and the row under the cursor."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "screen.reviewed", "Reviewed", id="history.reviewed"),
        # An empty section nothing was said of cannot be "reviewed, no change": Enter
        # says so, and the footer says what it needs instead.
        Binding("enter", "screen.empty_section", "n or a first", id="history.empty"),
        Binding("n", "screen.none_known", "None known", id="history.none_known"),
        Binding("a", "screen.add", "Add", id="history.add"),
        Binding("e", "screen.edit", "Edit", id="history.edit"),
        Binding("t", "screen.status('taking')", "Taking", id="history.taking", group=STATUS_KEYS),
        Binding(
            "x",
            "screen.status('not_taking')",
            "Not taking",
            id="history.not_taking",
            group=STATUS_KEYS,
        ),
        Binding(
            "s", "screen.status('stopped')", "Stopped", id="history.stopped", group=STATUS_KEYS
        ),
        Binding("delete", "screen.remove", "Remove", id="history.remove"),
        Binding(
            "left_square_bracket",
            "screen.previous_section",
            "Previous section",
            key_display="[",
            id="history.previous_section",
            group=SECTION_KEYS,
        ),
        Binding(
            "right_square_bracket",
            "screen.next_section",
            "Next section",
            key_display="]",
            id="history.next_section",
            group=SECTION_KEYS,
        ),
        Binding(
            "shift+tab",
            "screen.previous_section",
            "Previous section",
            id="history.back",
            show=False,
        ),
    ]


class FormInput(Input):
    """A field of the add-form, with its keys in the footer."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "submit", "Next / add", id="history.form.enter"),
        Binding("right", "cursor_right", "Take suggestion", id="history.form.suggestion"),
        Binding(
            "shift+tab", "app.focus_previous", "Back", key_display="⇧tab", id="history.form.back"
        ),
    ]
    _cursor_at_end = False

    def focus_at_end(self) -> None:
        """Focus with the cursor after the text, nothing selected: to add to it."""
        self._cursor_at_end = True
        self.focus()

    def _on_focus(self, event: events.Focus) -> None:
        # Runs before Input's own handler, which selects all when select_on_focus is set.
        self.select_on_focus = not self._cursor_at_end
        if self._cursor_at_end:
            self.cursor_position = len(self.value)
        self._cursor_at_end = False


class ChoiceSuggester(Suggester):
    """Suggests from a list that depends on another field (the social category)."""

    def __init__(self, choices: Callable[[], list[str]]) -> None:
        super().__init__(use_cache=False, case_sensitive=False)
        self._choices = choices

    async def get_suggestion(self, value: str) -> str | None:
        typed = value.casefold()
        return next((c for c in self._choices() if c.casefold().startswith(typed)), None)


class HistoryScreen(VisitScreen):
    STEP = "history"
    FILLED_AHEAD = True
    TITLE = "History"
    CSS = screen_css(__file__, "history.tcss")
    AUTO_FOCUS = "SectionTable"
    BINDINGS: ClassVar[list[BindingType]] = []

    def __init__(self, visit: Visit | None = None) -> None:
        super().__init__(visit)
        self.section_index = 0
        self.rows: list[HistoryRow] = []
        self._table_shows: HistorySection | None = None  # the section the table holds
        self.editing: str | None = None

    @property
    def section(self) -> HistorySection:
        return SECTIONS[self.section_index]

    @property
    def history(self) -> HistoryDraft:
        """This visit's history, as the draft holds it."""
        return self.visit.draft.history

    # ------------------------------------------------------------- compose

    def compose_body(self) -> ComposeResult:
        with Vertical(id="history-body"):
            yield Static(id="section-bar")
            yield Static(id="section-status", markup=False)
            yield SectionTable(id="history-table", cursor_type="row", zebra_stripes=True)
            for section in SECTIONS:
                with Horizontal(id=f"form-{section.value}", classes="entry-form"):
                    yield Label("Add", classes="form-title")
                    for index, spec in enumerate(FORMS[section]):
                        yield Label(spec.label, classes="form-label")
                        field = FormInput(
                            id=f"{section.value}-{index}",
                            placeholder=spec.placeholder,
                            max_length=spec.max_length,
                            suggester=self._suggester(section, index),
                            compact=True,
                        )
                        if spec.width:
                            field.styles.width = spec.width
                        yield field
            yield Static(id="history-error", markup=False)

    def _suggester(self, section: HistorySection, index: int) -> Suggester | None:
        if section == HistorySection.SOCIAL and index == 1:
            return ChoiceSuggester(
                lambda: value_suggestions(self.query_one("#social-0", Input).value)
            )
        choices = suggestions(section, index)
        return SuggestFromList(choices, case_sensitive=False) if choices else None

    def fill(self) -> None:
        """Resume in the section of an entry left half-typed, else at the first section
        not yet reviewed in this visit; the half-typed entry back in its form."""
        draft = self.history
        if draft.form is not None:
            self.section_index = SECTIONS.index(draft.form.section)
        else:
            self.section_index = next(
                (i for i, section in enumerate(SECTIONS) if section not in draft.reviewed), 0
            )
        for field in self.query(FormInput):
            field.value = ""
        self._show_section()
        form = draft.form
        if form is not None and form.section == self.section:
            for field, value in zip(self._inputs(), form.values, strict=False):
                field.value = value
            self._set_editing(form.editing)

    def capture_draft(self) -> None:
        """The add-form as typed, so a killed process keeps a half-typed entry."""
        values = [field.value for field in self._inputs()]
        self.history.form = (
            HistoryForm(section=self.section, values=values, editing=self.editing)
            if any(value.strip() for value in values)
            else None
        )

    # --------------------------------------------------------------- showing

    def _inputs(self, section: HistorySection | None = None) -> list[FormInput]:
        section = section or self.section
        count = len(FORMS[section])
        return [self.query_one(f"#{section.value}-{i}", FormInput) for i in range(count)]

    def _table(self) -> SectionTable:
        return self.query_one(SectionTable)

    def _show_section(self) -> None:
        for section in SECTIONS:
            self.query_one(f"#form-{section.value}").display = section == self.section
        self._set_editing(None)
        self._show_error("")
        self._refresh(cursor=0)
        self.set_focus(self._table())  # at once: keys typed on land in the new section

    def _refresh(self, cursor: int | None = None) -> None:
        """Redraw the section bar, the status line and the table from the draft."""
        visit = self.visit
        self._show_bar()
        zone = visit.now().tzinfo
        show_text(
            self.query_one("#section-status", Static),
            section_status(visit.chart, self.history, self.section, zone),
            same_size=True,
        )
        table = self._table()
        keep = table.cursor_row if cursor is None else cursor
        rows = section_rows(visit.chart, self.history, self.section)
        # The same rows of the same section (a step filled ahead, then shown): the
        # table as it is, not rebuilt and laid out again.
        if (self.section, rows) != (self._table_shows, self.rows):
            table.clear(columns=True)
            table.add_column("", key="flag", width=5)
            for title in COLUMNS[self.section]:
                table.add_column(title, key=title)
            for row in rows:
                table.add_row(*_cells(row), key=row.key)
            self.rows, self._table_shows = rows, self.section
        if self.rows:
            table.move_cursor(row=min(max(keep, 0), len(self.rows) - 1))
        measure_now(table)
        self.refresh_bindings()
        if self.section == HistorySection.ALLERGIES:
            self.refresh_banner()

    def _show_bar(self) -> None:
        text = Text()
        for index, section in enumerate(SECTIONS):
            done = " ✓" if section in self.history.reviewed else ""
            if index:
                text.append(" ")
            style = "bold reverse" if index == self.section_index else ""
            if done and index != self.section_index:
                style = "green"
            text.append(f" {SECTION_TITLES[section]}{done} ", style=style)
        show_text(self.query_one("#section-bar", Static), text, same_size=True)

    def _show_error(self, message: str, *, error: bool = True) -> None:
        """One line under the form: a problem to fix (red) or what a key did."""
        line = self.query_one("#history-error", Static)
        show_text(line, message, same_size=True)
        line.set_class(not error, "note")

    def _set_editing(self, key: str | None) -> None:
        """Which row the form replaces when it is saved (None: it adds a new one)."""
        self.editing = key
        for title in self.query(".form-title").results(Label):
            show_text(title, "Edit" if key else "Add")

    def _current_row(self) -> HistoryRow | None:
        row = self._table().cursor_row
        return self.rows[row] if self.rows and 0 <= row < len(self.rows) else None

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Show only the keys that do something for this section and row."""
        if action == "none_known":
            visit = self.visit
            return not current_rows(visit.chart, self.history, self.section)
        if action in ("reviewed", "empty_section"):
            empty = needs_none_known(self.visit.chart, self.history, self.section)
            return empty if action == "empty_section" else not empty
        if action == "status":
            return self.section == HistorySection.MEDICATIONS and bool(self.rows)
        if action in ("edit", "remove"):
            return bool(self.rows)
        return True

    # --------------------------------------------------------- section keys

    def action_reviewed(self) -> None:
        """Reviewed, no change: on to the next section, or the next step after the last."""
        if not self._flush_form():
            return
        visit = self.visit
        try:
            mark_reviewed(visit.chart, self.history, self.section)
        except UserError as exc:
            self._show_error(str(exc))
            self._table().focus()
            return
        self._next()

    def action_empty_section(self) -> None:
        """Enter on an empty section nothing was said of: why it cannot be reviewed."""
        self.action_reviewed()

    def action_none_known(self) -> None:
        if not self._flush_form():
            return
        visit = self.visit
        try:
            mark_none_known(visit.chart, self.history, self.section)
        except UserError as exc:
            self._show_error(str(exc))
            return
        self._next()

    def _next(self) -> None:
        if self.section_index + 1 < len(SECTIONS):
            self.section_index += 1
            self._show_section()
            self.save_after_paint()
        else:
            self._refresh()
            self.action_next_step()

    def action_next_section(self) -> None:
        """On without marking the section reviewed."""
        if self._flush_form():
            self._next()

    def action_previous_section(self) -> None:
        if self._flush_form():
            if self.section_index > 0:
                self.section_index -= 1
                self._show_section()
                self.save_after_paint()
            else:
                self.action_previous_step()

    def action_add(self) -> None:
        self.set_focus(self._inputs()[0])

    def action_edit(self) -> None:
        row = self._current_row()
        if row is None or not self._flush_form():
            return
        row = self._current_row()
        assert row is not None
        visit = self.visit
        values = form_values(
            self.section, row_fields(visit.chart, self.history, self.section, row.key)
        )
        inputs = self._inputs()
        for field, value in zip(inputs, values, strict=True):
            field.value = value
        self._set_editing(row.key)
        self._show_error("Enter on the last field saves the change.", error=False)
        inputs[EDIT_FIELD.get(self.section, 0)].focus()

    def action_status(self, status: str) -> None:
        row = self._current_row()
        if row is None or not row.medication:
            return
        visit = self.visit
        try:
            set_medication_status(visit.chart, self.history, row.key, MedicationStatus(status))
        except UserError as exc:
            self._show_error(str(exc))
            return
        self._show_error("")
        self._refresh(cursor=self._table().cursor_row + 1)
        self.save_after_paint()

    def action_remove(self) -> None:
        row = self._current_row()
        if row is None:
            return
        if row.new or row.struck:
            self._remove(row.key)
            return
        self.app.push_screen(
            ConfirmScreen(
                f"Mark “{row.cells[0]}” entered in error?",
                "It stays in the record, struck through; Del again restores it.",
            ),
            lambda yes: self._remove(row.key) if yes else None,
        )

    def _remove(self, key: str) -> None:
        visit = self.visit
        message = remove_row(visit.chart, self.history, self.section, key)
        if self.editing is not None and self.editing.startswith("new:"):
            self._set_editing(None)  # its place in the list may have moved
        self._show_error(message, error=False)
        self._refresh()
        self.save_after_paint()

    # ------------------------------------------------------------ the form

    def on_input_submitted(self, event: Input.Submitted) -> None:
        """Enter: next field; on the last one, add; in an empty form, finish the section."""
        event.stop()
        event.prevent_default()
        inputs = self._inputs()
        if event.input not in inputs:
            return
        if not any(field.value.strip() for field in inputs):
            self._set_editing(None)
            self.action_reviewed()
            return
        index = inputs.index(event.input)
        if index + 1 < len(inputs):
            self.set_focus(inputs[index + 1])
        elif self._add_from_form():
            self.set_focus(inputs[0])
            self.save_after_paint()  # a one-field form keeps the focus: no blur saves it

    def _add_from_form(self) -> bool:
        """Read the form into the draft; on a problem, show it at the field to fix."""
        inputs = self._inputs()
        visit = self.visit
        try:
            fields = parse_entry(self.section, [field.value for field in inputs])
            add_entry(visit.chart, self.history, self.section, fields, replacing=self.editing)
        except EntryError as exc:
            self._show_error(str(exc))
            inputs[min(exc.field, len(inputs) - 1)].focus_at_end()
            return False
        for field in inputs:
            field.value = ""
        self._set_editing(None)
        self._show_error("")
        self._refresh(cursor=len(self.rows))
        return True

    def _flush_form(self) -> bool:
        """Add what the form holds, if anything; False (message shown) when it cannot."""
        if not any(field.value.strip() for field in self._inputs()):
            for field in self._inputs():
                field.value = ""
            self._set_editing(None)
            return True
        return self._add_from_form()

    def commit_step(self) -> bool:
        done = self._flush_form()
        self.capture_draft()
        return done


def _cells(row: HistoryRow) -> list[Text]:
    style = "strike dim" if row.struck else ""
    flag_style = {"new": "bold cyan", "error": "bold red", "✓": "bold green"}.get(row.flag, "")
    cells = [Text(row.flag, style=flag_style)]
    for index, cell in enumerate(row.cells):
        cell_style = style
        if row.medication and index == 1 and not row.struck:
            cell_style = {"stopped": "dim", "not taking": "yellow"}.get(cell, "")
        cells.append(Text(cell, style=cell_style))
    return cells
