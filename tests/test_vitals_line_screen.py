"""The one-line vitals entry on the vitals screen, typed as an MA types it.

The line fills the fields as it is typed and reads itself back; Enter asks about
what needs a confirm and moves on. What the draft holds is checked in the database.
"""

from __future__ import annotations

from sqlalchemy.engine import Engine
from sqlmodel import Session
from textual.pilot import Pilot
from textual.widgets import Input

from ma_tui.data.catalogs.vitals import (
    BODY_HEIGHT,
    BODY_TEMPERATURE,
    BODY_WEIGHT,
    HEART_RATE,
    PAIN_SEVERITY,
    SPO2,
    SYSTOLIC_BP,
)
from ma_tui.data.models.visits import RoomingDraft
from ma_tui.screens.app import MaTuiApp
from ma_tui.screens.visit.history import HistoryScreen
from ma_tui.screens.visit.vital_check import VitalCheckScreen
from ma_tui.screens.visit.vitals import VitalsScreen
from ma_tui.visits.draft import VisitDraft
from tests.conftest import todays_encounter_id
from tests.pilot import field, make_app, open_from_queue, shown, type_text


async def _to_line(pilot: Pilot[None], search: str) -> None:
    await open_from_queue(pilot, search)
    await pilot.press("enter", "enter", "enter")
    assert isinstance(pilot.app.screen, VitalsScreen)
    assert pilot.app.focused is not None
    assert pilot.app.focused.id == "vitals-line"


def _stored(engine: Engine, family: str) -> VisitDraft:
    with Session(engine) as session:
        row = session.get(RoomingDraft, todays_encounter_id(engine, family))
        assert row is not None
        return VisitDraft.model_validate_json(row.data)


def _fields(app: MaTuiApp) -> dict[str, str]:
    return {(i.id or "")[2:]: i.value for i in app.screen.query(Input).filter(".vital")}


async def test_a_whole_set_on_one_line_fills_the_fields_and_enter_moves_on(
    demo_engine: Engine,
) -> None:
    app = make_app(demo_engine)
    async with app.run_test() as pilot:
        await _to_line(pilot, "whit da")
        await type_text(pilot, "128/82 p76 r16 t98.4 o97 w171 pn2")
        await pilot.pause()
        fields = _fields(app)
        assert (fields["bp"], fields["pulse"], fields["temp"], fields["weight"]) == (
            "128/82",
            "76",
            "98.4",
            "171",
        )
        assert fields["height"] == "65"  # carried forward, untouched by the line
        readback = shown(app, "#line-readback")
        assert "Wt 171 lb (77.6 kg)" in readback
        assert "T 98.4 °F (36.9 °C)" in readback
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, HistoryScreen)
    vitals = {v.code: v for v in _stored(demo_engine, "Whitfield").vitals.entries}
    assert (vitals[SYSTOLIC_BP].value, vitals[HEART_RATE].value) == (128, 76)
    assert (vitals[BODY_WEIGHT].value_entered, vitals[BODY_WEIGHT].unit_entered) == (
        "171",
        "[lb_av]",
    )
    assert vitals[BODY_HEIGHT].value_entered == "65"
    assert vitals[PAIN_SEVERITY].value == 2
    assert vitals[SPO2].method == "room air"


async def test_a_refused_piece_is_pointed_at_and_enter_stays(demo_engine: Engine) -> None:
    app = make_app(demo_engine)
    async with app.run_test() as pilot:
        await _to_line(pilot, "whit da")
        await type_text(pilot, "128/82 76 r16")
        await pilot.pause()
        assert "✗ 76: which vital?" in shown(app, "#line-readback")
        assert _fields(app)["pulse"] == ""  # never guessed
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, VitalsScreen)
        assert app.focused is not None
        assert app.focused.id == "vitals-line"
    # Not lost either: the line is in the draft as typed.
    form = _stored(demo_engine, "Whitfield").vitals.form
    assert form is not None
    assert form["line"] == "128/82 76 r16"


async def test_the_unit_catch_from_the_line_rewrites_the_piece(demo_engine: Engine) -> None:
    app = make_app(demo_engine)
    async with app.run_test() as pilot:
        await _to_line(pilot, "benton")
        await type_text(pilot, "168/98 t38.9")  # °F clinic: 38.9 °F is not possible
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, VitalCheckScreen)
        await pilot.press("down", "enter")  # use 38.9 °C
        await pilot.pause()
        assert field(app, "#vitals-line").value == "168/98 t38.9c"
        assert field(app, "#v-temp").value == "38.9c"
        # On to the first empty field after the last one the line filled.
        assert app.focused is not None
        assert app.focused.id == "v-spo2"
    temperature = next(
        v for v in _stored(demo_engine, "Benton").vitals.entries if v.code == BODY_TEMPERATURE
    )
    assert (temperature.value_entered, temperature.unit_entered) == ("38.9", "Cel")


