"""How long the MA watches a patient after a dose: the clinic's ``observation`` minutes.

``ma-tui settings set observation 30``: whole minutes from 0 to 60, 15 by default
(the usual wait after a vaccine; a clinic may ask 30 after an earlier reaction). 0
means the clinic keeps no observation period: the queue row says the dose was given
and no countdown runs. Where and how a setting is kept, and its audit event:
``ma_tui.clinic.settings``.
"""

from __future__ import annotations

import re

from sqlmodel import Session

from ma_tui.clinic.settings import (
    SettingChange,
    SettingError,
    minutes_label,
    quoted,
    read_setting,
    spelled,
)

SETTING = "observation"
KEY = "observation_minutes"  # the ClinicSetting row
DEFAULT_MINUTES = 15
MIN_MINUTES, MAX_MINUTES = 0, 60

_MINUTES_TEXT = re.compile(r"([0-9]{1,6})\s*(?:m|min|mins|minute|minutes)?")


def observation_setting_named(text: str) -> bool:
    """``observation`` (also ``observation-minutes``, ``Observation_Minutes``)."""
    return spelled(text) in (SETTING, f"{SETTING}-minutes")


def parse_observation_minutes(text: str) -> int:
    """Whole minutes from 0 to 60 (``15``, ``15m``, ``15 minutes``); else ``SettingError``."""
    match = _MINUTES_TEXT.fullmatch(text.strip().casefold())
    minutes = int(match.group(1)) if match else None
    if minutes is None or not MIN_MINUTES <= minutes <= MAX_MINUTES:
        raise SettingError(
            f"{SETTING} is whole minutes from {MIN_MINUTES} to {MAX_MINUTES}, not {quoted(text)}"
        )
    return minutes


def observation_change(text: str) -> SettingChange:
    """The minutes asked for, checked, ready to store."""
    minutes = parse_observation_minutes(text)
    return SettingChange(SETTING, KEY, str(minutes), f"{SETTING}: {_label(minutes)}")


def observation_minutes(session: Session) -> int:
    """The clinic's observation period after a dose; 15 when unset or not usable."""
    stored = read_setting(session, KEY)
    if stored is None:
        return DEFAULT_MINUTES
    try:
        return parse_observation_minutes(stored)
    except SettingError:
        return DEFAULT_MINUTES


def observation_lines(session: Session) -> list[str]:
    """``observation: 15 minutes``, as ``ma-tui settings`` shows it."""
    return [f"{SETTING}: {_label(observation_minutes(session))}"]


def _label(minutes: int) -> str:
    return "none (0 minutes)" if minutes == 0 else minutes_label(minutes)
