"""Visits as a FHIR R4 (US Core) Bundle: the patient, coverage, history and each visit.

``export_resources`` turns a ``Selection`` (one visit, one day, one patient, or the
whole clinic) into FHIR resources as plain JSON-ready dicts, one at a time and one
patient at a time, so an export of the whole clinic never holds it all in memory.
``write_bundle`` streams them into a Bundle of type collection.

Every resource's id is ``codes.resource_uuid`` of its row, so exporting twice gives
the same ids; references between resources are ``urn:uuid:`` fullUrls. What each
resource holds is the contract with ``ma_tui.fhir.importer``: both read the tables
of ``ma_tui.fhir.codes``, so a value written here is read back as the same value.
"""

from __future__ import annotations

import html
import json
import re
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, tzinfo
from typing import Any, TextIO, TypeVar
from uuid import UUID

from sqlmodel import Session, col, select

from ma_tui.data.catalogs import HPI_FIELDS
from ma_tui.data.catalogs.vitals import (
    BMI,
    BODY_HEIGHT,
    BODY_WEIGHT,
    BP_PANEL,
    BY_CODE,
    DIASTOLIC_BP,
    HPI,
    O2_FLOW,
    SPO2,
    SYSTOLIC_BP,
)
from ma_tui.data.models.history import (
    Allergy,
    Condition,
    FamilyHistory,
    HistoryEntry,
    HistoryReview,
    HistorySection,
    Medication,
    Procedure,
    SocialCategory,
    SocialHistory,
)
from ma_tui.data.models.observations import Observation, ObservationStatus
from ma_tui.data.models.patients import Coverage, Patient
from ma_tui.data.models.staff import Staff
from ma_tui.data.models.visits import Encounter, EncounterStatus, EncounterStatusChange
from ma_tui.fhir import codes
from ma_tui.visits.queue import local_day_bounds

JSON = dict[str, Any]
_Entry = TypeVar("_Entry", bound=HistoryEntry)

# Shared vocabulary not (yet) in ``codes``; listed for moving there.
_SPO2_ARTERIAL = "2708-6"  # US Core pulse oximetry: SpO2 also coded as arterial O2 saturation
_SPO2_ARTERIAL_DISPLAY = "Oxygen saturation in Arterial blood"
_BP_PANEL_DISPLAY = "Blood pressure panel with all children optional"
_ATTENDER = "ATND"  # v3-ParticipationType: the provider
_PARTICIPANT = "PART"  # v3-ParticipationType: the MA who signed the rooming
_AMBULATORY = "AMB"  # v3-ActCode
_XHTML = "http://www.w3.org/1999/xhtml"
_NO_KNOWN_ALLERGY_DISPLAY = "No known allergy (situation)"
# Visits that never took place have no period: their status changes are not a start.
_NOT_HELD = frozenset(
    {EncounterStatus.SCHEDULED, EncounterStatus.CANCELLED, EncounterStatus.NO_SHOW}
)
# A dose that reads back unchanged from a doseQuantity: "500 mg", "0.5 mg", "2 puffs".
_DOSE = re.compile(r"(?P<number>[0-9]+(?:\.[0-9]+)?) (?P<unit>\S+)")


# --------------------------------------------------------------------- API


@dataclass(frozen=True)
class ExportContext:
    mrn_system: str  # Patient.identifier system of the MRN
    clinic_id: UUID  # namespace of resource ids (codes.resource_uuid)
    tz: tzinfo  # the clinic's zone: what "a day" means for Selection.day


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


class ExportError(ValueError):
    """The selection matches nothing (or names no one thing); one line for the user."""


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
    return _export_plan(_Run(session, context), plan, summary or ExportSummary())


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
    return {"resourceType": "Bundle", "type": "collection", "timestamp": _instant(timestamp)}


def _entry(resource: JSON) -> JSON:
    return {"fullUrl": f"urn:uuid:{resource['id']}", "resource": resource}


# -------------------------------------------------------------- selection


@dataclass(frozen=True)
class _PatientPlan:
    patient_id: int
    encounter_ids: list[int]


