"""One vital-sign field as the MA types it, read into the value as entered and a canonical one.

Each parser takes any string and returns a ``Measurement`` (or raises ``ParseError``
with the reason). A bare number is in the clinic's unit (``ClinicUnits``); a suffix
names another (``38.1c``, ``92.5cm``, ``7lb4oz``). Hard limits reject only what is
impossible for a living patient; whether a value is normal for the patient's age
is ``classify``'s question, answered from ``data/catalogs/vital_ranges.json``.

``value_entered`` is the number as typed, without its unit (``"98.4"``), and
``unit_entered`` the unit it was in, so ``value_entered unit_entered`` reads back
what was meant. A two-unit form is kept as its total in the unit a bare number
would mean at a US clinic, so it reads back and re-parses: ``5'5"`` is ``"65"``
``[in_i]``, ``7lb4oz`` is ``"7.25"`` ``[lb_av]``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal

from ma_tui.core.parsing import ParseError
from ma_tui.data.catalogs.ranges import Band, Limits, VitalRanges, vital_ranges
from ma_tui.data.catalogs.vitals import (
    BMI,
    BODY_HEIGHT,
    BODY_TEMPERATURE,
    BODY_WEIGHT,
    DIASTOLIC_BP,
    HEAD_CIRCUMFERENCE,
    HEART_RATE,
    O2_FLOW,
    PAIN_SEVERITY,
    RESPIRATORY_RATE,
    SPO2,
    SYSTOLIC_BP,
)
from ma_tui.vitals import units as conv

MAX_INPUT = 40  # no vital is longer; longer text gets a short message, not a regex run

# Hard limits (inclusive), in canonical units. Outside them a value is rejected.
BP_LIMITS = (20, 300)  # mm[Hg], each part; VistA allows up to 300
HEART_RATE_LIMITS = (20, 300)  # VistA takes 0-300; under 20 is not a pulse to record
RESPIRATORY_RATE_LIMITS = (1, 100)  # VistA 0-100; 0 is apnoea, not a rate
TEMPERATURE_LIMITS = (25.0, 46.0)  # Cel (77-114.8 °F); VistA's 0-120 °F is far wider
# Oximeters are not calibrated much below 70 %; under 50 % is a probe problem, not a reading.
SPO2_LIMITS = (50, 100)
O2_FLOW_LIMITS = (0.1, 60.0)  # L/min, nasal cannula to high-flow
HEIGHT_LIMITS = (20.0, 272.0)  # cm: extreme preterm to the tallest recorded
WEIGHT_LIMITS = (0.2, 700.0)  # kg: extreme preterm to the heaviest recorded
HEAD_CIRCUMFERENCE_LIMITS = (20.0, 70.0)  # cm
PAIN_LIMITS = (0, 10)
UNABLE_TO_RATE = frozenset({"u", "ur", "unable", "unable to rate", "unable to respond"})

Level = Literal["normal", "low", "high", "critical_low", "critical_high"]
UNIT_TEXT = {"Cel": "°C", "mm[Hg]": "mmHg", "/min": "/min", "%": "%", "{score}": ""}


@dataclass(frozen=True)
class Measurement:
    code: str  # LOINC
    value_entered: str  # the number as typed, trimmed, without its unit
    unit_entered: str  # UCUM unit it was typed in: [lb_av], kg, g, [in_i], cm, [degF], Cel, ...
    value: float  # canonical value, rounded to what the measurement supports
    unit: str  # canonical UCUM unit: kg, cm, Cel, mm[Hg], /min, %, {score}, L/min, kg/m2


@dataclass(frozen=True)
class ClinicUnits:
    """The unit a bare number means at this clinic; the screen always shows it."""

    weight: str = "[lb_av]"  # or "kg"
    height: str = "[in_i]"  # or "cm"; also used for head circumference
    temperature: str = "[degF]"  # or "Cel"


@dataclass(frozen=True)
class Flag:
    level: Level
    band: str  # the range judged against: "normal 60–100 /min for adults"

    @property
    def abnormal(self) -> bool:
        return self.level != "normal"


# ------------------------------------------------------------------ units


@dataclass(frozen=True)
class _Unit:
    ucum: str
    label: str  # as shown: "lb"
    suffix: str  # as typed to choose it: "lb"
    to_canonical: Callable[[float], float]
    from_canonical: Callable[[float], float]


def _same(value: float) -> float:
    return value


KG = _Unit("kg", "kg", "kg", _same, _same)
GRAM = _Unit("g", "g", "g", lambda g: g / 1000, lambda kg: kg * 1000)
POUND = _Unit("[lb_av]", "lb", "lb", conv.lb_to_kg, conv.kg_to_lb)
CM = _Unit("cm", "cm", "cm", _same, _same)
INCH = _Unit("[in_i]", "in", "in", conv.in_to_cm, conv.cm_to_in)
CELSIUS = _Unit("Cel", "°C", "c", _same, _same)
FAHRENHEIT = _Unit("[degF]", "°F", "f", conv.f_to_c, conv.c_to_f)
LITRES_PER_MINUTE = _Unit("L/min", "L/min", "l", _same, _same)
WEIGHT_UNITS = {unit.ucum: unit for unit in (POUND, KG)}
LENGTH_UNITS = {unit.ucum: unit for unit in (INCH, CM)}
TEMPERATURE_UNITS = {unit.ucum: unit for unit in (FAHRENHEIT, CELSIUS)}


@dataclass(frozen=True)
class _Spec:
    """One measured quantity: its name in messages, hard limits and canonical unit."""

    what: str
    limits: tuple[float, float]
    canonical: _Unit
    places: int  # decimals kept in the canonical value


_TEMPERATURE_SPEC = _Spec("body temperature", TEMPERATURE_LIMITS, CELSIUS, 2)
_HEIGHT_SPEC = _Spec("height", HEIGHT_LIMITS, CM, 2)
_HEAD_CIRCUMFERENCE_SPEC = _Spec("head circumference", HEAD_CIRCUMFERENCE_LIMITS, CM, 2)
_WEIGHT_SPEC = _Spec("weight", WEIGHT_LIMITS, KG, 2)
_O2_FLOW_SPEC = _Spec("oxygen flow", O2_FLOW_LIMITS, LITRES_PER_MINUTE, 2)

# ---------------------------------------------------------------- grammar

_NUM = r"[0-9]+(?:\.[0-9]*)?|\.[0-9]+"
_INT = r"[0-9]+"
# What else a keyboard or input method sends for these: full-width forms, curly
# quotes and primes, the one-character degree signs. Nothing else is rewritten, so
# a superscript or circled digit is refused rather than read as a digit.
TYPED_ASCII = str.maketrans(
    {
        **{code: chr(code - 0xFEE0) for code in range(0xFF01, 0xFF5F)},
        0x3000: " ",
        0x2018: "'",
        0x2019: "'",
        0x2032: "'",
        0x201C: '"',
        0x201D: '"',
        0x2033: '"',
        0x2103: "°c",
        0x2109: "°f",
    }
)
_CM = r"cm|cms|centimet(?:er|re)s?"
_IN = r'"|in|ins|inch|inches'
_FT = r"'|ft|feet|foot"
_KG = r"kg|kgs|kilos?|kilograms?"
_G = r"g|gm|gms|grams?"
_LB = r"lb|lbs|pounds?|#"
_OZ = r"oz|ounces?"

_BP = re.compile(rf"(?P<sys>{_NUM}) ?/ ?(?P<dia>{_NUM})(?: ?mm ?hg)?")
_RATE = re.compile(rf"(?P<n>{_NUM})(?: ?(?:/min|/m|bpm|per min(?:ute)?))?")
_SPO2 = re.compile(rf"(?P<n>{_NUM}) ?%?")
_O2 = re.compile(
    rf"(?P<n>{_NUM})(?: ?(?:l|lpm|l/min|l/m|lit(?:er|re)s?(?: ?/ ?min| per min(?:ute)?)?))?"
)
_PAIN = re.compile(rf"(?P<n>{_NUM})(?: ?/ ?10)?")
_TEMP = re.compile(
    rf"(?P<n>{_NUM}) ?(?:°|deg|degrees?)? ?(?P<u>f|c|fahrenheit|celsius|centigrade)?"
)
_LENGTH = re.compile(rf"(?P<n>{_NUM}) ?(?:(?P<cm>{_CM})|(?P<in>{_IN}))?")
_FEET = re.compile(rf"(?P<ft>{_INT}) ?(?:{_FT}) ?(?:(?P<in>{_NUM}) ?(?:{_IN})?)?")
_WEIGHT = re.compile(rf"(?P<n>{_NUM}) ?(?:(?P<kg>{_KG})|(?P<g>{_G})|(?P<lb>{_LB})|(?P<oz>{_OZ}))?")
_POUNDS_OUNCES = re.compile(rf"(?P<lb>{_INT}) ?(?:{_LB}) ?,? ?(?P<oz>{_NUM}) ?(?:{_OZ})?")


def _prepare(text: str, what: str, example: str) -> str:
    """Trimmed, lower case, typed variants made ASCII (see ``TYPED_ASCII``), single spaces."""
    trimmed = text.strip()
    if not trimmed:
        raise ParseError(f"enter the {what}, like {example}")
    if len(trimmed) > MAX_INPUT:
        raise ParseError(f"too long for a {what}; type it like {example}")
    normal = trimmed.translate(TYPED_ASCII).lower()
    return " ".join(normal.replace("''", '"').split())


def _whole(number: str, what: str) -> int:
    if "." in number:
        raise ParseError(f"{what} is a whole number")
    return int(number)


def _format(value: float) -> str:
    """A number without float noise or trailing zeros: 65, 7.25, 7.1875."""
    text = f"{value:.9f}".rstrip("0").rstrip(".")
    return text or "0"


def _range_text(limits: tuple[float, float], unit: str) -> str:
    return f"{_format(limits[0])}–{_format(limits[1])} {unit}".rstrip()


# ------------------------------------------------------------- quantities


def _quantity(
    code: str, number: str, unit: _Unit, spec: _Spec, alternatives: Sequence[_Unit] = ()
) -> Measurement:
    """``number`` in ``unit`` as a measurement, or why it cannot be one.

    Outside the hard limits, a unit in which the same number would be possible is
    named ("for 37.2 °C type 37.2c"): a value is never converted silently.
    """
    low, high = spec.limits

    def canonical(in_unit: _Unit) -> float:
        return round(in_unit.to_canonical(float(number)), spec.places)

    value = canonical(unit)
    if low <= value <= high:
        return Measurement(code, number, unit.ucum, value, spec.canonical.ucum)
    for other in alternatives:
        if other is not unit and low <= canonical(other) <= high:
            raise ParseError(
                f"{number} {unit.label} is not a possible {spec.what}; "
                f"for {number} {other.label} type {number}{other.suffix}"
            )
    message = f"{spec.what} must be {_range_text(spec.limits, spec.canonical.label)}"
    if unit is not spec.canonical:
        shown = (round(unit.from_canonical(low), 1), round(unit.from_canonical(high), 1))
        message += f" ({_range_text(shown, unit.label)})"
    raise ParseError(message)


def _clinic_unit(choices: dict[str, _Unit], ucum: str, what: str) -> _Unit:
    """The unit of a bare number; a clinic setting we do not know asks for a suffix."""
    unit = choices.get(ucum)
    if unit is None:
        suffixes = " or ".join(u.suffix for u in choices.values())
        raise ParseError(f"the clinic's {what} unit {ucum!r} is unknown; add {suffixes}")
    return unit


def _count(code: str, number: str, *, what: str, limits: tuple[int, int], unit: str) -> Measurement:
    value = _whole(number, what)
    if not limits[0] <= value <= limits[1]:
        raise ParseError(f"{what} must be {_range_text(limits, UNIT_TEXT.get(unit, unit))}")
    return Measurement(code, number, unit, float(value), unit)


# ---------------------------------------------------------------- parsers


def parse_bp(text: str) -> tuple[Measurement, Measurement]:
    """``128/82`` (``mmHg`` optional): systolic and diastolic, each 20–300, systolic higher."""
    match = _BP.fullmatch(_prepare(text, "blood pressure", "128/82"))
    if match is None:
        raise ParseError("type blood pressure as systolic/diastolic, like 128/82")
    systolic = _count(
        SYSTOLIC_BP, match["sys"], what="systolic pressure", limits=BP_LIMITS, unit="mm[Hg]"
    )
    diastolic = _count(
        DIASTOLIC_BP, match["dia"], what="diastolic pressure", limits=BP_LIMITS, unit="mm[Hg]"
    )
    if systolic.value <= diastolic.value:
        raise ParseError("systolic (first) must be higher than diastolic (second)")
    return systolic, diastolic


def parse_heart_rate(text: str) -> Measurement:
    """Beats a minute, whole, 20–300 (``76``, ``76 bpm``)."""
    match = _RATE.fullmatch(_prepare(text, "heart rate", "76"))
    if match is None:
        raise ParseError("type the heart rate in beats a minute, like 76")
    return _count(HEART_RATE, match["n"], what="heart rate", limits=HEART_RATE_LIMITS, unit="/min")


def parse_respiratory_rate(text: str) -> Measurement:
    """Breaths a minute, whole, 1–100 (``16``)."""
    match = _RATE.fullmatch(_prepare(text, "respiratory rate", "16"))
    if match is None:
        raise ParseError("type the respiratory rate in breaths a minute, like 16")
    return _count(
        RESPIRATORY_RATE,
        match["n"],
        what="respiratory rate",
        limits=RESPIRATORY_RATE_LIMITS,
        unit="/min",
    )


def parse_spo2(text: str) -> Measurement:
    """Oxygen saturation in whole percent, 50–100 (``97``, ``97%``)."""
    match = _SPO2.fullmatch(_prepare(text, "SpO2", "97"))
    if match is None:
        raise ParseError("type SpO2 in percent, like 97")
    return _count(SPO2, match["n"], what="SpO2", limits=SPO2_LIMITS, unit="%")


def parse_o2_flow(text: str) -> Measurement:
    """Inhaled oxygen in litres a minute, 0.1–60 (``2``, ``2 L/min``, ``0.5l``)."""
    match = _O2.fullmatch(_prepare(text, "oxygen flow", "2"))
    if match is None:
        raise ParseError("type the oxygen flow in L/min, like 2")
    return _quantity(O2_FLOW, match["n"], LITRES_PER_MINUTE, _O2_FLOW_SPEC)


def parse_temperature(text: str, units: ClinicUnits) -> Measurement:
    """``98.4``, ``98.4f``, ``38.1c``, ``38.1 °C``; a bare number is in the clinic's unit."""
    match = _TEMP.fullmatch(_prepare(text, "temperature", "98.4"))
    if match is None:
        raise ParseError("type the temperature like 98.4, 98.4f or 37.2c")
    letter = (match["u"] or "")[:1]
    if letter == "f":
        unit = FAHRENHEIT
    elif letter == "c":
        unit = CELSIUS
    else:
        unit = _clinic_unit(TEMPERATURE_UNITS, units.temperature, "temperature")
    return _quantity(
        BODY_TEMPERATURE, match["n"], unit, _TEMPERATURE_SPEC, alternatives=(FAHRENHEIT, CELSIUS)
    )


