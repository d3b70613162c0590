"""The three levels and the checks that hold a value for the MA's confirm.

Impossible: refused, with the reason (tests/test_measurements.py). Implausible, far
from the patient's recent readings, or taken over a day back: held until confirmed.
Impossible or implausible as typed but sensible in the other unit: the converted
value is offered, never taken silently.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ma_tui.core.parsing import ParseError
from ma_tui.data.catalogs.vitals import (
    BODY_HEIGHT,
    BODY_TEMPERATURE,
    BODY_WEIGHT,
    HEAD_CIRCUMFERENCE,
    HEART_RATE,
)
from ma_tui.vitals.delta import Reading, delta_concern
from ma_tui.vitals.entry import (
    VitalsForm,
    build_vitals,
    check_field,
    check_time_taken,
    parse_time_taken,
    settle_vitals,
)
from ma_tui.vitals.measurements import ClinicUnits, implausible
from ma_tui.vitals.restore import form_as_saved, form_from_saved
from ma_tui.vitals.trend import sparkline
from tests.conftest import CLINIC_NOW

ADULT = 50 * 365
CHILD = 6 * 365
UNITS = ClinicUnits()  # lb, in, °F
METRIC = ClinicUnits(weight="kg", height="cm", temperature="Cel")


def days_ago(days: int) -> datetime:
    return CLINIC_NOW - timedelta(days=days)


def check(key: str, text: str, *, age: int = ADULT, units: ClinicUnits = UNITS, history=None):  # type: ignore[no-untyped-def]
    form = VitalsForm(values={key: text})
    return check_field(key, form, units, age, CLINIC_NOW, history or {})


# ------------------------------------------------------------ implausible


def test_implausible_names_the_band_and_the_age() -> None:
    assert implausible(HEART_RATE, 250, ADULT) == (
        "250 /min is implausible for adults (plausible 30–200 /min)"
    )
    assert implausible(HEART_RATE, 180, ADULT) is None  # abnormal, flagged, not held
    assert implausible(HEART_RATE, 240, 100) is None  # an infant's pulse may be 240


def test_an_implausible_value_is_held_until_confirmed_then_stored_with_why() -> None:
    form = VitalsForm(values={"pulse": "250"})
    entries, errors = build_vitals(form, UNITS, ADULT, CLINIC_NOW)
    assert entries == []
    assert "needs a confirm" in errors["pulse"]
    held = check_field("pulse", form, UNITS, ADULT, CLINIC_NOW, {})
    assert held is not None
    assert held.possible
    assert held.other_unit is None
    form.confirmed["pulse"] = held.text
    entries, errors = build_vitals(form, UNITS, ADULT, CLINIC_NOW)
    assert errors == {}
    (pulse,) = entries
    assert pulse.value == 250
    assert pulse.interpretation == "HH"
    assert pulse.confirmation == "250 /min is implausible for adults (plausible 30–200 /min)"


def test_a_confirm_lapses_when_the_text_changes() -> None:
    form = VitalsForm(values={"pulse": "250"}, confirmed={"pulse": "250"})
    assert build_vitals(form, UNITS, ADULT, CLINIC_NOW)[1] == {}
    form.values["pulse"] = "205"
    assert "needs a confirm" in build_vitals(form, UNITS, ADULT, CLINIC_NOW)[1]["pulse"]


def test_abnormal_values_are_stored_and_flagged_without_a_confirm() -> None:
    entries, errors = build_vitals(VitalsForm(values={"bp": "168/98"}), UNITS, ADULT, CLINIC_NOW)
    assert errors == {}
    assert {e.interpretation for e in entries} == {"H"}
    assert all(e.confirmation is None for e in entries)


def test_both_parts_of_a_blood_pressure_are_checked() -> None:
    held = check("bp", "300/160")
    assert held is not None
    assert any("diastolic" in r or "160" in r for r in held.reasons)


# ------------------------------------------------------------- unit catch


def test_a_celsius_temperature_typed_at_a_fahrenheit_clinic_is_offered_in_celsius() -> None:
    held = check("temp", "38.5")
    assert held is not None
    assert not held.possible
    assert held.other_unit is not None
    assert held.other_unit.text == "38.5c"
    assert held.other_unit.readback == "38.5 °C (101.3 °F)"


def test_a_fahrenheit_temperature_typed_at_a_celsius_clinic_is_offered_in_fahrenheit() -> None:
    held = check("temp", "101.3", units=METRIC)
    assert held is not None
    assert held.other_unit is not None
    assert held.other_unit.text == "101.3f"


def test_kilograms_typed_as_pounds_are_caught_against_the_last_weight() -> None:
    history = {BODY_WEIGHT: [Reading(77.6, days_ago(20))]}
    held = check("weight", "77.6", history=history)  # 77.6 lb = 35.2 kg: far from 77.6 kg
    assert held is not None
    assert held.possible
    assert any("less than 77.6 kg" in reason for reason in held.reasons)
    assert held.other_unit is not None
    assert held.other_unit.text == "77.6kg"


def test_no_unit_is_offered_when_the_other_one_is_no_better() -> None:
    held = check("pulse", "250")
    assert held is not None
    assert held.other_unit is None
    assert check("temp", "12") is None or check("temp", "12").other_unit is None


def test_a_sensible_value_in_the_clinic_unit_raises_nothing() -> None:
    history = {BODY_WEIGHT: [Reading(77.6, days_ago(20))]}
    assert check("weight", "171", history=history) is None
    assert check("temp", "98.4") is None
    assert check("temp", "38.5c") is None


# ------------------------------------------------------------------ delta


def test_weight_more_than_ten_percent_off_within_a_month_is_held() -> None:
    history = {BODY_WEIGHT: [Reading(80.0, days_ago(10))]}
    assert delta_concern(BODY_WEIGHT, 71.0, ADULT, CLINIC_NOW, history) is not None
    assert delta_concern(BODY_WEIGHT, 73.0, ADULT, CLINIC_NOW, history) is None
    old = {BODY_WEIGHT: [Reading(80.0, days_ago(200))]}
    assert delta_concern(BODY_WEIGHT, 71.0, ADULT, CLINIC_NOW, old) is None  # 11 % in 200 days
    assert delta_concern(BODY_WEIGHT, 55.0, ADULT, CLINIC_NOW, old) is not None  # 31 %


def test_a_child_does_not_shrink_but_an_adult_may_lose_a_little() -> None:
    child = {BODY_HEIGHT: [Reading(120.0, days_ago(90))]}
    assert "shrink" in (delta_concern(BODY_HEIGHT, 117.0, CHILD, CLINIC_NOW, child) or "")
    assert delta_concern(BODY_HEIGHT, 119.5, CHILD, CLINIC_NOW, child) is None
    adult = {BODY_HEIGHT: [Reading(165.0, days_ago(300))]}
    assert delta_concern(BODY_HEIGHT, 163.0, ADULT, CLINIC_NOW, adult) is None
    assert delta_concern(BODY_HEIGHT, 175.0, ADULT, CLINIC_NOW, adult) is not None
    head = {HEAD_CIRCUMFERENCE: [Reading(46.0, days_ago(60))]}
    assert delta_concern(HEAD_CIRCUMFERENCE, 43.0, 500, CLINIC_NOW, head) is not None


def test_only_earlier_readings_count_and_other_vitals_have_no_delta_rule() -> None:
    later = {BODY_WEIGHT: [Reading(80.0, CLINIC_NOW + timedelta(hours=1))]}
    assert delta_concern(BODY_WEIGHT, 50.0, ADULT, CLINIC_NOW, later) is None
    pulse = {HEART_RATE: [Reading(60.0, days_ago(1))]}
    assert delta_concern(HEART_RATE, 120.0, ADULT, CLINIC_NOW, pulse) is None
    assert delta_concern(BODY_TEMPERATURE, 39.0, ADULT, CLINIC_NOW, {}) is None


@given(
    st.floats(min_value=0.2, max_value=700),
    st.lists(st.tuples(st.floats(min_value=0.2, max_value=700), st.integers(0, 1000)), max_size=5),
    st.integers(0, 100 * 365),
)
def test_delta_check_gives_a_reason_or_none_never_an_exception(
    value: float, earlier: list[tuple[float, int]], age: int
) -> None:
    history = {
        code: sorted((Reading(v, days_ago(d)) for v, d in earlier), key=lambda r: r.taken_at)
        for code in (BODY_WEIGHT, BODY_HEIGHT, HEAD_CIRCUMFERENCE)
    }
    for code in history:
        reason = delta_concern(code, value, age, CLINIC_NOW, history)
        assert reason is None or (isinstance(reason, str) and reason)


# ------------------------------------------------------------- time taken


def test_a_time_more_than_a_day_back_needs_a_confirm() -> None:
    form = VitalsForm(values={"pulse": "76"}, taken_at="11/21 14:05")
    assert parse_time_taken(form.taken_at, CLINIC_NOW) == datetime(
        2026, 11, 21, 14, 5, tzinfo=CLINIC_NOW.tzinfo
    )
    held = check_time_taken(form, CLINIC_NOW)
    assert held is not None
    assert held.reasons == ("taken 1 day ago, 11/21/2026 14:05",)
    assert "taken_at" in build_vitals(form, UNITS, ADULT, CLINIC_NOW)[1]
    form.confirmed["taken_at"] = held.text
    entries, errors = build_vitals(form, UNITS, ADULT, CLINIC_NOW)
    assert errors == {}
    assert entries[0].taken_at.day == 21
    assert check_time_taken(VitalsForm(taken_at="11/22 10:00"), CLINIC_NOW) is None


@pytest.mark.parametrize(
    ("text", "message"),
    [("2025-11-01 09:00", "over a year"), ("02/30 09:00", "no such date"), ("12/01", "HH:MM")],
)
def test_impossible_times_taken_are_refused(text: str, message: str) -> None:
    with pytest.raises(ParseError, match=message):
        parse_time_taken(text, CLINIC_NOW)


def test_a_month_and_day_ahead_of_today_means_last_year() -> None:
    assert parse_time_taken("12/24 10:00", CLINIC_NOW).year == 2025


# ------------------------------------------------------------ draft, trend


def test_a_half_typed_form_survives_the_draft_with_what_holds_it() -> None:
    form = VitalsForm(values={"bp": "128/82", "pulse": "250", "temp": "98.", "weight": "17"})
    entries, unsettled = settle_vitals(form, UNITS, ADULT, CLINIC_NOW, {})
    assert {e.value_entered for e in entries} >= {"128", "82", "98."}
    assert unsettled.startswith("Pulse: needs a confirm")
    again = form_from_saved(form_as_saved(form))
    assert again == form


@given(st.dictionaries(st.text(max_size=12), st.one_of(st.text(), st.integers(), st.none())))
def test_a_tampered_saved_form_never_crashes_the_screen(saved: dict[str, object]) -> None:
    form = form_from_saved(saved)
    assert isinstance(form, VitalsForm)
    assert all(isinstance(v, str) for v in form.values.values())


def test_sparkline_draws_the_shape_of_the_readings() -> None:
    assert sparkline([1.0]) == ""
    assert sparkline([1.0, 2.0, 3.0]) == "▁▅█"
    assert sparkline([5.0, 5.0]) == "▄▄"
