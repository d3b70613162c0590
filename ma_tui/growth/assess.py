"""Percentiles and z-scores of a child's measurements, and whether they are plausible.

The US convention (Grummer-Strawn et al., "Use of World Health Organization and CDC
growth charts for children aged 0-59 months in the United States", MMWR Recomm Rep
2010;59(RR-9)): the WHO 2006 standards from birth to under 24 months, the CDC 2000
references from 24 months to 20 years. So weight-for-length is
read under 2 years and BMI-for-age from 2 years; head circumference is read to 36
months (WHO to 24, then CDC). Lengths under 2 years are taken as measured lying down
and heights from 2 years standing, as the CDC's program does.

Plausibility: a value past the standard's cut for a biologically implausible value is
far more often a slip (a weight typed in lb at a kg clinic, a digit lost) than a real
child, so it is held for a confirm:

* WHO (under 2 years): |z| > 5, the cut the WHO applies to weight-for-length, BMI and
  head circumference. (WHO Anthro flags weight-for-age only below -6 and length at ±6;
  the tighter ±5 is kept for every WHO indicator because it only asks for a confirm.)
* CDC (2 to 20 years): the CDC's modified z outside its cut points (SAS program for
  the CDC growth charts, revised 2016): weight -5/+8, height -5/+4, BMI -4/+8, head
  circumference -5/+5. The high cuts are wide because very heavy children are real.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from ma_tui.data.catalogs.growth import CdcTable, Lms, WhoTable, cdc_table, who_table
from ma_tui.data.catalogs.growth import codes as loinc
from ma_tui.data.models.patients import Sex
from ma_tui.growth.ages import GrowthAge, short_age
from ma_tui.growth.lms import (
    Z_95,
    cdc_bmi_z,
    cdc_modified_z,
    cdc_z,
    percentile_of,
    value_at,
    who_z,
)

WHO_UNTIL_MONTHS = 24.0  # the WHO standards below, the CDC references from here
CDC_UNTIL_MONTHS = 240.0  # the CDC's program assesses ages under 240 months
HEAD_UNTIL_MONTHS = 36.0  # CDC hcageinf ends at 36 months; US Core: birth to 36 months
WHO_CUT = 5.0


class Indicator(StrEnum):
    WEIGHT_FOR_AGE = "weight-for-age"
    LENGTH_FOR_AGE = "length/height-for-age"  # length under 2 years, height from 2
    WEIGHT_FOR_LENGTH = "weight-for-length"
    HEAD_CIRCUMFERENCE_FOR_AGE = "head circumference-for-age"
    BMI_FOR_AGE = "BMI-for-age"


class Standard(StrEnum):
    WHO = "WHO"  # WHO Child Growth Standards, 2006
    CDC = "CDC"  # CDC 2000 growth charts (with the 2022 extended BMI-for-age)


@dataclass(frozen=True, slots=True)
class _Spec:
    what: str  # "weight": begins the implausibility message
    unit: str
    lowest: float  # outside these the number is not a measurement of a child at all
    highest: float
    who: WhoTable | None
    cdc: CdcTable | None
    cdc_until_months: float
    cdc_cut: tuple[float, float] | None  # modified z: below the first or above the second
    loinc: str


SPECS: dict[Indicator, _Spec] = {
    Indicator.WEIGHT_FOR_AGE: _Spec(
        "weight", "kg", 0.2, 500.0, "wfa", "wtage", CDC_UNTIL_MONTHS, (-5, 8),
        loinc.WEIGHT_PERCENTILE,
    ),
    Indicator.LENGTH_FOR_AGE: _Spec(
        "length", "cm", 15.0, 300.0, "lhfa", "statage", CDC_UNTIL_MONTHS, (-5, 4),
        loinc.HEIGHT_PERCENTILE,
    ),
    Indicator.WEIGHT_FOR_LENGTH: _Spec(
        "weight", "kg", 0.2, 500.0, "wfl", None, WHO_UNTIL_MONTHS, None,
        loinc.WEIGHT_FOR_LENGTH_PERCENTILE,
    ),
    Indicator.HEAD_CIRCUMFERENCE_FOR_AGE: _Spec(
        "head circumference", "cm", 10.0, 100.0, "hcfa", "hcageinf", HEAD_UNTIL_MONTHS, (-5, 5),
        loinc.HEAD_CIRCUMFERENCE_PERCENTILE,
    ),
    Indicator.BMI_FOR_AGE: _Spec(
        "BMI", "kg/m²", 2.0, 500.0, "bmi", "bmiage", CDC_UNTIL_MONTHS, (-4, 8),
        loinc.BMI_PERCENTILE,
    ),
}  # fmt: skip


@dataclass(frozen=True, slots=True)
class NotAssessed:
    """No percentile for this measurement, and why (one line for the MA)."""

    indicator: Indicator
    reason: str


@dataclass(frozen=True, slots=True)
class GrowthResult:
    """Where one measurement stands on its growth standard."""

    indicator: Indicator
    standard: Standard
    sex: Sex
    age: GrowthAge
    value: float  # kg, cm or kg/m²
    z: float  # WHO: restricted LMS; CDC BMI above P95: the extended z
    percentile: float  # 0-100, from z
    flag_z: float  # the z the plausibility cut is read on (CDC: the modified z)
    length_cm: float | None = None  # weight-for-length: the length it is read at
    extended: bool = False  # CDC BMI above the 95th percentile: the 2022 method
    percent_of_p95: float | None = None  # CDC BMI: BMI as % of the 95th percentile

    @property
    def implausible(self) -> bool:
        """Past the standard's cut for a biologically implausible value: needs a confirm."""
        low, high = _cut(self.indicator, self.standard)
        return not low <= self.flag_z <= high

    @property
    def implausible_reason(self) -> str | None:
        """``"4.2 kg is implausible for a boy aged 11 mo: weight-for-age z -6.3, beyond the
        WHO's ±5"``: the line the confirm shows."""
        if not self.implausible:
            return None
        spec = SPECS[self.indicator]
        low, high = _cut(self.indicator, self.standard)
        scale = "z" if self.standard == Standard.WHO else "modified z"
        cut = f"±{high:g}" if low == -high else f"{low:g}/{high:+g}"
        return (
            f"{self.value:.1f} {spec.unit} is implausible for {_child(self.sex, self.age)}: "
            f"{self._indicator_name} {scale} {self.flag_z:+.1f}, beyond the {self.standard}'s {cut}"
        )

    @property
    def readback(self) -> str:
        """``"38th %ile"``; ``"<0.1 %ile"`` and ``">99.9 %ile"`` at the ends."""
        return percentile_text(self.percentile)

    @property
    def source(self) -> str:
        """``"WHO weight-for-age"``, ``"CDC BMI-for-age, extended"``, with a corrected age."""
        parts = [f"{self.standard} {self._indicator_name}"]
        if self.extended:
            parts.append("extended")
        if self.age.note:
            parts.append(self.age.note)
        return ", ".join(parts)

    @property
    def summary(self) -> str:
        """``"38th %ile (WHO weight-for-age)"``: beside the value as typed."""
        return f"{self.readback} ({self.source})"

    @property
    def loinc(self) -> str:
        return SPECS[self.indicator].loinc

    @property
    def loinc_display(self) -> str:
        return loinc.DISPLAY[self.loinc]

    @property
    def chart_note(self) -> str:
        """``"WHO Males, 0-2 years Chart"``: the note US Core's examples carry."""
        sexes = "Males" if self.sex == Sex.MALE else "Females"
        if self.standard == Standard.WHO:
            span = "0-2 years"
        elif self.indicator == Indicator.HEAD_CIRCUMFERENCE_FOR_AGE:
            span = "0-36 months"
        else:
            span = "2-20 years"
        return f"{self.standard} {sexes}, {span} Chart"

    @property
    def chart_x(self) -> float:
        """Where the point goes on the chart: age in months (corrected), or length in cm."""
        if self.indicator == Indicator.WEIGHT_FOR_LENGTH and self.length_cm is not None:
            return self.length_cm
        return self.age.months

    @property
    def _indicator_name(self) -> str:
        if self.indicator == Indicator.LENGTH_FOR_AGE:
            return "length-for-age" if self.standard == Standard.WHO else "height-for-age"
        return str(self.indicator)


