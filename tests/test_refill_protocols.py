"""Refill requests: the clinic's protocol checked from the last visit and labs; only a
provider decides; the catalog refuses bad edits."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ma_tui.core.errors import Conflict, InvalidInput, NotAllowed
from ma_tui.data.catalogs import CatalogError, strict
from ma_tui.data.catalogs.refill_protocols import CATALOG, refill_protocols
from ma_tui.worklist.fhir import TASK_CODE, resources
from ma_tui.worklist.items import Actor, PatientRef, StaffRole, Status, claim, close
from ma_tui.worklist.refills import (
    RefillRequest,
    RefillSource,
    check_protocol,
    decide,
    drug_words,
    find_protocol,
    new_refill,
    route,
)
from tests.fhir_checks import SUBJECT, assert_valid, ids

TZ = ZoneInfo("America/Chicago")
TODAY = date(2026, 11, 23)
T0 = datetime(2026, 11, 23, 9, 0, tzinfo=TZ)
MARIA = Actor(1, "Maria Lopez", StaffRole.MA)
DR_CHEN = Actor(10, "Dr. Lee Chen", StaffRole.PROVIDER)
DANA = PatientRef(1, "Dana Whitfield")


def _request(drug: str = "metformin 500 mg tablet", **changes: Any) -> RefillRequest:
    fields: dict[str, Any] = {
        "drug": drug,
        "pharmacy": "Main Street Pharmacy",
        "last_fill": date(2026, 10, 25),
        "last_visit": date(2026, 3, 2),
        **changes,
    }
    return RefillRequest(**fields)


# ------------------------------------------------------------------ the protocol


def test_metformin_with_a_recent_visit_and_a1c_meets_protocol() -> None:
    check = check_protocol(_request(), TODAY, {"a1c": date(2026, 6, 1)})
    assert check.meets
    assert check.summary == "meets protocol (visit within 12 months, A1c within 6 months)"


def test_metformin_without_a_recent_a1c_says_why_not() -> None:
    check = check_protocol(_request(), TODAY, {"a1c": date(2026, 5, 22)})
    assert not check.meets
    assert check.reasons == ("last A1c 2026-05-22, more than 6 months ago",)
    missing = check_protocol(_request(last_visit=None), TODAY, {})
    assert missing.reasons == (
        "no visit on file (needed within 12 months)",
        "no A1c on file (needed within 6 months)",
    )


def test_an_old_visit_fails_even_with_labs() -> None:
    check = check_protocol(
        _request("Zestril 20 mg", last_visit=date(2025, 11, 1)),
        TODAY,
        {"creatinine": date(2026, 9, 1), "potassium": date(2026, 9, 1)},
    )
    assert check.protocol is not None
    assert check.protocol.name == "lisinopril"
    assert check.reasons == ("last visit 2025-11-01, more than 12 months ago",)


def test_a_date_after_today_is_reported_not_believed() -> None:
    check = check_protocol(_request("amlodipine 5 mg", last_visit=date(2027, 1, 1)), TODAY, {})
    assert check.reasons == ("visit dated 2027-01-01, after today: check the date",)


def test_controlled_substances_never_meet_protocol() -> None:
    by_name = check_protocol(_request("Xanax 0.5 mg"), TODAY, {})
    assert by_name.summary == "controlled substance (schedule IV): never refilled by protocol"
    assert by_name.controlled is not None
    assert by_name.controlled.name == "alprazolam"
    # the request's own schedule wins, even for a drug the protocol covers
    flagged = check_protocol(_request(dea_schedule="II"), TODAY, {"a1c": date(2026, 9, 1)})
    assert not flagged.meets
    assert "schedule II" in flagged.summary


def test_a_drug_without_a_protocol_goes_to_the_provider() -> None:
    check = check_protocol(_request("warfarin 5 mg"), TODAY, {})
    assert check.summary == "no refill protocol for 'warfarin 5 mg': the provider decides"


def test_names_match_whole_words_only() -> None:
    catalog = refill_protocols()
    assert drug_words("Metformin-ER 500mg") == ("metformin", "er", "500mg")
    assert find_protocol("METFORMIN ER", catalog) is not None
    assert find_protocol("metforminx", catalog) is None
    assert find_protocol("hctz 25", catalog) is not None
    assert check_protocol(_request("MS Contin 15 mg"), TODAY, {}).controlled is not None


def test_results_are_matched_to_labs_by_loinc() -> None:
    catalog = refill_protocols()
    a1c = catalog.lab_for_loinc("4548-4")
    assert a1c is not None
    assert a1c.key == "a1c"
    assert catalog.lab_for_loinc("718-7") is None
    assert catalog.lab("tsh").loinc[0].confirmed is False
    with pytest.raises(KeyError):
        catalog.lab("psa")


@given(
    drug=st.text(max_size=80),
    visit=st.none() | st.dates(),
    labs=st.dictionaries(st.sampled_from(["a1c", "tsh", "ldl", "x"]), st.dates(), max_size=4),
    today=st.dates(),
)
def test_any_request_gets_a_verdict_with_reasons(
    drug: str, visit: date | None, labs: dict[str, date], today: date
) -> None:
    check = check_protocol(_request(drug, last_visit=visit), today, labs)
    assert check.meets == (not check.reasons)
    assert check.summary
    if check.meets:
        assert check.protocol is not None
        assert check.controlled is None


# ------------------------------------------------------------------ the decision


def _waiting() -> Any:
    item = new_refill(DANA, _request(), due=T0 + timedelta(days=2), at=T0, by=MARIA)
    item = claim(item, MARIA, T0)
    check = check_protocol(item.details, TODAY, {"a1c": date(2026, 9, 1)})
    return route(item, DR_CHEN, check, MARIA, T0 + timedelta(minutes=5))


def test_a_routed_refill_carries_the_check_for_the_provider() -> None:
    waiting = _waiting()
    assert waiting.status is Status.WITH_PROVIDER
    assert waiting.last_event.note.startswith("meets protocol")


def test_only_a_provider_decides_and_the_decision_names_them() -> None:
    waiting = _waiting()
    with pytest.raises(NotAllowed, match="only a provider"):
        decide(waiting, True, MARIA, T0 + timedelta(minutes=6))
    approved = decide(waiting, True, DR_CHEN, T0 + timedelta(minutes=9), "90 days, 3 refills")
    assert approved.status is Status.APPROVED
    assert approved.owner == MARIA  # back to tell the pharmacy
    assert approved.details.decision is not None
    assert (approved.details.decision.by, approved.details.decision.word) == (DR_CHEN, "approved")
    assert close(approved, MARIA, T0 + timedelta(minutes=12)).status is Status.CLOSED


def test_a_denial_says_why_and_an_undecided_refill_does_not_close() -> None:
    waiting = _waiting()
    with pytest.raises(InvalidInput, match="say why"):
        decide(waiting, False, DR_CHEN, T0 + timedelta(minutes=6))
    denied = decide(waiting, False, DR_CHEN, T0 + timedelta(minutes=6), "needs a visit")
    assert denied.details.decision is not None
    assert denied.details.decision.note == "needs a visit"
    item = new_refill(DANA, _request(), due=T0, at=T0, by=MARIA)
    with pytest.raises(Conflict, match="route it"):
        decide(item, True, DR_CHEN, T0)
    with pytest.raises(Conflict):
        close(item, MARIA, T0)


def test_a_new_refill_names_the_drug_and_pharmacy() -> None:
    with pytest.raises(InvalidInput, match="name the drug"):
        new_refill(DANA, _request(" "), due=T0, at=T0, by=MARIA)
    with pytest.raises(InvalidInput, match="pharmacy"):
        new_refill(DANA, _request(pharmacy=""), due=T0, at=T0, by=MARIA)
    with pytest.raises(InvalidInput, match="DEA schedule"):
        new_refill(DANA, _request(dea_schedule="VI"), due=T0, at=T0, by=MARIA)
    item = new_refill(DANA, _request(source=RefillSource.FAX), due=T0, at=T0, by=MARIA)
    assert item.history[0].note == "by fax"


# ------------------------------------------------------------------ the catalog


def test_the_catalog_loads_with_the_issues_example() -> None:
    catalog = refill_protocols()
    metformin = find_protocol("metformin", catalog)
    assert metformin is not None
    assert metformin.visit_within_months == 12
    assert [(n.lab.key, n.within_months) for n in metformin.labs] == [("a1c", 6)]
    assert all(c.schedule in ("II", "III", "IV", "V") for c in catalog.controlled)


@pytest.fixture
def edited(tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Any]]:
    document: dict[str, Any] = json.loads((strict.CATALOG_DIR / CATALOG).read_text("utf-8"))
    monkeypatch.setattr(strict, "CATALOG_DIR", tmp_path)
    refill_protocols.cache_clear()
    yield document
    refill_protocols.cache_clear()


def _load(document: dict[str, Any]) -> None:
    (strict.CATALOG_DIR / CATALOG).write_text(json.dumps(document), "utf-8")
    refill_protocols.cache_clear()
    refill_protocols()


def test_the_unedited_copy_loads(edited: dict[str, Any]) -> None:
    _load(edited)


def test_a_drug_both_protocolled_and_controlled_is_refused(edited: dict[str, Any]) -> None:
    edited["controlled"][0]["aliases"].append("glucophage")
    with pytest.raises(CatalogError, match="repeats the medication name 'glucophage'"):
        _load(edited)


def test_a_lab_the_file_lacks_is_refused(edited: dict[str, Any]) -> None:
    edited["protocols"][0]["labs"][0]["lab"] = "psa"
    with pytest.raises(CatalogError, match=r"protocols\[0\]\.labs\[0\]\.lab 'psa' is not"):
        _load(edited)


def test_months_out_of_range_and_bad_schedules_are_refused(edited: dict[str, Any]) -> None:
    edited["protocols"][1]["visit_within_months"] = 0
    with pytest.raises(CatalogError, match="at least 1"):
        _load(edited)
    edited["protocols"][1]["visit_within_months"] = 61
    with pytest.raises(CatalogError, match="at most 60"):
        _load(edited)
    edited["protocols"][1]["visit_within_months"] = 12
    edited["controlled"][0]["schedule"] = "I"
    with pytest.raises(CatalogError, match="'I' is not one of II, III, IV, V"):
        _load(edited)


def test_a_wrong_loinc_check_digit_is_refused(edited: dict[str, Any]) -> None:
    edited["labs"][0]["loinc"][0]["code"] = "4548-5"
    with pytest.raises(CatalogError, match="check digit should be 4"):
        _load(edited)


# ------------------------------------------------------------------ FHIR


def test_a_decided_refill_is_a_task_to_approve_a_medication_request() -> None:
    approved = decide(_waiting(), True, DR_CHEN, T0 + timedelta(minutes=9), "90 days")
    focus, task = resources(approved, subject=SUBJECT, clinic={"display": "clinic"}, new_id=ids())
    assert_valid([focus, task])
    assert (focus["resourceType"], focus["intent"], focus["status"]) == (
        "MedicationRequest",
        "proposal",
        "active",
    )
    assert focus["dispenseRequest"]["performer"] == {"display": "Main Street Pharmacy"}
    assert task["code"]["coding"][0] == {"system": TASK_CODE, "code": "approve"}
    assert task["focus"] == {"reference": f"urn:uuid:{focus['id']}"}
    assert (task["status"], task["businessStatus"]["text"]) == ("in-progress", "approved")
    assert task["owner"] == {"display": "Maria Lopez"}
    outputs = {o["type"]["coding"][0]["code"]: o for o in task["output"]}
    assert outputs["decision"]["valueString"] == "approved"
    assert outputs["decided-by"]["valueReference"] == {"display": "Dr. Lee Chen"}
    assert [n["text"] for n in task["note"]][-1] == "moved (approved): 90 days"


def test_an_undecided_refill_proposes_a_draft() -> None:
    focus, task = resources(_waiting(), subject=SUBJECT, clinic={"display": "c"}, new_id=ids())
    assert_valid([focus, task])
    assert focus["status"] == "draft"
    assert "output" not in task
