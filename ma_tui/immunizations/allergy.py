"""The patient's allergy list against a product: its own name and its components.

Allergy names are compared as the allergen catalog knows them: an alias ("PCN",
"eggs") counts as its allergen ("penicillin", "egg"), case and spacing ignored. A
component's allergens come from the product catalog with the severity of a match
and why (a cited table, ``catalogs/vaccines.json``): ``stop`` (the dose is not given
without the provider), ``warn`` (the provider decides) or ``info`` (said, nothing
asked; egg allergy and influenza vaccine, per ACIP). An allergy to the product
itself always stops.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache

from ma_tui.data.catalogs import allergens
from ma_tui.data.catalogs.vaccines import Product, Severity


@dataclass(frozen=True, slots=True)
class AllergyMatch:
    allergy: str  # as recorded for the patient
    component: str  # what in the product it matches
    severity: Severity
    why: str

    @property
    def message(self) -> str:
        return f"allergy to {self.allergy}: {self.component} ({self.why})"


def _normal(text: str) -> str:
    return " ".join(text.casefold().split())


@cache
def _canonical_names() -> dict[str, str]:
    """Every allergen name and alias, normalised, to its allergen's normalised name."""
    names: dict[str, str] = {}
    for item in allergens():
        canonical = _normal(item.name)
        for text in (item.name, *item.aliases):
            names.setdefault(_normal(text), canonical)
    return names


def canonical(name: str) -> str:
    """The allergen an allergy name stands for, normalised; unknown names as typed."""
    text = _normal(name)
    return _canonical_names().get(text, text)


def allergy_matches(product: Product, allergies: Iterable[str]) -> tuple[AllergyMatch, ...]:
    """Each recorded allergy that matches the product or one of its components."""
    found: list[AllergyMatch] = []
    own = {canonical(name) for name in product.allergens}
    for allergy in allergies:
        if not allergy.strip():
            continue
        key = canonical(allergy)
        if key in own:
            found.append(
                AllergyMatch(allergy, product.name, "stop", "allergy to the product itself")
            )
            continue
        for component in product.components:
            if key in {canonical(name) for name in component.allergens}:
                found.append(
                    AllergyMatch(allergy, component.component, component.severity, component.why)
                )
    return tuple(found)
