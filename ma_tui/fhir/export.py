"""Visits as a FHIR R4 (US Core) Bundle: the patient, coverage, history and each visit.

``export_resources`` turns a ``Selection`` (one visit, one day, one patient, or the
whole clinic) into FHIR resources as plain JSON-ready dicts, one at a time and one
patient at a time, so an export of the whole clinic never holds it all in memory.
``write_bundle`` streams them into a Bundle of type collection. Each resource is
written by the ``to_fhir`` of its type (``ma_tui.fhir.resources``), the module that
also reads it back.

``export_bundle`` and ``export_visit_file`` are the use cases: they write the
Bundle, then record who exported which patients in the audit trail.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, tzinfo
from itertools import chain
from pathlib import Path
from typing import Any, TextIO, TypeVar

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from ma_tui.core.audit import AuditAction, audit
from ma_tui.core.transaction import in_transaction, read_only
from ma_tui.data.models.history import (
    Condition,
    FamilyHistory,
    Medication,
    Procedure,
    SocialHistory,
)
from ma_tui.data.models.patients import Patient
from ma_tui.data.models.visits import Encounter
from ma_tui.fhir.errors import ExportError, ExportNotWritten
from ma_tui.fhir.resources import (
    allergy,
    appointment,
    condition,
    coverage,
    encounter,
    family_history,
    gestation,
    immunization,
    medication,
    none_known,
    patient,
    poc_results,
    procedure,
    screening,
    social_history,
    vital_signs,
)
from ma_tui.fhir.resources.entries import entries_of
from ma_tui.fhir.resources.outgoing import ExportContext, ExportRun, instant
from ma_tui.fhir.resources.work import rooms_to_fhir, worklist_to_fhir
from ma_tui.fhir.settings import (
    clinic_id,
    export_folder_problem,
    read_export_folder,
    read_mrn_system,
)
from ma_tui.visits.queue import local_day_bounds

__all__ = [
    "ExportContext",
    "ExportError",
    "ExportSummary",
    "Selection",
    "bundle",
    "export_bundle",
    "export_resources",
    "export_visit_file",
    "write_atomically",
    "write_bundle",
]

JSON = dict[str, Any]
_T = TypeVar("_T")


# --------------------------------------------------------------------- API


@dataclass(frozen=True)
class Selection:
    """What to export; exactly one of these is set."""

    encounter_id: int | None = None
    day: date | None = None  # visits scheduled that local day
    mrn: str | None = None  # one patient: all their visits and history
    everything: bool = False  # every patient (also those without visits) and every visit

    def __post_init__(self) -> None:
        chosen = [self.encounter_id is not None, self.day is not None, self.mrn is not None]
        if sum(chosen) + self.everything != 1:
            raise ExportError("choose exactly one of: a visit, a day, a patient, everything")


@dataclass
class ExportSummary:
    resources: Counter[str] = field(default_factory=Counter)  # resourceType -> count
    patient_ids: list[int] = field(default_factory=list)  # each exported patient once, in order
    encounter_ids: list[int] = field(default_factory=list)


def export_resources(
    session: Session,
    selection: Selection,
    context: ExportContext,
    summary: ExportSummary | None = None,
) -> Iterator[JSON]:
    """The selection's resources, patient by patient: the patient, its coverages and
    history, then its selected visits. Raises ``ExportError`` at once (before the
    first resource) when the selection matches nothing."""
    plan = _plan(session, selection, context.tz)
    whole = selection.mrn is not None or selection.everything
    run = ExportRun(session, context)
    patients = _export_plan(run, plan, summary or ExportSummary(), whole_record=whole)
    if not selection.everything:
        return patients
    return chain(patients, _counted(rooms_to_fhir(run), summary))


def write_bundle(resources: Iterable[JSON], out: TextIO, *, timestamp: datetime) -> int:
    """Stream a collection Bundle of ``resources`` to ``out`` as JSON, entry by entry;
    returns the number of entries."""
    out.write(json.dumps(_bundle_head(timestamp))[:-1])  # left open for the entries
    count = 0
    for resource in resources:
        out.write("," if count else ',"entry":[')
        out.write(json.dumps(_entry(resource)))
        count += 1
    # FHIR JSON has no empty arrays: a Bundle of nothing has no "entry" at all.
    out.write("]}" if count else "}")
    return count


def bundle(resources: Iterable[JSON], *, timestamp: datetime) -> JSON:
    """The same Bundle as ``write_bundle`` writes, as one dict."""
    entries = [_entry(resource) for resource in resources]
    return _bundle_head(timestamp) | ({"entry": entries} if entries else {})


def _bundle_head(timestamp: datetime) -> JSON:
    if timestamp.tzinfo is None:
        raise ValueError("a Bundle's timestamp needs a time zone")
    return {"resourceType": "Bundle", "type": "collection", "timestamp": instant(timestamp)}


def _entry(resource: JSON) -> JSON:
    return {"fullUrl": f"urn:uuid:{resource['id']}", "resource": resource}


# --------------------------------------------------------------- use cases


def export_bundle(
    engine: Engine,
    selection: Selection,
    out: TextIO,
    summary: ExportSummary,
    *,
    now: datetime,
    staff_id: int | None = None,
) -> int:
    """Write the selection's Bundle to ``out`` and audit each patient exported; the
    number of resources written. Shared by the command line and the visit screens.

    Raises ``ExportError`` before a byte is written when the selection matches
    nothing, and ``DatabaseUnavailable`` when the database cannot be read or the
    export recorded.
    """
    tz = now.tzinfo
    assert tz is not None

    # Made on first use and kept, so exporting again gives the same resource ids.
    identity = in_transaction(engine, clinic_id)

    def write(session: Session) -> int:
        context = ExportContext(mrn_system=read_mrn_system(session), clinic_id=identity, tz=tz)
        # An empty selection raises ExportError here, before a byte is written.
        resources = export_resources(session, selection, context, summary)
        return write_bundle(resources, out, timestamp=now)

    count = read_only(engine, write, retry=False)
    out.flush()

    def record(session: Session) -> None:
        for patient_id in summary.patient_ids:
            audit(
                session,
                AuditAction.EXPORT,
                at=now,
                staff_id=staff_id,
                patient_id=patient_id,
                entity="patient",
                entity_id=patient_id,
                detail={"format": "fhir", "encounters": len(summary.encounter_ids)},
            )

    in_transaction(engine, record)
    return count


def export_visit_file(
    engine: Engine, encounter_id: int, *, now: datetime, staff_id: int | None
) -> Path:
    """One visit's Bundle, written to the clinic's export folder; the file written.

    The file is named by visit number and time, never by the patient's name or MRN.
    Raises ``ExportError`` (no such visit), ``ExportNotWritten`` (the folder is not
    writable, or others may open it: ``export_folder_problem``) or
    ``DatabaseUnavailable``.
    """
    folder = read_only(engine, read_export_folder)
    target = folder / f"visit-{encounter_id}-{now:%Y%m%d-%H%M%S}.fhir.json"
    selection = Selection(encounter_id=encounter_id)
    summary = ExportSummary()
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        if (problem := export_folder_problem(folder)) is not None:
            raise ExportNotWritten(f"cannot write to the export folder {folder}: {problem}")
        write_atomically(
            target,
            lambda out: export_bundle(engine, selection, out, summary, now=now, staff_id=staff_id),
        )
    except ExportNotWritten:
        raise
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise ExportNotWritten(f"cannot write to the export folder {folder}: {reason}") from exc
    return target


def write_atomically(target: Path, write: Callable[[TextIO], int]) -> int:
    """Write next to the target, then rename: a failed export leaves no half file.
    The file is readable by its owner only (mkstemp's mode 0600): it holds PHI."""
    folder = target.parent if str(target.parent) else Path(".")
    handle, temp_name = tempfile.mkstemp(prefix=f".{target.name}.", dir=folder)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            written = write(out)
        os.replace(temp_name, target)
    except BaseException:
        Path(temp_name).unlink(missing_ok=True)
        raise
    return written


# -------------------------------------------------------------- selection


@dataclass(frozen=True)
class _PatientPlan:
    patient_id: int
    encounter_ids: list[int]


def _plan(session: Session, selection: Selection, tz: tzinfo) -> list[_PatientPlan]:
    """Which patients and visits to export, as ids only (cheap even for the whole clinic)."""
    if selection.encounter_id is not None:
        visit = session.get(Encounter, selection.encounter_id)
        if visit is None or visit.id is None:
            raise ExportError(f"no visit {selection.encounter_id}")
        return [_PatientPlan(visit.patient_id, [visit.id])]
    if selection.day is not None:
        plans = _plans_of_day(session, selection.day, tz)
        if not plans:
            raise ExportError(f"no visits on {selection.day.isoformat()}")
        return plans
    if selection.mrn is not None:
        row = session.exec(select(Patient).where(Patient.mrn == selection.mrn)).first()
        if row is None or row.id is None:
            raise ExportError(f"no patient has MRN {selection.mrn!r}")
        return [_PatientPlan(row.id, _visits_of(session, row.id))]
    plans = _plans_of_clinic(session)
    if not plans:
        raise ExportError("no patients to export")
    return plans


def _plans_of_day(session: Session, day: date, tz: tzinfo) -> list[_PatientPlan]:
    start, end = local_day_bounds(day, tz)
    rows = session.exec(
        select(Encounter.patient_id, Encounter.id)
        .where(col(Encounter.scheduled_at) >= start, col(Encounter.scheduled_at) < end)
        .order_by(col(Encounter.scheduled_at), col(Encounter.id))
    ).all()
    return _group_by_patient(rows)


def _plans_of_clinic(session: Session) -> list[_PatientPlan]:
    patient_ids = session.exec(select(Patient.id).order_by(col(Patient.id))).all()
    plans = {pid: _PatientPlan(pid, []) for pid in patient_ids if pid is not None}
    visits = session.exec(
        select(Encounter.patient_id, Encounter.id).order_by(
            col(Encounter.scheduled_at), col(Encounter.id)
        )
    ).all()
    for patient_id, encounter_id in visits:
        if encounter_id is not None:
            plans[patient_id].encounter_ids.append(encounter_id)
    return list(plans.values())


def _group_by_patient(rows: Sequence[tuple[int, int | None]]) -> list[_PatientPlan]:
    """Visits grouped by patient, patients in the order of their first visit."""
    plans: dict[int, _PatientPlan] = {}
    for patient_id, encounter_id in rows:
        if encounter_id is not None:
            plan = plans.setdefault(patient_id, _PatientPlan(patient_id, []))
            plan.encounter_ids.append(encounter_id)
    return list(plans.values())


def _visits_of(session: Session, patient_id: int) -> list[int]:
    ids = session.exec(
        select(Encounter.id)
        .where(Encounter.patient_id == patient_id)
        .order_by(col(Encounter.scheduled_at), col(Encounter.id))
    ).all()
    return [encounter_id for encounter_id in ids if encounter_id is not None]


# ----------------------------------------------------------------- driving


def _export_plan(
    run: ExportRun, plan: list[_PatientPlan], summary: ExportSummary, *, whole_record: bool
) -> Iterator[JSON]:
    for item in plan:
        row = run.session.get(Patient, item.patient_id)
        assert row is not None, "visits belong to a patient"
        summary.patient_ids.append(item.patient_id)
        summary.encounter_ids.extend(item.encounter_ids)
        resources = _patient_resources(run, row, item.encounter_ids)
        if whole_record:  # a patient's whole record: their worklist items too
            resources = chain(resources, map(_pruned, worklist_to_fhir(run, row)))
        for resource in resources:
            summary.resources[resource["resourceType"]] += 1
            yield resource


def _counted(resources: Iterable[JSON], summary: ExportSummary | None) -> Iterator[JSON]:
    for resource in resources:
        if summary is not None:
            summary.resources[resource["resourceType"]] += 1
        yield _pruned(resource)


def _patient_resources(run: ExportRun, row: Patient, encounter_ids: list[int]) -> Iterator[JSON]:
    """One patient's resources, each cleaned of empty values: FHIR JSON has none."""
    session = run.session
    subject = patient.reference(run, row)
    visits = set(encounter_ids)
    builders: list[Iterable[JSON]] = [
        [patient.to_fhir(run, row)],
        gestation.to_fhir(run, row, subject),
        (coverage.to_fhir(run, c, subject) for c in coverage.coverages_of(session, row.id)),
        allergy.patient_allergies(run, row.id, subject),
        none_known.none_known_lists(run, row.id, subject),
        (condition.to_fhir(run, c, subject) for c in entries_of(session, Condition, row.id)),
        (procedure.to_fhir(run, p, subject) for p in entries_of(session, Procedure, row.id)),
        (
            family_history.to_fhir(run, f, subject)
            for f in entries_of(session, FamilyHistory, row.id)
        ),
        (
            social_history.to_fhir(run, s, subject)
            for s in entries_of(session, SocialHistory, row.id)
        ),
        (
            medication.to_fhir(run, m, subject, visits)
            for m in entries_of(session, Medication, row.id)
        ),
        (
            immunization.to_fhir(run, i, subject, visits)
            for i in immunization.injections_of(run, row.id)
        ),
        _visits(run, encounter_ids, subject),
    ]
    for built in builders:
        for resource in built:
            yield _pruned(resource)


def _visits(run: ExportRun, encounter_ids: list[int], subject: JSON) -> Iterator[JSON]:
    """Each visit: its Appointment when it was booked, the Encounter, the HPI, the vitals,
    the point-of-care results and the screenings."""
    for encounter_id in encounter_ids:
        visit = run.session.get(Encounter, encounter_id)
        assert visit is not None
        if appointment.was_booked(visit):
            yield appointment.to_fhir(run, visit, subject)
        yield encounter.to_fhir(run, visit, subject)
        if encounter.has_hpi(visit):
            yield encounter.hpi_to_fhir(run, visit, subject)
        yield from vital_signs.to_fhir(run, visit, subject)
        yield from poc_results.to_fhir(run, visit, subject)
        yield from screening.to_fhir(run, visit, subject)


def _pruned(value: Any) -> Any:
    """``value`` without None, empty strings, lists and objects, at any depth."""
    if isinstance(value, dict):
        cleaned = {key: _pruned(item) for key, item in value.items()}
        return {key: item for key, item in cleaned.items() if not _is_empty(item)}
    if isinstance(value, list):
        return [item for item in (_pruned(item) for item in value) if not _is_empty(item)]
    return value


def _is_empty(value: Any) -> bool:
    return value is None or (isinstance(value, str | list | dict) and not value)