def _plan(session: Session, selection: Selection, tz: tzinfo) -> list[_PatientPlan]:
    """Which patients and visits to export, as ids only (cheap even for the whole clinic)."""
    if selection.encounter_id is not None:
        encounter = session.get(Encounter, selection.encounter_id)
        if encounter is None or encounter.id is None:
            raise ExportError(f"no visit {selection.encounter_id}")
        return [_PatientPlan(encounter.patient_id, [encounter.id])]
    if selection.day is not None:
        plans = _plans_of_day(session, selection.day, tz)
        if not plans:
            raise ExportError(f"no visits on {selection.day.isoformat()}")
        return plans
    if selection.mrn is not None:
        patient = session.exec(select(Patient).where(Patient.mrn == selection.mrn)).first()
        if patient is None or patient.id is None:
            raise ExportError(f"no patient has MRN {selection.mrn!r}")
        return [_PatientPlan(patient.id, _visits_of(session, patient.id))]
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


class _Run:
    """What every builder needs: the session, the ids' namespace, staff names."""

    def __init__(self, session: Session, context: ExportContext) -> None:
        self.session = session
        self.context = context
        self._staff_names: dict[int, str | None] = {}

    def id(self, resource_type: str, local_id: int | str | None) -> str:
        assert local_id is not None, "rows are exported once stored"
        return codes.resource_uuid(self.context.clinic_id, resource_type, local_id)

    def ref(
        self, resource_type: str, local_id: int | str | None, display: str | None = None
    ) -> JSON:
        return {"reference": f"urn:uuid:{self.id(resource_type, local_id)}", "display": display}

    def staff_name(self, staff_id: int | None) -> str | None:
        if staff_id is None:
            return None
        if staff_id not in self._staff_names:
            staff = self.session.get(Staff, staff_id)
            self._staff_names[staff_id] = staff.display_name if staff is not None else None
        return self._staff_names[staff_id]

    def staff_display(self, staff_id: int | None) -> JSON | None:
        name = self.staff_name(staff_id)
        return {"display": name} if name else None


def _export_plan(run: _Run, plan: list[_PatientPlan], summary: ExportSummary) -> Iterator[JSON]:
    for item in plan:
        patient = run.session.get(Patient, item.patient_id)
        assert patient is not None, "visits belong to a patient"
        summary.patient_ids.append(item.patient_id)
        summary.encounter_ids.extend(item.encounter_ids)
        for resource in _patient_resources(run, patient, item.encounter_ids):
            summary.resources[resource["resourceType"]] += 1
            yield resource


def _patient_resources(run: _Run, patient: Patient, encounter_ids: list[int]) -> Iterator[JSON]:
    """One patient's resources, each cleaned of empty values: FHIR JSON has none."""
    subject = _patient_ref(run, patient)
    visits = set(encounter_ids)
    builders: list[Iterable[JSON]] = [
        [_patient(run, patient)],
        (_coverage(run, row, subject) for row in _coverages(run.session, patient.id)),
        _allergies(run, patient, subject),
        (_condition(run, row, subject) for row in _history(run.session, Condition, patient.id)),
        (_procedure(run, row, subject) for row in _history(run.session, Procedure, patient.id)),
        (_family(run, row, subject) for row in _history(run.session, FamilyHistory, patient.id)),
        (_social(run, row, subject) for row in _history(run.session, SocialHistory, patient.id)),
        (
            _medication(run, row, subject, visits)
            for row in _history(run.session, Medication, patient.id)
        ),
        _visits(run, encounter_ids, subject),
    ]
    for built in builders:
        for resource in built:
            yield _pruned(resource)


def _visits(run: _Run, encounter_ids: list[int], subject: JSON) -> Iterator[JSON]:
    for encounter_id in encounter_ids:
        encounter = run.session.get(Encounter, encounter_id)
        assert encounter is not None
        if _was_booked(encounter):
            yield _appointment(run, encounter, subject)
        yield _encounter(run, encounter, subject)
        if _hpi_lines(encounter):
            yield _hpi(run, encounter, subject)
        yield from _vitals(run, encounter, subject)


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


# ------------------------------------------------------------ formatting


