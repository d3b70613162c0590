"""Growth percentiles checked against the values the WHO and the CDC published.

Tolerances:
* CDC files: each row carries the CDC's smoothed percentiles (P3 ... P97) beside L, M
  and S, printed to about ten significant digits; at the row's own age the calculator
  must give the percentile's z to 1e-6 (the digits printed allow ~1e-7).
* WHO tables: the published -3 ... +3 SD values are printed to 0.1 (kg, cm, kg/m²), so
  each lies within 0.05 of the exact value; the z-score tolerance is 0.05 times how
  many SD one unit is there (from the published L, M and S), plus 5 % for the rounding
  of the published M and S themselves.
* Dates give whole days: where a published value is at a fractional age, the nearest
  day is at most half a day (0.016 month) away; the tolerance allows for what the
  measurement grows in that time, worked out in each test.
"""

from __future__ import annotations

import math
from datetime import date
from pathlib import Path
from typing import Literal

import pytest
from hypothesis import given
from hypothesis import strategies as st

import ma_tui.data.catalogs.growth as tables
from ma_tui.core.parsing import ParseError
from ma_tui.data.catalogs.growth import (
    DAYS_PER_MONTH,
    CdcTable,
    GrowthTableError,
    Lms,
    WhoTable,
    cdc_rows,
    cdc_table,
    who_head_rows,
    who_table,
)
from ma_tui.growth import (
    GestationalAge,
    GrowthResult,
    Indicator,
    NotAssessed,
    Sex,
    Standard,
    age_from_days,
    assess,
    assess_measurements,
    growth_age,
    growth_concerns,
    growth_series,
    parse_gestational_age,
    percentile_text,
)
from ma_tui.growth.lms import (
    cdc_bmi_z,
    cdc_modified_z,
    cdc_z,
    lms_z,
    value_at,
    who_z,
    z_of_percentile,
)

LB = 0.45359237  # kg
SEXES = (Sex.MALE, Sex.FEMALE)
SEX_OF = {"1": Sex.MALE, "2": Sex.FEMALE}


def result(outcome: GrowthResult | NotAssessed) -> GrowthResult:
    assert isinstance(outcome, GrowthResult), outcome
    return outcome


def refusal(outcome: GrowthResult | NotAssessed) -> str:
    assert isinstance(outcome, NotAssessed), outcome
    return outcome.reason


def months(m: float) -> int:
    """The whole day nearest to ``m`` months, as the WHO counts (30.4375 days a month)."""
    return round(m * DAYS_PER_MONTH)


def who_tolerance(value: float, lms: Lms, *, whole_days: bool = False) -> float:
    """z tolerance for a WHO value printed to 0.1: 0.05 over dX/dz at that value, + 5 %.

    ``whole_days``: read at the whole day nearest the month (up to half a day off),
    which moves z by under 0.006 on the rows of ``WHO_PUBLISHED``: 0.01 more.
    """
    z = lms_z(value, lms)
    dx_dz = lms.mu * lms.sigma * (1 + lms.lam * lms.sigma * z) ** (1 / lms.lam - 1)
    return float(1.05 * 0.05 / dx_dz + (0.01 if whole_days else 0.0))


# ---------------------------------------------------------------- CDC, published


@pytest.mark.parametrize("name", ["wtage", "statage", "bmiage", "hcageinf"])
def test_every_cdc_row_gives_its_published_percentiles(name: CdcTable) -> None:
    checked = 0
    for row in cdc_rows(name):
        lms = cdc_table(name, SEX_OF[row["Sex"]]).at(float(row["Agemos"]))
        assert lms is not None
        for column, text in row.items():
            if not column.startswith("P"):
                continue
            expected = z_of_percentile(float(column[1:]))
            assert cdc_z(float(text), lms) == pytest.approx(expected, abs=1e-6), (row, column)
            checked += 1
    assert checked >= 9 * len(cdc_rows(name))


