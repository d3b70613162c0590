"""What can be ordered, coded the way an order stores and FHIR carries it.

A point-of-care test is ordered by its panel's LOINC code (a single-analyte test by
its analyte's; the influenza A/B test, which LOINC gives no panel, by name only);
a vaccine by its CVX code; a medication by its NDC. A code the catalog has not
confirmed is not put on the order: the order then carries the name alone, as FHIR
allows (``code.text``), and its ``catalog_key`` still says what does it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from ma_tui.data.catalogs.poc_tests import PocTest, poc_catalog
from ma_tui.data.catalogs.standing_orders import (
    StandingItem,
    StandingProtocol,
    standing_protocols,
)
from ma_tui.data.catalogs.vaccines import Product, vaccine_catalog
from ma_tui.data.models.orders import OrderKind as OrderKind

LOINC = "http://loinc.org"
CVX = "http://hl7.org/fhir/sid/cvx"
NDC = "http://hl7.org/fhir/sid/ndc"

__all__ = [
    "CVX",
    "LOINC",
    "NDC",
    "OrderItem",
    "OrderKind",
    "StandingProtocol",
    "item_for_product",
    "item_for_test",
    "item_from_codes",
    "orderable_items",
    "product_for_code",
    "protocol_items",
    "standing_protocols",
    "test_for_loinc",
]


@dataclass(frozen=True, slots=True)
class OrderItem:
    """One thing to order: its kind, code (if confirmed), name and catalog entry."""

    kind: OrderKind
    display: str
    system: str | None = None
    code: str | None = None
    catalog_key: str | None = None
    instructions: str | None = None


def item_for_test(test: PocTest) -> OrderItem:
    """A point-of-care test as an order: the panel code, or the one analyte's."""
    loinc = test.loinc
    if loinc is None and len(test.analytes) == 1:
        loinc = test.analytes[0].loinc
    if loinc is None or not loinc.exportable:
        return OrderItem(OrderKind.TEST, test.name, catalog_key=test.key)
    return OrderItem(OrderKind.TEST, test.name, LOINC, loinc.code, test.key)


def item_for_product(product: Product) -> OrderItem:
    """A vaccine by its CVX code, a medication by its first confirmed NDC."""
    if product.is_vaccine:
        kind = OrderKind.VACCINE
        if product.cvx is not None and product.cvx.exportable:
            return OrderItem(kind, product.name, CVX, product.cvx.code, product.key)
        return OrderItem(kind, product.name, catalog_key=product.key)
    ndc = next((n.ndc11 for n in product.ndcs if n.confirmation.confirmed), None)
    if ndc is None:
        return OrderItem(OrderKind.MEDICATION, product.name, catalog_key=product.key)
    return OrderItem(OrderKind.MEDICATION, product.name, NDC, ndc, product.key)


def orderable_items() -> tuple[OrderItem, ...]:
    """Every test, then every product, in catalog order (what a provider picks from)."""
    tests = tuple(item_for_test(test) for test in poc_catalog().tests)
    products = tuple(item_for_product(p) for p in vaccine_catalog().products)
    return tests + products


def protocol_items(protocol: StandingProtocol) -> tuple[OrderItem, ...]:
    """The orders a standing order puts on the visit."""
    return tuple(_standing_item(item) for item in protocol.items)


def _standing_item(item: StandingItem) -> OrderItem:
    if item.test is not None:
        ordered = item_for_test(poc_catalog().test(item.test))
    else:
        assert item.product is not None
        ordered = item_for_product(vaccine_catalog().product(item.product))
    return replace(ordered, instructions=item.instructions)


def test_for_loinc(code: str) -> PocTest | None:
    """The point-of-care test ordered by this LOINC code (its panel's or its one analyte's)."""
    for test in poc_catalog().tests:
        item = item_for_test(test)
        if item.code == code:
            return test
    return None


def product_for_code(system: str, code: str) -> Product | None:
    """The product a CVX or NDC code names (an NDC compared by its digits)."""
    digits = "".join(ch for ch in code if ch.isdigit())
    for product in vaccine_catalog().products:
        if system == CVX and product.cvx is not None and product.cvx.code == code:
            return product
        if system == NDC and any(n.ndc11.replace("-", "") == digits for n in product.ndcs):
            return product
    return None


def item_from_codes(
    kind: OrderKind, codings: list[tuple[str | None, str]], text: str | None
) -> OrderItem | None:
    """What an order from elsewhere asks for, in ma-tui's terms where its catalogs know it.

    ``codings`` are the order's (system, code) pairs. A known test or product gives its
    catalog item (the order's own text kept as its display); otherwise the first
    coding is kept as sent. None: neither a code nor a text to show.
    """
    for system, code in codings:
        if kind is OrderKind.TEST and system == LOINC:
            test = test_for_loinc(code)
            if test is not None:
                return replace(item_for_test(test), display=text or test.name)
        elif kind is not OrderKind.TEST and system is not None:
            product = product_for_code(system, code)
            if product is not None:
                return replace(item_for_product(product), display=text or product.name)
    if codings:
        system, code = codings[0]
        return OrderItem(kind, text or code, system, code)
    return OrderItem(kind, text) if text else None