def _instant(moment: datetime) -> str:
    """An aware ISO instant in UTC; a naive time is UTC, as the database keeps it."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat()


def _maybe_instant(moment: datetime | None) -> str | None:
    return _instant(moment) if moment is not None else None


def _maybe_date(day: date | None) -> str | None:
    return day.isoformat() if day is not None else None


def _notes(*texts: str | None) -> list[JSON]:
    return [{"text": text} for text in texts if text]


def _identifiers(kind: str, row_id: int | None, source_id: str | None) -> list[JSON]:
    """ma-tui's own identifier of a row, then the one it was imported with."""
    own = {"system": codes.local_system(kind), "value": str(row_id)}
    return [own, *([codes.identifier_from_source(source_id)] if source_id else [])]


def _error_or(entered_in_error: bool, status: str) -> str:
    return codes.ENTERED_IN_ERROR if entered_in_error else status


# --------------------------------------------------------------- patient


def _patient_display(patient: Patient) -> str:
    return f"{patient.given_name} {patient.family_name}"


def _patient_ref(run: _Run, patient: Patient) -> JSON:
    return run.ref("Patient", patient.id, _patient_display(patient))


def _patient(run: _Run, patient: Patient) -> JSON:
    mrn_type = codes.concept(codes.V2_IDENTIFIER_TYPE, codes.MRN_TYPE_CODE, "Medical record number")
    return {
        "resourceType": "Patient",
        "id": run.id("Patient", patient.id),
        "extension": [
            {"url": codes.INTERPRETER_EXTENSION, "valueBoolean": patient.interpreter_needed}
        ],
        "identifier": [
            {
                "use": "usual",
                "type": mrn_type,
                "system": run.context.mrn_system,
                "value": patient.mrn,
            }
        ],
        "active": patient.active,
        "name": [
            {
                "use": "official",
                "family": patient.family_name,
                "given": [patient.given_name, patient.middle_name],
            }
        ],
        "telecom": [
            {"system": "phone", "value": patient.phone} if patient.phone else None,
            {"system": "email", "value": patient.email} if patient.email else None,
        ],
        "gender": patient.sex.value,
        "birthDate": patient.birth_date.isoformat(),
        "address": [
            {
                "line": [patient.address_line],
                "city": patient.city,
                "state": patient.state,
                "postalCode": patient.postal_code,
            }
        ],
        "communication": [_communication(patient.preferred_language)],
        "contact": [_guardian(patient)],
    }


def _communication(language: str | None) -> JSON | None:
    if not language:
        return None
    tag = codes.LANGUAGE_TAGS.get(language.strip().casefold())
    coding = [codes.coding(codes.BCP47, tag)] if tag else None
    return {"language": {"coding": coding, "text": language}, "preferred": True}


def _guardian(patient: Patient) -> JSON | None:
    if not (patient.guardian_name or patient.guardian_relationship or patient.guardian_phone):
        return None
    guardian = codes.coding(codes.V3_ROLE_CODE, codes.GUARDIAN_CODE, "guardian")
    return {
        "relationship": [{"coding": [guardian], "text": patient.guardian_relationship}],
        "name": {"text": patient.guardian_name},
        "telecom": [{"system": "phone", "value": patient.guardian_phone}]
        if patient.guardian_phone
        else None,
    }


def _coverages(session: Session, patient_id: int | None) -> Sequence[Coverage]:
    return session.exec(
        select(Coverage)
        .where(Coverage.patient_id == patient_id)
        .order_by(col(Coverage.priority), col(Coverage.id))
    ).all()


def _coverage(run: _Run, coverage: Coverage, subject: JSON) -> JSON:
    member = codes.concept(codes.V2_IDENTIFIER_TYPE, codes.MEMBER_TYPE_CODE, "Member Number")
    source = [codes.identifier_from_source(coverage.source_id)] if coverage.source_id else []
    relationship = coverage.subscriber_relationship
    relation_code = relationship if relationship in codes.SUBSCRIBER_RELATIONSHIPS else "other"
    return {
        "resourceType": "Coverage",
        "id": run.id("Coverage", coverage.id),
        "identifier": [{"type": member, "value": coverage.member_id}, *source],
        "status": "active" if coverage.active else "cancelled",
        "subscriber": {"display": coverage.subscriber_name},
        "subscriberId": coverage.member_id,
        "beneficiary": subject,
        "relationship": {
            "coding": [codes.coding(codes.SUBSCRIBER_RELATIONSHIP, relation_code)],
            "text": relationship,
        },
        "period": {
            "start": _maybe_date(coverage.effective_date),
            "end": _maybe_date(coverage.expiry_date),
        },
        "payor": [{"display": coverage.payer}],
        "class": [
            _coverage_class(codes.GROUP_CLASS, coverage.group_number),
            _coverage_class(codes.PLAN_CLASS, coverage.plan_name, name=coverage.plan_name),
        ],
        "order": coverage.priority if coverage.priority > 0 else None,
    }