@pytest.mark.parametrize(
    ("indicator", "name", "sex", "agemos", "column"),
    [
        # BMI-for-age 95th percentile, boy of 10 years (the row for 120.0-120.99 months)
        (Indicator.BMI_FOR_AGE, "bmiage", Sex.MALE, 120.5, "P95"),
        (Indicator.BMI_FOR_AGE, "bmiage", Sex.FEMALE, 120.5, "P85"),
        # weight-for-age 50th percentile at 5 years
        (Indicator.WEIGHT_FOR_AGE, "wtage", Sex.MALE, 60.5, "P50"),
        (Indicator.WEIGHT_FOR_AGE, "wtage", Sex.FEMALE, 60.5, "P50"),
        (Indicator.LENGTH_FOR_AGE, "statage", Sex.FEMALE, 150.5, "P3"),
        (Indicator.LENGTH_FOR_AGE, "statage", Sex.MALE, 36.5, "P97"),
        (Indicator.HEAD_CIRCUMFERENCE_FOR_AGE, "hcageinf", Sex.MALE, 30.5, "P10"),
    ],
)
def test_assess_gives_the_cdc_percentile_from_a_whole_day_age(
    indicator: Indicator, name: CdcTable, sex: Sex, agemos: float, column: str
) -> None:
    row = next(
        r
        for r in cdc_rows(name)
        if r["Sex"] == tables.SEX_NUMBER[sex] and float(r["Agemos"]) == agemos
    )
    found = result(
        assess(indicator, float(row[column]), sex=sex, age=age_from_days(months(agemos)))
    )
    assert found.standard == Standard.CDC
    # Half a day from the row's age moves these z-scores by under 0.003 (a month of
    # growth moves them by under 0.2 here, and half a day is 1/61 of a month).
    assert found.z == pytest.approx(z_of_percentile(float(column[1:])), abs=0.003)
    assert found.readback == percentile_text(float(column[1:]))


def test_cdc_extended_bmi_worked_examples() -> None:
    """CDC, "Data file for the extended CDC BMI-for-age growth charts" (2022)."""
    # A girl of 9 y 6 mo (114.5 months), BMI 21.2, below her P95 of 22.3979:
    # z 1.4215, 92.2nd percentile; L, M, S as the page gives them.
    girl = Lms(-2.257782149, 16.57626713, 0.132796819)
    z, percentile = cdc_bmi_z(21.2, girl, Sex.FEMALE, 114.5)
    assert z == pytest.approx(1.4215, abs=5e-5)
    assert percentile == pytest.approx(92.2, abs=0.05)
    # A boy of 4 y 2 mo (50.5 months), BMI 22.6, above his P95 of 17.8219, sigma
    # 2.3983: 99.7683rd percentile, z 2.83.
    boy = cdc_table("bmiage", Sex.MALE).at(50.5)
    assert boy is not None
    assert value_at(1.6448536269514722, boy) == pytest.approx(17.8219, abs=5e-5)
    z, percentile = cdc_bmi_z(22.6, boy, Sex.MALE, 50.5)
    assert percentile == pytest.approx(99.7683, abs=5e-5)
    assert z == pytest.approx(2.83, abs=0.005)
    # The same boy from his date of birth: 1537 days is 50.497 months.
    found = result(assess(Indicator.BMI_FOR_AGE, 22.6, sex=Sex.MALE, age=age_from_days(1537)))
    assert found.extended
    assert found.percentile == pytest.approx(99.768, abs=0.001)
    assert found.readback == "99.7th %ile"
    assert found.percent_of_p95 == pytest.approx(100 * 22.6 / 17.8219, abs=0.01)


def test_cdc_modified_z_worked_example() -> None:
    """CDC, "Modified z-scores in the CDC growth charts": a girl of 200 months."""
    lms = Lms(-2.18, 20.76, 0.148)
    assert value_at(2, lms) == pytest.approx(33.40, abs=0.005)
    assert value_at(-2, lms) == pytest.approx(16.52, abs=0.005)
    assert cdc_z(33, lms) == pytest.approx(1.97, abs=0.005)
    # The page says 3.1 (3.08 from unrounded parameters): squeezed by the skew.
    assert cdc_z(333, lms) == pytest.approx(3.08, abs=0.02)
    assert cdc_modified_z(12, lms) == pytest.approx(-4.1, abs=0.05)
    # (333 - 20.76) / 6.32: far out, where the plain z stays near 3
    assert cdc_modified_z(333, lms) == pytest.approx((333 - 20.76) / 6.32, rel=1e-3)


# ---------------------------------------------------------------- WHO, published


def test_who_head_circumference_matches_every_published_sd_value() -> None:
    """WHO head circumference-for-age z-score tables, 0-13 weeks and 0-24 months."""
    checked = 0
    readings: tuple[tuple[Literal["weeks", "months"], float], ...] = (
        ("weeks", 7.0),
        ("months", DAYS_PER_MONTH),
    )
    for by, days_per in readings:
        for row in who_head_rows(by):
            x = float(row["Week" if by == "weeks" else "Month"]) * days_per
            if x >= 24 * DAYS_PER_MONTH:
                continue
            lms = who_table("hcfa", SEX_OF[row["Gender"]]).at(x)
            assert lms is not None
            for column, sd in (("SD3neg", -3), ("SD2neg", -2), ("SD0", 0), ("SD2", 2), ("SD3", 3)):
                value = float(row[column])
                tolerance = who_tolerance(value, lms)
                assert who_z(value, lms) == pytest.approx(sd, abs=tolerance), (row, column)
                checked += 1
    assert checked == 2 * 5 * (14 + 24)


