"""Text fit to store: what the person typed or pasted, as it shows, within its column.

Every domain cleans free text the same way before it keeps it (names, reasons,
credentials, imported values), so a pasted colour code, a right-to-left override or a
name typed decomposed on a Mac never reaches the database or another terminal.
"""

from __future__ import annotations

import re
import unicodedata

from sqlmodel import SQLModel

NAME_MAX = 200

# A terminal escape sequence, as pasted from a coloured terminal (``ESC[31m``): CSI;
# OSC/DCS/PM/APC/SOS strings ended by BEL or ST; any other ESC and its final byte.
_ESCAPE = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b[\]PX^_][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[ -/]*[0-~]"
)
_DROPPED = frozenset({"Cc", "Cf", "Cs", "Co", "Cn"})


def column_limit(model: type[SQLModel], name: str) -> int:
    """The most characters the model's text column ``name`` holds (its VARCHAR length).

    Fields take their limit from here, so what is typed always fits where it is stored
    (PostgreSQL refuses a longer value; SQLite would keep it too long).
    """
    length = getattr(model.__table__.c[name].type, "length", None)  # type: ignore[attr-defined]
    if not isinstance(length, int):
        raise ValueError(f"{model.__name__}.{name} is not a text column with a length")
    return length


def clean_text(text: str, *, limit: int = NAME_MAX) -> str:
    """Text fit to store: the text as it shows, NFC, single spaces, at most ``limit``.

    Line breaks, tabs and other white space become one space. Invisible characters
    are dropped, not replaced: terminal escape sequences whole, other control
    characters (NUL, BEL, ...) and format characters (bidirectional overrides such
    as U+202E, zero-width joiners and spaces, BOM, soft hyphen). NFC makes a name
    pasted decomposed (macOS) the same string as one typed precomposed. Cut to
    ``limit``, never between a letter and its combining marks.
    """
    visible = "".join(
        ch
        for ch in unicodedata.normalize("NFC", _ESCAPE.sub("", text))
        if ch.isspace() or unicodedata.category(ch) not in _DROPPED
    )
    single = " ".join(visible.split())
    if len(single) <= limit:
        return single
    cut = limit
    while cut > 0 and unicodedata.category(single[cut]).startswith("M"):
        cut -= 1
    return single[:cut].rstrip()
