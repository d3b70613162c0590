"""Registering a walk-in: the text a name is stored as."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ma_tui.data.catalogs import payers, relations
from ma_tui.patients.registration import (
    clean_text,
    guardian_relationship_suggestions,
    payer_suggestions,
)

NFD = unicodedata.normalize("NFD", "Nguyễn")


def _completes(suggestions: list[str], typed: str) -> str | None:
    """What an Input's SuggestFromList(case_sensitive=False) offers: the first match."""
    return next((s for s in suggestions if s.casefold().startswith(typed.casefold())), None)


@pytest.mark.parametrize(
    ("typed", "offered"),
    [
        ("blue m", "Blue Meadow Health"),
        ("BLUE MEADOW", "Blue Meadow Health"),
        ("ced", "Cedar Mutual"),
        ("harb", "Harborview Employer PPO"),
        ("medicare", "Medicare"),
        ("medicai", "Medicaid"),
        ("state", "State Medicaid"),
        ("unit", "UnitedHealthcare"),
        ("united h", "United Healthcare"),  # an alias completes to itself
        ("blue c", "Blue Cross Blue Shield"),
        ("kai", "Kaiser Permanente"),
        ("tric", "TRICARE"),
        ("self", None),  # blank is self-pay; nothing completes to it
    ],
)
def test_payer_suggestions_complete_to_the_card_name(typed: str, offered: str | None) -> None:
    assert _completes(payer_suggestions(), typed) == offered


def test_payer_suggestions_are_names_then_aliases() -> None:
    suggestions = payer_suggestions()
    names = [item.name for item in payers()]
    assert suggestions[: len(names)] == names
    assert {"UHC", "BCBS"} <= set(suggestions[len(names) :])
    assert len({s.casefold() for s in suggestions}) == len(suggestions)
    suggestions.clear()  # a caller's list is its own
    assert payer_suggestions()


def test_guardian_relationship_suggestions() -> None:
    suggestions = guardian_relationship_suggestions()
    assert suggestions[: len(relations())] == [item.name for item in relations()]
    assert _completes(suggestions, "fa") == "father"
    assert _completes(suggestions, "Mo") == "mother"
    assert _completes(suggestions, "dad") == "dad"


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("O'Brien", "O'Brien"),
        ("Nguyễn Thị Minh", "Nguyễn Thị Minh"),
        ("김민준", "김민준"),
        ("Łukasz Żółć", "Łukasz Żółć"),
        ("Zoë Ødegaard-Müller", "Zoë Ødegaard-Müller"),
        ("[bold]x[/]", "[bold]x[/]"),  # markup is text; screens must show it literally
        (NFD, "Nguyễn"),  # stored NFC: a name pasted decomposed (macOS) is the same string
        ("  Mary \t Ann\r\n", "Mary Ann"),  # white space of any kind: one space
        ("a\u2028b\u2029c\x85d", "a b c d"),
        ("Ngu\x00yễn", "Nguyễn"),  # NUL never reaches the database
        ("O\x07Brien\x7f", "OBrien"),  # other control characters are dropped, not spaced
        ("Ng\x1b[31muyễn\x1b[0m", "Nguyễn"),  # a pasted colour code goes whole
        ("x\x1b]0;title\x07y", "xy"),  # so does a terminal title
        ("a\x1b(Bb", "ab"),
        ("end\x1b", "end"),
        ("\u202eevil", "evil"),  # right-to-left override
        ("Da\u200dna\u200b\ufeff\u00ad", "Dana"),  # zero-width joiner, space, BOM, soft hyphen
    ],
)
def test_clean_text(typed: str, stored: str) -> None:
    assert clean_text(typed) == stored


def test_clean_text_cuts_at_the_limit_between_whole_letters() -> None:
    assert clean_text("abcd efgh", limit=5) == "abcd"  # no trailing space
    # ẹ́ is e + U+0323 (composed by NFC) + U+0301 (stays combining): kept whole or not at all.
    assert clean_text("abcde\u0301\u0323", limit=5) == "abcd"
    assert clean_text("abcde\u0301\u0323", limit=6) == "abcd\u1eb9\u0301"
    assert clean_text("x" * 10_000) == "x" * 200


