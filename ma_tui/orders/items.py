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
    "orderable_items",
    "protocol_items",
    "standing_protocols",
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
