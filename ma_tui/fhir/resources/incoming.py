"""What every ``from_fhir`` shares: the import's context, finding the patient a
resource is about, and writing a row with its audit event.

Importing again never duplicates: a patient is found by MRN, other rows by the
identifier they were imported with (``source_id``), by the identifier ma-tui
exported them with, or by what they are (payer and member ID, substance, ...).
A value a resource does not give never clears one already stored.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar
from uuid import UUID

from sqlmodel import Session, SQLModel, select

from ma_tui.core.audit import AuditAction, audit
from ma_tui.data.models.patients import Patient
from ma_tui.data.types import SOURCE_ID_MAX
from ma_tui.fhir import codes
from ma_tui.fhir.report import Action
from ma_tui.fhir.resources.values import (
    UNLIMITED,
    Rejected,
    has_code,
    obj,
    objs,
    shortened,
    string,
)
from ma_tui.patients.registration import clean_text

JSON = dict[str, Any]
_Row = TypeVar("_Row", bound=SQLModel)

# A reference that names a patient: "Patient/abc", or a full URL ending so.
PATIENT_TAIL = re.compile(r"(?:^|/)(Patient/[A-Za-z0-9\-.]{1,64})(?:/_history/[^/]*)?$")
_PATIENT_IDS_KEPT = 100_000  # MRNs remembered at most; a bigger import starts over


@dataclass(frozen=True)
class ImportContext:
    mrn_system: str  # Patient.identifier system of the clinic's MRNs
    now: datetime  # aware
    staff_id: int | None = None  # who imports (audit); None on the command line
    batch_size: int = 200  # resources per committed transaction
    keep_every_outcome: bool = False  # ImportReport.outcomes: for small imports and tests


@dataclass(frozen=True)
class Result:
    """What importing one resource did (``ma_tui.fhir.report.Outcome`` without where)."""

    action: Action
    reason: str = ""
    label: str = ""
    mrn: str | None = None  # of an imported Patient: what references to it resolve to


@dataclass(frozen=True)
class PatientRef:
    id: int
    mrn: str


@dataclass
class ImportRun:
    """What the whole import keeps: its context and the patients of pass 1."""

    context: ImportContext
    clinic_id: UUID | None  # this database's id: recognises ma-tui's own exported rows
    patient_keys: dict[str, str] = field(default_factory=dict)  # fullUrl, Patient/id -> MRN
    rejected_patients: dict[str, str] = field(default_factory=dict)  # same keys -> where
    providers: list[tuple[int, str]] | None = None  # (staff id, name key), read once
    # MRN -> patient id of patients found in the database: each resource of a patient
    # looks it up again. Patients are never deleted, so a found id stays right.
    patient_ids: dict[str, int] = field(default_factory=dict)
    # What pass 1 saw Tasks point at (their focus references): pass 2 leaves those
    # resources, and the Appointments based on them, to the worklist's pass 3.
    task_focus: set[str] = field(default_factory=set)


@dataclass(frozen=True)
class ImportWork:
    """One resource being imported, in its savepoint of the batch's session."""

    run: ImportRun
    session: Session
    where: str

    @property
    def context(self) -> ImportContext:
        return self.run.context


# ---------------------------------------------------------------- patients


def mrn_value(identifier: Any, mrn_system: str) -> str | None:
    """The identifier's value when it is an MRN: typed MR, or in the clinic's MRN system."""
    found = obj(identifier)
    if found is None:
        return None
    typed = has_code(found.get("type"), codes.MRN_TYPE_CODE, codes.V2_IDENTIFIER_TYPE)
    if not (typed or found.get("system") == mrn_system):
        return None
    return string(found.get("value"))


def reference_keys(reference: str) -> list[str]:
    """The keys pass 1 may know a reference by: as written, and as ``Patient/<id>``."""
    tail = PATIENT_TAIL.search(reference)
    return [reference, tail.group(1)] if tail else [reference]


def patient_of(work: ImportWork, value: Any, what: str) -> PatientRef:
    """The patient a Reference points to: by reference (to a Patient of this import) or
    by identifier (an MRN, of this import or already in the database)."""
    reference = obj(value)
    if reference is None or not (reference.get("reference") or reference.get("identifier")):
        raise Rejected(f"no patient: {what} has no reference or identifier")
    text = string(reference.get("reference"))
    keys = reference_keys(text) if text else []
    for key in keys:
        mrn = work.run.patient_keys.get(key)
        found = _patient_by_mrn(work, mrn) if mrn else None
        if found is not None:
            return found
    for key in keys:
        where = work.run.rejected_patients.get(key)
        if where is not None:
            raise Rejected(f"its patient ({where}) was rejected")
    mrn = mrn_value(reference.get("identifier"), work.context.mrn_system)
    found = _patient_by_mrn(work, mrn.strip()) if mrn else None
    if found is not None:
        return found
    raise Rejected(
        f"refers to {_reference_shown(reference)}, "
        "which is neither in this import nor known by identifier"
    )


