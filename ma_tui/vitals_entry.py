"""The vitals form as plain functions: one typed field in, stored values and a note out.

The screen keeps only the text of each field; this module parses it in the
clinic's units, flags it against the age band, and builds the ``VitalEntry`` rows
the draft keeps. A field that cannot be read gives its reason and no value.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, tzinfo

from sqlmodel import Session

from data.models import ClinicSetting, Observation
from data.vitals import (
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
from ma_tui.measurements import (
    ClinicUnits,
    Measurement,
    classify,
    compute_bmi,
    parse_bp,
    parse_head_circumference,
    parse_heart_rate,
    parse_height,
    parse_o2_flow,
    parse_pain,
    parse_respiratory_rate,
    parse_spo2,
    parse_temperature,
    parse_weight,
)
from ma_tui.parsing import ParseError
from ma_tui.readback import flag_label, readback, unit_label
from ma_tui.rooming import VitalEntry

INTERPRETATION = {
    "high": "H",
    "low": "L",
    "critical_high": "HH",
    "critical_low": "LL",
}
UNABLE_TO_RATE = "unable to rate"
NOT_OBTAINED_REASONS = (
    "patient declined",
    "patient uncooperative",
    "patient unable",
    "equipment unavailable",
    "not indicated",
    "provider request",
)
BMI_MIN_AGE_DAYS = 2 * 365  # BMI is for age 2 and over; infants use weight-for-length
HEAD_MAX_AGE_DAYS = 3 * 365  # head circumference is measured under 3 years
ADULT_AGE_DAYS = 18 * 365
MAX_BACKDATE = timedelta(days=1)
_TIME = re.compile(r"([01]?[0-9]|2[0-3]):?([0-5][0-9])")
_BAND_LIMITS = re.compile(r"normal [0-9.]+–[0-9.]+|critical (?:below|above) [0-9.]+")


@dataclass(frozen=True)
class FieldSpec:
    key: str
    label: str
    code: str


FIELDS: tuple[FieldSpec, ...] = (
    FieldSpec("bp", "BP", SYSTOLIC_BP),
    FieldSpec("bp2", "BP repeat", SYSTOLIC_BP),
    FieldSpec("pulse", "Pulse", HEART_RATE),
    FieldSpec("resp", "Resp", RESPIRATORY_RATE),
    FieldSpec("temp", "Temp", BODY_TEMPERATURE),
    FieldSpec("spo2", "SpO2", SPO2),
    FieldSpec("height", "Height", BODY_HEIGHT),
    FieldSpec("weight", "Weight", BODY_WEIGHT),
    FieldSpec("head", "Head circ", HEAD_CIRCUMFERENCE),
    FieldSpec("pain", "Pain 0-10", PAIN_SEVERITY),
)
BY_KEY = {spec.key: spec for spec in FIELDS}


@dataclass
class VitalsForm:
    """Everything typed on the vitals screen, as text."""

    values: dict[str, str] = field(default_factory=dict)
    not_obtained: dict[str, str] = field(default_factory=dict)
    position: str = "sitting"
    arm: str = "left arm"
    cuff: str = "adult"
    temp_route: str = "oral"
    o2_flow: str = ""
    taken_at: str = ""


@dataclass(frozen=True)
class FieldResult:
    entries: list[VitalEntry]
    note: str = ""
    flagged: bool = False
    error: str | None = None


def default_cuff(age_days: int) -> str:
    """The cuff to start from: the wrong size reads the pressure wrong."""
    if age_days < 365:
        return "infant"
    if age_days < 13 * 365:
        return "child"
    return "adult"


def clinic_units(session: Session) -> ClinicUnits:
    """The units a bare number means at this clinic (ClinicSetting), else lb, in, °F."""
    defaults = ClinicUnits()

    def setting(key: str, default: str) -> str:
        row = session.get(ClinicSetting, key)
        return row.value if row is not None else default

    return ClinicUnits(
        weight=setting("weight_unit", defaults.weight),
        height=setting("height_unit", defaults.height),
        temperature=setting("temperature_unit", defaults.temperature),
    )


def parse_time_taken(text: str, now: datetime) -> datetime:
    """``9:05`` or ``0905`` today; empty means now. Never in the future, at most a day back."""
    stripped = text.strip()
    if not stripped:
        return now
    match = _TIME.fullmatch(stripped)
    if match is None:
        raise ParseError("time taken: HH:MM, e.g. 09:05")
    taken = now.replace(hour=int(match[1]), minute=int(match[2]), second=0, microsecond=0)
    if taken > now:
        raise ParseError("time taken is in the future")
    return taken


def read_field(
    key: str, form: VitalsForm, units: ClinicUnits, age_days: int, now: datetime
) -> FieldResult:
    """Parse one field of the form; errors become a message, never an exception."""
    spec = BY_KEY[key]
    try:
        taken = parse_time_taken(form.taken_at, now)
    except ParseError:
        taken = now
    reason = form.not_obtained.get(key)
    if reason:
        return _not_obtained(spec, reason, taken)
    text = form.values.get(key, "").strip()
    if not text:
        return FieldResult([])
    try:
        return _measured(spec, text, form, units, age_days, taken)
    except ParseError as exc:
        return FieldResult([], error=str(exc))


def _not_obtained(spec: FieldSpec, reason: str, taken: datetime) -> FieldResult:
    codes = (SYSTOLIC_BP, DIASTOLIC_BP) if spec.code == SYSTOLIC_BP else (spec.code,)
    entries = [VitalEntry(code=code, not_obtained_reason=reason, taken_at=taken) for code in codes]
    return FieldResult(entries, note=f"not obtained: {reason}")


def _measured(
    spec: FieldSpec,
    text: str,
    form: VitalsForm,
    units: ClinicUnits,
    age_days: int,
    taken: datetime,
) -> FieldResult:
    if spec.code == SYSTOLIC_BP:
        return _blood_pressure(spec, text, form, age_days, taken)
    if spec.code == PAIN_SEVERITY:
        pain = parse_pain(text)
        if pain is None:
            return _not_obtained(spec, UNABLE_TO_RATE, taken)
        return _single(pain, age_days, taken)
    if spec.code == HEAD_CIRCUMFERENCE and age_days >= HEAD_MAX_AGE_DAYS:
        raise ParseError("head circumference is measured under 3 years")
    parsers: dict[str, Callable[[str], Measurement]] = {
        HEART_RATE: parse_heart_rate,
        RESPIRATORY_RATE: parse_respiratory_rate,
        BODY_TEMPERATURE: lambda t: parse_temperature(t, units),
        SPO2: parse_spo2,
        BODY_HEIGHT: lambda t: parse_height(t, units),
        BODY_WEIGHT: lambda t: parse_weight(t, units),
        HEAD_CIRCUMFERENCE: lambda t: parse_head_circumference(t, units),
    }
    measurement = parsers[spec.code](text)
    extra: dict[str, object] = {}
    if spec.code == BODY_TEMPERATURE and form.temp_route.strip():
        extra["site"] = form.temp_route.strip()
    if spec.code == SPO2:
        flow = form.o2_flow.strip()
        extra["method"] = "room air"
        if flow:
            extra["o2_flow_l_min"] = parse_o2_flow(flow).value
            extra["method"] = "supplemental oxygen"
    return _single(measurement, age_days, taken, **extra)


def _single(
    measurement: Measurement, age_days: int, taken: datetime, **extra: object
) -> FieldResult:
    interpretation, band = _flag(measurement, age_days)
    entry = VitalEntry(
        code=measurement.code,
        value_entered=measurement.value_entered,
        unit_entered=measurement.unit_entered,
        value=measurement.value,
        unit=measurement.unit,
        interpretation=interpretation,
        taken_at=taken,
        **extra,
    )
    note = readback(entry.value_entered, entry.unit_entered, entry.value, entry.unit)
    if entry.o2_flow_l_min is not None:
        note += f" on O2 {entry.o2_flow_l_min:g} L/min"
    elif entry.method == "room air":
        note += " room air"
    if interpretation:
        note += f"  {flag_label(interpretation)} ({short_band(band)})"
    return FieldResult([entry], note=note, flagged=interpretation is not None)


def short_band(band: str) -> str:
    """``60–100`` from ``normal 60–100 /min for adults``: fits beside the field."""
    match = _BAND_LIMITS.match(band)
    return match.group(0).removeprefix("normal ") if match else band


def _blood_pressure(
    spec: FieldSpec, text: str, form: VitalsForm, age_days: int, taken: datetime
) -> FieldResult:
    systolic, diastolic = parse_bp(text)
    group = f"{spec.key}-{taken:%H%M}"
    qualifiers = {
        "position": form.position.strip() or None,
        "site": form.arm.strip() or None,
        "method": (form.cuff.strip() + " cuff") if form.cuff.strip() else None,
    }
    entries: list[VitalEntry] = []
    flags: list[str] = []
    bands: list[str] = []
    for part in (systolic, diastolic):
        interpretation, band = _flag(part, age_days)
        entries.append(
            VitalEntry(
                code=part.code,
                value_entered=part.value_entered,
                unit_entered=part.unit_entered,
                value=part.value,
                unit=part.unit,
                interpretation=interpretation,
                reading_group=group,
                taken_at=taken,
                **qualifiers,
            )
        )
        if interpretation:
            flags.append(flag_label(interpretation))
        bands.append(short_band(band))
    note = f"{systolic.value_entered}/{diastolic.value_entered} {unit_label(systolic.unit)}"
    if flags:
        note += f"  {'/'.join(dict.fromkeys(flags))} ({'/'.join(bands)})"
    return FieldResult(entries, note=note, flagged=bool(flags))


def _flag(measurement: Measurement, age_days: int) -> tuple[str | None, str]:
    """The interpretation code (None when normal) and the band it was judged by."""
    flag = classify(measurement.code, measurement.value, age_days)
    if flag is None:
        return None, ""
    return INTERPRETATION.get(flag.level), flag.band


def bmi_entry(entries: list[VitalEntry], age_days: int, taken: datetime) -> VitalEntry | None:
    """BMI from this visit's weight and height, for age 2 and over."""
    if age_days < BMI_MIN_AGE_DAYS:
        return None
    weight = next((e for e in entries if e.code == BODY_WEIGHT and e.value is not None), None)
    height = next((e for e in entries if e.code == BODY_HEIGHT and e.value is not None), None)
    if weight is None or height is None:
        return None
    index = compute_bmi(_as_measurement(weight), _as_measurement(height))
    return VitalEntry(
        code=BMI,
        value_entered=None,
        unit_entered=index.unit,
        value=index.value,
        unit=index.unit,
        method="calculated",
        taken_at=taken,
    )


