"""Import patients, coverage, today's schedule and history from FHIR R4 resources.

``import_resources`` reads its input twice. Pass 1 imports the Patient resources
(and reports what could not be read); pass 2 imports everything that refers to a
patient: Coverage, Appointment (a visit on the schedule), AllergyIntolerance,
MedicationStatement and Condition. So a resource that comes before its patient, or
in another file, still finds it, and no file is ever held in memory.

Each resource is checked against the FHIR R4B model first, then mapped from its
JSON by the tables of ``ma_tui.fhir.codes`` (those the exporter writes with), so
what ma-tui exports comes back as the same values. Every resource gets exactly one
``Outcome``: created, updated, unchanged, skipped (a resource ma-tui has no use
for, said why) or rejected (with the reason, in one line).

Importing again never duplicates: a patient is found by MRN, other rows by the
identifier they were imported with (``source_id``), by the identifier ma-tui
exported them with, or by what they are (payer and member ID, substance, ...).
Each resource is written in its own SAVEPOINT, inside a transaction committed every
``batch_size`` resources: a resource that fails part way leaves nothing behind,
and the others are kept. Text is stored cleaned of control characters, and text
longer than its column rejects the resource: nothing is ever cut.
"""

from __future__ import annotations

import contextlib
import re
import sys
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, Literal, Protocol, TypeVar
from uuid import UUID

from fhir.resources.R4B import get_fhir_model_class
from fhir.resources.R4B.domainresource import DomainResource
from fhir.resources.R4B.resource import Resource
from pydantic import ValidationError
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session, SQLModel, col, select

from ma_tui.core.parsing import ParseError, normalize_phone
from ma_tui.data.audit import AuditAction, record
from ma_tui.data.models.history import (
    Allergy,
    AllergyCategory,
    Condition,
    HistoryEntry,
    HistoryReview,
    HistorySection,
    Medication,
)
from ma_tui.data.models.patients import Coverage, Patient, Sex
from ma_tui.data.models.settings import ClinicSetting
from ma_tui.data.models.staff import Staff, StaffRole
from ma_tui.data.models.visits import Encounter, EncounterStatus, EncounterStatusChange
from ma_tui.data.store import is_busy_error, retry_on_busy
from ma_tui.data.types import SOURCE_ID_MAX
from ma_tui.fhir import codes
from ma_tui.fhir.settings import CLINIC_ID_KEY
from ma_tui.patients.registration import clean_text, column_limit

Action = Literal["created", "updated", "unchanged", "skipped", "rejected"]
JSON = dict[str, Any]
_Row = TypeVar("_Row", bound=SQLModel)
_Entry = TypeVar("_Entry", bound=HistoryEntry)
_T = TypeVar("_T")

# Shared vocabulary not (yet) in ``codes``; listed for moving there.
_REFUTED = "refuted"  # AllergyIntolerance and Condition verification status
_NO_KNOWN_ALLERGY_WORDS = frozenset({"no known allergies", "no known allergy", "nka"})
# An Appointment participant that is a place or a thing, never the provider.
_NOT_A_PROVIDER = frozenset({"Patient", "Location", "Device", "HealthcareService", "RelatedPerson"})

ACTIONS: tuple[Action, ...] = ("created", "updated", "unchanged", "skipped", "rejected")
REASON_MAX = 160  # characters of a reason: one line of the report
_SHOWN_MAX = 40  # characters of a bad value echoed back in a reason
_UNLIMITED = sys.maxsize
_NUMBER_DIGITS = 30  # a dose or an age with more digits than this is not one
_ABSTRACT_TYPES = (Resource, DomainResource)

# A reference that names a patient: "Patient/abc", or a full URL ending so.
_PATIENT_TAIL = re.compile(r"(?:^|/)(Patient/[A-Za-z0-9\-.]{1,64})(?:/_history/[^/]*)?$")
_REFERENCE_TYPE = re.compile(r"(?:^|/)([A-Z][A-Za-z]+)/[A-Za-z0-9\-.]{1,64}(?:/_history/[^/]*)?$")
_FULL_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_DOCTOR = re.compile(r"^dr(?:\.\s*|\s+)")

# A language code back to the name ma-tui shows ("es" -> "Spanish"): the first name of
# ``codes.LANGUAGE_TAGS`` with that tag ("zh" is Chinese, not Mandarin).
_LANGUAGE_NAMES: dict[str, str] = {}
for _name, _tag in codes.LANGUAGE_TAGS.items():
    _LANGUAGE_NAMES.setdefault(_tag, _name.capitalize())


# --------------------------------------------------------------------- API


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


@dataclass(frozen=True)
class Outcome:
    where: str  # from the ReadItem: "patients.ndjson line 12"
    resource_type: str  # "Patient", ... or "?" for what could not be read
    action: Action
    reason: str = ""  # why skipped or rejected; a remark on a created or updated one
    label: str = ""  # "Patient MRN 10234 Whitfield, Dana", "Coverage Aetna 998877"


@dataclass
class ImportReport:
    """What an import did: counts per resource type and action, and each outcome worth
    a line (rejected, skipped, or with a remark). Every outcome is kept only when
    ``keep_every_outcome``: a million-resource import must not hold a million."""

    keep_every_outcome: bool = False
    tallies: dict[str, Counter[Action]] = field(default_factory=dict)
    notable: list[Outcome] = field(default_factory=list)
    outcomes: list[Outcome] = field(default_factory=list)  # when keep_every_outcome

    def add(self, outcome: Outcome) -> None:
        self.tallies.setdefault(outcome.resource_type, Counter())[outcome.action] += 1
        if self.keep_every_outcome:
            self.outcomes.append(outcome)
        if _is_unimported_type(outcome):
            return
        if outcome.action in ("rejected", "skipped") or outcome.reason:
            self.notable.append(outcome)

    def counts(self) -> dict[str, Counter[Action]]:
        """How many of each action, per resource type, types in the order first met."""
        return self.tallies

    @property
    def rejected(self) -> list[Outcome]:
        return [outcome for outcome in self.notable if outcome.action == "rejected"]

    def summary_lines(self) -> list[str]:
        """One line per resource type with its counts, then one per resource that was
        rejected, skipped or imported with a remark. A type ma-tui does not import is
        said once, on its count line, not once per resource."""
        lines = [self._count_line(kind, counted) for kind, counted in self.tallies.items()]
        return lines + [_outcome_line(outcome) for outcome in self.notable]

    def _count_line(self, kind: str, counted: Counter[Action]) -> str:
        parts = ", ".join(f"{counted[action]} {action}" for action in ACTIONS if counted[action])
        line = f"{_type_label(kind)}: {parts}"
        # Every resource of a type ma-tui does not import is skipped for that one reason.
        if kind not in _HANDLERS and counted["skipped"]:
            line += f" ({_not_imported(kind)})"
        return line


@dataclass(frozen=True)
class ImportContext:
    mrn_system: str  # Patient.identifier system of the clinic's MRNs
    now: datetime  # aware
    staff_id: int | None = None  # who imports (audit); None on the command line
    os_user: str | None = None
    batch_size: int = 200  # resources per committed transaction
    keep_every_outcome: bool = False  # ImportReport.outcomes: for small imports and tests


