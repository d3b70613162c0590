"""The clinic's units: what a bare number means on the vitals screen.

A wrong one turns 38.1 °C into a refusal and 77 kg into 77 lb. The command line is
the only way to change them (``ma-tui settings set weight kg``); it goes through here,
which accepts the names people type (``kg``, ``celsius``, ``°F``) and stores only the
UCUM codes the vitals parser knows. Where and how a setting is kept, and its audit
event: ``ma_tui.clinic.settings``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Literal, get_args

from sqlalchemy.engine import Engine
from sqlmodel import Session

from ma_tui.clinic.settings import SettingChange, SettingError, change_setting, quoted
from ma_tui.vitals.entry import clinic_units
from ma_tui.vitals.measurements import CELSIUS, CM, FAHRENHEIT, INCH, KG, POUND, ClinicUnits
from ma_tui.vitals.readback import unit_label

SettingName = Literal["weight", "height", "temperature"]
SETTING_NAMES: tuple[SettingName, ...] = get_args(SettingName)


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


def unit_setting_named(text: str) -> SettingName | None:
    """``weight``, ``height`` or ``temperature``, in any case; else None."""
    wanted = text.strip().casefold()
    return next((name for name in SETTING_NAMES if wanted == name), None)


def setting_name(text: str) -> SettingName:
    """``weight``, ``height`` or ``temperature``, in any case; else ``SettingError``."""
    name = unit_setting_named(text)
    if name is None:
        raise SettingError(f"unknown setting {quoted(text)}: use weight, height or temperature")
    return name


def unit_code(setting: SettingName, text: str) -> str:
    """The UCUM code for a unit as typed (``kg``, ``Celsius``, ``°F``); else ``SettingError``."""
    spec = _SETTINGS[setting]
    code = spec.spellings.get(text.strip().casefold())
    if code is None:
        raise SettingError(f"unknown {setting} unit {quoted(text)}: use {spec.allowed}")
    return code


def parse_change(setting: str, value: str) -> tuple[SettingName, str]:
    """The setting and UCUM code asked for, both checked; ``SettingError`` names the bad one."""
    name = setting_name(setting)
    return name, unit_code(name, value)


def unit_change(setting: SettingName, value: str) -> SettingChange:
    """The unit asked for, checked, ready to store."""
    code = unit_code(setting, value)
    return SettingChange(setting, _SETTINGS[setting].key, code, f"{setting}: {unit_label(code)}")


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


def unit_lines(session: Session) -> list[str]:
    """``weight: lb``, ``height: in``, ``temperature: °F``, as ``ma-tui settings`` shows them."""
    return [f"{name}: {label}" for name, label in unit_labels(read_units(session))]


def set_unit(
    engine: Engine, setting: str, value: str, *, now: datetime, staff_id: int | None = None
) -> str:
    """Check the setting and unit, then store the unit with its audit event.

    Both are checked before the database is touched, so bad input changes nothing.
    Returns the UCUM code stored.
    """
    change = unit_change(setting_name(setting), value)
    change_setting(engine, change, now=now, staff_id=staff_id)
    return change.value
