"""Children's growth: percentiles and z-scores on the WHO 2006 standards (under 2 years)
and the CDC 2000 references (2 to 20 years), corrected age for preterm infants, the
plausibility cut that holds a value for a confirm, and the curves of a growth chart.

No Textual and no database: the vitals step calls :func:`assess_measurements` (or
:func:`assess` for one value) with the child's sex and :func:`growth_age`, shows
``result.readback`` beside the value, holds ``growth_concerns(results)`` for a confirm
like any implausible value; the FHIR export writes ``result.loinc`` with
``result.percentile`` in %; the growth chart draws :func:`growth_series`.
"""

from __future__ import annotations

from ma_tui.data.models.patients import Sex as Sex
from ma_tui.growth.ages import GestationalAge as GestationalAge
from ma_tui.growth.ages import GrowthAge as GrowthAge
from ma_tui.growth.ages import age_from_days as age_from_days
from ma_tui.growth.ages import corrected_on as corrected_on
from ma_tui.growth.ages import growth_age as growth_age
from ma_tui.growth.ages import parse_gestational_age as parse_gestational_age
from ma_tui.growth.assess import GrowthResult as GrowthResult
from ma_tui.growth.assess import Indicator as Indicator
from ma_tui.growth.assess import NotAssessed as NotAssessed
from ma_tui.growth.assess import Standard as Standard
from ma_tui.growth.assess import assess as assess
from ma_tui.growth.assess import assess_measurements as assess_measurements
from ma_tui.growth.assess import growth_concerns as growth_concerns
from ma_tui.growth.assess import percentile_text as percentile_text
from ma_tui.growth.series import ChartSegment as ChartSegment
from ma_tui.growth.series import Curve as Curve
from ma_tui.growth.series import growth_series as growth_series
