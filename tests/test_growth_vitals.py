"""Growth in the vitals step: percentiles beside a child's measurements, the |z| > 5
hold that catches a weight typed in the wrong unit, and the growth chart."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.engine import Engine
from textual.pilot import Pilot
from textual.widgets import Static

from ma_tui.data.catalogs.vitals import BODY_WEIGHT
from ma_tui.data.models.patients import Sex
from ma_tui.growth import Indicator
from ma_tui.screens.app import MaTuiApp
from ma_tui.screens.visit.growth_chart import GrowthChartScreen
from ma_tui.screens.visit.vital_check import VitalCheckScreen
from ma_tui.screens.visit.vitals import VitalsScreen
from ma_tui.vitals.chart_units import in_clinic_units
from ma_tui.vitals.entry import VitalsForm, check_field
from ma_tui.vitals.measurements import ClinicUnits
from ma_tui.vitals.percentiles import Child, Reading, Sizes, growth_chart
from tests.conftest import CLINIC_NOW
from tests.pilot import make_app, open_from_queue, shown, type_text


async def _to_line(pilot: Pilot[None], search: str) -> None:
    """Check-in confirmed, the focus on the vitals' one line."""
    await open_from_queue(pilot, search)
    await pilot.press("enter", "enter", "enter")
    assert isinstance(pilot.app.screen, VitalsScreen)


def _note(app: MaTuiApp, key: str) -> str:
    return str(app.screen.query_one(f"#note-{key}", Static).render())


def test_a_weight_impossible_for_the_childs_age_is_held_with_the_other_unit() -> None:
    """An 11-month-old boy (term): 9.2 at a lb clinic is 4.2 kg, weight-for-age z below -5;
    the infant band (2-15 kg) alone lets it through."""
    age_days = 335
    boy = Child(Sex.MALE, CLINIC_NOW.date() - timedelta(days=age_days))
    form = VitalsForm(values={"weight": "9.2"})
    check = check_field("weight", form, ClinicUnits(), age_days, CLINIC_NOW, {}, boy)
    assert check is not None
    assert check.possible
    assert "beyond the WHO's ±5" in check.reasons[0]
    assert check.other_unit is not None
    assert check.other_unit.text == "9.2kg"
    assert check_field("weight", form, ClinicUnits(), age_days, CLINIC_NOW, {}) is None
    kg = VitalsForm(values={"weight": "9.2kg"})
    assert check_field("weight", kg, ClinicUnits(), age_days, CLINIC_NOW, {}, boy) is None


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
        # The catch is kept for the export's note; values typed plainly have none.
        assert weight.unit_catch is not None
        assert weight.unit_catch.startswith("Typed 9.2 (read as lb), held: ")
        assert "4.2 kg is" in weight.unit_catch
        assert weight.unit_catch.endswith("the MA took 9.2 kg (20.3 lb) instead.")
        others = [e for e in app.visit.draft.vitals.entries if e.code != BODY_WEIGHT]
        assert others
        assert all(e.unit_catch is None for e in others)


async def test_the_growth_chart_opens_from_vitals_and_esc_returns(demo_sqlite: Engine) -> None:
    app = make_app(demo_sqlite)
    async with app.run_test() as pilot:
        await _to_line(pilot, "lindq")
        await pilot.press("f4")
        await pilot.pause()
        assert isinstance(app.screen, GrowthChartScreen)
        assert "Weight-for-age, WHO, girls 0-2 years" in shown(app, "#chart-title")
        # In the clinic's lb, from the stored kg (3.0 kg is 6.6 lb): the axis says lb.
        assert "this child (lb): 6.6, 10.6, 13.2, 17.6 " in shown(app, "#chart-points")
        await pilot.press("right")
        assert "Length" in shown(app, "#chart-title")
        await pilot.press("escape")
        assert isinstance(app.screen, VitalsScreen)


async def test_a_metric_clinics_growth_chart_is_in_kg(demo_sqlite: Engine) -> None:
    from ma_tui.vitals.settings import set_unit

    set_unit(demo_sqlite, "weight", "kg", now=CLINIC_NOW)
    app = make_app(demo_sqlite)
    async with app.run_test() as pilot:
        await _to_line(pilot, "lindq")
        await pilot.press("f4")
        await pilot.pause()
        assert "this child (kg): 3.0, 4.8, 6.0, 8.0 " in shown(app, "#chart-points")
        await pilot.press("right")  # her length, in the clinic's inches still
        assert "this child (in): " in shown(app, "#chart-points")


def test_a_chart_in_lb_and_in_keeps_every_point_where_it_sat() -> None:
    """Curves and points converted alike; weight-for-length's lengths too; BMI as it is."""
    girl = Child(Sex.FEMALE, CLINIC_NOW.date() - timedelta(days=335))
    readings = [Reading(CLINIC_NOW.date(), Sizes(weight_kg=8.4, length_cm=72.0))]
    day = CLINIC_NOW.date()
    chart = growth_chart(Indicator.WEIGHT_FOR_LENGTH, girl, day, readings)
    imperial = in_clinic_units(chart, ClinicUnits())
    assert (imperial.unit, imperial.x_label) == ("lb", "length (in)")
    ((x, y),) = imperial.points
    assert (x, y) == pytest.approx((72.0 / 2.54, 8.4 / 0.45359237))
    median = next(c for c in imperial.curves if c.percentile == 50)
    metric_median = next(c for c in chart.curves if c.percentile == 50)
    assert median.points[0] == pytest.approx(
        (metric_median.points[0][0] / 2.54, metric_median.points[0][1] / 0.45359237)
    )
    metric = ClinicUnits(weight="kg", height="cm", temperature="Cel")
    assert in_clinic_units(chart, metric) is chart
    older = Child(Sex.MALE, day - timedelta(days=3 * 365))
    bmi = growth_chart(Indicator.BMI_FOR_AGE, older, day, [])
    assert in_clinic_units(bmi, ClinicUnits()) is bmi  # kg/m², as US charts give it
