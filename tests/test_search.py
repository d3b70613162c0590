"""Finding a patient: what the search text means, the matching rule, and the database search."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import date
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from ma_tui.data.folding import prefix_upper_bound
from ma_tui.data.migrate import upgrade
from ma_tui.data.models.patients import Patient, Sex
from ma_tui.data.store import memory_engine
from ma_tui.patients.search import PatientQuery, fold, matches, parse_search, search_patients

TODAY = date(2026, 11, 23)
INJECTION = "'; DROP TABLE patient; --"
# (family, given, born, mrn, active)
PEOPLE = [
    ("Whitfield", "Dana", date(1968, 4, 12), "1000100", True),
    ("Whitaker", "David", date(1970, 1, 1), "1000105", True),
    ("Whitman", "Dana", date(1968, 4, 12), "0412196", False),  # inactive: never found
    ("O'Brien", "Margaret", date(1938, 6, 17), "1000101", True),
    ("Nguyễn", "Lan", date(1957, 2, 8), "1000102", True),
    ("Kowalski", "Łukasz", date(1990, 1, 1), "2000001", True),
    ("김", "민준", date(2000, 5, 5), "2000002", True),
    ("Pe%ter_s", "Back\\slash", date(1980, 1, 1), "3000001", True),
    ("Peters", "Paul", date(1981, 1, 1), "3000002", True),
    ("Petersen", "Pia", date(1982, 1, 1), "3000003", True),
    ("Drop", INJECTION, date(1983, 1, 1), "3000004", True),
    ("Ábrahám", "Éva", date(1975, 3, 3), "04121968", True),  # an MRN that reads as a date
]


@pytest.fixture(scope="module")
def module_engine() -> Iterator[Engine]:
    """One migrated in-memory database for the module; each test rolls its rows back."""
    eng = memory_engine()
    upgrade(eng)
    yield eng
    eng.dispose()


@pytest.fixture
def session(module_engine: Engine) -> Iterator[Session]:
    with Session(module_engine) as session:
        for family, given_name, born, mrn, active in PEOPLE:
            session.add(
                Patient(
                    mrn=mrn,
                    family_name=family,
                    given_name=given_name,
                    birth_date=born,
                    sex=Sex.UNKNOWN,
                    active=active,
                )
            )
        session.flush()
        yield session
        session.rollback()


def names(patients: list[Patient]) -> list[str]:
    return [f"{p.family_name}, {p.given_name}" for p in patients]


def find(session: Session, text: str) -> list[str]:
    query = parse_search(text, TODAY)
    assert query is not None
    return names(search_patients(session, query))


# ------------------------------------------------------------ the query


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("whit da", PatientQuery(family="whit", given="da", name="whit da")),
        ("  Whit   DA ", PatientQuery(family="whit", given="da", name="whit da")),
        ("whitfield, dana", PatientQuery(family="whitfield", given="dana")),
        ("Whitfield,", PatientQuery(family="whitfield")),
        (", dana", PatientQuery(given="dana")),
        ("whit", PatientQuery(name="whit")),
        ("4/12/68", PatientQuery(birth_date=date(1968, 4, 12))),
        ("1968-04-12", PatientQuery(birth_date=date(1968, 4, 12))),
        ("04121968", PatientQuery(birth_date=date(1968, 4, 12), mrn="04121968")),
        ("1000", PatientQuery(mrn="1000")),
        ("13131313", PatientQuery(mrn="13131313")),
        ("A12345", PatientQuery(mrn="a12345")),
        ("NGUYỄN", PatientQuery(name="nguyen")),
        ("ŁUK", PatientQuery(name="luk")),
    ],
)
def test_what_the_search_text_means(text: str, expected: PatientQuery) -> None:
    assert parse_search(text, TODAY) == expected


@pytest.mark.parametrize("text", ["", "   ", "\t\n", "\x00\x1b", "\u200b"])
def test_blank_search_is_no_query(text: str) -> None:
    assert parse_search(text, TODAY) is None


def test_a_query_of_nothing_matches_no_one() -> None:
    query = PatientQuery(name="'''")
    assert query.is_empty
    assert not matches(query, family="O'Brien", given="X", birth_date=TODAY, mrn="1")


@given(st.text(), st.dates())
def test_any_text_is_none_or_a_query(text: str, today: date) -> None:
    query = parse_search(text, today)
    assert query is None or isinstance(query, PatientQuery)
    if query is not None:
        matches(query, family=text, given=text, birth_date=today, mrn=text)


@settings(max_examples=300)  # each example is 10,000 characters: a few hundred say enough
@given(st.text(min_size=1, max_size=20).map(lambda piece: (piece * 10_000)[:10_000]))
def test_long_text_is_fine(text: str) -> None:
    query = parse_search(text, TODAY)
    assert query is None or isinstance(query, PatientQuery)


def test_long_text_searches_the_database(session: Session) -> None:
    assert find(session, "whit" + "e" * 10_000) == []
    assert find(session, "\U0001f600" * 10_000) == []
    assert find(session, "1" * 10_000) == []


@pytest.mark.parametrize(
    ("raw", "folded"),
    [
        ("Nguyễn", "nguyen"),
        ("Łukasz", "lukasz"),
        ("ŁUKASZ", "lukasz"),
        ("O'Brien", "obrien"),
        ("O\u2019Brien", "obrien"),
        ("Straße", "strasse"),
        ("Ørsted", "orsted"),
        ("  Mary   Ann ", "mary ann"),
        ("e\u0301", "e"),
    ],
)
def test_fold(raw: str, folded: str) -> None:
    assert fold(raw) == folded


@given(st.text())
def test_case_never_matters(text: str) -> None:
    assert fold(text.upper().lower()) == fold(text.lower())


# ------------------------------------------------------------ the rule


def test_matches_one_word_against_family_or_given() -> None:
    query = PatientQuery(name="da")
    assert matches(query, family="Whitfield", given="Dana", birth_date=TODAY, mrn="1")
    assert matches(query, family="Dawson", given="Ann", birth_date=TODAY, mrn="1")
    assert not matches(query, family="Whitfield", given="Ann", birth_date=TODAY, mrn="1")


def test_matches_date_of_birth_or_mrn() -> None:
    query = PatientQuery(birth_date=date(1968, 4, 12), mrn="0412")
    assert matches(query, family="A", given="B", birth_date=date(1968, 4, 12), mrn="9")
    assert matches(query, family="A", given="B", birth_date=TODAY, mrn="04121968")
    assert not matches(query, family="A", given="B", birth_date=TODAY, mrn="1000")


# ------------------------------------------------------------ the database


def test_family_and_given_prefixes(session: Session) -> None:
    assert find(session, "whit da") == ["Whitaker, David", "Whitfield, Dana"]
    assert find(session, "whitfield, dana") == ["Whitfield, Dana"]
    assert find(session, "WHIT") == ["Whitaker, David", "Whitfield, Dana"]


def test_one_word_finds_given_names_too(session: Session) -> None:
    assert find(session, "dav") == ["Whitaker, David"]


def test_inactive_patients_are_not_found(session: Session) -> None:
    assert "Whitman, Dana" not in find(session, "whit")


@pytest.mark.parametrize("text", ["4/12/68", "04/12/1968", "1968-04-12", "041268", "19680412"])
def test_date_of_birth_forms(session: Session, text: str) -> None:
    assert find(session, text) == ["Whitfield, Dana"]


def test_digits_that_are_a_date_find_the_date_and_the_mrn(session: Session) -> None:
    assert find(session, "04121968") == ["Ábrahám, Éva", "Whitfield, Dana"]


def test_mrn_prefix(session: Session) -> None:
    assert find(session, "100010") == [
        "Nguyễn, Lan",
        "O'Brien, Margaret",
        "Whitaker, David",
        "Whitfield, Dana",
    ]
    assert find(session, "1000101") == ["O'Brien, Margaret"]
    assert find(session, "1000105") == ["Whitaker, David"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ngu", ["Nguyễn, Lan"]),
        ("nguyen", ["Nguyễn, Lan"]),
        ("NGUYỄN", ["Nguyễn, Lan"]),
        ("łuk", ["Kowalski, Łukasz"]),
        ("ŁUK", ["Kowalski, Łukasz"]),
        ("luk", ["Kowalski, Łukasz"]),
        ("김", ["김, 민준"]),
        ("민준", ["김, 민준"]),
        ("김민", ["김, 민준"]),  # family and given written together, as in Korean
        ("김민준", ["김, 민준"]),
        ("whitfieldda", ["Whitfield, Dana"]),
        ("o'b", ["O'Brien, Margaret"]),
        ("O'Brien", ["O'Brien, Margaret"]),
        ("obrien", ["O'Brien, Margaret"]),
        ("O\u2019Brien", ["O'Brien, Margaret"]),
        ("abraham", ["Ábrahám, Éva"]),
        ("eva", ["Ábrahám, Éva"]),
    ],
)
def test_case_and_accents_do_not_matter(session: Session, text: str, expected: list[str]) -> None:
    assert find(session, text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("pe%", ["Pe%ter_s, Back\\slash"]),
        ("pe%ter_", ["Pe%ter_s, Back\\slash"]),
        ("pe_", []),  # _ is a character, not "any one character"
        ("pete", ["Peters, Paul", "Petersen, Pia"]),
        ("%", []),
        ("_", []),
        ("%_%", []),
        ("a%", []),
        ("'", []),
        ('"', []),
        ("back\\", ["Pe%ter_s, Back\\slash"]),
        ("\\", []),
        (INJECTION, ["Drop, " + INJECTION]),  # found as the literal text it is
        ("drop '; drop", ["Drop, " + INJECTION]),
        ("' OR '1'='1", []),
    ],
)
def test_user_text_is_plain_text(session: Session, text: str, expected: list[str]) -> None:
    assert find(session, text) == expected
    assert session.exec(select(Patient)).first() is not None  # the table is still there


def test_limit(session: Session) -> None:
    query = parse_search("p", TODAY)
    assert query is not None
    assert len(search_patients(session, query, limit=2)) == 2
    assert search_patients(session, query, limit=0) == []


# The characters that make case and accent folding hard: ones that decompose, that
# fold to two letters or to ASCII from afar, marks, apostrophes, LIKE wildcards.
TRICKY = list(
    "aAbBdDeEiInNoOsSkKlL0159 -'%_\\"
    "ễÉéÅåŁłßẞİıſﬀæÆØøŉǅ\u212a\u212b\u0301\u0308\u200b\u2019\uff2e\uff4eΣ\u03c3ς김ᄀㄱ민"
)
name_text = st.text(alphabet=st.sampled_from(TRICKY), max_size=8)
people = st.lists(
    st.tuples(
        name_text,
        name_text,
        st.dates(min_value=date(1950, 1, 1), max_value=date(1952, 12, 31)),
        st.text(alphabet="0123Aa%_", max_size=4),
        st.booleans(),
    ),
    max_size=8,
)


@st.composite
def search_text(draw: st.DrawFn, crowd: list[tuple[str, str, date, str, bool]]) -> str:
    """Text an MA might type: a changed-case piece of someone's name, a date, or anything."""
    choices = [name_text, st.text(max_size=12), st.dates(date(1950, 1, 1), date(1952, 12, 31))]
    if crowd:
        person = draw(st.sampled_from(crowd))
        piece = st.sampled_from([person[0], person[1], person[3], f"{person[0]}, {person[1]}"])
        cases: list[Callable[[str], str]] = [str.upper, str.lower, str]
        choices.append(
            st.tuples(piece, st.integers(0, 10), st.sampled_from(cases)).map(
                lambda t: t[2](t[0][: t[1]])
            )
        )
    chosen = draw(st.one_of(*choices))
    return chosen.strftime("%m/%d/%Y") if isinstance(chosen, date) else chosen


