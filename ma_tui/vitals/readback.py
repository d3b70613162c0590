"""Reading values back as the MA typed them, with the conversion beside them.

``171 lb (77.6 kg)``, ``38.9 °C (102.0 °F)``: the review shows both units so a
value typed in the wrong one stands out before it is signed.
"""

from __future__ import annotations

from ma_tui.data.catalogs.vitals import (
    BMI,
    BODY_HEIGHT,
    BODY_TEMPERATURE,
    BODY_WEIGHT,
    BY_CODE,
    DIASTOLIC_BP,
    HEAD_CIRCUMFERENCE,
    HEART_RATE,
    PAIN_SEVERITY,
    RESPIRATORY_RATE,
    SPO2,
    SYSTOLIC_BP,
)
from ma_tui.vitals.units import c_to_f, cm_to_in, kg_to_lb

UNIT_LABELS = {
    "[lb_av]": "lb",
    "[in_i]": "in",
    "[degF]": "°F",
    "Cel": "°C",
    "mm[Hg]": "mmHg",
    "/min": "/min",
    "%": "%",
    "kg": "kg",
    "g": "g",
    "cm": "cm",
    "kg/m2": "kg/m²",
    "{score}": "/10",
    "L/min": "L/min",
}
FLAG_LABELS = {
    "H": "HIGH",
    "L": "LOW",
    "HH": "CRITICAL HIGH",
    "LL": "CRITICAL LOW",
    "A": "ABNORMAL",
}


def unit_label(ucum: str | None) -> str:
    return UNIT_LABELS.get(ucum or "", ucum or "")


def format_number(value: float, places: int = 1) -> str:
    text = f"{value:.{places}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _other_unit(value: float, unit: str) -> str | None:
    """The canonical value in the unit the MA did not type, for the parenthesis."""
    if unit == "kg":
        return f"{format_number(kg_to_lb(value))} lb"
    if unit == "cm":
        return f"{format_number(cm_to_in(value))} in"
    if unit == "Cel":
        return f"{c_to_f(value):.1f} °F"
    return None


def readback(
    value_entered: str | None,
    unit_entered: str | None,
    value: float | None,
    unit: str | None,
) -> str:
    """``171 lb (77.6 kg)``; a value typed in the canonical unit shows the other one."""
    if value is None or unit is None:
        return "—"
    typed = f"{value_entered or format_number(value)} {unit_label(unit_entered or unit)}"
    if unit_entered and unit_entered != unit:
        canonical = (
            f"{value:.1f} °C" if unit == "Cel" else f"{format_number(value)} {unit_label(unit)}"
        )
        return f"{typed} ({canonical})"
    other = _other_unit(value, unit)
    return f"{typed} ({other})" if other else typed


# Names as the review lists them: short enough to leave room for the value.
REVIEW_NAMES = {
    SYSTOLIC_BP: "Blood pressure",
    DIASTOLIC_BP: "Blood pressure",
    HEART_RATE: "Pulse",
    RESPIRATORY_RATE: "Resp rate",
    BODY_TEMPERATURE: "Temperature",
    SPO2: "SpO2",
    BODY_HEIGHT: "Height",
    BODY_WEIGHT: "Weight",
    BMI: "BMI",
    HEAD_CIRCUMFERENCE: "Head circ",
    PAIN_SEVERITY: "Pain",
}


REPEAT_GROUP = "bp2-"  # the reading group of the repeat BP (``ma_tui.vitals.entry``)
LENGTH_UNTIL_DAYS = 2 * 365  # a length lying down under 2 years, a height standing from 2


def vital_name(code: str, reading_group: str | None = None, age_days: int | None = None) -> str:
    """``"Pulse"``; ``"Blood pressure (repeat)"`` for the second reading; ``"Length"`` under 2."""
    if code in (SYSTOLIC_BP, DIASTOLIC_BP) and (reading_group or "").startswith(REPEAT_GROUP):
        return "Blood pressure (repeat)"
    if code == BODY_HEIGHT and age_days is not None and age_days < LENGTH_UNTIL_DAYS:
        return "Length"
    vital = BY_CODE.get(code)
    return REVIEW_NAMES.get(code) or (vital.name if vital else code)


def flag_label(interpretation: str | None) -> str:
    return FLAG_LABELS.get(interpretation or "", "")
