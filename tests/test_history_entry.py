"""History entry: the parsers and the draft bookkeeping behind the History step."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy.engine import Engine

from ma_tui.core.parsing import ParseError
from ma_tui.data.catalogs import medication_line, medications
from ma_tui.data.models.history import HistorySection, MedicationStatus, SocialCategory
from ma_tui.history.draft import HistoryDraft
from ma_tui.history.editing import (
    add_entry,
    mark_none_known,
    mark_reviewed,
    remove_row,
    set_medication_status,
)
from ma_tui.history.entry import (
    FORMS,
    SECTIONS,
    EntryError,
    form_values,
    parse_allergy,
    parse_condition,
    parse_entry,
    parse_family,
    parse_medication_line,
    parse_procedure,
    parse_severity,
    parse_social,
    suggestions,
    value_suggestions,
)
from ma_tui.history.rows import current_rows, section_rows, section_status
from ma_tui.patients.chart import Chart
from ma_tui.visits.holding import load_visit_chart, open_visit
from tests.conftest import CLINIC_NOW, CLINIC_TZ, todays_encounter_id

# ------------------------------------------------------------ reference visits


def test_dana_new_medication() -> None:
    assert parse_medication_line("lisinopril 10 mg once daily") == {
        "name": "lisinopril",
        "dose": "10 mg",
        "route": "oral",  # from the catalog form with that dose
        "frequency": "once daily",
        "status": "taking",
    }


def test_ada_inhaler() -> None:
    assert parse_medication_line("albuterol inhaler 2 puffs as needed") == {
        "name": "albuterol inhaler",
        "dose": "2 puffs",
        "route": "inhaled",
        "frequency": "as needed",
        "status": "taking",
    }


def test_ada_allergy_family_and_social() -> None:
    assert parse_allergy("penicillin", "rash", "moderate") == {
        "substance": "penicillin",
        "category": "medication",
        "reaction": "rash",
        "severity": "moderate",
    }
    assert parse_family("mother", "asthma") == {
        "relation": "mother",
        "condition": "asthma",
        "onset_age": None,
    }
    assert parse_social("other", "attends daycare") == {
        "category": "other",
        "value": "attends daycare",
        "code": None,
    }
    assert parse_social("secondhand smoke", "no") == {
        "category": "secondhand_smoke",
        "value": "no",
        "code": None,
    }


def test_conditions_from_the_reference_visits() -> None:
    assert parse_condition("COPD") == {
        "name": "chronic obstructive pulmonary disease",
        "code": "J44.9",
    }
    assert parse_condition("asthma") == {"name": "asthma", "code": "J45.909"}


def test_harold_tobacco_becomes_former_smoker_with_its_snomed_code() -> None:
    assert parse_social("t", "f") == {
        "category": "tobacco",
        "value": "former smoker",
        "code": "8517006",
    }


# ------------------------------------------------------------------ the rules


def test_condition_text_not_in_the_catalog_is_kept_as_typed() -> None:
    assert parse_condition("  cough   since spring ") == {
        "name": "cough since spring",
        "code": None,
    }
    # A prefix is not expanded by Enter (the Right arrow takes the suggestion).
    assert parse_condition("asth") == {"name": "asth", "code": None}
    assert parse_condition("htn") == {"name": "hypertension", "code": "I10"}


def test_an_alias_of_two_conditions_is_refused_with_both() -> None:
    with pytest.raises(EntryError, match="Alzheimer's disease or atopic dermatitis"):
        parse_condition("AD")


def test_empty_and_too_long_are_refused() -> None:
    with pytest.raises(EntryError, match="type the condition"):
        parse_condition(" \t ")
    with pytest.raises(EntryError, match="at most 300"):
        parse_condition("x" * 301)


def test_procedure_and_when() -> None:
    assert parse_procedure("lap chole", "2011") == {
        "name": "cholecystectomy",
        "performed": "2011",
    }
    assert parse_procedure("ear surgery", "") == {"name": "ear surgery", "performed": None}


def test_relations_take_a_prefix_that_fits_one() -> None:
    assert parse_family("mo", "asthma")["relation"] == "mother"
    assert parse_family("dad", "asthma")["relation"] == "father"
    assert parse_family("MGM", "asthma")["relation"] == "maternal grandmother"
    assert parse_family("stepfather", "asthma")["relation"] == "stepfather"
    with pytest.raises(EntryError, match="could be mother, maternal grandmother") as error:
        parse_family("m", "asthma")
    assert error.value.field == 0
    with pytest.raises(EntryError, match="not a relation"):
        parse_family("zz", "asthma")


def test_family_onset_age_and_catalog_condition() -> None:
    assert parse_family("sister", "breast cancer at age 48") == {
        "relation": "sister",
        "condition": "breast cancer",
        "onset_age": 48,
    }
    assert parse_family("father", "DM, age 50") == {
        "relation": "father",
        "condition": "type 2 diabetes mellitus",
        "onset_age": 50,
    }
    with pytest.raises(EntryError) as error:
        parse_family("father", "MI at age 130")
    assert error.value.field == 1


@pytest.mark.parametrize(
    ("typed", "category"),
    [
        ("t", SocialCategory.TOBACCO),
        ("s", SocialCategory.SECONDHAND_SMOKE),
        ("second-hand smoke", SocialCategory.SECONDHAND_SMOKE),
        ("a", SocialCategory.ALCOHOL),
        ("d", SocialCategory.DRUGS),
        ("l", SocialCategory.LIVING_SITUATION),
        ("oc", SocialCategory.OCCUPATION),
        ("work", SocialCategory.OCCUPATION),
        ("e", SocialCategory.EXERCISE),
        ("ot", SocialCategory.OTHER),
        ("living_situation", SocialCategory.LIVING_SITUATION),
    ],
)
def test_social_categories(typed: str, category: SocialCategory) -> None:
    assert parse_social(typed, "x")["category"] == category.value


def test_an_ambiguous_or_unknown_category_is_refused() -> None:
    with pytest.raises(EntryError, match="occupation or other"):
        parse_social("o", "x")
    with pytest.raises(EntryError, match="category: tobacco"):
        parse_social("pets", "x")


def test_tobacco_statuses() -> None:
    assert parse_social("tobacco", "never")["value"] == "never smoker"
    assert parse_social("tobacco", "current e")["code"] == "449868002"
    assert parse_social("tobacco", "vapes daily") == {
        "category": "tobacco",
        "value": "vapes daily",
        "code": None,
    }
    with pytest.raises(EntryError, match="current every day smoker or current some day"):
        parse_social("tobacco", "c")


@pytest.mark.parametrize(
    ("typed", "severity"),
    [
        ("", None),
        ("mi", "mild"),
        ("mo", "moderate"),
        ("s", "severe"),
        ("SEVERE", "severe"),
        ("1", "mild"),
        ("2", "moderate"),
        ("3", "severe"),
    ],
)
def test_severity(typed: str, severity: str | None) -> None:
    result = parse_severity(typed)
    assert (result.value if result else None) == severity


@pytest.mark.parametrize("typed", ["m", "4", "bad", "0"])
def test_severity_refused(typed: str) -> None:
    with pytest.raises(EntryError) as error:
        parse_severity(typed)
    assert error.value.field == 2


def test_allergens_from_the_catalog_and_not() -> None:
    assert parse_allergy("PCN", "hives", "")["substance"] == "penicillin"
    assert parse_allergy("peanuts", "", "s") == {
        "substance": "peanut",
        "category": "food",
        "reaction": None,
        "severity": "severe",
    }
    assert parse_allergy("mango", "itchy mouth", "")["category"] == "medication"


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("metformin 500 mg po bid", ("metformin", "500 mg", "oral", "twice daily")),
        ("Lipitor 40 mg qhs", ("atorvastatin", "40 mg", "oral", "at bedtime")),
        ("tylenol 650 mg q6h prn", ("acetaminophen", "650 mg", "oral", "every 6 hours as needed")),
        ("metformin", ("metformin", None, "oral", None)),
        ("lisinopril 15 mg daily", ("lisinopril", "15 mg", "oral", "once daily")),
        ("foo 10 mg when needed", ("foo", "10 mg", None, "when needed")),
        ("5-HTP 100 mg daily", ("5-HTP", "100 mg", None, "once daily")),
        ("fish oil", ("omega-3 fatty acids", None, "oral", None)),
        (
            "timolol 1 drop each eye twice daily",
            ("timolol eye drops", "1 drop each eye", "ophthalmic", "twice daily"),
        ),
        ("herbal tea daily", ("herbal tea", None, None, "once daily")),
    ],
)
def test_medication_lines(line: str, expected: tuple[str | None, ...]) -> None:
    fields = parse_medication_line(line)
    assert (fields["name"], fields["dose"], fields["route"], fields["frequency"]) == expected


def test_a_medication_line_needs_a_name_first() -> None:
    with pytest.raises(EntryError, match="medication's name"):
        parse_medication_line("10 mg daily")


def test_every_catalog_line_reads_back_as_its_form() -> None:
    """The suggester offers these lines; each must parse to exactly that form."""
    for item in medications():
        for form in item.forms:
            for name in (item.name, *item.aliases):
                line = medication_line(item, form).replace(item.name, name, 1)
                assert parse_medication_line(line) == {
                    "name": item.name,
                    "dose": form.dose,
                    "route": form.route,
                    "frequency": form.frequency,
                    "status": "taking",
                }, line


def test_suggestions_come_from_the_catalogs() -> None:
    assert "lisinopril 10 mg oral once daily" in suggestions(HistorySection.MEDICATIONS, 0)
    assert "COPD" in suggestions(HistorySection.MEDICAL, 0)
    assert suggestions(HistorySection.FAMILY, 0)[0] == "mother"
    assert suggestions(HistorySection.ALLERGIES, 2) == ["mild", "moderate", "severe"]
    assert value_suggestions("t")[:3] == [
        "current every day smoker",
        "current some day smoker",
        "former smoker",
    ]
    assert value_suggestions("s") == ["no", "yes"]
    assert value_suggestions("o") == []
    assert value_suggestions("alcohol") == []


# ------------------------------------------------------------ property tests

ANY_TEXT = st.text(max_size=400)
NASTY = st.text(
    alphabet=st.characters(codec="utf-8") | st.sampled_from("\x00\x1b\t\n\r\u200b\u202e\ufeff"),
    max_size=200,
)
PARSERS: list[Callable[[str], Any]] = [
    parse_condition,
    lambda t: parse_procedure(t, t),
    lambda t: parse_family(t, t),
    lambda t: parse_family("mother", t),
    lambda t: parse_social(t, t),
    lambda t: parse_social("tobacco", t),
    lambda t: parse_social("secondhand smoke", t),
    parse_medication_line,
    lambda t: parse_allergy(t, t, t),
    lambda t: parse_allergy(t, t, ""),
    parse_severity,
]


@pytest.mark.parametrize("parser", PARSERS)
@given(text=ANY_TEXT | NASTY)
def test_any_text_parses_or_gives_a_message(parser: Callable[[str], Any], text: str) -> None:
    try:
        parser(text)
    except ParseError as exc:
        assert str(exc)
        assert "\n" not in str(exc)


@pytest.mark.parametrize("parser", PARSERS)
def test_huge_input_is_refused_cleanly(parser: Callable[[str], Any]) -> None:
    for text in ("a" * 10_000, "lisinopril 10 mg " * 600, "\x00\x1b[2J" * 2_500, "💊" * 10_000):
        try:
            parser(text)
        except ParseError as exc:
            assert len(str(exc)) < 200


def _check_stored_text(fields: dict[str, Any]) -> None:
    for value in fields.values():
        if isinstance(value, str):
            assert value == value.strip()
            assert not any(ch in value for ch in "\x00\x1b\n\r\t")


@given(section=st.sampled_from(SECTIONS), values=st.lists(ANY_TEXT | NASTY, min_size=3))
def test_parsed_entries_re_read_from_their_form_unchanged(
    section: HistorySection, values: list[str]
) -> None:
    """What the edit form shows for an entry reads back to the same entry."""
    try:
        fields = parse_entry(section, values[: len(FORMS[section])])
    except ParseError:
        return
    _check_stored_text(fields)
    if section == HistorySection.MEDICATIONS:
        return  # free medication text may read differently; see the catalog test above
    assert parse_entry(section, form_values(section, fields)) == fields


WORDS = st.sampled_from(
    ["lisinopril", "foo", "bar", "10", "mg", "2", "puffs", "po", "oral", "daily", "bid", "prn",
     "as", "needed", "once", "at", "bedtime", "1,", "eye", "tablet", "q6h", "%", "0.5"]
)  # fmt: skip


@given(words=st.lists(WORDS, min_size=1, max_size=8))
def test_medication_lines_of_usual_words(words: list[str]) -> None:
    try:
        fields = parse_medication_line(" ".join(words))
    except ParseError:
        return
    assert fields["name"]
    assert any(ch.isalpha() for ch in fields["name"])
    _check_stored_text(fields)


# ------------------------------------------------------------- the draft keys


def _chart_and_draft(engine: Engine, family: str) -> tuple[Chart, HistoryDraft]:
    """The chart and the history's part of a visit just opened."""
    encounter_id = todays_encounter_id(engine, family)
    draft = open_visit(engine, encounter_id, staff_id=None, now=CLINIC_NOW)
    return load_visit_chart(engine, encounter_id), draft.history


