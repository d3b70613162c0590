"""The screening catalog and the clinic's rules load, hold the published codes and
cut points, and refuse a bad edit with a message that names its place."""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ma_tui.data import catalogs
from ma_tui.data.catalogs import CatalogError
from ma_tui.data.catalogs.json_checks import loinc_check_digit
from ma_tui.data.catalogs.screenings import (
    AnswerKind,
    InstrumentKind,
    ScreeningCatalog,
    ScreeningCatalogError,
    parse_catalog,
    parse_rules,
    reflex_items,
    screening_catalog,
    screening_rules,
)
from ma_tui.data.models.patients import Sex

CATALOG_DIR = Path(catalogs.__file__).parent
RAW = json.loads((CATALOG_DIR / "screenings.json").read_text(encoding="utf-8"))
RAW_RULES = json.loads((CATALOG_DIR / "screening_rules.json").read_text(encoding="utf-8"))
CATALOG = screening_catalog()

Edit = Callable[[dict[str, Any]], None]


def _instrument(raw: dict[str, Any], key: str) -> dict[str, Any]:
    found: dict[str, Any] = next(item for item in raw["instruments"] if item["key"] == key)
    return found


def _edited(edit: Edit, raw: dict[str, Any] = RAW) -> dict[str, Any]:
    changed = copy.deepcopy(raw)
    edit(changed)
    return changed


# ------------------------------------------------------------- what it holds


def test_the_shipped_files_load() -> None:
    assert list(CATALOG.instruments) == ["phq2", "phq9", "gad7", "auditc", "falls", "tobacco"]
    assert [rule.screen for rule in screening_rules().rules] == [
        "phq2",
        "gad7",
        "auditc",
        "falls",
        "tobacco",
    ]


@pytest.mark.parametrize(
    ("key", "panel", "total", "items", "highest"),
    [
        ("phq2", "55757-9", "55758-7", 2, 6),
        ("phq9", "44249-1", "44261-6", 9, 27),
        ("gad7", "69737-5", "70274-6", 7, 21),
        ("auditc", "72109-2", "75626-2", 3, 12),
    ],
)
def test_loinc_panels_and_totals(
    key: str, panel: str, total: str, items: int, highest: int
) -> None:
    instrument = CATALOG.instruments[key]
    assert (instrument.panel_code, instrument.total_code) == (panel, total)
    assert instrument.questionnaire == f"http://loinc.org/q/{panel}"
    assert len(instrument.items) == items
    assert instrument.max_total == highest
    assert all(item.link_id == f"/{item.code}" for item in instrument.items)


def test_phq9_items_are_loincs_order_and_answers() -> None:
    phq9 = CATALOG.instruments["phq9"]
    assert [item.code for item in phq9.items] == [
        "44250-9",
        "44255-8",
        "44259-0",
        "44254-1",
        "44251-7",
        "44258-2",
        "44252-5",
        "44253-3",
        "44260-8",
    ]
    answers = phq9.items[0].answers
    assert [(c.score, c.code) for c in answers.choices] == [
        (0, "LA6568-5"),
        (1, "LA6569-3"),
        (2, "LA6570-1"),
        (3, "LA6571-9"),
    ]


def test_gad7_second_item_has_its_own_loinc_answer_for_two() -> None:
    worry = CATALOG.instruments["gad7"].items[1]
    assert worry.code == "68509-9"
    assert worry.answers.choices[2].code == "LA18938-3"


def test_the_phq2_is_the_phq9s_first_two_items() -> None:
    assert reflex_items(CATALOG.instruments["phq2"], CATALOG.instruments["phq9"]) == {1: 1, 2: 2}
    assert CATALOG.instruments["phq2"].reflex == "phq9"


def test_steadi_and_tobacco_carry_no_unconfirmed_codes() -> None:
    falls = CATALOG.instruments["falls"]
    assert falls.panel_code is None
    assert falls.total_code is None
    assert all(item.code is None for item in falls.items)
    assert {item.answers.kind for item in falls.items} == {AnswerKind.BOOLEAN}
    tobacco = CATALOG.instruments["tobacco"]
    assert tobacco.kind == InstrumentKind.HISTORY_PROMPT
    assert tobacco.history_code == "72166-2"
    assert tobacco.items == ()


def test_every_code_used_is_confirmed_and_says_how() -> None:
    used = {
        code
        for instrument in CATALOG.instruments.values()
        for code in (
            instrument.panel_code,
            instrument.total_code,
            instrument.history_code,
            *(item.code for item in instrument.items),
            *(choice.code for item in instrument.items for choice in item.answers.choices),
        )
        if code
    }
    assert used == set(CATALOG.confirmed)
    assert all(how.strip() for how in CATALOG.confirmed.values())


