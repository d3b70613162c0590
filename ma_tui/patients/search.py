"""Finding a patient from one line of text: name prefixes, a date of birth or an MRN.

Matching ignores case and accents (``ngu`` finds Nguyễn, ``luk`` and ``ŁUK`` find
Łukasz, ``obr`` finds O'Brien): both sides go through ``fold`` (``ma_tui.data.folding``).
A name prefix may also run on from the family name into the given name with no
space, as Korean, Chinese and Japanese names are written (``김민준`` finds 김, 민준).
``matches`` is the rule; ``search_patients`` asks the database for exactly the rows
it accepts and checks each again, so the two always agree.

How the database search stays fast with a million patients: every patient row
stores its names and MRN folded (``family_key``, ``given_key``, ``name_key`` for the
two run together, ``mrn_key``; kept up to date by ``data.models``), each in a
B-tree index. A prefix is then a range of one index, ``key >= prefix AND key <
bound`` (``prefix_upper_bound``), read in order and stopped at ``limit``: each
criterion of the query is one such range (a date of birth an equality), and the
ranges are joined by UNION ALL rather than OR, which would defeat the indexes. A
family and a given prefix together read one range and filter on the other
(``_plan_family_and_given``). Folded text is only ever a bound parameter, so
``%``, ``_``, ``\\`` and quotes in the search are plain text by construction.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field, fields
from datetime import date
from functools import lru_cache
from typing import Any, Protocol

from sqlalchemy import (
    ColumnElement,
    CompoundSelect,
    Integer,
    ScalarSelect,
    Select,
    bindparam,
    func,
    inspect,
    union_all,
)
from sqlalchemy import select as select_columns
from sqlmodel import Session, col, select

from ma_tui.core.parsing import ParseError, parse_date_of_birth
from ma_tui.data.folding import DROPPED_CATEGORIES, fold, prefix_upper_bound
from ma_tui.data.models.patients import Patient

__all__ = [
    "PatientQuery",
    "fold",
    "matches",
    "parse_search",
    "search_patients",
]


def _folded(value: str | None) -> str | None:
    if value is None:
        return None
    return fold(value) or None


@dataclass(frozen=True)
class PatientQuery:
    """What to look for. A patient matches when any criterion that is set matches.

    - ``family``/``given``: one criterion, both prefixes must match (an unset one
      matches anything): ``whitfield, dana``.
    - ``name``: a prefix of the family name or of the given name: ``whit``; or of
      both run together with no space: ``김민준``.
    - ``birth_date``: the date of birth, exactly.
    - ``mrn``: a prefix of the MRN.

    Prefixes are stored folded (see ``fold``); one that folds to nothing is unset.
    """

    family: str | None = None
    given: str | None = None
    name: str | None = None
    birth_date: date | None = None
    mrn: str | None = None

    def __post_init__(self) -> None:
        for item in fields(self):
            if item.name != "birth_date":
                object.__setattr__(self, item.name, _folded(getattr(self, item.name)))

    @property
    def is_empty(self) -> bool:
        """True when nothing is set: such a query matches no one."""
        return all(getattr(self, item.name) is None for item in fields(self))


def parse_search(text: str, today: date) -> PatientQuery | None:
    """The query the MA typed, or None for a blank field.

    - ``whitfield, dana``: family and given prefixes (the comma makes it explicit).
    - ``whit da``: family prefix ``whit`` and given prefix ``da``, or the whole
      text as a prefix of either name (for ``de la cruz``, ``mary ann``).
    - ``whit``: one word is a prefix of the family *or* the given name.
    - a date of birth in any form ``parse_date_of_birth`` takes (``4/12/68``).
    - one word with a digit is an MRN prefix; digits that are also a valid date of
      birth (``04121968``) search both.
    """
    cleaned = " ".join(
        "".join(ch for ch in text if unicodedata.category(ch) not in DROPPED_CATEGORIES).split()
    )
    if not cleaned:
        return None
    if "," in cleaned:
        family, given = cleaned.split(",", 1)
        return PatientQuery(family=family, given=given)
    born = _date_of_birth(cleaned, today)
    if born is not None:
        # Digits alone may be an MRN too; a date with separators is only a date.
        return PatientQuery(birth_date=born, mrn=cleaned if _is_ascii_digits(cleaned) else None)
    words = cleaned.split(" ")
    if len(words) == 1 and any(ch.isdigit() for ch in cleaned):
        return PatientQuery(mrn=cleaned)
    if len(words) == 1:
        return PatientQuery(name=cleaned)
    return PatientQuery(family=words[0], given=" ".join(words[1:]), name=cleaned)


def _is_ascii_digits(text: str) -> bool:
    return text.isascii() and text.isdigit()


def _date_of_birth(text: str, today: date) -> date | None:
    try:
        return parse_date_of_birth(text, today)
    except ParseError:
        return None


def matches(query: PatientQuery, *, family: str, given: str, birth_date: date, mrn: str) -> bool:
    """Whether one patient matches ``query``; the rule ``search_patients`` applies too."""
    if query.birth_date is not None and birth_date == query.birth_date:
        return True
    if query.mrn is not None and fold(mrn).startswith(query.mrn):
        return True
    if query.family is None and query.given is None and query.name is None:
        return False
    family, given = fold(family), fold(given)
    if query.family is not None or query.given is not None:
        family_ok = query.family is None or family.startswith(query.family)
        if family_ok and (query.given is None or given.startswith(query.given)):
            return True
    # The family name's prefix, run on into the given name: 김민준 for 김, 민준.
    return query.name is not None and (
        f"{family}{given}".startswith(query.name) or given.startswith(query.name)
    )


class Person(Protocol):
    """Whatever names a patient as the search reads one (a queue row, a stored patient)."""

    @property
    def family_name(self) -> str: ...
    @property
    def given_name(self) -> str: ...
    @property
    def birth_date(self) -> date: ...
    @property
    def mrn(self) -> str: ...


def person_matches(query: PatientQuery, person: Person) -> bool:
    """``matches`` for anything that carries a patient's names, birth date and MRN."""
    return matches(
        query,
        family=person.family_name,
        given=person.given_name,
        birth_date=person.birth_date,
        mrn=person.mrn,
    )


