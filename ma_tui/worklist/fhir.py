"""Worklist items as FHIR R4 resources: a ``Task`` and its focus, plus an ``Appointment``.

Each item is a ``Task`` (who it is for, who holds it, when it is due, its history as
notes) whose ``focus`` is the request it works on:

* a refill: a ``MedicationRequest`` with intent ``proposal``, ``draft`` until the
  provider decides (Task code ``approve``: "take what actions are needed to
  transition the focus resource from 'draft' to 'active'");
* a referral: a ``ServiceRequest`` with category SNOMED CT 3457005 "Patient
  referral", its urgency as ``priority`` (Task code ``fulfill``);
* a prior authorization: a ``Claim`` with use ``preauthorization``;
* a follow-up: a ``ServiceRequest`` for the return visit, whose ``occurrencePeriod``
  is the window the provider allowed (Task code ``fulfill``), and once booked an
  ``Appointment`` based on it.

Confirmed (search, this session): task-code ``approve``/``fulfill`` on
hl7.org/fhir/R4B/codesystem-task-code; request-priority ``routine|urgent|asap|stat``
on hl7.org/fhir/R4B/valueset-request-priority (ServiceRequest.priority and
Task.priority are ``code``\\ s bound to it, so v3 ActPriority, a CodeableConcept
system, has no place here); claim-use ``preauthorization`` on
hl7.org/fhir/R4/codesystem-claim-use; SNOMED CT 3457005 "Patient referral" in US
Core's ServiceRequest category value set; claim-type and processpriority systems as
public Claim examples and FSH aliases write them.

The item's own status, type and fields travel as ``urn:ma-tui:`` codings
(``businessStatus``, ``code``, ``input``/``output`` types), so an export reads back
as the same item (:mod:`ma_tui.worklist.fhir_import`). References are what the
caller passes (the exporter's ``urn:uuid:`` full URLs); staff are named by
``staff_ref`` (a display-only reference unless the caller has Practitioners).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from datetime import date, datetime
from typing import Any

from ma_tui.worklist.followup import FollowUp
from ma_tui.worklist.items import (
    STATUS_DISPLAY,
    TYPE_DISPLAY,
    Actor,
    Status,
    WorkItem,
)
from ma_tui.worklist.prior_auth import CodeSystem, PriorAuth
from ma_tui.worklist.referrals import Referral
from ma_tui.worklist.refills import RefillRequest

JSON = dict[str, Any]
StaffRef = Callable[[Actor], JSON]

TASK_CODE = "http://hl7.org/fhir/CodeSystem/task-code"
SNOMED = "http://snomed.info/sct"
RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
CLAIM_TYPE = "http://terminology.hl7.org/CodeSystem/claim-type"
PROCESS_PRIORITY = "http://terminology.hl7.org/CodeSystem/processpriority"
REFERRAL_CATEGORY = {"system": SNOMED, "code": "3457005", "display": "Patient referral"}
ITEM_SYSTEM = "urn:ma-tui:worklist-item"  # identifier of a stored item
TYPE_SYSTEM = "urn:ma-tui:worklist-type"
STATUS_SYSTEM = "urn:ma-tui:worklist-status"
FIELD_SYSTEM = "urn:ma-tui:worklist-field"
FOLLOW_UP_CODE = "Follow-up visit"

# Task.status: what FHIR calls the state of the work; ours is in businessStatus.
TASK_STATUS = {
    Status.DRAFT: "draft",
    Status.NEW: "requested",
    Status.CLOSED: "completed",
    Status.CANCELLED: "cancelled",
}
TASK_STATUS_OTHERWISE = "in-progress"


def new_uuid() -> str:
    return str(uuid.uuid4())


def reference(resource_id: str) -> JSON:
    return {"reference": f"urn:uuid:{resource_id}"}


def display_only(actor: Actor) -> JSON:
    return {"display": actor.name}


def resources(
    item: WorkItem[Any],
    *,
    subject: JSON,
    clinic: JSON,
    staff_ref: StaffRef = display_only,
    new_id: Callable[[], str] = new_uuid,
) -> list[JSON]:
    """The item's resources, the focus first, then the Task (then an Appointment).

    ``clinic`` is who asks the payer for a prior authorization (the Claim's
    ``provider``): the clinic's Organization or the provider's reference.
    """
    details = item.details
    if isinstance(details, RefillRequest):
        parts = _refill(item, details, subject, staff_ref, new_id)
    elif isinstance(details, Referral):
        parts = _referral(item, details, subject, new_id)
    elif isinstance(details, PriorAuth):
        parts = _prior_auth(item, details, subject, clinic, new_id)
    elif isinstance(details, FollowUp):
        parts = _follow_up(item, details, subject, new_id)
    else:
        raise TypeError(f"no FHIR mapping for {type(details).__name__}")
    resource = task(
        item,
        focus=reference(parts.focus["id"]),
        subject=subject,
        staff_ref=staff_ref,
        task_id=new_id(),
        task_code=parts.task_code,
        priority=parts.priority,
        inputs=parts.inputs,
        outputs=parts.outputs,
    )
    found = [parts.focus, resource]
    if isinstance(details, FollowUp) and details.booked and item.status is not Status.CANCELLED:
        found.append(appointment(details, subject, reference(parts.focus["id"]), new_id()))
    return found


@dataclass(frozen=True, slots=True)
class _TaskParts:
    """What a kind adds to its Task: the focus and the Task's code, inputs, outputs."""

    focus: JSON
    task_code: str | None = None
    priority: str | None = None
    inputs: list[JSON] = dataclass_field(default_factory=list)
    outputs: list[JSON] = dataclass_field(default_factory=list)