def test_the_auditc_cut_point_depends_on_sex() -> None:
    auditc = CATALOG.instruments["auditc"]
    assert auditc.band(3, Sex.MALE).positive is False
    assert auditc.band(4, Sex.MALE).positive is True
    assert auditc.band(3, Sex.FEMALE).positive is True
    assert auditc.band(3, Sex.UNKNOWN).positive is True
    assert auditc.bands_note is not None


def test_sources_are_cited_by_id() -> None:
    for instrument in CATALOG.instruments.values():
        assert instrument.bands_source in CATALOG.sources
        assert instrument.ages_source in CATALOG.sources


def test_find_ignores_case_spaces_and_dashes() -> None:
    for typed in ("PHQ-9", "phq 9", "phq9", "Phq-9"):
        found = CATALOG.find(typed)
        assert found is not None
        assert found.key == "phq9"
    found = CATALOG.find("AUDIT-C")
    assert found is not None
    assert found.key == "auditc"
    assert CATALOG.find("phq") is None


# ----------------------------------------------------------- check digits


@pytest.mark.parametrize("code", ["44249-1", "44261-6", "55757-9", "69737-5", "72166-2", "8480-6"])
def test_loinc_check_digits_of_known_codes(code: str) -> None:
    body, digit = code.split("-")
    assert loinc_check_digit(body) == int(digit)


@given(st.text(alphabet="0123456789", min_size=1, max_size=7), st.integers(1, 9))
def test_a_wrong_check_digit_is_refused(body: str, shift: int) -> None:
    wrong = (loinc_check_digit(body) + shift) % 10

    def edit(raw: dict[str, Any]) -> None:
        _instrument(raw, "phq9")["panel_code"] = f"{body}-{wrong}"

    with pytest.raises(ScreeningCatalogError, match="check digit"):
        parse_catalog(_edited(edit))


# --------------------------------------------------------------- refusals


def _set(key: str, field: str, value: Any) -> Edit:
    return lambda raw: _instrument(raw, key).__setitem__(field, value)


def _band(key: str, sex: str, index: int, field: str, value: Any) -> Edit:
    return lambda raw: _instrument(raw, key)["bands"][sex][index].__setitem__(field, value)


def _item(key: str, index: int, field: str, value: Any) -> Edit:
    return lambda raw: _instrument(raw, key)["items"][index].__setitem__(field, value)


def _choice(answers: str, index: int, field: str, value: Any) -> Edit:
    return lambda raw: raw["answer_lists"][answers]["choices"][index].__setitem__(field, value)


