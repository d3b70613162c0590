"""Injections both ways: ``Immunization`` for a vaccine, ``MedicationAdministration``
for any other injection (``ma_tui.immunizations.fhir`` writes and reads the resource;
this module finds the rows and references).

Read in, an immunization history from the EHR or the state registry becomes the
patient's doses in the chart, which "due today" reads. A resource is the row ma-tui
exported it from, else the one imported with its identifier, else the same dose on
the same day (a registry that sends no identifier is not imported twice).
"""

from __future__ import annotations

from typing import Any

from sqlmodel import col, select

from ma_tui.data.models.immunizations import Injection
from ma_tui.fhir.resources.incoming import (
    ImportWork,
    PatientRef,
    Result,
    own_row_id,
    patient_of,
    source_id,
    upsert,
)
from ma_tui.fhir.resources.outgoing import ExportRun, identifiers
from ma_tui.fhir.resources.values import Rejected, column_text, shortened
from ma_tui.immunizations.chart import injection_row, record_of
from ma_tui.immunizations.fhir import (
    FhirReadError,
    immunization_resource,
    medication_administration_resource,
    record_from_immunization,
    record_from_medication_administration,
)
from ma_tui.immunizations.record import InjectionRecord

JSON = dict[str, Any]
KIND = "injection"
# The columns a resource sets; the rest (who recorded it, the lot row) are ma-tui's own.
_VALUE_COLUMNS = (
    "is_vaccine",
    "status",
    "occurred_on",
    "occurred_at",
    "name",
    "cvx",
    "cvx_display",
    "ndc",
    "mvx",
    "manufacturer",
    "lot",
    "expires",
    "dose_value",
    "dose_unit",
    "route",
    "site",
    "not_given_reason",
    "vis_name",
    "vis_edition",
    "vis_presented",
    "eligibility",
    "funding",
    "primary_source",
    "note",
)
_TEXT_COLUMNS = ("name", "cvx", "cvx_display", "ndc", "mvx", "manufacturer", "lot", "vis_name")


# ----------------------------------------------------------------- to FHIR


def injections_of(run: ExportRun, patient_id: int | None) -> list[Injection]:
    """The patient's doses in the chart (not those entered in error), oldest first."""
    return list(
        run.session.exec(
            select(Injection)
            .where(Injection.patient_id == patient_id, col(Injection.entered_in_error).is_(False))
            .order_by(col(Injection.occurred_on), col(Injection.id))
        ).all()
    )


def to_fhir(run: ExportRun, row: Injection, subject: JSON, visits: set[int]) -> JSON:
    """``visits``: the visits exported with it, which it may refer to."""
    record = record_of(row)
    encounter = run.ref("Encounter", row.encounter_id) if row.encounter_id in visits else None
    performer = run.staff_display(row.recorded_by_id) if row.primary_source else None
    if record.is_vaccine:
        resource = immunization_resource(
            record,
            resource_id=run.id("Immunization", row.id),
            patient=subject,
            encounter=encounter,
            administered_by=performer,
            recorded=row.recorded_at,
        )
    else:
        resource = medication_administration_resource(
            record,
            resource_id=run.id("MedicationAdministration", row.id),
            patient=subject,
            encounter=encounter,
            administered_by=performer,
        )
    return {**resource, "identifier": identifiers(KIND, row.id, row.source_id)}


# --------------------------------------------------------------- from FHIR


def from_immunization(work: ImportWork, resource: JSON) -> Result:
    patient = patient_of(work, resource.get("patient"), "patient")
    return _import(work, patient, resource, record_from_immunization)


def from_medication_administration(work: ImportWork, resource: JSON) -> Result:
    patient = patient_of(work, resource.get("subject"), "subject")
    return _import(work, patient, resource, record_from_medication_administration)


def _import(
    work: ImportWork,
    patient: PatientRef,
    resource: JSON,
    read: Any,
) -> Result:
    try:
        record: InjectionRecord = read(resource)
    except FhirReadError as exc:
        raise Rejected(str(exc)) from exc
    row = injection_row(record, patient.id)
    for column in _TEXT_COLUMNS:
        setattr(row, column, column_text(getattr(row, column), Injection, column, column))
    values = {column: getattr(row, column) for column in _VALUE_COLUMNS}
    label = shortened(f"{resource['resourceType']} {record.name} (MRN {patient.mrn})", 120)
    existing = _matching(work, patient, resource, row)
    created = {
        "patient_id": patient.id,
        "recorded_at": work.context.now,
        "recorded_by_id": work.context.staff_id,
        "source_id": source_id(resource, str(resource["resourceType"])),
    }
    action, _ = upsert(work, Injection, existing, values, created=created)
    return Result(action, label=label)


def _matching(
    work: ImportWork, patient: PatientRef, resource: JSON, row: Injection
) -> Injection | None:
    rows = work.session.exec(
        select(Injection).where(Injection.patient_id == patient.id).order_by(col(Injection.id))
    ).all()
    own = own_row_id(work, resource, KIND)
    source = source_id(resource, str(resource.get("resourceType")))
    by_own = [r for r in rows if own is not None and r.id == own]
    by_source = [r for r in rows if source is not None and r.source_id == source]
    same_dose = [
        r
        for r in rows
        if not r.entered_in_error
        and r.occurred_on == row.occurred_on
        and r.status == row.status
        and (r.cvx == row.cvx if row.cvx else r.name == row.name)
    ]
    return next(iter(by_own or by_source or same_dose), None)
