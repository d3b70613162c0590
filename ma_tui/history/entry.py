"""History entry: what the MA types in the History step, read into the record's fields.

Plain functions, no Textual: the screen calls them and shows their messages. Every
parser takes any text and returns the model's column values or raises
:class:`EntryError` (a :class:`~ma_tui.core.parsing.ParseError` naming the form field).

The rules, one per kind of field:

* **Free text with a catalog** (condition, procedure, family condition, allergen,
  reaction): what was typed is kept, cleaned. When it is exactly a catalog name or
  one of its aliases (case and spacing ignored) the catalog's name is stored
  instead, with the ICD-10-CM code for a condition and the category for an
  allergen: ``COPD`` → "chronic obstructive pulmonary disease", J44.9. An alias
  shared by two items (``AD``) is refused with both names. A prefix is never
  expanded: the grey suggestion is taken with the Right arrow, not with Enter.
* **Closed lists** (family relation, social category, tobacco status, second-hand
  smoke, allergy severity): a name, an alias, or a prefix that fits exactly one
  choice (``mo`` → mother, ``s`` → secondhand smoke, ``f`` → former smoker,
  ``mo`` → moderate, ``3`` → severe). A prefix that fits several (``m``) is refused
  with the choices. Relation, tobacco status and second-hand smoke also accept
  other text as typed ("stepfather", "vapes daily"); category and severity do not.
* **Medication line** (:func:`parse_medication_line`): ``name dose route
  frequency`` in one line. The name is the longest catalog name or brand at the
  start (a brand is stored as the generic name), else the words before the first
  one that starts with a digit. The frequency is the longest catalog frequency or
  abbreviation anywhere after the name (``bid`` → "twice daily"), the route a
  catalog route at the end or start of what is left (``po`` → "oral"), the dose
  the rest. A catalog medication without a typed route takes the route of its
  catalog form with that dose, or the one route all its forms share.
* **Onset age** of a family condition: a trailing ``at age 48`` or ``age 48``.

The History step's keys apply to the draft in :mod:`ma_tui.history.editing`; the
table's rows are :mod:`ma_tui.history.rows`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from ma_tui.core.parsing import ParseError
from ma_tui.data.catalogs import (
    CatalogItem,
    MedicationItem,
    allergens,
    conditions,
    frequencies,
    medication_line,
    medications,
    names_then_aliases,
    procedures,
    reactions,
    relations,
    routes,
)
from ma_tui.data.models.history import (
    AllergyCategory,
    AllergySeverity,
    HistorySection,
    MedicationStatus,
    SocialCategory,
)
from ma_tui.patients.registration import clean_text

SECTIONS: tuple[HistorySection, ...] = (
    HistorySection.MEDICAL,
    HistorySection.SURGICAL,
    HistorySection.FAMILY,
    HistorySection.SOCIAL,
    HistorySection.MEDICATIONS,
    HistorySection.ALLERGIES,
)
SECTION_TITLES: dict[HistorySection, str] = {
    HistorySection.MEDICAL: "Medical",
    HistorySection.SURGICAL: "Surgical",
    HistorySection.FAMILY: "Family",
    HistorySection.SOCIAL: "Social",
    HistorySection.MEDICATIONS: "Medications",
    HistorySection.ALLERGIES: "Allergies",
}
# The record's column limits (data.models).
NAME_MAX = 300
SHORT_MAX = 100
RELATION_MAX = 50
ROUTE_MAX = 50
SUBSTANCE_MAX = 200
RELATION_FREE_MIN = 3
MEDICATION_LINE_MAX = 300

SEVERITY_WORDS = {"1": "mild", "2": "moderate", "3": "severe"}
SOCIAL_LABELS: dict[SocialCategory, str] = {
    SocialCategory.TOBACCO: "tobacco",
    SocialCategory.SECONDHAND_SMOKE: "secondhand smoke",
    SocialCategory.ALCOHOL: "alcohol",
    SocialCategory.DRUGS: "drugs",
    SocialCategory.LIVING_SITUATION: "living situation",
    SocialCategory.OCCUPATION: "occupation",
    SocialCategory.EXERCISE: "exercise",
    SocialCategory.OTHER: "other",
}
SOCIAL_ALIASES: dict[str, SocialCategory] = {
    "smoking": SocialCategory.TOBACCO,
    "smoker": SocialCategory.TOBACCO,
    "cigarettes": SocialCategory.TOBACCO,
    "second-hand smoke": SocialCategory.SECONDHAND_SMOKE,
    "secondhand": SocialCategory.SECONDHAND_SMOKE,
    "smoke exposure": SocialCategory.SECONDHAND_SMOKE,
    "shs": SocialCategory.SECONDHAND_SMOKE,
    "etoh": SocialCategory.ALCOHOL,
    "drinking": SocialCategory.ALCOHOL,
    "drug use": SocialCategory.DRUGS,
    "substance use": SocialCategory.DRUGS,
    "living": SocialCategory.LIVING_SITUATION,
    "lives": SocialCategory.LIVING_SITUATION,
    "home": SocialCategory.LIVING_SITUATION,
    "work": SocialCategory.OCCUPATION,
    "job": SocialCategory.OCCUPATION,
    "activity": SocialCategory.EXERCISE,
}
# Smoking status (the US Core / ONC value set), SNOMED CT; the most asked first.
TOBACCO_STATUSES: dict[str, str] = {
    "current every day smoker": "449868002",
    "current some day smoker": "428041000124106",
    "former smoker": "8517006",
    "never smoker": "266919005",
    "heavy tobacco smoker": "428071000124103",
    "light tobacco smoker": "428061000124105",
    "smoker, current status unknown": "77176002",
    "unknown if ever smoked": "266927001",
}
TOBACCO_ALIASES: dict[str, str] = {
    "never": "never smoker",
    "nonsmoker": "never smoker",
    "non-smoker": "never smoker",
    "former": "former smoker",
    "ex-smoker": "former smoker",
    "quit": "former smoker",
    "daily": "current every day smoker",
    "every day": "current every day smoker",
    "some days": "current some day smoker",
}
SECONDHAND_CHOICES = ("no", "yes")
_AGE_SUFFIX = re.compile(r"^(?P<rest>.*?),?\s+(?:at\s+)?age\s+(?P<age>[0-9]{1,3})$", re.I)
_DOSE_START = re.compile(r"[0-9]")
_DOSE_AMOUNT = re.compile(r"^[0-9][0-9.,/]*%?$")


class EntryError(ParseError):
    """Input the History step cannot use; ``field`` is the form field to fix (0 first)."""

    def __init__(self, message: str, field: int = 0) -> None:
        super().__init__(message)
        self.field = field


# ------------------------------------------------------------------ the forms


@dataclass(frozen=True)
class FormField:
    """One Input of a section's add-form."""

    label: str
    placeholder: str
    width: int  # cells, the Input's width; 0 means the rest of the line
    max_length: int


