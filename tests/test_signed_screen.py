"""A signed visit opened from the queue: values shown, corrected without overwriting."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select
from textual.pilot import Pilot
from textual.widgets import DataTable

from ma_tui.cli import parse_setting
from ma_tui.clinic.settings import change_setting
from ma_tui.data.catalogs.vitals import BODY_WEIGHT, DIASTOLIC_BP, SYSTOLIC_BP
from ma_tui.data.models.observations import Observation, ObservationStatus
from ma_tui.data.models.visits import Encounter
from ma_tui.screens.app import MaTuiApp
from ma_tui.screens.visit.signed import SignedVisitScreen
from tests.conftest import CLINIC_NOW
from tests.pilot import make_app, open_from_queue, shown, type_text


def _rows(app: MaTuiApp) -> list[list[str]]:
    table = app.screen.query_one("#signed-values", DataTable)
    return [[str(c) for c in table.get_row_at(i)] for i in range(table.row_count)]


def _codings(concept: dict[str, list[dict[str, str]]]) -> list[dict[str, str]]:
    return [{"system": c["system"], "code": c["code"]} for c in concept.get("coding", [])]


def _signed_visit(session: Session) -> Encounter:
    return session.exec(select(Encounter).where(Encounter.chief_complaint == "cough")).one()


async def _sign_dana(pilot: Pilot[None]) -> None:
    await open_from_queue(pilot, "whit da")
    await pilot.press("enter", "enter", "enter")
    for value in ("128/82", "", "76", "16", "98.4", "97", "", "117"):
        await type_text(pilot, value)
        await pilot.press("enter")
    # 117 lb is far below her last 172 lb: the delta check asks, and she keeps it (wrongly).
    await pilot.press("down", "enter")
    await pilot.pause()
    await pilot.press("ctrl+r", "4")
    await type_text(pilot, "cough")
    await pilot.press("ctrl+r", "ctrl+s")
    await pilot.pause()


async def test_a_wrong_weight_is_corrected_kept_and_exported(
    demo_engine: Engine, tmp_path: Path
) -> None:
    change_setting(demo_engine, parse_setting("export-folder", str(tmp_path)), now=CLINIC_NOW)
    app = make_app(demo_engine)
    async with app.run_test() as pilot:
        await _sign_dana(pilot)
        await open_from_queue(pilot, "whit da")
        assert isinstance(app.screen, SignedVisitScreen)
        assert "NKA" in shown(app, "#banner")
        rows = _rows(app)
        weight_row = next(i for i, row in enumerate(rows) if row[0] == "Weight")
        assert rows[weight_row][1] == "117 lb (53.1 kg)"
        await pilot.press(*["down"] * weight_row, "c")
        await type_text(pilot, "171")
        await pilot.press("enter")
        rows = _rows(app)
        assert [row[1:] for row in rows if row[0] == "Weight"] == [
            ["117 lb (53.1 kg)", "", "entered in error"],
            ["171 lb (77.6 kg)", "", "final"],
        ]
        await pilot.press("f6")  # the corrected visit, as FHIR
        await app.workers.wait_for_complete()  # the export runs beside the screen
    (exported,) = tmp_path.glob("visit-*.fhir.json")
    weights_sent = [
        (o["status"], o["valueQuantity"]["value"])
        for o in (e["resource"] for e in json.loads(exported.read_text())["entry"])
        if o["resourceType"] == "Observation"
        and {"system": "http://loinc.org", "code": BODY_WEIGHT} in _codings(o["code"])
    ]
    assert weights_sent == [("entered-in-error", 53.07), ("final", 77.56)]
    with Session(demo_engine) as session:
        encounter = session.exec(
            select(Encounter).where(Encounter.chief_complaint == "cough")
        ).one()
        weights = session.exec(
            select(Observation)
            .where(Observation.encounter_id == encounter.id, Observation.code == BODY_WEIGHT)
            .order_by(col(Observation.id))
        ).all()
        assert [(w.value_entered, w.status) for w in weights] == [
            ("117", ObservationStatus.ENTERED_IN_ERROR),
            ("171", ObservationStatus.FINAL),
        ]
        assert weights[1].corrects_id == weights[0].id
        # Signing and correcting are in the audit trail, in the same transactions.
        from ma_tui.data.audit import events, verify

        trail = [e for e in events(session) if e.patient_mrn == "1000105"]
        actions = [e.action for e in trail]
        # The weight, then the BMI computed from it: each its own correction.
        assert actions[-5:] == ["sign", "view", "correct", "correct", "export"]
        assert '"was":"117 [lb_av]"' in (trail[-3].detail or "")
        assert '"code":"39156-5"' in (trail[-2].detail or "")  # the BMI, as computed
        assert "None" not in (trail[-2].detail or "None")  # its values, not value_entered
        assert verify(session).ok


async def test_a_bp_is_corrected_as_a_pair_and_bad_input_is_refused(demo_engine: Engine) -> None:
    app = make_app(demo_engine)
    async with app.run_test() as pilot:
        await _sign_dana(pilot)
        await open_from_queue(pilot, "whit da")
        await pilot.press("c")
        await type_text(pilot, "80/120")
        await pilot.press("enter")
        assert "higher" in shown(app, "#correct-error")
        await pilot.press("ctrl+u")
        await type_text(pilot, "126/80")
        await pilot.press("enter")
    with Session(demo_engine) as session:
        encounter = session.exec(
            select(Encounter).where(Encounter.chief_complaint == "cough")
        ).one()
        bp = session.exec(
            select(Observation)
            .where(
                Observation.encounter_id == encounter.id,
                col(Observation.code).in_([SYSTOLIC_BP, DIASTOLIC_BP]),
                Observation.status == ObservationStatus.FINAL,
            )
            .order_by(col(Observation.code))
        ).all()
        assert sorted((o.value_entered for o in bp), key=str) == ["126", "80"]


async def test_a_correction_is_checked_like_a_new_value(demo_engine: Engine) -> None:
    """Correcting to 77.6 (lb, at this clinic) meets the same unit catch as the vitals screen."""
    from ma_tui.screens.visit.vital_check import VitalCheckScreen

    app = make_app(demo_engine)
    async with app.run_test() as pilot:
        await _sign_dana(pilot)
        await open_from_queue(pilot, "whit da")
        weight_row = next(i for i, row in enumerate(_rows(app)) if row[0] == "Weight")
        await pilot.press(*["down"] * weight_row, "c")
        await type_text(pilot, "77.6")
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, VitalCheckScreen)
        await pilot.press("escape")  # fix it: nothing stored
        await pilot.pause()
        assert [row[3] for row in _rows(app) if row[0] == "Weight"] == ["final"]
        await pilot.press("enter")
        await pilot.pause()
        await pilot.press("down", "enter")  # use 77.6 kg
        await pilot.pause()
        assert [row[1:] for row in _rows(app) if row[0] == "Weight"] == [
            ["117 lb (53.1 kg)", "", "entered in error"],
            ["77.6 kg (171.1 lb)", "", "final"],
        ]
    with Session(demo_engine) as session:
        weights = session.exec(
            select(Observation).where(Observation.code == BODY_WEIGHT).order_by(col(Observation.id))
        ).all()
        wrong, right = weights[-2:]
    assert wrong.unit_catch is None  # kept with a confirm, not taken in another unit
    assert right.unit_catch is not None
    assert right.unit_catch.startswith("Typed 77.6 (read as lb), held: ")
    assert right.unit_catch.endswith("; the MA took 77.6 kg (171.1 lb) instead.")