# WHO Child Growth Standards, simplified field tables (z-scores): the published -2 SD,
# median and +2 SD (weight kg, length cm, BMI kg/m²) with the published L, M and S, as
# copied in pygrowup 0.8.2's tables.
WHO_PUBLISHED = [
    # indicator, sex, month or cm, (L, M, S), -2 SD, median, +2 SD
    (Indicator.WEIGHT_FOR_AGE, Sex.MALE, 0, (0.3487, 3.3464, 0.14602), 2.5, 3.3, 4.4),
    (Indicator.WEIGHT_FOR_AGE, Sex.MALE, 6, (0.1257, 7.934, 0.10958), 6.4, 7.9, 9.8),
    (Indicator.WEIGHT_FOR_AGE, Sex.MALE, 12, (0.0644, 9.6479, 0.10925), 7.7, 9.6, 12.0),
    (Indicator.WEIGHT_FOR_AGE, Sex.MALE, 23, (-0.0083, 11.9514, 0.11369), 9.5, 12.0, 15.0),
    (Indicator.WEIGHT_FOR_AGE, Sex.FEMALE, 0, (0.3809, 3.2322, 0.14171), 2.4, 3.2, 4.2),
    (Indicator.WEIGHT_FOR_AGE, Sex.FEMALE, 6, (-0.0756, 7.297, 0.12204), 5.7, 7.3, 9.3),
    (Indicator.WEIGHT_FOR_AGE, Sex.FEMALE, 12, (-0.2024, 8.9481, 0.12268), 7.0, 8.9, 11.5),
    (Indicator.WEIGHT_FOR_AGE, Sex.FEMALE, 23, (-0.2903, 11.2688, 0.12369), 8.9, 11.3, 14.6),
    (Indicator.LENGTH_FOR_AGE, Sex.MALE, 0, (1, 49.8842, 0.03795), 46.1, 49.9, 53.7),
    (Indicator.LENGTH_FOR_AGE, Sex.MALE, 12, (1, 75.7488, 0.03137), 71.0, 75.7, 80.5),
    (Indicator.LENGTH_FOR_AGE, Sex.MALE, 23, (1, 86.941, 0.03445), 81.0, 86.9, 92.9),
    (Indicator.LENGTH_FOR_AGE, Sex.FEMALE, 12, (1, 74.015, 0.03479), 68.9, 74.0, 79.2),
    (Indicator.LENGTH_FOR_AGE, Sex.FEMALE, 23, (1, 85.5202, 0.03711), 79.2, 85.5, 91.9),
    (Indicator.BMI_FOR_AGE, Sex.MALE, 12, (-0.4115, 16.7981, 0.08009), 14.4, 16.8, 19.8),
    (Indicator.BMI_FOR_AGE, Sex.FEMALE, 12, (-0.3667, 16.3568, 0.08797), 13.8, 16.4, 19.6),
    (Indicator.WEIGHT_FOR_LENGTH, Sex.MALE, 65, (-0.3521, 7.2666, 0.08223), 6.2, 7.3, 8.6),
    (Indicator.WEIGHT_FOR_LENGTH, Sex.MALE, 80, (-0.3521, 10.4475, 0.08308), 8.9, 10.4, 12.4),
    (Indicator.WEIGHT_FOR_LENGTH, Sex.FEMALE, 65, (-0.3833, 7.0812, 0.09119), 5.9, 7.1, 8.6),
    (Indicator.WEIGHT_FOR_LENGTH, Sex.FEMALE, 80, (-0.3833, 10.0891, 0.0894), 8.5, 10.1, 12.1),
]


@pytest.mark.parametrize(
    ("indicator", "sex", "at", "published", "minus_two", "median", "plus_two"), WHO_PUBLISHED
)
def test_who_published_sd_values(
    indicator: Indicator,
    sex: Sex,
    at: float,
    published: tuple[float, float, float],
    minus_two: float,
    median: float,
    plus_two: float,
) -> None:
    lms = Lms(*published)
    if indicator == Indicator.WEIGHT_FOR_LENGTH:
        age, length = age_from_days(months(9)), float(at)
    else:
        age, length = age_from_days(months(at)), None
    for value, expected in ((minus_two, -2.0), (median, 0.0), (plus_two, 2.0)):
        found = result(assess(indicator, value, sex=sex, age=age, length_cm=length))
        assert found.standard == Standard.WHO
        tolerance = who_tolerance(value, lms, whole_days=length is None)
        assert found.z == pytest.approx(expected, abs=tolerance)


