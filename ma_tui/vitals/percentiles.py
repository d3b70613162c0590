"""A child's growth percentiles for the vitals typed: what each field shows, and holds.

The vitals step knows a child by :class:`Child` (sex, date of birth, gestational age
when known). Weight, length/height and head circumference are each read on their
growth standard (``ma_tui.growth``) at the child's age on the day taken, corrected
for prematurity where that applies; the weight is also read for its length (under 2
years) or as BMI-for-age (from 2). A result past the standard's implausibility cut
holds its value for a confirm, as an implausible value for the age band does.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from ma_tui.data.catalogs.growth import DAYS_PER_MONTH
from ma_tui.data.catalogs.vitals import BODY_HEIGHT, BODY_WEIGHT, HEAD_CIRCUMFERENCE
from ma_tui.data.models.observations import Observation
from ma_tui.growth import (
    GestationalAge,
    GrowthAge,
    GrowthResult,
    Indicator,
    NotAssessed,
    Sex,
    assess_measurements,
    growth_age,
    growth_series,
)
from ma_tui.growth.series import Curve
from ma_tui.vitals.draft import VitalEntry

ADULT_MONTHS = 240.0  # the growth references end at 20 years
# The indicators each field's value is read on: a weight also for its length (or BMI).
FIELD_INDICATORS: dict[str, tuple[Indicator, ...]] = {
    "weight": (Indicator.WEIGHT_FOR_AGE, Indicator.WEIGHT_FOR_LENGTH, Indicator.BMI_FOR_AGE),
    "height": (Indicator.LENGTH_FOR_AGE,),
    "head": (Indicator.HEAD_CIRCUMFERENCE_FOR_AGE,),
}
PROPORTIONS = (Indicator.WEIGHT_FOR_LENGTH, Indicator.BMI_FOR_AGE)  # weight for its length
SIZE_CODES = {BODY_WEIGHT: "weight_kg", BODY_HEIGHT: "length_cm", HEAD_CIRCUMFERENCE: "head_cm"}


@dataclass(frozen=True, slots=True)
class Child:
    """Who the growth standards are read for."""

    sex: Sex
    birth_date: date
    gestation: GestationalAge | None = None

    def age_on(self, day: date) -> GrowthAge | None:
        """The age the standards are read at on ``day``; None from 20 years (or before birth)."""
        if day < self.birth_date:
            return None
        age = growth_age(self.birth_date, day, self.gestation)
        return age if age.chronological_days / DAYS_PER_MONTH < ADULT_MONTHS else None


def gestation_from_days(days: int | None) -> GestationalAge | None:
    """The stored completed days of gestation (``Patient.gestational_age_days``) as weeks+days."""
    return None if days is None else GestationalAge(days // 7, days % 7)


@dataclass(frozen=True, slots=True)
class Sizes:
    """A set's measurements in canonical units: kg and cm."""

    weight_kg: float | None = None
    length_cm: float | None = None
    head_cm: float | None = None

    def of(self, key: str) -> float | None:
        return {"weight": self.weight_kg, "height": self.length_cm, "head": self.head_cm}.get(key)


def field_growth(key: str, child: Child | None, day: date, sizes: Sizes) -> list[GrowthResult]:
    """The percentiles the value of field ``key`` is read on (none for an adult, or no value)."""
    if child is None or key not in FIELD_INDICATORS or sizes.of(key) is None:
        return []
    return [r for r in set_growth(child, day, sizes) if r.indicator in FIELD_INDICATORS[key]]


def _assessed(results: Sequence[GrowthResult | NotAssessed]) -> list[GrowthResult]:
    return [result for result in results if isinstance(result, GrowthResult)]


def growth_reasons(results: Sequence[GrowthResult]) -> list[str]:
    """Why these percentiles hold their value: past the standard's implausibility cut."""
    return [reason for result in results if (reason := result.implausible_reason)]


def percentile_note(results: Sequence[GrowthResult]) -> str:
    """``"38th %ile"``: the field's own indicator (weight-for-age for a weight)."""
    own = [r for r in results if r.indicator not in PROPORTIONS]
    return own[0].readback if own else ""


def proportion_note(results: Sequence[GrowthResult]) -> str:
    """``"45th %ile (WHO weight-for-length, corrected age 3 mo, born at 30+2 wk)"``, or BMI's."""
    proportion = [r for r in results if r.indicator in PROPORTIONS]
    return proportion[0].summary if proportion else ""


# ------------------------------------------------------------------ the chart