def import_resources(
    engine: Engine, read: Callable[[], Iterable[ReadItemLike]], context: ImportContext
) -> ImportReport:
    """Import what ``read()`` yields; ``read`` is called twice (patients first).

    Every item gets one ``Outcome``. Batches already committed stay when the database
    stays busy through every retry (``DatabaseBusy``) or fails outside any resource.
    """
    if context.now.tzinfo is None:
        raise ValueError("naive datetime given; pass an aware datetime (UTC or local)")
    run = _Run(context, _clinic_id(engine))
    report = ImportReport(keep_every_outcome=context.keep_every_outcome)
    patients_first = (item for item in read() if _in_first_pass(item))
    the_rest = (item for item in read() if not _in_first_pass(item))
    for items in (patients_first, the_rest):
        for batch in _batches(items, context.batch_size):
            for outcome in _commit_batch(engine, run, batch):
                report.add(outcome)
    return report


# ---------------------------------------------------------------- reporting


def _type_label(kind: str) -> str:
    return "Unreadable" if kind == "?" else kind


def _not_imported(resource_type: str) -> str:
    return f"ma-tui does not import {resource_type} resources"


def _is_unimported_type(outcome: Outcome) -> bool:
    return outcome.action == "skipped" and outcome.reason == _not_imported(outcome.resource_type)


def _outcome_line(outcome: Outcome) -> str:
    word = {"rejected": "REJECTED", "skipped": "SKIPPED"}.get(outcome.action, "NOTE")
    kind = "" if outcome.resource_type == "?" else f" {outcome.resource_type}"
    return f"{word} {outcome.where}{kind}: {outcome.reason}"


# ------------------------------------------------------------------ driving


class _Rejected(Exception):
    """The resource cannot be imported; the message is the report's reason."""


@dataclass(frozen=True)
class _Result:
    action: Action
    reason: str = ""
    label: str = ""
    mrn: str | None = None  # of an imported Patient: what references to it resolve to


@dataclass(frozen=True)
class _PatientRef:
    id: int
    mrn: str


@dataclass
class _Run:
    """What the whole import keeps: its context and the patients of pass 1."""

    context: ImportContext
    clinic_id: UUID | None  # this database's id: recognises ma-tui's own exported rows
    patient_keys: dict[str, str] = field(default_factory=dict)  # fullUrl, Patient/id -> MRN
    rejected_patients: dict[str, str] = field(default_factory=dict)  # same keys -> where
    providers: list[tuple[int, str]] | None = None  # (staff id, name key), read once
    # MRN -> patient id of patients found in the database: each resource of a patient
    # looks it up again. Patients are never deleted, so a found id stays right.
    patient_ids: dict[str, int] = field(default_factory=dict)


@dataclass
class _Batch:
    """One transaction's outcomes, and the patient keys it learned (kept once committed)."""

    outcomes: list[Outcome] = field(default_factory=list)
    patient_keys: dict[str, str] = field(default_factory=dict)
    rejected_patients: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class _Work:
    """One resource being imported."""

    run: _Run
    session: Session
    where: str

    @property
    def context(self) -> ImportContext:
        return self.run.context


def _clinic_id(engine: Engine) -> UUID | None:
    """The id the exporter made this database's resource ids from, if it has one yet."""
    with Session(engine) as session:
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


def _batches(items: Iterable[_T], size: int) -> Iterator[list[_T]]:
    batch: list[_T] = []
    for item in items:
        batch.append(item)
        if len(batch) >= max(1, size):
            yield batch
            batch = []
    if batch:
        yield batch


def _commit_batch(engine: Engine, run: _Run, items: list[ReadItemLike]) -> list[Outcome]:
    """Import ``items`` in one transaction, tried again whole while the database is busy."""

    def attempt() -> _Batch:
        batch = _Batch()
        with Session(engine) as session, session.begin():
            for item in items:
                batch.outcomes.append(_import_item(run, session, item, batch))
        return batch

    done = retry_on_busy(attempt)
    # Learned only once committed: a batch tried again must not see its own patients.
    run.patient_keys.update(done.patient_keys)
    run.rejected_patients.update(done.rejected_patients)
    return done.outcomes


def _import_item(run: _Run, session: Session, item: ReadItemLike, batch: _Batch) -> Outcome:
    if item.error is not None:
        return Outcome(item.where, "?", "rejected", _read_error(item.where, item.error))
    kind = _resource_type(item)
    resource = item.resource
    if kind is None or resource is None:
        return Outcome(item.where, "?", "rejected", "not a FHIR resource: no resourceType")
    result = _checked_import(_Work(run, session, item.where), kind, resource)
    if kind == "Patient":
        _learn_patient(batch, item, result)
    return Outcome(item.where, _shortened(kind, 64), result.action, result.reason, result.label)


def _checked_import(work: _Work, kind: str, resource: JSON) -> _Result:
    """Check the type and the model, then import in a savepoint: all of it, or nothing."""
    handler = _HANDLERS.get(kind)
    if handler is None:
        if _is_fhir_resource_type(kind):
            return _Result("skipped", _not_imported(kind))
        return _Result("rejected", f"unknown resource type {_shown(kind)}")
    problem = _model_problem(kind, resource)
    if problem is not None:
        return _Result("rejected", problem)
    try:
        with work.session.begin_nested():
            return handler(work, resource)
    except _Rejected as rejected:
        return _Result("rejected", _shortened(str(rejected), REASON_MAX))
    except SQLAlchemyError as error:
        if is_busy_error(error):
            raise  # the whole batch is tried again
        return _Result("rejected", _first_line(error))


def _learn_patient(batch: _Batch, item: ReadItemLike, result: _Result) -> None:
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
    return _shortened(reason, REASON_MAX)


def _first_line(error: BaseException) -> str:
    original = getattr(error, "orig", None)
    text = str(original if original is not None else error).strip()
    return _shortened(text.splitlines()[0] if text else type(error).__name__, REASON_MAX)


# ---------------------------------------------------------------- checking


def _is_fhir_resource_type(kind: str) -> bool:
    try:
        model = get_fhir_model_class(kind)
    except ValueError:
        return False
    return issubclass(model, Resource) and model not in _ABSTRACT_TYPES


def _model_problem(kind: str, resource: JSON) -> str | None:
    """Why the resource is not valid FHIR R4B, in one short line; None when it is."""
    try:
        get_fhir_model_class(kind).model_validate(resource)
    except ValidationError as invalid:
        problems = [_error_text(error) for error in invalid.errors()[:2]]
        return _shortened("; ".join(problems), REASON_MAX)
    return None


