"""Unit conversion between what the MA types and the canonical UCUM units.

Canonical units: kg for weight, cm for lengths, Cel for temperature. Conversions
are exact by definition (1 lb = 0.45359237 kg, 1 in = 2.54 cm).
"""

from __future__ import annotations

KG_PER_LB = 0.45359237
CM_PER_IN = 2.54
OZ_PER_LB = 16


def lb_to_kg(lb: float) -> float:
    return lb * KG_PER_LB


def kg_to_lb(kg: float) -> float:
    return kg / KG_PER_LB


def lb_oz_to_kg(lb: float, oz: float) -> float:
    return (lb + oz / OZ_PER_LB) * KG_PER_LB


def in_to_cm(inches: float) -> float:
    return inches * CM_PER_IN


def cm_to_in(cm: float) -> float:
    return cm / CM_PER_IN


def ft_in_to_cm(feet: float, inches: float) -> float:
    return (feet * 12 + inches) * CM_PER_IN


def f_to_c(fahrenheit: float) -> float:
    return (fahrenheit - 32) * 5 / 9


def c_to_f(celsius: float) -> float:
    return celsius * 9 / 5 + 32


def bmi(weight_kg: float, height_cm: float) -> float:
    """Body mass index in kg/m2."""
    if weight_kg <= 0 or height_cm <= 0:
        raise ValueError("weight and height must be positive to compute BMI")
    metres = height_cm / 100
    return weight_kg / (metres * metres)