@dataclass(frozen=True, slots=True)
class Reading:
    """One visit's measurements, on the day they were taken."""

    day: date
    sizes: Sizes


@dataclass(frozen=True, slots=True)
class GrowthChart:
    """One indicator's chart: the standard's curves and the child's points on them."""

    indicator: Indicator
    title: str  # "Weight-for-age, WHO, girls 0-2 years"
    x_label: str  # "age (months)", "age (years)" or "length (cm)"
    unit: str
    curves: tuple[Curve, ...]
    points: tuple[tuple[float, float], ...]  # (x, value), oldest first


def chart_indicators(child: Child, day: date) -> tuple[Indicator, ...]:
    """The charts a US clinic keeps at this age: WHO's under 2 years, CDC's from 2."""
    age = child.age_on(day)
    if age is None:
        return ()
    months = age.months
    proportion = Indicator.WEIGHT_FOR_LENGTH if months < 24 else Indicator.BMI_FOR_AGE
    found = [Indicator.WEIGHT_FOR_AGE, Indicator.LENGTH_FOR_AGE, proportion]
    if months < 36:
        found.append(Indicator.HEAD_CIRCUMFERENCE_FOR_AGE)
    return tuple(found)


def growth_chart(
    indicator: Indicator, child: Child, day: date, readings: Sequence[Reading]
) -> GrowthChart:
    """The chart of ``indicator`` for the child's age on ``day``, with every reading on it.

    Under 2 years the WHO 0-2 years chart (by month, or by length for weight-for-length);
    from 2 the CDC 2-20 years chart in years (head circumference: CDC to 36 months).
    """
    age = child.age_on(day)
    months = 0.0 if age is None else age.months
    infant = months < 24
    if indicator == Indicator.WEIGHT_FOR_LENGTH:
        start, stop, scale = 45.0, 110.0, 1.0
    elif infant:
        start, stop, scale = 0.0, 24.0, 1.0
    elif indicator == Indicator.HEAD_CIRCUMFERENCE_FOR_AGE:
        start, stop, scale = 24.0, 36.0, 1.0
    else:
        start, stop, scale = 24.0, 240.0, 12.0
    segments = growth_series(indicator, child.sex, start, stop)
    curves = tuple(
        Curve(c.percentile, tuple((x / scale, v) for x, v in c.points))
        for segment in segments
        for c in segment.curves
    )
    points = []
    for reading in sorted(readings, key=lambda r: r.day):
        for result in set_growth(child, reading.day, reading.sizes):
            if result.indicator == indicator and start <= result.chart_x <= stop:
                points.append((result.chart_x / scale, result.value))
    standard = segments[0].standard if segments else ("WHO" if infant else "CDC")
    sexes = "boys" if child.sex == Sex.MALE else "girls"
    span = "0-2 years" if infant else "2-20 years" if scale > 1 else "0-36 months"
    x_label = "length (cm)" if indicator == Indicator.WEIGHT_FOR_LENGTH else "age (months)"
    return GrowthChart(
        indicator,
        f"{str(indicator).capitalize()}, {standard}, {sexes} {span}",
        "age (years)" if scale > 1 else x_label,
        segments[0].unit if segments else "",
        curves,
        tuple(points),
    )


def readings_of(
    history: Mapping[str, Sequence[Observation]], entries: Sequence[VitalEntry]
) -> list[Reading]:
    """Earlier visits' measurements (``Chart.vital_history``) and this visit's, per visit."""
    by_visit: dict[object, dict[str, tuple[date, float]]] = {}
    for code, key in SIZE_CODES.items():
        for row in history.get(code, ()):
            if row.value is not None:
                by_visit.setdefault(row.encounter_id, {})[key] = (row.taken_at.date(), row.value)
        for entry in entries:
            if entry.code == code and entry.value is not None:
                by_visit.setdefault("now", {})[key] = (entry.taken_at.date(), entry.value)
    readings = []
    for values in by_visit.values():
        day = min(taken for taken, _ in values.values())
        sizes = {key: value for key, (_, value) in values.items()}
        readings.append(Reading(day, Sizes(**sizes)))
    return readings


def set_growth(child: Child, day: date, sizes: Sizes) -> list[GrowthResult]:
    """Every percentile a set of measurements reads on, in ``assess_measurements``'s order."""
    age = child.age_on(day)
    if age is None:
        return []
    return _assessed(
        assess_measurements(
            sex=child.sex,
            age=age,
            weight_kg=sizes.weight_kg,
            length_cm=sizes.length_cm,
            head_cm=sizes.head_cm,
        )
    )