async def test_fix_it_goes_back_to_the_piece_in_the_line(demo_engine: Engine) -> None:
    app = make_app(demo_engine)
    async with app.run_test() as pilot:
        await _to_line(pilot, "whit da")
        await type_text(pilot, "p250 r16")  # 250 /min is implausible: a confirm
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, VitalCheckScreen)
        await pilot.press("enter")  # the default: fix it
        await pilot.pause()
        line = field(app, "#vitals-line")
        assert app.focused is line
        assert line.cursor_position == len("p250")


async def test_a_piece_taken_out_gives_the_field_back(demo_engine: Engine) -> None:
    app = make_app(demo_engine)
    async with app.run_test() as pilot:
        await _to_line(pilot, "whit da")
        await type_text(pilot, "p76 h66 standing")
        await pilot.pause()
        assert (_fields(app)["pulse"], _fields(app)["height"]) == ("76", "66")
        assert field(app, "#q-position").value == "standing"
        await pilot.press(*["backspace"] * len(" h66 standing"))
        await pilot.pause()
        assert _fields(app)["pulse"] == "76"
        assert _fields(app)["height"] == "65"  # the carried-forward height again
        assert field(app, "#q-position").value == "sitting"


async def test_a_field_corrected_by_hand_keeps_its_correction(demo_engine: Engine) -> None:
    app = make_app(demo_engine)
    async with app.run_test() as pilot:
        await _to_line(pilot, "whit da")
        await type_text(pilot, "p76")
        app.screen.set_focus(field(app, "#v-pulse"))
        await pilot.press("backspace", "backspace")
        await type_text(pilot, "80")
        app.screen.set_focus(field(app, "#vitals-line"))
        await pilot.press("end")
        await type_text(pilot, " r16")
        await pilot.pause()
        assert (_fields(app)["pulse"], _fields(app)["resp"]) == ("80", "16")


async def test_not_obtained_and_head_circumference_for_a_toddler(demo_engine: Engine) -> None:
    app = make_app(demo_engine)
    async with app.run_test() as pilot:
        await pilot.press("f2")
        for value in ("Okafor", "Ada", "3/9/23", "F", "5555550142", "Chidi Okafor", "", "", ""):
            await type_text(pilot, value)
            await pilot.press("enter")
        await pilot.pause()
        await pilot.press("enter", "ctrl+n")
        assert isinstance(app.screen, VitalsScreen)
        await type_text(pilot, "bp:unc p118 r26 t38.1c o99 h92.5cm w13.6kg hc48cm pnu")
        await pilot.pause()
        assert "BP not obtained: patient uncooperative" in shown(app, "#line-readback")
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, HistoryScreen)
    draft = _stored(demo_engine, "Okafor")
    reasons = {v.code: v.not_obtained_reason for v in draft.vitals.entries if v.not_obtained_reason}
    assert reasons == {
        SYSTOLIC_BP: "patient uncooperative",
        "8462-4": "patient uncooperative",
        PAIN_SEVERITY: "unable to rate",
    }
    head = next(v for v in draft.vitals.entries if v.code == "9843-4")
    assert (head.value_entered, head.unit_entered, head.value) == ("48", "cm", 48)


async def test_a_reopened_visit_at_vitals_takes_more_on_the_line_and_replaces_nothing(
    demo_engine: Engine,
) -> None:
    """Found trying it: back to Vitals (Ctrl+B), Esc, reopen, ` t38.5` typed: the
    cursor was on the pulse with its 76 selected, and the keys replaced it."""
    app = make_app(demo_engine)
    async with app.run_test() as pilot:
        await _to_line(pilot, "whit da")
        await type_text(pilot, "128/82 p76 r16 t98.4 o97 w171 pn2")
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, HistoryScreen)
        await pilot.press("ctrl+b")
        await pilot.pause()
        assert isinstance(app.screen, VitalsScreen)
        await pilot.press("escape")
        await pilot.pause()
        await open_from_queue(pilot, "whit da")
        assert isinstance(app.screen, VitalsScreen)
        assert app.focused is not None
        assert app.focused.id == "vitals-line"
        await type_text(pilot, " h66")
        await pilot.pause()
        assert field(app, "#vitals-line").value == "128/82 p76 r16 t98.4 o97 w171 pn2 h66"
        fields = _fields(app)
        assert (fields["bp"], fields["pulse"], fields["height"]) == ("128/82", "76", "66")
