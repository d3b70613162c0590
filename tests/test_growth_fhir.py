"""A child's growth in the FHIR export: percentile Observations (US Core pediatric
codes) derived from the measurements, and an infant's length coded as body length."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session

from ma_tui.data.migrate import upgrade
from ma_tui.data.store import memory_engine
from ma_tui.demo.clinic import build_demo_clinic
from ma_tui.fhir.export import ExportContext, Selection, bundle, export_resources
from tests.conftest import CLINIC_NOW, CLINIC_TZ
from tests.fhir_checks import assert_valid

CONTEXT = ExportContext(mrn_system="urn:oid:1.2.3.4", clinic_id=uuid.UUID(int=42), tz=CLINIC_TZ)


@pytest.fixture(scope="module")
def demo() -> Iterator[Engine]:
    engine = memory_engine()
    upgrade(engine)
    build_demo_clinic(engine, CLINIC_NOW.date(), CLINIC_TZ)
    yield engine
    engine.dispose()


def _observations(engine: Engine, mrn: str) -> list[dict[str, Any]]:
    with Session(engine) as session:
        exported = bundle(
            export_resources(session, Selection(mrn=mrn), CONTEXT), timestamp=CLINIC_NOW
        )
    resources = [entry["resource"] for entry in exported["entry"]]
    assert_valid(resources)
    return [r for r in resources if r["resourceType"] == "Observation"]


def _coded(observations: list[dict[str, Any]], code: str) -> list[dict[str, Any]]:
    return [o for o in observations if o["code"].get("coding", [{}])[0].get("code") == code]


def test_an_infants_percentiles_and_length_are_exported_valid(demo: Engine) -> None:
    """Elsa (born at 31+3 weeks): four earlier visits, each with weight, length and head."""
    observations = _observations(demo, "1000130")
    head = _coded(observations, "8289-1")
    for_length = _coded(observations, "77606-2")
    assert len(head) == len(for_length) == 4
    assert not _coded(observations, "59576-9")  # BMI-for-age is from 2 years
    assert not _coded(observations, "8302-2")  # under 2 a length, lying down
    lengths = _coded(observations, "8306-3")
    assert len(lengths) == 4
    ids = {o["id"] for o in observations}
    for percentile in head + for_length:
        quantity = percentile["valueQuantity"]
        assert quantity["unit"] == quantity["code"] == "%"
        assert 0 < quantity["value"] < 100
        assert {
            ref["reference"].removeprefix("urn:uuid:") for ref in percentile["derivedFrom"]
        } <= ids
    notes = [note["text"] for note in head[-1]["note"]]
    assert "WHO Females, 0-2 years Chart" in notes
    assert any(text.startswith("corrected age") for text in notes)


def test_a_childs_bmi_percentile_is_exported_from_two_years(demo: Engine) -> None:
    """Kofi, seen at 3 years: BMI-for-age on the CDC chart, his height as height."""
    observations = _observations(demo, "1000126")
    (bmi,) = _coded(observations, "59576-9")
    assert bmi["note"][0]["text"] == "CDC Males, 2-20 years Chart"
    assert _coded(observations, "8302-2")
    assert not _coded(observations, "77606-2")
