"""The clinic's settings: read them, and change one, checked before anything is written.

Units: a bare number on the vitals screen is in these units, so a wrong one turns
38.1 °C into a refusal and 77 kg into 77 lb. The command line is the only way to
change them; it goes through here, which accepts the names people type (``kg``,
``celsius``, ``°F``) and stores only the UCUM codes the vitals parser knows.

Minutes: how long five wrong PINs lock an account (``lockout``, 15 by default) and
how long an idle terminal stays open before it locks (``idle-lock``, 5 by default),
whole minutes from 1 to 240.

FHIR: ``mrn-system`` is the identifier system of the clinic's MRNs, the URI its EHR
gives them (``urn:oid:...``), which FHIR export writes and import matches. Each
database also gets a UUID of its own, on first use, that exported resource ids
are made from, so two clinics' exports never share an id. ``export-folder`` is
where the review screen's one-key export writes visits (an absolute folder, e.g.
the interface engine's pickup folder); by default ma-tui's data folder.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, get_args

from platformdirs import user_data_path
from sqlmodel import Session

from ma_tui.data.models.settings import ClinicSetting
from ma_tui.data.store import in_one_transaction
from ma_tui.fhir.codes import DEFAULT_MRN_SYSTEM
from ma_tui.vitals.entry import clinic_units
from ma_tui.vitals.measurements import CELSIUS, CM, FAHRENHEIT, INCH, KG, POUND, ClinicUnits
from ma_tui.vitals.readback import unit_label

SettingName = Literal["weight", "height", "temperature"]
SETTING_NAMES: tuple[SettingName, ...] = get_args(SettingName)
MinutesName = Literal["lockout", "idle-lock"]
MINUTES_NAMES: tuple[MinutesName, ...] = get_args(MinutesName)
FhirSettingName = Literal["mrn-system", "export-folder"]
AnySettingName = Literal[SettingName, MinutesName, FhirSettingName]

DEFAULT_LOCKOUT_MINUTES = 15
DEFAULT_IDLE_LOCK_MINUTES = 5
MINUTES_MIN, MINUTES_MAX = 1, 240

_SHOWN_MAX = 40  # characters of a bad value echoed back in a message


class SettingError(ValueError):
    """A setting or value the clinic cannot use; the message is one line for the user."""


@dataclass(frozen=True)
class _Setting:
    key: str  # the ClinicSetting row
    allowed: str  # what the error message offers
    spellings: Mapping[str, str]  # casefolded text -> UCUM code


def _spellings(codes: Mapping[str, tuple[str, ...]]) -> dict[str, str]:
    """``{code: (spelling, ...)}`` turned around; each code also spells itself."""
    return {name.casefold(): code for code, names in codes.items() for name in (code, *names)}


_SETTINGS: dict[SettingName, _Setting] = {
    "weight": _Setting(
        "weight_unit",
        "lb or kg (also pounds, kilograms)",
        _spellings(
            {
                POUND.ucum: ("lb", "lbs", "pound", "pounds"),
                KG.ucum: ("kgs", "kilogram", "kilograms"),
            }
        ),
    ),
    "height": _Setting(
        "height_unit",
        "in or cm (also inches, centimeters)",
        _spellings(
            {
                INCH.ucum: ("in", "inch", "inches"),
                CM.ucum: ("centimeter", "centimeters", "centimetre", "centimetres"),
            }
        ),
    ),
    "temperature": _Setting(
        "temperature_unit",
        "f or c (also °F, °C, fahrenheit, celsius)",
        _spellings(
            {
                FAHRENHEIT.ucum: ("f", "°f", "℉", "fahrenheit"),
                CELSIUS.ucum: ("c", "°c", "℃", "celsius"),
            }
        ),
    ),
}


def _shown(text: str) -> str:
    """The user's text quoted on one line, cut short if long."""
    cut = text if len(text) <= _SHOWN_MAX else text[:_SHOWN_MAX] + "…"
    return repr(cut)


def setting_name(text: str) -> SettingName:
    """``weight``, ``height`` or ``temperature``, in any case; else ``SettingError``."""
    wanted = text.strip().casefold()
    for name in SETTING_NAMES:
        if wanted == name:
            return name
    raise SettingError(f"unknown setting {_shown(text)}: use weight, height or temperature")


def unit_code(setting: SettingName, text: str) -> str:
    """The UCUM code for a unit as typed (``kg``, ``Celsius``, ``°F``); else ``SettingError``."""
    spec = _SETTINGS[setting]
    code = spec.spellings.get(text.strip().casefold())
    if code is None:
        raise SettingError(f"unknown {setting} unit {_shown(text)}: use {spec.allowed}")
    return code


