"""Each plausibility level and the unit catch, as the MA meets them on the vitals screen.

Impossible: refused beside the field. Abnormal: stored and flagged. Implausible,
far from the last reading, or taken over a day back: a box asks, with "fix it"
highlighted so an Enter typed ahead never confirms. The unit catch shows the
converted value and the MA chooses it; nothing is converted silently.
"""

from __future__ import annotations

import json

from sqlalchemy.engine import Engine
from sqlmodel import Session
from textual.pilot import Pilot
from textual.widgets import Input, OptionList, Static

from ma_tui.data.catalogs.vitals import BODY_TEMPERATURE, BODY_WEIGHT, HEART_RATE
from ma_tui.data.models.visits import RoomingDraft
from ma_tui.screens.app import MaTuiApp
from ma_tui.screens.visit.vital_check import VitalCheckScreen
from ma_tui.screens.visit.vitals import VitalsScreen
from tests.conftest import CLINIC_NOW, todays_encounter_id
from tests.pilot import make_app, open_from_queue, shown, type_text


async def _to_vitals(pilot: Pilot[None], search: str) -> None:
    await open_from_queue(pilot, search)
    await pilot.press("enter", "enter", "enter")
    assert isinstance(pilot.app.screen, VitalsScreen)
    await pilot.press("enter")  # from the empty one-line entry to the BP field


async def _to_pulse(pilot: Pilot[None]) -> None:
    """Dana's BP, no repeat: the focus is on the pulse."""
    await _enter(pilot, "128/82")
    await pilot.press("enter")


async def _enter(pilot: Pilot[None], text: str) -> None:
    await type_text(pilot, text)
    await pilot.press("enter")
    await pilot.pause()


def _note(app: MaTuiApp, key: str) -> str:
    return str(app.screen.query_one(f"#note-{key}", Static).render())


def _focused_id(app: MaTuiApp) -> str:
    return app.focused.id or "" if app.focused is not None else ""


def _saved_vitals(engine: Engine, family_name: str) -> dict[str, object]:
    """The vitals' part of the draft as the database holds it."""
    with Session(engine) as session:
        row = session.get(RoomingDraft, todays_encounter_id(engine, family_name))
        assert row is not None
        loaded: dict[str, object] = json.loads(row.data)["vitals"]
        return loaded


async def test_impossible_is_refused_beside_the_field_with_no_box(demo_engine: Engine) -> None:
    app = make_app(demo_engine)
    async with app.run_test() as pilot:
        await _to_vitals(pilot, "whit da")
        await _to_pulse(pilot)
        await _enter(pilot, "400")
        assert not isinstance(app.screen, VitalCheckScreen)
        assert "heart rate must be 20–300 /min" in _note(app, "pulse")


async def test_implausible_needs_a_deliberate_keep_and_is_stored_with_why(
    demo_engine: Engine,
) -> None:
    app = make_app(demo_engine)
    async with app.run_test() as pilot:
        await _to_vitals(pilot, "whit da")
        await _to_pulse(pilot)
        await _enter(pilot, "250")
        assert isinstance(app.screen, VitalCheckScreen)
        # Enter alone takes the highlighted choice, "fix it": back to the field.
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, VitalsScreen)
        assert _focused_id(app) == "v-pulse"
        assert "check" in _note(app, "pulse")
        await pilot.press("enter")
        assert isinstance(app.screen, VitalCheckScreen)
        await pilot.press("down", "enter")  # keep
        await pilot.pause()
        assert isinstance(app.screen, VitalsScreen)
        assert _focused_id(app) == "v-resp"
        assert "confirmed" in _note(app, "pulse")
        await pilot.press("ctrl+r")  # the review tells the provider it was checked again
        await pilot.pause()
        review = shown(app, "#review-visit")
        assert "250 /min" in review
        assert "CRITICAL HIGH" in review
        assert "confirmed: 250 /min is implausible for adults" in review
    saved = _saved_vitals(demo_engine, "Whitfield")
    pulse = next(v for v in saved["entries"] if v["code"] == HEART_RATE)  # type: ignore[attr-defined]
    assert pulse["value"] == 250
    assert pulse["interpretation"] == "HH"
    assert "implausible for adults" in pulse["confirmation"]


async def test_abnormal_is_stored_and_flagged_without_asking(demo_engine: Engine) -> None:
    app = make_app(demo_engine)
    async with app.run_test() as pilot:
        await _to_vitals(pilot, "benton")
        await _enter(pilot, "168/98")
        assert isinstance(app.screen, VitalsScreen)
        assert _focused_id(app) == "v-bp2"
        assert "HIGH" in _note(app, "bp")