def test_reviewed_no_change_and_nka_carried_forward(demo_engine: Engine) -> None:
    chart, draft = _chart_and_draft(demo_engine, "Whitfield")
    mark_reviewed(chart, draft, HistorySection.MEDICAL)
    mark_reviewed(chart, draft, HistorySection.ALLERGIES)  # NKA last time, nothing since
    assert draft.reviewed == {HistorySection.MEDICAL: False, HistorySection.ALLERGIES: True}
    assert section_status(chart, draft, HistorySection.ALLERGIES, CLINIC_TZ) == (
        "Reviewed in this visit: no known allergies (NKA)"
    )
    with pytest.raises(ParseError, match="empty list"):
        mark_none_known(chart, draft, HistorySection.SURGICAL)


def test_an_emptied_section_needs_none_known_said(demo_engine: Engine) -> None:
    chart, draft = _chart_and_draft(demo_engine, "Benton")
    (sulfa,) = section_rows(chart, draft, HistorySection.ALLERGIES)
    remove_row(chart, draft, HistorySection.ALLERGIES, sulfa.key)
    assert draft.entered_in_error == {HistorySection.ALLERGIES: [chart.allergies[0].id]}
    assert section_rows(chart, draft, HistorySection.ALLERGIES)[0].struck
    with pytest.raises(ParseError, match="press n for no known allergies"):
        mark_reviewed(chart, draft, HistorySection.ALLERGIES)
    mark_none_known(chart, draft, HistorySection.ALLERGIES)
    assert draft.reviewed[HistorySection.ALLERGIES] is True
    assert remove_row(chart, draft, HistorySection.ALLERGIES, sulfa.key) == "Restored."
    assert draft.entered_in_error == {}
    assert draft.reviewed[HistorySection.ALLERGIES] is False  # reviewed, sulfa still on file


