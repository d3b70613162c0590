"""What the MA types at the chair, read: the order, the date of birth again, the
patient's funding eligibility and the VIS edition. Each reader says why it refuses.

The order is typed as the provider wrote it, by a product word of the catalog
(``flu``, ``tdap``, ``b12``): a vaccine's order is its vaccine group (any brand of
it fills it), a medication's is that product at its catalog dose and first route.
Once orders come from the visit (issue 18 item 1) they take this field's place.
"""

from __future__ import annotations

from datetime import date

from ma_tui.core.errors import InvalidInput
from ma_tui.core.parsing import parse_date_of_birth
from ma_tui.data.catalogs.vaccines import SITES, vaccine_catalog
from ma_tui.immunizations.administration import Order
from ma_tui.immunizations.inventory import ELIGIBILITY_DISPLAY, Eligibility


def order_from_text(text: str, ordered_by: str | None = None) -> Order:
    """The order a product word stands for; ``InvalidInput`` when no product has it."""
    word = text.strip().lower()
    if not word:
        raise InvalidInput("type what the provider ordered: flu, tdap, hepb, b12 …")
    product = vaccine_catalog().by_word(word)
    if product is None:
        raise InvalidInput(f"{text.strip()}: no product in the catalog is called that")
    if product.is_vaccine:
        return Order(group=product.group, ordered_by=ordered_by)
    return Order(
        product_key=product.key,
        dose=product.dose,
        route=product.routes[0] if product.routes else None,
        ordered_by=ordered_by,
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
