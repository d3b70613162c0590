"""A vial's GS1 DataMatrix read from a keyboard-wedge scanner, separators and all."""

from __future__ import annotations

from datetime import date

import pytest
from biip.checksums import gs1_standard_check_digit
from hypothesis import given
from hypothesis import strategies as st

from ma_tui.data.catalogs.vaccines import vaccine_catalog
from ma_tui.immunizations.scan import (
    GROUP_SEPARATOR,
    SCREEN_SEPARATOR,
    ScanError,
    VialScan,
    parse_vial_scan,
)

# Afluria's unit of use, as CDC lists its GTIN (33332-0024-04).
AFLURIA_GTIN = "00333332024049"
FLU = VialScan(AFLURIA_GTIN, "3333202404", "AX5521", date(2027, 6, 30), "SN0042")


def _scan(separator: str, prefix: str = "]d2") -> str:
    return f"{prefix}01{AFLURIA_GTIN}17270630" + f"10AX5521{separator}21SN0042"


@pytest.mark.parametrize("separator", [GROUP_SEPARATOR, SCREEN_SEPARATOR])
@pytest.mark.parametrize("prefix", ["]d2", ""])
def test_a_flu_vial_scan_gives_product_lot_expiry_and_serial(separator: str, prefix: str) -> None:
    assert parse_vial_scan(_scan(separator, prefix)) == FLU


def test_the_scan_names_the_catalog_product() -> None:
    scan = parse_vial_scan(_scan(SCREEN_SEPARATOR))
    found = vaccine_catalog().by_ndc10(scan.ndc10)
    assert found is not None
    product, ndc = found
    assert (product.key, ndc.ndc11, ndc.level) == ("flu_afluria", "33332-0024-04", "unit of use")


def test_a_scanners_trailing_enter_is_ignored() -> None:
    assert parse_vial_scan(_scan(GROUP_SEPARATOR) + "\r\n") == FLU


def test_the_lot_may_come_last_without_a_separator() -> None:
    scan = parse_vial_scan(f"01{AFLURIA_GTIN}1727063010AX5521")
    assert (scan.lot, scan.expires, scan.serial) == ("AX5521", date(2027, 6, 30), None)


def test_an_expiry_day_of_00_is_the_end_of_the_month() -> None:
    assert parse_vial_scan(f"01{AFLURIA_GTIN}1727060010AX5521").expires == date(2027, 6, 30)


def test_a_linear_barcode_gives_the_product_without_lot() -> None:
    assert parse_vial_scan(AFLURIA_GTIN) == VialScan(AFLURIA_GTIN, "3333202404")


def test_a_case_gtin_with_packaging_digit_1_still_carries_the_ndc() -> None:
    # CDC lists Abrysvo's unit of use as GTIN 10300690207015 (NDC 0069-0207-01).
    assert parse_vial_scan("0110300690207015").ndc10 == "0069020701"


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "scan the vial's 2D barcode"),
        ("hello", "not a GS1 barcode"),
        ("01003333320240481727063010AX5521", "check digit"),
        ("0104012345678901", "does not carry a US NDC"),
        ("10AX5521", r"no product code \(01\)"),
        ("9" * 201, "too long"),
    ],
)
def test_a_scan_that_is_not_a_drug_barcode_is_refused(text: str, reason: str) -> None:
    with pytest.raises(ScanError, match=reason):
        parse_vial_scan(text)


@given(st.text(max_size=220))
def test_any_text_gives_a_scan_or_a_refusal(text: str) -> None:
    try:
        scan = parse_vial_scan(text)
    except ScanError as refusal:
        assert str(refusal)
    else:
        assert len(scan.gtin) == 14
        assert scan.gtin[1:3] == "03"
        assert scan.ndc10 == scan.gtin[3:13]


# GS1 character set 82 without the characters a terminal or the parser treat specially.
LOT_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-./"


@given(
    indicator=st.sampled_from("01"),
    ndc10=st.text("0123456789", min_size=10, max_size=10),
    lot=st.text(LOT_CHARS, min_size=1, max_size=20),
    serial=st.none() | st.text(LOT_CHARS, min_size=1, max_size=20),
    expires=st.dates(date(2001, 1, 1), date(2049, 12, 28)),
    separator=st.sampled_from([GROUP_SEPARATOR, SCREEN_SEPARATOR]),
    prefix=st.sampled_from(["", "]d2"]),
)
def test_any_well_formed_vial_barcode_reads_back(
    indicator: str,
    ndc10: str,
    lot: str,
    serial: str | None,
    expires: date,
    separator: str,
    prefix: str,
) -> None:
    body = f"{indicator}03{ndc10}"
    gtin = body + str(gs1_standard_check_digit(body))
    text = f"{prefix}01{gtin}17{expires:%y%m%d}10{lot}"
    if serial is not None:
        text += f"{separator}21{serial}"
    assert parse_vial_scan(text) == VialScan(gtin, ndc10, lot, expires, serial)