def _add_crowd(session: Session, crowd: list[tuple[str, str, date, str, bool]]) -> None:
    """The generated patients, each MRN made unique by its place in the crowd."""
    for number, (family, given_name, born, mrn, active) in enumerate(crowd):
        session.add(
            Patient(
                mrn=f"{mrn}{number}",
                family_name=family,
                given_name=given_name,
                birth_date=born,
                sex=Sex.UNKNOWN,
                active=active,
            )
        )


@settings(max_examples=300)  # a database round trip per example
@given(st.data(), people)
def test_the_database_search_agrees_with_matches(
    module_engine: Engine,
    data: st.DataObject,
    crowd: list[tuple[str, str, date, str, bool]],
) -> None:
    text = data.draw(search_text(crowd))
    query = parse_search(text, TODAY)
    if query is None:
        return
    with Session(module_engine) as session:
        _add_crowd(session, crowd)
        session.flush()
        everyone = session.exec(select(Patient)).all()
        expected = {
            p.id
            for p in everyone
            if p.active
            and matches(
                query, family=p.family_name, given=p.given_name, birth_date=p.birth_date, mrn=p.mrn
            )
        }
        found = search_patients(session, query, limit=100)
        ids = {p.id for p in found}
        keys = [(fold(p.family_name), fold(p.given_name)) for p in found]
        session.rollback()
    assert ids == expected
    assert keys == sorted(keys)


