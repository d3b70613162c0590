"""Check-in's rules, without the screen: what a field shows, which edits are taken in."""

from __future__ import annotations

import pytest
from sqlalchemy.engine import Engine

from ma_tui.checkin.draft import CheckInDraft
from ma_tui.checkin.rules import (
    PAYER_WITHOUT_MEMBER,
    CheckInError,
    coverage_changes,
    demographic_changes,
    field_limit,
    is_minor,
    shown,
    typed_edits,
)
from ma_tui.patients.chart import Chart
from ma_tui.visits.holding import load_visit_chart
from tests.conftest import CLINIC_NOW, todays_encounter_id


def _chart(engine: Engine, family: str) -> Chart:
    return load_visit_chart(engine, todays_encounter_id(engine, family))


def test_a_field_shows_what_was_typed_else_the_confirmed_edit_else_the_chart(
    demo_engine: Engine,
) -> None:
    chart = _chart(demo_engine, "Benton")
    patient, coverage = chart.patient, chart.coverage
    assert coverage is not None
    checkin = CheckInDraft()
    assert shown("phone", checkin, patient, coverage) == patient.phone
    assert shown("payer", checkin, patient, coverage) == coverage.payer
    checkin.demographic_changes = {"phone": "555-555-0199", "email": None}
    assert shown("phone", checkin, patient, coverage) == "555-555-0199"
    assert shown("email", checkin, patient, coverage) == ""
    checkin.typed = {"phone": "555555"}
    assert shown("phone", checkin, patient, coverage) == "555555"
    assert shown("group_number", checkin, patient, None) == ""  # no coverage on file


def test_only_fields_that_differ_from_what_they_would_show_are_kept_as_typed(
    demo_engine: Engine,
) -> None:
    chart = _chart(demo_engine, "Benton")
    patient, coverage = chart.patient, chart.coverage
    assert coverage is not None
    assert patient.phone is not None
    checkin = CheckInDraft(demographic_changes={"city": "Elsewhere"})
    values = {"phone": patient.phone, "city": "Elsewhere", "payer": coverage.payer + " X"}
    assert typed_edits(values, checkin, patient, coverage) == {"payer": coverage.payer + " X"}


def test_demographic_edits_are_cleaned_and_a_phone_normalized(demo_engine: Engine) -> None:
    patient = _chart(demo_engine, "Benton").patient
    assert patient.phone is not None
    typed = {"phone": "(555) 555 0199", "city": "  Spring\tfield ", "state": patient.state or ""}
    assert demographic_changes(patient, typed) == {"phone": "555-555-0199", "city": "Spring field"}
    assert demographic_changes(patient, {"phone": patient.phone}) == {}


def test_a_phone_that_cannot_be_read_names_its_field(demo_engine: Engine) -> None:
    patient = _chart(demo_engine, "Benton").patient
    with pytest.raises(CheckInError, match="10 digits") as refused:
        demographic_changes(patient, {"city": "Springfield", "guardian_phone": "12345"})
    assert refused.value.field == "guardian_phone"


def test_payer_and_member_id_go_together(demo_engine: Engine) -> None:
    coverage = _chart(demo_engine, "Benton").coverage
    assert coverage is not None
    assert coverage_changes(coverage, {"member_id": "ZX-1"}) == {"member_id": "ZX-1"}
    with pytest.raises(CheckInError, match="go together") as refused:
        coverage_changes(coverage, {"member_id": ""})
    assert (str(refused.value), refused.value.field) == (PAYER_WITHOUT_MEMBER, None)
    assert coverage_changes(None, {"payer": "", "member_id": ""}) == {}  # self-pay
    with pytest.raises(CheckInError):
        coverage_changes(None, {"payer": "Blue Meadow Health", "member_id": ""})


def test_fields_take_what_their_columns_hold_and_minors_show_a_guardian(
    demo_engine: Engine,
) -> None:
    assert field_limit("state") < field_limit("address_line")
    assert field_limit("member_id") > 0
    assert not is_minor(_chart(demo_engine, "Benton").patient, CLINIC_NOW.date())
    assert is_minor(_chart(demo_engine, "Papadopoulos").patient, CLINIC_NOW.date())
