"""Autoclave loads: what ran, how it read, when it may be used, which pack went to whom.

Three tiers of monitoring (CDC/AAMI, as the reference notes summarise them):
mechanical (the cycle's time, temperature and pressure, every load), chemical (an
indicator in every pack, read before use) and biological (a spore test, at least
weekly, and in every load that holds an implant). What this module relies on:

* **Minimum exposure** for wrapped instruments, CDC Guideline for Disinfection and
  Sterilization in Healthcare Facilities (2008), Table 7: gravity displacement 30
  min at 121 °C or 15 min at 132 °C; dynamic-air-removal (prevacuum) 4 min at 132
  °C. A cycle that falls short fails its mechanical check. (A sterilizer maker's
  instructions may ask for more; they never allow less.)
* **Release**: a load is not released before its indicators are read and pass:
  the mechanical check and the chemical indicator, always; and a load holding an
  implant waits for its biological indicator, as AAMI ST79 quarantines implants
  until the BI result is known and CDC's dental guideline (MMWR 2003;52(RR-17))
  says "use a biological indicator for every sterilizer load that contains an
  implantable device; verify results before using the implantable device".
* **Labels**: each pack carries its load number and its place in the load,
  ``L42-007``, so a positive BI can be traced to the packs and the patients.
* **Records**: the log keeps what RACGP's guideline (§10) and ST79 ask of each
  cycle: date, sterilizer, load number and contents, who ran it, the readings, the
  indicator results, the BI lot (ST79 amendment 4), and who released or rejected it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

from ma_tui.core.errors import Conflict, InvalidInput, NotFound

MAX_LOAD_NUMBER = 999_999
MAX_PACKS = 999
MAX_TEXT = 80
TEMPERATURE_C = (Decimal(100), Decimal(140))  # plausible chamber temperatures
PRESSURE_KPA = (Decimal(50), Decimal(350))  # plausible gauge pressures
EXPOSURE_MINUTES = (1, 120)
_PSI_TO_KPA = Decimal("6.894757")
_TENTH = Decimal("0.1")


class CycleType(StrEnum):
    GRAVITY = "gravity"  # gravity displacement
    PREVACUUM = "prevacuum"  # dynamic air removal


CYCLE_DISPLAY = {CycleType.GRAVITY: "gravity", CycleType.PREVACUUM: "prevacuum"}

# CDC 2008, Table 7 (wrapped instruments): (at least this temperature, minimum minutes).
MINIMUM_EXPOSURE: Mapping[CycleType, tuple[tuple[Decimal, int], ...]] = {
    CycleType.GRAVITY: ((Decimal(132), 15), (Decimal(121), 30)),
    CycleType.PREVACUUM: ((Decimal(132), 4),),
}


class Reading(StrEnum):
    PASS = "pass"
    FAIL = "fail"


class BiResult(StrEnum):
    NOT_RUN = "not-run"  # no spore test in this load
    PENDING = "pending"  # incubating
    PASS = "pass"  # negative: no growth
    FAIL = "fail"  # positive: growth; recall


@dataclass(frozen=True, slots=True, order=True)
class PackLabel:
    load: int
    sequence: int

    def __str__(self) -> str:
        return f"L{self.load}-{self.sequence:03d}"


_LABEL = re.compile(r"L\s*([0-9]{1,6})\s*-\s*([0-9]{1,3})", re.IGNORECASE)


def parse_pack_label(text: str) -> PackLabel:
    """``L42-007`` (case, spaces and leading zeros as the label scanner gives them)."""
    match = _LABEL.fullmatch(text.strip()) if len(text) <= 40 else None
    if match is None:
        raise InvalidInput("a pack label is L, the load number, a dash and the pack: L42-007")
    load, sequence = int(match[1]), int(match[2])
    if not 1 <= load <= MAX_LOAD_NUMBER or not 1 <= sequence <= MAX_PACKS:
        raise InvalidInput(f"{text.strip()}: load and pack numbers start at 1")
    return PackLabel(load, sequence)


@dataclass(frozen=True, slots=True)
class Pack:
    label: PackLabel
    contents: str  # "suture removal kit", "IUD insertion tray"
    implant: bool = False


@dataclass(frozen=True, slots=True)
class Load:
    number: int  # the clinic's load number: the L of the pack labels
    sterilizer: str
    cycle_number: int  # the sterilizer's own cycle counter, from its printout
    cycle_type: CycleType
    started_at: datetime
    temperature_c: Decimal
    pressure_kpa: Decimal
    exposure_minutes: int
    operator: str  # who ran it
    packs: tuple[Pack, ...] = ()
    chemical: Reading | None = None  # None until read
    biological: BiResult = BiResult.NOT_RUN
    bi_lot: str = ""
    bi_read_at: datetime | None = None
    released_by: str = ""
    released_at: datetime | None = None
    rejected_by: str = ""
    rejected_at: datetime | None = None
    reject_reason: str = ""

    @property
    def contains_implant(self) -> bool:
        return any(pack.implant for pack in self.packs)

    @property
    def released(self) -> bool:
        return self.released_at is not None

    @property
    def rejected(self) -> bool:
        return self.rejected_at is not None

    @property
    def status(self) -> str:
        """``recalled``, ``rejected``, ``released`` or ``quarantined``."""
        if self.biological is BiResult.FAIL:
            return "recalled"
        if self.rejected:
            return "rejected"
        return "released" if self.released else "quarantined"

    def pack(self, label: PackLabel) -> Pack | None:
        return next((pack for pack in self.packs if pack.label == label), None)


# ------------------------------------------------------------------ recording a load


def new_load(
    *,
    number: int,
    sterilizer: str,
    cycle_number: int,
    cycle_type: CycleType,
    started_at: datetime,
    temperature_c: Decimal,
    pressure_kpa: Decimal,
    exposure_minutes: int,
    operator: str,
    packs: Sequence[tuple[str, bool]],
    biological_indicator: bool,
    bi_lot: str = "",
) -> Load:
    """A load as it comes out of the sterilizer; its packs are labelled in order.

    ``packs`` is each pack's contents and whether it holds an implant. A load with
    an implant must carry a biological indicator.
    """
    if started_at.tzinfo is None:
        raise ValueError("a load's start needs a time zone")
    if not 1 <= number <= MAX_LOAD_NUMBER or not 0 <= cycle_number <= 10 * MAX_LOAD_NUMBER:
        raise InvalidInput(f"load numbers run from 1 to {MAX_LOAD_NUMBER}")
    sterilizer, operator = _text(sterilizer, "the sterilizer"), _text(operator, "who ran it")
    _within(temperature_c, TEMPERATURE_C, "°C", "temperature")
    _within(pressure_kpa, PRESSURE_KPA, "kPa", "pressure")
    if not EXPOSURE_MINUTES[0] <= exposure_minutes <= EXPOSURE_MINUTES[1]:
        raise InvalidInput(f"exposure runs {EXPOSURE_MINUTES[0]} to {EXPOSURE_MINUTES[1]} min")
    if len(packs) > MAX_PACKS:
        raise InvalidInput(f"at most {MAX_PACKS} packs a load")
    labelled = tuple(
        Pack(PackLabel(number, sequence), _text(contents, "each pack's contents"), implant)
        for sequence, (contents, implant) in enumerate(packs, start=1)
    )
    if any(implant for _, implant in packs) and not biological_indicator:
        raise InvalidInput("a load with an implant carries a biological indicator (AAMI ST79)")
    if biological_indicator and not bi_lot.strip():
        raise InvalidInput("record the biological indicator's lot number")
    return Load(
        number=number,
        sterilizer=sterilizer,
        cycle_number=cycle_number,
        cycle_type=cycle_type,
        started_at=started_at,
        temperature_c=temperature_c,
        pressure_kpa=pressure_kpa,
        exposure_minutes=exposure_minutes,
        operator=operator,
        packs=labelled,
        biological=BiResult.PENDING if biological_indicator else BiResult.NOT_RUN,
        bi_lot=bi_lot.strip() if biological_indicator else "",
    )


def mechanical_problem(load: Load) -> str | None:
    """Why the cycle's readings fall short of CDC's minimum exposure; None when they do not."""
    for temperature, minutes in MINIMUM_EXPOSURE[load.cycle_type]:
        if load.temperature_c >= temperature:
            if load.exposure_minutes >= minutes:
                return None
            return (
                f"{load.exposure_minutes} min at {load.temperature_c} °C is under the "
                f"{minutes} min a {CYCLE_DISPLAY[load.cycle_type]} cycle needs (CDC 2008, table 7)"
            )
    lowest = MINIMUM_EXPOSURE[load.cycle_type][-1][0]
    kind = CYCLE_DISPLAY[load.cycle_type]
    return f"{load.temperature_c} °C is below the {lowest} °C a {kind} cycle needs"


def record_chemical(load: Load, reading: Reading) -> Load:
    _not_decided(load)
    return replace(load, chemical=reading)


def record_biological(load: Load, result: BiResult, at: datetime) -> Load:
    """The spore test's result once incubated: pass (no growth) or fail (growth).

    It comes back after the load may have been released and used; a failure then
    starts the recall (:mod:`ma_tui.sterilization.recall`).
    """
    if load.biological is not BiResult.PENDING:
        raise Conflict(f"load L{load.number} has no biological indicator waiting")
    if result not in (BiResult.PASS, BiResult.FAIL):
        raise InvalidInput("a biological indicator reads pass or fail")
    if at < load.started_at:
        raise InvalidInput("the result cannot come before the load ran")
    return replace(load, biological=result, bi_read_at=at)


def release_blockers(load: Load) -> tuple[str, ...]:
    """Every reason the load may not be released yet; none when it may."""
    found: list[str] = []
    problem = mechanical_problem(load)
    if problem is not None:
        found.append(problem)
    if load.chemical is None:
        found.append("read the chemical indicator")
    elif load.chemical is Reading.FAIL:
        found.append("the chemical indicator failed: reject the load and reprocess")
    if load.biological is BiResult.FAIL:
        found.append("the biological indicator failed: reject the load, start the recall")
    elif load.contains_implant and load.biological is not BiResult.PASS:
        found.append("it holds an implant: wait for the biological indicator to pass")
    return tuple(found)


def release(load: Load, by: str, at: datetime) -> Load:
    """The load may be used: its indicators allow it, and ``by`` signs for it."""
    _not_decided(load)
    blockers = release_blockers(load)
    if blockers:
        raise Conflict(f"load L{load.number} cannot be released: " + "; ".join(blockers))
    return replace(load, released_by=_text(by, "who releases it"), released_at=at)


def reject(load: Load, by: str, at: datetime, reason: str) -> Load:
    """The load is not used: its packs go back to be reprocessed."""
    _not_decided(load)
    return replace(
        load,
        rejected_by=_text(by, "who rejects it"),
        rejected_at=at,
        reject_reason=_text(reason, "why it is rejected"),
    )


def _not_decided(load: Load) -> None:
    if load.released or load.rejected:
        raise Conflict(f"load L{load.number} was already {load.status}")


def _text(text: str, what: str) -> str:
    cleaned = " ".join(text.split())
    if not cleaned or len(cleaned) > MAX_TEXT:
        raise InvalidInput(f"give {what} (up to {MAX_TEXT} characters)")
    return cleaned


def _within(value: Decimal, limits: tuple[Decimal, Decimal], unit: str, what: str) -> None:
    if not value.is_finite() or not limits[0] <= value <= limits[1]:
        raise InvalidInput(f"a {what} of {limits[0]} to {limits[1]} {unit}")


# ------------------------------------------------------------------ using a pack


@dataclass(frozen=True, slots=True)
class PackUse:
    label: PackLabel
    patient_id: int
    patient_name: str
    procedure: str
    used_at: datetime
    by: str


def use_pack(
    label: PackLabel,
    loads: Sequence[Load],
    uses: Sequence[PackUse],
    *,
    patient_id: int,
    patient_name: str,
    procedure: str,
    at: datetime,
    by: str,
) -> PackUse:
    """A pack opened for a patient's procedure, refused if it may not be used."""
    load, _ = usable_pack(label, loads, uses)
    if at < load.started_at:
        raise InvalidInput("a pack cannot be used before its load ran")
    return PackUse(label, patient_id, patient_name, _text(procedure, "the procedure"), at, by)


