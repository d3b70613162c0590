"""Finding a patient from one line of text: name prefixes, a date of birth or an MRN.

Matching ignores case and accents (``ngu`` finds Nguyễn, ``luk`` and ``ŁUK`` find
Łukasz, ``obr`` finds O'Brien): both sides go through ``fold``. A name prefix may
also run on from the family name into the given name with no space, as Korean,
Chinese and Japanese names are written (``김민준`` finds 김, 민준). ``matches`` is the
rule; ``search_patients`` asks the database for a superset of the matches with
portable SQL (SQLite and PostgreSQL, no schema change, no collation or extension)
and keeps the rows ``matches`` accepts, so the two always agree.

Why the SQL filter is a superset: ASCII letters and digits fold to exactly their
lower case, one for one. So a name that folds to ``q...`` either starts with ``q``
in ASCII (either case), or has some other character at a position ``j`` within
``q``'s length after ``j`` ASCII characters that spell ``q[:j]``. The SQL walks the
first few characters of ``q`` that way (``substr(name, j, 1)`` compared with
``IN``/``NOT IN``); any other character keeps the row for Python to decide, and so
does the end of the name (``substr`` gives ``''``), which keeps a family name that
folds to a part of ``q`` for the family-and-given-run-together rule. No
LIKE pattern is built, so ``%``, ``_``, ``\\`` and quotes in the search are
plain text by construction. Assumes deterministic collations (the defaults).
"""

from __future__ import annotations

import string
import unicodedata
from dataclasses import dataclass, fields
from datetime import date
from functools import lru_cache

from sqlalchemy import ColumnElement, and_, false, func, or_, true
from sqlalchemy import select as select_columns
from sqlalchemy.orm import Mapped
from sqlmodel import Session, col, select

from data.models import Patient
from ma_tui.parsing import ParseError, parse_date_of_birth

# Characters that fold to exactly their ASCII lower case; everything else is "unknown".
STABLE = tuple(string.ascii_letters + string.digits)
# How many folded characters of a prefix go into SQL: enough to narrow, bounded in size.
SQL_PREFIX_CHARS = 4
SQL_BATCH = 200  # candidate rows fetched at a time
# Apostrophes (straight, curly, modifier letter) are dropped: obrien finds O'Brien.
_APOSTROPHES = frozenset("'`\u2018\u2019\u02bc")
# Letters with no Unicode decomposition, which an English keyboard types as these.
_LETTERS = str.maketrans(
    {
        "ł": "l",
        "đ": "d",
        "ð": "d",
        "ø": "o",
        "ħ": "h",
        "ŧ": "t",
        "\u0131": "i",  # dotless i
        "ŀ": "l",
        "æ": "ae",
        "œ": "oe",
        "þ": "th",
    }
)
_DROPPED_CATEGORIES = frozenset({"Cc", "Cf", "Cs"})


@lru_cache(maxsize=1 << 16)  # the same names are folded on every keystroke
def fold(text: str) -> str:
    """The key two texts are compared by: no case, no accents, no apostrophes, single spaces.

    Marks are dropped after a compatibility decomposition (NFKD). That also splits
    Hangul syllables into their letters (jamo), so ``기`` is a prefix of ``김``.
    """
    decomposed = unicodedata.normalize("NFKD", unicodedata.normalize("NFKD", text).casefold())
    kept = "".join(
        ch
        for ch in decomposed
        if ch not in _APOSTROPHES
        and unicodedata.category(ch)[0] != "M"
        and unicodedata.category(ch) not in _DROPPED_CATEGORIES
    )
    return " ".join(kept.translate(_LETTERS).split())


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
        "".join(ch for ch in text if unicodedata.category(ch) not in _DROPPED_CATEGORIES).split()
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


def search_patients(session: Session, query: PatientQuery, *, limit: int = 50) -> list[Patient]:
    """Active patients matching ``query``, by family then given name, at most ``limit``.

    The database returns candidates in case-insensitive name order and reading stops
    at ``limit`` matches, so a one-letter search does not read the whole table. The
    kept rows are then put in ``fold`` order (accents ignored), which is the exact
    order whenever everything matching fits in ``limit``.
    """
    if query.is_empty or limit <= 0:
        return []
    family, given = col(Patient.family_name), col(Patient.given_name)
    # Only the compared columns are read; whole rows are loaded for the few kept.
    statement = (
        select_columns(col(Patient.id), family, given, col(Patient.birth_date), col(Patient.mrn))
        .where(col(Patient.active).is_(True), _candidates(query))
        .order_by(func.lower(family), func.lower(given), col(Patient.id))
        .execution_options(yield_per=SQL_BATCH)
    )
    kept: list[tuple[str, str, int]] = []
    result = session.execute(statement)
    try:
        for patient_id, family_name, given_name, birth_date, mrn in result:
            if matches(query, family=family_name, given=given_name, birth_date=birth_date, mrn=mrn):
                kept.append((fold(family_name), fold(given_name), patient_id))
                if len(kept) == limit:
                    break
    finally:
        result.close()
    if not kept:
        return []
    ids = [patient_id for *_, patient_id in sorted(kept)]
    patients = {p.id: p for p in session.exec(select(Patient).where(col(Patient.id).in_(ids)))}
    return [patients[patient_id] for patient_id in ids]


def _candidates(query: PatientQuery) -> ColumnElement[bool]:
    """A SQL condition true for every patient ``matches`` accepts (and maybe a few more)."""
    family, given = col(Patient.family_name), col(Patient.given_name)
    criteria: list[ColumnElement[bool]] = []
    if query.family is not None or query.given is not None:
        parts = [
            _prefix_filter(column, prefix)
            for column, prefix in ((family, query.family), (given, query.given))
            if prefix is not None
        ]
        criteria.append(and_(*parts))
    if query.name is not None:
        criteria.append(or_(_prefix_filter(family, query.name), _prefix_filter(given, query.name)))
    if query.birth_date is not None:
        criteria.append(col(Patient.birth_date) == query.birth_date)
    if query.mrn is not None:
        criteria.append(_prefix_filter(col(Patient.mrn), query.mrn))
    return or_(false(), *criteria)


def _prefix_filter(column: Mapped[str], prefix: str, position: int = 0) -> ColumnElement[bool]:
    """Rows whose ``column`` may fold to something starting with ``prefix`` (see module doc).

    Character by character: an unknown character here (not an ASCII letter or
    digit) may fold to anything, so the row stays; a letter or digit must be the
    prefix's next one, in either case. Only single ASCII letters and digits from
    the user's text reach SQL, always as bound parameters.
    """
    if position == min(len(prefix), SQL_PREFIX_CHARS):
        return true()
    here = func.substr(column, position + 1, 1)
    unknown = here.not_in(STABLE)
    wanted = prefix[position]
    if wanted not in STABLE:
        return unknown  # a known character never folds to it
    same = here.in_(sorted({wanted, wanted.upper()}))
    return or_(unknown, and_(same, _prefix_filter(column, prefix, position + 1)))