# A family prefix this short may cover a tenth of all patients (``s``): with a given
# prefix too, count the two ranges first, up to PROBE_ROWS index entries each.
PROBE_BELOW = 3
PROBE_ROWS = 2000

# The SQL is built once per shape of query (which pieces, in which order) with
# bound parameters, and reused: building it is most of the cost of a search.
# A term is (column, parameter, how): ``=`` equal, ``prefix`` the range from the
# parameter to ``<parameter>_end``, ``from`` no upper end (see prefix_upper_bound).
_Term = tuple[str, str, str]
# A piece is the index order it is read in (a key of _ORDERS) and its terms.
_Spec = tuple[str, tuple[_Term, ...]]
_ORDERS = {
    "family": ("family_key", "given_key", "id"),
    "given": ("given_key", "family_key", "id"),
    "name": ("name_key", "id"),
    "mrn": ("mrn_key", "id"),
}
_PATIENT = inspect(Patient).local_table
_LIMIT = bindparam("limit", type_=Integer)
_MOST = bindparam("most", type_=Integer)
_BY_IDS = select(Patient).where(col(Patient.id).in_(bindparam("ids", expanding=True)))


def search_patients(session: Session, query: PatientQuery, *, limit: int = 50) -> list[Patient]:
    """Active patients matching ``query``, by family then given name, at most ``limit``.

    Each way of matching (a family prefix, a given prefix, ...) reads at most
    ``limit`` rows off its own index, in that index's order, and the rows are
    merged in ``fold`` order (family, given, id). So when everything matching fits
    in ``limit`` the result is all of it, in order. When more match it is ``limit``
    of them, in order: the first ones of each way in its index's order.
    """
    if query.is_empty or limit <= 0:
        return []
    plan = _Plan()
    _plan_criteria(session, query, plan)
    if not plan.pieces:
        return []
    rows = session.execute(_union(tuple(plan.pieces)), {**plan.params, "limit": limit})
    found = {row[0]: (row[1], row[2], row[0]) for row in rows}
    ids = [patient_id for *_, patient_id in sorted(found.values())[:limit]]
    if not ids:
        return []
    patients = {p.id: p for p in session.exec(_BY_IDS, params={"ids": ids})}
    # The rule, checked again on the stored names: keys written around the ORM
    # (plain SQL) cannot bring back someone who does not match.
    return [
        patient
        for patient in (patients[patient_id] for patient_id in ids)
        if person_matches(query, patient)
    ]