@settings(max_examples=200)  # a database round trip per example
@given(st.data(), people, st.integers(1, 4))
def test_a_limited_search_returns_that_many_matches_in_order(
    module_engine: Engine,
    data: st.DataObject,
    crowd: list[tuple[str, str, date, str, bool]],
    limit: int,
) -> None:
    """Fewer places than matches: every one shown matches, and no place is left empty."""
    text = data.draw(search_text(crowd))
    query = parse_search(text, TODAY)
    if query is None:
        return
    with Session(module_engine) as session:
        _add_crowd(session, crowd)
        session.flush()
        expected = {
            p.id
            for p in session.exec(select(Patient)).all()
            if p.active
            and matches(
                query, family=p.family_name, given=p.given_name, birth_date=p.birth_date, mrn=p.mrn
            )
        }
        found = search_patients(session, query, limit=limit)
        ids = [p.id for p in found]
        keys = [(fold(p.family_name), fold(p.given_name), p.id) for p in found]
        session.rollback()
    assert set(ids) <= expected
    assert len(ids) == len(set(ids)) == min(limit, len(expected))
    assert keys == sorted(keys)


# ------------------------------------------------------------ the search keys


def stored_keys(patient: Patient) -> tuple[str, str, str, str]:
    return (patient.family_key, patient.given_key, patient.name_key, patient.mrn_key)