# Why a pack of a load that is not released must stay closed, in the MA's words.
_NOT_RELEASED = {
    "recalled": "its spore test failed; pull the pack from the shelf",
    "rejected": "reprocess the pack",
    "quarantined": "not released yet",
}


def usable_pack(
    label: PackLabel, loads: Sequence[Load], uses: Sequence[PackUse]
) -> tuple[Load, Pack]:
    """The load and pack ``label`` names when the pack may be opened now: in the log,
    from a released load that no failed spore test recalls, not opened before."""
    load = next((load for load in loads if load.number == label.load), None)
    pack = load.pack(label) if load is not None else None
    if load is None or pack is None:
        raise NotFound(f"no pack {label} in the log: check the label")
    if load.status != "released":
        raise Conflict(
            f"do not use {label}, from a {load.status} load: {_NOT_RELEASED[load.status]}"
        )
    # A load released before another load's spore test failed is suspect all the same.
    from ma_tui.sterilization.recall import recalled_by  # recall builds on this module

    failed = recalled_by(label, loads, uses)
    if failed is not None:
        raise Conflict(
            f"do not use {label}, from a recalled load: the spore test of L{failed.number} "
            "failed; pull the pack from the shelf"
        )
    earlier = next((use for use in uses if use.label == label), None)
    if earlier is not None:
        raise Conflict(f"{label} was already opened for {earlier.patient_name}")
    return load, pack