def parse_height(text: str, units: ClinicUnits) -> Measurement:
    """``65``, ``65in``, ``5'5"``, ``5'5``, ``5 ft 5 in``, ``165 cm``: 20–272 cm."""
    return _length(text, units, BODY_HEIGHT, _HEIGHT_SPEC, example="65")


def parse_head_circumference(text: str, units: ClinicUnits) -> Measurement:
    """``48cm`` or ``18.9in``; a bare number is in the clinic's height unit. 20–70 cm."""
    return _length(text, units, HEAD_CIRCUMFERENCE, _HEAD_CIRCUMFERENCE_SPEC, example="48cm")


def _length(text: str, units: ClinicUnits, code: str, spec: _Spec, *, example: str) -> Measurement:
    normal = _prepare(text, spec.what, example)
    if feet := _FEET.fullmatch(normal):
        inches = float(feet["in"] or 0)
        if inches >= 12:
            raise ParseError("inches after feet must be under 12")
        return _quantity(code, _format(int(feet["ft"]) * 12 + inches), INCH, spec)
    match = _LENGTH.fullmatch(normal)
    if match is None:
        raise ParseError(f"type the {spec.what} like {example}, 65in, 5'5\" or 165cm")
    if match["cm"]:
        unit = CM
    elif match["in"]:
        unit = INCH
    else:
        unit = _clinic_unit(LENGTH_UNITS, units.height, "height")
    return _quantity(code, match["n"], unit, spec, alternatives=(INCH, CM))


