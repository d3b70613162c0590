"""Vital signs as typed: the reference visits, round trips through every unit, hard limits,
flags for the patient's age, and the ranges file they come from."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from datetime import date
from importlib import resources
from typing import Any

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from ma_tui.core.parsing import ParseError
from ma_tui.data.catalogs.ranges import RangeCatalogError, parse_catalog, vital_ranges
from ma_tui.data.catalogs.vitals import (
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
from ma_tui.vitals.measurements import (
    HEAD_CIRCUMFERENCE_LIMITS,
    HEIGHT_LIMITS,
    TEMPERATURE_LIMITS,
    WEIGHT_LIMITS,
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

US = ClinicUnits()  # the reference visits' clinic: °F, lb, in
METRIC = ClinicUnits(weight="kg", height="cm", temperature="Cel")
VISIT_DAY = date(2026, 11, 23)
HAROLD = (VISIT_DAY - date(1949, 11, 2)).days
DANA = (VISIT_DAY - date(1968, 4, 12)).days
ADA = (date(2025, 11, 23) - date(2023, 3, 9)).days  # 2 y 8 mo, as the brief has her
ADA_NOW = (VISIT_DAY - date(2023, 3, 9)).days  # 3 y 8 mo on the test clinic's day

Parser = Callable[[str], Measurement | None]
PARSERS: dict[str, Parser] = {
    "heart rate": parse_heart_rate,
    "respiratory rate": parse_respiratory_rate,
    "spo2": parse_spo2,
    "o2 flow": parse_o2_flow,
    "pain": parse_pain,
    "temperature": lambda t: parse_temperature(t, US),
    "temperature metric": lambda t: parse_temperature(t, METRIC),
    "height": lambda t: parse_height(t, US),
    "height metric": lambda t: parse_height(t, METRIC),
    "weight": lambda t: parse_weight(t, US),
    "weight metric": lambda t: parse_weight(t, METRIC),
    "head circumference": lambda t: parse_head_circumference(t, US),
    "bp systolic": lambda t: parse_bp(t)[0],
}
nasty_text = st.one_of(
    st.text(),
    st.from_regex(r"[0-9 ./'\"a-z°%#,-]{0,14}", fullmatch=True),
    st.text(alphabet=st.characters(codec="utf-8"), min_size=1000, max_size=10_000),
    st.sampled_from(["\x00", "9" * 400, "1e5", "nan", "inf", "-5", "98.4.4", "5'5'5", "٩٨"]),
)


# ---------------------------------------------------------- the visits


@pytest.mark.parametrize(
    ("parse", "text", "expected"),
    [
        # Visit 1, Dana Whitfield (°F, lb, in)
        (PARSERS["heart rate"], "76", (HEART_RATE, "76", "/min", 76.0, "/min")),
        (PARSERS["respiratory rate"], "16", (RESPIRATORY_RATE, "16", "/min", 16.0, "/min")),
        (PARSERS["temperature"], "98.4", (BODY_TEMPERATURE, "98.4", "[degF]", 36.89, "Cel")),
        (PARSERS["spo2"], "97", (SPO2, "97", "%", 97.0, "%")),
        (PARSERS["height"], "65", (BODY_HEIGHT, "65", "[in_i]", 165.1, "cm")),
        (PARSERS["weight"], "171", (BODY_WEIGHT, "171", "[lb_av]", 77.56, "kg")),
        (PARSERS["pain"], "2", (PAIN_SEVERITY, "2", "{score}", 2.0, "{score}")),
        # Visit 2, Ada Okafor: metric values typed with their unit
        (PARSERS["heart rate"], "118", (HEART_RATE, "118", "/min", 118.0, "/min")),
        (PARSERS["temperature"], "38.1c", (BODY_TEMPERATURE, "38.1", "Cel", 38.1, "Cel")),
        (PARSERS["temperature"], "38.1 °C", (BODY_TEMPERATURE, "38.1", "Cel", 38.1, "Cel")),
        (PARSERS["height"], "92.5cm", (BODY_HEIGHT, "92.5", "cm", 92.5, "cm")),
        (PARSERS["weight"], "13.6kg", (BODY_WEIGHT, "13.6", "kg", 13.6, "kg")),
        (PARSERS["weight"], "13.6 kg", (BODY_WEIGHT, "13.6", "kg", 13.6, "kg")),
        (PARSERS["head circumference"], "48cm", (HEAD_CIRCUMFERENCE, "48", "cm", 48.0, "cm")),
        # Visit 3, Harold Benton
        (PARSERS["temperature"], "38.9c", (BODY_TEMPERATURE, "38.9", "Cel", 38.9, "Cel")),
        (PARSERS["spo2"], "91%", (SPO2, "91", "%", 91.0, "%")),
        (PARSERS["o2 flow"], "2", (O2_FLOW, "2", "L/min", 2.0, "L/min")),
        (PARSERS["o2 flow"], "2 L/min", (O2_FLOW, "2", "L/min", 2.0, "L/min")),
        (PARSERS["weight"], "208", (BODY_WEIGHT, "208", "[lb_av]", 94.35, "kg")),
        (PARSERS["height"], "70", (BODY_HEIGHT, "70", "[in_i]", 177.8, "cm")),
        (PARSERS["pain"], "8", (PAIN_SEVERITY, "8", "{score}", 8.0, "{score}")),
        # Other ways of writing the same things
        (PARSERS["height"], "5'5\"", (BODY_HEIGHT, "65", "[in_i]", 165.1, "cm")),
        (PARSERS["height"], "5'5", (BODY_HEIGHT, "65", "[in_i]", 165.1, "cm")),
        (PARSERS["height"], "5 ft 5 in", (BODY_HEIGHT, "65", "[in_i]", 165.1, "cm")),
        (PARSERS["height"], "5\u2032 5\u2033", (BODY_HEIGHT, "65", "[in_i]", 165.1, "cm")),
        (PARSERS["height"], "65in", (BODY_HEIGHT, "65", "[in_i]", 165.1, "cm")),
        (PARSERS["height"], "165 cm", (BODY_HEIGHT, "165", "cm", 165.0, "cm")),
        (PARSERS["height metric"], "165", (BODY_HEIGHT, "165", "cm", 165.0, "cm")),
        (PARSERS["weight"], "7lb4oz", (BODY_WEIGHT, "7.25", "[lb_av]", 3.29, "kg")),
        (PARSERS["weight"], "7 lb 4 oz", (BODY_WEIGHT, "7.25", "[lb_av]", 3.29, "kg")),
        (PARSERS["weight"], "3500g", (BODY_WEIGHT, "3500", "g", 3.5, "kg")),
        (PARSERS["weight"], "171lb", (BODY_WEIGHT, "171", "[lb_av]", 77.56, "kg")),
        (PARSERS["weight"], "77.6kg", (BODY_WEIGHT, "77.6", "kg", 77.6, "kg")),
        (PARSERS["weight metric"], "77.6", (BODY_WEIGHT, "77.6", "kg", 77.6, "kg")),
        (PARSERS["temperature"], "98.4f", (BODY_TEMPERATURE, "98.4", "[degF]", 36.89, "Cel")),
        (
            PARSERS["temperature"],
            "98.4 \u00b0F",
            (BODY_TEMPERATURE, "98.4", "[degF]", 36.89, "Cel"),
        ),
        (PARSERS["temperature"], "38.1\u2103", (BODY_TEMPERATURE, "38.1", "Cel", 38.1, "Cel")),
        (PARSERS["temperature metric"], "38.1", (BODY_TEMPERATURE, "38.1", "Cel", 38.1, "Cel")),
        (
            PARSERS["head circumference"],
            "18.9in",
            (HEAD_CIRCUMFERENCE, "18.9", "[in_i]", 48.01, "cm"),
        ),
        (PARSERS["heart rate"], " 76 bpm ", (HEART_RATE, "76", "/min", 76.0, "/min")),
        (PARSERS["pain"], "8/10", (PAIN_SEVERITY, "8", "{score}", 8.0, "{score}")),
    ],
)
def test_reference_values(parse: Parser, text: str, expected: tuple[Any, ...]) -> None:
    measurement = parse(text)
    assert measurement is not None
    code, entered, unit_entered, value, unit = expected
    assert measurement == Measurement(code, entered, unit_entered, value, unit)


@pytest.mark.parametrize(
    ("text", "pair"),
    [
        ("128/82", (128, 82)),
        ("168/98", (168, 98)),
        ("162 / 96", (162, 96)),
        ("120/80 mmHg", (120, 80)),
    ],
)
def test_blood_pressure(text: str, pair: tuple[int, int]) -> None:
    systolic, diastolic = parse_bp(text)
    assert (systolic.code, diastolic.code) == (SYSTOLIC_BP, DIASTOLIC_BP)
    assert (systolic.value, diastolic.value) == pair
    assert (systolic.value_entered, diastolic.value_entered) == tuple(str(p) for p in pair)
    assert systolic.unit == systolic.unit_entered == "mm[Hg]"


@pytest.mark.parametrize("text", ["u", "U", "unable", "Unable to rate", " u "])
def test_unable_to_rate_pain_is_not_a_value(text: str) -> None:
    assert parse_pain(text) is None


def test_bmi_from_the_visit() -> None:
    bmi = compute_bmi(parse_weight("171", US), parse_height("65", US))
    assert bmi == Measurement("39156-5", "", "kg/m2", 28.5, "kg/m2")
    with pytest.raises(ValueError, match="needs a body weight"):
        compute_bmi(parse_height("65", US), parse_weight("171", US))


@pytest.mark.parametrize(
    ("parse", "text", "message"),
    [
        (PARSERS["temperature"], "37.2", "37.2c"),  # Celsius typed at a Fahrenheit clinic
        (PARSERS["temperature"], "98.4c", "98.4f"),
        (PARSERS["temperature metric"], "98.4", "98.4f"),
        (PARSERS["temperature"], "150", "25–46 °C"),
        (PARSERS["head circumference"], "48", "48cm"),  # cm typed at an inch clinic
        (PARSERS["height"], "165", "165cm"),
        (PARSERS["height"], "5'13", "under 12"),
        (PARSERS["weight"], "3500", "3500g"),
        (PARSERS["weight"], "7lb16oz", "under 16"),
        (PARSERS["weight"], "0", "0.2–700 kg"),
        (PARSERS["heart rate"], "76.5", "whole number"),
        (PARSERS["heart rate"], "10", "20–300"),
        (PARSERS["respiratory rate"], "0", "1–100"),
        (PARSERS["spo2"], "101", "50–100"),
        (PARSERS["spo2"], "45", "50–100"),
        (PARSERS["o2 flow"], "0", "0.1–60"),
        (PARSERS["pain"], "11", "0–10"),
        (PARSERS["pain"], "99", "0–10"),
        (PARSERS["heart rate"], "", "enter the heart rate"),
        (PARSERS["weight"], "x" * 10_000, "too long"),
        (PARSERS["weight"], "171 kg lb", "like 171"),
        (PARSERS["bp systolic"], "82/128", "higher than diastolic"),
        (PARSERS["bp systolic"], "128/128", "higher than diastolic"),
        (PARSERS["bp systolic"], "128", "like 128/82"),
        (PARSERS["bp systolic"], "400/80", "20–300"),
        (PARSERS["bp systolic"], "128/10", "20–300"),
    ],
)
def test_refusals_say_why(parse: Parser, text: str, message: str) -> None:
    with pytest.raises(ParseError, match=message) as raised:
        parse(text)
    assert "\n" not in str(raised.value)
    assert len(str(raised.value)) < 100


def test_a_clinic_unit_we_do_not_know_asks_for_a_suffix() -> None:
    odd = ClinicUnits(weight="stone", height="[ft_i]", temperature="K")
    for parse in (parse_weight, parse_height, parse_temperature):
        with pytest.raises(ParseError, match="unknown"):
            parse("70", odd)
    assert parse_weight("70kg", odd).value == 70


# ---------------------------------------------------------- properties


@pytest.mark.parametrize("name", sorted(PARSERS))
@given(text=nasty_text)
def test_any_text_is_a_measurement_or_a_parse_error(name: str, text: str) -> None:
    try:
        measurement = PARSERS[name](text)
    except ParseError as exc:
        assert str(exc)
        assert "\n" not in str(exc)
        return
    if measurement is not None:
        assert measurement.value_entered
        assert measurement.value_entered.strip() == (measurement.value_entered)
        assert measurement.value == measurement.value  # never NaN


# Canonical values keep 2 decimals (0.005) and the typed number carries its own rounding.
TOLERANCE = 0.0065


def margin(limits: tuple[float, float]) -> st.SearchStrategy[float]:
    """Canonical values inside the hard limits, off their very edges (rounding)."""
    return st.floats(limits[0] + 0.02, limits[1] - 0.02)


@given(margin(WEIGHT_LIMITS), st.sampled_from(["", "lb", " lb", "lbs", "#", " pounds"]))
def test_weight_in_pounds_reads_back(kg: float, suffix: str) -> None:
    pounds = f"{conv.kg_to_lb(kg):.3f}"
    assert parse_weight(pounds + suffix, US).value == pytest.approx(kg, abs=TOLERANCE)


@given(margin(WEIGHT_LIMITS), st.sampled_from(["kg", " kg", "kgs", " kilos"]))
def test_weight_in_kilograms_reads_back(kg: float, suffix: str) -> None:
    measured = parse_weight(f"{kg:.2f}{suffix}", US)
    assert measured.value == round(float(f"{kg:.2f}"), 2)
    assert measured.unit_entered == "kg"
    assert parse_weight(f"{kg:.2f}", METRIC) == measured


@given(margin(WEIGHT_LIMITS), st.sampled_from(["g", " g", "gm", " grams"]))
def test_weight_in_grams_reads_back(kg: float, suffix: str) -> None:
    assert parse_weight(f"{kg * 1000:.0f}{suffix}", US).value == pytest.approx(kg, abs=TOLERANCE)


@given(margin(WEIGHT_LIMITS), st.sampled_from(["{lb}lb{oz}oz", "{lb} lb {oz} oz", "{lb}lb {oz}"]))
def test_weight_in_pounds_and_ounces_reads_back(kg: float, layout: str) -> None:
    total = conv.kg_to_lb(kg)
    pounds = int(total)
    ounces = f"{(total - pounds) * conv.OZ_PER_LB:.2f}"
    assume(float(ounces) < conv.OZ_PER_LB)
    measured = parse_weight(layout.format(lb=pounds, oz=ounces), US)
    assert measured.value == pytest.approx(kg, abs=TOLERANCE)
    assert measured.unit_entered == "[lb_av]"
    assert parse_weight(measured.value_entered + "lb", US) == measured  # the total reads back


@pytest.mark.parametrize(
    ("parse", "limits"),
    [(parse_height, HEIGHT_LIMITS), (parse_head_circumference, HEAD_CIRCUMFERENCE_LIMITS)],
)
@given(data=st.data())
def test_lengths_read_back_in_every_form(
    parse: Callable[[str, ClinicUnits], Measurement],
    limits: tuple[float, float],
    data: st.DataObject,
) -> None:
    cm = data.draw(margin(limits))
    inches = conv.cm_to_in(cm)
    feet = int(inches // 12)
    rest = f"{inches - feet * 12:.3f}"
    forms = [
        (f"{cm:.2f}cm", METRIC),
        (f"{cm:.2f} cm", US),
        (f"{cm:.2f}", METRIC),
        (f"{inches:.3f}", US),
        (f"{inches:.3f}in", METRIC),
        (f'{inches:.3f}"', METRIC),
    ]
    if feet and float(rest) < 12:
        forms += [
            (f"{feet}'{rest}\"", US),
            (f"{feet} ft {rest} in", METRIC),
            (f"{feet}'{rest}", US),
        ]
    for text, clinic in forms:
        assert parse(text, clinic).value == pytest.approx(cm, abs=TOLERANCE), text


@given(margin(TEMPERATURE_LIMITS), st.sampled_from(["", "f", "F", " °F", "°f", " deg f"]))
def test_fahrenheit_reads_back(celsius: float, suffix: str) -> None:
    typed = f"{conv.c_to_f(celsius):.3f}"
    measured = parse_temperature(typed + suffix, US)
    assert measured.value == pytest.approx(celsius, abs=TOLERANCE)
    assert (measured.value_entered, measured.unit_entered) == (typed, "[degF]")


@given(margin(TEMPERATURE_LIMITS), st.sampled_from(["c", "C", " °C", "\u2103", " celsius"]))
def test_celsius_reads_back(celsius: float, suffix: str) -> None:
    typed = f"{celsius:.2f}"
    for clinic in (US, METRIC):
        measured = parse_temperature(typed + suffix, clinic)
        assert measured.value == float(typed)
        assert measured.unit_entered == "Cel"
    assert parse_temperature(typed, METRIC) == measured


@given(st.floats(0.1, 60), st.sampled_from(["", "l", " L/min", "lpm", " liters"]))
def test_oxygen_flow_reads_back(flow: float, suffix: str) -> None:
    typed = f"{flow:.1f}"
    assume(float(typed) >= 0.1)
    assert parse_o2_flow(typed + suffix).value == float(typed)


@pytest.mark.parametrize(
    ("parse", "low", "high", "suffixes"),
    [
        (parse_heart_rate, 20, 300, ["", " bpm", "/min"]),
        (parse_respiratory_rate, 1, 100, ["", "/min"]),
        (parse_spo2, 50, 100, ["", "%", " %"]),
        (parse_pain, 0, 10, ["", "/10"]),
    ],
)
@given(number=st.integers(-5, 400), data=st.data())
def test_whole_numbers_inside_their_limits(
    parse: Parser, low: int, high: int, suffixes: list[str], number: int, data: st.DataObject
) -> None:
    text = f"{number}{data.draw(st.sampled_from(suffixes))}"
    if low <= number <= high:
        measured = parse(text)
        assert measured is not None
        assert measured.value == number
        assert measured.value_entered == str(number)
    else:
        with pytest.raises(ParseError):
            parse(text)


@given(st.integers(0, 400), st.integers(0, 400))
def test_blood_pressure_needs_systolic_above_diastolic(systolic: int, diastolic: int) -> None:
    text = f"{systolic}/{diastolic}"
    if 20 <= diastolic < systolic <= 300:
        high, low = parse_bp(text)
        assert (high.value, low.value) == (systolic, diastolic)
    else:
        with pytest.raises(ParseError):
            parse_bp(text)


# ---------------------------------------------------------------- flags


def flags(age_days: int, values: dict[str, float]) -> dict[str, str | None]:
    result: dict[str, str | None] = {}
    for code, value in values.items():
        flag = classify(code, value, age_days)
        result[code] = flag.level if flag else None
    return result


def test_harold_every_abnormal_value_is_flagged() -> None:
    values: dict[str, float] = {SYSTOLIC_BP: 168, DIASTOLIC_BP: 98, HEART_RATE: 104}
    values |= {RESPIRATORY_RATE: 24}
    values |= {BODY_TEMPERATURE: 38.9, SPO2: 91}
    assert flags(HAROLD, values) == {
        SYSTOLIC_BP: "high",
        DIASTOLIC_BP: "high",
        HEART_RATE: "high",
        RESPIRATORY_RATE: "high",
        BODY_TEMPERATURE: "high",
        SPO2: "low",
    }
    repeat = flags(HAROLD, {SYSTOLIC_BP: 162.0, DIASTOLIC_BP: 96.0})
    assert set(repeat.values()) == {"high"}


def test_dana_nothing_is_flagged() -> None:
    temperature = parse_temperature("98.4", US).value
    values: dict[str, float] = {SYSTOLIC_BP: 128, DIASTOLIC_BP: 82, HEART_RATE: 76}
    values |= {RESPIRATORY_RATE: 16}
    values |= {BODY_TEMPERATURE: temperature, SPO2: 97}
    assert set(flags(DANA, values).values()) == {"normal"}


@pytest.mark.parametrize("age_days", [ADA, ADA_NOW])
def test_ada_fever_is_flagged_but_a_small_childs_pulse_and_breathing_are_normal(
    age_days: int,
) -> None:
    values = {HEART_RATE: 118, RESPIRATORY_RATE: 26, BODY_TEMPERATURE: 38.1, SPO2: 99}
    assert flags(age_days, values) == {
        HEART_RATE: "normal",
        RESPIRATORY_RATE: "normal",
        BODY_TEMPERATURE: "high",
        SPO2: "normal",
    }
    # The same pulse and breathing in an adult are high, and 26 breaths a minute critically.
    assert flags(DANA, {HEART_RATE: 118, RESPIRATORY_RATE: 26}) == {
        HEART_RATE: "high",
        RESPIRATORY_RATE: "critical_high",
    }


def test_band_text_names_the_range_and_the_age() -> None:
    flag = classify(HEART_RATE, 104, HAROLD)
    assert flag is not None
    assert flag.band == "normal 60–100 /min for adults"
    assert flag.abnormal
    toddler = classify(HEART_RATE, 118, ADA)
    assert toddler is not None
    assert "toddlers" in toddler.band
    assert not toddler.abnormal
    fever = classify(BODY_TEMPERATURE, 38.1, ADA)
    assert fever is not None
    assert "36.0–37.9 °C" in fever.band


@pytest.mark.parametrize(
    ("code", "value", "age_days", "level"),
    [
        (HEART_RATE, 35, DANA, "critical_low"),
        (HEART_RATE, 140, DANA, "critical_high"),
        (SPO2, 85, DANA, "critical_low"),
        (SYSTOLIC_BP, 190, DANA, "critical_high"),
        (SYSTOLIC_BP, 100, DANA, "normal"),  # limits are inclusive
        (SYSTOLIC_BP, 139, DANA, "normal"),
        (SYSTOLIC_BP, 140, DANA, "high"),
        (BODY_TEMPERATURE, 38.0, 10, "critical_high"),  # a febrile newborn
        (BODY_TEMPERATURE, 37.7, 10, "high"),
        (BODY_TEMPERATURE, 37.7, DANA, "normal"),
        (BODY_TEMPERATURE, 34.0, DANA, "critical_low"),
        (RESPIRATORY_RATE, 45, 100, "normal"),  # an infant
        (RESPIRATORY_RATE, 65, 100, "critical_high"),
        (SYSTOLIC_BP, 65, 100, "critical_low"),
    ],
)
def test_levels(code: str, value: float, age_days: int, level: str) -> None:
    flag = classify(code, value, age_days)
    assert flag is not None
    assert flag.level == level


@pytest.mark.parametrize(
    ("code", "value", "age_days"),
    [
        (BODY_WEIGHT, 70, DANA),
        (BODY_HEIGHT, 165, DANA),
        (PAIN_SEVERITY, 8, DANA),
        (HEART_RATE, 70, -1),
        (HEART_RATE, float("nan"), DANA),
        ("0000-0", 1, DANA),
    ],
)
def test_no_flag_where_no_band_applies(code: str, value: float, age_days: int) -> None:
    assert classify(code, value, age_days) is None


# ------------------------------------------------------------ the ranges file

CODED = {
    SYSTOLIC_BP,
    DIASTOLIC_BP,
    HEART_RATE,
    RESPIRATORY_RATE,
    BODY_TEMPERATURE,
    SPO2,
    BODY_WEIGHT,
    BODY_HEIGHT,
    HEAD_CIRCUMFERENCE,
}


def raw_catalog() -> dict[str, Any]:
    text = resources.files("ma_tui.data.catalogs").joinpath("vital_ranges.json").read_text("utf-8")
    loaded: dict[str, Any] = json.loads(text)
    return loaded


def test_the_bands_are_contiguous_and_cover_every_age() -> None:
    catalog = vital_ranges()
    assert set(catalog.vitals) == CODED
    for code, ranges in catalog.vitals.items():
        assert ranges.bands[0].age.from_days == 0, code
        for before, after in zip(ranges.bands, ranges.bands[1:], strict=False):
            assert before.age.to_days == after.age.from_days, code
        assert ranges.bands[-1].age.to_days is None, code
        for band in ranges.bands:
            if band.normal is not None:
                assert band.normal.low is not None
                assert band.normal.high is not None
                assert band.normal.low < band.normal.high
            else:  # weight, height, head: only implausible values are caught
                assert band.plausible.low is not None
                assert band.plausible.high is not None
            assert band.sources
            assert all(source in catalog.sources for source in band.sources)
    for age in range(0, 50_000, 7):
        assert all(catalog.band_for(code, age) is not None for code in CODED), age


def test_every_source_is_cited_by_a_band() -> None:
    catalog = vital_ranges()
    cited = {s for r in catalog.vitals.values() for band in r.bands for s in band.sources}
    assert cited == set(catalog.sources)


def break_catalog(change: Callable[[dict[str, Any]], None]) -> dict[str, Any]:
    raw = copy.deepcopy(raw_catalog())
    change(raw)
    return raw


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda raw: raw["vitals"]["8867-4"]["bands"].pop(2), "starts at day"),  # a gap
        (lambda raw: raw["vitals"]["8867-4"]["bands"].pop(), "no end"),
        (
            lambda raw: raw["vitals"]["8867-4"]["bands"][0].update(normal={"low": 9, "high": 1}),
            "low must be below high",
        ),
        (
            lambda raw: raw["vitals"]["8867-4"]["bands"][0].update(critical={"low": 150}),
            "critical low",
        ),
        (
            lambda raw: raw["vitals"]["8867-4"]["bands"][0].update(plausible={"high": 200}),
            "plausible high is below critical high",
        ),
        (
            lambda raw: raw["vitals"]["29463-7"]["bands"][0].pop("plausible"),
            "needs normal or plausible",
        ),
        (
            lambda raw: raw["vitals"]["29463-7"]["bands"][0].update(critical={"low": 1}),
            "critical limits need normal",
        ),
        (lambda raw: raw["vitals"]["8867-4"].update(unit="bpm"), "unit"),
        (lambda raw: raw["vitals"]["8867-4"]["bands"][0].update(sources=["nope"]), "sources"),
        (lambda raw: raw["vitals"]["8867-4"]["bands"][0].update(age="teen"), "age group"),
        (lambda raw: raw["age_groups"]["toddler"].update({"from": "3 years"}), "not like"),
        (lambda raw: raw["vitals"].update({"1234-5": raw["vitals"]["8867-4"]}), "not a known"),
        (lambda raw: raw.update(vitals=[]), "expected an object"),
    ],
)
def test_a_broken_ranges_file_is_refused_at_load(
    change: Callable[[dict[str, Any]], None], message: str
) -> None:
    with pytest.raises(RangeCatalogError, match=message):
        parse_catalog(break_catalog(change))
