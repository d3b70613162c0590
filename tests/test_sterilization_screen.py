"""The sterilization log: a failed spore test's recall list, and the CSV for an inspector."""

from __future__ import annotations

import csv
import json
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select
from textual.widgets import DataTable, Input

from ma_tui.clinic.settings import change_setting
from ma_tui.data.models.audit import AuditEvent
from ma_tui.data.models.patients import Patient
from ma_tui.fhir.log_export import export_sterilization_log
from ma_tui.fhir.settings import fhir_change
from ma_tui.screens.sterilization.recall import RecallScreen
from ma_tui.screens.sterilization.sterilization import SterilizationScreen
from ma_tui.screens.widgets.ask import AskScreen, PickScreen
from ma_tui.sterilization.loads import CycleType, Reading, new_load
from ma_tui.sterilization.store import add_load, record_chemical, release_load, sterilization_log
from tests.conftest import CLINIC_NOW
from tests.day_work import app_as, staff_id
from tests.pilot import shown, type_text

if TYPE_CHECKING:
    from textual.pilot import Pilot

    from ma_tui.screens.app import MaTuiApp


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


async def test_the_log_shows_suspect_loads_and_their_packs_to_pull(demo_sqlite: Engine) -> None:
    app = app_as(demo_sqlite, "mia")
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.press("f10")
        screen = app.screen
        assert isinstance(screen, SterilizationScreen)
        table = screen.query_one("#sterilization-table", DataTable)
        status = {
            number: str(table.get_cell(str(number), "status")) for number in range(1041, 1051)
        }
        details: dict[int, str] = {}
        for number in (1041, 1045, 1046):
            table.move_cursor(row=table.get_row_index(str(number)))
            await pilot.pause()
            details[number] = shown(app, "#sterilization-detail")
    assert status[1045] == "recalled"
    assert all(status[n] == "suspect: recall" for n in (1042, 1043, 1044, 1046, 1047, 1048))
    assert status[1041] == status[1049] == "released"
    assert "(pull from shelf)" in details[1045]
    assert "(pull from shelf)" in details[1046]
    assert "(on the shelf)" not in details[1045] + details[1046]
    assert "(pull from shelf)" not in details[1041]


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


def _released_load_with_spore_test(engine: Engine) -> None:
    """L2001, run an hour ago with a spore test still incubating, released (no implant)."""
    jorge = staff_id(engine, "jorge")
    load = new_load(
        number=2001,
        sterilizer="Autoclave A",
        cycle_number=3001,
        cycle_type=CycleType.PREVACUUM,
        started_at=CLINIC_NOW - timedelta(hours=1),
        temperature_c=Decimal("132.0"),
        pressure_kpa=Decimal("206.8"),
        exposure_minutes=4,
        operator="Jorge Castillo",
        packs=[("suture removal kit", False), ("laceration repair tray", False)],
        biological_indicator=True,
        bi_lot="BI-2612-01",
    )
    add_load(engine, load, at=CLINIC_NOW, staff_id=jorge)
    record_chemical(engine, 2001, Reading.PASS, at=CLINIC_NOW, staff_id=jorge)
    release_load(engine, 2001, at=CLINIC_NOW, staff_id=jorge)


async def _answer(pilot: Pilot[None], app: MaTuiApp, text: str) -> None:
    """Replace what the question's field holds with ``text``, typed, and press Enter."""
    app.screen.query_one("#ask-input", Input).value = ""
    await type_text(pilot, text)
    await pilot.press("enter")
    await pilot.pause()


async def test_u_records_a_pack_opened_for_a_patient_and_its_recall_lists_them(
    demo_sqlite: Engine,
) -> None:
    _released_load_with_spore_test(demo_sqlite)
    app = app_as(demo_sqlite, "mia")
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.press("f10")
        assert isinstance(app.screen, SterilizationScreen)
        await pilot.press("u")  # the newest load is highlighted: its first pack offered
        await pilot.pause()
        assert isinstance(app.screen, AskScreen)
        assert app.screen.query_one("#ask-input", Input).value == "L2001-001"
        # A label not in the log, and a pack of the load whose spore test failed: refused.
        await _answer(pilot, app, "L9999-001")
        assert "no pack L9999-001 in the log" in shown(app, "#ask-hint")
        await _answer(pilot, app, "L1046-003")
        assert isinstance(app.screen, AskScreen)
        hint = shown(app, "#ask-hint")
        assert "do not use L1046-003, from a recalled load: the spore test of L1045 failed" in hint
        await _answer(pilot, app, "l2001-2")  # as a scanner may type it
        assert "for which patient?" in shown(app, "#ask-question")
        await _answer(pilot, app, "nobody-like-this")
        assert "no patient matches" in shown(app, "#ask-hint")
        await _answer(pilot, app, "1000105")  # Dana Whitfield's MRN: one match
        assert "L2001-002 for Whitfield, Dana: the procedure" in shown(app, "#ask-question")
        await _answer(pilot, app, "laceration repair, left hand")
        assert isinstance(app.screen, SterilizationScreen)
        opened = "L2001-002 laceration repair tray → Dana Whitfield, laceration repair, left hand"
        assert opened in shown(app, "#sterilization-detail")
        # Its spore test grows: the recall names Dana.
        await pilot.press("b")
        await pilot.pause()
        assert isinstance(app.screen, PickScreen)
        await pilot.press("down", "enter")  # fail
        await pilot.pause()
        await pilot.press("l")
        await pilot.pause()
        assert isinstance(app.screen, RecallScreen)
        text = "\n".join(str(s.render()) for s in app.screen.query("Static"))
    assert "Dana Whitfield: L2001-002 laceration repair, left hand" in text
    (use,) = [u for u in sterilization_log(demo_sqlite).uses if u.label.load == 2001]
    assert (use.patient_name, use.by) == ("Dana Whitfield", "Mia Sorensen")
    with Session(demo_sqlite) as session:
        dana = session.exec(select(Patient.id).where(Patient.mrn == "1000105")).one()
        details = session.exec(
            select(AuditEvent.detail).where(
                col(AuditEvent.entity) == "sterilizer_load", AuditEvent.patient_id == dana
            )
        ).all()
    assert [json.loads(d or "{}").get("pack") for d in details] == ["L2001-002"]


async def test_several_patients_found_are_picked_from(demo_sqlite: Engine) -> None:
    _released_load_with_spore_test(demo_sqlite)
    app = app_as(demo_sqlite, "mia")
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.press("f10", "u")
        await pilot.pause()
        await pilot.press("enter")  # the offered L2001-001
        await pilot.pause()
        await _answer(pilot, app, "1000")  # an MRN prefix: many
        assert isinstance(app.screen, PickScreen)
        await pilot.press("enter")
        await pilot.pause()
        assert "the procedure" in shown(app, "#ask-question")
        await pilot.press("escape")  # cancelled: nothing recorded
        await pilot.pause()
        assert isinstance(app.screen, SterilizationScreen)
    assert not [u for u in sterilization_log(demo_sqlite).uses if u.label.load == 2001]