def test_search_keys_are_filled_on_insert_and_kept_up_to_date(session: Session) -> None:
    patient = Patient(
        mrn="K-77", family_name="Nguyễn", given_name="Văn Đức", birth_date=TODAY, sex=Sex.MALE
    )
    session.add(patient)
    session.flush()
    assert stored_keys(patient) == ("nguyen", "van duc", "nguyenvan duc", "k-77")
    patient.family_name, patient.mrn = "D\u2019Árcy", "X1"
    session.flush()
    session.expire(patient)  # read back what the database holds
    assert stored_keys(patient) == ("darcy", "van duc", "darcyvan duc", "x1")
    assert find(session, "darc") == ["D\u2019Árcy, Văn Đức"]
    assert find(session, "nguy") == ["Nguyễn, Lan"]  # the other Nguyễn, not this one


def test_search_keys_cannot_be_set_by_hand(session: Session) -> None:
    patient = Patient(
        mrn="K-78", family_name="Whitfield", given_name="Zed", birth_date=TODAY, sex=Sex.MALE
    )
    patient.family_key = "someone else"
    session.add(patient)
    session.flush()
    assert patient.family_key == "whitfield"


@pytest.mark.parametrize(
    ("prefix", "bound"),
    [
        ("smi", "smj"),
        ("a", "b"),
        ("z", "{"),
        ("\ud7ff", "\ue000"),  # the surrogates are never in a text: skipped
        ("a\U0010ffff", "b"),
        ("\U0010ffff", None),
    ],
)
def test_prefix_upper_bound(prefix: str, bound: str | None) -> None:
    assert prefix_upper_bound(prefix) == bound