def test_who_median_is_the_50th_percentile_and_readback() -> None:
    found = result(assess(Indicator.WEIGHT_FOR_AGE, 3.3464, sex=Sex.MALE, age=age_from_days(0)))
    assert found.z == pytest.approx(0, abs=1e-9)
    assert found.readback == "50th %ile"
    assert found.summary == "50th %ile (WHO weight-for-age)"


# ---------------------------------------------------------------- plausibility


@pytest.mark.parametrize("sex", SEXES)
def test_an_infant_weight_typed_in_lb_at_a_kg_clinic_is_implausible(sex: Sex) -> None:
    """The issue's case: an 11-month-old's 9.2 taken as lb is 4.2 kg, far below -5 SD."""
    age = growth_age(date(2025, 1, 10), date(2025, 12, 12))  # 11 months
    typed_as_lb = result(assess(Indicator.WEIGHT_FOR_AGE, 9.2 * LB, sex=sex, age=age))
    assert typed_as_lb.z < -5
    assert typed_as_lb.implausible
    assert typed_as_lb.readback == "<0.1 %ile"
    reason = typed_as_lb.implausible_reason
    assert reason is not None
    assert reason.startswith("4.2 kg is implausible for a")
    assert "aged 11 mo: weight-for-age z -" in reason
    assert reason.endswith("beyond the WHO's ±5")
    as_kg = result(assess(Indicator.WEIGHT_FOR_AGE, 9.2, sex=sex, age=age))
    assert not as_kg.implausible
    assert as_kg.implausible_reason is None
    assert 10 < as_kg.percentile < 90
    results = assess_measurements(sex=sex, age=age, weight_kg=9.2 * LB, length_cm=74.0)
    assert len(growth_concerns(results)) == 2  # weight-for-age and weight-for-length


def test_cdc_flags_on_the_modified_z_with_its_own_cuts() -> None:
    ten = age_from_days(months(120.5))
    obese = result(assess(Indicator.BMI_FOR_AGE, 35.0, sex=Sex.FEMALE, age=ten))
    assert obese.extended
    assert not obese.implausible
    assert obese.z > 2
    absurd = result(assess(Indicator.BMI_FOR_AGE, 60.0, sex=Sex.FEMALE, age=ten))
    assert absurd.implausible
    assert absurd.implausible_reason == (
        "60.0 kg/m² is implausible for a girl aged 10 y: "
        f"BMI-for-age modified z {absurd.flag_z:+.1f}, beyond the CDC's -4/+8"
    )
    too_tall = result(assess(Indicator.LENGTH_FOR_AGE, 175.0, sex=Sex.MALE, age=ten))
    assert too_tall.implausible
    assert too_tall.flag_z > 4


# ---------------------------------------------------------------- ages and edges


def test_edges_of_the_standards() -> None:
    boy = Sex.MALE
    birth = result(assess(Indicator.WEIGHT_FOR_AGE, 3.3, sex=boy, age=age_from_days(0)))
    assert birth.standard == Standard.WHO
    near_two = age_from_days(months(23.9))
    assert result(assess(Indicator.WEIGHT_FOR_AGE, 12, sex=boy, age=near_two)).standard == "WHO"
    # 24 months is 730.5 days: day 730 is the WHO's last, day 731 the CDC's first.
    assert result(
        assess(Indicator.WEIGHT_FOR_AGE, 12, sex=boy, age=age_from_days(730))
    ).standard == (Standard.WHO)
    two = result(assess(Indicator.WEIGHT_FOR_AGE, 12, sex=boy, age=age_from_days(731)))
    assert two.standard == Standard.CDC
    assert two.chart_note == "CDC Males, 2-20 years Chart"
    # A second birthday across a 29 February is day 731: CDC.
    leap = growth_age(date(2023, 3, 1), date(2025, 3, 1))
    assert result(assess(Indicator.WEIGHT_FOR_AGE, 12, sex=boy, age=leap)).standard == "CDC"
    nineteen = age_from_days(7304)
    assert result(assess(Indicator.BMI_FOR_AGE, 22, sex=boy, age=nineteen)).standard == "CDC"
    for days in (7305, 7306, 40 * 365):
        reason = refusal(assess(Indicator.BMI_FOR_AGE, 22, sex=boy, age=age_from_days(days)))
        assert reason == "growth references end at 20 years; adult BMI categories apply"


