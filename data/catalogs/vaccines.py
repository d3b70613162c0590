"""Injectable products (``catalogs/vaccines.json``): vaccines and in-office injections.

A product has its codes (CVX and MVX for vaccines, NDCs with their packaging level
and the GTIN a vial's barcode carries), its dose, routes and default site, the VIS
edition to hand out, the ages it is licensed for, and the components a patient may
be allergic to, each with the severity of a match (``stop``, ``warn`` or ``info``)
and why. Every code says where it was confirmed; an unconfirmed CVX is ``null``
and an unconfirmed MVX is marked so, and neither is exported.

Routes and sites are the small HL7 vocabularies the MA picks from at the chair:
v3 RouteOfAdministration and v3 ActSite, with the routes each site suits.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import cache
from typing import Literal

from ma_tui.data.catalogs.strict import Node, load

CATALOG = "vaccines.json"
CVX_CODE = re.compile(r"[0-9]{1,3}")
MVX_CODE = re.compile(r"[A-Z]{2,3}")
NDC11 = re.compile(r"[0-9]{5}-[0-9]{4}-[0-9]{2}")
GTIN14 = re.compile(r"[0-9]{14}")
SEVERITIES = ("stop", "warn", "info")
KINDS = ("vaccine", "medication")
DOSE_UNITS = ("mL", "mg", "ug", "g")
Severity = Literal["stop", "warn", "info"]

# v3 RouteOfAdministration: the MA's word, the code and its display.
ROUTES: dict[str, tuple[str, str]] = {
    "IM": ("IM", "Injection, intramuscular"),
    "SC": ("SQ", "Injection, subcutaneous"),
    "ID": ("IDINJ", "Injection, intradermal"),
}

# v3 ActSite codes with their displays and the routes the site suits.
SITES: dict[str, tuple[str, frozenset[str]]] = {
    "LD": ("left deltoid", frozenset({"IM"})),
    "RD": ("right deltoid", frozenset({"IM"})),
    "LVL": ("left vastus lateralis", frozenset({"IM"})),
    "RVL": ("right vastus lateralis", frozenset({"IM"})),
    "LG": ("left gluteus medius", frozenset({"IM"})),
    "RG": ("right gluteus medius", frozenset({"IM"})),
    "LUA": ("left upper arm", frozenset({"SC"})),
    "RUA": ("right upper arm", frozenset({"SC"})),
    "LT": ("left thigh", frozenset({"SC", "IM"})),
    "RT": ("right thigh", frozenset({"SC", "IM"})),
    "LA": ("left arm", frozenset({"SC", "IM", "ID"})),
    "RA": ("right arm", frozenset({"SC", "IM", "ID"})),
}


@dataclass(frozen=True, slots=True)
class Confirmation:
    confirmed: bool
    how: str  # where it was confirmed, or why not


@dataclass(frozen=True, slots=True)
class Cvx:
    code: str | None  # None: not confirmed, not exported
    display: str | None
    confirmation: Confirmation

    @property
    def exportable(self) -> bool:
        return self.code is not None and self.confirmation.confirmed


@dataclass(frozen=True, slots=True)
class Manufacturer:
    mvx: str
    name: str
    confirmation: Confirmation


@dataclass(frozen=True, slots=True)
class Vis:
    key: str
    name: str
    edition: date
    confirmation: Confirmation


@dataclass(frozen=True, slots=True)
class Ndc:
    ndc11: str  # 5-4-2 with hyphens, as CDC's tables print it
    level: str  # unit of use, unit of sale
    gtin: str | None
    confirmation: Confirmation

    @property
    def ndc10_candidates(self) -> frozenset[str]:
        """The 10-digit NDCs (as a barcode's GTIN carries them) this NDC11 may be.

        An NDC11 pads one of the three segments of the 4-4-2, 5-3-2 or 5-4-1 NDC10
        with a zero; only a segment that starts with that zero can be the padded one.
        """
        labeler, product, package = self.ndc11.split("-")
        found = set()
        if labeler.startswith("0"):
            found.add(labeler[1:] + product + package)
        if product.startswith("0"):
            found.add(labeler + product[1:] + package)
        if package.startswith("0"):
            found.add(labeler + product + package[1:])
        return frozenset(found)


@dataclass(frozen=True, slots=True)
class Component:
    component: str
    allergens: tuple[str, ...]  # allergy names that match (catalog names or free text)
    severity: Severity
    why: str


@dataclass(frozen=True, slots=True)
class Dose:
    value: Decimal
    unit: str  # UCUM: mL, mg, ug, g


@dataclass(frozen=True, slots=True)
class Ages:
    start: str | None = None  # a duration: licensed from this age
    until: str | None = None  # licensed below this age


@dataclass(frozen=True, slots=True)
class Product:
    key: str
    name: str
    kind: Literal["vaccine", "medication"]
    group: str | None  # the vaccine group for "due today"; None for a medication
    words: tuple[str, ...]
    cvx: Cvx | None
    manufacturer: Manufacturer | None
    ndcs: tuple[Ndc, ...]
    dose: Dose
    routes: tuple[str, ...]  # keys of ROUTES
    default_site: str  # a key of SITES
    ages: Ages
    vis: Vis | None
    allergens: tuple[str, ...]  # an allergy to the product itself
    components: tuple[Component, ...]

    @property
    def is_vaccine(self) -> bool:
        return self.kind == "vaccine"


@dataclass(frozen=True, slots=True)
class VaccineCatalog:
    source: str
    products: tuple[Product, ...]
    manufacturers: dict[str, Manufacturer]
    vis: dict[str, Vis]

    def product(self, key: str) -> Product:
        for product in self.products:
            if product.key == key:
                return product
        raise KeyError(key)

    def by_word(self, word: str) -> Product | None:
        typed = word.lower()
        return next((p for p in self.products if typed in p.words), None)

    def by_ndc10(self, digits: str) -> tuple[Product, Ndc] | None:
        """The product whose NDC a scanned NDC10 is, if the catalog has it."""
        for product in self.products:
            for ndc in product.ndcs:
                if digits in ndc.ndc10_candidates:
                    return product, ndc
        return None


@cache
def vaccine_catalog() -> VaccineCatalog:
    """The product catalog, read and checked once."""
    root = load(CATALOG).object({"source", "manufacturers", "vis", "products"})
    manufacturers = {
        code: Manufacturer(code, node["name"].text(), _confirmation(node))
        for code, node in _entries(root["manufacturers"], MVX_CODE, "an MVX code")
    }
    vis = {
        key: Vis(key, node["name"].text(), node["edition"].day(), _confirmation(node))
        for key, node in _entries(root["vis"], re.compile(r"[a-z0-9_]+"), "a VIS key")
    }
    products = tuple(_product(node, manufacturers, vis) for node in root["products"].items())
    _unique(root["products"], [p.key for p in products], "product key")
    _unique(root["products"], [w for p in products for w in p.words], "product word")
    _unique(root["products"], [n.ndc11 for p in products for n in p.ndcs], "NDC")
    # A scanned NDC10 must name one catalog NDC, or the scan would be a guess.
    ndc10s = [c for p in products for n in p.ndcs for c in n.ndc10_candidates]
    _unique(root["products"], ndc10s, "possible NDC10")
    return VaccineCatalog(root["source"].text(), products, manufacturers, vis)


def _entries(node: Node, pattern: re.Pattern[str], what: str) -> list[tuple[str, Node]]:
    if not isinstance(node.value, dict) or not node.value:
        raise node.error("must be a non-empty object")
    entries = []
    for key in node.value:
        if not pattern.fullmatch(key):
            raise node.error(f"{key!r} is not {what}")
        entries.append((key, node[key]))
    return entries


def _confirmation(node: Node) -> Confirmation:
    """The ``confirmed`` (where) or ``unconfirmed`` (why) of an entry; exactly one."""
    if node.has("confirmed") == node.has("unconfirmed"):
        raise node.error('must say either "confirmed" (where) or "unconfirmed" (why)')
    confirmed = node.has("confirmed")
    return Confirmation(confirmed, node["confirmed" if confirmed else "unconfirmed"].text())


def _product(node: Node, manufacturers: dict[str, Manufacturer], vis: dict[str, Vis]) -> Product:
    keys = {"key", "name", "kind", "group", "words", "cvx", "mvx", "ndcs", "dose", "routes"}
    item = node.object(keys | {"default_site", "vis", "allergens", "components"}, {"ages"})
    kind = item["kind"].choice(KINDS)
    product = Product(
        key=item["key"].word(),
        name=item["name"].text(),
        kind="vaccine" if kind == "vaccine" else "medication",
        group=item["group"].optional_text(),
        words=item["words"].words(),
        cvx=_cvx(item["cvx"]) if item.has("cvx") else None,
        manufacturer=_manufacturer(item["mvx"], manufacturers),
        ndcs=tuple(_ndc(n) for n in item["ndcs"].items(allow_empty=True)),
        dose=_dose(item["dose"]),
        routes=_routes(item["routes"]),
        default_site=item["default_site"].choice(tuple(SITES)),
        ages=_ages(item["ages"]) if item.has("ages") else Ages(),
        vis=_vis(item["vis"], vis),
        allergens=item["allergens"].texts(),
        components=tuple(_component(c) for c in item["components"].items(allow_empty=True)),
    )
    if product.is_vaccine and (product.group is None or product.cvx is None or product.vis is None):
        raise item.error("a vaccine needs its group, cvx and vis")
    if not product.is_vaccine and (product.group or product.cvx or product.manufacturer):
        raise item.error("a medication has no vaccine group, CVX or MVX")
    if not product.words:
        raise item["words"].error("needs at least one word")
    if product.routes and not SITES[product.default_site][1] & set(product.routes):
        raise item["default_site"].error("does not suit any of the product's routes")
    return product


def _routes(node: Node) -> tuple[str, ...]:
    routes = tuple(n.choice(tuple(ROUTES)) for n in node.items())
    _unique(node, list(routes), "route")
    return routes


def _cvx(node: Node) -> Cvx:
    item = node.object({"code"}, {"display", "confirmed", "unconfirmed"})
    confirmation = _confirmation(item)
    code = item["code"].value
    if code is None:
        if confirmation.confirmed:
            raise item.error("a confirmed CVX needs its code")
        return Cvx(None, None, confirmation)
    return Cvx(
        item["code"].matching(CVX_CODE, "a CVX code"),
        item["display"].text(),
        confirmation,
    )


def _manufacturer(node: Node, manufacturers: dict[str, Manufacturer]) -> Manufacturer | None:
    code = node.optional_text()
    if code is None:
        return None
    if code not in manufacturers:
        raise node.error(f"{code!r} is not one of the catalog's manufacturers")
    return manufacturers[code]


def _ndc(node: Node) -> Ndc:
    item = node.object({"ndc", "level"}, {"gtin", "confirmed", "unconfirmed"})
    ndc = Ndc(
        ndc11=item["ndc"].matching(NDC11, "an NDC11 like 58160-0842-11"),
        level=item["level"].choice(("unit of use", "unit of sale")),
        gtin=item["gtin"].matching(GTIN14, "a GTIN-14") if item.has("gtin") else None,
        confirmation=_confirmation(item),
    )
    if (
        ndc.gtin is not None
        and ndc.gtin[1:3] == "03"
        and ndc.gtin[3:13] not in ndc.ndc10_candidates
    ):
        raise item["gtin"].error(f"does not carry the NDC {ndc.ndc11}")
    return ndc


def _dose(node: Node) -> Dose:
    item = node.object({"value", "unit"})
    value = item["value"].decimal()
    if value <= 0:
        raise item["value"].error("must be above zero")
    return Dose(value, item["unit"].choice(DOSE_UNITS))


def _ages(node: Node) -> Ages:
    item = node.object(set(), {"from", "until"})
    return Ages(item["from"].optional_duration(), item["until"].optional_duration())


def _vis(node: Node, known: dict[str, Vis]) -> Vis | None:
    key = node.optional_text()
    if key is None:
        return None
    if key not in known:
        raise node.error(f"{key!r} is not one of the catalog's VIS")
    return known[key]


def _component(node: Node) -> Component:
    item = node.object({"component", "allergens", "severity", "why"})
    severity = item["severity"].choice(SEVERITIES)
    allergens = item["allergens"].texts()
    if not allergens:
        raise item["allergens"].error("needs at least one allergen name")
    return Component(
        component=item["component"].text(),
        allergens=allergens,
        severity="stop" if severity == "stop" else "warn" if severity == "warn" else "info",
        why=item["why"].text(),
    )


def _unique(node: Node, values: list[str], what: str) -> None:
    seen: set[str] = set()
    for value in values:
        if value in seen:
            raise node.error(f"repeats the {what} {value!r}")
        seen.add(value)
