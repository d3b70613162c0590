"""Import patients, coverage, today's schedule and history from FHIR R4 resources.

``import_resources`` reads its input twice. Pass 1 imports the Patient resources
(and reports what could not be read); pass 2 imports everything that refers to a
patient: Coverage, Appointment (a visit on the schedule), AllergyIntolerance,
MedicationStatement, Condition, Immunization and MedicationAdministration, and
ServiceRequest and MedicationRequest (orders on the visit; they come after the
Appointment that makes the visit, in the same pass, so a Bundle lists the
Appointment first), Location (a room on the board) and an Observation of the
gestational age at birth. So a resource that comes before its patient, or in another
file, still finds it, and no file is ever held in memory.

Pass 3 is the worklist (``ma_tui.fhir.resources.work_in``): each Task with the
resource it works on (its ``focus``: a MedicationRequest, ServiceRequest or Claim,
which pass 1 noted so pass 2 does not take it for an order) and a booked
follow-up's Appointment (``basedOn`` that focus), and each referral ServiceRequest
sent without a Task. A Task needs its parts together, so pass 3 keeps the worklist's
resources (and only those, at most ``WORK_PARTS_MAX``) until the end of the input.

Each resource is checked against the FHIR R4B model first (``validation``), then
read by the ``from_fhir`` of its type (``ma_tui.fhir.resources``), with the tables
the exporter writes with, so what ma-tui exports comes back as the same values.
Every resource gets exactly one ``Outcome`` (``ma_tui.fhir.report``).

Each resource is written in its own SAVEPOINT, inside a transaction committed every
``batch_size`` resources, with the audit event of each row it wrote: a resource
that fails part way leaves nothing behind, and the others are kept.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar
from uuid import UUID

from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session

from ma_tui.core.transaction import in_transaction, read_only
from ma_tui.data.models.settings import ClinicSetting
from ma_tui.data.store import is_busy_error
from ma_tui.fhir.report import REASON_MAX, ImportReport, Outcome, not_imported
from ma_tui.fhir.resources import (
    allergy,
    appointment,
    condition,
    coverage,
    gestation,
    immunization,
    medication,
    orders,
    patient,
    work_in,
)
from ma_tui.fhir.resources.incoming import ImportContext, ImportRun, ImportWork, Result
from ma_tui.fhir.resources.values import Rejected, obj, objs, shortened, shown, string
from ma_tui.fhir.settings import CLINIC_ID_KEY
from ma_tui.fhir.validation import is_fhir_resource_type, model_problem

__all__ = [
    "REASON_MAX",
    "ImportContext",
    "ImportReport",
    "Outcome",
    "ReadItemLike",
    "import_resources",
]

JSON = dict[str, Any]
_T = TypeVar("_T")

# The resource types ma-tui imports, each read by its module's from_fhir.
_FROM_FHIR: dict[str, Callable[[ImportWork, JSON], Result]] = {
    "Patient": patient.from_fhir,
    "Coverage": coverage.from_fhir,
    "Appointment": appointment.from_fhir,
    "AllergyIntolerance": allergy.from_fhir,
    "MedicationStatement": medication.from_fhir,
    "Condition": condition.from_fhir,
    "Immunization": immunization.from_immunization,
    "MedicationAdministration": immunization.from_medication_administration,
    "ServiceRequest": orders.service_request_from_fhir,
    "MedicationRequest": orders.medication_request_from_fhir,
    "Location": work_in.location_from_fhir,
}
_FOCUS_TYPES = frozenset({"MedicationRequest", "ServiceRequest", "Claim"})
WORK_PARTS_MAX = 50_000  # worklist resources pass 3 holds; beyond, split the file
# The "Type/id" end of a reference or full URL (also what a resource is known by).
_TYPED_TAIL = re.compile(r"(?:^|/)([A-Z][A-Za-z]+/[A-Za-z0-9\-.]{1,64})(?:/_history/[^/]*)?$")


class ReadItemLike(Protocol):
    """What ``ma_tui.fhir.reader`` yields: one resource, or why none could be read."""

    @property
    def where(self) -> str: ...
    @property
    def resource(self) -> dict[str, Any] | None: ...
    @property
    def full_url(self) -> str | None: ...
    @property
    def error(self) -> str | None: ...


def import_resources(
    engine: Engine, read: Callable[[], Iterable[ReadItemLike]], context: ImportContext
) -> ImportReport:
    """Import what ``read()`` yields; ``read`` is called twice (patients first).

    Every item gets one ``Outcome``. Batches already committed stay when the database
    stays busy through every retry, or fails outside any resource
    (``DatabaseUnavailable``).
    """
    if context.now.tzinfo is None:
        raise ValueError("naive datetime given; pass an aware datetime (UTC or local)")
    run = ImportRun(context, read_only(engine, _clinic_id))
    report = ImportReport(keep_every_outcome=context.keep_every_outcome)
    patients_first = (item for item in _noting_tasks(run, read()) if _in_first_pass(item))
    the_rest = (item for item in read() if _in_second_pass(run, item))
    for items in (patients_first, the_rest):
        for batch in _batches(items, context.batch_size):
            for outcome in _commit_batch(engine, run, batch):
                report.add(outcome)
    units, refused = _worklist_units(run, (item for item in read() if _is_work_part(run, item)))
    for outcome in refused:
        report.add(outcome)
    for unit_batch in _batches(units, context.batch_size):
        for outcome in _commit_units(engine, run, unit_batch):
            report.add(outcome)
    return report


# ------------------------------------------------------------------ driving


@dataclass
class _Batch:
    """One transaction's outcomes, and the patient keys it learned (kept once committed)."""

    outcomes: list[Outcome] = field(default_factory=list)
    patient_keys: dict[str, str] = field(default_factory=dict)
    rejected_patients: dict[str, str] = field(default_factory=dict)