# ------------------------------------------------------------------ typed readings


_NUMBER = r"([0-9]{1,3}(?:\.[0-9]{1,2})?)"
_TEMPERATURE = re.compile(rf"{_NUMBER}\s*(?:°|deg|degrees)?\s*([cf])?", re.IGNORECASE)
_PRESSURE = re.compile(rf"{_NUMBER}\s*(psi|kpa|bar)?", re.IGNORECASE)
_MINUTES = re.compile(r"([0-9]{1,3})\s*(?:m|min|mins|minutes)?", re.IGNORECASE)


def parse_temperature(text: str) -> Decimal:
    """``132``, ``132 C``, ``132°C``, ``270 F``: the chamber temperature in °C, to 0.1.

    A bare number is read as °C when it is a plausible chamber temperature in °C;
    otherwise it needs its unit.
    """
    match = _TEMPERATURE.fullmatch(text.strip()) if len(text) <= 20 else None
    if match is None:
        raise InvalidInput("type the temperature as on the printout: 132 C or 270 F")
    value, unit = Decimal(match[1]), (match[2] or "").casefold()
    celsius = (value - 32) * 5 / 9 if unit == "f" else value
    celsius = celsius.quantize(_TENTH, rounding=ROUND_HALF_UP)
    if not TEMPERATURE_C[0] <= celsius <= TEMPERATURE_C[1]:
        hint = "" if unit else " (add C or F)"
        raise InvalidInput(f"{text.strip()}: not a sterilizing temperature{hint}")
    return celsius


