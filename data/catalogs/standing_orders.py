"""The clinic's standing orders (``catalogs/standing_orders.json``), read and checked once.

A standing order is a protocol the clinic's medical director signed: under it the
MA puts the listed tests or doses on a visit without a provider's order each time.
Each protocol has a key, the name an order records, and its orders: a point-of-care
test (``{"test": "ua"}``, a key of ``poc_tests.json``) or a product
(``{"product": "flu_afluria"}``, a key of ``vaccines.json``), with optional
instructions. A key that neither catalog has, a protocol given twice or without
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
    node.object({"key", "name", "orders"})
    key = node["key"].text()
    if not _KEY.fullmatch(key):
        raise node["key"].error("must be lower-case letters, digits and _")
    items = tuple(_item(item) for item in node["orders"].items())
    return StandingProtocol(key, node["name"].text(), items)


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
