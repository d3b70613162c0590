"""MedicationStatement: what the patient takes, with dose, route and frequency, both ways.

The dosage's text is "dose route frequency" ("2 puffs inhaled every 4 hours"); the
dose is also a doseQuantity when that quantity reads back as the very same text.
Read in, the dose is the quantity when given, else the text without the route and
frequency it ends with. The visit it was recorded at is its context, when that
visit is in the same Bundle. One entered in error marks the entry it is.
"""

from __future__ import annotations

import re
from typing import Any

from ma_tui.data.models.history import Medication
from ma_tui.fhir import codes
from ma_tui.fhir.resources.entries import entry_note, import_entry, mark_error
from ma_tui.fhir.resources.incoming import ImportWork, Result, patient_of
from ma_tui.fhir.resources.outgoing import ExportRun, error_or, identifiers, instant, notes
from ma_tui.fhir.resources.values import (
    Rejected,
    clean,
    column_text,
    number_text,
    obj,
    objs,
    required,
    shortened,
    shown,
    string,
)

JSON = dict[str, Any]

# A dose that reads back unchanged from a doseQuantity: "500 mg", "0.5 mg", "2 puffs".
_DOSE = re.compile(r"(?P<number>[0-9]+(?:\.[0-9]+)?) (?P<unit>\S+)")


# ----------------------------------------------------------------- to FHIR


def to_fhir(run: ExportRun, medication: Medication, subject: JSON, visits: set[int]) -> JSON:
    """``visits``: the visits exported with it, which its context may refer to."""
    status = error_or(medication.entered_in_error, codes.MEDICATION_STATUS_OUT[medication.status])
    # A reference must resolve inside the Bundle: only a visit exported with it.
    context = None
    if medication.encounter_id in visits:
        context = run.ref("Encounter", medication.encounter_id)
    return {
        "resourceType": "MedicationStatement",
        "id": run.id("MedicationStatement", medication.id),
        "identifier": identifiers("medication", medication.id, medication.source_id),
        "status": status,
        "medicationCodeableConcept": {"text": medication.name},
        "subject": subject,
        "context": context,
        "dateAsserted": instant(medication.recorded_at),
        "note": notes(medication.note),
        "dosage": [_dosage(medication.dose, medication.route, medication.frequency)],
    }


def _dosage(dose: str | None, route: str | None, frequency: str | None) -> JSON | None:
    text = " ".join(part for part in (dose, route, frequency) if part)
    if not text:
        return None
    quantity = _dose_quantity(dose)
    return {
        "text": text,
        "route": {"text": route},
        "timing": {"code": {"text": frequency}},
        "doseAndRate": [{"doseQuantity": quantity}] if quantity else None,
    }


def _dose_quantity(dose: str | None) -> JSON | None:
    """A dose as a quantity only when the quantity reads back as the very same text."""
    match = _DOSE.fullmatch(dose or "")
    if match is None:
        return None
    number = float(match["number"])
    if f"{number:g} {match['unit']}" != dose:
        return None
    return {"value": number, "unit": match["unit"]}


# --------------------------------------------------------------- from FHIR


def from_fhir(work: ImportWork, resource: JSON) -> Result:
    patient = patient_of(work, resource.get("subject"), "subject")
    concept = resource.get("medicationCodeableConcept")
    if concept is None and resource.get("medicationReference") is not None:
        raise Rejected("medication given by reference; ma-tui reads medicationCodeableConcept")
    name = column_text(codes.concept_text(concept), Medication, "name", "medicationCodeableConcept")
    label = shortened(f"MedicationStatement {name or '?'} (MRN {patient.mrn})", 120)
    status_code = string(resource.get("status")) or ""
    if status_code == codes.ENTERED_IN_ERROR:
        return mark_error(work, Medication, patient, resource, "medication", name, label)
    if status_code not in codes.MEDICATION_STATUS_IN:
        raise Rejected(f"unknown medication status {shown(status_code)}")
    dose, route, frequency = _read_dosage((objs(resource.get("dosage")) or [{}])[0])
    values = {
        "name": required(name, "no medication name (medicationCodeableConcept.text)"),
        "dose": dose,
        "route": route,
        "frequency": frequency,
        "status": codes.MEDICATION_STATUS_IN[status_code],
        "note": entry_note(resource, Medication),
    }
    return import_entry(work, Medication, patient, resource, "medication", values, label)


def _read_dosage(dosage: JSON) -> tuple[str | None, str | None, str | None]:
    """Dose, route and frequency. The dose is the quantity when given, else the text
    without the route and frequency it ends with (as ma-tui writes it: "2 puffs inhaled
    every 4 hours"), else the whole text."""
    route = column_text(codes.concept_text(dosage.get("route")), Medication, "route", "route")
    timing = obj(dosage.get("timing")) or {}
    frequency = column_text(
        codes.concept_text(timing.get("code")), Medication, "frequency", "timing.code"
    )
    dose = _read_dose_quantity(dosage)
    text = clean(dosage.get("text"))
    if dose is None and text is not None:
        suffix = " ".join(part for part in (route, frequency) if part)
        if suffix and (text == suffix or text.endswith(" " + suffix)):
            dose = text[: -len(suffix)].strip() or None
        else:
            dose = text
    return column_text(dose, Medication, "dose", "dosage"), route, frequency


def _read_dose_quantity(dosage: JSON) -> str | None:
    for dose_and_rate in objs(dosage.get("doseAndRate")):
        quantity = obj(dose_and_rate.get("doseQuantity"))
        number = number_text(quantity.get("value")) if quantity else None
        if quantity is not None and number is not None:
            unit = clean(quantity.get("unit")) or clean(quantity.get("code"))
            return f"{number} {unit}" if unit else number
    return None