def _coverage_class(kind: str, value: str | None, *, name: str | None = None) -> JSON | None:
    if not value:
        return None
    return {"type": codes.concept(codes.COVERAGE_CLASS, kind), "value": value, "name": name}


# ----------------------------------------------------------------- history


def _history(session: Session, model: type[_Entry], patient_id: int | None) -> Sequence[_Entry]:
    """All of a patient's rows, those entered in error too (they say so)."""
    return session.exec(
        select(model)
        .where(model.patient_id == patient_id)
        .order_by(col(model.recorded_at), col(model.id))
    ).all()


def _allergies(run: _Run, patient: Patient, subject: JSON) -> Iterator[JSON]:
    rows = _history(run.session, Allergy, patient.id)
    for row in rows:
        yield _allergy(run, row, subject)
    review = _no_known_allergies(run.session, patient.id, rows)
    if review is not None:
        yield _no_known_allergy(run, review, subject)


def _allergy(run: _Run, allergy: Allergy, subject: JSON) -> JSON:
    clinical = None
    if not allergy.entered_in_error:  # ait-2: no clinical status on an error
        status = "active" if allergy.active else "inactive"
        clinical = codes.concept(codes.ALLERGY_CLINICAL, status)
    verification = _error_or(allergy.entered_in_error, "confirmed")
    return {
        "resourceType": "AllergyIntolerance",
        "id": run.id("AllergyIntolerance", allergy.id),
        "identifier": _identifiers("allergy", allergy.id, allergy.source_id),
        "clinicalStatus": clinical,
        "verificationStatus": codes.concept(codes.ALLERGY_VERIFICATION, verification),
        "category": [allergy.category.value],
        "code": {"text": allergy.substance},
        "patient": subject,
        "recordedDate": _instant(allergy.recorded_at),
        "recorder": run.staff_display(allergy.recorded_by_id),
        "reaction": [_reaction(allergy)],
        "note": _notes(allergy.note),
    }


def _reaction(allergy: Allergy) -> JSON | None:
    if not allergy.reaction and allergy.severity is None:
        return None
    # A severity without the reaction's words: the manifestation (required) is unknown.
    unknown = {"extension": [{"url": codes.DATA_ABSENT_EXTENSION, "valueCode": "unknown"}]}
    manifestation = {"text": allergy.reaction} if allergy.reaction else unknown
    severity = allergy.severity.value if allergy.severity is not None else None
    return {"manifestation": [manifestation], "severity": severity}


def _no_known_allergies(
    session: Session, patient_id: int | None, allergies: Sequence[Allergy]
) -> HistoryReview | None:
    """The review that said "no known allergies", when it still holds (as ``Chart``)."""
    if any(a.active and not a.entered_in_error for a in allergies):
        return None
    review = session.exec(
        select(HistoryReview)
        .where(
            HistoryReview.patient_id == patient_id,
            HistoryReview.section == HistorySection.ALLERGIES,
        )
        .order_by(col(HistoryReview.reviewed_at).desc(), col(HistoryReview.id).desc())
    ).first()
    return review if review is not None and review.none_known else None


def _no_known_allergy(run: _Run, review: HistoryReview, subject: JSON) -> JSON:
    code = codes.concept(
        codes.SNOMED,
        codes.NO_KNOWN_ALLERGY,
        _NO_KNOWN_ALLERGY_DISPLAY,
        text="No known allergies",
    )
    return {
        "resourceType": "AllergyIntolerance",
        "id": run.id("AllergyIntolerance", f"nka-{review.id}"),
        "clinicalStatus": codes.concept(codes.ALLERGY_CLINICAL, "active"),
        "verificationStatus": codes.concept(codes.ALLERGY_VERIFICATION, "confirmed"),
        "code": code,
        "patient": subject,
        "recordedDate": _instant(review.reviewed_at),
        "recorder": run.staff_display(review.reviewed_by_id),
    }