def _as_measurement(entry: VitalEntry) -> Measurement:
    assert entry.value is not None and entry.unit is not None
    return Measurement(
        code=entry.code,
        value_entered=entry.value_entered or "",
        unit_entered=entry.unit_entered or entry.unit,
        value=entry.value,
        unit=entry.unit,
    )


def build_vitals(
    form: VitalsForm, units: ClinicUnits, age_days: int, now: datetime
) -> tuple[list[VitalEntry], dict[str, str]]:
    """Every value of the form, BMI included, or the errors that keep it from the draft."""
    errors: dict[str, str] = {}
    try:
        parse_time_taken(form.taken_at, now)
    except ParseError as exc:
        errors["taken_at"] = str(exc)
    entries: list[VitalEntry] = []
    for spec in FIELDS:
        result = read_field(spec.key, form, units, age_days, now)
        if result.error:
            errors[spec.key] = result.error
        entries += result.entries
    if errors:
        return [], errors
    taken = parse_time_taken(form.taken_at, now)
    bmi = bmi_entry(entries, age_days, taken)
    return entries + ([bmi] if bmi else []), {}


def form_from_draft(entries: list[VitalEntry], units: ClinicUnits) -> VitalsForm:
    """Put a draft's values back into the form, with a suffix where not in clinic units."""
    form = VitalsForm()
    bp_keys = iter(("bp", "bp2"))
    for entry in entries:
        if entry.code == SYSTOLIC_BP:
            key = next(bp_keys, None)
            if key is None:
                continue
            diastolic = next(
                (
                    e
                    for e in entries
                    if e.code == DIASTOLIC_BP and e.reading_group == entry.reading_group
                ),
                None,
            )
            if entry.not_obtained_reason:
                form.not_obtained[key] = entry.not_obtained_reason
            elif diastolic is not None:
                form.values[key] = f"{entry.value_entered}/{diastolic.value_entered}"
                form.position = entry.position or ""
                form.arm = entry.site or ""
                form.cuff = (entry.method or "").removesuffix(" cuff")
            continue
        spec = next((s for s in FIELDS if s.code == entry.code and s.key != "bp2"), None)
        if spec is None:
            continue
        if entry.not_obtained_reason == UNABLE_TO_RATE:
            form.values[spec.key] = "u"
        elif entry.not_obtained_reason:
            form.not_obtained[spec.key] = entry.not_obtained_reason
        else:
            form.values[spec.key] = _as_typed(entry, units)
        if entry.code == BODY_TEMPERATURE and entry.site:
            form.temp_route = entry.site
        if entry.code == SPO2 and entry.o2_flow_l_min is not None:
            form.o2_flow = f"{entry.o2_flow_l_min:g}"
    return form


