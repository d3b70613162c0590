"""The vital signs' LOINC codes, as the vitals domain and its screens name them."""

from __future__ import annotations

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

__all__ = [
    "BMI",
    "BODY_HEIGHT",
    "BODY_TEMPERATURE",
    "BODY_WEIGHT",
    "DIASTOLIC_BP",
    "HEAD_CIRCUMFERENCE",
    "HEART_RATE",
    "PAIN_SEVERITY",
    "RESPIRATORY_RATE",
    "SPO2",
    "SYSTOLIC_BP",
]
