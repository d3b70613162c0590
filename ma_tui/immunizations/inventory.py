"""Lots on the shelf: product, NDC, lot, expiry, doses on hand and who paid for them.

A lot is VFC stock (Vaccines for Children, federally funded), private stock, or
another public program's (state or Section 317). The patient's funding eligibility
is an HL7 table 0064 code (Financial Class): V01 not VFC eligible, V02 Medicaid,
V03 uninsured, V04 American Indian/Alaska Native, V05 underinsured at an FQHC,
V07 local-specific eligibility (codes as PHIN VADS publishes them for IIS). The
rule at the chair: VFC stock only for a VFC-eligible child (V02-V05, under 19),
private stock only for V01, other public stock only for V07; anything else stops.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from enum import StrEnum

from ma_tui.core.errors import Conflict, InvalidInput
from ma_tui.core.expiry import is_expired

VFC_AGE_LIMIT = 19  # VFC covers children through 18 years


class FundingSource(StrEnum):
    VFC = "vfc"
    PRIVATE = "private"
    OTHER = "other"  # another public program: state supply, Section 317


FUNDING_DISPLAY = {
    FundingSource.VFC: "VFC stock",
    FundingSource.PRIVATE: "private stock",
    FundingSource.OTHER: "state/other public stock",
}


class Eligibility(StrEnum):
    """HL7 v2 table 0064 (Financial Class) as used for immunization funding."""

    V01 = "V01"
    V02 = "V02"
    V03 = "V03"
    V04 = "V04"
    V05 = "V05"
    V07 = "V07"


ELIGIBILITY_DISPLAY = {
    Eligibility.V01: "Not VFC eligible",
    Eligibility.V02: "VFC eligible-Medicaid/Medicaid Managed Care",
    Eligibility.V03: "VFC eligible-Uninsured",
    Eligibility.V04: "VFC eligible-American Indian/Alaskan Native",
    Eligibility.V05: "VFC eligible-Federally Qualified Health Center Patient (under-insured)",
    Eligibility.V07: "Local-specific eligibility",
}
VFC_ELIGIBLE = frozenset({Eligibility.V02, Eligibility.V03, Eligibility.V04, Eligibility.V05})
SOURCE_FOR = {
    **dict.fromkeys(VFC_ELIGIBLE, FundingSource.VFC),
    Eligibility.V01: FundingSource.PRIVATE,
    Eligibility.V07: FundingSource.OTHER,
}


class LotExpired(InvalidInput):
    """The lot is past its expiry: a hard stop."""


class LotEmpty(Conflict):
    """The lot has no doses left on hand."""


@dataclass(frozen=True, slots=True)
class InventoryLot:
    product_key: str
    ndc11: str | None
    lot: str
    expires: date
    doses_on_hand: int
    funding: FundingSource

    def label(self) -> str:
        return f"lot {self.lot} ({FUNDING_DISPLAY[self.funding]}, exp {self.expires.isoformat()})"


def lot_problem(lot: InventoryLot, today: date) -> str | None:
    """Why this lot cannot be used today, or None."""
    if is_expired(lot.expires, today):
        return f"{lot.label()} is expired: do not give; take it off the shelf"
    if lot.doses_on_hand <= 0:
        return f"{lot.label()} has no doses left on hand: count the shelf"
    return None


def check_lot(lot: InventoryLot, today: date) -> None:
    """Raise :class:`LotExpired` or :class:`LotEmpty` when the lot cannot be used today."""
    problem = lot_problem(lot, today)
    if problem is None:
        return
    raise (LotExpired if is_expired(lot.expires, today) else LotEmpty)(problem)


class StockFlag(StrEnum):
    """What the shelf screen says about a lot, worst first."""

    EXPIRED = "expired"  # past its expiry: take it off the shelf
    EMPTY = "empty"  # no doses left: count the shelf
    LOW = "low"  # LOW_STOCK doses or fewer: time to reorder


LOW_STOCK = 5  # doses on hand at or under which a lot is flagged low


def stock_flag(lot: InventoryLot, today: date) -> StockFlag | None:
    """The one flag the lot shows today (expired before empty before low), or None."""
    if is_expired(lot.expires, today):
        return StockFlag.EXPIRED
    if lot.doses_on_hand <= 0:
        return StockFlag.EMPTY
    if lot.doses_on_hand <= LOW_STOCK:
        return StockFlag.LOW
    return None


def funding_problem(
    lot: InventoryLot, eligibility: Eligibility | None, age_years: int
) -> str | None:
    """Why this patient may not receive a dose from this lot's funding, or None.

    An adult with no eligibility recorded gets private stock without a screen.
    """
    adult = age_years >= VFC_AGE_LIMIT
    if lot.funding is FundingSource.VFC and adult:
        return f"{lot.label()} is VFC stock, for children under {VFC_AGE_LIMIT}: take private stock"
    if eligibility is None:
        if adult and lot.funding is FundingSource.PRIVATE:
            return None
        return "screen the patient's funding eligibility (V01-V05, V07) before choosing the stock"
    if eligibility in VFC_ELIGIBLE and adult:
        return f"{eligibility.value} is for children under {VFC_AGE_LIMIT}: recheck the eligibility"
    needed = SOURCE_FOR[eligibility]
    if needed is not lot.funding:
        return (
            f"patient is {eligibility.value} ({ELIGIBILITY_DISPLAY[eligibility]}): "
            f"needs {FUNDING_DISPLAY[needed]}, this is {FUNDING_DISPLAY[lot.funding]}"
        )
    return None


def after_dose(lot: InventoryLot) -> InventoryLot:
    """The lot with one dose fewer on hand; a lot with none left cannot give one."""
    if lot.doses_on_hand <= 0:
        raise LotEmpty(f"{lot.label()} has no doses left on hand")
    return replace(lot, doses_on_hand=lot.doses_on_hand - 1)
