"""Worklist items from FHIR: a ``Task`` with its focus, a referral's ``ServiceRequest``,
a booked ``Appointment``.

Every resource is first checked against the FHIR R4B model (``fhir.resources``);
anything that is not valid R4B, or lacks what the worklist needs (a drug, a
pharmacy, a specialist, a code the payer can read, a provider on staff), is refused
with a :class:`FhirInputError` naming what is missing. Nothing else is raised.

An imported item is new work on the queue: unclaimed, with one history line saying
where it came from. Its status is the one ma-tui wrote in ``businessStatus`` when
the item's details allow it, else the kind's first status (or, for a Task the
sender has in progress, in progress / submitted). Three things are not taken on
trust: a Task that is finished (completed, cancelled, failed, rejected, entered in
error) is not work and is refused; a provider's decision is not imported (the
decider is not a staff member here), so a decided refill comes back for a
provider; and "with provider" comes back as in progress.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from fhir.resources.R4B import get_fhir_model_class
from pydantic import ValidationError

from ma_tui.core.errors import InvalidInput
from ma_tui.worklist.fhir import (
    FIELD_SYSTEM,
    FOLLOW_UP_CODE,
    REFERRAL_CATEGORY,
    RXNORM,
    STATUS_SYSTEM,
    TYPE_SYSTEM,
)
from ma_tui.worklist.followup import (
    VISIT_MINUTES_MAX,
    VISIT_MINUTES_MIN,
    BookedSlot,
    FollowUp,
    parse_interval,
)
from ma_tui.worklist.items import (
    FINISHED,
    INITIAL,
    PROVIDER_DECISIONS,
    TRANSITIONS,
    Action,
    Actor,
    Details,
    Event,
    ItemType,
    PatientRef,
    Status,
    WorkItem,
)
from ma_tui.worklist.prior_auth import (
    MAX_UNITS,
    SYSTEM_DISPLAY,
    SYSTEM_FOR_URI,
    PriorAuth,
    ServiceCode,
    parse_service_code,
)
from ma_tui.worklist.referrals import MAX_TEXT, Referral, SentDocument, Urgency
from ma_tui.worklist.refills import MAX_DRUG, RefillRequest, RefillSource

JSON = dict[str, Any]
Fields = Mapping[str, list[JSON]]  # a Task's inputs and outputs by ma-tui field code

# Task.status (R4 task-status, a required binding fhir.resources does not check).
TASK_STATUSES = frozenset({
    "draft", "requested", "received", "accepted", "rejected", "ready", "cancelled",
    "in-progress", "on-hold", "failed", "completed", "entered-in-error",
})  # fmt: skip
FINISHED_TASK = frozenset({"completed", "cancelled", "failed", "rejected", "entered-in-error"})
ACTIVE_TASK = frozenset({"in-progress", "on-hold"})
_ACTIVE_STATUS = {
    ItemType.REFILL: Status.IN_PROGRESS,
    ItemType.REFERRAL: Status.IN_PROGRESS,
    ItemType.PRIOR_AUTH: Status.SUBMITTED,
    ItemType.FOLLOW_UP: Status.IN_PROGRESS,
}
_URGENCY = {
    "routine": Urgency.ROUTINE,
    "urgent": Urgency.URGENT,
    "asap": Urgency.STAT,  # sooner than urgent: the MA treats it as stat
    "stat": Urgency.STAT,
}
_SLOT_STATUSES = frozenset({"pending", "booked", "arrived", "fulfilled", "checked-in"})
_DOCUMENT = re.compile(r"(?P<name>.+) \((?P<day>[0-9]{4}-[0-9]{2}-[0-9]{2})\)")
_SHOWN = 40


class FhirInputError(InvalidInput):
    """A resource the worklist cannot take; the message says what is wrong."""


# ------------------------------------------------------------------ entry points


def item_from_fhir(
    task: object,
    focus: object,
    patient: PatientRef,
    *,
    by: Actor,
    at: datetime,
    default_due: datetime,
    provider_ids: Mapping[str, int] | None = None,
    appointment: object | None = None,
) -> WorkItem[Any]:
    """The worklist item a Task and its focus describe.

    ``provider_ids`` maps a provider's name as it appears in the resources to their
    staff id (a follow-up is booked with a provider on staff); ``appointment`` is
    the follow-up's booked Appointment, if the sender has one.
    """
    task_json = checked(task, "Task")
    focus_json = checked(focus, _focus_type(focus))
    _check_focus(task_json, focus_json)
    if task_json["status"] not in TASK_STATUSES:
        raise FhirInputError(f"not a valid Task: status: {_shown(task_json['status'])}")
    if task_json["status"] in FINISHED_TASK:
        raise FhirInputError(f"the Task is {task_json['status']}: there is nothing left to do")
    item_type = _item_type(task_json, focus_json)
    fields = _fields(task_json)
    details: Details
    if item_type is ItemType.REFILL:
        details = _refill(focus_json, fields)
    elif item_type is ItemType.REFERRAL:
        details = _referral(focus_json, fields, at)
    elif item_type is ItemType.PRIOR_AUTH:
        details = _prior_auth(focus_json, fields)
    else:
        details = _follow_up(focus_json, fields, at, provider_ids or {}, appointment, patient)
    status = _status(item_type, task_json, details)
    due = _instant(task_json.get("restriction", {}).get("period", {}).get("end")) or default_due
    created = min(_instant(task_json.get("authoredOn")) or at, at)
    note = f"imported from FHIR {_named(task_json)}"
    return _item(item_type, patient, status, details, due, created, by, at, note)


def referral_from_service_request(
    request: object, patient: PatientRef, *, by: Actor, at: datetime, due: datetime
) -> WorkItem[Referral]:
    """A referral an EHR sends as its ServiceRequest alone: new work on the queue."""
    focus = checked(request, "ServiceRequest")
    if not _is_referral(focus):
        raise FhirInputError("the ServiceRequest is not a referral (category 3457005)")
    if focus["status"] not in ("draft", "active"):
        raise FhirInputError(f"the referral is {focus['status']}: there is nothing to do")
    referral = _referral(focus, {}, at)
    status = Status.NEW
    note = f"imported from FHIR {_named(focus)}"
    return _item(ItemType.REFERRAL, patient, status, referral, due, at, by, at, note)


def booked_slot(appointment: object, provider_id: int, label: str = "") -> BookedSlot:
    """An Appointment that holds time on a provider's schedule, as a booked slot."""
    resource = checked(appointment, "Appointment")
    if resource["status"] not in _SLOT_STATUSES:
        raise FhirInputError(f"an appointment that is {resource['status']} holds no slot")
    start = _instant(resource.get("start"))
    if start is None:
        raise FhirInputError("the appointment has no start with its time zone")
    minutes = resource.get("minutesDuration")
    end = _instant(resource.get("end"))
    if not isinstance(minutes, int) and end is not None:
        minutes = round((end - start).total_seconds() / 60)
    if not isinstance(minutes, int) or not VISIT_MINUTES_MIN <= minutes <= VISIT_MINUTES_MAX:
        raise FhirInputError(
            f"the appointment lasts {VISIT_MINUTES_MIN} to {VISIT_MINUTES_MAX} minutes, "
            "given by minutesDuration or its end"
        )
    return BookedSlot(start, minutes, provider_id, label)


