"""The sterilization log: each autoclave load, its indicators, its packs and who used them.

Opened with F10 from the queue. The table lists the loads, newest first; a failed
biological indicator says FAILED in words. Below it, the highlighted load's
readings and packs, each opened pack with the patient and procedure. ``c`` and
``b`` record the chemical and biological indicators, ``r`` releases a load,
``u`` records a pack opened for a patient's procedure (its label, scanned or typed,
checked against the log; the patient by MRN or name; the procedure), ``l`` lists
a failed indicator's recall (every patient whose packs came from the suspect loads,
and the packs to pull), ``e`` writes the whole log as CSV to the clinic's export
folder for an inspector.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import DataTable, Static

from ma_tui.core.clock import Clock
from ma_tui.core.errors import InvalidInput, UserError
from ma_tui.core.transaction import Engine
from ma_tui.fhir.log_export import export_sterilization_log
from ma_tui.screens.sterilization.recall import RecallScreen
from ma_tui.screens.widgets.ask import AskScreen, PickScreen
from ma_tui.screens.widgets.css import screen_css
from ma_tui.screens.widgets.footer import KeyFooter
from ma_tui.sterilization import store
from ma_tui.sterilization.loads import (
    CYCLE_DISPLAY,
    BiResult,
    Load,
    Pack,
    Reading,
    mechanical_problem,
)
from ma_tui.sterilization.pack_use import PatientChoice, check_pack, patients_matching
from ma_tui.sterilization.recall import RecallMarks, recall_marks, shown_status

COLUMNS = (
    ("Load", "load", 7),
    ("Sterilizer", "sterilizer", 11),
    ("Started", "started", 11),
    ("Cycle", "cycle", 9),
    ("CI", "ci", 4),
    ("BI", "bi", 8),
    ("Status", "status", 15),
)
MAX_PACK_LINES = 6


class SterilizationScreen(Screen[None]):
    TITLE = "Sterilization log"
    CSS = screen_css(__file__, "sterilization.tcss")
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("u", "use_pack", "Use pack", id="sterilization.use_pack"),
        Binding("l", "recall", "Recall list", id="sterilization.recall"),
        Binding("b", "biological", "BI result", id="sterilization.biological"),
        Binding("c", "chemical", "CI result", id="sterilization.chemical"),
        Binding("r", "release", "Release", id="sterilization.release"),
        Binding("e", "export", "Export CSV", id="sterilization.export"),
        Binding("escape", "back", "Back", id="sterilization.back"),
    ]

    def __init__(self, engine: Engine, clock: Clock, staff_id: int | None) -> None:
        super().__init__()
        self.engine = engine
        self.clock = clock
        self.staff_id = staff_id
        self.logbook = store.Log((), ())
        self.marks = RecallMarks(frozenset(), frozenset())

    def compose(self) -> ComposeResult:
        yield Static(id="sterilization-title")
        table: DataTable[Text] = DataTable(id="sterilization-table", cursor_type="row")
        for label, key, width in COLUMNS:
            table.add_column(label, key=key, width=width)
        yield table
        yield Static(id="sterilization-detail", markup=False)
        yield KeyFooter()

    def on_mount(self) -> None:
        self.reload()
        self.query_one("#sterilization-table", DataTable).focus()

    def reload(self, keep: int | None = None) -> None:
        try:
            self.logbook = store.sterilization_log(self.engine)
        except UserError as exc:
            self.notify(str(exc), severity="warning", markup=False)
            return
        self.marks = recall_marks(self.logbook.loads, self.logbook.uses)
        tz = self.clock().tzinfo
        table: DataTable[Text] = self.query_one("#sterilization-table", DataTable)
        keep = keep if keep is not None else self._number()
        table.clear()
        for load in reversed(self.logbook.loads):
            failed = load.biological is BiResult.FAIL
            status = shown_status(load, self.marks)
            table.add_row(
                Text(f"L{load.number}"),
                Text(load.sterilizer),
                Text(f"{load.started_at.astimezone(tz):%m/%d %H:%M}"),
                Text(CYCLE_DISPLAY[load.cycle_type]),
                Text(load.chemical.value if load.chemical else "—"),
                Text(
                    "FAILED" if failed else load.biological.value,
                    style="bold red" if failed else "",
                ),
                Text(status, style="bold" if failed or status != load.status else ""),
                key=str(load.number),
            )
        if keep is not None and any(load.number == keep for load in self.logbook.loads):
            table.move_cursor(row=table.get_row_index(str(keep)))
        failures = sum(load.biological is BiResult.FAIL for load in self.logbook.loads)
        title = Text.assemble(("Sterilization log", "bold"), f"   {len(self.logbook.loads)} loads")
        if failures:
            title.append(f"   ⚠ {failures} failed BI: l lists the recall", style="bold")
        self.query_one("#sterilization-title", Static).update(title)
        self._show_detail()

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._show_detail()

    def _show_detail(self) -> None:
        load = self._load()
        panel = self.query_one("#sterilization-detail", Static)
        if load is None:
            panel.update("No loads in the log.")
            return
        tz = self.clock().tzinfo
        mechanical = mechanical_problem(load) or "mechanical pass"
        lines = [
            f"L{load.number} cycle {load.cycle_number}: {load.temperature_c} °C, "
            f"{load.pressure_kpa} kPa, {load.exposure_minutes} min · {mechanical}",
            f"run by {load.operator}",
        ]
        uses = {use.label: use for use in self.logbook.uses}
        for pack in load.packs[:MAX_PACK_LINES]:
            use = uses.get(pack.label)
            used = (
                f" → {use.patient_name}, {use.procedure} {use.used_at.astimezone(tz):%m/%d %H:%M}"
                if use
                else " (pull from shelf)"
                if pack.label in self.marks.to_pull
                else " (on the shelf)"
            )
            lines.append(f"{pack.label} {pack.contents}{used}")
        if len(load.packs) > MAX_PACK_LINES:
            lines.append(f"… {len(load.packs) - MAX_PACK_LINES} more packs")
        panel.update("\n".join(lines))

    def _number(self) -> int | None:
        table = self.query_one("#sterilization-table", DataTable)
        if table.row_count == 0:
            return None
        row_key, _ = table.coordinate_to_cell_key(table.cursor_coordinate)
        return int(row_key.value or 0)

    def _load(self) -> Load | None:
        number = self._number()
        return next((load for load in self.logbook.loads if load.number == number), None)

    def _do(self, change: Callable[[int], object]) -> None:
        number = self._number()
        if number is None:
            return
        try:
            change(number)
        except UserError as exc:
            self.notify(str(exc), severity="warning", markup=False)
            return
        self.reload(keep=number)

    def _pick_result(self, question: str, then: Callable[[int, str], object]) -> None:
        def picked(choice: str | None) -> None:
            if choice is not None:
                self._do(lambda number: then(number, choice))

        self.app.push_screen(PickScreen(question, [("pass", "pass"), ("fail", "fail")]), picked)

    def action_chemical(self) -> None:
        self._pick_result(
            "The chemical indicator read?",
            lambda n, r: store.record_chemical(
                self.engine, n, Reading(r), at=self.clock(), staff_id=self.staff_id
            ),
        )

    def action_biological(self) -> None:
        self._pick_result(
            "The biological indicator (spore test) read?",
            lambda n, r: store.record_biological(
                self.engine, n, BiResult(r), at=self.clock(), staff_id=self.staff_id
            ),
        )

    def action_release(self) -> None:
        self._do(
            lambda n: store.release_load(self.engine, n, at=self.clock(), staff_id=self.staff_id)
        )

    # ---------------------------------------------------------------- a pack opened

    def action_use_pack(self) -> None:
        """Label (checked as typed) → patient → procedure → stored, with its audit event."""
        self.app.push_screen(
            AskScreen(
                "Pack opened for a procedure: its label (scan or type)",
                hint="e.g. L1045-003 (load, dash, pack)",
                value=self._shelf_label(),
                check=lambda text: check_pack(self.engine, text),
            ),
            self._pack_given,
        )

    def _shelf_label(self) -> str:
        """The highlighted load's first pack still on the shelf, if it may be used."""
        load = self._load()
        if load is None or shown_status(load, self.marks) != "released":
            return ""
        used = {use.label for use in self.logbook.uses}
        return next((str(p.label) for p in load.packs if p.label not in used), "")

    def _pack_given(self, text: str | None) -> None:
        if text is None:
            return
        pack = check_pack(self.engine, text)  # checked on the form: the same answer
        today = self.clock().date()
        self.app.push_screen(
            AskScreen(
                f"{pack.label} {pack.contents}: for which patient?",
                hint="MRN, name (family, given) or date of birth",
                check=lambda words: patients_matching(self.engine, words, today),
            ),
            lambda words: self._patient_given(pack, words),
        )

    def _patient_given(self, pack: Pack, words: str | None) -> None:
        if words is None:
            return
        try:
            found = patients_matching(self.engine, words, self.clock().date())
        except UserError as exc:
            self.notify(str(exc), severity="warning", markup=False)
            return
        if len(found) == 1:
            self._ask_procedure(pack, found[0])
            return
        by_id = {str(one.patient_id): one for one in found}

        def picked(key: str | None) -> None:
            if key is not None:
                self._ask_procedure(pack, by_id[key])

        choices = [(key, one.line) for key, one in by_id.items()]
        self.app.push_screen(PickScreen(f"{pack.label}: which patient?", choices), picked)

    def _ask_procedure(self, pack: Pack, patient: PatientChoice) -> None:
        def given(procedure: str | None) -> None:
            if procedure is not None:
                self._record_use(pack, patient, procedure)

        self.app.push_screen(
            AskScreen(
                f"{pack.label} for {patient.name}: the procedure",
                hint="e.g. laceration repair, I&D of abscess",
                check=_not_blank,
            ),
            given,
        )

    def _record_use(self, pack: Pack, patient: PatientChoice, procedure: str) -> None:
        try:
            store.use_pack(
                self.engine,
                pack.label,
                patient_id=patient.patient_id,
                procedure=procedure,
                at=self.clock(),
                staff_id=self.staff_id,
            )
        except UserError as exc:
            self.notify(str(exc), severity="warning", markup=False)
            return
        self.notify(f"{pack.label} opened for {patient.name}: {procedure.strip()}", markup=False)
        self.reload(keep=pack.label.load)

    def action_recall(self) -> None:
        load = self._load()
        failed = [one for one in self.logbook.loads if one.biological is BiResult.FAIL]
        if load is None or load.biological is not BiResult.FAIL:
            load = failed[-1] if failed else None
        if load is None:
            self.notify("No biological indicator has failed.")
            return
        try:
            recall = store.recall_for(self.engine, load.number)
        except UserError as exc:
            self.notify(str(exc), severity="warning", markup=False)
            return
        self.app.push_screen(RecallScreen(recall, self.clock().tzinfo))

    def action_export(self) -> None:
        self.notify("Writing the log as CSV…", timeout=3)
        now = self.clock()

        def export() -> None:
            try:
                path = export_sterilization_log(self.engine, now=now, staff_id=self.staff_id)
            except UserError as exc:
                self.app.call_from_thread(
                    self.app.notify, f"Not exported: {exc}", severity="error", markup=False
                )
                return
            self.app.call_from_thread(self.app.notify, f"Exported to {path}", markup=False)

        self.app.run_worker(export, thread=True, group="sterilization-export", exit_on_error=False)

    def action_back(self) -> None:
        self.dismiss()


def _not_blank(text: str) -> None:
    if not text.strip():
        raise InvalidInput("say which procedure the pack was opened for")
