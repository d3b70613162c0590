"""The clinic's standing orders (``catalogs/standing_orders.json``), read and checked once.

A standing order is a protocol the clinic's medical director signed: under it the
MA puts the listed tests or doses on a visit without a provider's order each time.
Each protocol has a key, the name an order records, and its orders: a point-of-care
test (``{"test": "ua"}``, a key of ``poc_tests.json``) or a product
(``{"product": "flu_afluria"}``, a key of ``vaccines.json``), with optional
instructions. A protocol may say whom it is for: ``min_age`` and ``max_age`` in whole
years (both included) and ``sex`` (``female`` or ``male``), so the hCG protocol is
never placed for a boy nor the adults' flu dose for a child. A key that neither
catalog has, an age range upside down, an unknown sex, a protocol given twice or without
orders fails at start-up with its place in the file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from ma_tui.data.catalogs.poc_tests import poc_catalog
from ma_tui.data.catalogs.strict import Node, load
from ma_tui.data.catalogs.unique import check_unique
from ma_tui.data.catalogs.vaccines import vaccine_catalog

CATALOG = "standing_orders.json"
_KEY = re.compile(r"[a-z][a-z0-9_]{0,31}")
SEXES = ("female", "male")


@dataclass(frozen=True, slots=True)
class StandingItem:
    """One order of a protocol: a test key or a product key, never both."""

    test: str | None = None
    product: str | None = None
    instructions: str | None = None


@dataclass(frozen=True, slots=True)
class StandingProtocol:
    key: str
    name: str
    items: tuple[StandingItem, ...]
    min_age: int | None = None  # whole years, included
    max_age: int | None = None  # whole years, included
    sex: str | None = None  # "female" or "male": the protocol is for that sex only


@cache
def standing_protocols() -> tuple[StandingProtocol, ...]:
    """Every protocol of the file, in its order (the order the MA picks from)."""
    root = load(CATALOG).object({"source", "protocols"})
    root["source"].text()
    protocols = tuple(_protocol(node) for node in root["protocols"].items())
    check_unique(root["protocols"], (p.key for p in protocols), "protocol key")
    check_unique(root["protocols"], (p.name for p in protocols), "protocol name")
    return protocols


def _protocol(node: Node) -> StandingProtocol:
    node.object({"key", "name", "orders"}, {"min_age", "max_age", "sex"})
    key = node["key"].text()
    if not _KEY.fullmatch(key):
        raise node["key"].error("must be lower-case letters, digits and _")
    items = tuple(_item(item) for item in node["orders"].items())
    min_age = node["min_age"].integer() if node.has("min_age") else None
    max_age = node["max_age"].integer() if node.has("max_age") else None
    if min_age is not None and max_age is not None and max_age < min_age:
        raise node["max_age"].error(f"is under min_age {min_age}")
    sex = node["sex"].choice(SEXES) if node.has("sex") else None
    return StandingProtocol(key, node["name"].text(), items, min_age, max_age, sex)


def _item(node: Node) -> StandingItem:
    node.object(set(), {"test", "product", "instructions"})
    if node.has("test") == node.has("product"):
        raise node.error("must name one test or one product")
    instructions = node["instructions"].optional_text()
    if node.has("test"):
        test = node["test"].text()
        if test not in {t.key for t in poc_catalog().tests}:
            raise node["test"].error(f"names {test!r}, not a test of poc_tests.json")
        return StandingItem(test=test, instructions=instructions)
    product = node["product"].text()
    if product not in {p.key for p in vaccine_catalog().products}:
        raise node["product"].error(f"names {product!r}, not a product of vaccines.json")
    return StandingItem(product=product, instructions=instructions)
