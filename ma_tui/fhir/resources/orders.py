"""ServiceRequest and MedicationRequest: orders from the EHR put on today's visit; import only.

An active order (intent ``order`` or one of its kinds) goes on the patient's visit
on the day it is to be done (``occurrenceDateTime``, else the day of the import):
the first visit of that day still to be seen. A ServiceRequest is a test; a
MedicationRequest is a vaccine when it carries a CVX coding or names a vaccine of
the catalog, a medication otherwise. A code the catalogs know (LOINC of a
point-of-care test, CVX or NDC of a product) links the order to what does it.

Importing again finds the order by its identifier (``source_id``) and changes
nothing the MA did: an order already done or cancelled stays so. One revoked or
entered in error in the EHR cancels the open order it came as.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import col, select

from ma_tui.data.models.orders import OrderKind, OrderSource, OrderStatus, VisitOrder
from ma_tui.data.models.visits import Encounter, EncounterStatus
from ma_tui.fhir.resources.incoming import (
    ImportWork,
    PatientRef,
    Result,
    patient_of,
    source_id,
    upsert,
)
from ma_tui.fhir.resources.values import (
    Rejected,
    clean,
    code_pairs,
    column_text,
    obj,
    objs,
    read_instant,
    shortened,
    shown,
    string,
)
from ma_tui.labs.days import day_bounds
from ma_tui.orders.items import CVX, item_from_codes, product_for_code

JSON = dict[str, Any]

ORDER_INTENTS = frozenset(
    {"order", "original-order", "reflex-order", "filler-order", "instance-order"}
)
CANCELLING = frozenset({"revoked", "entered-in-error"})
NOT_TO_SEE = frozenset(
    {EncounterStatus.CHECKED_OUT, EncounterStatus.CANCELLED, EncounterStatus.NO_SHOW}
)


def service_request_from_fhir(work: ImportWork, resource: JSON) -> Result:
    return _order_from_fhir(work, resource, "code", OrderKind.TEST)


def medication_request_from_fhir(work: ImportWork, resource: JSON) -> Result:
    if resource.get("medicationReference") is not None:
        raise Rejected("medication given by reference; ma-tui reads medicationCodeableConcept")
    return _order_from_fhir(work, resource, "medicationCodeableConcept", _medication_kind(resource))


def _medication_kind(resource: JSON) -> OrderKind:
    pairs = code_pairs(resource.get("medicationCodeableConcept"))
    for system, code in pairs:
        product = product_for_code(system, code) if system else None
        if system == CVX or (product is not None and product.is_vaccine):
            return OrderKind.VACCINE
    return OrderKind.MEDICATION


def _order_from_fhir(work: ImportWork, resource: JSON, code_key: str, kind: OrderKind) -> Result:
    kind_name = str(resource.get("resourceType"))
    status = string(resource.get("status")) or ""
    intent = string(resource.get("intent")) or ""
    source = source_id(resource, kind_name)
    if source is None:
        raise Rejected("no identifier or id: importing it again would duplicate the order")
    existing = work.session.exec(select(VisitOrder).where(VisitOrder.source_id == source)).first()
    if status in CANCELLING:
        return _cancel(work, existing, status)
    if status != "active":
        return Result("skipped", f"order is {shown(status)}: only an active order is done")
    if intent not in ORDER_INTENTS:
        return Result("skipped", f"intent {shown(intent)} is not an order to do")
    patient = patient_of(work, resource.get("subject"), "subject")
    concept = resource.get(code_key)
    text = clean((obj(concept) or {}).get("text"))
    item = item_from_codes(kind, code_pairs(concept), text)
    if item is None:
        raise Rejected(f"no {code_key}: nothing says what is ordered")
    label = shortened(f"{kind_name} {item.display} (MRN {patient.mrn})", 120)
    if existing is not None:
        if existing.patient_id != patient.id:
            raise Rejected("this order is already on the visit of another patient")
        return Result("unchanged", "already on the visit", label)
    visit = _visit_for(work, patient, _occurrence(resource))
    values = {
        "encounter_id": visit.id,
        "patient_id": patient.id,
        "kind": item.kind,
        "system": column_text(item.system, VisitOrder, "system", code_key),
        "code": column_text(item.code, VisitOrder, "code", code_key),
        "display": column_text(item.display, VisitOrder, "display", code_key),
        "catalog_key": item.catalog_key,
        "instructions": column_text(_instructions(resource), VisitOrder, "instructions", "note"),
        "source": OrderSource.IMPORTED,
        "requester": column_text(_requester(resource), VisitOrder, "requester", "requester"),
        "status": OrderStatus.OPEN,
        "ordered_at": _authored(resource, work.context.now),
        "source_id": source,
    }
    action, _ = upsert(work, VisitOrder, None, values)
    return Result(action, "", label)


def _cancel(work: ImportWork, existing: VisitOrder | None, status: str) -> Result:
    if existing is None or existing.status is not OrderStatus.OPEN:
        return Result("skipped", f"order is {status}: nothing open to cancel")
    action, _ = upsert(
        work,
        VisitOrder,
        existing,
        {"status": OrderStatus.CANCELLED, "status_reason": f"{status} in the EHR"},
        touched={"done_at": work.context.now},
    )
    return Result(action, f"cancelled: {status} in the EHR")


def _occurrence(resource: JSON) -> datetime | None:
    text = string(resource.get("occurrenceDateTime"))
    return read_instant(text, "occurrenceDateTime") if text else None


def _authored(resource: JSON, now: datetime) -> datetime:
    text = string(resource.get("authoredOn"))
    return read_instant(text, "authoredOn") if text else now


def _requester(resource: JSON) -> str | None:
    return clean((obj(resource.get("requester")) or {}).get("display"))


def _instructions(resource: JSON) -> str | None:
    dosage = [clean(d.get("text")) for d in objs(resource.get("dosageInstruction"))]
    notes = [clean(n.get("text")) for n in objs(resource.get("note"))]
    parts = [part for part in (*dosage, *notes) if part]
    return "; ".join(parts) or None


def _visit_for(work: ImportWork, patient: PatientRef, when: datetime | None) -> Encounter:
    """The patient's first visit still to be seen on the order's day (else today)."""
    now = work.context.now
    start, end = day_bounds((when or now).astimezone(now.tzinfo))
    visits = work.session.exec(
        select(Encounter)
        .where(
            Encounter.patient_id == patient.id,
            col(Encounter.scheduled_at) >= start,
            col(Encounter.scheduled_at) < end,
        )
        .order_by(col(Encounter.scheduled_at), col(Encounter.id))
    ).all()
    visit = next((v for v in visits if EncounterStatus(v.status) not in NOT_TO_SEE), None)
    if visit is None:
        raise Rejected(
            f"MRN {patient.mrn} has no visit to be seen on {start:%Y-%m-%d}: "
            "import the appointment first"
        )
    return visit