def test_what_is_read_at_which_age() -> None:
    girl, two_years = Sex.FEMALE, age_from_days(800)
    assert refusal(
        assess(Indicator.WEIGHT_FOR_LENGTH, 12, sex=girl, age=two_years, length_cm=85)
    ) == ("from 2 years, BMI-for-age is read instead of weight-for-length")
    head = result(assess(Indicator.HEAD_CIRCUMFERENCE_FOR_AGE, 48, sex=girl, age=two_years))
    assert head.standard == Standard.CDC
    assert head.chart_note == "CDC Females, 0-36 months Chart"
    assert refusal(
        assess(Indicator.HEAD_CIRCUMFERENCE_FOR_AGE, 50, sex=girl, age=age_from_days(months(36)))
    ) == ("head circumference-for-age is read up to 36 months")
    baby = age_from_days(200)
    assert "45 to 110 cm" in refusal(
        assess(Indicator.WEIGHT_FOR_LENGTH, 2, sex=girl, age=baby, length_cm=40)
    )
    assert "no length" in refusal(assess(Indicator.WEIGHT_FOR_LENGTH, 7, sex=girl, age=baby))
    assert refusal(assess(Indicator.WEIGHT_FOR_AGE, 7, sex=Sex.UNKNOWN, age=baby)) == (
        "the growth standards are by sex, and the record's sex is unknown"
    )
    assert refusal(assess(Indicator.WEIGHT_FOR_AGE, -1, sex=girl, age=baby)) == (
        "weight -1 kg cannot be placed on a growth chart"
    )


def test_measurements_give_the_indicators_of_the_age() -> None:
    infant = assess_measurements(
        sex=Sex.MALE, age=age_from_days(180), weight_kg=7.9, length_cm=67.6, head_cm=43.3
    )
    assert [r.indicator for r in infant] == [
        Indicator.WEIGHT_FOR_AGE,
        Indicator.LENGTH_FOR_AGE,
        Indicator.WEIGHT_FOR_LENGTH,
        Indicator.HEAD_CIRCUMFERENCE_FOR_AGE,
    ]
    assert all(isinstance(r, GrowthResult) and r.standard == "WHO" for r in infant)
    child = assess_measurements(sex=Sex.FEMALE, age=age_from_days(6 * 365), weight_kg=21.0,
                                length_cm=116.0)  # fmt: skip
    assert [r.indicator for r in child] == [
        Indicator.WEIGHT_FOR_AGE,
        Indicator.LENGTH_FOR_AGE,
        Indicator.BMI_FOR_AGE,
    ]
    bmi = result(child[2])
    assert bmi.value == pytest.approx(21.0 / 1.16**2)
    assert [result(r).loinc for r in child] == ["8336-0", "8303-0", "59576-9"]
    assert result(infant[2]).loinc == "77606-2"
    assert result(infant[3]).loinc == "8289-1"
    assert result(infant[3]).loinc_display == "Head Occipital-frontal circumference Percentile"
    assert result(infant[1]).source == "WHO length-for-age"
    assert result(child[1]).source == "CDC height-for-age"


def test_corrected_age_for_a_preterm_infant() -> None:
    """Corrected age = age since birth - (40 weeks - gestational age), until 24 months."""
    born = date(2025, 1, 1)
    early = parse_gestational_age("30+2")  # 68 days early
    age = growth_age(born, date(2025, 6, 1), early)  # 151 days old
    assert (age.chronological_days, age.corrected_days, age.days) == (151, 83, 83)
    assert age.note == "corrected age 2 mo, born at 30+2 wk"
    weight = result(assess(Indicator.WEIGHT_FOR_AGE, 5.0, sex=Sex.MALE, age=age))
    uncorrected = result(
        assess(Indicator.WEIGHT_FOR_AGE, 5.0, sex=Sex.MALE, age=growth_age(born, date(2025, 6, 1)))
    )
    assert weight.percentile > uncorrected.percentile
    assert weight.source == "WHO weight-for-age, corrected age 2 mo, born at 30+2 wk"
    assert growth_age(born, date(2025, 3, 1), early).corrected
    # Before the term-equivalent age the WHO standards do not apply.
    newborn = growth_age(born, date(2025, 1, 15), early)
    assert newborn.corrected_days == 14 - 68
    assert refusal(assess(Indicator.WEIGHT_FOR_AGE, 1.6, sex=Sex.MALE, age=newborn)) == (
        "7 wk before term (born at 30+2 wk): the WHO standards begin at term; "
        "use a preterm chart (Fenton or INTERGROWTH-21st)"
    )
    # 37 weeks and later: term, no correction.
    assert not growth_age(born, date(2025, 6, 1), GestationalAge(37, 0)).corrected
    assert growth_age(born, date(2025, 6, 1), GestationalAge(36, 6)).corrected
    # The correction stops at 24 months by the calendar (730.5 days).
    assert age_from_days(730, early).corrected_days == 730 - 68
    assert age_from_days(731, early).corrected_days is None