async def test_celsius_typed_at_a_fahrenheit_clinic_is_offered_converted(
    demo_engine: Engine,
) -> None:
    app = make_app(demo_engine)
    async with app.run_test() as pilot:
        await _to_vitals(pilot, "whit da")
        await _to_pulse(pilot)
        await _enter(pilot, "76")
        await _enter(pilot, "16")
        await _enter(pilot, "38.5")
        assert isinstance(app.screen, VitalCheckScreen)
        options = app.screen.query_one("#check-choices", OptionList)
        prompts = [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]
        assert prompts[0].startswith("Fix it")
        assert prompts[1] == "Use 38.5 °C (101.3 °F)"
        assert len(prompts) == 2  # 38.5 °F is impossible: no "keep"
        await pilot.press("down", "enter")
        await pilot.pause()
        assert app.screen.query_one("#v-temp", Input).value == "38.5c"
        assert _focused_id(app) == "v-spo2"
        assert "38.5 °C (101.3 °F)" in _note(app, "temp")
    saved = _saved_vitals(demo_engine, "Whitfield")
    temp = next(v for v in saved["entries"] if v["code"] == BODY_TEMPERATURE)  # type: ignore[attr-defined]
    assert (temp["value_entered"], temp["unit_entered"], temp["value"]) == ("38.5", "Cel", 38.5)
    assert temp["unit_catch"].startswith("Typed 38.5 (read as °F), held: ")  # for the export
    assert temp["unit_catch"].endswith("the MA took 38.5 °C (101.3 °F) instead.")


async def test_kilograms_typed_as_pounds_are_caught_by_the_last_weight(
    demo_engine: Engine,
) -> None:
    app = make_app(demo_engine)
    async with app.run_test() as pilot:
        await _to_vitals(pilot, "whit da")
        app.screen.query_one("#v-weight", Input).focus()
        await pilot.pause()
        await _enter(pilot, "77.6")
        assert isinstance(app.screen, VitalCheckScreen)
        reasons = str(app.screen.query_one("#check-reasons", Static).render())
        assert "less than 78.0 kg on 08/24/2026" in reasons
        await pilot.press("down", "enter")  # use 77.6 kg
        await pilot.pause()
        assert app.screen.query_one("#v-weight", Input).value == "77.6kg"
    saved = _saved_vitals(demo_engine, "Whitfield")
    weight = next(v for v in saved["entries"] if v["code"] == BODY_WEIGHT)  # type: ignore[attr-defined]
    assert (weight["value"], weight["unit_entered"], weight["confirmation"]) == (77.6, "kg", None)


async def test_a_time_taken_days_back_asks_and_moving_on_asks_for_what_was_skipped(
    demo_engine: Engine,
) -> None:
    app = make_app(demo_engine)
    async with app.run_test() as pilot:
        await _to_vitals(pilot, "whit da")
        await pilot.press("shift+tab")
        assert _focused_id(app) == "taken_at"
        await _enter(pilot, "11/20 14:05")
        assert isinstance(app.screen, VitalCheckScreen)
        await pilot.press("down", "enter")
        await pilot.pause()
        assert _focused_id(app) == "v-bp"
        # A value left with Tab is not asked about then; Ctrl+N asks before leaving.
        await type_text(pilot, "400/100")
        await pilot.press("tab")
        await pilot.press("ctrl+n")
        await pilot.pause()
        assert isinstance(app.screen, VitalsScreen)  # impossible: refused, no box
        assert "Fix before moving on" in str(app.screen.query_one("#vitals-error").render())
        app.screen.query_one("#v-bp", Input).value = "270/100"
        await pilot.press("ctrl+n")
        await pilot.pause()
        assert isinstance(app.screen, VitalCheckScreen)
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, VitalsScreen)
        assert _focused_id(app) == "v-bp"
    saved = _saved_vitals(demo_engine, "Whitfield")
    assert str(saved["unsettled"]).startswith("BP: needs a confirm")


async def test_a_metric_clinic_shows_its_units_beside_each_field(demo_engine: Engine) -> None:
    from ma_tui.vitals.settings import set_unit

    for setting, unit in (("weight", "kg"), ("height", "cm"), ("temperature", "c")):
        set_unit(demo_engine, setting, unit, now=CLINIC_NOW)
    app = make_app(demo_engine)
    async with app.run_test() as pilot:
        await _to_vitals(pilot, "benton")
        units = {
            label.parent.id: str(label.render())
            for label in app.screen.query(".vital-unit")
            if label.parent is not None
        }
        assert units["row-temp"] == "°C"
        assert units["row-weight"] == "kg"
        assert units["row-height"] == "cm"
        assert units["row-bp"] == "mmHg"
        app.screen.query_one("#v-temp", Input).focus()
        await pilot.pause()
        await _enter(pilot, "38.9")
        assert "38.9 °C (102.0 °F)" in _note(app, "temp")
        await _enter(pilot, "91")
        await pilot.press("enter")
        await _enter(pilot, "95")  # a bare 95 is kg here: nothing to catch
        assert "95 kg (209.4 lb)" in _note(app, "weight")