FORMS: dict[HistorySection, tuple[FormField, ...]] = {
    HistorySection.MEDICAL: (
        FormField("Condition", "e.g. COPD, asthma (→ takes the suggestion)", 0, NAME_MAX),
    ),
    HistorySection.SURGICAL: (
        FormField("Procedure", "e.g. appendectomy", 0, NAME_MAX),
        FormField("When", "e.g. 2009", 14, SHORT_MAX),
    ),
    HistorySection.FAMILY: (
        FormField("Relation", "mother…", 16, RELATION_MAX),
        FormField("Condition", "e.g. asthma, diabetes at age 50", 0, NAME_MAX),
    ),
    HistorySection.SOCIAL: (
        FormField("Category", "tobacco…", 18, 40),
        FormField("Value", "e.g. former smoker", 0, NAME_MAX),
    ),
    HistorySection.MEDICATIONS: (
        FormField("Medication", "name dose route frequency", 0, MEDICATION_LINE_MAX),
    ),
    HistorySection.ALLERGIES: (
        FormField("Substance", "e.g. penicillin", 0, SUBSTANCE_MAX),
        FormField("Reaction", "e.g. rash", 18, NAME_MAX),
        FormField("Severity", "1-3", 10, 10),
    ),
}
# Which field editing a row starts in: the one most often changed.
EDIT_FIELD: dict[HistorySection, int] = {HistorySection.SOCIAL: 1}