# ------------------------------------------------------------------ checking


def checked(resource: object, kind: str) -> JSON:
    """``resource`` once R4B accepts it as a ``kind``, as the model writes it back:
    nulls dropped, numbers as numbers, so the readers below meet only FHIR's shapes."""
    if not isinstance(resource, dict):
        raise FhirInputError(f"a {kind} must be a JSON object")
    if resource.get("resourceType") != kind:
        raise FhirInputError(f"expected a {kind}, not {_shown(resource.get('resourceType'))}")
    try:
        model = get_fhir_model_class(kind).model_validate(resource)
    except ValidationError as invalid:
        first = invalid.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or kind
        raise FhirInputError(f"not a valid {kind}: {where}: {first['msg']}") from invalid
    normal: JSON = model.model_dump(mode="json", by_alias=True, exclude_none=True)
    return normal


def _focus_type(focus: object) -> str:
    kind = focus.get("resourceType") if isinstance(focus, dict) else None
    if kind not in ("MedicationRequest", "ServiceRequest", "Claim"):
        raise FhirInputError(
            "the Task's focus must be a MedicationRequest, ServiceRequest or Claim, "
            f"not {_shown(kind)}"
        )
    assert isinstance(kind, str)
    return kind


def _check_focus(task: JSON, focus: JSON) -> None:
    pointed = _text(task.get("focus", {}).get("reference"))
    focus_id = _text(focus.get("id"))
    if pointed and focus_id and not pointed.endswith(focus_id):
        raise FhirInputError("the Task's focus is another resource than the one sent with it")


