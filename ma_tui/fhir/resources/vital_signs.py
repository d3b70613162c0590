"""Observation (US Core vital signs): a visit's measurements; export only.

Each stored value is one Observation coded in LOINC with its UCUM quantity, or the
reason it was not obtained (data-absent-reason). A blood pressure reading is one
US Core panel with its systolic and diastolic components; SpO2 carries the O2
flow as a component; BMI says which height and weight it was computed from. What
was typed in another unit ("171 lb"), a unit catch (typed ``9.2``, held as 9.2 lb,
the MA took 9.2 kg) and a confirmed out-of-range value are notes.
ma-tui does not import vital signs: they are measured in the room.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from sqlmodel import col, select

from ma_tui.data.catalogs.vitals import (
    BMI,
    BODY_HEIGHT,
    BODY_WEIGHT,
    BP_PANEL,
    BY_CODE,
    DIASTOLIC_BP,
    HEAD_CIRCUMFERENCE,
    O2_FLOW,
    SPO2,
    SYSTOLIC_BP,
)
from ma_tui.data.models.observations import Observation, ObservationStatus
from ma_tui.data.models.patients import Patient
from ma_tui.data.models.visits import Encounter
from ma_tui.fhir import codes
from ma_tui.fhir.resources.growth import percentiles_to_fhir
from ma_tui.fhir.resources.outgoing import ExportRun, instant, notes, observation_category
from ma_tui.vitals.readback import LENGTH_UNTIL_DAYS

JSON = dict[str, Any]

_SPO2_ARTERIAL = "2708-6"  # US Core pulse oximetry: SpO2 also coded as arterial O2 saturation
_SPO2_ARTERIAL_DISPLAY = "Oxygen saturation in Arterial blood"
_BP_PANEL_DISPLAY = "Blood pressure panel with all children optional"
BODY_LENGTH = "8306-3"  # US Core body height allows it; a child under 2 is measured lying down
_BODY_LENGTH_DISPLAY = "Body height --lying"


def to_fhir(run: ExportRun, encounter: Encounter, subject: JSON) -> Iterator[JSON]:
    """The visit's vital signs in the order taken, each BP reading as one panel."""
    rows = run.session.exec(
        select(Observation)
        .where(Observation.encounter_id == encounter.id)
        .order_by(col(Observation.taken_at), col(Observation.id))
    ).all()
    partners = _bp_partners(rows)
    paired_diastolics = {d.id for d in partners.values()}
    patient = run.session.get(Patient, encounter.patient_id)
    assert patient is not None  # an encounter's patient is never deleted
    for row in rows:
        if row.id in paired_diastolics:
            continue  # a component of its systolic's panel
        diastolic = partners.get(row.id)
        if diastolic is not None:
            yield _bp_panel(run, row, diastolic, subject)
        else:
            yield _vital(run, row, rows, subject, patient)
    measured = {
        code: _final_of(rows, code) for code in (BODY_WEIGHT, BODY_HEIGHT, HEAD_CIRCUMFERENCE)
    }
    found = {code: row for code, row in measured.items() if row is not None}
    yield from percentiles_to_fhir(run, patient, found, subject)


def _bp_partners(rows: Sequence[Observation]) -> dict[int | None, Observation]:
    """Each systolic row's diastolic, by the systolic's id: same reading, same status.

    A reading is its ``reading_group``; a BP not obtained has no group, so its two
    rows are paired by their time and status instead.
    """
    waiting: dict[tuple[str, ...], list[Observation]] = {}
    for row in rows:
        if row.code == DIASTOLIC_BP and (key := _reading_key(row)):
            waiting.setdefault(key, []).append(row)
    partners: dict[int | None, Observation] = {}
    for row in rows:
        if row.code == SYSTOLIC_BP and (key := _reading_key(row)) and waiting.get(key):
            partners[row.id] = waiting[key].pop(0)
    return partners


def _reading_key(row: Observation) -> tuple[str, ...] | None:
    if row.reading_group:
        return (row.status, "group", row.reading_group)
    if row.value is None and row.not_obtained_reason:
        return (row.status, "absent", instant(row.taken_at), row.not_obtained_reason)
    return None


def _vital_code(code: str) -> JSON:
    sign = BY_CODE.get(code)
    name = sign.name if sign is not None else None
    concept = codes.concept(codes.LOINC, code, name, text=name)
    if code == SPO2:  # US Core pulse oximetry: both codes
        concept["coding"].append(codes.coding(codes.LOINC, _SPO2_ARTERIAL, _SPO2_ARTERIAL_DISPLAY))
    return concept