def parse_weight(text: str, units: ClinicUnits) -> Measurement:
    """``171``, ``171lb``, ``77.6kg``, ``7lb4oz``, ``7 lb 4 oz``, ``3500g``: 0.2–700 kg."""
    normal = _prepare(text, "weight", "171")
    if both := _POUNDS_OUNCES.fullmatch(normal):
        ounces = float(both["oz"])
        if ounces >= conv.OZ_PER_LB:
            raise ParseError(f"ounces after pounds must be under {conv.OZ_PER_LB}")
        pounds = _format(int(both["lb"]) + ounces / conv.OZ_PER_LB)
        return _quantity(BODY_WEIGHT, pounds, POUND, _WEIGHT_SPEC)
    match = _WEIGHT.fullmatch(normal)
    if match is None:
        raise ParseError("type the weight like 171, 171lb, 77.6kg, 7lb4oz or 3500g")
    number = match["n"]
    if match["oz"]:
        number, unit = _format(float(number) / conv.OZ_PER_LB), POUND
    elif match["kg"]:
        unit = KG
    elif match["g"]:
        unit = GRAM
    elif match["lb"]:
        unit = POUND
    else:
        unit = _clinic_unit(WEIGHT_UNITS, units.weight, "weight")
    return _quantity(BODY_WEIGHT, number, unit, _WEIGHT_SPEC, alternatives=(POUND, KG, GRAM))