def _condition(run: _Run, condition: Condition, subject: JSON) -> JSON:
    clinical = None
    if not condition.entered_in_error:  # con-5: no clinical status on an error
        status = codes.CONDITION_STATUS_OUT[condition.status]
        clinical = codes.concept(codes.CONDITION_CLINICAL, status)
    verification = _error_or(condition.entered_in_error, "confirmed")
    category = codes.concept(codes.CONDITION_CATEGORY, "problem-list-item", "Problem List Item")
    return {
        "resourceType": "Condition",
        "id": run.id("Condition", condition.id),
        "identifier": _identifiers("condition", condition.id, condition.source_id),
        "clinicalStatus": clinical,
        "verificationStatus": codes.concept(codes.CONDITION_VERIFICATION, verification),
        "category": [category],
        "code": codes.concept(codes.ICD10CM, condition.code, text=condition.name),
        "subject": subject,
        "onsetString": condition.onset,
        "recordedDate": _instant(condition.recorded_at),
        "note": _notes(condition.note),
    }


def _procedure(run: _Run, procedure: Procedure, subject: JSON) -> JSON:
    return {
        "resourceType": "Procedure",
        "id": run.id("Procedure", procedure.id),
        "identifier": _identifiers("procedure", procedure.id, procedure.source_id),
        "status": _error_or(procedure.entered_in_error, "completed"),
        "code": {"text": procedure.name},
        "subject": subject,
        "performedString": procedure.performed,
        "note": _notes(procedure.note),
    }


def _family(run: _Run, row: FamilyHistory, subject: JSON) -> JSON:
    relation = codes.FAMILY_RELATION_CODES.get(row.relation.casefold(), codes.FAMILY_MEMBER_CODE)
    onset = None
    if row.onset_age is not None:
        onset = {"value": row.onset_age, "unit": "a", "system": codes.UCUM, "code": "a"}
    return {
        "resourceType": "FamilyMemberHistory",
        "id": run.id("FamilyMemberHistory", row.id),
        "identifier": _identifiers("family-history", row.id, row.source_id),
        "status": _error_or(row.entered_in_error, "completed"),
        "patient": subject,
        "date": _instant(row.recorded_at),
        "relationship": codes.concept(codes.V3_ROLE_CODE, relation, text=row.relation),
        "condition": [{"code": {"text": row.condition}, "onsetAge": onset}],
        "note": _notes(row.note),
    }


def _social(run: _Run, row: SocialHistory, subject: JSON) -> JSON:
    category = SocialCategory(row.category)
    label = codes.SOCIAL_LABELS[category]
    loinc = codes.SOCIAL_CODES.get(category)
    code = codes.concept(codes.LOINC, *loinc, text=label) if loinc else {"text": label}
    value: JSON = {"valueString": row.value}
    if category == SocialCategory.TOBACCO:
        value = {"valueCodeableConcept": codes.concept(codes.SNOMED, row.code, text=row.value)}
    return {
        "resourceType": "Observation",
        # Observation ids of vitals are their row ids: social rows are told apart.
        "id": run.id("Observation", f"social-{row.id}"),
        "identifier": _identifiers("social-history", row.id, row.source_id),
        "status": _error_or(row.entered_in_error, ObservationStatus.FINAL.value),
        "category": [_observation_category("social-history", "Social History")],
        "code": code,
        "subject": subject,
        "effectiveDateTime": _instant(row.recorded_at),
        **value,
        "note": _notes(row.note),
    }