@pytest.mark.parametrize(
    ("text", "weeks", "days"),
    [
        ("32", 32, 0),
        ("32w", 32, 0),
        ("32 wk", 32, 0),
        ("32 weeks", 32, 0),
        ("32+4", 32, 4),
        ("32 + 4", 32, 4),
        ("32+4d", 32, 4),
        ("32w4d", 32, 4),
        ("32W 4D", 32, 4),
        ("32 wk 4 d", 32, 4),
        ("32 4/7", 32, 4),
        ("32 4d", 32, 4),
        (" 24+0 ", 24, 0),
    ],
)
def test_gestational_age_forms(text: str, weeks: int, days: int) -> None:
    assert parse_gestational_age(text) == GestationalAge(weeks, days)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "enter the gestational age at birth"),
        ("324", "not a gestational age"),
        ("32.5", "a decimal is ambiguous"),
        ("32+7", "days go from 0 to 6"),
        ("21", "22 to 44 weeks"),
        ("45+1", "22 to 44 weeks"),
        ("thirty", "not a gestational age"),
    ],
)
def test_gestational_age_refusals(text: str, message: str) -> None:
    with pytest.raises(ParseError, match=message):
        parse_gestational_age(text)


# ---------------------------------------------------------------- readback


@pytest.mark.parametrize(
    ("percentile", "text"),
    [
        (38.2, "38th %ile"),
        (1.0, "1st %ile"),
        (2.4, "2nd %ile"),
        (3.0, "3rd %ile"),
        (11.0, "11th %ile"),
        (12.0, "12th %ile"),
        (13.0, "13th %ile"),
        (21.0, "21st %ile"),
        (50.0, "50th %ile"),
        (99.0, "99th %ile"),
        (0.96, "0.9th %ile"),
        (0.1, "0.1st %ile"),
        (0.05, "<0.1 %ile"),
        (99.04, "99.0th %ile"),
        (99.93, ">99.9 %ile"),
        (99.9, "99.9th %ile"),
        (99.35, "99.3rd %ile"),
        (99.22, "99.2nd %ile"),
        (0.31, "0.3rd %ile"),
    ],
)
def test_percentile_text(percentile: float, text: str) -> None:
    assert percentile_text(percentile) == text


# ---------------------------------------------------------------- series


def test_series_split_at_two_years_and_follow_the_tables() -> None:
    segments = growth_series(Indicator.WEIGHT_FOR_AGE, Sex.FEMALE, 0, 60)
    who, cdc = segments
    assert (who.standard, cdc.standard) == (Standard.WHO, Standard.CDC)
    assert [c.percentile for c in who.curves] == [3, 15, 50, 85, 97]
    assert [c.percentile for c in cdc.curves] == [3, 10, 25, 50, 75, 90, 97]
    who_median = who.curves[2].points
    assert who_median[0][0] == 0.0
    assert who_median[0][1] == pytest.approx(3.2322)  # the WHO girls' median at birth
    assert who_median[-1][0] == 24.0
    cdc_median = dict(cdc.curves[3].points)
    published = next(r for r in cdc_rows("wtage") if r["Sex"] == "2" and r["Agemos"] == "48.5")
    assert cdc_median[48.5] == pytest.approx(float(published["P50"]), rel=1e-7)
    bmi = growth_series(Indicator.BMI_FOR_AGE, Sex.MALE, 24, 240)[0]
    assert [c.percentile for c in bmi.curves] == [5, 10, 25, 50, 75, 85, 95]
    length = growth_series(Indicator.WEIGHT_FOR_LENGTH, Sex.MALE, 0, 200, step=1)
    assert len(length) == 1
    assert length[0].x_label == "length (cm)"
    assert length[0].curves[0].points[0][0] == 45
    assert length[0].curves[0].points[-1][0] == 110
    assert (
        growth_series(Indicator.HEAD_CIRCUMFERENCE_FOR_AGE, Sex.MALE, 0, 60)[-1]
        .curves[0]
        .points[-1][0]
        == 36
    )
    assert growth_series(Indicator.WEIGHT_FOR_AGE, Sex.UNKNOWN, 0, 60) == ()
    assert growth_series(Indicator.WEIGHT_FOR_AGE, Sex.MALE, 250, 300) == ()


