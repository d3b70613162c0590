"""Checking a catalog file's parsed JSON, with messages that name the file and the place.

Each method takes any value (whatever ``json.loads`` gave) and either returns it with
its type narrowed or raises the error class given, so a loader built from them never
fails with anything else.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from enum import StrEnum
from typing import Any, TypeVar

_LOINC = re.compile(r"[0-9]{1,7}-[0-9]")
_LOINC_ANSWER = re.compile(r"LA[0-9]{1,7}-[0-9]")
_E = TypeVar("_E", bound=StrEnum)


def loinc_check_digit(body: str) -> int:
    """LOINC's mod 10 check digit of a code's digits before the dash (Luhn)."""
    total = 0
    for position, char in enumerate(reversed(body)):
        digit = int(char)
        if position % 2 == 0:
            digit *= 2
            digit = digit - 9 if digit > 9 else digit
        total += digit
    return (10 - total % 10) % 10


class JsonChecker:
    """Reads one file's JSON and names the place of whatever is wrong."""

    def __init__(self, filename: str, error_class: type[ValueError]) -> None:
        self.filename = filename
        self.error_class = error_class

    def error(self, where: str, message: str) -> ValueError:
        place = f" {where}:" if where else ""
        return self.error_class(f"catalog {self.filename}:{place} {message}")

    def mapping(self, value: object, where: str) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise self.error(where, "must be an object")
        return value

    def fields(
        self, value: object, where: str, *, required: set[str], optional: Iterable[str] = ()
    ) -> dict[str, Any]:
        """An object with every ``required`` key and no key but those and ``optional``."""
        entry = self.mapping(value, where or "the file")
        missing = required - set(entry)
        unknown = set(entry) - required - set(optional)
        if missing:
            raise self.error(where, f"lacks {', '.join(sorted(missing))}")
        if unknown:
            raise self.error(where, f"has unknown keys {', '.join(sorted(unknown))}")
        return entry

    def array(self, value: object, where: str) -> list[Any]:
        if not isinstance(value, list):
            raise self.error(where, "must be a list")
        return value

    def items(self, value: object, where: str) -> list[Any]:
        """A list with at least one element."""
        values = self.array(value, where)
        if not values:
            raise self.error(where, "must not be empty")
        return values

    def text(self, value: object, where: str) -> str:
        if not isinstance(value, str) or not value.strip() or value != value.strip():
            raise self.error(where, "must be a non-empty string without outer spaces")
        return value

    def optional_text(self, value: object, where: str) -> str | None:
        return None if value is None else self.text(value, where)

    def integer(self, value: object, where: str, low: int, high: int) -> int:
        # JSON true is a Python int: it is not a number here.
        if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
            raise self.error(where, f"must be a whole number from {low} to {high}")
        return value

    def boolean(self, value: object, where: str) -> bool:
        if not isinstance(value, bool):
            raise self.error(where, "must be true or false")
        return value

    def enum(self, kind: type[_E], value: object, where: str) -> _E:
        if isinstance(value, str) and value in {member.value for member in kind}:
            return kind(value)
        allowed = ", ".join(member.value for member in kind)
        raise self.error(where, f"must be one of {allowed}")

    def source(self, value: object, where: str, sources: Mapping[str, str]) -> str:
        """The id of one of ``sources``."""
        source_id = self.text(value, where)
        if source_id not in sources:
            raise self.error(where, f"{source_id!r} is not a source id")
        return source_id

    def loinc(self, value: object, where: str) -> str | None:
        """A LOINC code with a valid check digit, or None."""
        if value is None:
            return None
        text = self.text(value, where)
        if not _LOINC.fullmatch(text):
            raise self.error(where, f"{text!r} is not a LOINC code")
        body, digit = text.split("-")
        if loinc_check_digit(body) != int(digit):
            raise self.error(where, f"{text} has a wrong check digit")
        return text

    def answer_code(self, value: object, where: str) -> str:
        """A LOINC answer code (LA...): LOINC publishes no check digit rule for these."""
        text = self.text(value, where)
        if not _LOINC_ANSWER.fullmatch(text):
            raise self.error(where, f"{text!r} is not a LOINC answer code (LA...)")
        return text

    def any_code(self, value: object, where: str) -> str:
        """A LOINC code or a LOINC answer code."""
        text = self.text(value, where)
        if _LOINC_ANSWER.fullmatch(text):
            return text
        code = self.loinc(text, where)
        assert code is not None
        return code
