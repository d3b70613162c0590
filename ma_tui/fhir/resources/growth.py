"""Observation (US Core pediatric percentiles): where a child's measurements stand.

From a visit's final weight, length/height and head circumference, each percentile the
growth standards give (``ma_tui.vitals.percentiles``): head circumference-for-age
(8289-1), weight-for-length (77606-2) under 2 years, BMI-for-age (59576-9) from 2, and
weight- and length/height-for-age (8336-0, 8303-0). The value is the percentile in %;
``derivedFrom`` names the measurements; the note says the chart (``"WHO Females, 0-2
years Chart"``, as US Core's examples do) and a corrected age. Export only: they are
computed again from the measurements, never stored.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from ma_tui.data.catalogs.growth.codes import PERCENT_UNIT
from ma_tui.data.catalogs.vitals import BODY_HEIGHT, BODY_WEIGHT, HEAD_CIRCUMFERENCE
from ma_tui.data.models.observations import Observation
from ma_tui.data.models.patients import Patient
from ma_tui.fhir import codes
from ma_tui.fhir.resources.outgoing import ExportRun, instant, notes, observation_category
from ma_tui.growth import GrowthResult, Indicator
from ma_tui.vitals.percentiles import Child, Sizes, gestation_from_days, set_growth

JSON = dict[str, Any]

# The measurements each percentile is read from.
SOURCES: dict[Indicator, tuple[str, ...]] = {
    Indicator.WEIGHT_FOR_AGE: (BODY_WEIGHT,),
    Indicator.LENGTH_FOR_AGE: (BODY_HEIGHT,),
    Indicator.WEIGHT_FOR_LENGTH: (BODY_WEIGHT, BODY_HEIGHT),
    Indicator.BMI_FOR_AGE: (BODY_WEIGHT, BODY_HEIGHT),
    Indicator.HEAD_CIRCUMFERENCE_FOR_AGE: (HEAD_CIRCUMFERENCE,),
}


def percentiles_to_fhir(
    run: ExportRun, patient: Patient, found: Mapping[str, Observation], subject: JSON
) -> Iterator[JSON]:
    """The percentiles of a visit's final measurements (by LOINC code), for a child under 20."""
    if not found:
        return
    gestation = gestation_from_days(patient.gestational_age_days)
    child = Child(patient.sex, patient.birth_date, gestation)
    taken = min(row.taken_at for row in found.values())
    sizes = Sizes(
        weight_kg=_value(found.get(BODY_WEIGHT)),
        length_cm=_value(found.get(BODY_HEIGHT)),
        head_cm=_value(found.get(HEAD_CIRCUMFERENCE)),
    )
    for result in set_growth(child, taken.date(), sizes):
        sources = [found[code] for code in SOURCES[result.indicator] if code in found]
        yield _percentile(run, result, sources, subject)


def _percentile(
    run: ExportRun, result: GrowthResult, sources: Sequence[Observation], subject: JSON
) -> JSON:
    first = sources[0]
    return {
        "resourceType": "Observation",
        "id": run.id("Observation", f"{first.id}-{result.loinc}"),
        "status": "final",
        "category": [observation_category("vital-signs", "Vital Signs")],
        "code": codes.concept(
            codes.LOINC, result.loinc, result.loinc_display, text=f"{result.indicator} percentile"
        ),
        "subject": subject,
        "encounter": run.ref("Encounter", first.encounter_id),
        "effectiveDateTime": instant(max(row.taken_at for row in sources)),
        "valueQuantity": {
            "value": round(result.percentile, 1),
            "unit": PERCENT_UNIT,
            "system": codes.UCUM,
            "code": PERCENT_UNIT,
        },
        "derivedFrom": [run.ref("Observation", row.id) for row in sources],
        "note": notes(result.chart_note, result.age.note, f"z {result.z:+.2f}"),
    }


def _value(row: Observation | None) -> float | None:
    return None if row is None else row.value
