"""Prior authorizations: codes with their system, statuses, units used (a bar), warnings."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ma_tui.core.errors import Conflict, InvalidInput, UserError
from ma_tui.worklist.fhir import resources
from ma_tui.worklist.items import Actor, PatientRef, StaffRole, Status, WorkItem, claim, move
from ma_tui.worklist.prior_auth import (
    CodeSystem,
    PriorAuth,
    ServiceCode,
    WarningKind,
    new_prior_auth,
    parse_service_code,
    parse_units,
    parse_warning_days,
    record_approval,
    record_denial,
    record_use,
    submit,
    units_bar,
    warnings,
)
from tests.fhir_checks import SUBJECT, assert_valid, ids

TZ = ZoneInfo("America/Chicago")
T0 = datetime(2026, 10, 1, 9, 0, tzinfo=TZ)
MARIA = Actor(1, "Maria Lopez", StaffRole.MA)
OMAR = PatientRef(2, "Omar Haddad")
PT = ServiceCode(CodeSystem.CPT, "97110", "Therapeutic exercise")


def _at(days: int) -> datetime:
    return T0 + timedelta(days=days)


def _approved(units: int = 10) -> WorkItem[PriorAuth]:
    auth = PriorAuth(payer="Blue Prairie Health", codes=(PT,), member_id="BPH123456")
    item = claim(new_prior_auth(OMAR, auth, due=_at(3), at=T0, by=MARIA), MARIA, T0)
    item = submit(item, date(2026, 10, 1), MARIA, _at(0))
    item = move(item, Status.PENDING, MARIA, _at(2))
    return record_approval(
        item,
        reference="PA-88231",
        units=units,
        start=date(2026, 10, 5),
        end=date(2026, 12, 4),
        decided_on=date(2026, 10, 4),
        by=MARIA,
        at=_at(3),
    )


# ------------------------------------------------------------------ parsers


@pytest.mark.parametrize(
    ("typed", "system", "code"),
    [
        ("CPT 97110", CodeSystem.CPT, "97110"),
        ("97110", CodeSystem.CPT, "97110"),
        ("0001U", CodeSystem.CPT, "0001U"),
        ("hcpcs j1745", CodeSystem.HCPCS, "J1745"),
        ("J1745", CodeSystem.HCPCS, "J1745"),
        ("RxNorm 860975", CodeSystem.RXNORM, "860975"),
        ("ndc 0002-8215-01", CodeSystem.NDC, "0002-8215-01"),
        ("50090-3344-0", CodeSystem.NDC, "50090-3344-0"),
    ],
)
def test_codes_are_read_with_their_system(typed: str, system: CodeSystem, code: str) -> None:
    parsed = parse_service_code(typed)
    assert (parsed.system, parsed.code) == (system, code)


@pytest.mark.parametrize("typed", ["", "860975", "CPT J1745", "W1234", "ndc 12", "x" * 41])
def test_a_code_that_fits_no_system_is_refused(typed: str) -> None:
    with pytest.raises(InvalidInput):
        parse_service_code(typed)


@given(st.text(max_size=50))
def test_any_text_is_a_code_or_a_refusal(text: str) -> None:
    try:
        code = parse_service_code(text)
    except InvalidInput as refusal:
        assert str(refusal)
    else:
        assert parse_service_code(code.text) == code


def test_units_are_used_of_approved() -> None:
    assert parse_units("7/10") == parse_units(" 7 of 10 ")
    assert (parse_units("10").used, parse_units("10").approved) == (0, 10)
    with pytest.raises(InvalidInput, match="more than the 10 approved"):
        parse_units("11/10")
    with pytest.raises(InvalidInput, match="from 1"):
        parse_units("0")


@given(st.text(max_size=20))
def test_any_text_is_units_or_a_refusal(text: str) -> None:
    try:
        units = parse_units(text)
    except InvalidInput:
        return
    assert 0 <= units.used <= units.approved


def test_the_bar_shows_units_used() -> None:
    assert units_bar(7, 10) == "███████░░░ 7/10"
    assert units_bar(0, 10) == "░░░░░░░░░░ 0/10"
    assert units_bar(1, 100) == "█░░░░░░░░░ 1/100"
    assert units_bar(99, 100) == "█████████░ 99/100"
    assert units_bar(10, 10) == "██████████ 10/10"
    assert units_bar(12, 10) == "██████████ 12/10 (2 over)"


@given(st.integers(0, 500), st.integers(1, 500), st.integers(2, 40))
def test_the_bar_is_full_only_when_used_up(used: int, approved: int, width: int) -> None:
    bar = units_bar(used, approved, width)
    filled = bar.count("█")
    assert filled + bar.count("░") == width
    assert (filled == width) == (used >= approved)
    assert (filled == 0) == (used == 0)


def test_the_warning_setting() -> None:
    assert parse_warning_days(" 14 ") == 14
    for typed in ("0", "366", "two", "1.5", "", "١٤"):
        with pytest.raises(InvalidInput):
            parse_warning_days(typed)


@given(st.text(max_size=10))
def test_any_text_is_a_warning_setting_or_a_refusal(text: str) -> None:
    try:
        days = parse_warning_days(text)
    except InvalidInput as refusal:
        assert str(refusal)
    else:
        assert 1 <= days <= 365


# ------------------------------------------------------------------ statuses and units


def test_a_prior_auth_runs_out_of_units() -> None:
    item = _approved(units=3)
    assert item.details.bar == "░░░░░░░░░░ 0/3"
    for day in (6, 13):
        item = record_use(item, date(2026, 10, day), MARIA, _at(day))
    assert item.details.bar == "██████░░░░ 2/3"
    assert [w.text for w in warnings(item.details, item.status, date(2026, 10, 14))] == [
        "1 unit left"
    ]
    item = record_use(item, date(2026, 10, 20), MARIA, _at(20))
    assert [w.kind for w in warnings(item.details, item.status, date(2026, 10, 21))] == [
        WarningKind.UNITS_OUT
    ]
    with pytest.raises(Conflict, match="only 0 of 3 units left"):
        record_use(item, date(2026, 10, 27), MARIA, _at(27))


def test_a_prior_auth_near_its_end_warns() -> None:
    item = _approved()
    auth = item.details
    assert warnings(auth, item.status, date(2026, 11, 19)) == ()
    near = warnings(auth, item.status, date(2026, 11, 20))
    assert [w.text for w in near] == ["ends in 14 days (2026-12-04): renew?"]
    assert warnings(auth, item.status, date(2026, 11, 27), warn_days=7)[0].kind is (
        WarningKind.EXPIRING
    )
    assert warnings(auth, item.status, date(2026, 12, 4))[0].text.startswith("ends today")
    assert warnings(auth, item.status, date(2026, 12, 5))[0].kind is WarningKind.EXPIRED
    assert warnings(auth, item.status, date(2026, 10, 4))[0].kind is WarningKind.NOT_STARTED
    with pytest.raises(Conflict, match="outside the approval"):
        record_use(item, date(2026, 12, 5), MARIA, _at(70))


def test_statuses_follow_the_payer() -> None:
    auth = PriorAuth(payer="", codes=())
    item = new_prior_auth(OMAR, auth, due=_at(3), at=T0, by=MARIA)
    with pytest.raises(Conflict, match="name the payer"):
        submit(item, date(2026, 10, 1), MARIA, _at(0))
    with pytest.raises(Conflict, match="cannot become approved"):
        record_approval(
            item,
            reference="X1",
            units=None,
            start=date(2026, 10, 5),
            end=date(2026, 10, 6),
            decided_on=date(2026, 10, 4),
            by=MARIA,
            at=_at(1),
        )
    full = PriorAuth(payer="Blue Prairie Health", codes=(PT,))
    submitted = submit(
        new_prior_auth(OMAR, full, due=_at(3), at=T0, by=MARIA), date(2026, 10, 1), MARIA, T0
    )
    denied = record_denial(submitted, date(2026, 10, 9), "not medically necessary", MARIA, _at(8))
    appealed = move(denied, Status.APPEALED, MARIA, _at(9), "letter of medical necessity")
    assert appealed.status is Status.APPEALED
    with pytest.raises(Conflict, match="only an approved"):
        record_use(appealed, date(2026, 10, 10), MARIA, _at(10))


def test_an_approval_needs_a_reference_and_a_window() -> None:
    with pytest.raises(InvalidInput, match="reference number"):
        record_approval(
            _approved(),
            reference="PA 1",
            units=1,
            start=date(2026, 10, 5),
            end=date(2026, 10, 6),
            decided_on=date(2026, 10, 4),
            by=MARIA,
            at=_at(4),
        )


STEPS = st.tuples(st.sampled_from(["use", "move"]), st.sampled_from(list(Status)))


@given(st.lists(STEPS, max_size=12))
def test_units_never_run_past_the_approval(steps: list[tuple[str, Status]]) -> None:
    item = _approved(units=4)
    for day, (action, status) in enumerate(steps, start=5):
        try:
            if action == "use":
                item = record_use(item, date(2026, 10, day), MARIA, _at(day))
            else:
                item = move(item, status, MARIA, _at(day))
        except UserError:
            continue
        auth = item.details
        assert auth.approved_units is not None
        assert 0 <= auth.used_units <= auth.approved_units


# ------------------------------------------------------------------ FHIR


def test_a_prior_auth_is_a_task_on_a_preauthorization_claim() -> None:
    item = record_use(_approved(units=10), date(2026, 10, 6), MARIA, _at(6))
    clinic = {"display": "Prairie Family Clinic"}
    claim_json, task = resources(item, subject=SUBJECT, clinic=clinic, new_id=ids())
    assert_valid([claim_json, task])
    assert (claim_json["use"], claim_json["status"]) == ("preauthorization", "active")
    assert claim_json["type"]["coding"][0]["code"] == "professional"
    assert claim_json["insurer"] == {"display": "Blue Prairie Health"}
    assert claim_json["item"][0]["productOrService"]["coding"] == [
        {"system": "http://www.ama-assn.org/go/cpt", "code": "97110", "display": PT.display}
    ]
    outputs = {o["type"]["coding"][0]["code"]: o for o in task["output"]}
    assert outputs["reference"]["valueString"] == "PA-88231"
    assert outputs["approved-period"]["valuePeriod"] == {"start": "2026-10-05", "end": "2026-12-04"}
    units = [outputs[key]["valueUnsignedInt"] for key in ("approved-units", "used-units")]
    assert units == [10, 1]
    assert "code" in task
    assert "priority" not in task


def test_a_drug_prior_auth_is_a_pharmacy_claim() -> None:
    auth = PriorAuth(payer="", codes=(parse_service_code("RxNorm 860975"),))
    item = new_prior_auth(OMAR, auth, due=_at(3), at=T0, by=MARIA)
    claim_json, task = resources(item, subject=SUBJECT, clinic={"display": "c"}, new_id=ids())
    assert_valid([claim_json, task])
    assert (claim_json["status"], task["status"]) == ("draft", "draft")
    assert claim_json["type"]["coding"][0]["code"] == "pharmacy"
