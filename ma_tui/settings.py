"""The clinic's default units: read them, and change one, checked before anything is written.

A bare number on the vitals screen is in these units, so a wrong one turns 38.1 °C
into a refusal and 77 kg into 77 lb. The command line is the only way to change
them; it goes through here, which accepts the names people type (``kg``,
``celsius``, ``°F``) and stores only the UCUM codes the vitals parser knows.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal, get_args

from sqlmodel import Session

from data.models import ClinicSetting
from data.store import retry_on_busy
from ma_tui.measurements import CELSIUS, CM, FAHRENHEIT, INCH, KG, POUND, ClinicUnits
from ma_tui.readback import unit_label
from ma_tui.vitals_entry import clinic_units

SettingName = Literal["weight", "height", "temperature"]
SETTING_NAMES: tuple[SettingName, ...] = get_args(SettingName)

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
    key = _SETTINGS[name].key

    def attempt() -> None:
        # The whole write again on each retry: a busy database rolled back the last one.
        try:
            row = session.get(ClinicSetting, key) or ClinicSetting(key=key, value=code)
            row.value = code
            session.add(row)
            session.commit()
        except BaseException:
            session.rollback()
            raise

    retry_on_busy(attempt)
    return code
