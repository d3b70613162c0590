"""What the MA types at the chair, read: the order, the date of birth again, the
patient's funding eligibility and the VIS edition. Each reader says why it refuses.

The order is one of the visit's open orders (``ma_tui.orders``), picked by its
number, or the clinic's standing order named by its key (``influenza``), which is
placed on the visit when the dose is given. A vaccine's order is filled by any
brand of its vaccine group (another brand than the one named is a warning); a
medication's by that product at its catalog dose and first route.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy.engine import Engine

from ma_tui.core.errors import InvalidInput
from ma_tui.core.parsing import parse_date_of_birth
from ma_tui.data.catalogs.immunization_schedule import schedule
from ma_tui.data.catalogs.standing_orders import StandingProtocol, standing_protocols
from ma_tui.data.catalogs.vaccines import SITES, Product, vaccine_catalog
from ma_tui.immunizations.administration import Order
from ma_tui.immunizations.inventory import ELIGIBILITY_DISPLAY, Eligibility
from ma_tui.orders.orders import OrderKind, OrderView, open_orders


def order_of(view: OrderView) -> Order:
    """A visit's order as the checks compare it: a vaccine by its group (and the product
    when the provider named one), a medication by its product, dose and route."""
    catalog = vaccine_catalog()
    product = catalog.product(view.catalog_key) if view.catalog_key else None
    if view.kind is OrderKind.VACCINE:
        if product is not None:
            return Order(group=product.group, product_key=product.key, ordered_by=view.ordered_by)
        groups = schedule().groups_of(view.code) if view.code else ()
        return Order(group=groups[0] if groups else None, ordered_by=view.ordered_by)
    if product is None:
        return Order(ordered_by=view.ordered_by)  # not a product we stock: no match
    return Order(
        product_key=product.key,
        dose=product.dose,
        route=product.routes[0] if product.routes else None,
        ordered_by=view.ordered_by,
    )


def injection_orders(engine: Engine, encounter_id: int) -> list[OrderView]:
    """The visit's open orders an injection does (vaccines and medications)."""
    return [o for o in open_orders(engine, encounter_id) if o.kind is not OrderKind.TEST]


def matching_order(orders: Sequence[OrderView], product: Product) -> int | None:
    """The index of the first open order this product fills, if any."""
    for index, view in enumerate(orders):
        order = order_of(view)
        if order.product_key == product.key or (
            order.group is not None and order.group == product.group
        ):
            return index
    return None


def standing_order_for(word: str, product: Product) -> StandingProtocol:
    """The clinic's standing order (by its key, ``influenza``) that covers this product."""
    typed = word.strip().lower()
    for protocol in standing_protocols():
        if protocol.key == typed:
            if any(item.product == product.key for item in protocol.items):
                return protocol
            raise InvalidInput(
                f"the standing order {protocol.name!r} does not cover {product.name}"
            )
    keys = [p.key for p in standing_protocols() if any(i.product for i in p.items)]
    raise InvalidInput(
        f"{word.strip()}: give the order's number, or a standing order: {', '.join(keys)}"
    )


def same_birth_date(text: str, birth: date, today: date) -> bool:
    """Whether the date of birth the patient says is the chart's; unreadable is refused."""
    return parse_date_of_birth(text, today) == birth


def eligibility_from_text(text: str) -> Eligibility | None:
    """``V01`` to ``V07`` (``v2`` and ``2`` too); blank: not screened."""
    typed = text.strip().upper().removeprefix("V").lstrip("0")
    if not typed:
        return None
    code = f"V{typed.zfill(2)}"
    if code not in Eligibility.__members__:
        choices = ", ".join(f"{e.value} {ELIGIBILITY_DISPLAY[e]}" for e in Eligibility)
        raise InvalidInput(f"{text.strip()}: not an eligibility; one of {choices}")
    return Eligibility(code)


def edition_from_text(text: str) -> date | None:
    """The VIS edition date as printed on the sheet (``2021-08-06``); blank: none."""
    typed = text.strip()
    if not typed:
        return None
    try:
        return date.fromisoformat(typed)
    except ValueError as exc:
        raise InvalidInput(f"{typed}: the VIS edition date as YYYY-MM-DD") from exc


def site_name(key: str) -> str:
    """A site's words for the readback (``LD``: left deltoid); a key not known as typed."""
    site = SITES.get(key.strip().upper())
    return site[0] if site else key
