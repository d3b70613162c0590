"""Point-of-care results: the one-line entry, flags, kits and QC, and the FHIR they become."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest
from fhir.resources.R4B import get_fhir_model_class
from hypothesis import given
from hypothesis import strategies as st

from ma_tui.core.expiry import ExpiryError, is_expired, parse_expiry
from ma_tui.data.catalogs.poc_tests import Analyte, PocTest, poc_catalog
from ma_tui.labs.fhir import kit_device, observations, reference
from ma_tui.labs.kits import (
    KitExpired,
    KitLot,
    KitMismatch,
    LotError,
    QcOutcome,
    QcRecord,
    QcState,
    before_resulting,
    parse_lot,
    qc_state,
)
from ma_tui.labs.line import parse_poc_line
from ma_tui.labs.record import LineNotReady, result_from_line
from ma_tui.labs.results import Flag, interpret, line_readback, readback_text

TZ = timezone(timedelta(hours=-5))
NOW = datetime(2026, 11, 23, 10, 5, tzinfo=TZ)
TODAY = NOW.date()
UA = "ua glu neg bld tr le 1+ nit pos sg 1.020 ph 6"


def _kit(test_key: str, expires: date = date(2027, 1, 31)) -> KitLot:
    return KitLot(test_key, "Multistix 10 SG", "ABC123", expires, "Siemens")


def _flags(text: str, **patient: Any) -> dict[str, Flag | None]:
    line = parse_poc_line(text)
    assert line.ok, line.errors
    return {r.analyte.key: interpret(r, **patient).flag for r in line.readings}


# ------------------------------------------------------------------ the line


def test_a_urinalysis_reads_every_pad_with_its_flag() -> None:
    line = parse_poc_line(UA)
    assert line.ok
    assert line.test is not None
    assert line.test.key == "ua"
    shown = {r.analyte.key: r.shown for r in line.readings}
    assert shown == {
        "glu": "neg",
        "bld": "trace",
        "le": "small (1+)",
        "nit": "POS",
        "sg": "1.020",
        "ph": "6.0",
    }
    assert _flags(UA) == {
        "glu": Flag.NORMAL,
        "bld": Flag.ABNORMAL,
        "le": Flag.ABNORMAL,
        "nit": Flag.ABNORMAL,
        "sg": Flag.NORMAL,
        "ph": Flag.NORMAL,
    }
    assert [a.key for a in line.missing] == ["bil", "ket", "pro", "uro"]
    assert readback_text(line) == (
        "GLU neg  ·  BLD trace A  ·  LE small (1+) A  ·  NIT POS A  ·  SG 1.020  ·  pH 6.0"
        "  ·  not read: bil, ket, pro, uro"
    )


def test_a_glucose_is_flagged_against_its_range() -> None:
    assert _flags("glu 104") == {"glucose": Flag.NORMAL}
    assert _flags("glu 180") == {"glucose": Flag.HIGH}
    assert _flags("glu 62") == {"glucose": Flag.LOW}
    assert _flags("glu 45") == {"glucose": Flag.CRITICAL_LOW}
    assert _flags("glu 450") == {"glucose": Flag.CRITICAL_HIGH}
    assert readback_text(parse_poc_line("glu 104")) == "GLU 104 mg/dL"


@pytest.mark.parametrize(
    ("text", "flags"),
    [
        ("a1c 7.2", {"a1c": Flag.HIGH}),
        ("a1c 5.4", {"a1c": Flag.NORMAL}),
        ("hcg neg", {"hcg": Flag.NORMAL}),
        ("strep pos", {"strep": Flag.ABNORMAL}),
        ("flu a neg b pos", {"flu_a": Flag.NORMAL, "flu_b": Flag.ABNORMAL}),
        ("covid neg", {"covid": Flag.NORMAL}),
        ("inr 2.4", {"inr": Flag.HIGH}),
        ("inr 1.0", {"inr": Flag.NORMAL}),
        ("inr 5.5", {"inr": Flag.CRITICAL_HIGH}),
    ],
)
def test_each_example_of_the_issue_reads(text: str, flags: dict[str, Flag]) -> None:
    assert _flags(text, sex="female", age_years=40) == flags


def test_hemoglobin_bands_depend_on_sex_and_age() -> None:
    assert _flags("hgb 12.1", sex="female", age_years=40) == {"hgb": Flag.NORMAL}
    assert _flags("hgb 12.1", sex="male", age_years=40) == {"hgb": Flag.LOW}
    # A child has no band in the catalog: not flagged, and said so.
    line = parse_poc_line("hgb 12.1")
    assert interpret(line.readings[0], sex="female", age_years=8).flag is None
    assert "no reference range" in readback_text(line, sex="female", age_years=8)
    assert _flags("hgb 6.2", sex="female", age_years=8) == {"hgb": Flag.CRITICAL_LOW}


def test_an_invalid_antigen_test_asks_for_a_repeat() -> None:
    line = parse_poc_line("strep invalid")
    assert interpret(line.readings[0]).flag is None
    assert "repeat with a new test" in readback_text(line)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("ua neg", "neg: which result is it? name it first"),
        ("flu neg", "neg: which result is it?"),
        ("glu 1040", "outside what the test reads (10-600 mg/dL)"),
        ("glu 104.5", "glucose is read in whole numbers"),
        ("ua glu 100", "glu 100: not a reading of glucose; one of neg, tr, 1+"),
        ("xyz 1", "xyz: not a test; one of ua, glu"),
        ("glu", "glu: the result? e.g. glu 140"),
        ("ua", "ua: which results?"),
        ("ua glu", "glu: its result? e.g. glu neg"),
        ("ua glu neg glu tr", "glu: Glucose is already in this line"),
        ("ua sg 1020", "outside what the test reads"),
        ("glu 104 110", "110: glu takes one result"),
        ("ua foo neg", "foo: not part of urinalysis, dipstick"),
        ("strep maybe", "strep maybe: not a reading of group a strep antigen"),
    ],
)
def test_nothing_is_guessed(text: str, reason: str) -> None:
    line = parse_poc_line(text)
    assert not line.ok
    assert any(reason in (piece.error or "") for piece in line.errors), line.errors


def test_a_refused_piece_is_pointed_at_by_its_place() -> None:
    line = parse_poc_line("ua glu neg  bld maybe")
    (bad,) = line.errors
    assert (bad.start, bad.end, bad.text) == (16, 21, "maybe")
    assert line_readback(line)[0].tone == "error"


def test_an_empty_line_is_empty_not_an_error() -> None:
    line = parse_poc_line("   ")
    assert line.empty
    assert not line.errors
    assert not line.ok


def test_a_line_too_long_is_refused_whole() -> None:
    line = parse_poc_line("ua " + "glu neg " * 40)
    assert line.errors
    assert "too long" in (line.errors[0].error or "")


def test_case_and_commas_do_not_matter() -> None:
    assert _flags("UA GLU NEG, BLD TR; NIT Pos") == _flags("ua glu neg bld tr nit pos")


# ------------------------------------------------------------- property tests


@given(st.text(max_size=250))
def test_any_text_gives_a_line_never_an_exception(text: str) -> None:
    line = parse_poc_line(text)
    readback_text(line)
    readback_text(line, sex="male", age_years=3)
    assert line.ok == (line.test is not None and bool(line.readings) and not line.errors)


def _typed_value(draw: st.DrawFn, analyte: Analyte) -> str:
    if analyte.kind != "quantity":
        choice = draw(st.sampled_from(analyte.choices))
        return draw(st.sampled_from(choice.words))
    low, high = analyte.plausible.low, analyte.plausible.high
    assert low is not None
    assert high is not None
    step = Decimal(1).scaleb(-analyte.decimals)
    units = draw(st.integers(int(low / step), int(high / step)))
    return f"{units * step:.{analyte.decimals}f}"


@st.composite
def valid_lines(draw: st.DrawFn) -> tuple[PocTest, dict[str, str]]:
    test = draw(st.sampled_from(poc_catalog().tests))
    if test.single:
        return test, {test.analytes[0].key: _typed_value(draw, test.analytes[0])}
    chosen = draw(st.lists(st.sampled_from(test.analytes), min_size=1, unique_by=lambda a: a.key))
    return test, {a.key: _typed_value(draw, a) for a in chosen}


@given(valid_lines())
def test_a_valid_line_reads_back_what_was_typed(case: tuple[PocTest, dict[str, str]]) -> None:
    test, values = case
    if test.single:
        text = f"{test.words[0]} {next(iter(values.values()))}"
    else:
        pairs = [f"{test.analyte(key).words[0]} {value}" for key, value in values.items()]
        text = " ".join([test.words[0], *pairs])
    line = parse_poc_line(text)
    assert line.ok, line.errors
    assert {r.analyte.key: r.typed for r in line.readings} == values
    for reading in line.readings:
        if reading.value is not None:
            assert Decimal(reading.shown) == Decimal(values[reading.analyte.key])


# ------------------------------------------------------------------ kits and QC


def test_an_expired_kit_is_refused() -> None:
    strep = poc_catalog().test("strep")
    with pytest.raises(KitExpired, match="expired 2026-11-22"):
        before_resulting(strep, _kit("strep", date(2026, 11, 22)), [], TODAY)
    # Usable on its expiry day.
    before_resulting(strep, _kit("strep", TODAY), [], TODAY)


def test_a_kit_for_another_test_is_refused() -> None:
    with pytest.raises(KitMismatch):
        before_resulting(poc_catalog().test("strep"), _kit("ua"), [], TODAY)


def _qc(outcome: QcOutcome, at: datetime, test_key: str = "strep") -> QcRecord:
    return QcRecord(test_key, at, outcome, "QC1", "mia")


def test_the_latest_qc_of_the_day_decides() -> None:
    morning, noon = NOW.replace(hour=8), NOW.replace(hour=12)
    assert qc_state([], "strep", TODAY) is QcState.NOT_DONE
    assert qc_state([_qc(QcOutcome.PASS, morning)], "strep", TODAY) is QcState.PASSED
    log = [_qc(QcOutcome.FAIL, noon), _qc(QcOutcome.PASS, morning)]
    assert qc_state(log, "strep", TODAY) is QcState.FAILED
    # Yesterday's pass and another test's pass do not count today.
    old = [_qc(QcOutcome.PASS, morning - timedelta(days=1)), _qc(QcOutcome.PASS, morning, "ua")]
    assert qc_state(old, "strep", TODAY) is QcState.NOT_DONE


def test_without_a_passing_qc_today_the_ma_is_told_before_resulting() -> None:
    strep = poc_catalog().test("strep")
    gate = before_resulting(strep, _kit("strep"), [], TODAY)
    assert not gate.clear
    assert gate.qc is QcState.NOT_DONE
    assert gate.notices == (
        "Rapid strep (group A strep antigen): no quality control recorded today; "
        "run the controls first",
    )
    failed = before_resulting(strep, _kit("strep"), [_qc(QcOutcome.FAIL, NOW)], TODAY)
    assert "failed" in failed.notices[0]
    assert before_resulting(strep, _kit("strep"), [_qc(QcOutcome.PASS, NOW)], TODAY).clear


@pytest.mark.parametrize(("typed", "lot"), [(" abc123 ", "ABC123"), ("K-22/07.1", "K-22/07.1")])
def test_a_lot_is_kept_as_printed(typed: str, lot: str) -> None:
    assert parse_lot(typed) == lot


@pytest.mark.parametrize("typed", ["", "   ", "lot 12", "X" * 21, "ab#1"])
def test_a_lot_that_cannot_be_right_is_refused(typed: str) -> None:
    with pytest.raises(LotError):
        parse_lot(typed)


@pytest.mark.parametrize(
    ("typed", "day"),
    [
        ("2026-11-30", date(2026, 11, 30)),
        ("11/30/2026", date(2026, 11, 30)),
        ("11/2026", date(2026, 11, 30)),
        ("02/28", date(2028, 2, 29)),
        ("2027-02", date(2027, 2, 28)),
    ],
)
def test_an_expiry_reads_as_the_last_usable_day(typed: str, day: date) -> None:
    assert parse_expiry(typed) == day


@pytest.mark.parametrize("typed", ["", "13/2026", "2026-02-30", "soon", "1/1/1/1"])
def test_an_unreadable_expiry_is_refused(typed: str) -> None:
    with pytest.raises(ExpiryError):
        parse_expiry(typed)


@given(st.text(max_size=30))
def test_any_expiry_text_gives_a_date_or_a_refusal(text: str) -> None:
    try:
        day = parse_expiry(text)
    except ExpiryError as refusal:
        assert str(refusal)
    else:
        assert parse_expiry(day.isoformat()) == day


def test_a_product_is_usable_on_its_expiry_day() -> None:
    assert not is_expired(TODAY, TODAY)
    assert is_expired(TODAY - timedelta(days=1), TODAY)


# ------------------------------------------------------------------ results and FHIR


def test_a_line_with_a_problem_is_not_a_result() -> None:
    with pytest.raises(LineNotReady, match="which result"):
        result_from_line(parse_poc_line("ua neg"), _kit("ua"), QcState.PASSED, NOW)
    with pytest.raises(LineNotReady):
        result_from_line(parse_poc_line(""), _kit("ua"), QcState.PASSED, NOW)
    with pytest.raises(KitExpired):
        result_from_line(parse_poc_line(UA), _kit("ua", date(2026, 1, 1)), QcState.PASSED, NOW)


def _validate(resources: list[dict[str, Any]]) -> None:
    entries = [{"fullUrl": f"urn:uuid:{r['id']}", "resource": r} for r in resources]
    bundle = {"resourceType": "Bundle", "type": "collection", "entry": entries}
    get_fhir_model_class("Bundle").model_validate(bundle)
    for resource in resources:
        get_fhir_model_class(resource["resourceType"]).model_validate(resource)


def _ids() -> Any:
    counter = iter(range(1, 100))
    return lambda: f"00000000-0000-4000-8000-{next(counter):012d}"


def test_a_urinalysis_becomes_a_panel_and_its_members() -> None:
    result = result_from_line(
        parse_poc_line(UA), _kit("ua"), QcState.PASSED, NOW, sex="female", age_years=40
    )
    device_id = "00000000-0000-4000-8000-000000000999"
    device = kit_device(result.kit, result.test, device_id)
    patient = {"resourceType": "Patient", "id": "00000000-0000-4000-8000-000000000777"}
    found = observations(
        result,
        subject=reference(patient["id"]),
        device=reference(device_id),
        new_id=_ids(),
    )
    _validate([patient, device, *found])
    panel, *members = found
    assert panel["code"]["coding"][0]["code"] == "24357-6"
    assert [m["reference"] for m in panel["hasMember"]] == [f"urn:uuid:{m['id']}" for m in members]
    assert all(o["category"][0]["coding"][0]["code"] == "laboratory" for o in found)
    assert all(o["device"] == {"reference": f"urn:uuid:{device_id}"} for o in found)
    assert device["lotNumber"] == "ABC123"
    assert device["expirationDate"] == "2027-01-31"
    nitrite = next(m for m in members if m["code"]["coding"][0]["code"] == "5802-4")
    assert nitrite["valueCodeableConcept"]["coding"][0] == {
        "system": "http://snomed.info/sct",
        "code": "10828004",
        "display": "Positive",
    }
    assert nitrite["interpretation"][0]["coding"][0]["code"] == "A"
    gravity = next(m for m in members if m["code"]["coding"][0]["code"] == "5811-5")
    assert gravity["valueQuantity"] == {
        "value": 1.02,
        "system": "http://unitsofmeasure.org",
        "code": "1",
    }
    assert gravity["referenceRange"][0]["text"] == "1.001-1.035"


def test_a_glucose_is_one_observation_with_its_quantity_and_range() -> None:
    result = result_from_line(parse_poc_line("glu 180"), _kit("glucose"), QcState.NOT_DONE, NOW)
    (found,) = observations(result, subject=reference("00000000-0000-4000-8000-000000000777"))
    get_fhir_model_class("Observation").model_validate(found)
    assert found["code"]["coding"][0]["code"] == "41653-7"
    assert found["valueQuantity"]["value"] == 180.0
    assert found["valueQuantity"]["code"] == "mg/dL"
    assert found["interpretation"][0]["coding"][0]["code"] == "H"
    assert found["referenceRange"][0]["low"]["value"] == 70.0
    assert found["note"] == [{"text": "No quality control recorded today; resulted anyway"}]
    assert found["effectiveDateTime"] == "2026-11-23T10:05:00-05:00"


def test_flu_a_and_b_are_two_observations_without_a_panel() -> None:
    result = result_from_line(
        parse_poc_line("flu a neg b pos"), _kit("flu"), QcState.PASSED, NOW.astimezone(UTC)
    )
    found = observations(result, subject=reference("00000000-0000-4000-8000-000000000777"))
    assert [o["code"]["coding"][0]["code"] for o in found] == ["80382-5", "80383-3"]
    for observation in found:
        get_fhir_model_class("Observation").model_validate(observation)


@given(st.text(max_size=30))
def test_any_lot_text_gives_a_lot_or_a_refusal(text: str) -> None:
    try:
        lot = parse_lot(text)
    except LotError as refusal:
        assert str(refusal)
    else:
        assert parse_lot(lot) == lot
        assert 1 <= len(lot) <= 20