def _clinic_id(session: Session) -> UUID | None:
    """The id the exporter made this database's resource ids from, if it has one yet."""
    row = session.get(ClinicSetting, CLINIC_ID_KEY)
    try:
        return UUID(row.value) if row is not None else None
    except ValueError:
        return None


def _resource_type(item: ReadItemLike) -> str | None:
    resource = item.resource
    if not isinstance(resource, dict):
        return None
    kind = resource.get("resourceType")
    return kind if isinstance(kind, str) else None


def _in_first_pass(item: ReadItemLike) -> bool:
    """Pass 1: patients, and what could not be read (reported once, in pass 1)."""
    return item.error is not None or _resource_type(item) in (None, "Patient")


def _in_second_pass(run: ImportRun, item: ReadItemLike) -> bool:
    return not _in_first_pass(item) and not _is_work_part(run, item)


def _batches(items: Iterable[_T], size: int) -> Iterator[list[_T]]:
    batch: list[_T] = []
    for item in items:
        batch.append(item)
        if len(batch) >= max(1, size):
            yield batch
            batch = []
    if batch:
        yield batch


def _commit_batch(engine: Engine, run: ImportRun, items: list[ReadItemLike]) -> list[Outcome]:
    """Import ``items`` in one transaction, tried again whole while the database is busy."""

    def attempt(session: Session) -> _Batch:
        batch = _Batch()
        for item in items:
            batch.outcomes.append(_import_item(run, session, item, batch))
        return batch

    done = in_transaction(engine, attempt)
    # Learned only once committed: a batch tried again must not see its own patients.
    run.patient_keys.update(done.patient_keys)
    run.rejected_patients.update(done.rejected_patients)
    return done.outcomes


def _import_item(run: ImportRun, session: Session, item: ReadItemLike, batch: _Batch) -> Outcome:
    if item.error is not None:
        return Outcome(item.where, "?", "rejected", _read_error(item.where, item.error))
    kind = _resource_type(item)
    resource = item.resource
    if kind is None or resource is None:
        return Outcome(item.where, "?", "rejected", "not a FHIR resource: no resourceType")
    result = _checked_import(ImportWork(run, session, item.where), kind, resource)
    if kind == "Patient":
        _learn_patient(batch, item, result)
    return Outcome(item.where, shortened(kind, 64), result.action, result.reason, result.label)