# ------------------------------------------------------------------ the Task


def task_field(key: str, text: str, value_type: str, value: object) -> JSON:
    """A Task input or output: its type as a ma-tui field coding, and its value."""
    return {
        "type": {"coding": [{"system": FIELD_SYSTEM, "code": key}], "text": text},
        f"value{value_type}": value,
    }


def task(
    item: WorkItem[Any],
    *,
    focus: JSON,
    subject: JSON,
    staff_ref: StaffRef,
    task_id: str,
    task_code: str | None = None,
    priority: str | None = None,
    inputs: list[JSON] | None = None,
    outputs: list[JSON] | None = None,
) -> JSON:
    codings: list[JSON] = []
    if task_code is not None:
        codings.append({"system": TASK_CODE, "code": task_code})
    kind = TYPE_DISPLAY[item.type]
    codings.append({"system": TYPE_SYSTEM, "code": item.type.value, "display": kind})
    resource: JSON = {
        "resourceType": "Task",
        "id": task_id,
        "status": TASK_STATUS.get(item.status, TASK_STATUS_OTHERWISE),
        "businessStatus": {
            "coding": [
                {
                    "system": STATUS_SYSTEM,
                    "code": item.status.value,
                    "display": STATUS_DISPLAY[item.status],
                }
            ],
            "text": STATUS_DISPLAY[item.status],
        },
        "intent": "order",
        "code": {"coding": codings, "text": kind},
        "focus": focus,
        "for": subject,
        "authoredOn": item.created.isoformat(),
        "lastModified": item.last_event.at.isoformat(),
        "requester": staff_ref(item.history[0].actor),
        "restriction": {"period": {"end": item.due.isoformat()}},
        "note": [
            {
                "authorString": event.actor.name,
                "time": event.at.isoformat(),
                "text": _event_text(event.action.value, event.status, event.note),
            }
            for event in item.history
        ],
    }
    if item.item_id is not None:
        resource["identifier"] = [{"system": ITEM_SYSTEM, "value": str(item.item_id)}]
    if priority is not None:
        resource["priority"] = priority
    if item.owner is not None:
        resource["owner"] = staff_ref(item.owner)
    if inputs:
        resource["input"] = inputs
    if outputs:
        resource["output"] = outputs
    return resource


def _event_text(action: str, status: Status, note: str) -> str:
    tail = f": {note}" if note else ""
    return f"{action} ({STATUS_DISPLAY[status]}){tail}"


def _day(day: date) -> str:
    return day.isoformat()


