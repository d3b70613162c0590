"""Coverage: a patient's insurance policy (payer, member ID, group, plan), both ways.

The member ID is an identifier typed MB (and the subscriberId); the group and the
plan are coverage classes. In, a policy is the one imported from the same source,
else the patient's policy with the same payer and member ID.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlmodel import Session, col, select

from ma_tui.data.models.patients import Coverage
from ma_tui.fhir import codes
from ma_tui.fhir.resources.incoming import (
    ImportWork,
    PatientRef,
    Result,
    patient_of,
    source_id,
    upsert,
)
from ma_tui.fhir.resources.outgoing import ExportRun, maybe_date
from ma_tui.fhir.resources.values import (
    clean,
    code_pairs,
    column_text,
    full_date,
    has_code,
    obj,
    objs,
    required,
    shortened,
    whole_number,
)

JSON = dict[str, Any]


# ----------------------------------------------------------------- to FHIR


def coverages_of(session: Session, patient_id: int | None) -> Sequence[Coverage]:
    """A patient's policies, first (primary) first."""
    return session.exec(
        select(Coverage)
        .where(Coverage.patient_id == patient_id)
        .order_by(col(Coverage.priority), col(Coverage.id))
    ).all()


def to_fhir(run: ExportRun, coverage: Coverage, subject: JSON) -> JSON:
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
            "start": maybe_date(coverage.effective_date),
            "end": maybe_date(coverage.expiry_date),
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


# --------------------------------------------------------------- from FHIR


def from_fhir(work: ImportWork, resource: JSON) -> Result:
    if resource.get("status") == codes.ENTERED_IN_ERROR:
        return Result("skipped", "entered in error")
    patient = patient_of(work, resource.get("beneficiary"), "beneficiary")
    values = _coverage_values(resource)
    existing = _matching_coverage(work, patient, resource, values)
    created = {"patient_id": patient.id, "source_id": source_id(resource, "Coverage")}
    action, _ = upsert(work, Coverage, existing, values, created=created)
    label = f"Coverage {values['payer']} {values['member_id']}"
    return Result(action, label=shortened(label, 120))


def _coverage_values(resource: JSON) -> dict[str, Any]:
    payer = next((p.get("display") for p in objs(resource.get("payor")) if p.get("display")), None)
    member_id = _member_number(resource)
    relationship = obj(resource.get("relationship")) or {}
    relation = clean(relationship.get("text")) or next(
        (code for _, code in code_pairs(relationship)), "self"
    )
    period = obj(resource.get("period")) or {}
    order = whole_number(resource.get("order"))
    return {
        "payer": required(
            column_text(payer, Coverage, "payer", "payor.display"),
            "no payer name (payor.display)",
        ),
        "member_id": required(
            column_text(member_id, Coverage, "member_id", "member ID"),
            "no member ID (identifier of type MB, or subscriberId)",
        ),
        "group_number": column_text(
            _class_value(resource, codes.GROUP_CLASS), Coverage, "group_number", "class (group)"
        ),
        "plan_name": column_text(
            _class_value(resource, codes.PLAN_CLASS, name_first=True),
            Coverage,
            "plan_name",
            "class (plan)",
        ),
        "subscriber_name": column_text(
            (obj(resource.get("subscriber")) or {}).get("display"),
            Coverage,
            "subscriber_name",
            "subscriber.display",
        ),
        "subscriber_relationship": column_text(
            relation, Coverage, "subscriber_relationship", "relationship"
        ),
        "effective_date": full_date(period.get("start"), "period.start"),
        "expiry_date": full_date(period.get("end"), "period.end"),
        "priority": order if order is not None else 1,
        "active": resource.get("status") == "active",
    }


def _member_number(resource: JSON) -> Any:
    for identifier in objs(resource.get("identifier")):
        member = has_code(identifier.get("type"), codes.MEMBER_TYPE_CODE, codes.V2_IDENTIFIER_TYPE)
        if member and clean(identifier.get("value")):
            return identifier.get("value")
    return resource.get("subscriberId")


def _class_value(resource: JSON, kind: str, *, name_first: bool = False) -> str | None:
    for item in objs(resource.get("class")):
        if has_code(item.get("type"), kind, codes.COVERAGE_CLASS):
            keys = ("name", "value") if name_first else ("value",)
            return next((clean(item.get(k)) for k in keys if clean(item.get(k))), None)
    return None


def _matching_coverage(
    work: ImportWork, patient: PatientRef, resource: JSON, values: Mapping[str, Any]
) -> Coverage | None:
    """The patient's coverage this resource is: same source, else same payer and member ID."""
    rows = work.session.exec(select(Coverage).where(Coverage.patient_id == patient.id)).all()
    source = source_id(resource, "Coverage")
    by_source = [row for row in rows if source and row.source_id == source]
    payer = str(values["payer"]).casefold()
    same_policy = [
        row
        for row in rows
        if row.payer.casefold() == payer and row.member_id == values["member_id"]
    ]
    return next(iter(by_source or same_policy), None)