@given(st.text(), st.integers(0, 300))
def test_clean_text_is_clean(text: str, limit: int) -> None:
    cleaned = clean_text(text, limit=limit)
    assert len(cleaned) <= limit
    assert cleaned == cleaned.strip()
    assert "  " not in cleaned
    assert unicodedata.is_normalized("NFC", cleaned)
    assert not any(unicodedata.category(ch) in {"Cc", "Cf", "Cs", "Co", "Cn"} for ch in cleaned)
    assert clean_text(cleaned, limit=limit) == cleaned


def test_column_limit_is_the_stored_length_and_refuses_what_has_none() -> None:
    from ma_tui.data.models.patients import Coverage, Patient
    from ma_tui.patients.registration import column_limit

    assert column_limit(Patient, "state") == 50
    assert column_limit(Patient, "postal_code") == 20
    assert column_limit(Coverage, "payer") == 200
    with pytest.raises(ValueError, match="not a text column"):
        column_limit(Patient, "birth_date")


def test_a_walk_in_is_recorded_in_the_audit_trail(engine: object) -> None:
    from datetime import date

    from sqlalchemy.engine import Engine
    from sqlmodel import Session

    from ma_tui.data.audit import events, verify
    from ma_tui.data.models.patients import Sex
    from ma_tui.patients.registration import NewPatient, register_walk_in
    from tests.conftest import CLINIC_NOW

    assert isinstance(engine, Engine)
    new = NewPatient(
        family_name="Okafor",
        given_name="Ada",
        birth_date=date(2023, 3, 9),
        sex=Sex.FEMALE,
        phone=None,
        guardian_name=None,
        guardian_relationship=None,
        payer=None,
        member_id=None,
    )
    encounter_id = register_walk_in(engine, new, now=CLINIC_NOW, staff_id=None)
    with Session(engine) as session:
        trail = events(session)
        assert [(e.action, e.entity) for e in trail] == [
            ("create", "patient"),
            ("create", "encounter"),
        ]
        assert trail[1].entity_id == str(encounter_id)
        assert trail[0].os_user
        assert verify(session).ok


def test_a_known_patient_off_the_schedule_is_opened_for_a_reason(engine: object) -> None:
    from datetime import date

    from sqlalchemy.engine import Engine
    from sqlmodel import Session, select

    from ma_tui.core.errors import InvalidInput, NotFound
    from ma_tui.data.audit import events, verify
    from ma_tui.data.models.patients import Patient, Sex
    from ma_tui.data.models.visits import Encounter
    from ma_tui.patients.registration import start_walk_in
    from tests.conftest import CLINIC_NOW

    assert isinstance(engine, Engine)
    with Session(engine) as session:
        patient = Patient(
            mrn="7000001",
            family_name="O'Brien",
            given_name="Siobhán",
            birth_date=date(1986, 1, 1),
            sex=Sex.FEMALE,
        )
        session.add(patient)
        session.commit()
        assert patient.id is not None
        patient_id = patient.id
    with pytest.raises(InvalidInput, match="say why"):
        start_walk_in(engine, patient_id, reason=" \t\u200b", now=CLINIC_NOW, staff_id=None)
    with pytest.raises(NotFound):
        start_walk_in(engine, patient_id + 1, reason="walk-in", now=CLINIC_NOW, staff_id=None)
    encounter_id = start_walk_in(
        engine, patient_id, reason="  walk-in\nvisit today ", now=CLINIC_NOW, staff_id=None
    )
    with Session(engine) as session:
        (visit,) = session.exec(select(Encounter)).all()
        assert visit.id == encounter_id
        assert visit.walk_in
        assert visit.patient_id == patient_id
        trail = events(session)
        assert [(e.action, e.entity, e.patient_mrn) for e in trail] == [
            ("break_glass", "patient", "7000001"),
            ("create", "encounter", "7000001"),
        ]
        assert trail[0].detail == '{"reason":"walk-in visit today"}'
        assert verify(session).ok
