"""The vitals form as plain functions: one typed field in, stored values and a note out.

The screen keeps only the text of each field; this module parses it in the
clinic's units, flags it against the age band, and builds the ``VitalEntry`` rows
the draft keeps. A field that cannot be read gives its reason and no value.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta

from sqlalchemy.engine import Engine
from sqlmodel import Session

from ma_tui.core.parsing import ParseError
from ma_tui.core.transaction import read_only
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
from ma_tui.data.models.settings import ClinicSetting
from ma_tui.growth import GrowthResult
from ma_tui.patients.registration import clean_text
from ma_tui.vitals.catch import caught
from ma_tui.vitals.delta import History, delta_concern
from ma_tui.vitals.draft import CONFIRMATION_MAX, VitalEntry
from ma_tui.vitals.measurements import (
    ClinicUnits,
    Measurement,
    classify,
    compute_bmi,
    implausible,
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
from ma_tui.vitals.percentiles import Child, Sizes, field_growth, growth_reasons
from ma_tui.vitals.readback import LENGTH_UNTIL_DAYS, flag_label, readback, unit_label

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
ORAL_FROM_DAYS = 4 * 365  # oral temperatures from about 4 years
# Head circumference is offered under 5 years: the WHO head-circumference-for-age
# standard runs from birth to 5 years (the CDC chart stops at 3).
HEAD_MAX_AGE_DAYS = 5 * 365 + 1
# Qualifiers are free text (pasted too): cleaned like any text, cut to their columns.
QUALIFIER_MAX = 32  # Observation.position and .site
CUFF_MAX = 64 - len(" cuff")  # Observation.method holds "<size> cuff"
MAX_BACKDATE = timedelta(days=1)  # further back needs a confirm
OLDEST_TAKEN = timedelta(days=365)  # further back is refused, as VistA does
_CLOCK = r"(?P<hour>[01]?[0-9]|2[0-3]):?(?P<minute>[0-5][0-9])"
_TIME = re.compile(_CLOCK)
_DATE_TIME = re.compile(
    r"(?:(?P<year>[0-9]{4})-(?P<ymonth>[0-9]{1,2})-(?P<yday>[0-9]{1,2})"
    r"|(?P<month>[0-9]{1,2})/(?P<day>[0-9]{1,2})) +" + _CLOCK
)
# A number with at most a unit word after it: the only texts a unit catch retypes.
_PLAIN_NUMBER = re.compile(r"\s*(?P<n>[0-9]+(?:\.[0-9]*)?|\.[0-9]+)\s*°?\s*[a-zA-Z]*\s*")
OTHER_UNITS: dict[str, tuple[str, ...]] = {  # suffixes a unit catch may offer, per vital
    BODY_TEMPERATURE: ("c", "f"),
    BODY_WEIGHT: ("kg", "lb"),
    BODY_HEIGHT: ("cm", "in"),
    HEAD_CIRCUMFERENCE: ("cm", "in"),
}
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
    # Field key -> the exact text the MA confirmed after a check (implausible,
    # far from recent readings, taken long ago). Changing the text asks again.
    confirmed: dict[str, str] = field(default_factory=dict)
    # The one-line entry as typed (``ma_tui.vitals.line``); the fields hold what it filled.
    line: str = ""
    # When the first value was entered (ISO): the time taken while none is typed, so
    # coming back to the step, or signing later, does not move it.
    stamped_at: str = ""
    # A unit catch the MA settled by taking the other unit (``ma_tui.vitals.catch``):
    # field key -> the text taken, and -> the note saying what was typed and why.
    unit_taken: dict[str, str] = field(default_factory=dict)
    unit_caught: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class UnitChoice:
    """The same number in the other unit, offered when only that one makes sense."""

    text: str  # what the field becomes: "38.5c"
    readback: str  # "38.5 °C (101.3 °F)"


@dataclass(frozen=True)
class FieldCheck:
    """A value that is not stored until the MA confirms it or chooses the other unit."""

    key: str  # the field: "temp", or "taken_at"
    text: str  # the field's text the check is about
    reasons: tuple[str, ...]
    possible: bool  # False: impossible as typed, so only the other unit or a fix
    other_unit: UnitChoice | None = None
    read_as: str | None = None  # the unit the text was read in: "lb"

    def satisfied_by(self, form: VitalsForm) -> bool:
        return self.possible and form.confirmed.get(self.key) == self.text


@dataclass(frozen=True)
class FieldResult:
    entries: list[VitalEntry]
    note: str = ""
    flagged: bool = False
    error: str | None = None


FIXED_UNITS = {"bp": "mmHg", "bp2": "mmHg", "pulse": "/min", "resp": "/min", "spo2": "%"}


def field_unit(key: str, units: ClinicUnits) -> str:
    """The unit a bare number in the field means, shown beside it."""
    if key in FIXED_UNITS:
        return FIXED_UNITS[key]
    if key == "temp":
        return unit_label(units.temperature)
    if key == "weight":
        return unit_label(units.weight)
    if key in ("height", "head"):
        return unit_label(units.height)
    return "/10"  # pain


def default_cuff(age_days: int) -> str:
    """The cuff to start from: the wrong size reads the pressure wrong."""
    if age_days < 365:
        return "infant"
    if age_days < 13 * 365:
        return "child"
    return "adult"


def default_temp_route(age_days: int) -> str:
    """Where to take a temperature: oral needs a child old enough to hold the probe
    under the tongue (about 4 years); younger children under the arm."""
    return "axillary" if age_days < ORAL_FROM_DAYS else "oral"


def field_label(key: str, age_days: int) -> str:
    """The field's label: under 2 years a child's length is measured lying down."""
    if key == "height" and age_days < LENGTH_UNTIL_DAYS:
        return "Length"
    return BY_KEY[key].label


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


def read_clinic_units(engine: Engine) -> ClinicUnits:
    """``clinic_units``, read in a transaction of its own."""
    return read_only(engine, clinic_units)


def parse_time_taken(text: str, now: datetime) -> datetime:
    """When the vitals were taken, in the clinic's time.

    Empty means now; ``9:05`` or ``0905`` is today; ``11/22 14:05`` (the latest
    such day not ahead) or ``2026-11-22 14:05`` is another day. Never in the
    future nor over a year back; more than a day back is asked about (``check_time_taken``).
    """
    stripped = " ".join(text.split())
    if not stripped:
        return now
    if match := _TIME.fullmatch(stripped):
        day = now.date()
    elif match := _DATE_TIME.fullmatch(stripped):
        day = _taken_day(match, now)
    else:
        raise ParseError("time taken: HH:MM today, or MM/DD HH:MM, e.g. 09:05")
    taken = datetime.combine(day, time(int(match["hour"]), int(match["minute"])), now.tzinfo)
    if taken > now:
        raise ParseError("time taken is in the future")
    if now - taken > OLDEST_TAKEN:
        raise ParseError("time taken is over a year ago")
    return taken


def _taken_day(match: re.Match[str], now: datetime) -> date:
    try:
        if match["year"]:
            return date(int(match["year"]), int(match["ymonth"]), int(match["yday"]))
        day = date(now.year, int(match["month"]), int(match["day"]))
    except ValueError:
        raise ParseError("time taken: no such date") from None
    return day if day <= now.date() else day.replace(year=now.year - 1)


def stamp_taken(form: VitalsForm, now: datetime) -> None:
    """Fix the time taken at ``now`` once a value (or a reason) is first in the form."""
    entered = any(v.strip() for v in form.values.values()) or form.not_obtained
    if not form.stamped_at and entered:
        form.stamped_at = now.isoformat()


def form_taken_at(form: VitalsForm, now: datetime) -> datetime:
    """The time taken: as typed, else when the first value was entered, else ``now``.

    Raises ``ParseError`` for a typed time that cannot be read (``parse_time_taken``).
    """
    if not form.taken_at.strip() and form.stamped_at:
        try:
            stamped = datetime.fromisoformat(form.stamped_at)
        except ValueError:
            return now
        return stamped if stamped.tzinfo is not None and stamped <= now else now
    return parse_time_taken(form.taken_at, now)


def check_time_taken(form: VitalsForm, now: datetime) -> FieldCheck | None:
    """A time more than a day back needs a confirm: it may be a mistyped date."""
    try:
        taken = form_taken_at(form, now)
    except ParseError:
        return None
    if now - taken <= MAX_BACKDATE:
        return None
    days = (now - taken).days
    reason = f"taken {days} day{'s' if days != 1 else ''} ago, {taken:%m/%d/%Y %H:%M}"
    return FieldCheck("taken_at", form.taken_at, (reason,), possible=True)


def read_field(
    key: str, form: VitalsForm, units: ClinicUnits, age_days: int, now: datetime
) -> FieldResult:
    """Parse one field of the form; errors become a message, never an exception."""
    spec = BY_KEY[key]
    taken = _taken_or_now(form, now)
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
    # A BP not obtained is still the first reading or the repeat: its group says which.
    group = f"{spec.key}-{taken:%H%M}" if spec.code == SYSTOLIC_BP else None
    entries = [
        VitalEntry(code=code, not_obtained_reason=reason, taken_at=taken, reading_group=group)
        for code in codes
    ]
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
        raise ParseError("head circumference is measured under 5 years")
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
    route = clean_text(form.temp_route, limit=QUALIFIER_MAX)
    if spec.code == BODY_TEMPERATURE and route:
        extra["site"] = route
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
        limits = short_band(band)
        if entry.unit_entered != entry.unit:  # the band is in the stored unit, not the typed
            limits += f" {unit_label(entry.unit)}"
        note += f"  {flag_label(interpretation)} ({limits})"
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
        "position": clean_text(form.position, limit=QUALIFIER_MAX) or None,
        "site": clean_text(form.arm, limit=QUALIFIER_MAX) or None,
        "method": f"{cuff} cuff" if (cuff := clean_text(form.cuff, limit=CUFF_MAX)) else None,
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
    assert entry.value is not None
    assert entry.unit is not None
    return Measurement(
        code=entry.code,
        value_entered=entry.value_entered or "",
        unit_entered=entry.unit_entered or entry.unit,
        value=entry.value,
        unit=entry.unit,
    )


def build_vitals(
    form: VitalsForm,
    units: ClinicUnits,
    age_days: int,
    now: datetime,
    history: History | None = None,
    child: Child | None = None,
) -> tuple[list[VitalEntry], dict[str, str]]:
    """Every value of the form, BMI included, or the errors that keep it from the draft.

    A value with a check (``check_field``) is an error until the MA confirms it;
    once confirmed, its entries keep the reasons in ``confirmation``.
    """
    entries, errors = _collect(form, units, age_days, now, history or {}, child)
    if errors:
        return [], errors
    taken = form_taken_at(form, now)
    bmi = bmi_entry(entries, age_days, taken)
    return entries + ([bmi] if bmi else []), {}


def settle_vitals(
    form: VitalsForm,
    units: ClinicUnits,
    age_days: int,
    now: datetime,
    history: History,
    child: Child | None = None,
) -> tuple[list[VitalEntry], str]:
    """What of a half-done form can go in the draft, and what keeps the rest out.

    Used as each field is left: the values that read well are kept (so the review
    shows them), and the first problem is returned to hold signing until it is fixed.
    """
    entries, errors = build_vitals(form, units, age_days, now, history, child)
    if not errors:
        return entries, ""
    good, _ = _collect(form, units, age_days, now, history, child)
    key, error = next(iter(errors.items()))
    label = "Taken at" if key == "taken_at" else BY_KEY[key].label
    return good, f"{label}: {error}"


def _collect(
    form: VitalsForm,
    units: ClinicUnits,
    age_days: int,
    now: datetime,
    past: History,
    child: Child | None,
) -> tuple[list[VitalEntry], dict[str, str]]:
    errors: dict[str, str] = {}
    try:
        form_taken_at(form, now)
    except ParseError as exc:
        errors["taken_at"] = str(exc)
    if (late := check_time_taken(form, now)) and not late.satisfied_by(form):
        errors["taken_at"] = "needs a confirm: " + "; ".join(late.reasons)
    entries: list[VitalEntry] = []
    for spec in FIELDS:
        result = read_field(spec.key, form, units, age_days, now)
        check = check_field(spec.key, form, units, age_days, now, past, child)
        if result.error:
            errors[spec.key] = result.error
        elif check and not check.satisfied_by(form):
            errors[spec.key] = "needs a confirm: " + "; ".join(check.reasons)
        else:
            why = "; ".join(check.reasons)[:CONFIRMATION_MAX] if check else None
            noted = {"confirmation": why, "unit_catch": caught(form, spec.key)}
            entries += [e.model_copy(update=noted) for e in result.entries]
    return entries, errors


def check_field(
    key: str,
    form: VitalsForm,
    units: ClinicUnits,
    age_days: int,
    now: datetime,
    history: History,
    child: Child | None = None,
) -> FieldCheck | None:
    """What a field's value needs before it is stored: None, a confirm, or a unit choice.

    Implausible for the age or (a child's) for the growth standard, or far from the
    patient's recent readings: a confirm.
    Impossible or implausible as typed but sensible in the other unit: the MA is
    shown the converted value and chooses; it is never converted silently.
    """
    if key == "taken_at":
        return check_time_taken(form, now)
    text = form.values.get(key, "").strip()
    if not text or key in form.not_obtained:
        return None
    taken = _taken_or_now(form, now)
    result = read_field(key, form, units, age_days, now)
    if result.error:
        choice = _other_unit(key, form, units, age_days, now, history, child, current=None)
        if choice is None:  # the error beside the field says it all
            return None
        bare = not re.search("[a-zA-Z]", text)  # a bare number is in the field's unit
        read_as = field_unit(key, units) if bare else None
        return FieldCheck(key, text, (result.error,), False, choice, read_as)
    reasons = concerns(result.entries, age_days, taken, history)
    reasons += growth_reasons(growth_of(key, form, units, age_days, now, child))
    if not reasons:
        return None
    current = result.entries[0].unit_entered if result.entries else None
    choice = _other_unit(key, form, units, age_days, now, history, child, current=current)
    read_as = unit_label(current) if current else None
    return FieldCheck(key, text, tuple(reasons), True, choice, read_as)


def concerns(
    entries: Sequence[VitalEntry], age_days: int, taken: datetime, history: History
) -> list[str]:
    """Why these values need a confirm: implausible for the age, or far from before."""
    reasons: list[str] = []
    for entry in entries:
        if entry.value is None:
            continue
        if why := implausible(entry.code, entry.value, age_days):
            reasons.append(why)
        if why := delta_concern(entry.code, entry.value, age_days, taken, history):
            reasons.append(why)
    return reasons


def _other_unit(
    key: str,
    form: VitalsForm,
    units: ClinicUnits,
    age_days: int,
    now: datetime,
    history: History,
    child: Child | None,
    *,
    current: str | None,
) -> UnitChoice | None:
    """The same number in another unit, if there it is possible and raises no concern."""
    suffixes = OTHER_UNITS.get(BY_KEY[key].code, ())
    match = _PLAIN_NUMBER.fullmatch(form.values.get(key, ""))
    if not suffixes or match is None:
        return None
    taken = _taken_or_now(form, now)
    for suffix in suffixes:
        text = match["n"] + suffix
        trial = replace(form, values={**form.values, key: text}, not_obtained={})
        result = read_field(key, trial, units, age_days, now)
        if result.error or not result.entries:
            continue
        entry = result.entries[0]
        if entry.unit_entered == current or concerns(result.entries, age_days, taken, history):
            continue
        if growth_reasons(growth_of(key, trial, units, age_days, now, child)):
            continue
        return UnitChoice(
            text, readback(entry.value_entered, entry.unit_entered, entry.value, entry.unit)
        )
    return None


def _taken_or_now(form: VitalsForm, now: datetime) -> datetime:
    try:
        return form_taken_at(form, now)
    except ParseError:
        return now


def growth_of(
    key: str,
    form: VitalsForm,
    units: ClinicUnits,
    age_days: int,
    now: datetime,
    child: Child | None,
) -> list[GrowthResult]:
    """The growth percentiles field ``key``'s value reads on (``ma_tui.vitals.percentiles``)."""
    if child is None or key not in ("weight", "height", "head"):
        return []

    def size(name: str) -> float | None:
        result = read_field(name, form, units, age_days, now)
        if result.error or not result.entries:
            return None
        return result.entries[0].value

    sizes = Sizes(weight_kg=size("weight"), length_cm=size("height"), head_cm=size("head"))
    return field_growth(key, child, _taken_or_now(form, now).date(), sizes)
