"""The clinic's settings: where they are kept, how one is changed, and the minutes.

Each setting is one ``ClinicSetting`` row. The domain a setting belongs to checks it
and reads it: the units a bare number means on the vitals screen in
``ma_tui.vitals.settings``, the FHIR identifier system and export folder in
``ma_tui.fhir.settings``; the command line puts them together (``ma-tui settings``).
Whichever it is, a checked change is a ``SettingChange``, and ``change_setting``
stores it with its audit event, in one transaction.

The minutes are the clinic's own: the longest a terminal waits between sign-in
attempts after repeated wrong PINs (``lockout``, 15 by default; the schedule is
``ma_tui.staff.throttle``) and how long an idle terminal stays open before it locks
(``idle-lock``, 5 by default), whole minutes from 1 to 240.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Literal, get_args

from sqlalchemy.engine import Engine
from sqlmodel import Session

from ma_tui.core.audit import AuditAction, audit
from ma_tui.core.errors import InvalidInput
from ma_tui.core.transaction import in_transaction, read_only
from ma_tui.data.models.settings import ClinicSetting

MinutesName = Literal["lockout", "idle-lock"]
MINUTES_NAMES: tuple[MinutesName, ...] = get_args(MinutesName)

DEFAULT_LOCKOUT_MINUTES = 15
DEFAULT_IDLE_LOCK_MINUTES = 5
MINUTES_MIN, MINUTES_MAX = 1, 240

_SHOWN_MAX = 40  # characters of a bad value echoed back in a message


class SettingError(InvalidInput):
    """A setting or value the clinic cannot use; the message is one line for the user."""


def quoted(text: str) -> str:
    """The user's text quoted on one line, cut short if long, for a refusal."""
    cut = text if len(text) <= _SHOWN_MAX else text[:_SHOWN_MAX] + "…"
    return repr(cut)


def spelled(text: str) -> str:
    """A setting's name as typed, made comparable: ``Idle_Lock`` is ``idle-lock``."""
    return "-".join(text.strip().casefold().replace("_", " ").replace("-", " ").split())


# ----------------------------------------------------------------- storage


def read_setting(session: Session, key: str) -> str | None:
    """The stored value of ``key``, None when the clinic never set it."""
    row = session.get(ClinicSetting, key)
    return None if row is None else row.value


def write_setting(session: Session, key: str, value: str) -> None:
    """Keep ``value`` under ``key`` in the caller's transaction (not committed)."""
    row = session.get(ClinicSetting, key) or ClinicSetting(key=key, value=value)
    row.value = value
    session.add(row)


@dataclass(frozen=True)
class SettingChange:
    """A change asked for and checked, ready to store."""

    name: str  # as the command line names it: ``weight``, ``lockout``, ``mrn-system``
    key: str  # the ClinicSetting row
    value: str  # as stored: a UCUM code, whole minutes, a URI, a folder
    line: str  # how ``ma-tui settings`` shows it once stored: ``lockout: 15 minutes``


def change_setting(
    engine: Engine, change: SettingChange, *, now: datetime, staff_id: int | None = None
) -> str:
    """Store a checked change and its audit event, together; the line that shows it."""

    def work(session: Session) -> None:
        write_setting(session, change.key, change.value)
        audit(
            session,
            AuditAction.UPDATE,
            at=now,
            staff_id=staff_id,
            entity="clinic_setting",
            detail={"setting": change.name},
        )

    in_transaction(engine, work)
    return change.line


# ----------------------------------------------------------------- minutes


@dataclass(frozen=True)
class _Minutes:
    key: str  # the ClinicSetting row
    default: int


_MINUTES: dict[MinutesName, _Minutes] = {
    "lockout": _Minutes("lockout_minutes", DEFAULT_LOCKOUT_MINUTES),
    "idle-lock": _Minutes("idle_lock_minutes", DEFAULT_IDLE_LOCK_MINUTES),
}
_MINUTES_TEXT = re.compile(r"([0-9]{1,6})\s*(?:m|min|mins|minute|minutes)?")


def minutes_named(text: str) -> MinutesName | None:
    """``lockout`` or ``idle-lock`` (also ``idle_lock``, ``Idle lock``), else None."""
    wanted = spelled(text)
    for name in MINUTES_NAMES:
        if wanted in (name, f"{name}-minutes"):
            return name
    return None


def minutes_name(text: str) -> MinutesName:
    """``lockout`` or ``idle-lock`` (also ``idle_lock``, ``Idle lock``); else ``SettingError``."""
    name = minutes_named(text)
    if name is None:
        raise SettingError(f"unknown setting {quoted(text)}: use lockout or idle-lock")
    return name


def parse_minutes(setting: MinutesName, text: str) -> int:
    """Whole minutes from 1 to 240 (``15``, ``15m``, ``15 minutes``); else ``SettingError``."""
    match = _MINUTES_TEXT.fullmatch(text.strip().casefold())
    minutes = int(match.group(1)) if match else None
    if minutes is None or not MINUTES_MIN <= minutes <= MINUTES_MAX:
        raise SettingError(
            f"{setting} is whole minutes from {MINUTES_MIN} to {MINUTES_MAX}, not {quoted(text)}"
        )
    return minutes


def minutes_label(minutes: int) -> str:
    return f"{minutes} minute" if minutes == 1 else f"{minutes} minutes"


def minutes_change(setting: MinutesName, text: str) -> SettingChange:
    """The minutes asked for, checked; ``SettingError`` says the range."""
    minutes = parse_minutes(setting, text)
    line = f"{setting}: {minutes_label(minutes)}"
    return SettingChange(setting, _MINUTES[setting].key, str(minutes), line)


def read_minutes(session: Session, setting: MinutesName) -> int:
    """The clinic's minutes for ``setting``; the default when unset (or not a valid value)."""
    spec = _MINUTES[setting]
    stored = read_setting(session, spec.key)
    if stored is None:
        return spec.default
    try:
        return parse_minutes(setting, stored)
    except SettingError:
        return spec.default


def lockout_minutes(session: Session) -> int:
    """The longest a terminal waits between attempts after repeated wrong PINs."""
    return read_minutes(session, "lockout")


def idle_lock_minutes(session: Session) -> int:
    """How long a terminal may sit untouched before it locks."""
    return read_minutes(session, "idle-lock")


def read_idle_lock_minutes(engine: Engine) -> int:
    """The idle-lock minutes, read on their own (the app, after sign-in)."""
    return read_only(engine, idle_lock_minutes)


def set_minutes(
    engine: Engine, setting: str, value: str, *, now: datetime, staff_id: int | None = None
) -> int:
    """Check the setting and minutes, then store them with their audit event."""
    change = minutes_change(minutes_name(setting), value)
    change_setting(engine, change, now=now, staff_id=staff_id)
    return int(change.value)


def minutes_lines(session: Session) -> list[str]:
    """``lockout: 15 minutes`` and ``idle-lock: 5 minutes``, as ``ma-tui settings`` shows them."""
    return [f"{name}: {minutes_label(read_minutes(session, name))}" for name in MINUTES_NAMES]