def assess(
    indicator: Indicator,
    value: float,
    *,
    sex: Sex,
    age: GrowthAge,
    length_cm: float | None = None,
) -> GrowthResult | NotAssessed:
    """Where ``value`` stands for this child, or why it cannot be said.

    ``value`` is in kg (weight), cm (length, head circumference) or kg/m² (BMI). For
    weight-for-length, ``value`` is the weight and ``length_cm`` the length. Never
    raises for any number: a value or age outside the standards gives ``NotAssessed``.
    """
    spec = SPECS[indicator]
    refusal = _refusal(indicator, spec, value, sex, age, length_cm)
    if refusal is not None:
        return NotAssessed(indicator, refusal)
    if age.months < WHO_UNTIL_MONTHS:
        return _who(indicator, spec, value, sex, age, length_cm)
    return _cdc(indicator, spec, value, sex, age)


def assess_measurements(
    *,
    sex: Sex,
    age: GrowthAge,
    weight_kg: float | None = None,
    length_cm: float | None = None,
    head_cm: float | None = None,
) -> tuple[GrowthResult | NotAssessed, ...]:
    """The indicators a US clinic reads for these measurements at this age.

    Weight-for-age, length/height-for-age, then weight-for-length under 2 years or
    BMI-for-age from 2 years (both need weight and length), then head circumference.
    """
    found: list[GrowthResult | NotAssessed] = []
    if weight_kg is not None:
        found.append(assess(Indicator.WEIGHT_FOR_AGE, weight_kg, sex=sex, age=age))
    if length_cm is not None:
        found.append(assess(Indicator.LENGTH_FOR_AGE, length_cm, sex=sex, age=age))
    if weight_kg is not None and length_cm is not None:
        if age.months < WHO_UNTIL_MONTHS:
            found.append(
                assess(
                    Indicator.WEIGHT_FOR_LENGTH, weight_kg, sex=sex, age=age, length_cm=length_cm
                )
            )
        else:
            found.append(_bmi_for_age(weight_kg, length_cm, sex, age))
    if head_cm is not None:
        found.append(assess(Indicator.HEAD_CIRCUMFERENCE_FOR_AGE, head_cm, sex=sex, age=age))
    return tuple(found)