def parse_pressure(text: str) -> Decimal:
    """``30 psi``, ``206 kPa``, ``2.06 bar``: the gauge pressure in kPa, to 0.1."""
    match = _PRESSURE.fullmatch(text.strip()) if len(text) <= 20 else None
    if match is None or match[2] is None:
        raise InvalidInput("type the pressure with its unit: 30 psi, 206 kPa or 2.06 bar")
    value, unit = Decimal(match[1]), match[2].casefold()
    factor = {"psi": _PSI_TO_KPA, "kpa": Decimal(1), "bar": Decimal(100)}[unit]
    kpa = (value * factor).quantize(_TENTH, rounding=ROUND_HALF_UP)
    if not PRESSURE_KPA[0] <= kpa <= PRESSURE_KPA[1]:
        raise InvalidInput(f"{text.strip()}: not a sterilizing pressure")
    return kpa


def parse_exposure(text: str) -> int:
    """``4``, ``4 min``, ``30m``: the exposure (hold) time in whole minutes."""
    match = _MINUTES.fullmatch(text.strip()) if len(text) <= 20 else None
    if match is None:
        raise InvalidInput("type the exposure time in minutes, e.g. 4 min")
    minutes = int(match[1])
    if not EXPOSURE_MINUTES[0] <= minutes <= EXPOSURE_MINUTES[1]:
        raise InvalidInput(f"exposure runs {EXPOSURE_MINUTES[0]} to {EXPOSURE_MINUTES[1]} min")
    return minutes
