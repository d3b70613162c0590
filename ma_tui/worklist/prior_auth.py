"""Prior authorizations: payer, codes, the payer's answer, units used and the window.

A physician's office handles 33-41 prior authorizations per physician a week (AMA
surveys 2020-2024); OpenEMR's users ask for a bar of units used and for expiry
warnings (openemr #9030, #6044). Statuses run draft -> submitted -> pending ->
approved or denied, a denial may be appealed (``items.TRANSITIONS``). Once approved,
each use of the service counts a unit (:func:`record_use`), and :func:`warnings`
says when the window is about to close (a clinic setting, 14 days by default) and
when the units run low or out.

Codes are text with their system: CPT and HCPCS Level II for services, RxNorm or
NDC for drugs. The system URIs were confirmed in HL7 Terminology (THO):
CPT ``http://www.ama-assn.org/go/cpt`` (CodeSystem CPT), HCPCS Level II
``http://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets`` ("Level II ... comprise
the A to V range"), RxNorm ``http://www.nlm.nih.gov/research/umls/rxnorm`` (FHIR
terminologies-systems), NDC ``http://hl7.org/fhir/sid/ndc`` (as ma-tui's
immunizations already write it).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date, datetime
from enum import StrEnum

from ma_tui.core.errors import Conflict, InvalidInput
from ma_tui.worklist.items import (
    Actor,
    ItemType,
    PatientRef,
    Status,
    WorkItem,
    move,
    new_item,
    update_details,
)

DEFAULT_EXPIRY_WARNING_DAYS = 14
WARNING_DAYS_MIN, WARNING_DAYS_MAX = 1, 365
MAX_UNITS = 9999
MAX_TEXT = 40
BAR_WIDTH = 10
LOW_UNITS = 1  # "1 unit left" is worth a warning


class CodeSystem(StrEnum):
    CPT = "cpt"
    HCPCS = "hcpcs"
    RXNORM = "rxnorm"
    NDC = "ndc"


SYSTEM_URI = {
    CodeSystem.CPT: "http://www.ama-assn.org/go/cpt",
    CodeSystem.HCPCS: "http://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets",
    CodeSystem.RXNORM: "http://www.nlm.nih.gov/research/umls/rxnorm",
    CodeSystem.NDC: "http://hl7.org/fhir/sid/ndc",
}
SYSTEM_FOR_URI = {uri: system for system, uri in SYSTEM_URI.items()}
SYSTEM_DISPLAY = {
    CodeSystem.CPT: "CPT",
    CodeSystem.HCPCS: "HCPCS",
    CodeSystem.RXNORM: "RxNorm",
    CodeSystem.NDC: "NDC",
}

# CPT: five digits (Category I), or four digits and F, T or U (Category II, III, PLA).
_CPT = re.compile(r"[0-9]{5}|[0-9]{4}[FTU]")
# HCPCS Level II: a letter A-V and four digits.
_HCPCS = re.compile(r"[A-V][0-9]{4}")
_RXNORM = re.compile(r"[1-9][0-9]{0,7}")
# NDC: 10 digits as 4-4-2, 5-3-2 or 5-4-1, or the 11-digit 5-4-2 billing form.
_NDC = re.compile(r"[0-9]{4}-[0-9]{4}-[0-9]{2}|[0-9]{5}-[0-9]{3,4}-[0-9]{1,2}|[0-9]{11}")
_PATTERN = {
    CodeSystem.CPT: _CPT,
    CodeSystem.HCPCS: _HCPCS,
    CodeSystem.RXNORM: _RXNORM,
    CodeSystem.NDC: _NDC,
}
_SYSTEM_WORDS = {
    "cpt": CodeSystem.CPT,
    "hcpcs": CodeSystem.HCPCS,
    "rxnorm": CodeSystem.RXNORM,
    "rxcui": CodeSystem.RXNORM,
    "ndc": CodeSystem.NDC,
}
_UNITS = re.compile(r"([0-9]{1,5})\s*(?:/|of)\s*([0-9]{1,5})|([0-9]{1,5})")
CODE_FORMS = "CPT 97110, HCPCS J1745, RxNorm 860975 or NDC 0002-8215-01"


@dataclass(frozen=True, slots=True)
class ServiceCode:
    system: CodeSystem
    code: str
    display: str = ""

    @property
    def uri(self) -> str:
        return SYSTEM_URI[self.system]

    @property
    def text(self) -> str:
        return f"{SYSTEM_DISPLAY[self.system]} {self.code}"


def parse_service_code(text: str) -> ServiceCode:
    """``CPT 97110``, ``hcpcs j1745``, ``RxNorm 860975``, ``NDC 0002-8215-01``.

    A bare code is read by its shape where only one system fits it: five digits or
    four and F/T/U are CPT, a letter and four digits HCPCS, a hyphenated NDC is an
    NDC. A bare number of another length could be RxNorm or something else: it
    needs its system named.
    """
    words = text.split()
    if not words or len(text) > MAX_TEXT:
        raise InvalidInput(f"type a code with its system: {CODE_FORMS}")
    if len(words) == 2 and words[0].casefold() in _SYSTEM_WORDS:
        system = _SYSTEM_WORDS[words[0].casefold()]
        code = words[1].upper()
        if not _PATTERN[system].fullmatch(code):
            raise InvalidInput(f"{words[1]!r} is not a {SYSTEM_DISPLAY[system]} code")
        return ServiceCode(system, code)
    if len(words) == 1:
        code = words[0].upper()
        for system in (CodeSystem.CPT, CodeSystem.HCPCS):
            if _PATTERN[system].fullmatch(code):
                return ServiceCode(system, code)
        if "-" in code and _NDC.fullmatch(code):
            return ServiceCode(CodeSystem.NDC, code)
    raise InvalidInput(f"not a code; type it with its system: {CODE_FORMS}")


@dataclass(frozen=True, slots=True)
class Units:
    used: int
    approved: int


def parse_units(text: str) -> Units:
    """``7/10`` or ``7 of 10`` (used of approved), or ``10`` (approved, none used yet)."""
    match = _UNITS.fullmatch(text.strip().casefold())
    if match is None:
        raise InvalidInput("type the units as used/approved, e.g. 7/10, or the approved number")
    used_text, approved_text, alone = match.groups()
    used, approved = (0, int(alone)) if alone is not None else (int(used_text), int(approved_text))
    if not 1 <= approved <= MAX_UNITS:
        raise InvalidInput(f"approved units run from 1 to {MAX_UNITS}")
    if used > approved:
        raise InvalidInput(f"{used} used is more than the {approved} approved")
    return Units(used, approved)


def units_bar(used: int, approved: int, width: int = BAR_WIDTH) -> str:
    """``███████░░░ 7/10``: full only when every unit is used, empty only when none is."""
    if approved <= 0 or used < 0 or width < 2:
        raise ValueError("a bar needs approved units, used units and some width")
    filled = min(width, used * width // approved)
    if used > 0:
        filled = max(filled, 1)
    if used < approved:
        filled = min(filled, width - 1)
    over = f" ({used - approved} over)" if used > approved else ""
    return f"{'█' * filled}{'░' * (width - filled)} {used}/{approved}{over}"


def parse_warning_days(text: str) -> int:
    """The clinic setting: how many days before an authorization ends to warn."""
    typed = text.strip()
    if not typed.isascii() or not typed.isdigit() or len(typed) > 3:
        raise InvalidInput(
            f"type whole days from {WARNING_DAYS_MIN} to {WARNING_DAYS_MAX}, e.g. 14"
        )
    days = int(typed)
    if not WARNING_DAYS_MIN <= days <= WARNING_DAYS_MAX:
        raise InvalidInput(f"warn from {WARNING_DAYS_MIN} to {WARNING_DAYS_MAX} days ahead")
    return days


@dataclass(frozen=True, slots=True)
class PriorAuth:
    payer: str
    codes: tuple[ServiceCode, ...]
    member_id: str = ""
    reference: str = ""  # the payer's authorization number
    approved_units: int | None = None
    used_units: int = 0
    start: date | None = None
    end: date | None = None
    submitted_on: date | None = None
    decided_on: date | None = None

    def refusal(self, to: Status) -> str | None:
        if to is Status.SUBMITTED and (not self.payer.strip() or not self.codes):
            return "name the payer and at least one code before submitting"
        if to is Status.APPROVED and (not self.reference or self.start is None or self.end is None):
            return "record the payer's reference number and the approved dates"
        return None

    @property
    def units_left(self) -> int | None:
        return None if self.approved_units is None else self.approved_units - self.used_units

    @property
    def bar(self) -> str:
        if self.approved_units is None:
            return ""
        return units_bar(self.used_units, self.approved_units)


class WarningKind(StrEnum):
    EXPIRING = "expiring"
    EXPIRED = "expired"
    NOT_STARTED = "not-started"
    UNITS_LOW = "units-low"
    UNITS_OUT = "units-out"


@dataclass(frozen=True, slots=True)
class PaWarning:
    kind: WarningKind
    text: str


def warnings(
    auth: PriorAuth,
    status: Status,
    today: date,
    warn_days: int = DEFAULT_EXPIRY_WARNING_DAYS,
) -> tuple[PaWarning, ...]:
    """What the MA should see about an approved authorization today."""
    if status is not Status.APPROVED or auth.start is None or auth.end is None:
        return ()
    found: list[PaWarning] = []
    if today > auth.end:
        found.append(PaWarning(WarningKind.EXPIRED, f"expired {auth.end.isoformat()}"))
    elif today < auth.start:
        found.append(PaWarning(WarningKind.NOT_STARTED, f"starts {auth.start.isoformat()}"))
    elif (auth.end - today).days <= warn_days:
        left = (auth.end - today).days
        when = "today" if left == 0 else f"in {left} day{'s' if left != 1 else ''}"
        found.append(
            PaWarning(WarningKind.EXPIRING, f"ends {when} ({auth.end.isoformat()}): renew?")
        )
    left_units = auth.units_left
    if left_units is not None and left_units <= 0:
        found.append(PaWarning(WarningKind.UNITS_OUT, f"all {auth.approved_units} units used"))
    elif left_units is not None and left_units <= LOW_UNITS:
        plural = "s" if left_units != 1 else ""
        found.append(PaWarning(WarningKind.UNITS_LOW, f"{left_units} unit{plural} left"))
    return tuple(found)


# ------------------------------------------------------------------ moves


def new_prior_auth(
    patient: PatientRef, auth: PriorAuth, *, due: datetime, at: datetime, by: Actor
) -> WorkItem[PriorAuth]:
    if len(auth.payer) > MAX_TEXT * 2 or len(auth.member_id) > MAX_TEXT:
        raise InvalidInput("the payer or member id is too long")
    if auth.reference or auth.approved_units is not None or auth.used_units:
        raise InvalidInput("a new prior authorization has no answer yet")
    return new_item(ItemType.PRIOR_AUTH, patient, auth, due=due, at=at, by=by)


def submit(
    item: WorkItem[PriorAuth], submitted_on: date, by: Actor, at: datetime
) -> WorkItem[PriorAuth]:
    details = replace(item.details, submitted_on=submitted_on)
    return move(replace(item, details=details), Status.SUBMITTED, by, at, note="submitted")


def record_approval(
    item: WorkItem[PriorAuth],
    *,
    reference: str,
    units: int | None,
    start: date,
    end: date,
    decided_on: date,
    by: Actor,
    at: datetime,
) -> WorkItem[PriorAuth]:
    """The payer approved: its reference number, the units (if counted) and the window."""
    reference = reference.strip()
    if not reference or len(reference) > MAX_TEXT or any(c.isspace() for c in reference):
        raise InvalidInput("type the payer's reference number (no spaces)")
    if end < start:
        raise InvalidInput("the approval cannot end before it starts")
    if units is not None and not 1 <= units <= MAX_UNITS:
        raise InvalidInput(f"approved units run from 1 to {MAX_UNITS}")
    details = replace(
        item.details,
        reference=reference,
        approved_units=units,
        start=start,
        end=end,
        decided_on=decided_on,
    )
    shown = f"{units} units " if units is not None else ""
    note = f"approved #{reference} {shown}{start.isoformat()} to {end.isoformat()}"
    return move(replace(item, details=details), Status.APPROVED, by, at, note=note)


def record_denial(
    item: WorkItem[PriorAuth], decided_on: date, reason: str, by: Actor, at: datetime
) -> WorkItem[PriorAuth]:
    if not reason.strip():
        raise InvalidInput("say why the payer denied it (from the letter)")
    details = replace(item.details, decided_on=decided_on)
    return move(replace(item, details=details), Status.DENIED, by, at, note=reason)


def _units_after(auth: PriorAuth, units: int) -> str:
    after = auth.used_units + units
    if auth.approved_units is None:
        return f"{auth.used_units} → {after} used"
    return f"{auth.used_units} → {after} of {auth.approved_units}"


def has_units(item: WorkItem[PriorAuth]) -> bool:
    """Whether a unit may be asked about at all (else ``record_use`` says why not)."""
    left = item.details.units_left
    return item.status is Status.APPROVED and (left is None or left > 0)


def use_question(patient_name: str, auth: PriorAuth, units: int = 1) -> str:
    """What the MA confirms before a unit is counted: who, which service, the count after."""
    service = ", ".join(code.display or code.text for code in auth.codes) or "the service"
    plural = "s" if units != 1 else ""
    return f"Use {units} unit{plural} of {service} for {patient_name}? {_units_after(auth, units)}"


def use_done(patient_name: str, auth: PriorAuth) -> str:
    """The toast after: the count now, as the bar reads."""
    count = (
        f"{auth.used_units} of {auth.approved_units}"
        if auth.approved_units is not None
        else f"{auth.used_units} used"
    )
    return f"Unit used for {patient_name}: {count}"


def record_use(
    item: WorkItem[PriorAuth], on: date, by: Actor, at: datetime, units: int = 1
) -> WorkItem[PriorAuth]:
    """A visit or dose counted against the authorization; refused outside it."""
    auth = item.details
    if item.status is not Status.APPROVED or auth.start is None or auth.end is None:
        raise Conflict("only an approved authorization has units to use")
    if not auth.start <= on <= auth.end:
        raise Conflict(
            f"{on.isoformat()} is outside the approval "
            f"({auth.start.isoformat()} to {auth.end.isoformat()})"
        )
    if units < 1:
        raise InvalidInput("count at least one unit")
    left = auth.units_left
    if left is not None and units > left:
        raise Conflict(f"only {left} of {auth.approved_units} units left: ask the payer for more")
    details = replace(auth, used_units=auth.used_units + units)
    shown = details.bar or f"{details.used_units} used"
    return update_details(item, details, by, at, note=f"{units} used {on.isoformat()}: {shown}")