def _bmi_for_age(
    weight_kg: float, height_cm: float, sex: Sex, age: GrowthAge
) -> GrowthResult | NotAssessed:
    height = SPECS[Indicator.LENGTH_FOR_AGE]
    if not height.lowest <= height_cm <= height.highest:  # also refuses NaN
        return NotAssessed(Indicator.BMI_FOR_AGE, f"no BMI from a height of {height_cm:g} cm")
    bmi = weight_kg / (height_cm / 100) ** 2
    return assess(Indicator.BMI_FOR_AGE, bmi, sex=sex, age=age)


def growth_concerns(results: Iterable[GrowthResult | NotAssessed]) -> list[str]:
    """The implausibility reasons among ``results``: each one holds its value for a confirm."""
    return [
        reason
        for result in results
        if isinstance(result, GrowthResult) and (reason := result.implausible_reason)
    ]


def percentile_text(percentile: float) -> str:
    """``"38th %ile"``: whole percentiles from 1 to 99, tenths beyond, and the ends capped.

    Tenths are cut, not rounded, so 99.96 is never shown as 100 nor 0.96 as 1.0.
    """
    if percentile < 0.1:
        return "<0.1 %ile"
    if percentile > 99.9:
        return ">99.9 %ile"
    if 1 <= percentile <= 99:
        whole = round(percentile)
        return f"{whole}{_ordinal_suffix(whole)} %ile"
    tenths = math.floor(percentile * 10)
    return f"{tenths / 10:.1f}{_ordinal_suffix(tenths)} %ile"