def parse_change(setting: str, value: str) -> tuple[SettingName, str]:
    """The setting and UCUM code asked for, both checked; ``SettingError`` names the bad one."""
    name = setting_name(setting)
    return name, unit_code(name, value)


def read_units(session: Session) -> ClinicUnits:
    """The clinic's units, read exactly as the vitals screen reads them."""
    return clinic_units(session)


def unit_labels(units: ClinicUnits) -> list[tuple[SettingName, str]]:
    """Each setting with its unit as the screens show it: ``("temperature", "°F")``."""
    codes: dict[SettingName, str] = {
        "weight": units.weight,
        "height": units.height,
        "temperature": units.temperature,
    }
    return [(name, unit_label(codes[name])) for name in SETTING_NAMES]


def set_unit(session: Session, setting: str, value: str) -> str:
    """Check the setting and value, then store the unit in one transaction.

    Both are checked before the database is touched, so bad input changes nothing.
    Returns the UCUM code stored.
    """
    name, code = parse_change(setting, value)
    _store(session, _SETTINGS[name].key, code)
    return code


def _store(session: Session, key: str, value: str) -> None:
    """One setting row written in its own transaction, again whole while the database is busy."""

    def write() -> None:
        row = session.get(ClinicSetting, key) or ClinicSetting(key=key, value=value)
        row.value = value
        session.add(row)

    in_one_transaction(session, write)


# ---------------------------------------------------------------- minutes


@dataclass(frozen=True)
class _Minutes:
    key: str  # the ClinicSetting row
    default: int


_MINUTES: dict[MinutesName, _Minutes] = {
    "lockout": _Minutes("lockout_minutes", DEFAULT_LOCKOUT_MINUTES),
    "idle-lock": _Minutes("idle_lock_minutes", DEFAULT_IDLE_LOCK_MINUTES),
}
_MINUTES_TEXT = re.compile(r"([0-9]{1,6})\s*(?:m|min|mins|minute|minutes)?")


def minutes_name(text: str) -> MinutesName:
    """``lockout`` or ``idle-lock`` (also ``idle_lock``, ``Idle lock``); else ``SettingError``."""
    wanted = "-".join(text.strip().casefold().replace("_", " ").replace("-", " ").split())
    for name in MINUTES_NAMES:
        if wanted in (name, f"{name}-minutes"):
            return name
    raise SettingError(f"unknown setting {_shown(text)}: use lockout or idle-lock")


def parse_minutes(setting: MinutesName, text: str) -> int:
    """Whole minutes from 1 to 240 (``15``, ``15m``, ``15 minutes``); else ``SettingError``."""
    match = _MINUTES_TEXT.fullmatch(text.strip().casefold())
    minutes = int(match.group(1)) if match else None
    if minutes is None or not MINUTES_MIN <= minutes <= MINUTES_MAX:
        raise SettingError(
            f"{setting} is whole minutes from {MINUTES_MIN} to {MINUTES_MAX}, not {_shown(text)}"
        )
    return minutes


def read_minutes(session: Session, setting: MinutesName) -> int:
    """The clinic's minutes for ``setting``; the default when unset (or not a valid value)."""
    spec = _MINUTES[setting]
    row = session.get(ClinicSetting, spec.key)
    if row is None:
        return spec.default
    try:
        return parse_minutes(setting, row.value)
    except SettingError:
        return spec.default


def lockout_minutes(session: Session) -> int:
    """How long five wrong PINs in a row lock an account."""
    return read_minutes(session, "lockout")


def idle_lock_minutes(session: Session) -> int:
    """How long a terminal may sit untouched before it locks."""
    return read_minutes(session, "idle-lock")


def minutes_label(minutes: int) -> str:
    return f"{minutes} minute" if minutes == 1 else f"{minutes} minutes"


def set_minutes(session: Session, setting: str, value: str) -> int:
    """Check the setting and minutes, then store them in one transaction; returns the minutes."""
    name = minutes_name(setting)
    minutes = parse_minutes(name, value)
    _store(session, _MINUTES[name].key, str(minutes))
    return minutes


# ------------------------------------------------------------------- FHIR

MRN_SYSTEM_KEY = "fhir_mrn_system"
CLINIC_ID_KEY = "fhir_clinic_id"
URI_MAX = 255
# An absolute URI without spaces: scheme, colon, the rest (urn:oid:1.2.3, https://...).
_URI = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:[^\s]+")


EXPORT_FOLDER_KEY = "fhir_export_folder"
PATH_MAX = 1000