def _instant(moment: datetime) -> str:
    return moment.isoformat()


# ------------------------------------------------------------------ refills


def _refill(
    item: WorkItem[Any],
    request: RefillRequest,
    subject: JSON,
    staff_ref: StaffRef,
    new_id: Callable[[], str],
) -> _TaskParts:
    medication: JSON = {"text": request.drug}
    if request.rxnorm:
        medication["coding"] = [{"system": RXNORM, "code": request.rxnorm}]
    decision = request.decision
    if item.status is Status.CANCELLED or (decision is not None and not decision.approved):
        status = "cancelled"
    elif decision is not None:
        status = "active"
    else:
        status = "draft"
    focus: JSON = {
        "resourceType": "MedicationRequest",
        "id": new_id(),
        "status": status,
        "intent": "proposal",
        "medicationCodeableConcept": medication,
        "subject": subject,
        "authoredOn": _instant(item.created),
        "dispenseRequest": {"performer": {"display": request.pharmacy}},
    }
    inputs = [
        task_field("pharmacy", "pharmacy", "String", request.pharmacy),
        task_field("source", "request source", "String", request.source.value),
    ]
    if request.last_fill is not None:
        inputs.append(task_field("last-fill", "last fill", "Date", _day(request.last_fill)))
    if request.last_visit is not None:
        inputs.append(task_field("last-visit", "last visit", "Date", _day(request.last_visit)))
    if request.dea_schedule is not None:
        inputs.append(task_field("dea-schedule", "DEA schedule", "String", request.dea_schedule))
    outputs = []
    if decision is not None:
        outputs.append(task_field("decision", "decision", "String", decision.word))
        outputs.append(task_field("decided-by", "decided by", "Reference", staff_ref(decision.by)))
        if decision.note:
            outputs.append(task_field("decision-note", "decision note", "String", decision.note))
    return _TaskParts(focus, "approve", inputs=inputs, outputs=outputs)


# ------------------------------------------------------------------ referrals


REFERRAL_REQUEST_STATUS = {Status.CLOSED: "completed", Status.CANCELLED: "revoked"}


def _referral(
    item: WorkItem[Any], referral: Referral, subject: JSON, new_id: Callable[[], str]
) -> _TaskParts:
    focus: JSON = {
        "resourceType": "ServiceRequest",
        "id": new_id(),
        "status": REFERRAL_REQUEST_STATUS.get(item.status, "active"),
        "intent": "order",
        "category": [{"coding": [REFERRAL_CATEGORY], "text": "Referral"}],
        "code": {"text": f"Referral to {referral.specialty}"},
        "priority": referral.urgency.value,
        "subject": subject,
        "authoredOn": _day(referral.ordered_on),
        "performerType": {"text": referral.specialty},
        "performer": [{"display": referral.specialist}],
        "reasonCode": [{"text": referral.reason}],
    }
    if referral.appointment_on is not None:
        focus["occurrenceDateTime"] = _day(referral.appointment_on)
    inputs = [
        task_field("document", "document sent", "String", f"{d.name} ({_day(d.sent_on)})")
        for d in referral.documents
    ]
    outputs = []
    for key, text, day in (
        ("sent-on", "sent", referral.sent_on),
        ("appointment-on", "appointment", referral.appointment_on),
        ("note-received-on", "consult note received", referral.note_received_on),
    ):
        if day is not None:
            outputs.append(task_field(key, text, "Date", _day(day)))
    return _TaskParts(focus, "fulfill", referral.urgency.value, inputs, outputs)


# ------------------------------------------------------------------ prior authorizations


CLAIM_STATUS = {Status.DRAFT: "draft", Status.CANCELLED: "cancelled"}
_DRUG_SYSTEMS = frozenset({CodeSystem.RXNORM, CodeSystem.NDC})


