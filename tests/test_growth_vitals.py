"""Growth in the vitals step: percentiles beside a child's measurements, the |z| > 5
hold that catches a weight typed in the wrong unit, and the growth chart."""

from __future__ import annotations

from sqlalchemy.engine import Engine
from textual.pilot import Pilot
from textual.widgets import Static

from ma_tui.data.catalogs.vitals import BODY_WEIGHT
from ma_tui.screens.app import MaTuiApp
from ma_tui.screens.visit.growth_chart import GrowthChartScreen
from ma_tui.screens.visit.vital_check import VitalCheckScreen
from ma_tui.screens.visit.vitals import VitalsScreen
from tests.pilot import make_app, open_from_queue, shown, type_text


async def _to_line(pilot: Pilot[None], search: str) -> None:
    """Check-in confirmed, the focus on the vitals' one line."""
    await open_from_queue(pilot, search)
    await pilot.press("enter", "enter", "enter")
    assert isinstance(pilot.app.screen, VitalsScreen)


def _note(app: MaTuiApp, key: str) -> str:
    return str(app.screen.query_one(f"#note-{key}", Static).render())


async def test_an_infants_weight_in_the_wrong_unit_is_held_and_percentiles_show(
    demo_sqlite: Engine,
) -> None:
    """Elsa, 11 months (born at 31+3 weeks): 9.2 without a unit is 9.2 lb, 4.2 kg, far
    below any child of her corrected age; the check offers 9.2 kg, which reads on her curve."""
    app = make_app(demo_sqlite)
    async with app.run_test() as pilot:
        await _to_line(pilot, "lindq")
        await type_text(pilot, "p132 r34 h27 w9.2 hc17")
        await pilot.pause()
        assert "%ile" in shown(app, "#line-readback")
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, VitalCheckScreen)
        reasons = shown(app, "#check-reasons")
        assert "implausible for a girl aged" in reasons
        assert "corrected" in reasons
        await pilot.press("down", "enter")  # use 9.2 kg
        await pilot.pause()
        assert isinstance(app.screen, VitalsScreen)
        assert "9.2 kg" in _note(app, "weight")
        assert "%ile" in _note(app, "weight")
        assert "%ile" in _note(app, "height")
        assert "%ile" in _note(app, "head")
        assert "corrected age" in shown(app, "#bmi-line")  # weight-for-length
        assert app.visit is not None
        weight = next(e for e in app.visit.draft.vitals.entries if e.code == BODY_WEIGHT)
        assert weight.value == 9.2


async def test_the_growth_chart_opens_from_vitals_and_esc_returns(demo_sqlite: Engine) -> None:
    app = make_app(demo_sqlite)
    async with app.run_test() as pilot:
        await _to_line(pilot, "lindq")
        await pilot.press("f4")
        await pilot.pause()
        assert isinstance(app.screen, GrowthChartScreen)
        assert "Weight-for-age, WHO, girls 0-2 years" in shown(app, "#chart-title")
        assert "6.6" not in shown(app, "#chart-points")  # kg, not the lb typed
        await pilot.press("right")
        assert "Length" in shown(app, "#chart-title")
        await pilot.press("escape")
        assert isinstance(app.screen, VitalsScreen)
