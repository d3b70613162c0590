"""A growth chart in the clinic's units: lb and in where the clinic weighs and
measures in them (``ma-tui settings``), as the MA typed the child's values.

The standards are in kg and cm; the curves and the child's points are converted
alike (exactly: 1 lb = 0.45359237 kg, 1 in = 2.54 cm), so a point sits where it sat.
BMI stays in kg/m², as US charts give it.
"""

from __future__ import annotations

from dataclasses import replace

from ma_tui.growth import Indicator
from ma_tui.growth.series import Curve
from ma_tui.vitals.measurements import ClinicUnits
from ma_tui.vitals.percentiles import GrowthChart
from ma_tui.vitals.units import CM_PER_IN, KG_PER_LB


def in_clinic_units(chart: GrowthChart, units: ClinicUnits) -> GrowthChart:
    """``chart`` with its values (and a weight-for-length's lengths) in the clinic's units."""
    y_scale, y_unit = _scale(chart.unit, units)
    x_scale = 1.0
    x_label = chart.x_label
    if chart.indicator == Indicator.WEIGHT_FOR_LENGTH:
        x_scale, x_unit = _scale("cm", units)
        x_label = f"length ({x_unit})"
    if y_scale == x_scale == 1.0:
        return chart

    def scaled(points: tuple[tuple[float, float], ...]) -> tuple[tuple[float, float], ...]:
        return tuple((x * x_scale, y * y_scale) for x, y in points)

    curves = tuple(Curve(c.percentile, scaled(c.points)) for c in chart.curves)
    return replace(chart, x_label=x_label, unit=y_unit, curves=curves, points=scaled(chart.points))


def _scale(unit: str, units: ClinicUnits) -> tuple[float, str]:
    """What to multiply a value in ``unit`` by for the clinic's unit, and its name."""
    if unit == "kg" and units.weight == "[lb_av]":
        return 1 / KG_PER_LB, "lb"
    if unit == "cm" and units.height == "[in_i]":
        return 1 / CM_PER_IN, "in"
    return 1.0, unit