def _quantity(value: float, unit: str | None) -> JSON:
    return {"value": value, "unit": unit, "system": codes.UCUM, "code": unit}


def _measured(row: Observation) -> JSON:
    """A row's value, or why there is none; then its interpretation."""
    if row.value is not None:
        result: JSON = {"valueQuantity": _quantity(row.value, row.unit)}
    else:
        reason = row.not_obtained_reason
        absent = codes.DATA_ABSENT_CODES.get(reason or "", "unknown")
        result = {"dataAbsentReason": codes.concept(codes.DATA_ABSENT_REASON, absent, text=reason)}
    if row.interpretation:
        result["interpretation"] = [codes.concept(codes.V3_INTERPRETATION, row.interpretation)]
    return result


def _vital_notes(row: Observation) -> list[str]:
    said: list[str] = []
    if _entered_otherwise(row):
        said.append(f"entered as {row.value_entered} {row.unit_entered}")
    if row.unit_catch:  # typed, held in one unit, taken in the other by the MA
        said.append(row.unit_catch)
    if row.confirmation:
        said.append(f"confirmed: {row.confirmation}")
    return said


def _entered_otherwise(row: Observation) -> bool:
    """True when what was typed is not the canonical value as it stands (171 lb)."""
    if row.value_entered is None or row.unit_entered is None:
        return False
    if row.unit_entered != row.unit:
        return True
    try:
        return float(row.value_entered) != row.value
    except ValueError:
        return True


def _vital_base(run: ExportRun, row: Observation, code: JSON, subject: JSON) -> JSON:
    """What a vital Observation and a BP panel share: status, time, who, qualifiers."""
    position = None
    if row.position:
        position = {
            "url": codes.BODY_POSITION_EXTENSION,
            "valueCodeableConcept": {"text": row.position},
        }
    return {
        "resourceType": "Observation",
        "id": run.id("Observation", row.id),
        "extension": [position],
        "status": row.status.value,
        "category": [observation_category("vital-signs", "Vital Signs")],
        "code": code,
        "subject": subject,
        "encounter": run.ref("Encounter", row.encounter_id),
        "effectiveDateTime": instant(row.taken_at),
        "issued": instant(row.entered_at),
        "performer": [run.staff_display(row.entered_by_id)],
        "bodySite": {"text": row.site},
        "method": {"text": row.method},
    }


def _vital(
    run: ExportRun, row: Observation, rows: Sequence[Observation], subject: JSON, patient: Patient
) -> JSON:
    code = _vital_code(row.code)
    if row.code == BODY_HEIGHT and _lying_down(row, patient):
        code = codes.concept(codes.LOINC, BODY_LENGTH, _BODY_LENGTH_DISPLAY, text="Body length")
    resource = _vital_base(run, row, code, subject)
    resource |= _measured(row)
    resource["note"] = notes(*_vital_notes(row))
    if row.code == SPO2 and row.o2_flow_l_min is not None:
        resource["component"] = [
            {
                "code": _vital_code(O2_FLOW),
                "valueQuantity": _quantity(row.o2_flow_l_min, "L/min"),
            }
        ]
    if row.code == BMI:
        resource["derivedFrom"] = [
            run.ref("Observation", source.id)
            for source in (_final_of(rows, BODY_HEIGHT), _final_of(rows, BODY_WEIGHT))
            if source is not None
        ]
    return resource


def _lying_down(row: Observation, patient: Patient) -> bool:
    """Under 2 years a child's length is measured lying down: LOINC's body length."""
    return (row.taken_at.date() - patient.birth_date).days < LENGTH_UNTIL_DAYS


def _final_of(rows: Sequence[Observation], code: str) -> Observation | None:
    """The visit's last final measured value of a code: what a BMI was computed from."""
    finals = [
        row
        for row in rows
        if row.code == code and row.status == ObservationStatus.FINAL and row.value is not None
    ]
    return finals[-1] if finals else None


def _bp_panel(run: ExportRun, systolic: Observation, diastolic: Observation, subject: JSON) -> JSON:
    """One reading as the US Core blood-pressure panel, its id from the systolic row."""
    code = codes.concept(codes.LOINC, BP_PANEL, _BP_PANEL_DISPLAY, text="Blood pressure")
    resource = _vital_base(run, systolic, code, subject)
    resource["component"] = [
        {"code": _vital_code(part.code), **_measured(part)} for part in (systolic, diastolic)
    ]
    said = dict.fromkeys([*_vital_notes(systolic), *_vital_notes(diastolic)])
    resource["note"] = notes(*said)
    return resource