@given(
    indicator=st.sampled_from(Indicator),
    sex=st.sampled_from(SEXES),
    start=st.floats(-50, 300),
    span=st.floats(0.5, 300),
    step=st.floats(0.1, 12),
)
def test_series_curves_never_cross(
    indicator: Indicator, sex: Sex, start: float, span: float, step: float
) -> None:
    for segment in growth_series(indicator, sex, start, start + span, step=step):
        for lower, upper in zip(segment.curves, segment.curves[1:], strict=False):
            assert lower.percentile < upper.percentile
            assert [x for x, _ in lower.points] == [x for x, _ in upper.points]
            assert all(a[1] < b[1] for a, b in zip(lower.points, upper.points, strict=True))
        xs = [x for x, _ in segment.curves[0].points]
        assert xs == sorted(set(xs))


# ---------------------------------------------------------------- properties

ages = st.integers(min_value=0, max_value=7304)
lengths = st.floats(45, 110)


def _value_range(indicator: Indicator) -> st.SearchStrategy[float]:
    return {
        Indicator.WEIGHT_FOR_AGE: st.floats(0.5, 150),
        Indicator.LENGTH_FOR_AGE: st.floats(30, 210),
        Indicator.WEIGHT_FOR_LENGTH: st.floats(0.5, 40),
        Indicator.HEAD_CIRCUMFERENCE_FOR_AGE: st.floats(20, 70),
        Indicator.BMI_FOR_AGE: st.floats(8, 80),
    }[indicator]


@given(data=st.data(), indicator=st.sampled_from(Indicator), sex=st.sampled_from(SEXES))
def test_percentile_rises_with_the_measurement(
    data: st.DataObject, indicator: Indicator, sex: Sex
) -> None:
    age = age_from_days(data.draw(ages))
    length = data.draw(lengths)
    a, b = sorted(data.draw(st.lists(_value_range(indicator), min_size=2, max_size=2)))
    low = assess(indicator, a, sex=sex, age=age, length_cm=length)
    high = assess(indicator, b, sex=sex, age=age, length_cm=length)
    if isinstance(low, GrowthResult) and isinstance(high, GrowthResult):
        assert low.z <= high.z
        assert low.percentile <= high.percentile
        assert low.flag_z <= high.flag_z


@given(data=st.data(), z=st.floats(-3, 3), sex=st.sampled_from(SEXES))
def test_z_round_trips_through_the_value_at_z(data: st.DataObject, z: float, sex: Sex) -> None:
    names: list[WhoTable] = ["wfa", "lhfa", "bmi", "hcfa", "wfl"]
    name = data.draw(st.sampled_from(names))
    table = who_table(name, sex)
    lms = table.at(data.draw(st.floats(table.first, table.last)))
    assert lms is not None
    value = value_at(z, lms)
    assert value is not None
    assert who_z(value, lms) == pytest.approx(z, abs=1e-9)
    cdc_names: list[CdcTable] = ["wtage", "statage", "bmiage", "hcageinf"]
    cdc_name = data.draw(st.sampled_from(cdc_names))
    cdc = cdc_table(cdc_name, sex)
    cdc_lms = cdc.at(data.draw(st.floats(cdc.first, cdc.last)))
    assert cdc_lms is not None
    cdc_value = value_at(z, cdc_lms)
    if cdc_value is None:  # past a skewed curve's ceiling, -1/(L*S): no value there
        assert 1 + cdc_lms.lam * cdc_lms.sigma * z <= 0
    else:
        assert cdc_z(cdc_value, cdc_lms) == pytest.approx(z, abs=1e-6)


@given(
    indicator=st.sampled_from(Indicator),
    value=st.floats(allow_nan=True, allow_infinity=True),
    days=st.integers(min_value=-400, max_value=40000),
    sex=st.sampled_from(Sex),
    length=st.none() | st.floats(allow_nan=True, allow_infinity=True),
    weeks=st.none() | st.integers(22, 44),
)
def test_any_input_gives_a_result_or_a_reason(
    indicator: Indicator,
    value: float,
    days: int,
    sex: Sex,
    length: float | None,
    weeks: int | None,
) -> None:
    gestation = None if weeks is None else GestationalAge(weeks, 0)
    age = age_from_days(max(days, 0), gestation)  # a negative age is refused: see below
    outcome = assess(indicator, value, sex=sex, age=age, length_cm=length)
    if isinstance(outcome, NotAssessed):
        assert outcome.reason
        return
    assert math.isfinite(outcome.z)
    assert 0 <= outcome.percentile <= 100
    assert outcome.readback.endswith(" %ile")
    assert isinstance(outcome.implausible, bool)
    assert (outcome.implausible_reason is None) == (not outcome.implausible)


