"""Point-of-care results as FHIR R4 ``Observation``\\ s (category ``laboratory``).

One Observation per reading, coded in LOINC, with its UCUM quantity or coded answer
(SNOMED CT and the LOINC answer code), its v3 interpretation flag and reference
range. A panel (the urine dipstick) adds an Observation for the panel code whose
``hasMember`` lists the readings, as LOINC defines 24357-6.

The kit goes in a ``Device`` with ``lotNumber`` and ``expirationDate``
(:func:`kit_device`) that each Observation's ``device`` references, not in a note:
a lot recall is then a query on one coded field across every result run on that
lot, where a note would be free text to search. The note carries only what FHIR
has no element for: the day's quality-control state.

A LOINC code the catalog marks unconfirmed is not written: that Observation's code
is its name as text alone. References are whatever the caller passes (the exporter
uses ``urn:uuid:`` full URLs); ids come from ``new_id`` so tests can fix them.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from ma_tui.data.catalogs.poc_tests import Analyte, Limits, LoincCode, PocTest
from ma_tui.labs.kits import KitLot, QcState
from ma_tui.labs.line import Reading
from ma_tui.labs.record import PocResult
from ma_tui.labs.results import FLAG_DISPLAY, Interpretation, band_text

JSON = dict[str, Any]

LOINC = "http://loinc.org"
SNOMED = "http://snomed.info/sct"
UCUM = "http://unitsofmeasure.org"
V3_INTERPRETATION = "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation"
OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
LABORATORY = {
    "coding": [{"system": OBSERVATION_CATEGORY, "code": "laboratory", "display": "Laboratory"}]
}

QC_NOTE = {
    QcState.PASSED: "Quality control passed today",
    QcState.FAILED: "Quality control FAILED today; resulted anyway",
    QcState.NOT_DONE: "No quality control recorded today; resulted anyway",
}


def new_uuid() -> str:
    return str(uuid.uuid4())


def reference(resource_id: str) -> JSON:
    """A reference as the exporter writes them: the ``urn:uuid`` full URL."""
    return {"reference": f"urn:uuid:{resource_id}"}


def kit_device(kit: KitLot, test: PocTest, device_id: str) -> JSON:
    """The kit lot as a ``Device``: product name, manufacturer, lot, expiry."""
    device: JSON = {
        "resourceType": "Device",
        "id": device_id,
        "status": "active",
        "deviceName": [{"name": kit.name, "type": "user-friendly-name"}],
        "type": {"text": f"{test.name} test kit"},
        "lotNumber": kit.lot,
        "expirationDate": kit.expires.isoformat(),
    }
    if kit.manufacturer:
        device["manufacturer"] = kit.manufacturer
    return device


def code(loinc: LoincCode | None, name: str) -> JSON:
    """The Observation code: the LOINC coding when confirmed, the name as text always."""
    concept: JSON = {"text": name}
    if loinc is not None and loinc.exportable:
        concept["coding"] = [{"system": LOINC, "code": loinc.code, "display": loinc.display}]
    return concept


def observations(
    result: PocResult,
    *,
    subject: JSON,
    device: JSON | None = None,
    encounter: JSON | None = None,
    performer: JSON | None = None,
    new_id: Callable[[], str] = new_uuid,
    in_error: str | None = None,
) -> list[JSON]:
    """The result's Observations: the panel (if any) first, then one per reading.

    ``in_error``: the reason the result was marked entered-in-error; each Observation
    then has that status and the reason as a note, its content as it was sent.
    """
    notes = [{"text": QC_NOTE[result.qc]}]
    if in_error is not None:
        notes.insert(0, {"text": f"Entered in error: {in_error}"})
    common: JSON = {
        "status": "final" if in_error is None else "entered-in-error",
        "category": [LABORATORY],
        "subject": subject,
        "effectiveDateTime": result.performed_at.isoformat(),
        "note": notes,
    }
    if encounter is not None:
        common["encounter"] = encounter
    if performer is not None:
        common["performer"] = [performer]
    if device is not None:
        common["device"] = device
    members = [
        _reading(reading, interpretation, common, new_id())
        for reading, interpretation in zip(result.readings, result.interpretations(), strict=True)
    ]
    if result.test.single or result.test.loinc is None:
        return members
    panel: JSON = {
        "resourceType": "Observation",
        "id": new_id(),
        **common,
        "code": code(result.test.loinc, result.test.name),
        "hasMember": [reference(member["id"]) for member in members],
    }
    return [panel, *members]


def _reading(
    reading: Reading, interpretation: Interpretation, common: JSON, resource_id: str
) -> JSON:
    analyte = reading.analyte
    observation: JSON = {
        "resourceType": "Observation",
        "id": resource_id,
        **common,
        "code": code(analyte.loinc, analyte.name),
        **_value(reading),
    }
    if interpretation.flag is not None:
        flag = interpretation.flag
        observation["interpretation"] = [
            {
                "coding": [
                    {"system": V3_INTERPRETATION, "code": flag.value, "display": FLAG_DISPLAY[flag]}
                ]
            }
        ]
    reference_range = _reference_range(analyte, interpretation.band)
    if reference_range:
        observation["referenceRange"] = [reference_range]
    return observation


def _value(reading: Reading) -> JSON:
    choice = reading.choice
    if choice is None:
        assert reading.value is not None
        return {"valueQuantity": _quantity(reading.value, reading.analyte)}
    concept: JSON = {"text": choice.display if choice.answer else choice.value}
    if choice.answer is not None:
        answer = choice.answer
        concept["coding"] = [
            {"system": SNOMED, "code": answer.snomed, "display": answer.display},
            {"system": LOINC, "code": answer.loinc_answer, "display": answer.display},
        ]
    return {"valueCodeableConcept": concept}


def _quantity(value: Decimal, analyte: Analyte) -> JSON:
    quantity: JSON = {"value": float(value), "system": UCUM, "code": analyte.unit}
    if analyte.unit_display:
        quantity["unit"] = analyte.unit_display
    return quantity


def _reference_range(analyte: Analyte, band: Limits | None) -> JSON:
    if analyte.kind != "quantity":
        normal = next(c for c in analyte.choices if c.normal)
        return {"text": normal.value}
    if band is None:
        return {}
    reference_range: JSON = {"text": band_text(band, analyte)}
    if band.low is not None:
        reference_range["low"] = _quantity(band.low, analyte)
    if band.high is not None:
        reference_range["high"] = _quantity(band.high, analyte)
    return reference_range