REFUSED: list[tuple[str, Edit, str]] = [
    ("band gap", _band("phq9", "all", 1, "from", 6), "must start at 5"),
    ("band overlap", _band("phq9", "all", 1, "from", 4), "must start at 5"),
    ("band past the top", _band("phq9", "all", 4, "to", 28), "highest total, 27"),
    ("band ends early", _band("gad7", "all", 3, "to", 20), "highest total, 21"),
    ("negative above positive", _band("phq9", "all", 3, "positive", False), "negative above"),
    ("band backwards", _band("phq2", "all", 0, "to", -1), "from 0 to 1000"),
    ("bands by one sex only", _set("auditc", "bands", {"male": []}), "exactly female"),
    ("positive not a bool", _band("phq2", "all", 1, "positive", 1), "true or false"),
    ("score out of order", _choice("phq-frequency", 2, "score", 3), "score must be 2"),
    ("score a bool", _choice("phq-frequency", 1, "score", True), "whole number"),
    ("answer code not LA", _choice("phq-frequency", 0, "code", "6568-5"), "answer code"),
    ("boolean with a code", _choice("yes-no", 0, "code", "LA32-8"), "have no code"),
    ("boolean not No/Yes", _choice("yes-no", 1, "text", "Yep"), '"No" (0) and "Yes" (1)'),
    ("unknown answer list", _item("phq9", 0, "answers", "likert"), "not an answer list"),
    ("short too long", _item("phq9", 0, "short", "x" * 40), "longer than 36"),
    ("item code repeated", _item("phq9", 1, "code", "44250-9"), "repeats an item code"),
    ("unconfirmed code", _item("phq9", 2, "code", "8480-6"), "not in loinc_confirmed: 8480-6"),
    ("panel without a total", _set("phq2", "total_code", None), "and the total_code"),
    ("no panel but codes", _set("gad7", "panel_code", None), "need a panel_code"),
    ("uncoded item in a panel", _item("gad7", 3, "code", None), "every item's code"),
    (
        "alert on no item",
        lambda raw: _instrument(raw, "phq9")["alerts"][0].update(item=10),
        "not an item",
    ),
    (
        "alert never raised",
        lambda raw: _instrument(raw, "phq9")["alerts"][0].update(from_score=4),
        "never be raised",
    ),
    (
        "alert names another field",
        lambda raw: _instrument(raw, "phq9")["alerts"][0].update(text="score {total}"),
        "only {answer}",
    ),
    (
        "alert bad format",
        lambda raw: _instrument(raw, "phq9")["alerts"][0].update(text="{answer:d}"),
        "not a valid template",
    ),
    ("reflex to nothing", _set("phq2", "reflex", "phq8"), "not another instrument"),
    ("reflex to itself", _set("phq2", "reflex", "phq2"), "not another instrument"),
    ("reflex to other items", _set("phq2", "reflex", "gad7"), "same code and answers"),
    ("reflex to a prompt", _set("phq2", "reflex", "tobacco"), "only to a questionnaire"),
    ("prompt with an alert", _set("tobacco", "alerts", [{"item": 1}]), "lacks"),
    ("prompt with a total", _set("tobacco", "total_display", "Total"), "history-prompt has no"),
    ("prompt without its code", _set("tobacco", "history_code", None), "needs history_code"),
    ("questionnaire with no items", _set("gad7", "items", []), "needs items and its scoring"),
    ("questionnaire unscored", _set("gad7", "scoring", None), "needs items and its scoring"),
    ("unknown scoring", _set("gad7", "scoring", "mean"), "must be one of sum"),
    ("prompt with scoring", _set("tobacco", "scoring", "sum"), "history-prompt has no"),
    ("bad canonical", _set("gad7", "questionnaire", "loinc 69737-5"), "canonical URL"),
    ("repeated key", _set("gad7", "key", "phq9"), "repeats the key"),
    ("bad key", _set("gad7", "key", "GAD7"), "lower-case"),
    ("alias of another", _set("gad7", "aliases", ["PHQ-9"]), "also names phq9"),
    ("alias without a letter", _set("gad7", "aliases", ["7"]), "start with a letter"),
    ("unknown source", _set("gad7", "bands_source", "me"), "not a source id"),
    ("unknown kind", _set("gad7", "kind", "survey"), "one of questionnaire"),
    ("unknown key", _set("gad7", "colour", "red"), "unknown keys colour"),
    ("missing key", lambda raw: _instrument(raw, "gad7").pop("stem"), "lacks stem"),
    ("ages backwards", _set("gad7", "ages", {"from": 18, "to": 12}), "from 18 to 125"),
    ("rescreen zero", _set("gad7", "rescreen_months", 0), "from 1 to 120"),
    ("outer spaces", _set("gad7", "name", " GAD-7"), "outer spaces"),
    ("wrong version", lambda raw: raw.update(version=2), "must be 1"),
    (
        "repeated confirmation",
        lambda raw: raw["loinc_confirmed"][0]["codes"].append("44261-6"),
        "second time",
    ),
    ("no instruments", lambda raw: raw.update(instruments=[]), "must not be empty"),
]


@pytest.mark.parametrize(("name", "edit", "message"), REFUSED, ids=[row[0] for row in REFUSED])
def test_a_bad_edit_is_refused_with_its_place(name: str, edit: Edit, message: str) -> None:
    with pytest.raises(ScreeningCatalogError, match=re.escape(message)) as refused:
        parse_catalog(_edited(edit))
    assert str(refused.value).startswith("catalog screenings.json:")


def test_unused_confirmed_code_is_refused() -> None:
    def edit(raw: dict[str, Any]) -> None:
        raw["loinc_confirmed"][0]["codes"].append("8480-6")

    with pytest.raises(ScreeningCatalogError, match="no instrument uses: 8480-6"):
        parse_catalog(_edited(edit))


def test_the_error_is_a_catalog_error() -> None:
    assert issubclass(ScreeningCatalogError, CatalogError)
    assert issubclass(ScreeningCatalogError, ValueError)


# -------------------------------------------------------------------- rules


def _rule(screen: str, field: str, value: Any) -> Edit:
    def edit(raw: dict[str, Any]) -> None:
        rule = next(rule for rule in raw["rules"] if rule["screen"] == screen)
        rule[field] = value

    return edit