def suggestions(section: HistorySection, field: int) -> list[str]:
    """What the field's grey suggestion completes from, best first (empty: none)."""
    return list(_suggestions(section, field))


@cache
def _suggestions(section: HistorySection, field: int) -> tuple[str, ...]:
    if section == HistorySection.MEDICAL or (section == HistorySection.FAMILY and field == 1):
        return names_then_aliases(conditions())
    if section == HistorySection.SURGICAL and field == 0:
        return names_then_aliases(procedures())
    if section == HistorySection.FAMILY and field == 0:
        return names_then_aliases(relations())
    if section == HistorySection.SOCIAL and field == 0:
        return tuple(SOCIAL_LABELS.values())
    if section == HistorySection.MEDICATIONS:
        return _medication_lines()
    if section == HistorySection.ALLERGIES:
        if field == 0:
            return names_then_aliases(allergens())
        if field == 1:
            return names_then_aliases(reactions())
        if field == 2:
            return tuple(severity.value for severity in AllergySeverity)
    return ()


def value_suggestions(category_text: str) -> list[str]:
    """Suggestions for a social value, by the category typed beside it."""
    try:
        category = parse_social_category(category_text)
    except ParseError:
        return []
    if category == SocialCategory.TOBACCO:
        return list(TOBACCO_STATUSES)
    if category == SocialCategory.SECONDHAND_SMOKE:
        return list(SECONDHAND_CHOICES)
    return []


@cache
def _medication_lines() -> tuple[str, ...]:
    lines = [medication_line(item, form) for item in medications() for form in item.forms]
    for item in medications():
        for alias in item.aliases:
            lines += [line.replace(item.name, alias, 1) for line in _lines_of(item)]
    return _unique(lines)


def _lines_of(item: MedicationItem) -> list[str]:
    return [medication_line(item, form) for form in item.forms]


def _unique(texts: Iterable[str]) -> tuple[str, ...]:
    seen: set[str] = set()
    kept: list[str] = []
    for text in texts:
        if _key(text) not in seen:
            seen.add(_key(text))
            kept.append(text)
    return tuple(kept)


# ------------------------------------------------------------------ parsing


def parse_entry(section: HistorySection, values: Sequence[str]) -> dict[str, Any]:
    """The model's column values from the section's form fields, in form order."""
    padded = [*values, "", "", ""]
    if section == HistorySection.MEDICAL:
        return parse_condition(padded[0])
    if section == HistorySection.SURGICAL:
        return parse_procedure(padded[0], padded[1])
    if section == HistorySection.FAMILY:
        return parse_family(padded[0], padded[1])
    if section == HistorySection.SOCIAL:
        return parse_social(padded[0], padded[1])
    if section == HistorySection.MEDICATIONS:
        return parse_medication_line(padded[0])
    return parse_allergy(padded[0], padded[1], padded[2])


def parse_condition(text: str) -> dict[str, Any]:
    """A problem for the medical history: ``{"name", "code"}`` (ICD-10-CM or None)."""
    name = _text(text, "condition", NAME_MAX, field=0, required=True)
    item = _catalog_match(conditions(), name, field=0)
    if item is None:
        return {"name": name, "code": None}
    return {"name": item.name, "code": item.code}


def parse_procedure(text: str, when: str = "") -> dict[str, Any]:
    """A past surgery: ``{"name", "performed"}``."""
    name = _text(text, "procedure", NAME_MAX, field=0, required=True)
    item = _catalog_match(procedures(), name, field=0)
    performed = _text(when, "when", SHORT_MAX, field=1) or None
    return {"name": item.name if item else name, "performed": performed}


