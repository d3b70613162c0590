"""Vitals, typed as the reference visits type them: read back, flagged, stored in the draft."""

from __future__ import annotations

from sqlalchemy.engine import Engine
from textual.pilot import Pilot
from textual.widgets import Static

from ma_tui.data.catalogs.vitals import (
    BMI,
    BODY_HEIGHT,
    BODY_TEMPERATURE,
    BODY_WEIGHT,
    DIASTOLIC_BP,
    HEART_RATE,
    PAIN_SEVERITY,
    SPO2,
    SYSTOLIC_BP,
)
from ma_tui.screens.app import MaTuiApp
from ma_tui.screens.visit.vitals import VitalsScreen
from tests.pilot import make_app, open_from_queue, type_text


async def _to_vitals(pilot: Pilot[None], search: str) -> None:
    """To the vitals' BP field: Enter on the empty one-line entry goes field by field."""
    await open_from_queue(pilot, search)
    await pilot.press("enter", "enter", "enter")
    assert pilot.app.focused is not None
    assert pilot.app.focused.id == "vitals-line"
    await pilot.press("enter")


async def _values(pilot: Pilot[None], *values: str) -> None:
    for value in values:
        await type_text(pilot, value)
        await pilot.press("enter")


def _note(app: MaTuiApp, key: str) -> str:
    return str(app.screen.query_one(f"#note-{key}", Static).render())


async def test_dana_routine_vitals_in_clinic_units(demo_engine: Engine) -> None:
    app = make_app(demo_engine)
    async with app.run_test() as pilot:
        await _to_vitals(pilot, "whit da")
        assert isinstance(app.screen, VitalsScreen)
        # Height is carried forward from her last visit: Enter keeps it.
        await _values(pilot, "128/82", "", "76", "16", "98.4", "97")
        assert "carried forward" in _note(app, "height")
        await _values(pilot, "", "171")
        assert "171 lb (77.6 kg)" in _note(app, "weight")
        await _values(pilot, "2")
        assert not isinstance(app.screen, VitalsScreen)  # Enter on the last vital moves on
        assert app.visit is not None
        vitals = {v.code: v for v in app.visit.draft.vitals.entries}
    assert (vitals[SYSTOLIC_BP].value, vitals[DIASTOLIC_BP].value) == (128, 82)
    assert vitals[SYSTOLIC_BP].position == "sitting"
    assert vitals[SYSTOLIC_BP].site == "left arm"
    assert vitals[HEART_RATE].value == 76
    assert vitals[HEART_RATE].interpretation is None
    temperature = vitals[BODY_TEMPERATURE]
    assert (temperature.value_entered, temperature.unit_entered) == ("98.4", "[degF]")
    assert round(temperature.value or 0, 1) == 36.9
    assert temperature.unit == "Cel"
    assert vitals[SPO2].method == "room air"
    assert (vitals[BODY_HEIGHT].value_entered, vitals[BODY_HEIGHT].unit_entered) == ("65", "[in_i]")
    weight = vitals[BODY_WEIGHT]
    assert (weight.value_entered, weight.unit_entered, weight.value) == ("171", "[lb_av]", 77.56)
    assert vitals[PAIN_SEVERITY].value == 2
    assert vitals[BMI].method == "calculated"
    assert 28 < (vitals[BMI].value or 0) < 29


async def test_harold_abnormal_values_are_flagged_as_entered(demo_engine: Engine) -> None:
    app = make_app(demo_engine)
    async with app.run_test() as pilot:
        await _to_vitals(pilot, "benton")
        await _values(pilot, "168/98")
        assert "HIGH" in _note(app, "bp")
        await _values(pilot, "162/96", "104", "24", "38.9c")
        for key in ("bp2", "pulse", "resp", "temp"):
            assert "HIGH" in _note(app, key), key
        assert "38.9 °C (102.0 °F)" in _note(app, "temp")
        await type_text(pilot, "91")
        await pilot.press("tab")
        await _values(pilot, "2")
        assert "on O2 2 L/min" in _note(app, "spo2")
        assert "LOW" in _note(app, "spo2")
        await _values(pilot, "", "208", "8")
        assert app.visit is not None
        draft = app.visit.draft.vitals
    systolic = [v for v in draft.entries if v.code == SYSTOLIC_BP]
    assert [v.value for v in systolic] == [168, 162]  # a repeat is a second reading
    assert len({v.reading_group for v in systolic}) == 2
    assert {v.code: v.interpretation for v in draft.entries}[HEART_RATE] == "H"
    spo2 = next(v for v in draft.entries if v.code == SPO2)
    assert spo2.o2_flow_l_min == 2
    assert spo2.interpretation == "L"


async def test_a_bad_value_says_why_and_keeps_the_mA_on_the_screen(demo_engine: Engine) -> None:
    app = make_app(demo_engine)
    async with app.run_test() as pilot:
        await _to_vitals(pilot, "whit da")
        await _values(pilot, "82/128")
        assert "systolic" in _note(app, "bp").lower()
        await pilot.press("ctrl+n")
        assert isinstance(app.screen, VitalsScreen)
        assert app.visit is not None
        assert not [v for v in app.visit.draft.vitals.entries if v.code == SYSTOLIC_BP]
        assert app.visit.draft.vitals.unsettled.startswith("BP: systolic (first)")


async def test_not_obtained_and_unable_to_rate(demo_engine: Engine) -> None:
    app = make_app(demo_engine)
    async with app.run_test() as pilot:
        await _to_vitals(pilot, "whit da")
        await pilot.press("f3", "down", "enter")  # patient uncooperative
        assert "not obtained: patient uncooperative" in _note(app, "bp")
        await pilot.press("enter")  # past BP repeat
        await _values(pilot, "76", "16", "98.4", "97", "", "171")
        await _values(pilot, "u")
        assert app.visit is not None
        reasons = {v.code: v.not_obtained_reason for v in app.visit.draft.vitals.entries}
    assert reasons[SYSTOLIC_BP] == reasons[DIASTOLIC_BP] == "patient uncooperative"
    assert reasons[PAIN_SEVERITY] == "unable to rate"


async def test_values_in_another_unit_come_back_with_their_suffix(demo_engine: Engine) -> None:
    app = make_app(demo_engine)
    async with app.run_test() as pilot:
        await _to_vitals(pilot, "benton")
        await _values(pilot, "", "", "", "", "38.9c")
        await pilot.press("ctrl+b", "ctrl+n")
        assert isinstance(app.screen, VitalsScreen)
        assert app.screen.query_one("#v-temp").value == "38.9c"  # type: ignore[attr-defined]
        assert "38.9 °C (102.0 °F)" in _note(app, "temp")