def _checked_import(work: ImportWork, kind: str, resource: JSON) -> Result:
    """Check the type and the model, then import in a savepoint: all of it, or nothing."""
    from_fhir = _FROM_FHIR.get(kind)
    if kind == "Observation" and gestation.is_gestation(resource):
        from_fhir = gestation.from_fhir  # the only Observation imported
    if from_fhir is None:
        if is_fhir_resource_type(kind):
            return Result("skipped", not_imported(kind))
        return Result("rejected", f"unknown resource type {shown(kind)}")
    problem = model_problem(kind, resource)
    if problem is not None:
        return Result("rejected", problem)
    return _saved(work, lambda: from_fhir(work, resource))


def _saved(work: ImportWork, do: Callable[[], Result]) -> Result:
    """``do()`` in a savepoint: what it wrote, or (refused) nothing and the reason."""
    try:
        with work.session.begin_nested():
            return do()
    except Rejected as rejected:
        return Result("rejected", shortened(str(rejected), REASON_MAX))
    except SQLAlchemyError as error:
        if is_busy_error(error):
            raise  # the whole batch is tried again
        return Result("rejected", _first_line(error))


def _learn_patient(batch: _Batch, item: ReadItemLike, result: Result) -> None:
    """Remember how later resources may refer to this patient (its fullUrl, Patient/id)."""
    keys = _own_patient_keys(item)
    if result.mrn is not None:
        batch.patient_keys.update(dict.fromkeys(keys, result.mrn))
    elif result.action == "rejected":
        batch.rejected_patients.update(dict.fromkeys(keys, item.where))


def _own_patient_keys(item: ReadItemLike) -> list[str]:
    keys = [item.full_url] if item.full_url else []
    resource_id = (item.resource or {}).get("id")
    if isinstance(resource_id, str) and resource_id:
        keys.append(f"Patient/{resource_id}")
    return keys


def _read_error(where: str, error: str) -> str:
    """The reader's one line, without repeating the position the report already shows."""
    head, colon, rest = error.partition(": ")
    reason = rest if colon and head and where.endswith(head) else error
    return shortened(reason, REASON_MAX)


def _first_line(error: BaseException) -> str:
    original = getattr(error, "orig", None)
    text = str(original if original is not None else error).strip()
    return shortened(text.splitlines()[0] if text else type(error).__name__, REASON_MAX)


# ------------------------------------------------------------------ the worklist (pass 3)


@dataclass
class _Unit:
    """A Task with its focus and booked Appointment, or a referral sent alone."""

    main: ReadItemLike
    focus: ReadItemLike | None = None
    booked: ReadItemLike | None = None


def _noting_tasks(run: ImportRun, items: Iterable[ReadItemLike]) -> Iterator[ReadItemLike]:
    """``items`` as they come; each Task's focus noted on the way (for passes 2 and 3)."""
    for item in items:
        if _resource_type(item) == "Task":
            run.task_focus.update(_reference_keys((item.resource or {}).get("focus")))
        yield item


def _is_work_part(run: ImportRun, item: ReadItemLike) -> bool:
    kind = _resource_type(item)
    resource = item.resource or {}
    if kind == "Task":
        return True
    if kind == "Appointment":
        return any(_reference_keys(ref) & run.task_focus for ref in objs(resource.get("basedOn")))
    if _is_focus(run, item):
        return True
    return kind == "ServiceRequest" and work_in.is_referral(resource)


def _is_focus(run: ImportRun, item: ReadItemLike) -> bool:
    """A resource some Task of this import works on (pass 1 noted it)."""
    return _resource_type(item) in _FOCUS_TYPES and bool(_own_keys(item) & run.task_focus)


def _reference_keys(value: object) -> set[str]:
    """What a Reference may name a resource by: as written, and its ``Type/id`` end."""
    text = string((obj(value) or {}).get("reference"))
    if not text:
        return set()
    tail = _TYPED_TAIL.search(text)
    return {text, tail.group(1)} if tail else {text}


def _own_keys(item: ReadItemLike) -> set[str]:
    keys = {item.full_url} if item.full_url else set()
    resource = item.resource or {}
    resource_id = resource.get("id")
    if isinstance(resource_id, str) and resource_id:
        keys.add(f"{resource.get('resourceType')}/{resource_id}")
    return keys


