"""Screenings in rooming: typed on one line, scored at every band edge, the PHQ-2 to
PHQ-9 reflex, the PHQ-9 item 9 alert, what is due and why, and valid FHIR."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest
from fhir.resources.R4B import get_fhir_model_class
from hypothesis import given, settings
from hypothesis import strategies as st

from ma_tui.core.errors import InvalidInput
from ma_tui.data.catalogs.screenings import (
    Instrument,
    InstrumentKind,
    parse_rules,
    screening_catalog,
)
from ma_tui.data.models.patients import Sex
from ma_tui.screenings import (
    Administration,
    AlertNotAcknowledged,
    AnswersRefused,
    LineNotTaken,
    ReflexPending,
    ScreeningResult,
    ScreeningsDraft,
    SignedScreening,
    acknowledge,
    answer_line,
    check_ready,
    due_screenings,
    enter,
    keep_typed,
    parse_answers,
    pending_reflex,
    questionnaire_response,
    remove,
    score_observation,
    screening_status,
    to_sign,
    unacknowledged,
    with_this_visit,
)
from ma_tui.screenings.due import add_months, interval_words
from ma_tui.screenings.scoring import reflex

CATALOG = screening_catalog()
PHQ2, PHQ9, GAD7 = (CATALOG.instruments[key] for key in ("phq2", "phq9", "gad7"))
AUDITC, FALLS = CATALOG.instruments["auditc"], CATALOG.instruments["falls"]
QUESTIONNAIRES = [i for i in CATALOG.instruments.values() if i.kind == InstrumentKind.QUESTIONNAIRE]
NOW = datetime(2026, 11, 23, 15, 20, tzinfo=UTC)
TODAY = date(2026, 11, 23)


def _scores_for(instrument: Instrument, total: int) -> tuple[int, ...]:
    """Answers adding up to ``total``, filling the first items first."""
    scores = []
    for item in instrument.items:
        score = min(item.answers.max_score, total)
        scores.append(score)
        total -= score
    assert total == 0
    return tuple(scores)


def _result(instrument: Instrument, total: int, sex: Sex = Sex.FEMALE) -> ScreeningResult:
    return ScreeningResult(instrument=instrument, sex=sex, scores=_scores_for(instrument, total))


# ------------------------------------------------------------ band edges

EDGES: list[tuple[str, Sex, int, str, bool]] = [
    # PHQ-2 (Kroenke 2003): 3 or more is positive.
    ("phq2", Sex.FEMALE, 0, "negative", False),
    ("phq2", Sex.FEMALE, 2, "negative", False),
    ("phq2", Sex.FEMALE, 3, "positive", True),
    ("phq2", Sex.FEMALE, 6, "positive", True),
    # PHQ-9 (Kroenke 2001): 5, 10, 15, 20.
    ("phq9", Sex.MALE, 0, "none to minimal", False),
    ("phq9", Sex.MALE, 4, "none to minimal", False),
    ("phq9", Sex.MALE, 5, "mild", False),
    ("phq9", Sex.MALE, 9, "mild", False),
    ("phq9", Sex.MALE, 10, "moderate", True),
    ("phq9", Sex.MALE, 14, "moderate", True),
    ("phq9", Sex.MALE, 15, "moderately severe", True),
    ("phq9", Sex.MALE, 19, "moderately severe", True),
    ("phq9", Sex.MALE, 20, "severe", True),
    ("phq9", Sex.MALE, 27, "severe", True),
    # GAD-7 (Spitzer 2006): 5, 10, 15.
    ("gad7", Sex.FEMALE, 0, "minimal", False),
    ("gad7", Sex.FEMALE, 4, "minimal", False),
    ("gad7", Sex.FEMALE, 5, "mild", False),
    ("gad7", Sex.FEMALE, 9, "mild", False),
    ("gad7", Sex.FEMALE, 10, "moderate", True),
    ("gad7", Sex.FEMALE, 14, "moderate", True),
    ("gad7", Sex.FEMALE, 15, "severe", True),
    ("gad7", Sex.FEMALE, 21, "severe", True),
    # AUDIT-C (Bradley 2007): 4 or more for men, 3 or more for women.
    ("auditc", Sex.MALE, 0, "negative", False),
    ("auditc", Sex.MALE, 3, "negative", False),
    ("auditc", Sex.MALE, 4, "positive", True),
    ("auditc", Sex.MALE, 12, "positive", True),
    ("auditc", Sex.FEMALE, 2, "negative", False),
    ("auditc", Sex.FEMALE, 3, "positive", True),
    ("auditc", Sex.FEMALE, 12, "positive", True),
    ("auditc", Sex.OTHER, 2, "negative", False),
    ("auditc", Sex.OTHER, 3, "positive", True),
    ("auditc", Sex.UNKNOWN, 3, "positive", True),
    # STEADI: any yes is at risk.
    ("falls", Sex.MALE, 0, "not at risk", False),
    ("falls", Sex.MALE, 1, "at risk of falling", True),
    ("falls", Sex.MALE, 3, "at risk of falling", True),
]


@pytest.mark.parametrize(("key", "sex", "total", "label", "positive"), EDGES)
def test_severity_at_every_band_edge(
    key: str, sex: Sex, total: int, label: str, positive: bool
) -> None:
    result = _result(CATALOG.instruments[key], total, sex)
    assert result.total == total
    assert result.band is not None
    assert result.band.label == label
    assert result.positive is positive


@pytest.mark.parametrize("position", [0, 1, 2])
def test_steadi_any_single_yes_is_at_risk(position: int) -> None:
    scores = tuple(1 if index == position else 0 for index in range(3))
    result = ScreeningResult(instrument=FALLS, sex=Sex.MALE, scores=scores)
    assert result.positive
    assert result.summary == "STEADI 1 of 3, at risk of falling"


def test_every_item_answer_is_kept_with_its_code() -> None:
    typed = parse_answers("phq9 1 2 0 1 3 0 1 0 1")
    result = ScreeningResult(instrument=PHQ9, sex=Sex.FEMALE, scores=typed.scores)
    assert [answer.choice.score for answer in result.answers] == [1, 2, 0, 1, 3, 0, 1, 0, 1]
    assert result.answers[4].choice.code == "LA6571-9"
    assert result.answers[2].line == "3. Sleep trouble: 0 Not at all"
    assert result.total == 9
    assert result.summary == "PHQ-9 9, mild"


def test_a_declined_screening_has_no_total() -> None:
    result = ScreeningResult(instrument=GAD7, sex=Sex.FEMALE, declined=True)
    assert (result.total, result.band, result.positive, result.alerts) == (None, None, False, ())
    assert result.summary == "GAD-7 declined"


def test_a_result_refuses_answers_that_do_not_fit() -> None:
    with pytest.raises(AnswersRefused, match="has 7 items, not 6"):
        ScreeningResult(instrument=GAD7, sex=Sex.FEMALE, scores=(0,) * 6)
    with pytest.raises(AnswersRefused, match="item 2 cannot be 4") as refused:
        ScreeningResult(instrument=GAD7, sex=Sex.FEMALE, scores=(0, 4, 0, 0, 0, 0, 0))
    assert refused.value.item == 2
    with pytest.raises(AnswersRefused, match="not scored"):
        ScreeningResult(instrument=CATALOG.instruments["tobacco"], sex=Sex.FEMALE)


# ------------------------------------------------------------------ parser


@pytest.mark.parametrize(
    "text",
    [
        "phq9 1 2 0 1 3 0 1 0 1",
        "PHQ-9: 120130101",
        "phq-9 1,2,0,1,3,0,1,0,1",
        "  Phq9   12 01 30 10 1 ",
    ],
)
def test_the_forms_of_a_line(text: str) -> None:
    assert parse_answers(text).scores == (1, 2, 0, 1, 3, 0, 1, 0, 1)


def test_a_line_for_a_known_screening_needs_no_name() -> None:
    assert parse_answers("0121000", expected=GAD7).scores == (0, 1, 2, 1, 0, 0, 0)
    assert parse_answers("gad7 0121000", expected=GAD7).scores == (0, 1, 2, 1, 0, 0, 0)
    assert parse_answers("AUDIT-C 4 0 1").scores == (4, 0, 1)


@pytest.mark.parametrize("text", ["declined", "Refused", "phq9 declined", "PHQ-9: decline"])
def test_declined(text: str) -> None:
    typed = parse_answers(text, expected=PHQ9)
    assert typed.declined
    assert typed.scores == ()


REFUSALS: list[tuple[str, Instrument | None, str, int | None]] = [
    ("", None, "start with the screening's name: phq2, phq9, gad7, auditc, falls", None),
    ("1 2 0", None, "start with the screening's name", None),
    ("", PHQ9, "type PHQ-9's 9 answers, one digit each (0 to 3), or 'declined'", None),
    ("phq9", None, "type PHQ-9's 9 answers", None),
    ("phq9 1 2 0", None, "PHQ-9: 9 answers needed, 3 typed (items 4-9 missing)", 4),
    ("phq9 1 2 0 1 3 0 1 0 1 2", None, "PHQ-9: 9 answers needed, 10 typed (1 too many)", None),
    ("phq9 1 2 0 1 3 0 4 0 1", None, "item 7 (Trouble concentrating) cannot be 4", 7),
    (
        "falls 1 0 2",
        None,
        "item 3 (Worries about falling) cannot be 2: its answers are 0 no, 1 yes",
        3,
    ),
    ("auditc 5 0 0", None, "item 1 (How often a drink) cannot be 5: its answers are 0 to 4", 1),
    ("phq9 1 2 x", None, "'x' is not an answer: PHQ-9 takes digits (0 to 3)", None),
    ("1 2 \u0663", PHQ9, "'\u0663' is not an answer", None),
    ("1 2\n3", PHQ9, "'U+000A' is not an answer", None),
    ("phq 9 1 2", None, "'phq' is not a screening", None),
    ("gad7 1 2 3", PHQ9, "this line is for PHQ-9, not GAD-7", None),
    ("tobacco", None, "Tobacco is not typed here: Ask about tobacco use", None),
    ("1" * 201, PHQ9, "too long for a screening", None),
]


@pytest.mark.parametrize(("text", "expected", "message", "item"), REFUSALS)
def test_refusals_say_what_and_which_item(
    text: str, expected: Instrument | None, message: str, item: int | None
) -> None:
    with pytest.raises(AnswersRefused) as refused:
        parse_answers(text, expected=expected)
    assert message in str(refused.value)
    assert refused.value.item == item


def test_a_refusal_is_a_user_error() -> None:
    assert issubclass(AnswersRefused, InvalidInput)


@given(st.text(max_size=60), st.sampled_from([None, *QUESTIONNAIRES]), st.booleans())
def test_any_text_gives_answers_or_a_clear_refusal(
    text: str, expected: Instrument | None, reflexed: bool
) -> None:
    given_answers = {"phq9": {1: 2, 2: 1}} if reflexed else None
    try:
        typed = parse_answers(text, expected=expected, given=given_answers)
    except AnswersRefused as refused:
        message = str(refused)
        assert message
        assert "\n" not in message
        assert len(message) < 300
    else:
        assert typed.declined or len(typed.scores) == len(typed.instrument.items)


@st.composite
def answered(draw: st.DrawFn) -> tuple[Instrument, tuple[int, ...]]:
    instrument = draw(st.sampled_from(QUESTIONNAIRES))
    scores = tuple(draw(st.integers(0, item.answers.max_score)) for item in instrument.items)
    return instrument, scores


@given(answered(), st.sampled_from([" ", "", ",", " , "]), st.sampled_from(["key", "name", "none"]))
def test_valid_answers_round_trip(
    answers: tuple[Instrument, tuple[int, ...]], separator: str, naming: str
) -> None:
    instrument, scores = answers
    digits = separator.join(str(score) for score in scores)
    prefix = {"key": f"{instrument.key} ", "name": f"{instrument.name}: ", "none": ""}[naming]
    expected = instrument if naming == "none" else None
    assert parse_answers(prefix + digits, expected=expected).scores == scores
    assert parse_answers(answer_line(instrument, scores)).scores == scores


@given(answered(), st.sampled_from(list(Sex)))
def test_the_total_is_the_sum_of_the_item_scores(
    answers: tuple[Instrument, tuple[int, ...]], sex: Sex
) -> None:
    instrument, scores = answers
    result = ScreeningResult(instrument=instrument, sex=sex, scores=scores)
    assert result.total == sum(answer.choice.score for answer in result.answers) == sum(scores)
    assert result.band is not None
    assert result.band.contains(sum(scores))


# ------------------------------------------------------------------- reflex


def _draft(*lines: tuple[str, str | None], sex: Sex = Sex.FEMALE) -> ScreeningsDraft:
    draft = ScreeningsDraft()
    for text, expected in lines:
        draft, _ = enter(draft, text, sex=sex, at=NOW, expected=expected)
    return draft


def test_a_positive_phq2_leads_to_the_phq9_with_its_two_answers() -> None:
    follow_up = reflex(ScreeningResult(instrument=PHQ2, sex=Sex.MALE, scores=(2, 1)))
    assert follow_up is not None
    assert follow_up.target.key == "phq9"
    assert dict(follow_up.given) == {1: 2, 2: 1}
    assert [item.number for item in follow_up.to_type] == [3, 4, 5, 6, 7, 8, 9]
    assert (
        follow_up.prompt == "PHQ-2 positive (3): give the PHQ-9; items 1-2 are in, type items 3-9"
    )


@pytest.mark.parametrize("line", ["phq2 1 1", "phq2 0 0", "phq2 declined"])
def test_a_negative_or_declined_phq2_leads_nowhere(line: str) -> None:
    draft = _draft((line, None))
    assert pending_reflex(draft, Sex.FEMALE) is None
    check_ready(draft, Sex.FEMALE)


def test_the_ma_types_the_remaining_seven() -> None:
    draft = _draft(("phq2 3 1", None))
    with pytest.raises(ReflexPending, match="give the PHQ-9"):
        check_ready(draft, Sex.FEMALE)
    with pytest.raises(AnswersRefused, match=r"items 1-2 are in already: 7 answers needed, 9"):
        enter(draft, "1 2 0 1 3 0 1 0 0", sex=Sex.FEMALE, at=NOW, expected="phq9")
    draft, result = enter(draft, "0 1 3 0 1 0 0", sex=Sex.FEMALE, at=NOW, expected="phq9")
    assert result.scores == (3, 1, 0, 1, 3, 0, 1, 0, 0)
    assert result.reflexed_from == "phq2"
    assert result.total == 9
    check_ready(draft, Sex.FEMALE)
    assert [signed.result.instrument.key for signed in to_sign(draft, Sex.FEMALE)] == [
        "phq2",
        "phq9",
    ]


def test_the_reflexed_phq9_may_be_declined() -> None:
    draft = _draft(("phq2 3 3", None), ("declined", "phq9"))
    check_ready(draft, Sex.FEMALE)
    phq9 = to_sign(draft, Sex.FEMALE)[1].result
    assert phq9.declined
    assert phq9.reflexed_from == "phq2"


def test_a_corrected_reflexed_phq9_is_still_typed_without_its_first_two() -> None:
    draft = _draft(("phq2 3 1", None), ("0 1 3 0 1 0 0", "phq9"))
    draft, result = enter(draft, "0 0 0 0 0 0 0", sex=Sex.FEMALE, at=NOW, expected="phq9")
    assert result.scores == (3, 1, 0, 0, 0, 0, 0, 0, 0)
    assert [done.instrument for done in draft.given] == ["phq2", "phq9"]


def test_reentering_the_phq2_keeps_or_drops_the_phq9_built_on_it() -> None:
    draft = _draft(("phq2 3 1", None), ("0 1 3 0 1 0 0", "phq9"))
    same, _ = enter(draft, "phq2 3 1", sex=Sex.FEMALE, at=NOW)
    assert [done.instrument for done in same.given] == ["phq2", "phq9"]
    changed, _ = enter(draft, "phq2 2 2", sex=Sex.FEMALE, at=NOW)
    assert [done.instrument for done in changed.given] == ["phq2"]
    assert pending_reflex(changed, Sex.FEMALE) is not None
    negative, _ = enter(draft, "phq2 0 1", sex=Sex.FEMALE, at=NOW)
    assert [done.instrument for done in negative.given] == ["phq2"]
    assert pending_reflex(negative, Sex.FEMALE) is None


# -------------------------------------------------------------------- alert


@pytest.mark.parametrize(
    ("item9", "answer"),
    [(1, "Several days"), (2, "More than half the days"), (3, "Nearly every day")],
)
def test_phq9_item_9_above_zero_raises_an_alert(item9: int, answer: str) -> None:
    result = ScreeningResult(instrument=PHQ9, sex=Sex.MALE, scores=(0,) * 8 + (item9,))
    (alert,) = result.alerts
    assert (alert.instrument, alert.item) == ("phq9", 9)
    assert f"answered '{answer}'" in alert.text
    assert "Tell the clinician now" in alert.text
    assert not result.positive  # the alert stands whatever the total


def test_no_alert_without_item_9_and_none_from_the_phq2() -> None:
    assert _result(PHQ9, 24).alerts == ()  # items 1-8 at 3, item 9 at 0
    assert ScreeningResult(instrument=PHQ2, sex=Sex.MALE, scores=(3, 3)).alerts == ()


def test_the_alert_must_be_acknowledged_before_signing() -> None:
    draft = _draft(("phq9 0 0 0 0 0 0 0 0 1", None))
    (alert,) = unacknowledged(draft, Sex.FEMALE)
    with pytest.raises(AlertNotAcknowledged, match="PHQ-9 item 9 answered 'Several days'"):
        to_sign(draft, Sex.FEMALE)
    later = datetime(2026, 11, 23, 15, 22, tzinfo=UTC)
    draft = acknowledge(draft, alert, by="Mia Lopez", staff_id=7, at=later, note="told Dr Lee")
    assert unacknowledged(draft, Sex.FEMALE) == []
    (signed,) = to_sign(draft, Sex.FEMALE)
    (ack,) = signed.acknowledgements
    assert (ack.text, ack.by, ack.staff_id, ack.at, ack.note) == (
        alert.text,
        "Mia Lopez",
        7,
        later,
        "told Dr Lee",
    )


def test_a_changed_answer_needs_a_new_acknowledgement() -> None:
    draft = _draft(("phq9 0 0 0 0 0 0 0 0 1", None))
    (alert,) = unacknowledged(draft, Sex.FEMALE)
    draft = acknowledge(draft, alert, by="Mia", at=NOW)
    draft, _ = enter(draft, "phq9 0 0 0 0 0 0 0 0 3", sex=Sex.FEMALE, at=NOW)
    (again,) = unacknowledged(draft, Sex.FEMALE)
    assert "Nearly every day" in again.text
    draft, _ = enter(draft, "phq9 0 0 0 0 0 0 0 0 0", sex=Sex.FEMALE, at=NOW)
    (signed,) = to_sign(draft, Sex.FEMALE)
    assert signed.acknowledgements == ()


def test_an_acknowledgement_says_who() -> None:
    draft = _draft(("phq9 0 0 0 0 0 0 0 0 1", None))
    (alert,) = unacknowledged(draft, Sex.FEMALE)
    with pytest.raises(InvalidInput, match="who"):
        acknowledge(draft, alert, by=" ", at=NOW)
    with pytest.raises(InvalidInput, match="longer than 200"):
        acknowledge(draft, alert, by="Mia", at=NOW, note="x" * 201)


# -------------------------------------------------------------------- draft


def test_a_line_left_typed_blocks_signing_until_taken_or_cleared() -> None:
    draft = keep_typed(ScreeningsDraft(), "gad7", "0 1 2")
    with pytest.raises(LineNotTaken, match="GAD-7: '0 1 2' is typed but not taken in"):
        check_ready(draft, Sex.FEMALE)
    draft, _ = enter(draft, "0 1 2 0 0 0 0", sex=Sex.FEMALE, at=NOW, expected="gad7")
    check_ready(draft, Sex.FEMALE)
    assert keep_typed(keep_typed(draft, "gad7", "1"), "gad7", "  ").typed == {}


def test_a_refused_line_leaves_the_draft_as_it_was() -> None:
    draft = _draft(("gad7 0 0 0 0 0 0 0", None))
    with pytest.raises(AnswersRefused):
        enter(draft, "gad7 9", sex=Sex.FEMALE, at=NOW)
    assert draft.given[0].scores == (0,) * 7


def test_a_screening_entered_by_mistake_is_taken_back_with_its_follow_up() -> None:
    draft = _draft(("phq2 3 1", None), ("0 1 3 0 1 0 0", "phq9"), ("gad7 0 0 0 0 0 0 0", None))
    assert [done.instrument for done in remove(draft, "phq2").given] == ["gad7"]
    kept = remove(draft, "phq9")
    assert [done.instrument for done in kept.given] == ["phq2", "gad7"]
    assert pending_reflex(kept, Sex.FEMALE) is not None


def test_answers_saved_under_an_older_catalog_are_typed_again() -> None:
    stale = Administration(instrument="gad7", scores=(0, 0, 0, 0, 0, 0), at=NOW)  # 6 of 7
    draft = ScreeningsDraft(given=(stale,))
    with pytest.raises(AnswersRefused, match="GAD-7 has 7 items, not 6: type it again"):
        check_ready(draft, Sex.FEMALE)
    draft, _ = enter(draft, "phq2 0 0", sex=Sex.FEMALE, at=NOW)  # the rest still works
    draft, _ = enter(draft, "gad7 0 0 0 0 0 0 1", sex=Sex.FEMALE, at=NOW)
    assert [r.result.summary for r in to_sign(draft, Sex.FEMALE)] == [
        "GAD-7 1, minimal",
        "PHQ-2 0, negative",
    ]


def test_a_long_typed_line_is_shortened_in_the_message() -> None:
    draft = keep_typed(ScreeningsDraft(), "phq9", "1 " * 40)
    with pytest.raises(LineNotTaken) as refused:
        check_ready(draft, Sex.FEMALE)
    assert len(str(refused.value)) < 100


def test_the_draft_is_json_and_comes_back_the_same() -> None:
    draft = _draft(("phq2 3 1", None), ("0 1 3 0 1 0 2", "phq9"), ("falls 1 1 0", None))
    (alert,) = unacknowledged(draft, Sex.MALE)
    draft = acknowledge(draft, alert, by="Mia", at=NOW)
    draft = keep_typed(draft, "auditc", "4 4")
    again = ScreeningsDraft.model_validate_json(draft.model_dump_json())
    assert again == draft
    assert [r.result.summary for r in to_sign(keep_typed(again, "auditc", ""), Sex.MALE)] == [
        "PHQ-2 4, positive",
        "PHQ-9 11, moderate",
        "STEADI 2 of 3, at risk of falling",
    ]


# ---------------------------------------------------------------------- due


def _due(
    born: date, last: dict[str, date], sex: Sex = Sex.FEMALE, today: date = TODAY
) -> dict[str, str]:
    return {
        status.instrument.key: status.reason
        for status in due_screenings(birth_date=born, sex=sex, today=today, last_given=last)
    }


def test_never_screened_adult() -> None:
    assert _due(date(1980, 5, 1), {}) == {
        "phq2": "no PHQ-2 on record; due yearly from age 12",
        "gad7": "no GAD-7 on record; due yearly ages 18-64",
        "auditc": "no AUDIT-C on record; due yearly from age 18",
        "tobacco": "no Tobacco status on record; due yearly from age 12",
    }


def test_the_reason_names_what_was_given_last() -> None:
    due = _due(date(1980, 5, 1), {"phq9": date(2025, 10, 2), "phq2": date(2024, 1, 5)})
    assert due["phq2"] == "last PHQ-9 on 2025-10-02, due yearly"


def test_due_on_the_same_day_a_year_later_not_before() -> None:
    last = {"gad7": date(2025, 11, 23), "auditc": date(2025, 11, 24)}
    (gad7, auditc) = (
        s
        for s in screening_status(
            birth_date=date(1980, 5, 1), sex=Sex.MALE, today=TODAY, last_given=last
        )
        if s.instrument.key in last
    )
    assert gad7.due
    assert gad7.reason == "last GAD-7 on 2025-11-23, due yearly"
    assert not auditc.due
    assert auditc.reason == "last AUDIT-C on 2025-11-24; next due 2026-11-24"
    assert auditc.next_due == date(2026, 11, 24)


@pytest.mark.parametrize(
    ("born", "expected"),
    [
        (date(2015, 1, 1), set()),  # 11
        (date(2014, 11, 23), {"phq2", "tobacco"}),  # 12 today
        (date(2008, 11, 24), {"phq2", "tobacco"}),  # 17
        (date(2008, 11, 23), {"phq2", "gad7", "auditc", "tobacco"}),  # 18 today
        (date(1962, 1, 1), {"phq2", "gad7", "auditc", "tobacco"}),  # 64
        (date(1961, 11, 23), {"phq2", "auditc", "falls", "tobacco"}),  # 65: no GAD-7
    ],
)
def test_ages(born: date, expected: set[str]) -> None:
    assert set(_due(born, {})) == expected


def test_tobacco_is_due_from_the_history_entry() -> None:
    due = _due(date(1980, 5, 1), {"tobacco": date(2025, 6, 1)})
    assert due["tobacco"] == "Tobacco status last updated 2025-06-01, due yearly"


def test_this_visits_answers_count_declined_do_not() -> None:
    draft = _draft(("phq9 0 0 0 0 0 0 0 0 0", None), ("gad7 declined", None))
    last = with_this_visit({"phq2": date(2020, 1, 1)}, draft, TODAY)
    assert last == {"phq2": date(2020, 1, 1), "phq9": TODAY}
    due = _due(date(1980, 5, 1), last)
    assert "phq2" not in due
    assert "gad7" in due


def test_clinic_rules_by_sex_and_interval() -> None:
    raw = {
        "version": 1,
        "about": "A clinic that screens men for alcohol every two years.",
        "rules": [
            {
                "screen": "auditc",
                "ages": {"from": 18, "to": None},
                "every_months": 24,
                "sexes": ["male"],
                "satisfied_by": ["auditc"],
                "why": "clinic policy",
            }
        ],
    }
    rules = parse_rules(raw, CATALOG)
    last = {"auditc": date(2025, 1, 1)}
    kwargs: dict[str, Any] = {"birth_date": date(1980, 5, 1), "today": TODAY, "rules": rules}
    assert screening_status(sex=Sex.FEMALE, last_given=last, **kwargs) == []
    (status,) = screening_status(sex=Sex.MALE, last_given=last, **kwargs)
    assert not status.due
    assert status.reason == "last AUDIT-C on 2025-01-01; next due 2027-01-01"
    (status,) = screening_status(sex=Sex.MALE, last_given={"auditc": date(2024, 11, 1)}, **kwargs)
    assert status.reason == "last AUDIT-C on 2024-11-01, due every 2 years"


def test_months_and_their_words() -> None:
    assert add_months(date(2024, 2, 29), 12) == date(2025, 2, 28)
    assert add_months(date(2025, 1, 31), 1) == date(2025, 2, 28)
    assert add_months(date(2025, 11, 30), 3) == date(2026, 2, 28)
    assert add_months(date(9999, 6, 1), 12) == date.max
    assert [interval_words(m) for m in (1, 6, 12, 24, 18)] == [
        "monthly",
        "every 6 months",
        "yearly",
        "every 2 years",
        "every 18 months",
    ]


# --------------------------------------------------------------------- FHIR

SUBJECT = {"reference": "urn:uuid:5a1b0c8e-7f43-4c55-9d25-0b1f3f0c7a11", "display": "Dana"}
ENCOUNTER = {"reference": "urn:uuid:8d6c4f3a-1e2b-4a5d-9c7e-2f0a1b3c4d5e"}
RESPONSE = {"reference": "urn:uuid:0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0"}


def _walk(value: Any) -> list[Any]:
    children = (
        value.values() if isinstance(value, dict) else value if isinstance(value, list) else ()
    )
    return [value, *(found for child in children for found in _walk(child))]


def _valid(resource: dict[str, Any]) -> dict[str, Any]:
    """R4B accepts it, and FHIR JSON has no empty values."""
    get_fhir_model_class(resource["resourceType"]).model_validate(resource)
    assert not [v for v in _walk(resource) if v is None or v == "" or v == [] or v == {}]
    return resource


def _signed(line: str, sex: Sex = Sex.FEMALE) -> SignedScreening:
    draft = _draft((line, None), sex=sex)
    for alert in unacknowledged(draft, sex):
        draft = acknowledge(draft, alert, by="Mia Lopez", at=NOW, note="told Dr Lee")
    (signed,) = to_sign(draft, sex)
    return signed


@pytest.mark.parametrize(
    ("line", "panel", "total_code", "total"),
    [
        ("phq2 1 1", "55757-9", "55758-7", 2),
        ("phq9 1 2 0 1 3 0 1 0 1", "44249-1", "44261-6", 9),
        ("gad7 0 1 2 3 0 1 2", "69737-5", "70274-6", 9),
        ("auditc 2 1 0", "72109-2", "75626-2", 3),
    ],
)
def test_loinc_screenings_as_fhir(line: str, panel: str, total_code: str, total: int) -> None:
    signed = _signed(line)
    response = questionnaire_response(
        signed, resource_id="qr-1", subject=SUBJECT, encounter=ENCOUNTER, author=SUBJECT
    )
    assert response is not None
    _valid(response)
    assert response["questionnaire"] == f"http://loinc.org/q/{panel}"
    assert response["status"] == "completed"
    assert response["authored"] == "2026-11-23T15:20:00+00:00"
    items = response["item"]
    instrument = signed.result.instrument
    assert [item["linkId"] for item in items] == [
        *(f"/{item.code}" for item in instrument.items),
        f"/{total_code}",
    ]
    for item, answer in zip(items, signed.result.answers, strict=False):
        coding = item["answer"][0]["valueCoding"]
        assert coding == {
            "system": "http://loinc.org",
            "code": answer.choice.code,
            "display": answer.choice.text,
        }
    assert items[-1]["answer"] == [{"valueDecimal": total}]

    observation = _valid(
        score_observation(
            signed, resource_id="obs-1", subject=SUBJECT, encounter=ENCOUNTER, response=RESPONSE
        )
    )
    assert observation["code"]["coding"][0]["code"] == total_code
    assert observation["category"][0]["coding"][0]["code"] == "survey"
    assert observation["valueQuantity"] == {
        "value": total,
        "unit": "{score}",
        "system": "http://unitsofmeasure.org",
        "code": "{score}",
    }
    flag, band = observation["interpretation"][0], signed.result.band
    assert flag["coding"][0]["code"] == ("POS" if signed.result.positive else "NEG")
    assert band is not None
    assert flag["text"] == band.label
    assert observation["derivedFrom"] == [RESPONSE]
    assert observation["encounter"] == ENCOUNTER


def test_the_acknowledged_alert_is_a_note_on_the_total() -> None:
    signed = _signed("phq9 0 0 0 0 0 0 0 0 2")
    observation = _valid(score_observation(signed, resource_id="obs-1", subject=SUBJECT))
    (note,) = observation["note"]
    assert note["authorString"] == "Mia Lopez"
    assert note["text"].startswith("Alert: PHQ-9 item 9 answered 'More than half the days'")
    assert note["text"].endswith(
        "Acknowledged by Mia Lopez at 2026-11-23T15:20:00+00:00: told Dr Lee"
    )


def test_steadi_answers_are_true_or_false_without_codes() -> None:
    signed = _signed("falls 0 1 0")
    response = questionnaire_response(signed, resource_id="qr-1", subject=SUBJECT)
    assert response is not None
    _valid(response)
    assert response["questionnaire"] == "urn:ma-tui:questionnaire:steadi-key-questions"
    assert [item["answer"] for item in response["item"]] == [
        [{"valueBoolean": False}],
        [{"valueBoolean": True}],
        [{"valueBoolean": False}],
    ]
    observation = _valid(score_observation(signed, resource_id="obs-1", subject=SUBJECT))
    assert observation["code"] == {"text": "STEADI fall risk screen"}
    assert observation["valueCodeableConcept"] == {"text": "at risk of falling"}


def test_a_declined_screening_is_an_observation_of_why_nothing_was_recorded() -> None:
    signed = _signed("auditc declined")
    assert questionnaire_response(signed, resource_id="qr-1", subject=SUBJECT) is None
    observation = _valid(score_observation(signed, resource_id="obs-1", subject=SUBJECT))
    assert observation["dataAbsentReason"]["coding"][0]["code"] == "asked-declined"
    assert "valueQuantity" not in observation
    assert "interpretation" not in observation


@settings(max_examples=60)
@given(answered(), st.sampled_from(list(Sex)))
def test_any_answers_export_valid_fhir(
    answers: tuple[Instrument, tuple[int, ...]], sex: Sex
) -> None:
    instrument, scores = answers
    signed = SignedScreening(
        result=ScreeningResult(instrument=instrument, sex=sex, scores=scores),
        at=NOW,
        acknowledgements=(),
    )
    response = questionnaire_response(signed, resource_id="qr-1", subject=SUBJECT)
    assert response is not None
    _valid(response)
    assert len(response["item"]) >= len(instrument.items)
    _valid(score_observation(signed, resource_id="obs-1", subject=SUBJECT, response=RESPONSE))
