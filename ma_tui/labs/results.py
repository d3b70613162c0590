"""Flags and readback for point-of-care readings.

A measured value is flagged against the analyte's reference band for the patient
(``H``/``L``) and its critical limits (``HH``/``LL``); a pad reading or an antigen
result against the catalog's one normal choice (``A`` when it is not). Flags are
HL7 v3 ObservationInterpretation codes, so FHIR writes them as they are. Where the
catalog has no band for the patient (a child's hemoglobin) the value is not
flagged, and the readback says so rather than judge it by an adult's range.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import Literal

from ma_tui.data.catalogs.poc_tests import Analyte, Limits
from ma_tui.labs.line import PocLine, Reading


class Flag(StrEnum):
    """HL7 v3 ObservationInterpretation codes used for point-of-care results."""

    NORMAL = "N"
    ABNORMAL = "A"
    HIGH = "H"
    LOW = "L"
    CRITICAL_HIGH = "HH"
    CRITICAL_LOW = "LL"


FLAG_DISPLAY = {
    Flag.NORMAL: "Normal",
    Flag.ABNORMAL: "Abnormal",
    Flag.HIGH: "High",
    Flag.LOW: "Low",
    Flag.CRITICAL_HIGH: "Critical high",
    Flag.CRITICAL_LOW: "Critical low",
}


@dataclass(frozen=True, slots=True)
class Interpretation:
    flag: Flag | None  # None: invalid result, or no reference band for this patient
    band: Limits | None = None  # the reference band that applied
    note: str = ""

    @property
    def abnormal(self) -> bool:
        return self.flag not in (None, Flag.NORMAL)

    @property
    def critical(self) -> bool:
        return self.flag in (Flag.CRITICAL_HIGH, Flag.CRITICAL_LOW)


def reference_band(analyte: Analyte, sex: str | None, age_years: int | None) -> Limits | None:
    """The first of the analyte's bands that applies to this patient, if any."""
    return next((b.limits for b in analyte.normal if b.applies(sex, age_years)), None)


def interpret(
    reading: Reading, *, sex: str | None = None, age_years: int | None = None
) -> Interpretation:
    """The reading's flag against the analyte's band or normal choice (see the module doc)."""
    choice = reading.choice
    if choice is not None:
        if choice.answer is not None and choice.answer.key == "invalid":
            return Interpretation(None, note="invalid result: repeat with a new test")
        return Interpretation(Flag.NORMAL if choice.normal else Flag.ABNORMAL)
    assert reading.value is not None
    return _interpret_value(reading.analyte, reading.value, sex, age_years)


def _interpret_value(
    analyte: Analyte, value: Decimal, sex: str | None, age_years: int | None
) -> Interpretation:
    band = reference_band(analyte, sex, age_years)
    if analyte.critical.below(value):
        return Interpretation(Flag.CRITICAL_LOW, band, "critical: tell the provider now")
    if analyte.critical.above(value):
        return Interpretation(Flag.CRITICAL_HIGH, band, "critical: tell the provider now")
    if band is None:
        return Interpretation(None, None, "no reference range for this patient: not flagged")
    if band.below(value):
        return Interpretation(Flag.LOW, band)
    if band.above(value):
        return Interpretation(Flag.HIGH, band)
    return Interpretation(Flag.NORMAL, band)


def band_text(band: Limits | None, analyte: Analyte) -> str:
    """``70-140 mg/dL``, ``<=5.6 %``, ``>=0.9``: the band as the record prints it."""
    if band is None:
        return ""
    unit = f" {analyte.unit_display}" if analyte.unit_display else ""
    if band.low is not None and band.high is not None:
        return f"{band.low}-{band.high}{unit}"
    if band.high is not None:
        return f"<={band.high}{unit}"
    return f">={band.low}{unit}"


Tone = Literal["plain", "flag", "error"]


@dataclass(frozen=True, slots=True)
class ReadbackPart:
    text: str
    tone: Tone


# Labels where the upper-cased word would read wrong.
_LABELS = {"ph": "pH", "flu_a": "Flu A", "flu_b": "Flu B"}


def label(reading: Reading, line: PocLine) -> str:
    """Short label: the analyte's first word for a panel (``LE``), the test's for one result."""
    if reading.analyte.key in _LABELS:
        return _LABELS[reading.analyte.key]
    if line.test is not None and line.test.single:
        return line.test.words[0].upper()
    return reading.analyte.words[0].upper()


def line_readback(
    line: PocLine, *, sex: str | None = None, age_years: int | None = None
) -> list[ReadbackPart]:
    """Each reading with unit and flag, refused pieces first; a partial panel names the rest."""
    parts = [ReadbackPart(f"✗ {piece.error}", "error") for piece in line.errors]
    for reading in line.readings:
        result = interpret(reading, sex=sex, age_years=age_years)
        unit = (
            f" {reading.analyte.unit_display}"
            if reading.value is not None and reading.analyte.unit_display
            else ""
        )
        text = f"{label(reading, line)} {reading.shown}{unit}"
        if result.flag is not None and result.flag is not Flag.NORMAL:
            text += f" {result.flag.value}"
        if result.note:
            text += f" ({result.note})"
        parts.append(
            ReadbackPart(text, "flag" if result.abnormal or result.flag is None else "plain")
        )
    if line.test is not None and not line.test.single and line.readings and line.missing:
        left = ", ".join(a.words[0] for a in line.missing)
        parts.append(ReadbackPart(f"not read: {left}", "plain"))
    return parts


def readback_text(line: PocLine, *, sex: str | None = None, age_years: int | None = None) -> str:
    """The readback on one line, for a label or a test: ``GLU 104 mg/dL  ·  ...``."""
    return "  ·  ".join(part.text for part in line_readback(line, sex=sex, age_years=age_years))