def parse_family(relation: str, condition: str) -> dict[str, Any]:
    """A relative's condition: ``{"relation", "condition", "onset_age"}``."""
    who = _text(relation, "relation", RELATION_MAX, field=0, required=True)
    picked = _pick(who, [item.name for item in relations()], _alias_map(relations()), field=0)
    if picked is None:
        if len(who) < RELATION_FREE_MIN or not any(ch.isalpha() for ch in who):
            raise EntryError(f"relation: {who!r} is not a relation (mother, father, …)", 0)
        picked = who
    what = _text(condition, "condition", NAME_MAX, field=1, required=True)
    onset_age: int | None = None
    if match := _AGE_SUFFIX.match(what):
        age = int(match["age"])
        if not 0 <= age <= 125:
            raise EntryError(f"age {age}: the age at onset is 0 to 125", 1)
        onset_age, what = age, match["rest"].strip()
        if not what:
            raise EntryError("type the condition before the age", 1)
    item = _catalog_match(conditions(), what, field=1)
    return {"relation": picked, "condition": item.name if item else what, "onset_age": onset_age}


def parse_social_category(text: str) -> SocialCategory:
    """``t`` / ``tobacco`` / ``smoking`` → tobacco; a prefix must fit one category."""
    typed = _text(text, "category", 40, field=0, required=True)
    key = _key(typed).replace("_", " ")
    if key in SOCIAL_ALIASES:
        return SOCIAL_ALIASES[key]
    by_label = {label: category for category, label in SOCIAL_LABELS.items()}
    picked = _pick(key, list(by_label), {}, field=0)
    if picked is None:
        raise EntryError(f"category: {', '.join(SOCIAL_LABELS.values())}", 0)
    return by_label[picked]


def parse_social(category: str, value: str) -> dict[str, Any]:
    """A social-history fact: ``{"category", "value", "code"}`` (SNOMED for tobacco)."""
    kind = parse_social_category(category)
    typed = _text(value, SOCIAL_LABELS[kind], NAME_MAX, field=1, required=True)
    code: str | None = None
    if kind == SocialCategory.TOBACCO:
        status = _pick(typed, list(TOBACCO_STATUSES), _single(TOBACCO_ALIASES), field=1)
        if status is not None:
            typed, code = status, TOBACCO_STATUSES[status]
    elif kind == SocialCategory.SECONDHAND_SMOKE:
        typed = _pick(typed, list(SECONDHAND_CHOICES), {}, field=1) or typed
    return {"category": kind.value, "value": typed, "code": code}


def parse_severity(text: str) -> AllergySeverity | None:
    """``mi``/``mo``/``s`` (a prefix that fits one), a whole word, or 1-3; empty is None."""
    typed = _text(text, "severity", 20, field=2)
    if not typed:
        return None
    words = [severity.value for severity in AllergySeverity]
    picked = _pick(typed, words, _single(SEVERITY_WORDS), field=2)
    if picked is None:
        raise EntryError("severity: mild, moderate or severe (mi, mo, s, or 1-3)", 2)
    return AllergySeverity(picked)


def parse_allergy(substance: str, reaction: str = "", severity: str = "") -> dict[str, Any]:
    """An allergy: ``{"substance", "category", "reaction", "severity"}``."""
    what = _text(substance, "substance", SUBSTANCE_MAX, field=0, required=True)
    item = _catalog_match(allergens(), what, field=0)
    category = AllergyCategory(item.category) if item and item.category else None
    felt = _text(reaction, "reaction", NAME_MAX, field=1)
    reaction_item = _catalog_match(reactions(), felt, field=1) if felt else None
    level = parse_severity(severity)
    return {
        "substance": item.name if item else what,
        "category": (category or AllergyCategory.MEDICATION).value,
        "reaction": (reaction_item.name if reaction_item else felt) or None,
        "severity": level.value if level else None,
    }