def carried_height(last: Observation | None, units: ClinicUnits, age_days: int) -> str | None:
    """An adult's last height, as the clinic would type it, to carry forward."""
    if last is None or age_days < ADULT_AGE_DAYS or last.value_entered is None:
        return None
    if last.unit_entered == units.height:
        return last.value_entered
    return f"{last.value_entered}{_suffix(last.unit_entered)}"


SUFFIXES = {
    "cm": "cm",
    "[in_i]": "in",
    "kg": "kg",
    "g": "g",
    "[lb_av]": "lb",
    "Cel": "c",
    "[degF]": "f",
}


def _suffix(ucum: str | None) -> str:
    return SUFFIXES.get(ucum or "", "")


def _as_typed(entry: VitalEntry, units: ClinicUnits) -> str:
    """The value as the MA would type it again: a suffix unless in the clinic's unit."""
    value = entry.value_entered or ""
    if entry.unit_entered in (units.weight, units.height, units.temperature):
        return value
    return value + _suffix(entry.unit_entered)


def last_reading(code: str, last: dict[str, Observation], tz: tzinfo | None) -> str:
    """``132/84 05/12``: the last stored reading, for the column beside each field."""
    observation = last.get(code)
    if observation is None or observation.value is None:
        return ""
    when = observation.taken_at.astimezone(tz)
    if code == SYSTOLIC_BP:
        diastolic = last.get(DIASTOLIC_BP)
        value = f"{observation.value_entered}/{diastolic.value_entered if diastolic else '?'}"
    else:
        value = readback(
            observation.value_entered, observation.unit_entered, observation.value, observation.unit
        ).split(" (")[0]
    return f"{value} {when:%m/%d}"


def parse_correction(
    code: str, text: str, units: ClinicUnits, age_days: int, taken: datetime
) -> list[VitalEntry]:
    """The right value(s) for a signed vital, parsed as its field would be.

    A blood pressure is corrected as a pair (``120/80``), keeping the reading's time.
    """
    key = next(spec.key for spec in FIELDS if code in (spec.code, DIASTOLIC_BP))
    form = VitalsForm(values={key: text}, taken_at=f"{taken:%H:%M}")
    result = read_field(key, form, units, age_days, taken)
    if result.error:
        raise ParseError(result.error)
    if not result.entries or result.entries[0].value is None:
        raise ParseError("type the right value")
    return [entry.model_copy(update={"taken_at": taken}) for entry in result.entries]