def parse_pain(text: str) -> Measurement | None:
    """Pain 0–10, whole (``4``, ``4/10``); None when the patient is unable to rate it.

    Unable to rate is not a value: the caller records it as not obtained, with
    that reason, rather than storing a code like VistA's 99.
    """
    normal = _prepare(text, "pain score", "4, or u if unable to rate")
    if normal in UNABLE_TO_RATE:
        return None
    match = _PAIN.fullmatch(normal)
    if match is None:
        raise ParseError("type pain as 0–10, or u if the patient is unable to rate it")
    return _count(PAIN_SEVERITY, match["n"], what="pain", limits=PAIN_LIMITS, unit="{score}")


def compute_bmi(weight: Measurement, height: Measurement) -> Measurement:
    """Body mass index from canonical weight (kg) and height (cm), to one decimal."""
    if weight.code != BODY_WEIGHT or height.code != BODY_HEIGHT:
        raise ValueError("compute_bmi needs a body weight and a body height")
    value = round(conv.bmi(weight.value, height.value), 1)
    return Measurement(BMI, "", "kg/m2", value, "kg/m2")


# ------------------------------------------------------------------ flags


def _band(code: str, value: float, age_days: int) -> tuple[VitalRanges, Band] | None:
    """The vital's ranges and the band for the age, when both exist and ``value`` is real."""
    if age_days < 0 or not math.isfinite(value):
        return None
    ranges = vital_ranges().vitals.get(code)
    band = ranges.band_for(age_days) if ranges else None
    if ranges is None or band is None:
        return None
    return ranges, band