_ERROR_WORDS = {
    "date_parsing": "is not a valid date",
    "date_type": "is not a valid date",
    "date_from_datetime_parsing": "is not a valid date",
    "date_from_datetime_inexact": "is not a valid date",
    "datetime_parsing": "is not a valid date and time",
    "datetime_type": "is not a valid date and time",
    "string_type": "is not text",
    "list_type": "is not a list",
    "dict_type": "is not an object",
    "model_type": "is not an object",
    "model_attributes_type": "is not an object",
    "json_invalid": "is not an object",  # text where an element belongs
    "bool_type": "is not true or false",
    "bool_parsing": "is not true or false",
    "int_type": "is not a whole number",
    "int_parsing": "is not a whole number",
    "int_from_float": "is not a whole number",
    "decimal_parsing": "is not a number",
    "decimal_type": "is not a number",
    "float_parsing": "is not a number",
    "float_type": "is not a number",
}
# fhir.resources' own messages: "DateTime value string does not match spec regex.",
# "Value is expected from the instance of CodeableConcept, but got type <class 'list'>".
_PRIMITIVE_ERROR = re.compile(r"(\w+) value string does not match spec regex")
_ELEMENT_ERROR = re.compile(r"expected from the instance of (\w+)")
_FIELD_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def _error_text(error: Any) -> str:
    """One pydantic error as "birthDate: '1990-02-30' is not a valid date"."""
    path = _error_path(error.get("loc", ()))
    kind = str(error.get("type", ""))
    value = error.get("input")
    message = str(error.get("msg") or kind).splitlines()[0].removeprefix("Value error, ")
    if kind.endswith("missing"):
        return f"{path} is required"
    if kind == "extra_forbidden":
        return f"{path} is not a field of this resource type"
    if kind == "list_type" and isinstance(value, list):
        return f"{path}: {message}"  # "None is not allowed as an element of note"
    words = _ERROR_WORDS.get(kind) or _fhir_error_words(message)
    return f"{path}: {_shown(value)} {words}" if path else words


def _fhir_error_words(message: str) -> str:
    primitive = _PRIMITIVE_ERROR.search(message)
    if primitive:
        return f"is not a valid {primitive.group(1).lower()}"
    element = _ELEMENT_ERROR.search(message)
    if element:
        return f"is not a valid {element.group(1)}"
    return message[:1].lower() + message[1:]


def _error_path(location: Any) -> str:
    """A pydantic location as FHIR paths are written: ``name[0].family``."""
    path = ""
    for part in location if isinstance(location, tuple | list) else ():
        if isinstance(part, int):
            path += f"[{part}]"
        elif part == "root":
            continue  # fhir.resources' wrapper, not a field
        elif not _FIELD_NAME.fullmatch(str(part)):
            path += f"[{_shown(str(part))}]"
        else:
            path += f".{part}" if path else str(part)
    return path


def _shown(value: Any) -> str:
    """A bad value as a reason quotes it: short, escaped, one line."""
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "a list"
    text = repr(value)
    return text if len(text) <= _SHOWN_MAX else text[: _SHOWN_MAX - 1] + "…"


def _shortened(text: str, limit: int) -> str:
    one_line = clean_text(text, limit=_UNLIMITED)
    return one_line if len(one_line) <= limit else one_line[: limit - 1] + "…"


# ------------------------------------------------------------------ values


def _obj(value: Any) -> JSON | None:
    return value if isinstance(value, dict) else None


def _objs(value: Any) -> list[JSON]:
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _clean(value: Any) -> str | None:
    """Text fit to store: no control characters, single spaces; None when empty."""
    if not isinstance(value, str):
        return None
    return clean_text(value, limit=_UNLIMITED) or None


def _column_text(value: Any, model: type[SQLModel], column: str, what: str) -> str | None:
    """``value`` cleaned for ``model.column``; too long rejects the resource (never cut)."""
    text = _clean(value)
    limit = column_limit(model, column)
    if text is not None and len(text) > limit:
        raise _Rejected(f"{what} is {len(text)} characters long; ma-tui keeps at most {limit}")
    return text


def _required(value: _T | None, reason: str) -> _T:
    if value is None:
        raise _Rejected(reason)
    return value


def _boolean(value: Any, what: str, default: bool | None) -> bool | None:
    """A JSON boolean; the strings the FHIR model also accepts ("true", "no", ...) too.
    ``default`` when absent (None: not said, which leaves a stored value as it is)."""
    if value is None:
        return default
    if isinstance(value, bool):
        return value
    word = str(value).strip().casefold()
    if word in {"true", "t", "yes", "y", "on", "1"}:
        return True
    if word in {"false", "f", "no", "n", "off", "0"}:
        return False
    raise _Rejected(f"{what}: {_shown(value)} is not true or false")


