"""Reference catalogs for autocomplete in the history, chief-complaint, walk-in and
check-in screens.

Each catalog is a JSON file in ``data/catalogs/`` with a ``source`` line saying where
its content comes from and a list of ``items``. The loaders read a file once, check
its structure and give back frozen, typed items; a malformed file raises
:class:`CatalogError` naming the file and the bad entry.

:func:`suggest` ranks the items for what the MA has typed so far, and
:func:`medication_line` renders a medication with one of its dose forms as the line
the history keeps ("lisinopril 10 mg oral once daily").
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, Protocol, TypeVar

from ma_tui.data.models.history import AllergyCategory

CATALOG_DIR = Path(__file__).parent

# The HPI elements (OLDCARTS) a chief complaint may prompt for; each is an
# ``Encounter.hpi_<field>`` column.
HPI_FIELDS: tuple[str, ...] = (
    "onset",
    "location",
    "duration",
    "character",
    "aggravating",
    "alleviating",
    "radiation",
    "timing",
    "severity",
    "associated",
)

# An ICD-10-CM code: letter, digit, letter or digit, then up to four characters.
_ICD10CM = re.compile(r"[A-Z][0-9][0-9A-Z](\.[0-9A-Z]{1,4})?")


class CatalogError(ValueError):
    """A catalog file is missing, is not valid JSON, or has a malformed entry."""


# ---------------------------------------------------------------------- items


@dataclass(frozen=True, slots=True)
class CatalogItem:
    """A condition, procedure, allergen, reaction, relation, frequency or route."""

    name: str
    code: str | None = None  # ICD-10-CM for conditions; None elsewhere
    aliases: tuple[str, ...] = ()
    category: str | None = None  # an AllergyCategory value for allergens


@dataclass(frozen=True, slots=True)
class DoseForm:
    """One usual way of taking a medication: "10 mg", "oral", "once daily"."""

    dose: str
    route: str
    frequency: str


@dataclass(frozen=True, slots=True)
class MedicationItem:
    name: str  # generic name, lower-case
    aliases: tuple[str, ...]  # brand names and abbreviations
    forms: tuple[DoseForm, ...]  # the most common first


@dataclass(frozen=True, slots=True)
class Complaint:
    """A chief complaint for the quick-pick, with the HPI elements to ask first."""

    name: str
    aliases: tuple[str, ...] = ()
    hpi: tuple[str, ...] = ()  # values from HPI_FIELDS


# ------------------------------------------------------------------ loading


class _Reader:
    """Checks one catalog file's JSON and reports errors with the entry's place."""

    def __init__(self, filename: str) -> None:
        self.filename = filename
        path = CATALOG_DIR / filename
        try:
            document = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError as exc:
            raise CatalogError(f"catalog {filename}: file not found at {path}") from exc
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise CatalogError(f"catalog {filename}: cannot be read: {exc}") from exc
        if not isinstance(document, dict) or set(document) != {"source", "items"}:
            raise self.error("", 'must be an object with exactly "source" and "items"')
        source, items = document["source"], document["items"]
        if not isinstance(source, str) or not source.strip():
            raise self.error("source", "must be a non-empty string")
        if not isinstance(items, list) or not items:
            raise self.error("items", "must be a non-empty list")
        self.source: str = source
        self.items: list[Any] = items

    def error(self, where: str, message: str) -> CatalogError:
        place = f" {where}" if where else ""
        return CatalogError(f"catalog {self.filename}:{place} {message}")

    def entries(
        self, required: set[str], optional: set[str]
    ) -> Iterable[tuple[str, dict[str, Any]]]:
        """Each item as (its place for messages, its object), keys checked."""
        seen: set[str] = set()
        for index, entry in enumerate(self.items):
            where = f"items[{index}]"
            if not isinstance(entry, dict):
                raise self.error(where, "must be an object")
            missing = required - set(entry)
            unknown = set(entry) - required - optional
            if missing:
                raise self.error(where, f"lacks {', '.join(sorted(missing))}")
            if unknown:
                raise self.error(where, f"has unknown keys {', '.join(sorted(unknown))}")
            name = self.text(entry, "name", where)
            key = _normalize(name)
            if key in seen:
                raise self.error(where, f"repeats the name {name!r}")
            seen.add(key)
            yield f"{where} ({name})", entry

    def text(self, entry: dict[str, Any], key: str, where: str) -> str:
        value = entry[key]
        if not isinstance(value, str) or not _is_text(value):
            raise self.error(where, f"{key} must be a non-empty string without outer spaces")
        return value

    def optional_text(self, entry: dict[str, Any], key: str, where: str) -> str | None:
        if entry.get(key) is None:
            return None
        return self.text(entry, key, where)

    def texts(self, entry: dict[str, Any], key: str, where: str) -> tuple[str, ...]:
        values = entry.get(key, [])
        if not isinstance(values, list) or not all(_is_text(value) for value in values):
            raise self.error(where, f"{key} must be a list of non-empty strings")
        return tuple(values)


def _is_text(value: object) -> bool:
    return isinstance(value, str) and bool(value) and value == value.strip()


def _load_items(
    filename: str,
    *,
    optional: Iterable[str] = ("aliases",),
    check: Callable[[_Reader, str, CatalogItem], None] | None = None,
) -> tuple[CatalogItem, ...]:
    reader = _Reader(filename)
    items: list[CatalogItem] = []
    for where, entry in reader.entries({"name"}, set(optional)):
        item = CatalogItem(
            name=reader.text(entry, "name", where),
            code=reader.optional_text(entry, "code", where),
            aliases=reader.texts(entry, "aliases", where),
            category=reader.optional_text(entry, "category", where),
        )
        if check is not None:
            check(reader, where, item)
        items.append(item)
    return tuple(items)


def _check_condition(reader: _Reader, where: str, item: CatalogItem) -> None:
    if item.code is not None and not _ICD10CM.fullmatch(item.code):
        raise reader.error(where, f"code {item.code!r} is not an ICD-10-CM code")


_ALLERGY_CATEGORIES = frozenset(category.value for category in AllergyCategory)


def _check_allergen(reader: _Reader, where: str, item: CatalogItem) -> None:
    if item.category not in _ALLERGY_CATEGORIES:
        allowed = ", ".join(sorted(_ALLERGY_CATEGORIES))
        raise reader.error(where, f"category {item.category!r} is not one of {allowed}")


@cache
def catalog_source(filename: str) -> str:
    """The ``source`` line of a catalog file, e.g. ``catalog_source("conditions.json")``."""
    return _Reader(filename).source


@cache
def conditions() -> tuple[CatalogItem, ...]:
    """Medical-history problems with their ICD-10-CM codes."""
    return _load_items("conditions.json", optional={"code", "aliases"}, check=_check_condition)


@cache
def procedures() -> tuple[CatalogItem, ...]:
    """Past surgeries and procedures."""
    return _load_items("procedures.json", optional={"code", "aliases"})


@cache
def allergens() -> tuple[CatalogItem, ...]:
    """Allergens; ``category`` is an :class:`AllergyCategory` value."""
    return _load_items("allergens.json", optional={"category", "aliases"}, check=_check_allergen)


@cache
def reactions() -> tuple[CatalogItem, ...]:
    return _load_items("reactions.json")


@cache
def relations() -> tuple[CatalogItem, ...]:
    """Family relations for family history."""
    return _load_items("relations.json")


@cache
def payers() -> tuple[CatalogItem, ...]:
    """Health insurance payers by the name on the member ID card, in the order offered.

    One file for every clinic: a clinic edits it to put its contracted payers first.
    """
    return _load_items("payers.json")


@cache
def frequencies() -> tuple[CatalogItem, ...]:
    return _load_items("frequencies.json")


@cache
def routes() -> tuple[CatalogItem, ...]:
    return _load_items("routes.json")


@cache
def medications() -> tuple[MedicationItem, ...]:
    reader = _Reader("medications.json")
    items: list[MedicationItem] = []
    for where, entry in reader.entries({"name", "forms"}, {"aliases"}):
        raw_forms = entry["forms"]
        if not isinstance(raw_forms, list) or not raw_forms:
            raise reader.error(where, "forms must be a non-empty list")
        forms: list[DoseForm] = []
        for number, form in enumerate(raw_forms):
            place = f"{where} forms[{number}]"
            if not isinstance(form, dict) or set(form) != {"dose", "route", "frequency"}:
                raise reader.error(place, 'must be an object of "dose", "route", "frequency"')
            forms.append(
                DoseForm(
                    dose=reader.text(form, "dose", place),
                    route=reader.text(form, "route", place),
                    frequency=reader.text(form, "frequency", place),
                )
            )
        items.append(
            MedicationItem(
                name=reader.text(entry, "name", where),
                aliases=reader.texts(entry, "aliases", where),
                forms=tuple(forms),
            )
        )
    return tuple(items)


@cache
def complaints() -> tuple[Complaint, ...]:
    """Chief complaints for the quick-pick, in the order they are offered."""
    reader = _Reader("complaints.json")
    items: list[Complaint] = []
    for where, entry in reader.entries({"name"}, {"aliases", "hpi"}):
        hpi = reader.texts(entry, "hpi", where)
        unknown = [field for field in hpi if field not in HPI_FIELDS]
        if unknown:
            raise reader.error(where, f"hpi has unknown fields {', '.join(unknown)}")
        if len(set(hpi)) != len(hpi):
            raise reader.error(where, "hpi repeats a field")
        items.append(
            Complaint(
                name=reader.text(entry, "name", where),
                aliases=reader.texts(entry, "aliases", where),
                hpi=hpi,
            )
        )
    return tuple(items)


def clear_caches() -> None:
    """Forget every loaded catalog, so the next call reads the files again."""
    for loader in (
        catalog_source,
        conditions,
        procedures,
        allergens,
        reactions,
        relations,
        payers,
        frequencies,
        routes,
        medications,
        complaints,
    ):
        loader.cache_clear()


# --------------------------------------------------------------- suggesting


class Named(Protocol):
    """Anything with a name and aliases: every kind of catalog item."""

    @property
    def name(self) -> str: ...

    @property
    def aliases(self) -> tuple[str, ...]: ...


NamedT = TypeVar("NamedT", bound=Named)


def _normalize(text: str) -> str:
    """Case-folded, with runs of whitespace made one space and the ends trimmed."""
    return " ".join(text.casefold().split())


def _starts_a_word(name: str, typed: str) -> bool:
    """Whether ``typed`` begins at a word start inside ``name`` (not at its start)."""
    start = name.find(typed, 1)
    while start != -1:
        if not name[start - 1].isalnum():
            return True
        start = name.find(typed, start + 1)
    return False


def match_tier(item: Named, typed: str) -> int | None:
    """How ``item`` matches ``typed``: 0 name prefix, 1 alias prefix, 2 word in name.

    None when it does not match, or when ``typed`` is blank.
    """
    query = _normalize(typed)
    if not query:
        return None
    name = _normalize(item.name)
    if name.startswith(query):
        return 0
    if any(_normalize(alias).startswith(query) for alias in item.aliases):
        return 1
    if _starts_a_word(name, query):
        return 2
    return None


def suggest(items: Sequence[NamedT], typed: str, *, limit: int = 8) -> list[NamedT]:
    """The items that match what was typed, best first, at most ``limit`` of them.

    Case-insensitive. Items whose name starts with the text come first, then those
    with an alias that does ("copd", "htn"), then those with a later word of the name
    that does ("inhaler" finds "albuterol inhaler"). Within each tier shorter names
    come first, then alphabetical. Blank text gives no suggestions.
    """
    if limit <= 0:
        return []
    ranked: list[tuple[int, int, str, str, int, NamedT]] = []
    for position, item in enumerate(items):
        tier = match_tier(item, typed)
        if tier is not None:
            name = item.name
            ranked.append((tier, len(name), name.casefold(), name, position, item))
    ranked.sort(key=lambda row: row[:5])
    return [row[5] for row in ranked[:limit]]


def names_then_aliases(items: Sequence[Named]) -> tuple[str, ...]:
    """Every name in order, then every alias, each text once (case and spacing ignored).

    What a field's grey suggestion completes from: the first that starts with what was
    typed wins, so a name is offered before another item's alias.
    """
    texts = [item.name for item in items]
    texts += [alias for item in items for alias in item.aliases]
    seen: set[str] = set()
    kept: list[str] = []
    for text in texts:
        key = _normalize(text)
        if key not in seen:
            seen.add(key)
            kept.append(text)
    return tuple(kept)


def find(items: Sequence[NamedT], name: str) -> NamedT | None:
    """The item with this exact name (case and spacing ignored), or None."""
    key = _normalize(name)
    return next((item for item in items if _normalize(item.name) == key), None)


def medication_line(item: MedicationItem, form: DoseForm) -> str:
    """The history line for a medication taken one way: "lisinopril 10 mg oral once daily"."""
    parts = (item.name, form.dose, form.route, form.frequency)
    return " ".join(part.strip() for part in parts if part.strip())