def _item_type(task: JSON, focus: JSON) -> ItemType:
    ours = _coded(task.get("code"), TYPE_SYSTEM)
    kinds = {kind.value: kind for kind in ItemType}
    by_focus = {
        "MedicationRequest": ItemType.REFILL,
        "Claim": ItemType.PRIOR_AUTH,
        "ServiceRequest": ItemType.REFERRAL if _is_referral(focus) else ItemType.FOLLOW_UP,
    }[focus["resourceType"]]
    if ours in kinds and kinds[ours] is not by_focus:
        raise FhirInputError(f"the Task says {ours} but its focus is a {by_focus.value}")
    return by_focus


def _is_referral(request: JSON) -> bool:
    return any(
        coding.get("system") == REFERRAL_CATEGORY["system"]
        and coding.get("code") == REFERRAL_CATEGORY["code"]
        for category in request.get("category", [])
        for coding in category.get("coding", [])
    )


def _status(item_type: ItemType, task: JSON, details: Details) -> Status:
    table = TRANSITIONS[item_type]
    ours = _coded(task.get("businessStatus"), STATUS_SYSTEM)
    statuses = {status.value: status for status in Status}
    excluded = FINISHED | {Status.WITH_PROVIDER} | PROVIDER_DECISIONS.get(item_type, frozenset())
    if ours in statuses:
        status = statuses[ours]
        if status in table and status not in excluded and details.refusal(status) is None:
            return status
    active = _ACTIVE_STATUS[item_type]
    if task["status"] in ACTIVE_TASK and details.refusal(active) is None:
        return active
    return INITIAL[item_type]


def _item(
    item_type: ItemType,
    patient: PatientRef,
    status: Status,
    details: Details,
    due: datetime,
    created: datetime,
    by: Actor,
    at: datetime,
    note: str,
) -> WorkItem[Any]:
    event = Event(at, by, Action.CREATED, status, None, note)
    return WorkItem(item_type, patient, status, None, due, created, details, (event,))


# ------------------------------------------------------------------ the kinds


def _refill(request: JSON, fields: Fields) -> RefillRequest:
    if "medicationCodeableConcept" not in request:
        raise FhirInputError("name the drug in medicationCodeableConcept")
    medication = request["medicationCodeableConcept"]
    drug = _concept_text(medication)
    if not drug or len(drug) > MAX_DRUG:
        raise FhirInputError(f"the drug needs a name of up to {MAX_DRUG} characters")
    rxnorm = next(
        (_text(c.get("code")) for c in medication.get("coding", []) if c.get("system") == RXNORM),
        None,
    )
    performer = request.get("dispenseRequest", {}).get("performer", {})
    pharmacy = _value_text(fields, "pharmacy") or _text(performer.get("display"))
    if not pharmacy:
        raise FhirInputError("no pharmacy: dispenseRequest.performer.display or the Task input")
    sources = {source.value: source for source in RefillSource}
    schedule = _value_text(fields, "dea-schedule")
    if schedule is not None and schedule not in ("II", "III", "IV", "V"):
        raise FhirInputError(f"{_shown(schedule)} is not a DEA schedule II-V")
    return RefillRequest(
        drug=drug,
        pharmacy=_limited(pharmacy, "the pharmacy"),
        last_fill=_value_date(fields, "last-fill"),
        last_visit=_value_date(fields, "last-visit"),
        source=sources.get(_value_text(fields, "source") or "", RefillSource.PHARMACY),
        rxnorm=rxnorm,
        dea_schedule=schedule,
    )