def parse_medication_line(text: str) -> dict[str, Any]:
    """``lisinopril 10 mg once daily`` → name, dose, route, frequency (and status taking).

    See the module's docstring for the rule; a field not typed and not known from
    the catalog is None.
    """
    line = _text(text, "medication", MEDICATION_LINE_MAX, field=0, required=True)
    tokens = line.split(" ")
    keys = [_token_key(token) for token in tokens]
    item, used = _medication_at_start(keys)
    start = used if item else 1
    frequency, (f_from, f_to) = _find_phrase(keys, _frequency_phrases(), start=start)
    if frequency is not None:
        del tokens[f_from:f_to]
        del keys[f_from:f_to]
    if item is not None:
        name = item.name
        rest = tokens[used:]
    else:
        split = next(
            (i for i in range(1, len(tokens)) if _DOSE_START.match(tokens[i])), len(tokens)
        )
        name, rest = " ".join(tokens[:split]), tokens[split:]
        if _DOSE_AMOUNT.match(tokens[0]) or not any(ch.isalpha() for ch in name):
            raise EntryError("start with the medication's name, e.g. lisinopril 10 mg daily")
    dose, route = _dose_and_route(rest)
    if frequency is None and dose is not None:
        dose, frequency = _split_unknown_frequency(dose)
    if item is not None and route is None:
        route = _catalog_route(item, dose)
    for value, what, limit in (
        (name, "medication name", NAME_MAX),
        (dose, "dose", SHORT_MAX),
        (frequency, "frequency", SHORT_MAX),
        (route, "route", ROUTE_MAX),
    ):
        if value is not None and len(value) > limit:
            raise EntryError(f"the {what} is too long (at most {limit} characters)")
    return {
        "name": name,
        "dose": dose,
        "route": route,
        "frequency": frequency,
        "status": MedicationStatus.TAKING.value,
    }


def _medication_at_start(keys: list[str]) -> tuple[MedicationItem | None, int]:
    """The catalog medication whose name or brand starts the line, longest first."""
    best: tuple[MedicationItem | None, int] = (None, 0)
    for words, item in _medication_names():
        if len(words) > best[1] and keys[: len(words)] == list(words):
            best = (item, len(words))
    return best


@cache
def _medication_names() -> tuple[tuple[tuple[str, ...], MedicationItem], ...]:
    return tuple(
        (_phrase_key(name), item) for item in medications() for name in (item.name, *item.aliases)
    )


@cache
def _frequency_phrases() -> tuple[tuple[tuple[str, ...], str], ...]:
    return _phrases(frequencies())


@cache
def _route_phrases() -> tuple[tuple[tuple[str, ...], str], ...]:
    return _phrases(routes())


@cache
def _known_doses() -> frozenset[str]:
    return frozenset(_key(form.dose) for item in medications() for form in item.forms)


def _phrases(items: Sequence[CatalogItem]) -> tuple[tuple[tuple[str, ...], str], ...]:
    pairs = [
        (_phrase_key(text), item.name) for item in items for text in (item.name, *item.aliases)
    ]
    # Longest first, so "every 4 hours as needed" wins over "as needed".
    return tuple(sorted(pairs, key=lambda pair: -len(pair[0])))


def _find_phrase(
    keys: list[str], phrases: Sequence[tuple[tuple[str, ...], str]], *, start: int
) -> tuple[str | None, tuple[int, int]]:
    """The longest phrase in ``keys[start:]`` (the last place it occurs)."""
    for words, name in phrases:
        size = len(words)
        for at in range(len(keys) - size, start - 1, -1):
            if tuple(keys[at : at + size]) == words:
                return name, (at, at + size)
    return None, (0, 0)


def _dose_and_route(tokens: list[str]) -> tuple[str | None, str | None]:
    """What follows the name: a route at its end (or start), the dose the rest."""
    text = " ".join(tokens).strip(" ,;")
    if not text:
        return None, None
    if _key(text) in _known_doses():
        return text, None
    keys = [_token_key(token) for token in tokens]
    for words, name in _route_phrases():
        size = len(words)
        if size <= len(keys) and tuple(keys[-size:]) == words:
            return " ".join(tokens[:-size]).strip(" ,;") or None, name
        if size <= len(keys) and tuple(keys[:size]) == words:
            return " ".join(tokens[size:]).strip(" ,;") or None, name
    return text, None


