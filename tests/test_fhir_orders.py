"""Orders by FHIR: a ServiceRequest and a MedicationRequest put on today's visit."""

from __future__ import annotations

from typing import Any

from sqlalchemy.engine import Engine

from ma_tui.fhir.importer import ImportContext, import_resources
from ma_tui.fhir.reader import ReadItem
from ma_tui.orders.orders import OrderKind, OrderStatus, visit_orders
from tests.conftest import CLINIC_NOW, todays_encounter_id

DANA = {"identifier": {"system": "urn:ma-tui:mrn", "value": "1000105"}}
JSON = dict[str, Any]


def request(kind: str, number: str, status: str = "active", **fields: Any) -> ReadItem:
    resource = {
        "resourceType": kind,
        "identifier": [{"system": "urn:ehr:orders", "value": number}],
        "status": status,
        "intent": "order",
        "subject": DANA,
        "requester": {"display": "Dr. Ana Ruiz"},
        **fields,
    }
    return ReadItem(f"test {kind} {number}", resource, None)


def run(engine: Engine, *items: ReadItem) -> list[str]:
    context = ImportContext(mrn_system="urn:ma-tui:mrn", now=CLINIC_NOW, keep_every_outcome=True)
    report = import_resources(engine, lambda: list(items), context)
    return [outcome.action for outcome in report.outcomes]


GLUCOSE = {"coding": [{"system": "http://loinc.org", "code": "41653-7"}], "text": "POC glucose"}
FLU = {"coding": [{"system": "http://hl7.org/fhir/sid/cvx", "code": "140"}]}


def test_requests_become_open_orders_on_todays_visit_linked_to_the_catalogs(
    demo_sqlite: Engine,
) -> None:
    actions = run(
        demo_sqlite,
        request("ServiceRequest", "SR-1", code=GLUCOSE),
        request(
            "MedicationRequest",
            "MR-1",
            medicationCodeableConcept=FLU,
            dosageInstruction=[{"text": "0.5 mL IM"}],
        ),
    )
    assert actions == ["created", "created"]
    visit = todays_encounter_id(demo_sqlite, "Whitfield")
    imported = {o.catalog_key: o for o in visit_orders(demo_sqlite, visit)}
    glucose, flu = imported["glucose"], imported["flu_afluria"]
    assert (glucose.kind, glucose.display, glucose.ordered_by) == (
        OrderKind.TEST,
        "POC glucose",
        "Dr. Ana Ruiz",
    )
    assert (flu.kind, flu.code, flu.instructions) == (OrderKind.VACCINE, "140", "0.5 mL IM")


def test_importing_again_changes_nothing_and_a_revoked_request_cancels(
    demo_sqlite: Engine,
) -> None:
    first = request("ServiceRequest", "SR-2", code=GLUCOSE)
    assert run(demo_sqlite, first, first) == ["created", "unchanged"]
    assert run(demo_sqlite, request("ServiceRequest", "SR-2", "revoked", code=GLUCOSE)) == [
        "updated"
    ]
    visit = todays_encounter_id(demo_sqlite, "Whitfield")
    [order] = [o for o in visit_orders(demo_sqlite, visit) if o.display == "POC glucose"]
    assert order.status is OrderStatus.CANCELLED
    proposal = request("ServiceRequest", "SR-3", code=GLUCOSE, intent="proposal")
    assert run(demo_sqlite, proposal) == ["skipped"]