def _patient_by_mrn(work: ImportWork, mrn: str) -> PatientRef | None:
    known = work.run.patient_ids
    patient_id = known.get(mrn)
    if patient_id is None:
        patient_id = work.session.exec(select(Patient.id).where(Patient.mrn == mrn)).first()
        if patient_id is None:
            return None
        if len(known) >= _PATIENT_IDS_KEPT:
            known.clear()
        known[mrn] = patient_id
    return PatientRef(patient_id, mrn)


def _reference_shown(reference: JSON) -> str:
    text = string(reference.get("reference"))
    if text:
        return shortened(text, 80)
    identifier = obj(reference.get("identifier")) or {}
    value = string(identifier.get("value")) or "?"
    system = string(identifier.get("system"))
    return shortened(f"identifier {system}|{value}" if system else f"identifier {value}", 80)


# -------------------------------------------------------------- identifiers


def source_id(resource: JSON, resource_type: str) -> str | None:
    """What an imported row remembers of its resource, as ``codes.source_id_of``, with
    the sender's own identifiers before ma-tui's (a row imported from an EHR, exported
    and imported elsewhere keeps the EHR's) and without member numbers (a Coverage's
    member ID is the policy's, not the resource's)."""
    identifiers = [
        i
        for i in objs(resource.get("identifier"))
        if not has_code(i.get("type"), codes.MEMBER_TYPE_CODE, codes.V2_IDENTIFIER_TYPE)
    ]
    identifiers.sort(key=lambda i: str(i.get("system") or "").startswith(codes.LOCAL_SYSTEM_PREFIX))
    source = codes.source_id_of({**resource, "identifier": identifiers})
    if source is None:
        return None
    source = clean_text(source, limit=UNLIMITED)
    if len(source) > SOURCE_ID_MAX:
        raise Rejected(
            f"identifier is {len(source)} characters long; ma-tui keeps at most {SOURCE_ID_MAX}"
        )
    return source or None


def own_row_id(work: ImportWork, resource: JSON, kind: str) -> int | None:
    """The row ma-tui exported this resource from, when it came from this very database:
    its identifier ``urn:ma-tui:<kind>|<id>`` and a resource id made by this clinic."""
    clinic_id = work.run.clinic_id
    resource_type = resource.get("resourceType")
    if clinic_id is None or not isinstance(resource_type, str):
        return None
    for identifier in objs(resource.get("identifier")):
        value = string(identifier.get("value")) or ""
        if identifier.get("system") == codes.local_system(kind) and value.isdigit():
            expected = codes.resource_uuid(clinic_id, resource_type, int(value))
            if resource.get("id") == expected:
                return int(value)
    return None


# ---------------------------------------------------------------- writing


def changed(row: SQLModel, values: Mapping[str, Any]) -> list[str]:
    return [name for name, value in values.items() if getattr(row, name) != value]


def upsert(
    work: ImportWork,
    model: type[_Row],
    existing: _Row | None,
    values: Mapping[str, Any],
    *,
    created: Mapping[str, Any] | None = None,
    touched: Mapping[str, Any] | None = None,
) -> tuple[Action, _Row]:
    """Add a row of ``values`` (and ``created``), or set the differing ``values`` on
    ``existing`` (and ``touched``); each with its audit event.

    A value the resource does not give (None) never clears one already stored: what
    an MA recorded, or an earlier import, is not lost because a sender left it out.
    """
    given = {name: value for name, value in values.items() if value is not None}
    if existing is None:
        row = model(**{**(created or {}), **given})
        work.session.add(row)
        work.session.flush()
        audit_import(work, row, _patient_id_of(row), sorted(given))
        return "created", row
    differing = changed(existing, given)
    if not differing:
        return "unchanged", existing
    for name in differing:
        setattr(existing, name, given[name])
    for name, value in (touched or {}).items():
        setattr(existing, name, value)
    work.session.add(existing)
    work.session.flush()
    audit_import(work, existing, _patient_id_of(existing), differing)
    return "updated", existing


def _patient_id_of(row: SQLModel) -> int | None:
    if isinstance(row, Patient):
        return row.id
    patient_id = getattr(row, "patient_id", None)
    return patient_id if isinstance(patient_id, int) else None


def audit_import(
    work: ImportWork, row: SQLModel, patient_id: int | None, fields: list[str]
) -> None:
    """One import event per row written, in the row's own transaction: where it came
    from and which fields (names only, never a value)."""
    table = getattr(row, "__tablename__", None)
    audit(
        work.session,
        AuditAction.IMPORT,
        at=work.context.now,
        staff_id=work.context.staff_id,
        patient_id=patient_id,
        entity=table if isinstance(table, str) else type(row).__name__.lower(),
        entity_id=getattr(row, "id", None),
        detail={"source": work.where, "fields": fields},
    )
