"""The standards' percentile curves, for drawing a growth chart.

Each standard draws the percentiles it publishes: the WHO its 3rd, 15th, 50th, 85th
and 97th; the CDC its 3rd, 10th, 25th, 50th, 75th, 90th and 97th, and for BMI the
5th (underweight), 85th (overweight) and 95th (obesity) with the 10th to 75th. A range
that crosses 24 months gives two segments, WHO then CDC, as a US chart switches.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from ma_tui.data.catalogs.growth import DAYS_PER_MONTH, LmsTable, cdc_table, who_table
from ma_tui.data.models.patients import Sex
from ma_tui.growth.assess import SPECS, WHO_UNTIL_MONTHS, Indicator, Standard
from ma_tui.growth.lms import value_at, z_of_percentile

WHO_PERCENTILES: tuple[float, ...] = (3, 15, 50, 85, 97)
CDC_PERCENTILES: tuple[float, ...] = (3, 10, 25, 50, 75, 90, 97)
CDC_BMI_PERCENTILES: tuple[float, ...] = (5, 10, 25, 50, 75, 85, 95)
MAX_POINTS = 2000  # per curve: more than any terminal is wide


@dataclass(frozen=True, slots=True)
class Curve:
    percentile: float
    points: tuple[tuple[float, float], ...]  # (age in months or length in cm, value)


@dataclass(frozen=True, slots=True)
class ChartSegment:
    standard: Standard
    x_label: str  # "age (months)" or "length (cm)"
    unit: str  # of the values: "kg", "cm" or "kg/m²"
    curves: tuple[Curve, ...]


def growth_series(
    indicator: Indicator, sex: Sex, start: float, stop: float, *, step: float = 0.5
) -> tuple[ChartSegment, ...]:
    """The percentile curves of ``indicator`` from ``start`` to ``stop``.

    ``start`` and ``stop`` are ages in months, or lengths in cm for weight-for-length;
    ``step`` is the spacing of the points (half a month, the CDC tables' spacing, or
    half a centimetre). Only the part of the range a standard covers is drawn; the
    result is empty where none does, or when the sex is neither male nor female.
    """
    if sex not in (Sex.MALE, Sex.FEMALE) or not _finite(start, stop, step) or step <= 0:
        return ()
    spec = SPECS[indicator]
    segments: list[ChartSegment] = []
    if indicator == Indicator.WEIGHT_FOR_LENGTH:
        table = who_table("wfl", sex)
        low, high = max(start, table.first), min(stop, table.last)
        if low < high:
            curves = _curves(table, WHO_PERCENTILES, low, high, step, scale=1.0)
            segments.append(ChartSegment(Standard.WHO, "length (cm)", spec.unit, curves))
        return tuple(segments)
    assert spec.who is not None
    low, high = max(start, 0.0), min(stop, WHO_UNTIL_MONTHS)
    if low < high:
        # The WHO tables go by day: months are read at months x 30.4375 days.
        table = who_table(spec.who, sex)
        curves = _curves(table, WHO_PERCENTILES, low, high, step, scale=DAYS_PER_MONTH)
        segments.append(ChartSegment(Standard.WHO, "age (months)", spec.unit, curves))
    if spec.cdc is not None:
        table = cdc_table(spec.cdc, sex)
        low = max(start, WHO_UNTIL_MONTHS)
        high = min(stop, spec.cdc_until_months, table.last)
        if low < high:
            percentiles = (
                CDC_BMI_PERCENTILES if indicator == Indicator.BMI_FOR_AGE else CDC_PERCENTILES
            )
            curves = _curves(table, percentiles, low, high, step, scale=1.0)
            segments.append(ChartSegment(Standard.CDC, "age (months)", spec.unit, curves))
    return tuple(segments)


def _curves(
    table: LmsTable,
    percentiles: tuple[float, ...],
    low: float,
    high: float,
    step: float,
    *,
    scale: float,
) -> tuple[Curve, ...]:
    """One curve per percentile; ``scale`` turns a point's x into the table's x."""
    step = max(step, (high - low) / MAX_POINTS)
    count = math.floor((high - low) / step)
    xs = [low + i * step for i in range(count + 1)]
    if xs[-1] < high:
        xs.append(high)
    curves = []
    for percentile in percentiles:
        z = z_of_percentile(percentile)
        points = []
        for x in xs:
            lms = table.at(x * scale)
            value = None if lms is None else value_at(z, lms)
            if value is not None:
                points.append((x, value))
        curves.append(Curve(percentile, tuple(points)))
    return tuple(curves)


def _finite(*numbers: float) -> bool:
    return all(math.isfinite(n) for n in numbers)
