"""The point-of-care catalog: codes well formed and confirmed; a bad edit fails loudly."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ma_tui.data.catalogs import CatalogError, strict
from ma_tui.data.catalogs.poc_tests import (
    CATALOG,
    LoincCode,
    loinc_check_digit,
    poc_catalog,
)
from ma_tui.labs.fhir import code

# The members of 24357-6 as loinc.org lists them (ordinal alternatives where LOINC has them).
UA_MEMBERS = {
    "25428-4",  # glucose [Presence]
    "5770-3",  # bilirubin [Presence]
    "2514-8",  # ketones [Presence]
    "5811-5",  # specific gravity
    "5794-3",  # hemoglobin [Presence]
    "5803-2",  # pH
    "20454-5",  # protein [Presence]
    "20405-7",  # urobilinogen [Mass/volume]
    "5802-4",  # nitrite
    "5799-2",  # leukocyte esterase
}


def test_the_catalog_loads_with_every_test_of_the_issue() -> None:
    catalog = poc_catalog()
    assert [t.key for t in catalog.tests] == [
        "ua",
        "glucose",
        "a1c",
        "hcg",
        "strep",
        "flu",
        "covid",
        "hgb",
        "inr",
    ]
    codes = {t.key: t.loinc.code for t in catalog.tests if t.loinc}
    assert codes["ua"] == "24357-6"
    assert codes["glucose"] == "41653-7"
    assert codes["a1c"] == "4548-4"
    assert codes["hcg"] == "2106-3"
    assert codes["covid"] == "94558-4"
    assert codes["strep"] == "78012-2"
    assert {a.loinc.code for a in catalog.test("flu").analytes} == {"80382-5", "80383-3"}


def test_the_dipstick_analytes_are_the_members_of_the_loinc_panel() -> None:
    assert {a.loinc.code for a in poc_catalog().test("ua").analytes} == UA_MEMBERS


def test_every_code_says_how_it_was_confirmed() -> None:
    for test in poc_catalog().tests:
        for loinc in [test.loinc, *(a.loinc for a in test.analytes)]:
            if loinc is not None:
                assert loinc.confirmed, loinc.code
                assert loinc.how, loinc.code


def test_every_code_has_a_right_check_digit() -> None:
    for test in poc_catalog().tests:
        for loinc in [test.loinc, *(a.loinc for a in test.analytes)]:
            if loinc is not None:
                body, check = loinc.code.split("-")
                assert loinc_check_digit(body) == int(check), loinc.code


@pytest.mark.parametrize(("body", "check"), [("24357", 6), ("718", 7), ("94558", 4), ("46418", 0)])
def test_the_check_digit_is_loincs_mod_10(body: str, check: int) -> None:
    assert loinc_check_digit(body) == check


def test_answers_carry_snomed_and_loinc_answer_codes() -> None:
    answers = poc_catalog().answers
    assert answers["positive"].snomed == "10828004"
    assert answers["negative"].loinc_answer == "LA6577-6"
    assert answers["invalid"].snomed == "455371000124106"


def test_quantities_have_ucum_units_and_ordered_limits() -> None:
    for test in poc_catalog().tests:
        for analyte in test.analytes:
            if analyte.kind == "quantity":
                assert analyte.unit
                low, high = analyte.plausible.low, analyte.plausible.high
                assert low is not None
                assert high is not None
                assert low < high
            else:
                assert analyte.unit is None
                assert sum(c.normal for c in analyte.choices) == 1


def test_an_unconfirmed_code_is_not_exported() -> None:
    unconfirmed = LoincCode("12345-6", "Made up", False, "not found in LOINC")
    assert code(unconfirmed, "Made up test") == {"text": "Made up test"}


# ------------------------------------------------------------ bad edits


@pytest.fixture
def edited(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Any]]:
    """A copy of the catalog to edit; loading reads the copy."""
    document: dict[str, Any] = json.loads((strict.CATALOG_DIR / CATALOG).read_text("utf-8"))
    monkeypatch.setattr(strict, "CATALOG_DIR", tmp_path)
    poc_catalog.cache_clear()
    yield document
    poc_catalog.cache_clear()


def _load(document: dict[str, Any]) -> None:
    (strict.CATALOG_DIR / CATALOG).write_text(json.dumps(document), "utf-8")
    poc_catalog.cache_clear()
    poc_catalog()


def test_the_unedited_copy_loads(edited: dict[str, Any]) -> None:
    _load(edited)


def test_a_wrong_check_digit_is_refused(edited: dict[str, Any]) -> None:
    edited["tests"][1]["loinc"]["code"] = "41653-8"
    with pytest.raises(CatalogError, match=r"tests\[1\]\.loinc\.code.*check digit should be 7"):
        _load(edited)


def test_a_code_without_its_confirmation_is_refused(edited: dict[str, Any]) -> None:
    del edited["tests"][2]["loinc"]["confirmed"]
    with pytest.raises(CatalogError, match="confirmed"):
        _load(edited)


def test_a_word_two_analytes_share_is_refused(edited: dict[str, Any]) -> None:
    edited["tests"][0]["analytes"][1]["words"].append("glu")
    with pytest.raises(CatalogError, match="repeats the analyte word 'glu'"):
        _load(edited)


def test_limits_out_of_order_are_refused(edited: dict[str, Any]) -> None:
    edited["tests"][1]["analytes"][0]["normal"] = [{"low": 140, "high": 70}]
    with pytest.raises(CatalogError, match="low must be below high"):
        _load(edited)


def test_two_normal_choices_are_refused(edited: dict[str, Any]) -> None:
    edited["tests"][3]["analytes"][0]["choices"][1]["normal"] = True
    with pytest.raises(CatalogError, match="exactly one normal choice"):
        _load(edited)


def test_an_unknown_key_is_refused(edited: dict[str, Any]) -> None:
    edited["tests"][0]["colour"] = "yellow"
    with pytest.raises(CatalogError, match="unknown keys colour"):
        _load(edited)