@given(
    sex=st.sampled_from(Sex),
    days=st.integers(min_value=0, max_value=40000),
    weight=st.none() | st.floats(allow_nan=True, allow_infinity=True),
    length=st.none() | st.floats(allow_nan=True, allow_infinity=True),
    head=st.none() | st.floats(allow_nan=True, allow_infinity=True),
)
def test_any_measurements_give_results_or_reasons(
    sex: Sex, days: int, weight: float | None, length: float | None, head: float | None
) -> None:
    age = age_from_days(days)
    found = assess_measurements(sex=sex, age=age, weight_kg=weight, length_cm=length, head_cm=head)
    given_count = sum(v is not None for v in (weight, length, head))
    assert len(found) == given_count + (weight is not None and length is not None)
    for outcome in found:
        assert isinstance(outcome, GrowthResult) or outcome.reason
    assert all(isinstance(reason, str) for reason in growth_concerns(found))


def test_an_age_is_never_negative() -> None:
    with pytest.raises(ValueError, match="-1 days"):
        age_from_days(-1)
    with pytest.raises(ValueError, match="before birth"):
        growth_age(date(2025, 2, 1), date(2025, 1, 31))


@given(st.text(max_size=30))
def test_gestational_age_parser_answers_any_text(text: str) -> None:
    try:
        found = parse_gestational_age(text)
    except ParseError as error:
        assert str(error)
    else:
        assert 22 <= found.weeks <= 44
        assert 0 <= found.days <= 6


@given(weeks=st.integers(22, 44), days=st.integers(0, 6))
def test_gestational_age_reads_back_as_it_parses(weeks: int, days: int) -> None:
    age = GestationalAge(weeks, days)
    assert parse_gestational_age(str(age).removesuffix(" wk")) == age
    assert parse_gestational_age(f"{weeks}w{days}d") == age
    assert parse_gestational_age(f"{weeks} {days}/7") == age


@given(st.floats(0, 100))
def test_percentile_text_never_says_0_or_100(percentile: float) -> None:
    text = percentile_text(percentile)
    assert text.endswith(" %ile")
    assert not text.startswith(("0th", "0.0", "100"))


@given(data=st.data(), sex=st.sampled_from(SEXES))
def test_interpolation_stays_between_the_rows(data: st.DataObject, sex: Sex) -> None:
    names: list[CdcTable] = ["wtage", "statage", "bmiage"]
    table = cdc_table(data.draw(st.sampled_from(names)), sex)
    i = data.draw(st.integers(0, len(table.xs) - 2))
    x = data.draw(st.floats(table.xs[i], table.xs[i + 1]))
    lms = table.at(x)
    assert lms is not None
    for field in ("lam", "mu", "sigma"):
        ends = sorted(getattr(table.rows[j], field) for j in (i, i + 1))
        assert ends[0] - 1e-12 <= getattr(lms, field) <= ends[1] + 1e-12
    assert table.at(table.xs[i]) == table.rows[i]
    assert table.at(table.first - 0.01) is None
    assert table.at(table.last + 0.01) is None


# ---------------------------------------------------------------- the tables


def test_a_damaged_table_is_refused_with_the_row(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "wtage.csv").write_text(
        "Sex,Agemos,L,M,S\n1,24,-0.2,12.6,0.108\n1,24.5,-0.2,-1,0.108\n", encoding="utf-8"
    )
    monkeypatch.setattr(tables, "GROWTH_DIR", tmp_path)
    tables._cdc_table.cache_clear()
    try:
        with pytest.raises(GrowthTableError, match=r"CDC wtage.csv, male, row 2: L, M or S"):
            cdc_table("wtage", Sex.MALE)
        (tmp_path / "wtage.csv").write_text(
            "Sex,Agemos,L,M,S\n1,24.5,-0.2,12.6,0.108\n1,24,-0.2,12.6,0.108\n", encoding="utf-8"
        )
        tables._cdc_table.cache_clear()
        with pytest.raises(GrowthTableError, match=r"row 2: 24 does not follow 24\.5"):
            cdc_table("wtage", Sex.MALE)
    finally:
        tables._cdc_table.cache_clear()


def test_the_shipped_tables_cover_the_ages_they_are_used_at() -> None:
    for sex in SEXES:
        by_day: tuple[WhoTable, ...] = ("wfa", "lhfa", "bmi", "hcfa")
        for name in by_day:
            assert who_table(name, sex).first == 0
            assert who_table(name, sex).last >= 24 * DAYS_PER_MONTH
        assert (who_table("wfl", sex).first, who_table("wfl", sex).last) == (45, 110)
        for_ages: tuple[CdcTable, ...] = ("wtage", "statage", "bmiage")
        for cdc_name in for_ages:
            table = cdc_table(cdc_name, sex)
            assert (table.first, table.last >= 240) == (24, True)
        assert (cdc_table("hcageinf", sex).first, cdc_table("hcageinf", sex).last) == (0, 36)