def _referral(request: JSON, fields: Fields, at: datetime) -> Referral:
    performers = request.get("performer", [])
    specialist = _text(performers[0].get("display")) if performers else None
    if not specialist:
        raise FhirInputError("no specialist: the ServiceRequest's performer needs a display")
    code_text = _concept_text(request.get("code", {})) or ""
    specialty = _concept_text(request.get("performerType", {})) or code_text.removeprefix(
        "Referral to "
    )
    reasons = request.get("reasonCode", [])
    reason = _concept_text(reasons[0]) if reasons else None
    if not specialty or not reason:
        raise FhirInputError("a referral needs its specialty (performerType) and reason")
    ordered_on = _day(request.get("authoredOn")) or at.date()
    appointment = _value_date(fields, "appointment-on") or _day(request.get("occurrenceDateTime"))
    sent_on = _value_date(fields, "sent-on")
    documents = tuple(
        _document(value, sent_on or ordered_on) for value in _values(fields, "document")
    )
    return Referral(
        specialist=_limited(specialist, "the specialist"),
        specialty=_limited(specialty, "the specialty"),
        reason=_limited(reason, "the reason"),
        urgency=_urgency(request.get("priority")),
        ordered_on=ordered_on,
        documents=documents,
        sent_on=sent_on,
        appointment_on=appointment,
        note_received_on=_value_date(fields, "note-received-on"),
    )


def _urgency(priority: object) -> Urgency:
    if priority is None:
        return Urgency.ROUTINE
    if not isinstance(priority, str) or priority not in _URGENCY:
        raise FhirInputError(f"{_shown(priority)} is not a request priority")
    return _URGENCY[priority]


def _document(value: JSON, default_day: date) -> SentDocument:
    text = _text(value.get("valueString"))
    if not text:
        raise FhirInputError("a document sent needs its name")
    match = _DOCUMENT.fullmatch(text)
    if match is not None:
        day = _day(match["day"])
        if day is not None:
            return SentDocument(_limited(match["name"], "a document"), day)
    return SentDocument(_limited(text, "a document"), default_day)


def _prior_auth(claim: JSON, fields: Fields) -> PriorAuth:
    if claim["use"] != "preauthorization":
        raise FhirInputError(f"the Claim is a {claim['use']}, not a preauthorization")
    payer = _text(claim.get("insurer", {}).get("display")) or next(
        (_text(i.get("coverage", {}).get("display")) for i in claim.get("insurance", [])), None
    )
    codes = tuple(
        code
        for item in claim.get("item", [])
        for coding in item.get("productOrService", {}).get("coding", [])
        if (code := _service_code(coding)) is not None
    )
    if not codes:
        raise FhirInputError("no CPT, HCPCS, RxNorm or NDC code in the Claim's items")
    period = _value(fields, "approved-period").get("valuePeriod", {})
    approved, used = _value_int(fields, "approved-units"), _value_int(fields, "used-units") or 0
    if approved is not None and not 0 <= used <= approved <= MAX_UNITS:
        raise FhirInputError(
            f"units used and approved must run 0 <= used <= approved <= {MAX_UNITS}"
        )
    if approved is None and used:
        raise FhirInputError("units used without units approved")
    return PriorAuth(
        payer=_limited(payer or "", "the payer", allow_empty=True),
        codes=codes,
        member_id=_limited(_value_text(fields, "member-id") or "", "the member id", True),
        reference=_limited(_value_text(fields, "reference") or "", "the reference", True),
        approved_units=approved,
        used_units=used,
        start=_day(period.get("start")),
        end=_day(period.get("end")),
        submitted_on=_value_date(fields, "submitted-on"),
        decided_on=_value_date(fields, "decided-on"),
    )


def _service_code(coding: JSON) -> ServiceCode | None:
    system = SYSTEM_FOR_URI.get(_text(coding.get("system")) or "")
    code = _text(coding.get("code"))
    if system is None or not code:
        return None
    try:
        parsed = parse_service_code(f"{SYSTEM_DISPLAY[system]} {code}")
    except InvalidInput:
        return None
    display = _text(coding.get("display")) or ""
    return ServiceCode(parsed.system, parsed.code, display[:MAX_TEXT])