RULES_REFUSED: list[tuple[str, Edit, str]] = [
    ("unknown screen", _rule("gad7", "screen", "gad2"), "not an instrument"),
    ("younger than the instrument", _rule("auditc", "ages", {"from": 12, "to": None}), "within"),
    ("older than the instrument", _rule("falls", "ages", {"from": 60, "to": None}), "within"),
    ("not itself", _rule("phq2", "satisfied_by", ["phq9"]), "names the screen itself"),
    ("twice", _rule("gad7", "satisfied_by", ["gad7", "gad7"]), "each instrument once"),
    ("other kind", _rule("tobacco", "satisfied_by", ["tobacco", "phq2"]), "same kind"),
    ("unknown sex", _rule("gad7", "sexes", ["woman"]), "one of female"),
    ("every zero months", _rule("gad7", "every_months", 0), "from 1 to 120"),
    ("repeated screen", lambda raw: raw["rules"].append(raw["rules"][0]), "repeats the screen"),
]


@pytest.mark.parametrize(
    ("name", "edit", "message"), RULES_REFUSED, ids=[row[0] for row in RULES_REFUSED]
)
def test_a_bad_rule_is_refused(name: str, edit: Edit, message: str) -> None:
    with pytest.raises(ScreeningCatalogError, match=re.escape(message)) as refused:
        parse_rules(_edited(edit, RAW_RULES), CATALOG)
    assert str(refused.value).startswith("catalog screening_rules.json:")


def test_a_rule_without_an_interval_takes_the_instruments() -> None:
    rules = parse_rules(_edited(_rule("gad7", "every_months", 6), RAW_RULES), CATALOG)
    assert next(r for r in rules.rules if r.screen == "gad7").every_months == 6

    def drop(raw: dict[str, Any]) -> None:
        next(rule for rule in raw["rules"] if rule["screen"] == "gad7").pop("every_months")

    rules = parse_rules(_edited(drop, RAW_RULES), CATALOG)
    gad7 = next(r for r in rules.rules if r.screen == "gad7")
    assert gad7.every_months == CATALOG.instruments["gad7"].rescreen_months
    assert gad7.sexes == frozenset(Sex)


# --------------------------------------------------- any edit, never a crash

JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-5, 40) | st.text(max_size=12),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)


def _paths(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every place in a JSON document, as a path of keys and indexes."""
    found = [path]
    if isinstance(value, dict):
        for key, child in value.items():
            found += _paths(child, (*path, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            found += _paths(child, (*path, index))
    return found


CATALOG_PATHS = _paths(RAW)[1:]
RULES_PATHS = _paths(RAW_RULES)[1:]


def _mutated(raw: dict[str, Any], path: tuple[Any, ...], value: Any, delete: bool) -> Any:
    changed = copy.deepcopy(raw)
    parent = changed
    for step in path[:-1]:
        parent = parent[step]
    if delete:
        del parent[path[-1]]
    else:
        parent[path[-1]] = value
    return changed


def _parses_or_refuses(parse: Callable[[], object]) -> None:
    try:
        parse()
    except ScreeningCatalogError as refused:
        assert str(refused).startswith("catalog screening")


@settings(max_examples=300)
@given(st.sampled_from(CATALOG_PATHS), JSON_VALUES, st.booleans())
def test_any_one_change_to_the_catalog_loads_or_is_refused(
    path: tuple[Any, ...], value: Any, delete: bool
) -> None:
    _parses_or_refuses(lambda: parse_catalog(_mutated(RAW, path, value, delete)))


@settings(max_examples=200)
@given(st.sampled_from(RULES_PATHS), JSON_VALUES, st.booleans())
def test_any_one_change_to_the_rules_loads_or_is_refused(
    path: tuple[Any, ...], value: Any, delete: bool
) -> None:
    _parses_or_refuses(lambda: parse_rules(_mutated(RAW_RULES, path, value, delete), CATALOG))


@given(JSON_VALUES)
def test_any_json_is_a_catalog_or_refused(value: Any) -> None:
    _parses_or_refuses(lambda: parse_catalog(value))
    _parses_or_refuses(lambda: parse_rules(value, CATALOG))


def test_a_loaded_catalog_keeps_its_invariants() -> None:
    """What the checks promise, on the shipped file: one digit per answer, bands
    that cover every total once, positives only at the top."""
    catalog: ScreeningCatalog = parse_catalog(RAW)
    for instrument in catalog.instruments.values():
        for item in instrument.items:
            assert [c.score for c in item.answers.choices] == list(range(len(item.answers.choices)))
            assert item.answers.max_score <= 9
        if instrument.kind == InstrumentKind.HISTORY_PROMPT:
            continue
        for sex in Sex:
            labels = [instrument.band(total, sex) for total in range(instrument.max_total + 1)]
            flags = [band.positive for band in labels]
            assert flags == sorted(flags)
