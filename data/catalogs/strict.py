"""Reading a structured catalog file field by field, each bad field named with its place.

The point-of-care test, vaccine and schedule catalogs are richer than the name lists
of ``ma_tui.data.catalogs``: nested objects, codes, numbers, dates. :class:`Node` wraps
one JSON value with its place in the file (``tests[2].analytes[0].loinc``), so every
check can say exactly where a hand edit went wrong, and a file either loads whole or
raises :class:`~ma_tui.data.catalogs.CatalogError`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from ma_tui.data.catalogs import CatalogError

CATALOG_DIR = Path(__file__).parent

# A duration in a schedule: a number and one unit, days, weeks, months or years.
DURATION = re.compile(r"(?P<n>[0-9]{1,3})(?P<unit>[dwmy])")


def load(filename: str) -> Node:
    """The parsed file as the root :class:`Node`; a missing or invalid file says so."""
    path = CATALOG_DIR / filename
    try:
        document = json.loads(path.read_text(encoding="utf-8"), parse_float=Decimal)
    except FileNotFoundError as exc:
        raise CatalogError(f"catalog {filename}: file not found at {path}") from exc
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise CatalogError(f"catalog {filename}: cannot be read: {exc}") from exc
    return Node(filename, "", document)


class Node:
    """One value of a catalog file and where it is."""

    def __init__(self, filename: str, place: str, value: Any) -> None:
        self.filename = filename
        self.place = place
        self.value = value

    def error(self, message: str) -> CatalogError:
        where = f" {self.place}" if self.place else ""
        return CatalogError(f"catalog {self.filename}:{where} {message}")

    def _child(self, key: str | int, value: Any) -> Node:
        if isinstance(key, int):
            return Node(self.filename, f"{self.place}[{key}]", value)
        return Node(self.filename, f"{self.place}.{key}" if self.place else key, value)

    # ------------------------------------------------------------ containers

    def object(self, required: set[str], optional: set[str] | None = None) -> Node:
        """This node, checked to be an object with exactly these keys (some optional)."""
        if not isinstance(self.value, dict):
            raise self.error("must be an object")
        missing = required - set(self.value)
        unknown = set(self.value) - required - (optional or set())
        if missing:
            raise self.error(f"lacks {', '.join(sorted(missing))}")
        if unknown:
            raise self.error(f"has unknown keys {', '.join(sorted(unknown))}")
        return self

    def __getitem__(self, key: str) -> Node:
        if not isinstance(self.value, dict):
            raise self.error("must be an object")
        return self._child(key, self.value.get(key))

    def has(self, key: str) -> bool:
        return isinstance(self.value, dict) and self.value.get(key) is not None

    def items(self, *, allow_empty: bool = False) -> Iterator[Node]:
        """Each element of this list, in order."""
        if not isinstance(self.value, list) or (not self.value and not allow_empty):
            raise self.error("must be a non-empty list" if not allow_empty else "must be a list")
        for index, value in enumerate(self.value):
            yield self._child(index, value)

    def optional_items(self) -> Iterator[Node]:
        """The elements of an optional list: none when the key is absent."""
        if self.value is None:
            return iter(())
        return self.items(allow_empty=True)

    # ---------------------------------------------------------------- scalars

    def text(self) -> str:
        if not isinstance(self.value, str) or not self.value or self.value != self.value.strip():
            raise self.error("must be a non-empty string without outer spaces")
        return self.value

    def optional_text(self) -> str | None:
        return None if self.value is None else self.text()

    def texts(self) -> tuple[str, ...]:
        """A list of non-empty strings; an absent key is no strings."""
        return tuple(node.text() for node in self.optional_items())

    def word(self) -> str:
        """A lower-case word a line may contain: no spaces, as the MA types it."""
        text = self.text()
        if text != text.lower() or any(ch.isspace() for ch in text):
            raise self.error(f"{text!r} must be lower case without spaces")
        return text

    def words(self) -> tuple[str, ...]:
        return tuple(node.word() for node in self.optional_items())

    def boolean(self) -> bool:
        if not isinstance(self.value, bool):
            raise self.error("must be true or false")
        return self.value

    def decimal(self) -> Decimal:
        value = self.value
        if isinstance(value, bool) or not isinstance(value, (int, Decimal)):
            raise self.error("must be a number")
        try:
            return Decimal(value)
        except InvalidOperation as exc:  # pragma: no cover - json gives only finite numbers
            raise self.error("must be a finite number") from exc

    def optional_decimal(self) -> Decimal | None:
        return None if self.value is None else self.decimal()

    def integer(self, *, minimum: int = 0) -> int:
        if isinstance(self.value, bool) or not isinstance(self.value, int):
            raise self.error("must be a whole number")
        if self.value < minimum:
            raise self.error(f"must be at least {minimum}")
        return self.value

    def day(self) -> date:
        """An ISO date, ``2021-08-06``."""
        text = self.text()
        try:
            return date.fromisoformat(text)
        except ValueError as exc:
            raise self.error(f"{text!r} is not a date YYYY-MM-DD") from exc

    def duration(self) -> str:
        """A schedule duration such as ``6w``, ``2m`` or ``10y``, kept as written."""
        text = self.text()
        if not DURATION.fullmatch(text):
            raise self.error(f"{text!r} is not a duration like 0d, 6w, 2m or 10y")
        return text

    def optional_duration(self) -> str | None:
        return None if self.value is None else self.duration()

    def choice(self, allowed: tuple[str, ...]) -> str:
        text = self.text()
        if text not in allowed:
            raise self.error(f"{text!r} is not one of {', '.join(allowed)}")
        return text

    def matching(self, pattern: re.Pattern[str], what: str) -> str:
        text = self.text()
        if not pattern.fullmatch(text):
            raise self.error(f"{text!r} is not {what}")
        return text