def _split_unknown_frequency(dose: str) -> tuple[str, str | None]:
    """``10 mg when needed`` → ("10 mg", "when needed"): an amount, a unit, the rest."""
    tokens = dose.split(" ")
    if len(tokens) > 2 and _DOSE_AMOUNT.match(tokens[0]):
        return " ".join(tokens[:2]), " ".join(tokens[2:])
    return dose, None


def _catalog_route(item: MedicationItem, dose: str | None) -> str | None:
    if dose is not None:
        for form in item.forms:
            if _key(form.dose) == _key(dose):
                return form.route
    all_routes = {form.route for form in item.forms}
    return all_routes.pop() if len(all_routes) == 1 else None


# ------------------------------------------------------------ parsing helpers


def _key(text: str) -> str:
    return " ".join(text.casefold().split())


def _token_key(token: str) -> str:
    return token.casefold().rstrip(",;")


def _phrase_key(text: str) -> tuple[str, ...]:
    return tuple(_token_key(token) for token in text.split())


def _text(text: str, what: str, limit: int, *, field: int, required: bool = False) -> str:
    cleaned = clean_text(text, limit=len(text) + 1)
    if required and not cleaned:
        raise EntryError(f"type the {what}", field)
    if len(cleaned) > limit:
        raise EntryError(f"the {what} is too long (at most {limit} characters)", field)
    return cleaned


def _single(aliases: Mapping[str, str]) -> dict[str, tuple[str, ...]]:
    return {_key(alias): (name,) for alias, name in aliases.items()}


def _alias_map(items: Sequence[CatalogItem]) -> dict[str, tuple[str, ...]]:
    found: dict[str, list[str]] = {}
    for item in items:
        for alias in item.aliases:
            names = found.setdefault(_key(alias), [])
            if item.name not in names:
                names.append(item.name)
    return {alias: tuple(names) for alias, names in found.items()}


def _pick(
    typed: str, names: Sequence[str], aliases: Mapping[str, tuple[str, ...]], *, field: int
) -> str | None:
    """A closed-list choice: exact name, alias, or a prefix of exactly one name."""
    key = _key(typed)
    if not key:
        return None
    for name in names:
        if _key(name) == key:
            return name
    if key in aliases:
        return _one(typed, aliases[key], field)
    hits = [name for name in names if _key(name).startswith(key)]
    return _one(typed, hits, field) if hits else None


def _one(typed: str, names: Sequence[str], field: int) -> str:
    if len(names) == 1:
        return names[0]
    listed = list(names[:4])
    if len(names) > len(listed):
        choices = ", ".join(listed) + ", …"
    else:
        choices = ", ".join(listed[:-1]) + " or " + listed[-1]
    raise EntryError(f"“{typed}” could be {choices}: type more of it", field)


def _catalog_match(items: Sequence[CatalogItem], typed: str, *, field: int) -> CatalogItem | None:
    """The item named exactly, or by an alias only it has; None for other text."""
    key = _key(typed)
    for item in items:
        if _key(item.name) == key:
            return item
    names = _alias_map(items).get(key)
    if not names:
        return None
    name = _one(typed, names, field)
    return next(item for item in items if item.name == name)


# ----------------------------------------------------------- back to the form


def form_values(section: HistorySection, fields: Mapping[str, Any]) -> tuple[str, ...]:
    """An entry's values as the form shows them, so it can be edited and re-read."""

    def text(name: str) -> str:
        value = fields.get(name)
        return "" if value is None else str(value)

    if section == HistorySection.MEDICAL:
        return (text("name"),)
    if section == HistorySection.SURGICAL:
        return (text("name"), text("performed"))
    if section == HistorySection.FAMILY:
        age = fields.get("onset_age")
        suffix = f" at age {age}" if age is not None else ""
        return (text("relation"), text("condition") + suffix)
    if section == HistorySection.SOCIAL:
        return (SOCIAL_LABELS[SocialCategory(text("category"))], text("value"))
    if section == HistorySection.MEDICATIONS:
        parts = (text("name"), text("dose"), text("route"), text("frequency"))
        return (" ".join(part for part in parts if part),)
    return (text("substance"), text("reaction"), text("severity"))
