"""The vitals form's plain functions: time taken, round trips, corrections, defaults."""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy.engine import Engine
from sqlmodel import Session

from ma_tui.core.parsing import ParseError
from ma_tui.data.catalogs.vitals import BODY_TEMPERATURE, BODY_WEIGHT, DIASTOLIC_BP, SYSTOLIC_BP
from ma_tui.data.models.settings import ClinicSetting
from ma_tui.vitals.correction import parse_correction
from ma_tui.vitals.entry import (
    VitalsForm,
    build_vitals,
    default_cuff,
    parse_time_taken,
    read_clinic_units,
    read_field,
    short_band,
)
from ma_tui.vitals.measurements import ClinicUnits
from ma_tui.vitals.restore import form_from_draft
from tests.conftest import CLINIC_NOW

ADULT = 50 * 365
UNITS = ClinicUnits()


def test_time_taken_defaults_to_now_and_takes_earlier_times() -> None:
    assert parse_time_taken("", CLINIC_NOW) == CLINIC_NOW
    assert parse_time_taken("9:05", CLINIC_NOW) == CLINIC_NOW.replace(minute=5, second=0)
    assert parse_time_taken("0905", CLINIC_NOW).minute == 5
    with pytest.raises(ParseError, match="future"):
        parse_time_taken("23:59", CLINIC_NOW)


@given(st.text(max_size=50))
def test_time_taken_never_crashes_and_is_never_in_the_future(text: str) -> None:
    try:
        taken = parse_time_taken(text, CLINIC_NOW)
    except ParseError as exc:
        assert str(exc)
    else:
        assert CLINIC_NOW - timedelta(days=365) <= taken <= CLINIC_NOW


@given(st.dictionaries(st.sampled_from(["bp", "pulse", "temp", "weight", "pain"]), st.text()))
def test_any_form_gives_values_or_messages_never_an_exception(values: dict[str, str]) -> None:
    entries, errors = build_vitals(VitalsForm(values=values), UNITS, ADULT, CLINIC_NOW)
    assert not (entries and errors)
    assert all(isinstance(message, str) and message for message in errors.values())


def test_a_form_survives_the_draft_round_trip() -> None:
    form = VitalsForm(values={"bp": "128/82", "temp": "38.1c", "weight": "171", "pain": "u"})
    entries, errors = build_vitals(form, UNITS, ADULT, CLINIC_NOW)
    assert errors == {}
    again = form_from_draft(entries, UNITS)
    assert again.values == {"bp": "128/82", "temp": "38.1c", "weight": "171", "pain": "u"}


def test_a_correction_is_parsed_like_its_field() -> None:
    (weight,) = parse_correction(BODY_WEIGHT, "77.6kg", UNITS, ADULT, CLINIC_NOW)
    assert (weight.value_entered, weight.unit_entered, weight.value) == ("77.6", "kg", 77.6)
    systolic, diastolic = parse_correction(SYSTOLIC_BP, "126/80", UNITS, ADULT, CLINIC_NOW)
    assert (systolic.code, diastolic.code) == (SYSTOLIC_BP, DIASTOLIC_BP)
    assert systolic.taken_at == CLINIC_NOW
    with pytest.raises(ParseError):
        parse_correction(BODY_TEMPERATURE, "hot", UNITS, ADULT, CLINIC_NOW)


def test_cuff_follows_age_and_bands_shorten() -> None:
    assert [default_cuff(days) for days in (100, 3 * 365, 30 * 365)] == [
        "infant",
        "child",
        "adult",
    ]
    assert short_band("normal 60–100 /min for adults") == "60–100"
    assert short_band("critical above 180 mmHg for adults") == "critical above 180"


def test_the_clinic_units_are_read_from_its_settings(engine: Engine) -> None:
    assert read_clinic_units(engine) == ClinicUnits()  # lb, in, °F until the clinic says
    with Session(engine) as session:
        session.add(ClinicSetting(key="weight_unit", value="kg"))
        session.commit()
    assert read_clinic_units(engine).weight == "kg"


def test_a_flag_on_a_value_typed_in_another_unit_says_the_bands_unit() -> None:
    """Found trying it: '100.8 °F … HIGH (36.0–37.9)' read as a °F range."""
    fever = read_field("temp", VitalsForm(values={"temp": "100.8"}), UNITS, ADULT, CLINIC_NOW)
    assert "HIGH (36.0–37.9 °C)" in fever.note
    fast = read_field("pulse", VitalsForm(values={"pulse": "120"}), UNITS, ADULT, CLINIC_NOW)
    assert "HIGH (60–100)" in fast.note  # typed in the band's own unit: as before
