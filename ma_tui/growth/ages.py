"""A child's age for the growth standards, corrected for prematurity where it applies.

Corrected (gestation-adjusted) age, CDC growth chart training, module 2 (after Kessler
and Dawson, 1999): subtract the weeks born early (40 weeks minus the gestational age at
birth) from the age since birth. It is used for infants born preterm (before 37 weeks,
as WHO and ACOG define preterm) until they are 24 months old by the calendar (Maternal
and Child Health Bureau, "Using the CDC growth charts for children with special health
care needs": "the corrected age should be used until he/she reaches 2 years"); from
then on the age since birth counts.

Months are 30.4375 days (365.25 / 12), as the WHO's and the CDC's programs count them:
"24 months" is 730.5 days, so the CDC references start on day 731.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from ma_tui.core.parsing import ParseError
from ma_tui.data.catalogs.growth import DAYS_PER_MONTH

TERM_DAYS = 40 * 7  # a term pregnancy, from which prematurity is counted
PRETERM_BEFORE_DAYS = 37 * 7  # born before 37 weeks: preterm
CORRECT_UNTIL_MONTHS = 24  # chronological months
GESTATION_MIN_WEEKS = 22  # earliest births the term is used for
GESTATION_MAX_WEEKS = 44
GESTATION_FORMS = "weeks, or weeks+days: 32, 32+4, 32w4d or 32 4/7"
_MAX_INPUT = 20
_WEEK = r"(?:w|wk|wks|weeks?)"
_DAY = r"(?:d|days?)"
# Weeks, then days after "+", after a week unit, as "4/7" or as "4d": never run together.
_GESTATION = re.compile(
    rf"""(?P<weeks>[0-9]{{1,2}})
    (?: \s*{_WEEK}\s*(?:\+\s*)?(?P<d1>[0-9])\s*{_DAY}?
      | \s*\+\s*(?P<d2>[0-9])\s*{_DAY}?
      | \s+(?P<d3>[0-9])\s*/\s*7
      | \s+(?P<d4>[0-9])\s*{_DAY}
      | \s*{_WEEK}
    )?""",
    re.IGNORECASE | re.VERBOSE,
)


@dataclass(frozen=True, slots=True)
class GestationalAge:
    """Gestational age at birth, as completed weeks and days."""

    weeks: int
    days: int = 0

    @property
    def total_days(self) -> int:
        return self.weeks * 7 + self.days

    @property
    def preterm(self) -> bool:
        return self.total_days < PRETERM_BEFORE_DAYS

    def __str__(self) -> str:
        return f"{self.weeks}+{self.days} wk" if self.days else f"{self.weeks} wk"


def parse_gestational_age(text: str) -> GestationalAge:
    """Gestational age at birth as clinicians write it: ``32+4``, ``32w4d``, ``32 4/7``.

    Whole weeks alone (``32``, ``32 wk``) mean 32+0. A decimal (``32.5``) is refused:
    it could mean 32+5 or 32+3½. Raises ``ParseError`` with the line to show.
    """
    stripped = text.strip()
    if not stripped:
        raise ParseError(f"enter the gestational age at birth in {GESTATION_FORMS}")
    if "." in stripped or "," in stripped:
        raise ParseError("write the days after +: 32+4, not 32.5 (a decimal is ambiguous)")
    if len(stripped) > _MAX_INPUT or not (match := _GESTATION.fullmatch(stripped)):
        raise ParseError(f"not a gestational age; use {GESTATION_FORMS}")
    weeks = int(match["weeks"])
    days = int(next((match[g] for g in ("d1", "d2", "d3", "d4") if match[g]), "0"))
    if days > 6:
        raise ParseError("days go from 0 to 6: 32+6 is followed by 33+0")
    if not GESTATION_MIN_WEEKS <= weeks <= GESTATION_MAX_WEEKS:
        raise ParseError(
            f"gestational age at birth is {GESTATION_MIN_WEEKS} to {GESTATION_MAX_WEEKS} weeks"
        )
    return GestationalAge(weeks, days)


@dataclass(frozen=True, slots=True)
class GrowthAge:
    """How old a child is for the growth standards.

    ``days`` is the age the standards are read at: the corrected age while the
    correction applies, else the age since birth. ``corrected_days`` is None when no
    correction applies; it is negative before the term-equivalent age.
    """

    chronological_days: int
    corrected_days: int | None = None
    gestation: GestationalAge | None = None

    @property
    def days(self) -> int:
        return self.chronological_days if self.corrected_days is None else self.corrected_days

    @property
    def months(self) -> float:
        return self.days / DAYS_PER_MONTH

    @property
    def corrected(self) -> bool:
        return self.corrected_days is not None

    @property
    def note(self) -> str | None:
        """``"corrected age 3 mo, born at 30+2 wk"`` when corrected, else None."""
        if self.corrected_days is None:
            return None
        return f"corrected age {short_age(self.corrected_days)}, born at {self.gestation}"


def growth_age(birth: date, on: date, gestation: GestationalAge | None = None) -> GrowthAge:
    """The child's age on ``on``, corrected for prematurity where the rule says so.

    ``on`` before ``birth`` is a bug in the caller, as for ``ma_tui.core.ages``.
    """
    if on < birth:
        raise ValueError(f"measured on {on.isoformat()}, before birth on {birth.isoformat()}")
    return age_from_days((on - birth).days, gestation)


def age_from_days(days: int, gestation: GestationalAge | None = None) -> GrowthAge:
    """As :func:`growth_age`, from the age in days since birth (not negative)."""
    if days < 0:
        raise ValueError(f"an age of {days} days since birth")
    if gestation is None or not gestation.preterm or not _correct_at(days):
        return GrowthAge(days, None, gestation)
    return GrowthAge(days, days - (TERM_DAYS - gestation.total_days), gestation)


def corrected_on(birth: date, on: date) -> bool:
    """True while a preterm child's age is corrected on ``on``: under 24 months since birth."""
    return on >= birth and _correct_at((on - birth).days)


def _correct_at(chronological_days: int) -> bool:
    return chronological_days / DAYS_PER_MONTH < CORRECT_UNTIL_MONTHS


def short_age(days: int) -> str:
    """``"5 d"``, ``"3 wk"``, ``"7 mo"`` or ``"4 y"``, from an age in days (may be < 0)."""
    if days < 0:
        early = -days
        return f"{early // 7} wk before term" if early >= 14 else f"{early} d before term"
    if days < 14:
        return f"{days} d"
    if days < 2 * DAYS_PER_MONTH:
        return f"{days // 7} wk"
    months = int(days / DAYS_PER_MONTH)
    return f"{months} mo" if months < 24 else f"{months // 12} y"
