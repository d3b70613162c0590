"""Smoke test of ``bench/ui.py``: its measurements at tiny sizes, sane results only.

No timing limits here: the figures are the benchmark's to print, not a test's to judge.
"""

from __future__ import annotations

import os
from pathlib import Path

from bench import ui
from bench.common import CLINIC_NOW
from ma_tui.data.store import create_store_engine, sqlite_url
from ma_tui.demo.synthetic import arrived_clinic
from ma_tui.history.entry import SECTIONS
from ma_tui.screens.visit.checkin import CheckInScreen
from ma_tui.screens.visit.vitals import VitalsScreen


def test_signing_complete_visits_is_timed_and_each_visit_signed(tmp_path: Path) -> None:
    seconds = ui.measure_sign(2, tmp_path)  # raises unless both visits were signed
    assert len(seconds) == 2
    assert all(s > 0 for s in seconds)


def test_the_signed_draft_holds_a_whole_visit(tmp_path: Path) -> None:
    path = tmp_path / "clinic.db"
    (encounter_id,) = arrived_clinic(path, 1, CLINIC_NOW, first_mrn=ui.FIRST_MRN)
    engine = create_store_engine(sqlite_url(path))
    try:
        draft = ui.full_draft(engine, encounter_id, CLINIC_NOW)
    finally:
        engine.dispose()
    assert len({v.code for v in draft.vitals.entries}) >= len(ui.VITALS_TYPED) + 1  # BMI too
    assert len(draft.history.new_entries) == len(ui.HISTORY_TYPED)
    assert set(draft.history.reviewed) == set(SECTIONS)
    complaint = draft.complaint
    assert complaint.chief_complaint
    assert complaint.hpi
    assert complaint.hpi_severity == 4


async def test_keys_and_switches_are_timed_on_the_real_screens(tmp_path: Path) -> None:
    path = tmp_path / "demo.db"
    ui.demo_database(path).dispose()
    script = [
        *ui.setup("whit da"),
        ui.switch("queue → check-in", "enter", CheckInScreen),
        *ui.setup("enter", "enter"),
        ui.switch("check-in → vitals", "enter", VitalsScreen),
        *ui.keys("vitals", "76", "enter"),
    ]
    typed, switches, _ = await ui.room_with_pilot(path, script)
    assert len(typed.cpu["vitals"]) == 3
    assert set(switches.cpu) == {"queue → check-in", "check-in → vitals"}
    assert all(t > 0 for t in [*typed.all_cpu(), *switches.all_cpu()])
    bare = await ui.bare_keys(["7", "6", "enter"])
    assert len(bare.all_cpu()) == 3
    assert all(t > 0 for t in bare.all_cpu())


def test_a_bare_cold_start_says_when_it_is_ready() -> None:
    seconds = ui.cold_start_once(ui.BARE_CHILD, [], dict(os.environ))
    assert seconds > 0
