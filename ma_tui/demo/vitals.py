"""The demo's vitals: one signed observation per value the MA typed, as ma-tui stores it.

Each value keeps what was typed (text and unit) beside its canonical value and UCUM
unit; adults' BMI is calculated from the height and weight of the same set.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from ma_tui.data.catalogs.vitals import (
    BMI,
    BODY_HEIGHT,
    BODY_TEMPERATURE,
    BODY_WEIGHT,
    DIASTOLIC_BP,
    HEAD_CIRCUMFERENCE,
    HEART_RATE,
    PAIN_SEVERITY,
    RESPIRATORY_RATE,
    SPO2,
    SYSTOLIC_BP,
)
from ma_tui.data.models.observations import Observation, ObservationStatus
from ma_tui.demo.build import Build
from ma_tui.demo.shapes import Vitals
from ma_tui.vitals.units import bmi, f_to_c, in_to_cm, lb_to_kg


def _same(value: float) -> float:
    return value


# LOINC code -> (unit typed, conversion to canonical, canonical UCUM unit)
TYPED_UNITS: dict[str, tuple[str, Callable[[float], float], str]] = {
    SYSTOLIC_BP: ("mm[Hg]", _same, "mm[Hg]"),
    DIASTOLIC_BP: ("mm[Hg]", _same, "mm[Hg]"),
    HEART_RATE: ("/min", _same, "/min"),
    RESPIRATORY_RATE: ("/min", _same, "/min"),
    BODY_TEMPERATURE: ("[degF]", f_to_c, "Cel"),
    SPO2: ("%", _same, "%"),
    BODY_HEIGHT: ("[in_i]", in_to_cm, "cm"),
    BODY_WEIGHT: ("[lb_av]", lb_to_kg, "kg"),
    HEAD_CIRCUMFERENCE: ("[in_i]", in_to_cm, "cm"),
    PAIN_SEVERITY: ("{score}", _same, "{score}"),
}


def _canonical(code: str, text: str) -> tuple[str, float, str]:
    unit_typed, convert, unit = TYPED_UNITS[code]
    return unit_typed, round(convert(float(text)), 2), unit


def add_vitals(
    build: Build,
    patient_id: int,
    encounter_id: int,
    vitals: Vitals,
    taken: datetime,
    ma: int,
    *,
    adult: bool,
    oral: bool,
) -> int:
    """One observation row per value typed, plus BMI for adults; all signed (final).

    Returns the number of rows."""

    def row(code: str, text: str | None, **extra: object) -> Observation:
        values: dict[str, object] = {
            "patient_id": patient_id,
            "encounter_id": encounter_id,
            "code": code,
            "status": ObservationStatus.FINAL,
            "taken_at": taken,
            "entered_at": taken + timedelta(minutes=1),
            "entered_by_id": ma,
        }
        if text is not None:
            unit_typed, value, unit = _canonical(code, text)
            values |= {"value_entered": text, "unit_entered": unit_typed}
            values |= {"value": value, "unit": unit}
        values.update(extra)
        return Observation.model_validate(values)

    rows: list[Observation] = []
    if vitals.bp is not None:
        systolic, diastolic = vitals.bp.split("/")
        bp = {
            "reading_group": f"demo-{encounter_id}-bp1",
            "position": "sitting",
            "site": "left arm",
        }
        rows += [row(SYSTOLIC_BP, systolic, **bp), row(DIASTOLIC_BP, diastolic, **bp)]
    for code, text in vitals.typed():
        site = ("oral" if oral else "temporal") if code == BODY_TEMPERATURE else None
        rows.append(row(code, text, site=site))
    if adult and vitals.ht is not None and vitals.wt is not None:
        index = bmi(lb_to_kg(float(vitals.wt)), in_to_cm(float(vitals.ht)))
        rows.append(row(BMI, None, value=round(index, 2), unit="kg/m2", method="calculated"))
    build.session.add_all(rows)
    return len(rows)