def _ordinal_suffix(number: int) -> str:
    if 10 <= number % 100 <= 20:
        return "th"
    return {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")


def _refusal(
    indicator: Indicator,
    spec: _Spec,
    value: float,
    sex: Sex,
    age: GrowthAge,
    length_cm: float | None,
) -> str | None:
    """Why this cannot be assessed, or None."""
    if sex not in (Sex.MALE, Sex.FEMALE):
        return f"the growth standards are by sex, and the record's sex is {sex.value}"
    if not (math.isfinite(value) and spec.lowest <= value <= spec.highest):
        return f"{spec.what} {value:g} {spec.unit} cannot be placed on a growth chart"
    if age.days < 0:
        return (
            f"{short_age(age.days)} (born at {age.gestation}): the WHO standards begin at "
            "term; use a preterm chart (Fenton or INTERGROWTH-21st)"
        )
    if age.months >= CDC_UNTIL_MONTHS:
        return "growth references end at 20 years; adult BMI categories apply"
    if age.months >= spec.cdc_until_months:
        if indicator == Indicator.WEIGHT_FOR_LENGTH:
            return "from 2 years, BMI-for-age is read instead of weight-for-length"
        return f"{indicator} is read up to {spec.cdc_until_months:g} months"
    if indicator == Indicator.WEIGHT_FOR_LENGTH:
        table = who_table("wfl", sex)
        if length_cm is None or not (table.first <= length_cm <= table.last):
            shown = "no length" if length_cm is None else f"length {length_cm:g} cm"
            return f"weight-for-length is read from {table.first:g} to {table.last:g} cm; {shown}"
    return None


def _who(
    indicator: Indicator,
    spec: _Spec,
    value: float,
    sex: Sex,
    age: GrowthAge,
    length_cm: float | None,
) -> GrowthResult:
    assert spec.who is not None  # every indicator has a WHO table
    x = length_cm if indicator == Indicator.WEIGHT_FOR_LENGTH else float(age.days)
    assert x is not None  # a missing length was refused
    lms = _at(who_table(spec.who, sex).at(x), x)
    z = who_z(value, lms)
    return GrowthResult(
        indicator, Standard.WHO, sex, age, value, z, percentile_of(z), flag_z=z, length_cm=length_cm
    )


def _cdc(indicator: Indicator, spec: _Spec, value: float, sex: Sex, age: GrowthAge) -> GrowthResult:
    assert spec.cdc is not None  # weight-for-length past 2 years was refused
    months = age.months
    lms = _at(cdc_table(spec.cdc, sex).at(months), months)
    flag = cdc_modified_z(value, lms)
    if indicator != Indicator.BMI_FOR_AGE:
        z = cdc_z(value, lms)
        return GrowthResult(indicator, Standard.CDC, sex, age, value, z, percentile_of(z), flag)
    z, percentile = cdc_bmi_z(value, lms, sex, months)
    p95 = value_at(Z_95, lms)
    return GrowthResult(
        indicator,
        Standard.CDC,
        sex,
        age,
        value,
        z,
        percentile,
        flag,
        extended=p95 is not None and value > p95,
        percent_of_p95=None if p95 is None else 100 * value / p95,
    )


def _at(lms: Lms | None, x: float) -> Lms:
    if lms is None:  # ages and lengths outside the tables were refused above
        raise AssertionError(f"no LMS row at {x}")
    return lms


def _cut(indicator: Indicator, standard: Standard) -> tuple[float, float]:
    if standard == Standard.WHO:
        return (-WHO_CUT, WHO_CUT)
    cut = SPECS[indicator].cdc_cut
    assert cut is not None  # only weight-for-length has no CDC table, and no CDC result
    return cut


def _child(sex: Sex, age: GrowthAge) -> str:
    noun = "boy" if sex == Sex.MALE else "girl"
    corrected = " corrected" if age.corrected else ""
    return f"a {noun} aged {short_age(age.days)}{corrected}"
