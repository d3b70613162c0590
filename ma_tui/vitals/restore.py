"""Putting a vitals form back: as the draft saved it, from a draft's values, and an
adult's height carried forward from the last visit.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict
from typing import Any

from ma_tui.data.catalogs.vitals import BODY_TEMPERATURE, DIASTOLIC_BP, SPO2, SYSTOLIC_BP
from ma_tui.data.models.observations import Observation
from ma_tui.vitals.delta import ADULT_AGE_DAYS
from ma_tui.vitals.draft import VitalEntry
from ma_tui.vitals.entry import FIELDS, UNABLE_TO_RATE, VitalsForm
from ma_tui.vitals.measurements import ClinicUnits


def form_as_saved(form: VitalsForm) -> dict[str, Any]:
    """The form as the draft keeps it (``VitalsDraft.form``)."""
    return asdict(form)


def form_from_saved(saved: Mapping[str, Any]) -> VitalsForm:
    """A form saved by ``form_as_saved``; anything unexpected in it is left out."""
    form = VitalsForm()
    for name, default in asdict(form).items():
        value = saved.get(name)
        if isinstance(default, dict) and isinstance(value, dict):
            setattr(form, name, {str(k): str(v) for k, v in value.items()})
        elif isinstance(default, str) and isinstance(value, str):
            setattr(form, name, value)
    return form


def form_from_draft(entries: list[VitalEntry], units: ClinicUnits) -> VitalsForm:
    """Put a draft's values back into the form, with a suffix where not in clinic units."""
    form = VitalsForm()
    bp_keys = iter(("bp", "bp2"))
    for entry in entries:
        if entry.code == SYSTOLIC_BP:
            key = next(bp_keys, None)
            if key is None:
                continue
            diastolic = next(
                (
                    e
                    for e in entries
                    if e.code == DIASTOLIC_BP and e.reading_group == entry.reading_group
                ),
                None,
            )
            if entry.not_obtained_reason:
                form.not_obtained[key] = entry.not_obtained_reason
            elif diastolic is not None:
                form.values[key] = f"{entry.value_entered}/{diastolic.value_entered}"
                form.position = entry.position or ""
                form.arm = entry.site or ""
                form.cuff = (entry.method or "").removesuffix(" cuff")
            continue
        spec = next((s for s in FIELDS if s.code == entry.code and s.key != "bp2"), None)
        if spec is None:
            continue
        if entry.not_obtained_reason == UNABLE_TO_RATE:
            form.values[spec.key] = "u"
        elif entry.not_obtained_reason:
            form.not_obtained[spec.key] = entry.not_obtained_reason
        else:
            form.values[spec.key] = _as_typed(entry, units)
        if entry.code == BODY_TEMPERATURE and entry.site:
            form.temp_route = entry.site
        if entry.code == SPO2 and entry.o2_flow_l_min is not None:
            form.o2_flow = f"{entry.o2_flow_l_min:g}"
    return form


def carried_height(last: Observation | None, units: ClinicUnits, age_days: int) -> str | None:
    """An adult's last height, as the clinic would type it, to carry forward."""
    if last is None or age_days < ADULT_AGE_DAYS or last.value_entered is None:
        return None
    if last.unit_entered == units.height:
        return last.value_entered
    return f"{last.value_entered}{_suffix(last.unit_entered)}"


SUFFIXES = {
    "cm": "cm",
    "[in_i]": "in",
    "kg": "kg",
    "g": "g",
    "[lb_av]": "lb",
    "Cel": "c",
    "[degF]": "f",
}


def _suffix(ucum: str | None) -> str:
    return SUFFIXES.get(ucum or "", "")


def _as_typed(entry: VitalEntry, units: ClinicUnits) -> str:
    """The value as the MA would type it again: a suffix unless in the clinic's unit."""
    value = entry.value_entered or ""
    if entry.unit_entered in (units.weight, units.height, units.temperature):
        return value
    return value + _suffix(entry.unit_entered)
