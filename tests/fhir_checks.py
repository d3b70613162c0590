"""Checks every FHIR test of the worklist, rooms and sterilization domains shares."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from fhir.resources.R4B import get_fhir_model_class


def _walk(value: Any) -> Iterator[Any]:
    yield value
    children = (
        value.values() if isinstance(value, dict) else value if isinstance(value, list) else ()
    )
    for child in children:
        yield from _walk(child)


def assert_valid(resources: list[dict[str, Any]]) -> None:
    """R4B accepts each resource and a Bundle of them; FHIR JSON has no empty values;
    every ``urn:uuid`` reference between them resolves."""
    entries = [{"fullUrl": f"urn:uuid:{r['id']}", "resource": r} for r in resources]
    get_fhir_model_class("Bundle").model_validate(
        {"resourceType": "Bundle", "type": "collection", "entry": entries}
    )
    for resource in resources:
        get_fhir_model_class(resource["resourceType"]).model_validate(resource)
    values = list(_walk(resources))
    assert not [v for v in values if v is None or v == "" or v == [] or v == {}]
    urls = {entry["fullUrl"] for entry in entries} | {"urn:uuid:patient"}
    references = {v["reference"] for v in values if isinstance(v, dict) and "reference" in v}
    assert references <= urls


def ids() -> Any:
    """Predictable resource ids: 00000000-0000-4000-8000-000000000001, ..."""
    counter = iter(range(1, 10_000))
    return lambda: f"00000000-0000-4000-8000-{next(counter):012d}"


SUBJECT = {"reference": "urn:uuid:patient", "display": "Dana Whitfield"}
