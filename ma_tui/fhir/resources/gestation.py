"""Observation: a patient's gestational age at birth (LOINC 76516-4), both ways.

LOINC 76516-4 is "Gestational age--at birth" (as QI-Core's example codes it; 11884-4
"Gestational age Estimated" and 18185-9 "Gestational age" may be any time in a
pregnancy, so they are not read as the child's). It is what corrects a preterm
infant's age for the growth percentiles (``ma_tui.growth.ages``).

Out: one Observation per patient whose gestational age is known, in weeks (UCUM
``wk``, to two decimals: 31+3 is 31.43 wk, as birth records write it) with the
weeks+days in a note, effective on the date of birth.
In: an Observation coded 76516-4 sets its patient's gestational age: a quantity in
``wk`` or ``d``, or a string as clinicians write it (``39+6``, ``32w4d``); 22 to 44
weeks, or the resource is rejected. Other Observations are not imported.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

from ma_tui.core.parsing import ParseError
from ma_tui.data.models.patients import Patient
from ma_tui.fhir import codes
from ma_tui.fhir.resources.incoming import ImportWork, Result, patient_of, upsert
from ma_tui.fhir.resources.outgoing import ExportRun, notes, observation_category
from ma_tui.fhir.resources.values import Rejected, clean, has_code, obj, shown, string
from ma_tui.growth import GestationalAge, parse_gestational_age
from ma_tui.growth.ages import GESTATION_MAX_WEEKS, GESTATION_MIN_WEEKS
from ma_tui.vitals.percentiles import gestation_from_days

JSON = dict[str, Any]

GESTATION_AT_BIRTH = "76516-4"
_DISPLAY = "Gestational age--at birth"
_DAYS_PER_UNIT = {"wk": 7, "d": 1}  # UCUM codes of a quantity read
_KEPT_STATUSES = ("final", "amended", "corrected")


def to_fhir(run: ExportRun, patient: Patient, subject: JSON) -> Iterator[JSON]:
    """The patient's gestational age at birth, when known."""
    gestation = gestation_from_days(patient.gestational_age_days)
    if gestation is None:
        return
    yield {
        "resourceType": "Observation",
        "id": run.id("Observation", f"gestation-{patient.id}"),
        "status": "final",
        "category": [observation_category("exam", "Exam")],
        "code": codes.concept(
            codes.LOINC, GESTATION_AT_BIRTH, _DISPLAY, text="Gestational age at birth"
        ),
        "subject": subject,
        "effectiveDateTime": patient.birth_date.isoformat(),
        "valueQuantity": weeks_quantity(gestation),
        "note": notes(f"{gestation} (weeks+days)"),
    }


def weeks_quantity(gestation: GestationalAge) -> JSON:
    return {
        "value": round(gestation.total_days / 7, 2),
        "unit": "wk",
        "system": codes.UCUM,
        "code": "wk",
    }


def is_gestation(resource: JSON) -> bool:
    """Whether an Observation is a gestational age at birth, the only one imported."""
    return has_code(resource.get("code"), GESTATION_AT_BIRTH, codes.LOINC)


def from_fhir(work: ImportWork, resource: JSON) -> Result:
    found = patient_of(work, resource.get("subject"), "subject")
    label = f"Gestational age at birth (MRN {found.mrn})"
    status = resource.get("status")
    if status not in _KEPT_STATUSES:
        return Result("skipped", f"status {shown(status)}: not a result to keep", label)
    gestation = read_gestation(resource)
    patient = work.session.get(Patient, found.id)
    assert patient is not None  # patient_of found it
    before = gestation_from_days(patient.gestational_age_days)
    action, _ = upsert(work, Patient, patient, {"gestational_age_days": gestation.total_days})
    remark = f"{gestation}, was {before}" if action == "updated" and before else ""
    return Result(action, remark, label)


def read_gestation(resource: JSON) -> GestationalAge:
    """The Observation's value as weeks+days; ``Rejected`` when it is not one."""
    quantity = obj(resource.get("valueQuantity"))
    try:
        if quantity is not None:
            return _from_quantity(quantity)
        text = clean(resource.get("valueString"))
        if text is not None:
            return parse_gestational_age(text)
    except ParseError as exc:
        raise Rejected(str(exc)) from exc
    raise Rejected("no value: a valueQuantity in wk or d, or a valueString such as 39+6")


def _from_quantity(quantity: JSON) -> GestationalAge:
    if quantity.get("comparator"):
        raise Rejected(f"valueQuantity has comparator {shown(quantity['comparator'])}: not exact")
    value = quantity.get("value")
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise Rejected("valueQuantity has no value")
    unit = string(quantity.get("code")) or string(quantity.get("unit"))
    per = _DAYS_PER_UNIT.get(unit or "")
    if per is None:
        raise Rejected(f"valueQuantity in {shown(unit)}: ma-tui reads UCUM wk or d")
    weeks = value * per / 7
    if not (math.isfinite(weeks) and GESTATION_MIN_WEEKS <= weeks < GESTATION_MAX_WEEKS + 1):
        raise Rejected(
            f"gestational age at birth is {GESTATION_MIN_WEEKS} to {GESTATION_MAX_WEEKS} weeks"
        )
    days = round(value * per)
    return parse_gestational_age(f"{days // 7}+{days % 7}")  # 44+6.6 wk rounds to 45: refused