def classify(code: str, value: float, age_days: int) -> Flag | None:
    """How ``value`` compares with the normal range for the age; None if none applies."""
    found = _band(code, value, age_days)
    if found is None:
        return None
    ranges, band = found
    unit = UNIT_TEXT.get(ranges.unit, ranges.unit)

    def show(limit: float) -> str:
        return f"{limit:.{ranges.decimals}f}"

    who = band.age.label
    critical: Limits = band.critical
    if critical.low is not None and value < critical.low:
        return Flag("critical_low", f"critical below {show(critical.low)} {unit} for {who}")
    if critical.high is not None and value > critical.high:
        return Flag("critical_high", f"critical above {show(critical.high)} {unit} for {who}")
    if band.normal is None:  # weight, height: no normal band, only plausible limits
        return None
    low, high = band.normal.low, band.normal.high
    assert low is not None
    assert high is not None
    text = f"normal {show(low)}–{show(high)} {unit} for {who}"
    if value < low:
        return Flag("low", text)
    if value > high:
        return Flag("high", text)
    return Flag("normal", text)


def implausible(code: str, value: float, age_days: int) -> str | None:
    """Why ``value`` is implausible for the age (it needs a confirm), or None if plausible.

    ``"250 /min is implausible for adults (plausible 30–200 /min)"``. Such a value
    is possible, so it is never refused, but it is far more often a slip of the
    keyboard or of the unit than a real reading.
    """
    found = _band(code, value, age_days)
    if found is None:
        return None
    ranges, band = found
    limits = band.plausible
    if (limits.low is None or value >= limits.low) and (
        limits.high is None or value <= limits.high
    ):
        return None
    unit = UNIT_TEXT.get(ranges.unit, ranges.unit)

    def show(number: float) -> str:
        return f"{number:.{ranges.decimals}f}"

    if limits.low is not None and limits.high is not None:
        expected = f"plausible {show(limits.low)}–{show(limits.high)} {unit}"
    elif limits.low is not None:
        expected = f"plausible from {show(limits.low)} {unit}"
    else:
        assert limits.high is not None
        expected = f"plausible up to {show(limits.high)} {unit}"
    return f"{show(value)} {unit} is implausible for {band.age.label} ({expected})"
