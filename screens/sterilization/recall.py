"""A failed biological indicator's recall: the suspect loads, every patient whose
procedure used one of their packs, and the packs still on the shelf to pull."""

from __future__ import annotations

from datetime import tzinfo
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from ma_tui.screens.widgets.css import screen_css
from ma_tui.screens.widgets.footer import KeyFooter
from ma_tui.sterilization.recall import Recall


def recall_lines(recall: Recall, tz: tzinfo | None) -> list[str]:
    loads = ", ".join(f"L{load.number}" for load in recall.loads)
    lines = [recall.summary, f"Suspect loads: {loads}", "", "Patients:"]
    lines += [
        f"  {use.patient_name}: {use.label} {use.procedure}, "
        f"{use.used_at.astimezone(tz):%m/%d %H:%M}"
        for use in recall.patients
    ] or ["  none"]
    lines += ["", "Pull from the shelf:"]
    lines += [f"  {pack.label} {pack.contents}" for pack in recall.on_shelf] or ["  none"]
    return lines


class RecallScreen(ModalScreen[None]):
    CSS = screen_css(__file__, "recall.tcss")
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q", "close", "Close", id="recall.close"),
    ]

    def __init__(self, recall: Recall, tz: tzinfo | None) -> None:
        super().__init__()
        self.recall = recall
        self.tz = tz

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="recall-box") as box:
            box.border_title = f"Recall: load L{self.recall.failed.number}'s spore test grew"
            yield Static("\n".join(recall_lines(self.recall, self.tz)), markup=False)
        yield KeyFooter()

    def action_close(self) -> None:
        self.dismiss()
