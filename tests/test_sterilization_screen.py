"""The sterilization log: a failed spore test's recall list, and the CSV for an inspector."""

from __future__ import annotations

import csv
from pathlib import Path

from sqlalchemy.engine import Engine

from ma_tui.clinic.settings import change_setting
from ma_tui.fhir.log_export import export_sterilization_log
from ma_tui.fhir.settings import fhir_change
from ma_tui.screens.sterilization.recall import RecallScreen
from ma_tui.screens.sterilization.sterilization import SterilizationScreen
from tests.conftest import CLINIC_NOW
from tests.day_work import app_as
from tests.pilot import shown


async def test_a_failed_biological_indicator_lists_its_recall(demo_sqlite: Engine) -> None:
    app = app_as(demo_sqlite, "mia")
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.press("f10")
        assert isinstance(app.screen, SterilizationScreen)
        assert "⚠ 1 failed BI" in shown(app, "#sterilization-title")
        await pilot.press("l")  # the failed load's recall, wherever the cursor is
        await pilot.pause()
        assert isinstance(app.screen, RecallScreen)
        text = "\n".join(str(s.render()) for s in app.screen.query("Static"))
    assert "Autoclave A: 7 loads since L1041; 5 patients, 5 packs used, 23 packs to pull" in text
    assert "Suspect loads: L1042, L1043, L1044, L1045, L1046, L1047, L1048" in text
    for patient in ("Hamid Rahimi", "Yuki Tanaka", "Trevor Mills", "Jamal Carter", "Rahel Tesfaye"):
        assert patient in text
    assert "Margaret O'Brien" not in text  # her pack came from the load that passed
    assert "Chloé Dubois" not in text  # hers after the next passing test


def test_the_log_goes_to_the_export_folder_as_csv(demo_sqlite: Engine, tmp_path: Path) -> None:
    folder = tmp_path / "exports"
    change_setting(
        demo_sqlite, fhir_change("export-folder", str(folder)), now=CLINIC_NOW, staff_id=None
    )
    path = export_sterilization_log(demo_sqlite, now=CLINIC_NOW, staff_id=None)
    assert path.parent == folder
    assert path.stat().st_mode & 0o077 == 0  # the patients' names: its owner's only
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 40  # ten loads of four packs
    used = [row for row in rows if row["patient"]]
    assert len(used) == 7
    recalled = {row["load"] for row in rows if row["status"] == "recalled"}
    assert recalled == {"1045"}