def _worklist_units(
    run: ImportRun, items: Iterable[ReadItemLike]
) -> tuple[list[_Unit], list[Outcome]]:
    """Each Task with its parts, then each referral sent alone; and the outcomes of
    what cannot be one: past ``WORK_PARTS_MAX``, or a part no Task takes."""
    kept: list[ReadItemLike] = []
    refused: list[Outcome] = []
    for item in items:
        if len(kept) < WORK_PARTS_MAX:
            kept.append(item)
        else:
            reason = f"more than {WORK_PARTS_MAX} worklist resources: import them in parts"
            refused.append(Outcome(item.where, _kind(item), "rejected", reason))
    # Indexed by every key they are known by: a Task finds its parts at once.
    focuses = _by_key((i for i in kept if _is_focus(run, i)), _own_keys)
    bookings = _by_key((i for i in kept if _resource_type(i) == "Appointment"), _based_on)
    used: set[int] = set()
    units: list[_Unit] = []
    for task in (i for i in kept if _resource_type(i) == "Task"):
        wanted = _reference_keys((task.resource or {}).get("focus"))
        focus = _first_unused(focuses, wanted, used)
        booked = _first_unused(bookings, _own_keys(focus), used) if focus else None
        units.append(_Unit(task, focus, booked))
        used.update(id(part) for part in (task, focus, booked) if part is not None)
    for item in kept:
        if id(item) in used:
            continue
        if _resource_type(item) == "ServiceRequest" and not _own_keys(item) & run.task_focus:
            units.append(_Unit(item))
        else:
            reason = "a worklist Task's part, but no Task in this import takes it"
            refused.append(Outcome(item.where, _kind(item), "skipped", reason))
    return units, refused


def _by_key(
    items: Iterable[ReadItemLike], keys: Callable[[ReadItemLike], set[str]]
) -> dict[str, list[ReadItemLike]]:
    index: dict[str, list[ReadItemLike]] = {}
    for item in items:
        for key in keys(item):
            index.setdefault(key, []).append(item)
    return index


def _first_unused(
    index: dict[str, list[ReadItemLike]], keys: set[str], used: set[int]
) -> ReadItemLike | None:
    found = (item for key in sorted(keys) for item in index.get(key, []) if id(item) not in used)
    return next(found, None)


def _based_on(item: ReadItemLike) -> set[str]:
    return set().union(*(_reference_keys(r) for r in objs((item.resource or {}).get("basedOn"))))


def _kind(item: ReadItemLike) -> str:
    return shortened(_resource_type(item) or "?", 64)


def _commit_units(engine: Engine, run: ImportRun, units: list[_Unit]) -> list[Outcome]:
    """Import ``units`` in one transaction, each in its savepoint; tried again whole
    while the database is busy."""

    def attempt(session: Session) -> list[Outcome]:
        return [outcome for unit in units for outcome in _import_unit(run, session, unit)]

    return in_transaction(engine, attempt)


def _import_unit(run: ImportRun, session: Session, unit: _Unit) -> list[Outcome]:
    """One outcome per resource of the unit: its parts share the Task's."""
    main = unit.main
    parts = [part for part in (main, unit.focus, unit.booked) if part is not None]
    work = ImportWork(run, session, main.where)
    problem = next(
        (
            f"{_kind(part)} at {part.where}: {found}" if part is not main else found
            for part in parts
            if (found := model_problem(_kind(part), part.resource or {})) is not None
        ),
        None,
    )
    if problem is not None:
        result = Result("rejected", shortened(problem, REASON_MAX))
    elif _resource_type(main) == "Task":
        task = main.resource or {}
        focus = unit.focus.resource if unit.focus else None
        booked = unit.booked.resource if unit.booked else None
        result = _saved(work, lambda: work_in.task_from_fhir(work, task, focus, booked))
    else:
        result = _saved(work, lambda: work_in.referral_from_fhir(work, main.resource or {}))
    outcomes = [Outcome(main.where, _kind(main), result.action, result.reason, result.label)]
    quiet = result.action in ("created", "unchanged")
    for part in parts[1:]:
        reason = "" if quiet else f"read with its Task at {main.where}"
        outcomes.append(Outcome(part.where, _kind(part), result.action, reason, result.label))
    return outcomes