def _follow_up(
    request: JSON,
    fields: Fields,
    at: datetime,
    provider_ids: Mapping[str, int],
    appointment: object | None,
    patient: PatientRef,
) -> FollowUp:
    notes = request.get("note", [])
    asked = _value_text(fields, "request") or (_text(notes[0].get("text")) if notes else None)
    if not asked:
        raise FhirInputError(f"what did the provider ask? (a note, or {FOLLOW_UP_CODE!r} input)")
    performers = request.get("performer", [])
    provider = _text(performers[0].get("display")) if performers else None
    if not provider or provider not in provider_ids:
        raise FhirInputError(f"{_shown(provider)} is not one of the clinic's providers")
    minutes = _value_int(fields, "minutes") or 20
    if not VISIT_MINUTES_MIN <= minutes <= VISIT_MINUTES_MAX:
        raise FhirInputError(f"a visit lasts {VISIT_MINUTES_MIN} to {VISIT_MINUTES_MAX} minutes")
    reasons = request.get("reasonCode", [])
    provider_id = provider_ids[provider]
    booked = None
    if appointment is not None:
        booked = booked_slot(appointment, provider_id, patient.name)
    return FollowUp(
        request=_limited(asked, "the request"),
        interval=parse_interval(asked),
        ordered_on=_day(request.get("authoredOn")) or at.date(),
        provider_id=provider_id,
        provider_name=provider,
        minutes=minutes,
        reason=_limited((_concept_text(reasons[0]) if reasons else None) or "", "", True),
        booked=booked,
    )


# ------------------------------------------------------------------ reading values


def _fields(task: JSON) -> dict[str, list[JSON]]:
    """Task inputs and outputs by their ma-tui field code, in order."""
    found: dict[str, list[JSON]] = {}
    for part in (*task.get("input", []), *task.get("output", [])):
        key = _coded(part.get("type"), FIELD_SYSTEM)
        if key is not None:
            found.setdefault(key, []).append(part)
    return found


def _values(fields: Fields, key: str) -> list[JSON]:
    return fields.get(key, [])


def _value(fields: Fields, key: str) -> JSON:
    return next(iter(fields.get(key, [])), {})


def _value_text(fields: Fields, key: str) -> str | None:
    return _text(_value(fields, key).get("valueString"))


def _value_date(fields: Fields, key: str) -> date | None:
    return _day(_value(fields, key).get("valueDate"))


def _value_int(fields: Fields, key: str) -> int | None:
    value = _value(fields, key)
    number = value.get("valueUnsignedInt", value.get("valueInteger"))
    return number if isinstance(number, int) and not isinstance(number, bool) else None


def _coded(concept: object, system: str) -> str | None:
    if not isinstance(concept, dict):
        return None
    return next(
        (_text(c.get("code")) for c in concept.get("coding", []) if c.get("system") == system),
        None,
    )


def _concept_text(concept: JSON) -> str | None:
    text = _text(concept.get("text"))
    if text:
        return text
    for coding in concept.get("coding", []):
        found = _text(coding.get("display")) or _text(coding.get("code"))
        if found:
            return found
    return None


def _text(value: object) -> str | None:
    if not isinstance(value, str):
        return None
    cleaned = " ".join(value.split())
    return cleaned or None


def _limited(text: str, what: str, allow_empty: bool = False) -> str:
    if (not text and not allow_empty) or len(text) > MAX_TEXT:
        raise FhirInputError(f"{what or 'a text'} must be 1 to {MAX_TEXT} characters")
    return text


def _day(value: object) -> date | None:
    """A full date, or the date of a dateTime; partial dates ("2026-11") are not days."""
    if not isinstance(value, str) or len(value) < 10:
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        return None


def _instant(value: object) -> datetime | None:
    """A dateTime with its time and zone; anything less is not a moment."""
    if not isinstance(value, str) or "T" not in value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None


def _named(resource: JSON) -> str:
    """``Task/abc-1``, or the type alone when the resource has no id."""
    resource_id = _text(resource.get("id"))
    kind = str(resource["resourceType"])
    return f"{kind}/{resource_id}" if resource_id else kind


def _shown(value: object) -> str:
    text = str(value)
    return repr(text if len(text) <= _SHOWN else text[:_SHOWN] + "…")