def _prior_auth(
    item: WorkItem[Any], auth: PriorAuth, subject: JSON, clinic: JSON, new_id: Callable[[], str]
) -> _TaskParts:
    drugs = bool(auth.codes) and all(code.system in _DRUG_SYSTEMS for code in auth.codes)
    claim_type = "pharmacy" if drugs else "professional"
    payer = {"display": auth.payer or "payer not named"}
    claim: JSON = {
        "resourceType": "Claim",
        "id": new_id(),
        "status": CLAIM_STATUS.get(item.status, "active"),
        "type": {"coding": [{"system": CLAIM_TYPE, "code": claim_type}]},
        "use": "preauthorization",
        "patient": subject,
        "created": _instant(item.created),
        "insurer": payer,
        "provider": clinic,
        "priority": {"coding": [{"system": PROCESS_PRIORITY, "code": "normal"}]},
        "insurance": [{"sequence": 1, "focal": True, "coverage": payer}],
    }
    if auth.codes:
        claim["item"] = [
            {"sequence": number, "productOrService": _service(code.uri, code.code, code.display)}
            for number, code in enumerate(auth.codes, start=1)
        ]
    inputs = []
    if auth.member_id:
        inputs.append(task_field("member-id", "member id", "String", auth.member_id))
    if auth.submitted_on is not None:
        inputs.append(task_field("submitted-on", "submitted", "Date", _day(auth.submitted_on)))
    outputs = []
    if auth.reference:
        outputs.append(task_field("reference", "authorization number", "String", auth.reference))
    if auth.start is not None and auth.end is not None:
        period = {"start": _day(auth.start), "end": _day(auth.end)}
        outputs.append(task_field("approved-period", "approved dates", "Period", period))
    if auth.approved_units is not None:
        outputs.append(
            task_field("approved-units", "units approved", "UnsignedInt", auth.approved_units)
        )
        outputs.append(task_field("used-units", "units used", "UnsignedInt", auth.used_units))
    if auth.decided_on is not None:
        outputs.append(task_field("decided-on", "payer decided", "Date", _day(auth.decided_on)))
    return _TaskParts(claim, inputs=inputs, outputs=outputs)


def _service(system: str, code: str, display: str) -> JSON:
    coding: JSON = {"system": system, "code": code}
    if display:
        coding["display"] = display
    return {"coding": [coding], "text": display or code}


# ------------------------------------------------------------------ follow-ups


def _follow_up(
    item: WorkItem[Any], follow_up: FollowUp, subject: JSON, new_id: Callable[[], str]
) -> _TaskParts:
    window = follow_up.window
    order: JSON = {
        "resourceType": "ServiceRequest",
        "id": new_id(),
        "status": REFERRAL_REQUEST_STATUS.get(item.status, "active"),
        "intent": "order",
        "code": {"text": FOLLOW_UP_CODE},
        "subject": subject,
        "authoredOn": _day(follow_up.ordered_on),
        "occurrencePeriod": {"start": _day(window.earliest), "end": _day(window.latest)},
        "performer": [{"display": follow_up.provider_name}],
        "note": [{"text": follow_up.request}],
    }
    if follow_up.reason:
        order["reasonCode"] = [{"text": follow_up.reason}]
    inputs = [
        task_field("request", "as the provider asked", "String", follow_up.request),
        task_field("interval", "interval", "String", follow_up.interval.text),
        task_field("minutes", "visit minutes", "UnsignedInt", follow_up.minutes),
    ]
    return _TaskParts(order, "fulfill", inputs=inputs)


def appointment(follow_up: FollowUp, subject: JSON, based_on: JSON, appointment_id: str) -> JSON:
    """The booked follow-up as an ``Appointment`` (status ``booked``, as ma-tui's
    schedule export writes its visits: start, end, minutes, patient and provider)."""
    slot = follow_up.booked
    assert slot is not None
    resource: JSON = {
        "resourceType": "Appointment",
        "id": appointment_id,
        "status": "booked",
        "appointmentType": {"text": "follow-up"},
        "description": f"Follow-up: {follow_up.request}",
        "start": _instant(slot.start),
        "end": _instant(slot.end),
        "minutesDuration": slot.minutes,
        "basedOn": [based_on],
        "participant": [
            {"actor": subject, "status": "accepted"},
            {"actor": {"display": follow_up.provider_name}, "status": "accepted"},
        ],
    }
    return resource