def _whole_number(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isascii() and value.strip().isdigit():
        return int(value.strip())  # the model allows at most 2**31 - 1: never a huge one
    return None


def _number_text(value: Any) -> str | None:
    """A quantity's value as written for people: 2, 0.5, 1250 (never 1.25e+03)."""
    if isinstance(value, bool) or not isinstance(value, int | float | str | Decimal):
        return None
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        return None
    # Written out digit by digit below: "1e999999999" would be a billion characters.
    if not number.is_finite() or abs(number.adjusted()) > _NUMBER_DIGITS:
        return None
    return format(number.normalize(), "f")


def _codes(concept: Any) -> list[tuple[str | None, str]]:
    """A CodeableConcept's (system, code) pairs."""
    pairs: list[tuple[str | None, str]] = []
    for coding in _objs((_obj(concept) or {}).get("coding")):
        code = _str(coding.get("code"))
        if code and code.strip():
            pairs.append((_str(coding.get("system")), code.strip()))
    return pairs


def _has_code(concept: Any, code: str, system: str) -> bool:
    """True when a coding has ``code`` in ``system`` (or in no system: senders omit it)."""
    return any(c == code and s in (system, None) for s, c in _codes(concept))


def _status_code(concept: Any, system: str) -> str | None:
    """A status concept's code: the one in ``system``, else the first coding's."""
    found = codes.concept_code(concept, system)
    if found is not None:
        return found
    pairs = _codes(concept)
    return pairs[0][1] if pairs else None


def _full_date(value: Any, what: str) -> date | None:
    """The date of a FHIR date or dateTime (its date part as written); None when absent."""
    text = _str(value)
    if text is None:
        return None
    if not _FULL_DATE.match(text):
        raise _Rejected(f"{what}: {_shown(text)} is not a full date (YYYY-MM-DD)")
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        raise _Rejected(f"{what}: {_shown(text)} is not a valid date") from None


def _instant(text: str, what: str) -> datetime:
    """An instant with its offset, as an aware UTC datetime."""
    try:
        moment = datetime.fromisoformat(text)
        if moment.tzinfo is None:
            raise _Rejected(f"{what}: {_shown(text)} has no time zone offset")
        return moment.astimezone(UTC)
    except (ValueError, OverflowError):
        raise _Rejected(f"{what}: {_shown(text)} is not a valid date and time") from None


def _recorded_at(value: Any, now: datetime) -> datetime:
    """When an entry was recorded: a dateTime with offset, a date (midnight UTC), else now."""
    text = _str(value)
    if text is None:
        return now
    try:
        if len(text) == 10 and _FULL_DATE.fullmatch(text):
            return datetime.combine(date.fromisoformat(text), datetime.min.time(), UTC)
        moment = datetime.fromisoformat(text)
        return moment.astimezone(UTC) if moment.tzinfo is not None else now
    except (ValueError, OverflowError):
        return now


# ---------------------------------------------------------------- patients


def _mrn_value(identifier: Any, mrn_system: str) -> str | None:
    """The identifier's value when it is an MRN: typed MR, or in the clinic's MRN system."""
    found = _obj(identifier)
    if found is None:
        return None
    typed = _has_code(found.get("type"), codes.MRN_TYPE_CODE, codes.V2_IDENTIFIER_TYPE)
    if not (typed or found.get("system") == mrn_system):
        return None
    return _str(found.get("value"))


def _checked_mrn(value: str) -> str:
    mrn = value.strip()
    if clean_text(mrn, limit=_UNLIMITED) != mrn:
        raise _Rejected(f"MRN {_shown(value)} has control characters or line breaks")
    limit = column_limit(Patient, "mrn")
    if len(mrn) > limit:
        raise _Rejected(f"MRN is {len(mrn)} characters long; ma-tui keeps at most {limit}")
    return mrn


def _patient_mrn(resource: JSON, mrn_system: str) -> str:
    """The MRN: an identifier of the clinic's MRN system first, else one typed MR."""
    identifiers = _objs(resource.get("identifier"))
    in_system = [i for i in identifiers if i.get("system") == mrn_system]
    for identifier in [*in_system, *identifiers]:
        value = _mrn_value(identifier, mrn_system)
        if value and value.strip():
            return _checked_mrn(value)
    raise _Rejected(
        f"no MRN identifier (type {codes.MRN_TYPE_CODE} or system {_shortened(mrn_system, 60)})"
    )


_PATIENT_IDS_KEPT = 100_000  # MRNs remembered at most; a bigger import starts over


def _patient_by_mrn(work: _Work, mrn: str) -> _PatientRef | None:
    known = work.run.patient_ids
    patient_id = known.get(mrn)
    if patient_id is None:
        patient_id = work.session.exec(select(Patient.id).where(Patient.mrn == mrn)).first()
        if patient_id is None:
            return None
        if len(known) >= _PATIENT_IDS_KEPT:
            known.clear()
        known[mrn] = patient_id
    return _PatientRef(patient_id, mrn)


def _reference_keys(reference: str) -> list[str]:
    """The keys pass 1 may know a reference by: as written, and as ``Patient/<id>``."""
    tail = _PATIENT_TAIL.search(reference)
    return [reference, tail.group(1)] if tail else [reference]


def _patient_of(work: _Work, value: Any, what: str) -> _PatientRef:
    """The patient a Reference points to: by reference (to a Patient of this import) or
    by identifier (an MRN, of this import or already in the database)."""
    reference = _obj(value)
    if reference is None or not (reference.get("reference") or reference.get("identifier")):
        raise _Rejected(f"no patient: {what} has no reference or identifier")
    text = _str(reference.get("reference"))
    keys = _reference_keys(text) if text else []
    for key in keys:
        mrn = work.run.patient_keys.get(key)
        found = _patient_by_mrn(work, mrn) if mrn else None
        if found is not None:
            return found
    for key in keys:
        where = work.run.rejected_patients.get(key)
        if where is not None:
            raise _Rejected(f"its patient ({where}) was rejected")
    mrn = _mrn_value(reference.get("identifier"), work.context.mrn_system)
    found = _patient_by_mrn(work, mrn.strip()) if mrn else None
    if found is not None:
        return found
    raise _Rejected(
        f"refers to {_reference_shown(reference)}, "
        "which is neither in this import nor known by identifier"
    )


def _reference_shown(reference: JSON) -> str:
    text = _str(reference.get("reference"))
    if text:
        return _shortened(text, 80)
    identifier = _obj(reference.get("identifier")) or {}
    value = _str(identifier.get("value")) or "?"
    system = _str(identifier.get("system"))
    return _shortened(f"identifier {system}|{value}" if system else f"identifier {value}", 80)


def _names_a_patient(run: _Run, actor: JSON) -> bool:
    """True when an Appointment participant is the patient (or claims to be one)."""
    if actor.get("type") == "Patient":
        return True
    text = _str(actor.get("reference")) or ""
    keys = _reference_keys(text) if text else []
    if any(key in run.patient_keys or key in run.rejected_patients for key in keys):
        return True
    if _PATIENT_TAIL.search(text):
        return True
    return _mrn_value(actor.get("identifier"), run.context.mrn_system) is not None


def _import_patient(work: _Work, resource: JSON) -> _Result:
    mrn = _patient_mrn(resource, work.context.mrn_system)
    values = _patient_values(resource)
    existing = work.session.exec(select(Patient).where(Patient.mrn == mrn)).first()
    created = {"mrn": mrn, "created_at": work.context.now, "updated_at": work.context.now}
    action, _ = _upsert(
        work,
        Patient,
        existing,
        values,
        created=created,
        touched={"updated_at": work.context.now},
    )
    label = f"Patient MRN {mrn} {values['family_name']}, {values['given_name']}"
    return _Result(action, label=_shortened(label, 120), mrn=mrn)


def _patient_values(resource: JSON) -> dict[str, Any]:
    family, given, middle = _patient_name(resource.get("name"))
    birth_date = _full_date(resource.get("birthDate"), "birthDate")
    phone, email = _telecom(resource.get("telecom"))
    address = (_objs(resource.get("address")) or [{}])[0]
    lines = address.get("line")
    guardian = _guardian(resource.get("contact"))
    return {
        "family_name": family,
        "given_name": given,
        "middle_name": middle,
        "birth_date": _required(birth_date, "no birthDate"),
        "sex": _sex(resource.get("gender")),
        "phone": _column_text(phone, Patient, "phone", "telecom (phone)"),
        "email": _column_text(email, Patient, "email", "telecom (email)"),
        "address_line": _column_text(
            lines[0] if isinstance(lines, list) and lines else None,
            Patient,
            "address_line",
            "address.line",
        ),
        "city": _column_text(address.get("city"), Patient, "city", "address.city"),
        "state": _column_text(address.get("state"), Patient, "state", "address.state"),
        "postal_code": _column_text(
            address.get("postalCode"), Patient, "postal_code", "address.postalCode"
        ),
        "preferred_language": _column_text(
            _language(resource.get("communication")),
            Patient,
            "preferred_language",
            "communication.language",
        ),
        "interpreter_needed": _interpreter_needed(resource.get("extension")),
        "guardian_name": _column_text(guardian[0], Patient, "guardian_name", "contact.name"),
        "guardian_relationship": _column_text(
            guardian[1], Patient, "guardian_relationship", "contact.relationship"
        ),
        "guardian_phone": _column_text(guardian[2], Patient, "guardian_phone", "contact.telecom"),
        "active": _boolean(resource.get("active"), "active", default=None),
    }


def _patient_name(value: Any) -> tuple[str, str, str | None]:
    """Family, given and middle names of the official name, else the usual, else the first."""
    names = _objs(value)
    chosen = next(
        (name for use in ("official", "usual") for name in names if name.get("use") == use),
        names[0] if names else {},
    )
    cleaned = (_clean(given) for given in chosen.get("given") or ())
    given_names = [given for given in cleaned if given]
    family = _column_text(chosen.get("family"), Patient, "family_name", "name.family")
    if family is None or not given_names:
        raise _Rejected("no family and given name")
    given = _column_text(given_names[0], Patient, "given_name", "name.given")
    middle = _column_text(" ".join(given_names[1:]), Patient, "middle_name", "name.given")
    return family, _required(given, "no family and given name"), middle


def _sex(value: Any) -> Sex:
    if value is None:
        return Sex.UNKNOWN
    try:
        return Sex(value)
    except ValueError:
        raise _Rejected(f"unknown gender {_shown(value)}") from None


def _telecom(value: Any) -> tuple[str | None, str | None]:
    """The first phone (as ma-tui writes US numbers, when it is one) and the first email."""
    points = _objs(value)
    phone = next((_clean(p.get("value")) for p in points if p.get("system") == "phone"), None)
    email = next((_clean(p.get("value")) for p in points if p.get("system") == "email"), None)
    if phone is not None:
        with contextlib.suppress(ParseError):  # not a US number: kept as sent
            phone = normalize_phone(phone)
    return phone, email


def _language(value: Any) -> str | None:
    """The preferred language's words, else its name from its code, else the code."""
    spoken = _objs(value)
    preferred = next((c for c in spoken if c.get("preferred") is True), None)
    chosen = preferred or (spoken[0] if spoken else None)
    if chosen is None:
        return None
    concept = _obj(chosen.get("language")) or {}
    text = _clean(concept.get("text"))
    if text:
        return text
    pairs = _codes(concept)
    if not pairs:
        return None
    code = pairs[0][1]
    tag = code.casefold()  # "es", or "es-MX": Spanish all the same
    return _LANGUAGE_NAMES.get(tag) or _LANGUAGE_NAMES.get(tag.split("-")[0]) or code


def _interpreter_needed(value: Any) -> bool | None:
    """The interpreter extension's answer; None when the resource does not say."""
    for extension in _objs(value):
        if extension.get("url") == codes.INTERPRETER_EXTENSION:
            return _boolean(extension.get("valueBoolean"), "interpreterRequired", default=None)
    return None


def _guardian(value: Any) -> tuple[str | None, str | None, str | None]:
    """Name, relationship and phone of the first contact that is a guardian."""
    for contact in _objs(value):
        relationships = _objs(contact.get("relationship"))
        if not any(_has_code(r, codes.GUARDIAN_CODE, codes.V3_ROLE_CODE) for r in relationships):
            continue
        name = _obj(contact.get("name")) or {}
        words = _clean(name.get("text"))
        if words is None:
            parts = [g for g in name.get("given") or () if isinstance(g, str)]
            words = _clean(" ".join([*parts, _str(name.get("family")) or ""]))
        relationship = next((_clean(r.get("text")) for r in relationships if r.get("text")), None)
        phone, _ = _telecom(contact.get("telecom"))
        return words, relationship, phone
    return None, None, None


# ---------------------------------------------------------------- coverage


def _import_coverage(work: _Work, resource: JSON) -> _Result:
    if resource.get("status") == codes.ENTERED_IN_ERROR:
        return _Result("skipped", "entered in error")
    patient = _patient_of(work, resource.get("beneficiary"), "beneficiary")
    values = _coverage_values(resource)
    existing = _matching_coverage(work, patient, resource, values)
    created = {"patient_id": patient.id, "source_id": _source_id(resource, "Coverage")}
    action, _ = _upsert(work, Coverage, existing, values, created=created)
    label = f"Coverage {values['payer']} {values['member_id']}"
    return _Result(action, label=_shortened(label, 120))


def _coverage_values(resource: JSON) -> dict[str, Any]:
    payer = next((p.get("display") for p in _objs(resource.get("payor")) if p.get("display")), None)
    member_id = _member_number(resource)
    relationship = _obj(resource.get("relationship")) or {}
    relation = _clean(relationship.get("text")) or next(
        (code for _, code in _codes(relationship)), "self"
    )
    period = _obj(resource.get("period")) or {}
    order = _whole_number(resource.get("order"))
    return {
        "payer": _required(
            _column_text(payer, Coverage, "payer", "payor.display"),
            "no payer name (payor.display)",
        ),
        "member_id": _required(
            _column_text(member_id, Coverage, "member_id", "member ID"),
            "no member ID (identifier of type MB, or subscriberId)",
        ),
        "group_number": _column_text(
            _coverage_class(resource, codes.GROUP_CLASS), Coverage, "group_number", "class (group)"
        ),
        "plan_name": _column_text(
            _coverage_class(resource, codes.PLAN_CLASS, name_first=True),
            Coverage,
            "plan_name",
            "class (plan)",
        ),
        "subscriber_name": _column_text(
            (_obj(resource.get("subscriber")) or {}).get("display"),
            Coverage,
            "subscriber_name",
            "subscriber.display",
        ),
        "subscriber_relationship": _column_text(
            relation, Coverage, "subscriber_relationship", "relationship"
        ),
        "effective_date": _full_date(period.get("start"), "period.start"),
        "expiry_date": _full_date(period.get("end"), "period.end"),
        "priority": order if order is not None else 1,
        "active": resource.get("status") == "active",
    }


def _member_number(resource: JSON) -> Any:
    for identifier in _objs(resource.get("identifier")):
        member = _has_code(identifier.get("type"), codes.MEMBER_TYPE_CODE, codes.V2_IDENTIFIER_TYPE)
        if member and _clean(identifier.get("value")):
            return identifier.get("value")
    return resource.get("subscriberId")


def _coverage_class(resource: JSON, kind: str, *, name_first: bool = False) -> str | None:
    for item in _objs(resource.get("class")):
        if _has_code(item.get("type"), kind, codes.COVERAGE_CLASS):
            keys = ("name", "value") if name_first else ("value",)
            return next((_clean(item.get(k)) for k in keys if _clean(item.get(k))), None)
    return None


def _matching_coverage(
    work: _Work, patient: _PatientRef, resource: JSON, values: Mapping[str, Any]
) -> Coverage | None:
    """The patient's coverage this resource is: same source, else same payer and member ID."""
    rows = work.session.exec(select(Coverage).where(Coverage.patient_id == patient.id)).all()
    source_id = _source_id(resource, "Coverage")
    by_source = [row for row in rows if source_id and row.source_id == source_id]
    payer = str(values["payer"]).casefold()
    same_policy = [
        row
        for row in rows
        if row.payer.casefold() == payer and row.member_id == values["member_id"]
    ]
    return next(iter(by_source or same_policy), None)


# ------------------------------------------------------------- appointments


def _import_appointment(work: _Work, resource: JSON) -> _Result:
    status_code = _str(resource.get("status")) or ""
    if status_code not in codes.APPOINTMENT_STATUS_IN:
        raise _Rejected(f"unknown appointment status {_shown(status_code)}")
    status = codes.APPOINTMENT_STATUS_IN[status_code]
    if status is None:
        return _Result("skipped", f"appointment is {status_code}: not a visit to room")
    start = _str(resource.get("start"))
    if not start:
        raise _Rejected("no start time")
    scheduled_at = _instant(start, "start")
    source_id = _source_id(resource, "Appointment")
    if source_id is None:
        raise _Rejected("no identifier or id: importing it again would duplicate the visit")
    patient = _appointment_patient(work, resource)
    provider_id, remark = _appointment_provider(work, resource)
    visit_type = _column_text(_visit_type(resource), Encounter, "visit_type", "appointmentType")
    values: dict[str, Any] = {
        "scheduled_at": scheduled_at,
        "scheduled_minutes": _slot_minutes(resource, scheduled_at),
        "provider_id": provider_id,
        "visit_type": visit_type or "follow-up",
        "status": status,
    }
    local = scheduled_at.astimezone(work.context.now.tzinfo)
    label = f"Appointment {local:%Y-%m-%d %H:%M} MRN {patient.mrn}"
    existing = _matching_visit(work, resource, source_id)
    if existing is None:
        _create_visit(work, patient, values, source_id)
        return _Result("created", remark, label)
    if existing.patient_id != patient.id:
        raise _Rejected("this appointment is already on the schedule for another patient")
    return _update_visit(work, existing, values, remark, label)


def _slot_minutes(resource: JSON, start: datetime) -> int | None:
    """The booked slot's length: minutesDuration, else end - start (to the nearest minute)."""
    minutes = _whole_number(resource.get("minutesDuration"))
    if minutes is not None:
        return minutes
    end = _str(resource.get("end"))
    if not end:
        return None
    length = round((_instant(end, "end") - start).total_seconds() / 60)
    if length <= 0:
        raise _Rejected(f"end {_shown(end)} is not after start")
    return length


def _appointment_patient(work: _Work, resource: JSON) -> _PatientRef:
    for participant in _objs(resource.get("participant")):
        actor = _obj(participant.get("actor"))
        if actor is not None and _names_a_patient(work.run, actor):
            return _patient_of(work, actor, "participant.actor")
    raise _Rejected("no patient among the participants (participant.actor)")


def _appointment_provider(work: _Work, resource: JSON) -> tuple[int | None, str]:
    """The ma-tui provider named by a participant, or None and a remark saying why."""
    names = _provider_names(work.run, resource)
    providers = _providers(work)
    for name in names:
        staff_id = next((sid for sid, key in providers if key == _person_key(name)), None)
        if staff_id is not None:
            return staff_id, ""
    if not names:
        return None, ""
    shown = _shortened(names[0], 60)
    return None, f"imported without a provider: '{shown}' is not a ma-tui user"


def _provider_names(run: _Run, resource: JSON) -> list[str]:
    """The display names of the participants that may be the provider."""
    names: list[str] = []
    for participant in _objs(resource.get("participant")):
        actor = _obj(participant.get("actor"))
        if actor is None or _names_a_patient(run, actor) or not _may_be_provider(actor):
            continue
        display = _clean(actor.get("display"))
        if display:
            names.append(display)
    return names


def _may_be_provider(actor: JSON) -> bool:
    if actor.get("type") in _NOT_A_PROVIDER:
        return False
    typed = _REFERENCE_TYPE.search(_str(actor.get("reference")) or "")
    return typed is None or typed.group(1) not in _NOT_A_PROVIDER


def _providers(work: _Work) -> list[tuple[int, str]]:
    """Active providers' ids and name keys, read once per import."""
    if work.run.providers is None:
        rows = work.session.exec(
            select(Staff).where(Staff.role == StaffRole.PROVIDER, col(Staff.active).is_(True))
        ).all()
        work.run.providers = [
            (row.id, _person_key(row.display_name)) for row in rows if row.id is not None
        ]
    return work.run.providers


def _person_key(name: str) -> str:
    """A name as compared: case and spacing ignored, and a leading "Dr." too."""
    return _DOCTOR.sub("", " ".join(name.casefold().split()))


def _visit_type(resource: JSON) -> str | None:
    kind = codes.concept_text(resource.get("appointmentType"))
    if kind is None:
        services = _objs(resource.get("serviceType"))
        kind = codes.concept_text(services[0]) if services else None
    return kind


def _matching_visit(work: _Work, resource: JSON, source_id: str) -> Encounter | None:
    own = _own_row_id(work, resource, "appointment")
    if own is not None:
        visit = work.session.get(Encounter, own)
        if visit is not None:
            return visit
    return work.session.exec(
        select(Encounter).where(Encounter.source_id == source_id).order_by(col(Encounter.id))
    ).first()


def _create_visit(
    work: _Work, patient: _PatientRef, values: Mapping[str, Any], source_id: str
) -> None:
    now = work.context.now
    visit = Encounter(
        patient_id=patient.id, status_changed_at=now, created_at=now, source_id=source_id, **values
    )
    work.session.add(visit)
    work.session.flush()
    _status_change(work, visit)
    _audit(work, visit, patient.id, sorted(k for k, v in values.items() if v is not None))


def _update_visit(
    work: _Work, visit: Encounter, values: Mapping[str, Any], remark: str, label: str
) -> _Result:
    """A visit still scheduled follows the EHR; one that has moved on is left alone."""
    changed = _changed(visit, values)
    if not changed:
        return _Result("unchanged", label=label)
    if visit.status != EncounterStatus.SCHEDULED or visit.signed_at is not None:
        status = EncounterStatus(visit.status).label.lower()
        return _Result("skipped", f"visit already {status}; not changed", label)
    for name in changed:
        setattr(visit, name, values[name])
    if "status" in changed:
        visit.status_changed_at = work.context.now
        _status_change(work, visit)
    work.session.add(visit)
    work.session.flush()
    _audit(work, visit, visit.patient_id, changed)
    return _Result("updated", remark, label)


def _status_change(work: _Work, visit: Encounter) -> None:
    assert visit.id is not None
    work.session.add(
        EncounterStatusChange(
            encounter_id=visit.id,
            status=visit.status,
            changed_at=work.context.now,
            changed_by_id=work.context.staff_id,
        )
    )


# ----------------------------------------------------------------- history


def _import_allergy(work: _Work, resource: JSON) -> _Result:
    patient = _patient_of(work, resource.get("patient"), "patient")
    verification = _status_code(resource.get("verificationStatus"), codes.ALLERGY_VERIFICATION)
    substance = _column_text(
        codes.concept_text(resource.get("code")), Allergy, "substance", "code.text"
    )
    label = _shortened(f"AllergyIntolerance {substance or '?'} (MRN {patient.mrn})", 120)
    if verification == codes.ENTERED_IN_ERROR:
        return _mark_error(work, Allergy, patient, resource, "allergy", substance, label)
    if verification == _REFUTED:
        return _Result("skipped", "refuted: not an allergy", label)
    if _is_no_known_allergy(resource.get("code")):
        return _no_known_allergies(work, patient, resource, label)
    values = _allergy_values(resource, _required(substance, "no substance (code.text)"))
    return _import_entry(work, Allergy, patient, resource, "allergy", values, label)


def _allergy_values(resource: JSON, substance: str) -> dict[str, Any]:
    categories = resource.get("category")
    category_code = _str(categories[0]) if isinstance(categories, list) and categories else None
    category = AllergyCategory.MEDICATION
    if category_code is not None:
        if category_code not in codes.ALLERGY_CATEGORIES:
            raise _Rejected(f"unknown allergy category {_shown(category_code)}")
        category = codes.ALLERGY_CATEGORIES[category_code]
    clinical = _status_code(resource.get("clinicalStatus"), codes.ALLERGY_CLINICAL)
    if clinical is not None and clinical not in codes.ALLERGY_CLINICAL_IN:
        raise _Rejected(f"unknown clinical status {_shown(clinical)}")
    reaction = (_objs(resource.get("reaction")) or [{}])[0]
    manifestations = _objs(reaction.get("manifestation"))
    severity_code = _str(reaction.get("severity"))
    if severity_code is not None and severity_code not in codes.ALLERGY_SEVERITIES:
        raise _Rejected(f"unknown reaction severity {_shown(severity_code)}")
    return {
        "substance": substance,
        "category": category,
        "active": codes.ALLERGY_CLINICAL_IN[clinical] if clinical is not None else True,
        "reaction": _column_text(
            codes.concept_text(manifestations[0]) if manifestations else None,
            Allergy,
            "reaction",
            "reaction.manifestation",
        ),
        "severity": codes.ALLERGY_SEVERITIES.get(severity_code) if severity_code else None,
        "note": _note(resource, Allergy),
    }


def _is_no_known_allergy(code: Any) -> bool:
    if _has_code(code, codes.NO_KNOWN_ALLERGY, codes.SNOMED):
        return True
    text = codes.concept_text(code)
    return text is not None and text.casefold() in _NO_KNOWN_ALLERGY_WORDS


def _no_known_allergies(work: _Work, patient: _PatientRef, resource: JSON, label: str) -> _Result:
    """Record "no known allergies" as a review of the allergies, when it is still true."""
    allergies = work.session.exec(select(Allergy).where(Allergy.patient_id == patient.id)).all()
    if any(a.active and not a.entered_in_error for a in allergies):
        return _Result("skipped", "patient has recorded allergies", label)
    latest = work.session.exec(
        select(HistoryReview)
        .where(
            HistoryReview.patient_id == patient.id,
            HistoryReview.section == HistorySection.ALLERGIES,
        )
        .order_by(col(HistoryReview.reviewed_at).desc(), col(HistoryReview.id).desc())
    ).first()
    if latest is not None and latest.none_known:
        return _Result("unchanged", label=label)
    review = HistoryReview(
        patient_id=patient.id,
        section=HistorySection.ALLERGIES,
        none_known=True,
        reviewed_at=_recorded_at(resource.get("recordedDate"), work.context.now),
        reviewed_by_id=work.context.staff_id,
    )
    work.session.add(review)
    work.session.flush()
    _audit(work, review, patient.id, ["none_known", "section"])
    return _Result("created", label=label)


def _import_medication(work: _Work, resource: JSON) -> _Result:
    patient = _patient_of(work, resource.get("subject"), "subject")
    concept = resource.get("medicationCodeableConcept")
    if concept is None and resource.get("medicationReference") is not None:
        raise _Rejected("medication given by reference; ma-tui reads medicationCodeableConcept")
    name = _column_text(
        codes.concept_text(concept), Medication, "name", "medicationCodeableConcept"
    )
    label = _shortened(f"MedicationStatement {name or '?'} (MRN {patient.mrn})", 120)
    status_code = _str(resource.get("status")) or ""
    if status_code == codes.ENTERED_IN_ERROR:
        return _mark_error(work, Medication, patient, resource, "medication", name, label)
    if status_code not in codes.MEDICATION_STATUS_IN:
        raise _Rejected(f"unknown medication status {_shown(status_code)}")
    dose, route, frequency = _dosage((_objs(resource.get("dosage")) or [{}])[0])
    values = {
        "name": _required(name, "no medication name (medicationCodeableConcept.text)"),
        "dose": dose,
        "route": route,
        "frequency": frequency,
        "status": codes.MEDICATION_STATUS_IN[status_code],
        "note": _note(resource, Medication),
    }
    return _import_entry(work, Medication, patient, resource, "medication", values, label)


def _dosage(dosage: JSON) -> tuple[str | None, str | None, str | None]:
    """Dose, route and frequency. The dose is the quantity when given, else the text
    without the route and frequency it ends with (as ma-tui writes it: "2 puffs inhaled
    every 4 hours"), else the whole text."""
    route = _column_text(codes.concept_text(dosage.get("route")), Medication, "route", "route")
    timing = _obj(dosage.get("timing")) or {}
    frequency = _column_text(
        codes.concept_text(timing.get("code")), Medication, "frequency", "timing.code"
    )
    dose = _dose_quantity(dosage)
    text = _clean(dosage.get("text"))
    if dose is None and text is not None:
        suffix = " ".join(part for part in (route, frequency) if part)
        if suffix and (text == suffix or text.endswith(" " + suffix)):
            dose = text[: -len(suffix)].strip() or None
        else:
            dose = text
    return _column_text(dose, Medication, "dose", "dosage"), route, frequency


def _dose_quantity(dosage: JSON) -> str | None:
    for dose_and_rate in _objs(dosage.get("doseAndRate")):
        quantity = _obj(dose_and_rate.get("doseQuantity"))
        number = _number_text(quantity.get("value")) if quantity else None
        if quantity is not None and number is not None:
            unit = _clean(quantity.get("unit")) or _clean(quantity.get("code"))
            return f"{number} {unit}" if unit else number
    return None


def _import_condition(work: _Work, resource: JSON) -> _Result:
    patient = _patient_of(work, resource.get("subject"), "subject")
    verification = _status_code(resource.get("verificationStatus"), codes.CONDITION_VERIFICATION)
    name = _column_text(codes.concept_text(resource.get("code")), Condition, "name", "code.text")
    label = _shortened(f"Condition {name or '?'} (MRN {patient.mrn})", 120)
    if verification == codes.ENTERED_IN_ERROR:
        return _mark_error(work, Condition, patient, resource, "condition", name, label)
    if verification == _REFUTED:
        return _Result("skipped", "refuted: not a condition", label)
    clinical = _status_code(resource.get("clinicalStatus"), codes.CONDITION_CLINICAL)
    if clinical is not None and clinical not in codes.CONDITION_STATUS_IN:
        raise _Rejected(f"unknown clinical status {_shown(clinical)}")
    values = {
        "name": _required(name, "no condition name (code.text)"),
        "code": _column_text(
            codes.concept_code(resource.get("code"), codes.ICD10CM), Condition, "code", "code"
        ),
        "onset": _column_text(_onset(resource), Condition, "onset", "onset"),
        "status": codes.CONDITION_STATUS_IN[clinical or "active"],
        "note": _note(resource, Condition),
    }
    return _import_entry(work, Condition, patient, resource, "condition", values, label)


def _onset(resource: JSON) -> str | None:
    """The onset as told: its words, its dateTime as written, "age N", or a period's start."""
    for key in ("onsetString", "onsetDateTime"):
        if _clean(resource.get(key)):
            return _clean(resource.get(key))
    age = _obj(resource.get("onsetAge"))
    number = _number_text(age.get("value")) if age else None
    if number is not None:
        return f"age {number}"
    period = _obj(resource.get("onsetPeriod")) or {}
    return _clean(period.get("start"))


def _note(resource: JSON, model: type[HistoryEntry]) -> str | None:
    notes = _objs(resource.get("note"))
    return _column_text(notes[0].get("text") if notes else None, model, "note", "note.text")


# ------------------------------------------------------- history: matching


_NAME_COLUMN: dict[type[HistoryEntry], str] = {
    Allergy: "substance",
    Medication: "name",
    Condition: "name",
}


def _import_entry(
    work: _Work,
    model: type[_Entry],
    patient: _PatientRef,
    resource: JSON,
    kind: str,
    values: Mapping[str, Any],
    label: str,
) -> _Result:
    """Update the patient's entry this resource is, or add it."""
    name = str(values[_NAME_COLUMN[model]])
    existing = _matching_entry(work, model, patient, resource, kind, name)
    if existing is not None and existing.entered_in_error:
        # An MA marked it wrong in ma-tui: the sender's copy does not bring it back.
        return _Result("skipped", "marked entered-in-error in ma-tui; not imported again", label)
    resource_type = str(resource.get("resourceType"))
    recorded_at = resource.get("recordedDate") or resource.get("dateAsserted")
    created = {
        "patient_id": patient.id,
        "recorded_at": _recorded_at(recorded_at, work.context.now),
        "recorded_by_id": work.context.staff_id,
        "source_id": _source_id(resource, resource_type),
    }
    action, _ = _upsert(work, model, existing, values, created=created)
    return _Result(action, label=label)


def _mark_error(
    work: _Work,
    model: type[_Entry],
    patient: _PatientRef,
    resource: JSON,
    kind: str,
    name: str | None,
    label: str,
) -> _Result:
    """An entered-in-error resource marks the entry it is; nothing is ever deleted."""
    entry = _matching_entry(work, model, patient, resource, kind, name)
    if entry is None:
        return _Result("skipped", "nothing to mark entered-in-error", label)
    action, _ = _upsert(work, model, entry, {"entered_in_error": True})
    return _Result(action, label=label)


def _matching_entry(
    work: _Work,
    model: type[_Entry],
    patient: _PatientRef,
    resource: JSON,
    kind: str,
    name: str | None,
) -> _Entry | None:
    """The patient's entry this resource is: the row ma-tui exported it from, else the
    one imported from the same source (one still valid first), else one of the same
    name that is not entered in error. Only the name match skips entries in error: a
    resource that names its row (an export of an entry in error) never marks another."""
    rows = work.session.exec(
        select(model).where(model.patient_id == patient.id).order_by(col(model.id))
    ).all()
    own = _own_row_id(work, resource, kind)
    source_id = _source_id(resource, str(resource.get("resourceType")))
    column = _NAME_COLUMN[model]
    by_own = [row for row in rows if own is not None and row.id == own]
    by_source = sorted(
        (row for row in rows if source_id is not None and row.source_id == source_id),
        key=lambda row: row.entered_in_error,
    )
    by_name = [
        row
        for row in rows
        if not row.entered_in_error
        and name is not None
        and str(getattr(row, column)).casefold() == name.casefold()
    ]
    return next(iter(by_own or by_source or by_name), None)


def _source_id(resource: JSON, resource_type: str) -> str | None:
    """What an imported row remembers of its resource, as ``codes.source_id_of``, with
    the sender's own identifiers before ma-tui's (a row imported from an EHR, exported
    and imported elsewhere keeps the EHR's) and without member numbers (a Coverage's
    member ID is the policy's, not the resource's)."""
    identifiers = [
        i
        for i in _objs(resource.get("identifier"))
        if not _has_code(i.get("type"), codes.MEMBER_TYPE_CODE, codes.V2_IDENTIFIER_TYPE)
    ]
    identifiers.sort(key=lambda i: str(i.get("system") or "").startswith(codes.LOCAL_SYSTEM_PREFIX))
    source = codes.source_id_of({**resource, "identifier": identifiers})
    if source is None:
        return None
    source = clean_text(source, limit=_UNLIMITED)
    if len(source) > SOURCE_ID_MAX:
        raise _Rejected(
            f"identifier is {len(source)} characters long; ma-tui keeps at most {SOURCE_ID_MAX}"
        )
    return source or None


def _own_row_id(work: _Work, resource: JSON, kind: str) -> int | None:
    """The row ma-tui exported this resource from, when it came from this very database:
    its identifier ``urn:ma-tui:<kind>|<id>`` and a resource id made by this clinic."""
    clinic_id = work.run.clinic_id
    resource_type = resource.get("resourceType")
    if clinic_id is None or not isinstance(resource_type, str):
        return None
    for identifier in _objs(resource.get("identifier")):
        value = _str(identifier.get("value")) or ""
        if identifier.get("system") == codes.local_system(kind) and value.isdigit():
            expected = codes.resource_uuid(clinic_id, resource_type, int(value))
            if resource.get("id") == expected:
                return int(value)
    return None


# ---------------------------------------------------------------- writing


def _changed(row: SQLModel, values: Mapping[str, Any]) -> list[str]:
    return [name for name, value in values.items() if getattr(row, name) != value]


def _upsert(
    work: _Work,
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
        _audit(work, row, _patient_id_of(row), sorted(given))
        return "created", row
    changed = _changed(existing, given)
    if not changed:
        return "unchanged", existing
    for name in changed:
        setattr(existing, name, given[name])
    for name, value in (touched or {}).items():
        setattr(existing, name, value)
    work.session.add(existing)
    work.session.flush()
    _audit(work, existing, _patient_id_of(existing), changed)
    return "updated", existing


def _patient_id_of(row: SQLModel) -> int | None:
    if isinstance(row, Patient):
        return row.id
    patient_id = getattr(row, "patient_id", None)
    return patient_id if isinstance(patient_id, int) else None


def _audit(work: _Work, row: SQLModel, patient_id: int | None, fields: list[str]) -> None:
    """One import event per row written: where it came from and which fields (names only)."""
    table = getattr(row, "__tablename__", None)
    record(
        work.session,
        action=AuditAction.IMPORT,
        at=work.context.now,
        staff_id=work.context.staff_id,
        os_user=work.context.os_user,
        patient_id=patient_id,
        entity=table if isinstance(table, str) else type(row).__name__.lower(),
        entity_id=getattr(row, "id", None),
        detail={"source": work.where, "fields": fields},
    )


_HANDLERS: dict[str, Callable[[_Work, JSON], _Result]] = {
    "Patient": _import_patient,
    "Coverage": _import_coverage,
    "Appointment": _import_appointment,
    "AllergyIntolerance": _import_allergy,
    "MedicationStatement": _import_medication,
    "Condition": _import_condition,
}