def _medication(run: _Run, medication: Medication, subject: JSON, visits: set[int]) -> JSON:
    status = _error_or(medication.entered_in_error, codes.MEDICATION_STATUS_OUT[medication.status])
    # A reference must resolve inside the Bundle: only a visit exported with it.
    context = None
    if medication.encounter_id in visits:
        context = run.ref("Encounter", medication.encounter_id)
    return {
        "resourceType": "MedicationStatement",
        "id": run.id("MedicationStatement", medication.id),
        "identifier": _identifiers("medication", medication.id, medication.source_id),
        "status": status,
        "medicationCodeableConcept": {"text": medication.name},
        "subject": subject,
        "context": context,
        "dateAsserted": _instant(medication.recorded_at),
        "note": _notes(medication.note),
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


# ------------------------------------------------------------------ visits


def _was_booked(encounter: Encounter) -> bool:
    """A visit exported with its Appointment: booked, with the slot's length known
    (FHIR wants a booked appointment's end beside its start; ma-tui never makes one up)."""
    return not encounter.walk_in and encounter.scheduled_minutes is not None


def _appointment(run: _Run, encounter: Encounter, subject: JSON) -> JSON:
    if encounter.source_id:
        identifier = codes.identifier_from_source(encounter.source_id)
    else:
        identifier = {"system": codes.local_system("appointment"), "value": str(encounter.id)}
    provider = run.staff_display(encounter.provider_id)
    minutes = encounter.scheduled_minutes
    assert minutes is not None
    return {
        "resourceType": "Appointment",
        "id": run.id("Appointment", encounter.id),
        "identifier": [identifier],
        "status": codes.APPOINTMENT_STATUS_OUT[encounter.status],
        "appointmentType": {"text": encounter.visit_type},
        "start": _instant(encounter.scheduled_at),
        "end": _instant(encounter.scheduled_at + timedelta(minutes=minutes)),
        "minutesDuration": minutes,
        "participant": [
            {"actor": subject, "status": "accepted"},
            {"actor": provider, "status": "accepted"} if provider else None,
        ],
    }


def _encounter(run: _Run, encounter: Encounter, subject: JSON) -> JSON:
    changes = run.session.exec(
        select(EncounterStatusChange)
        .where(EncounterStatusChange.encounter_id == encounter.id)
        .order_by(col(EncounterStatusChange.changed_at), col(EncounterStatusChange.id))
    ).all()
    started = next((c.changed_at for c in changes if c.status not in _NOT_HELD), None)
    room = f"Room {encounter.room}" if encounter.room else None
    return {
        "resourceType": "Encounter",
        "id": run.id("Encounter", encounter.id),
        "text": _narrative(encounter),
        "identifier": [{"system": codes.local_system("encounter"), "value": str(encounter.id)}],
        "status": codes.ENCOUNTER_STATUS[encounter.status],
        "statusHistory": _status_history(changes),
        "class": codes.coding(codes.V3_ACT_CODE, _AMBULATORY, "ambulatory"),
        "type": [
            {"text": encounter.visit_type},
            {"text": "walk-in"} if encounter.walk_in else None,
        ],
        "subject": subject,
        "participant": [
            _participant(_ATTENDER, "attender", run.staff_display(encounter.provider_id)),
            _participant(_PARTICIPANT, "participation", run.staff_display(encounter.signed_by_id)),
        ],
        "appointment": [run.ref("Appointment", encounter.id)] if _was_booked(encounter) else None,
        "period": {"start": _maybe_instant(started)},
        "reasonCode": [{"text": encounter.chief_complaint}],
        "location": [{"location": {"display": room}}] if room else None,
    }


def _status_history(changes: Sequence[EncounterStatusChange]) -> list[JSON]:
    """Each status with the time it held: until the next change, open for the last."""
    history: list[JSON] = []
    for index, change in enumerate(changes):
        end = changes[index + 1].changed_at if index + 1 < len(changes) else None
        period = {"start": _instant(change.changed_at), "end": _maybe_instant(end)}
        history.append({"status": codes.ENCOUNTER_STATUS[change.status], "period": period})
    return history


def _participant(code: str, display: str, individual: JSON | None) -> JSON | None:
    if individual is None:
        return None
    kind = codes.concept(codes.V3_PARTICIPATION_TYPE, code, display)
    return {"type": [kind], "individual": individual}


def _hpi_lines(encounter: Encounter) -> list[str]:
    """``Onset: 3 days`` ..., in the order of the complaint screen."""
    lines: list[str] = []
    for name in HPI_FIELDS:
        if name == "severity":
            if encounter.hpi_severity is not None:
                lines.append(f"Severity: {encounter.hpi_severity}/10")
            continue
        value = getattr(encounter, f"hpi_{name}", None)
        if value:
            lines.append(f"{name.capitalize()}: {value}")
    return lines


def _narrative(encounter: Encounter) -> JSON | None:
    """The complaint and HPI as XHTML; everything typed is escaped, never markup."""
    lines = [f"Chief complaint: {encounter.chief_complaint}"] if encounter.chief_complaint else []
    lines += _hpi_lines(encounter)
    if not lines:
        return None
    body = "".join(f"<p>{html.escape(line)}</p>" for line in lines)
    return {"status": "generated", "div": f'<div xmlns="{_XHTML}">{body}</div>'}


def _hpi(run: _Run, encounter: Encounter, subject: JSON) -> JSON:
    return {
        "resourceType": "Observation",
        "id": run.id("Observation", f"hpi-{encounter.id}"),
        "status": ObservationStatus.FINAL.value,
        "code": codes.concept(codes.LOINC, HPI, codes.HPI_DISPLAY),
        "subject": subject,
        "encounter": run.ref("Encounter", encounter.id),
        "effectiveDateTime": _instant(encounter.signed_at or encounter.status_changed_at),
        "valueString": "; ".join(_hpi_lines(encounter)),
    }


# ------------------------------------------------------------------ vitals


def _observation_category(code: str, display: str) -> JSON:
    return {"coding": [codes.coding(codes.OBSERVATION_CATEGORY, code, display)], "text": display}


def _vitals(run: _Run, encounter: Encounter, subject: JSON) -> Iterator[JSON]:
    rows = run.session.exec(
        select(Observation)
        .where(Observation.encounter_id == encounter.id)
        .order_by(col(Observation.taken_at), col(Observation.id))
    ).all()
    partners = _bp_partners(rows)
    paired_diastolics = {d.id for d in partners.values()}
    for row in rows:
        if row.id in paired_diastolics:
            continue  # a component of its systolic's panel
        diastolic = partners.get(row.id)
        if diastolic is not None:
            yield _bp_panel(run, row, diastolic, subject)
        else:
            yield _vital(run, row, rows, subject)


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
        return (row.status, "absent", _instant(row.taken_at), row.not_obtained_reason)
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
    notes: list[str] = []
    if _entered_otherwise(row):
        notes.append(f"entered as {row.value_entered} {row.unit_entered}")
    if row.confirmation:
        notes.append(f"confirmed: {row.confirmation}")
    return notes


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


def _vital_base(run: _Run, row: Observation, code: JSON, subject: JSON) -> JSON:
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
        "category": [_observation_category("vital-signs", "Vital Signs")],
        "code": code,
        "subject": subject,
        "encounter": run.ref("Encounter", row.encounter_id),
        "effectiveDateTime": _instant(row.taken_at),
        "issued": _instant(row.entered_at),
        "performer": [run.staff_display(row.entered_by_id)],
        "bodySite": {"text": row.site},
        "method": {"text": row.method},
    }


def _vital(run: _Run, row: Observation, rows: Sequence[Observation], subject: JSON) -> JSON:
    resource = _vital_base(run, row, _vital_code(row.code), subject)
    resource |= _measured(row)
    resource["note"] = _notes(*_vital_notes(row))
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


def _final_of(rows: Sequence[Observation], code: str) -> Observation | None:
    """The visit's last final measured value of a code: what a BMI was computed from."""
    finals = [
        row
        for row in rows
        if row.code == code and row.status == ObservationStatus.FINAL and row.value is not None
    ]
    return finals[-1] if finals else None


def _bp_panel(run: _Run, systolic: Observation, diastolic: Observation, subject: JSON) -> JSON:
    """One reading as the US Core blood-pressure panel, its id from the systolic row."""
    code = codes.concept(codes.LOINC, BP_PANEL, _BP_PANEL_DISPLAY, text="Blood pressure")
    resource = _vital_base(run, systolic, code, subject)
    resource["component"] = [
        {"code": _vital_code(part.code), **_measured(part)} for part in (systolic, diastolic)
    ]
    notes = dict.fromkeys([*_vital_notes(systolic), *_vital_notes(diastolic)])
    resource["note"] = _notes(*notes)
    return resource