def test_adding_reviews_the_section_and_refuses_duplicates(demo_engine: Engine) -> None:
    chart, draft = _chart_and_draft(demo_engine, "Benton")
    fields = parse_condition("COPD")
    add_entry(chart, draft, HistorySection.MEDICAL, fields)
    assert draft.reviewed == {HistorySection.MEDICAL: False}
    assert draft.entries(HistorySection.MEDICAL)[0].fields == fields
    with pytest.raises(EntryError, match="already in the list"):
        add_entry(chart, draft, HistorySection.MEDICAL, parse_condition("copd"))
    rows = section_rows(chart, draft, HistorySection.MEDICAL)
    assert rows[-1].new
    assert rows[-1].flag == "new"
    assert rows[-1].cells[:2] == ("chronic obstructive pulmonary disease", "J44.9")
    remove_row(chart, draft, HistorySection.MEDICAL, rows[-1].key)
    assert draft.new_entries == []


def test_medication_status_for_stored_and_new(demo_engine: Engine) -> None:
    chart, draft = _chart_and_draft(demo_engine, "Benton")
    section = HistorySection.MEDICATIONS
    rows = section_rows(chart, draft, section)
    set_medication_status(chart, draft, rows[2].key, MedicationStatus.STOPPED)
    atorvastatin = chart.medications[2]
    assert atorvastatin.id is not None
    assert draft.medication_status == {atorvastatin.id: MedicationStatus.STOPPED}
    row = section_rows(chart, draft, section)[2]
    assert row.cells[1] == "stopped"
    assert row.flag == "✓"
    add_entry(chart, draft, section, parse_medication_line("aspirin 81 mg daily"))
    new_key = section_rows(chart, draft, section)[-1].key
    set_medication_status(chart, draft, new_key, MedicationStatus.NOT_TAKING)
    assert draft.entries(section)[0].fields["status"] == "not_taking"


