"""Reading the values of an incoming resource: what every ``from_fhir`` shares.

Each reader takes any JSON value and returns what ma-tui stores, or None when the
resource does not say; a value that is there but unusable raises ``Rejected`` with
the report's reason. Text is stored cleaned of control characters, and text longer
than its column rejects the resource: nothing is ever cut.
"""

from __future__ import annotations

import re
import sys
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar

from sqlmodel import SQLModel

from ma_tui.fhir import codes
from ma_tui.patients.registration import clean_text, column_limit

JSON = dict[str, Any]
_T = TypeVar("_T")

UNLIMITED = sys.maxsize
_SHOWN_MAX = 40  # characters of a bad value echoed back in a reason
_NUMBER_DIGITS = 30  # a dose or an age with more digits than this is not one
_FULL_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


class Rejected(Exception):
    """The resource cannot be imported; the message is the report's reason."""


# ------------------------------------------------------------------ wording


def shown(value: Any) -> str:
    """A bad value as a reason quotes it: short, escaped, one line."""
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "a list"
    text = repr(value)
    return text if len(text) <= _SHOWN_MAX else text[: _SHOWN_MAX - 1] + "…"


def shortened(text: str, limit: int) -> str:
    one_line = clean_text(text, limit=UNLIMITED)
    return one_line if len(one_line) <= limit else one_line[: limit - 1] + "…"


# ------------------------------------------------------------------ shapes


def obj(value: Any) -> JSON | None:
    return value if isinstance(value, dict) else None


def objs(value: Any) -> list[JSON]:
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def string(value: Any) -> str | None:
    return value if isinstance(value, str) else None


# -------------------------------------------------------------------- text


def clean(value: Any) -> str | None:
    """Text fit to store: no control characters, single spaces; None when empty."""
    if not isinstance(value, str):
        return None
    return clean_text(value, limit=UNLIMITED) or None


def column_text(value: Any, model: type[SQLModel], column: str, what: str) -> str | None:
    """``value`` cleaned for ``model.column``; too long rejects the resource (never cut)."""
    text = clean(value)
    limit = column_limit(model, column)
    if text is not None and len(text) > limit:
        raise Rejected(f"{what} is {len(text)} characters long; ma-tui keeps at most {limit}")
    return text


def required(value: _T | None, reason: str) -> _T:
    if value is None:
        raise Rejected(reason)
    return value


# ----------------------------------------------------------------- numbers


def boolean(value: Any, what: str, default: bool | None) -> bool | None:
    """A JSON boolean; the strings the FHIR model also accepts ("true", "no", ...) too.
    ``default`` when absent (None: not said, which leaves a stored value as it is)."""
    if value is None:
        return default
    if isinstance(value, bool):
        return value
    word = str(value).strip().casefold()
    if word in {"true", "t", "yes", "y", "on", "1"}:
        return True
    if word in {"false", "f", "no", "n", "off", "0"}:
        return False
    raise Rejected(f"{what}: {shown(value)} is not true or false")


def whole_number(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isascii() and value.strip().isdigit():
        return int(value.strip())  # the model allows at most 2**31 - 1: never a huge one
    return None


def number_text(value: Any) -> str | None:
    """A quantity's value as written for people: 2, 0.5, 1250 (never 1.25e+03)."""
    if isinstance(value, bool) or not isinstance(value, int | float | str | Decimal):
        return None
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        return None
    # Written out digit by digit below: "1e999999999" would be a billion characters.
    if not number.is_finite() or abs(number.adjusted()) > _NUMBER_DIGITS:
        return None
    return format(number.normalize(), "f")


# ------------------------------------------------------------------- codes


def code_pairs(concept: Any) -> list[tuple[str | None, str]]:
    """A CodeableConcept's (system, code) pairs."""
    pairs: list[tuple[str | None, str]] = []
    for coding in objs((obj(concept) or {}).get("coding")):
        code = string(coding.get("code"))
        if code and code.strip():
            pairs.append((string(coding.get("system")), code.strip()))
    return pairs


def has_code(concept: Any, code: str, system: str) -> bool:
    """True when a coding has ``code`` in ``system`` (or in no system: senders omit it)."""
    return any(c == code and s in (system, None) for s, c in code_pairs(concept))


def status_code(concept: Any, system: str) -> str | None:
    """A status concept's code: the one in ``system``, else the first coding's."""
    found = codes.concept_code(concept, system)
    if found is not None:
        return found
    pairs = code_pairs(concept)
    return pairs[0][1] if pairs else None


# ------------------------------------------------------------------- times


def full_date(value: Any, what: str) -> date | None:
    """The date of a FHIR date or dateTime (its date part as written); None when absent."""
    text = string(value)
    if text is None:
        return None
    if not _FULL_DATE.match(text):
        raise Rejected(f"{what}: {shown(text)} is not a full date (YYYY-MM-DD)")
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        raise Rejected(f"{what}: {shown(text)} is not a valid date") from None


def read_instant(text: str, what: str) -> datetime:
    """An instant with its offset, as an aware UTC datetime."""
    try:
        moment = datetime.fromisoformat(text)
        if moment.tzinfo is None:
            raise Rejected(f"{what}: {shown(text)} has no time zone offset")
        return moment.astimezone(UTC)
    except (ValueError, OverflowError):
        raise Rejected(f"{what}: {shown(text)} is not a valid date and time") from None


def recorded_at(value: Any, now: datetime) -> datetime:
    """When an entry was recorded: a dateTime with offset, a date (midnight UTC), else now."""
    text = string(value)
    if text is None:
        return now
    try:
        if len(text) == 10 and _FULL_DATE.fullmatch(text):
            return datetime.combine(date.fromisoformat(text), datetime.min.time(), UTC)
        moment = datetime.fromisoformat(text)
        return moment.astimezone(UTC) if moment.tzinfo is not None else now
    except (ValueError, OverflowError):
        return now