def _fhir_setting_name(text: str) -> FhirSettingName | None:
    wanted = "-".join(text.strip().casefold().replace("_", " ").replace("-", " ").split())
    if wanted == "mrn-system":
        return "mrn-system"
    if wanted == "export-folder":
        return "export-folder"
    return None


def default_export_folder() -> Path:
    return user_data_path("ma-tui", appauthor=False) / "exports"


def parse_export_folder(text: str) -> str:
    """An absolute folder path; it need not exist yet (the export makes it)."""
    folder = text.strip()
    if not folder or len(folder) > PATH_MAX or not Path(folder).is_absolute():
        raise SettingError(f"export-folder is an absolute folder path, not {_shown(text)}")
    if any(ord(ch) < 32 for ch in folder):
        raise SettingError("export-folder may not hold control characters")
    return folder


def read_export_folder(session: Session) -> Path:
    """Where one-key visit exports go: the clinic's folder, else ma-tui's own."""
    row = session.get(ClinicSetting, EXPORT_FOLDER_KEY)
    try:
        return Path(parse_export_folder(row.value)) if row is not None else default_export_folder()
    except SettingError:
        return default_export_folder()


def parse_mrn_system(text: str) -> str:
    """An absolute URI (``urn:oid:2.16.840.1.113883.3.1234``, ``https://ehr.example/mrn``)."""
    uri = text.strip()
    if len(uri) > URI_MAX or not _URI.fullmatch(uri):
        raise SettingError(
            f"mrn-system is the URI your EHR gives its MRNs (urn:oid:..., https://...), "
            f"not {_shown(text)}"
        )
    return uri


def read_mrn_system(session: Session) -> str:
    """The clinic's MRN identifier system; ma-tui's own when unset."""
    row = session.get(ClinicSetting, MRN_SYSTEM_KEY)
    try:
        return parse_mrn_system(row.value) if row is not None else DEFAULT_MRN_SYSTEM
    except SettingError:
        return DEFAULT_MRN_SYSTEM


def clinic_id(session: Session) -> uuid.UUID:
    """This database's own UUID, made and stored on first use."""
    row = session.get(ClinicSetting, CLINIC_ID_KEY)
    if row is not None:
        try:
            return uuid.UUID(row.value)
        except ValueError:
            pass  # damaged by hand: make a new one below
    made = uuid.uuid4()
    _store(session, CLINIC_ID_KEY, str(made))
    return made


# ------------------------------------------------------------ every setting


@dataclass(frozen=True)
class SettingChange:
    """A change the command line asked for, checked: a unit's UCUM code or minutes."""

    name: AnySettingName
    value: str  # UCUM code, whole minutes as digits, or the MRN system's URI


def parse_setting(setting: str, value: str) -> SettingChange:
    """Any setting and its value, both checked; ``SettingError`` names the bad one."""
    fhir_name = _fhir_setting_name(setting)
    if fhir_name == "mrn-system":
        return SettingChange(fhir_name, parse_mrn_system(value))
    if fhir_name == "export-folder":
        return SettingChange(fhir_name, parse_export_folder(value))
    try:
        name = minutes_name(setting)
    except SettingError:
        pass
    else:
        return SettingChange(name, str(parse_minutes(name, value)))
    try:
        unit = setting_name(setting)
    except SettingError:
        raise SettingError(
            f"unknown setting {_shown(setting)}: use weight, height, temperature, "
            "lockout, idle-lock, mrn-system or export-folder"
        ) from None
    return SettingChange(unit, unit_code(unit, value))


def apply_setting(session: Session, change: SettingChange) -> str:
    """Store a checked change; returns the line that shows it (``lockout: 15 minutes``)."""
    if change.name == "mrn-system" or change.name == "export-folder":
        key = MRN_SYSTEM_KEY if change.name == "mrn-system" else EXPORT_FOLDER_KEY
        _store(session, key, change.value)
        return f"{change.name}: {change.value}"
    if change.name == "lockout" or change.name == "idle-lock":
        minutes = set_minutes(session, change.name, change.value)
        return f"{change.name}: {minutes_label(minutes)}"
    code = set_unit(session, change.name, change.value)
    return f"{change.name}: {unit_label(code)}"


def setting_lines(session: Session) -> list[str]:
    """Every setting as ``ma-tui settings`` shows it, one per line."""
    units = [f"{name}: {label}" for name, label in unit_labels(read_units(session))]
    minutes = [f"{name}: {minutes_label(read_minutes(session, name))}" for name in MINUTES_NAMES]
    fhir = [
        f"mrn-system: {read_mrn_system(session)}",
        f"export-folder: {read_export_folder(session)}",
    ]
    return [*units, *minutes, *fhir]