def test_editing_a_stored_medication_stops_the_old_regimen(demo_engine: Engine) -> None:
    chart, draft = _chart_and_draft(demo_engine, "Whitfield")
    section = HistorySection.MEDICATIONS
    (metformin,) = section_rows(chart, draft, section)
    fields = parse_medication_line("metformin 1000 mg po bid")
    add_entry(chart, draft, section, fields, replacing=metformin.key)
    stored_id = chart.medications[0].id
    assert stored_id is not None
    assert draft.medication_status == {stored_id: MedicationStatus.STOPPED}
    assert draft.entries(section)[0].fields["dose"] == "1000 mg"
    assert [row.cells[1] for row in current_rows(chart, draft, section)] == ["stopped", "taking"]


def test_editing_a_stored_condition_keeps_its_onset_and_marks_the_old_wrong(
    demo_engine: Engine,
) -> None:
    chart, draft = _chart_and_draft(demo_engine, "Whitfield")
    section = HistorySection.MEDICAL
    overweight = section_rows(chart, draft, section)[1]
    add_entry(chart, draft, section, parse_condition("obesity"), replacing=overweight.key)
    assert draft.entered_in_error == {section: [chart.conditions[1].id]}
    assert draft.entries(section)[0].fields == {
        "name": "obesity",
        "code": "E66.9",
        "onset": "2015",
        "status": "active",
        "note": None,
    }


def test_a_new_social_fact_replaces_the_stored_one_of_its_category(demo_engine: Engine) -> None:
    chart, draft = _chart_and_draft(demo_engine, "Benton")
    section = HistorySection.SOCIAL
    add_entry(chart, draft, section, parse_social("t", "former"))
    add_entry(chart, draft, section, parse_social("t", "never"))  # changed their mind
    rows = section_rows(chart, draft, section)
    tobacco = [row for row in rows if row.cells[0] == "tobacco"]
    assert [row.cells[1] for row in tobacco] == ["never smoker"]
    assert len(draft.entries(section)) == 1
    assert draft.entered_in_error == {}
