"""Folding text for patient search, and the folded keys stored beside each patient.

``fold`` is the one comparison key of search: no case, no accents, no apostrophes,
single spaces, Hangul split into its letters (jamo). ``ma_tui.patients.search`` matches
with it, and every ``Patient`` row stores its names and MRN folded
(``patient_search_keys``, filled at each insert and update by ``data.models``), so
that a prefix search is a B-tree range scan:
``key >= prefix AND key < prefix_upper_bound(prefix)``.

That range is exactly "starts with ``prefix``" when the database compares the keys
by code point. SQLite's default BINARY collation compares UTF-8 bytes, which is
code-point order; on PostgreSQL the key columns are declared ``COLLATE "C"``
(``SEARCH_KEY``), byte order again, because a linguistic collation (en_US, ICU)
orders ``a-b`` and ``ab`` by rules under which a range is no prefix test, and an
index in it could not serve the range anyway. Python's ``str`` order is the same
code-point order, so rows sorted by the database and by Python agree.

Changing ``fold`` changes what the stored keys should be: it needs a migration
that computes them again (as ``0007_patient_search_keys`` does).
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache

import sqlalchemy as sa

# Control, format and surrogate characters: never part of a name or a search.
DROPPED_CATEGORIES = frozenset({"Cc", "Cf", "Cs"})
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
_MAX_CODE_POINT = 0x10FFFF
_SURROGATES = range(0xD800, 0xE000)

# The type of a folded key column: compared by code point on both databases.
SEARCH_KEY = sa.String().with_variant(sa.String(collation="C"), "postgresql")


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
        and unicodedata.category(ch) not in DROPPED_CATEGORIES
    )
    return " ".join(kept.translate(_LETTERS).split())


def patient_search_keys(family_name: str, given_name: str, mrn: str) -> dict[str, str]:
    """The folded keys a patient row stores, by column name.

    ``name_key`` is the family name run on into the given name with no space, as
    Korean, Chinese and Japanese names are written (김민준 for 김, 민준).
    """
    family_key, given_key = fold(family_name), fold(given_name)
    return {
        "family_key": family_key,
        "given_key": given_key,
        "name_key": family_key + given_key,
        "mrn_key": fold(mrn),
    }


def prefix_upper_bound(prefix: str) -> str | None:
    """The least text above every text that starts with ``prefix``, in code-point order.

    So ``prefix <= key < bound`` is ``key.startswith(prefix)``. None when there is
    no such text (``prefix`` is all U+10FFFF): then ``key >= prefix`` alone is the test.
    """
    kept = prefix.rstrip(chr(_MAX_CODE_POINT))
    if not kept:
        return None
    following = ord(kept[-1]) + 1
    if following in _SURROGATES:  # never in a text, so skip them
        following = _SURROGATES.stop
    return kept[:-1] + chr(following)