@given(st.text(min_size=1, max_size=6), st.text(max_size=6))
def test_a_prefix_range_is_exactly_starts_with(prefix: str, text: str) -> None:
    """``prefix <= key < bound``, the range the indexes read, in code-point order."""
    bound = prefix_upper_bound(prefix)
    for key in (text, prefix + text):
        in_range = key >= prefix and (bound is None or key < bound)
        assert in_range == key.startswith(prefix)


# ------------------------------------------------------------ the query plans


def plans(engine: Engine, session: Session, text: str) -> list[list[str]]:
    """SQLite's plan of each statement one search ran, line by line."""
    statements: list[tuple[str, Any]] = []

    def keep(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        statements.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", keep)
    try:
        find(session, text)
    finally:
        event.remove(engine, "before_cursor_execute", keep)
    connection = session.connection()
    return [
        [row[3] for row in connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}", params)]
        for sql, params in statements
        if sql.lstrip().upper().startswith("SELECT")
    ]


@pytest.mark.parametrize(
    ("text", "indexes"),
    [
        ("whit", {"ix_patient_search_family", "ix_patient_search_given", "ix_patient_search_name"}),
        ("whitfield, dana", {"ix_patient_search_family"}),
        (
            "whit da",
            {"ix_patient_search_family", "ix_patient_search_given", "ix_patient_search_name"},
        ),
        (", dana", {"ix_patient_search_given"}),
        ("4/12/68", {"ix_patient_birth_date"}),
        ("1000", {"ix_patient_search_mrn"}),
        ("04121968", {"ix_patient_birth_date", "ix_patient_search_mrn"}),
        ("w d", {"ix_patient_search_family", "ix_patient_search_given", "ix_patient_search_name"}),
    ],
)
def test_every_search_reads_indexes_never_the_whole_table(
    module_engine: Engine, session: Session, text: str, indexes: set[str]
) -> None:
    """Structural, not timing: each criterion is an index range (or the primary key)."""
    found = plans(module_engine, session, text)
    assert found, "no statement ran"
    lines = [line for plan in found for line in plan]
    assert not [line for line in lines if re.match(r"SCAN patient\b", line)], lines
    used = {match for line in lines for match in re.findall(r"INDEX (\w+)", line)}
    assert used == indexes, lines
    # Read in index order and stopped at the limit: only a date of birth is sorted.
    sorts = [line for line in lines if line.startswith("USE TEMP B-TREE")]
    assert len(sorts) == sum("(birth_date=?)" in line for line in lines), lines
    # Whole rows are then loaded by primary key, for the few found.
    if find(session, text):
        assert any("PRIMARY KEY" in line for line in found[-1]), found[-1]


def test_a_rare_given_name_under_a_common_family_prefix_reads_the_given_index(
    module_engine: Engine, session: Session
) -> None:
    """``s zo``: the given range is the smaller, so it is read, not every family in s."""
    for number in range(40):
        session.add(
            Patient(
                mrn=f"S{number}",
                family_name=f"Sa{number:02d}",
                given_name="Zoë" if number % 20 == 7 else "Ann",
                birth_date=TODAY,
                sex=Sex.UNKNOWN,
            )
        )
    session.flush()
    assert find(session, "s zo") == ["Sa07, Zoë", "Sa27, Zoë"]
    assert find(session, "s, zo") == ["Sa07, Zoë", "Sa27, Zoë"]
    _probe, read, _load = plans(module_engine, session, "s, zo")
    assert read == [
        "SEARCH patient USING INDEX ix_patient_search_given (given_key>? AND given_key<?)"
    ]
