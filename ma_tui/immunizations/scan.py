"""A vial's 2D barcode, read from a keyboard-wedge scanner: GTIN, lot, expiry, serial.

The GS1 DataMatrix on a vaccine's unit of use carries element strings: (01) GTIN,
(17) expiry YYMMDD, (10) lot, often (21) serial. They are parsed with ``biip``
(Apache-2.0), never by hand. A US drug's GTIN-14 embeds its 10-digit NDC:
``gtin[1:3]`` is ``03`` and ``gtin[3:13]`` the NDC10; which segment of the NDC11
was padded is then looked up in the product catalog, not guessed.

The scanner sends the group separator (FNC1) as ASCII GS, 0x1D, which a terminal
delivers as Ctrl+]. Two spellings are accepted:

- the GS character itself (a scanner programmed to type it, or a test);
- :data:`SCREEN_SEPARATOR`, ``␝`` (U+241D SYMBOL FOR GROUP SEPARATOR): the
  character the scan field inserts when it receives ``ctrl+right_square_bracket``.
  It is printable, so the MA sees where the separators fell, and it is outside the
  GS1 character set 82, so it can never be part of a lot or serial number.

The ``]d2`` symbology identifier a scanner may send first is accepted too; a
linear barcode with only a GTIN is read as the product without lot and expiry.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from ma_tui.core.errors import InvalidInput

GROUP_SEPARATOR = "\x1d"
SCREEN_SEPARATOR = "\u241d"  # ␝, what the scan field types for Ctrl+]
MAX_SCAN = 200
US_NDC_PREFIX = "03"


class ScanError(InvalidInput, ValueError):
    """A scan that is not a usable drug barcode; the message says what is wrong."""


@dataclass(frozen=True, slots=True)
class VialScan:
    gtin: str  # 14 digits
    ndc10: str  # 10 digits, no hyphens: which segmentation is the catalog's to say
    lot: str | None = None
    expires: date | None = None
    serial: str | None = None


def parse_vial_scan(text: str) -> VialScan:
    """The vial's GTIN, NDC10, lot, expiry and serial; :class:`ScanError` if it is not one."""
    raw = text.strip().strip("\r\n")
    if not raw:
        raise ScanError("scan the vial's 2D barcode")
    if len(raw) > MAX_SCAN:
        raise ScanError("too long for a vial barcode: scan once")
    # biip loads its GS1 tables on import (~0.15 s): only when a vial is scanned,
    # not at every start.
    from biip import ParseConfig, ParseError, parse

    config = ParseConfig(separator_chars=(GROUP_SEPARATOR, SCREEN_SEPARATOR))
    try:
        result = parse(raw, config=config)
    except (ParseError, ValueError, IndexError) as exc:
        # biip 5.2 raises IndexError for a lone "]" (a symbology identifier cut short).
        raise ScanError(f"not a GS1 barcode: {exc or 'cut short'}") from exc
    message = result.gs1_message
    if message is None:
        if result.gtin is None:
            why = f" ({result.gs1_message_error})" if result.gs1_message_error else ""
            raise ScanError(f"not a GS1 barcode{why}: scan the 2D code on the vial or syringe")
        return VialScan(*_gtin_and_ndc(result.gtin.value))
    strings = message.element_strings
    gtin_element = strings.get(ai="01")
    if gtin_element is None:
        raise ScanError("the barcode has no product code (01): scan the vial's own code")
    if gtin_element.gtin is None:
        raise ScanError(f"the product code is wrong: {gtin_element.gtin_error}")
    gtin, ndc10 = _gtin_and_ndc(gtin_element.value)
    lot = strings.get(ai="10")
    expiry = strings.get(ai="17")
    serial = strings.get(ai="21")
    return VialScan(
        gtin=gtin,
        ndc10=ndc10,
        lot=lot.value if lot else None,
        expires=expiry.date if expiry else None,
        serial=serial.value if serial else None,
    )


def _gtin_and_ndc(value: str) -> tuple[str, str]:
    gtin = value.rjust(14, "0")
    if len(gtin) != 14 or not gtin.isdigit():
        raise ScanError(f"{value}: not a GTIN-14")
    if gtin[1:3] != US_NDC_PREFIX:
        raise ScanError(f"GTIN {gtin} does not carry a US NDC (it does not start 0 03 or 1 03)")
    return gtin, gtin[3:13]