@dataclass
class _Plan:
    """The pieces of one search and the values of their parameters."""

    pieces: list[_Spec] = field(default_factory=list)
    params: dict[str, object] = field(default_factory=dict)

    def prefix(self, column: str, value: str) -> _Term:
        """``column`` starts with ``value``."""
        name = f"p{len(self.params)}"
        self.params[name] = value
        end = prefix_upper_bound(value)
        if end is None:
            return (column, name, "from")
        self.params[f"{name}_end"] = end
        return (column, name, "prefix")

    def equal(self, column: str, value: object) -> _Term:
        name = f"p{len(self.params)}"
        self.params[name] = value
        return (column, name, "=")


def _plan_criteria(session: Session, query: PatientQuery, plan: _Plan) -> None:
    """One piece per way a patient can match ``query``, each one index range.

    Together they return exactly the active patients ``matches`` accepts: a prefix
    range of a folded key is exactly ``startswith`` on it (see ``ma_tui.data.folding``).
    """
    if query.family is not None and query.given is not None:
        _plan_family_and_given(session, query.family, query.given, plan)
    elif query.family is not None:
        plan.pieces.append(("family", (plan.prefix("family_key", query.family),)))
    elif query.given is not None:
        plan.pieces.append(("given", (plan.prefix("given_key", query.given),)))
    if query.name is not None:
        plan.pieces.append(("family", (plan.prefix("family_key", query.name),)))
        plan.pieces.append(("given", (plan.prefix("given_key", query.name),)))
        # The family name run on into the given name (김민준); it also holds the
        # family prefixes above, but read in another order.
        plan.pieces.append(("name", (plan.prefix("name_key", query.name),)))
    if query.birth_date is not None:
        # A few dozen people share a birthday even among a million: sorted at once.
        plan.pieces.append(("family", (plan.equal("birth_date", query.birth_date),)))
    if query.mrn is not None:
        plan.pieces.append(("mrn", (plan.prefix("mrn_key", query.mrn),)))


def _plan_family_and_given(session: Session, family: str, given: str, plan: _Plan) -> None:
    """Both prefixes: the family range read in order, the given prefix a filter on it.

    That reads the family names in the range up to ``limit`` matches: few unless
    the family prefix is short. Read so, ``s zz`` would go through every family
    name in ``s`` looking for a given name in ``zz``: for a short family prefix both
    ranges are counted first (up to ``PROBE_ROWS``), and a given range that is
    smaller is read instead, in given-name order. An empty one matches no one.
    """
    terms = (plan.prefix("family_key", family), plan.prefix("given_key", given))
    if len(family) >= PROBE_BELOW:
        plan.pieces.append(("family", terms))
        return
    counts = session.execute(_probe(terms), {**plan.params, "most": PROBE_ROWS})
    in_family, in_given = counts.one()
    if not in_family or not in_given:
        return
    plan.pieces.append(("given" if in_given < in_family else "family", terms))


@lru_cache(maxsize=256)
def _union(pieces: tuple[_Spec, ...]) -> Select[int | None, str, str] | CompoundSelect[Any]:
    """The pieces' selects, each limited, joined by UNION ALL."""
    selects = [
        _select(terms).order_by(*(_column(name) for name in _ORDERS[order])).limit(_LIMIT)
        for order, terms in pieces
    ]
    if len(selects) == 1:
        return selects[0]
    return union_all(*(piece.subquery().select() for piece in selects))


@lru_cache(maxsize=16)
def _probe(terms: tuple[_Term, _Term]) -> Select[int, int]:
    """How many patients each term covers, counted up to the parameter ``most``."""

    def count_up_to(term: _Term) -> ScalarSelect[int]:
        rows = select_columns(_column("id")).where(_condition(term)).limit(_MOST).subquery()
        return select_columns(func.count()).select_from(rows).scalar_subquery()

    return select_columns(count_up_to(terms[0]), count_up_to(terms[1]))


def _select(terms: tuple[_Term, ...]) -> Select[int | None, str, str]:
    """Active patients meeting ``terms``: their id and the keys results sort by."""
    return select_columns(_column("id"), _column("family_key"), _column("given_key")).where(
        _column("active").is_(True), *(_condition(term) for term in terms)
    )


def _condition(term: _Term) -> ColumnElement[bool]:
    column_name, name, how = term
    column = _column(column_name)
    if how == "=":
        return column == bindparam(name)
    if how == "from":
        return column >= bindparam(name)
    # A prefix as a range an index reads; the text is only ever a bound parameter.
    return (column >= bindparam(name)) & (column < bindparam(f"{name}_end"))


def _column(name: str) -> ColumnElement[Any]:
    return _PATIENT.c[name]
