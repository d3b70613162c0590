"""What each staff member chose for themselves: their keys and their theme.

Kept per account (not per terminal: an MA signs in on any exam-room PC, or in a
browser) as clinic settings rows keyed by the account's id: ``keymap:12`` holds a
JSON object of binding id → keys, ``theme:12`` a theme's name. Which binding ids
and keys exist is the screens' knowledge (``ma_tui.screens.keymap``): they check a
keymap before it is stored here; this module keeps and reads it, audited.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.engine import Engine
from sqlmodel import Session

from ma_tui.clinic.settings import read_setting, write_setting
from ma_tui.core.audit import AuditAction, audit
from ma_tui.core.errors import InvalidInput
from ma_tui.core.transaction import in_transaction, read_only
from ma_tui.data.models.settings import ClinicSetting
from ma_tui.data.models.staff import Staff
from ma_tui.staff.accounts import NoSuchUser, find_staff, normalize_username

MAX_STORED = 1000  # characters: ClinicSetting.value's length
MAX_THEME_NAME = 64


@dataclass(frozen=True)
class Preferences:
    """A staff member's keys (binding id → keys) and theme; empty: the defaults."""

    keymap: dict[str, str] = field(default_factory=dict)
    theme: str | None = None


def _keymap_key(staff_id: int) -> str:
    return f"keymap:{staff_id}"


def _theme_key(staff_id: int) -> str:
    return f"theme:{staff_id}"


def _account(session: Session, username: str) -> Staff:
    staff = find_staff(session, normalize_username(username))
    if staff is None or staff.id is None:
        raise NoSuchUser(f"no user {username.strip()!r}")
    return staff


def _stored_keymap(text: str | None) -> dict[str, str]:
    """The stored keymap; a row that is not a keymap (edited by hand) counts as none."""
    if not text:
        return {}
    try:
        loaded = json.loads(text)
    except ValueError:
        return {}
    if not isinstance(loaded, dict):
        return {}
    return {str(k): v for k, v in loaded.items() if isinstance(v, str)}


def read_preferences(engine: Engine, staff_id: int) -> Preferences:
    """The keys and theme ``staff_id`` chose (the app reads them at sign-in)."""

    def work(session: Session) -> Preferences:
        keymap = _stored_keymap(read_setting(session, _keymap_key(staff_id)))
        return Preferences(keymap, read_setting(session, _theme_key(staff_id)) or None)

    return read_only(engine, work)


def user_keymap(engine: Engine, username: str) -> dict[str, str]:
    """The keys a user moved, by username (``ma-tui settings keys``)."""

    def work(session: Session) -> dict[str, str]:
        staff = _account(session, username)
        assert staff.id is not None
        return _stored_keymap(read_setting(session, _keymap_key(staff.id)))

    return read_only(engine, work)


def set_user_keymap(
    engine: Engine,
    username: str,
    keymap: Mapping[str, str],
    *,
    now: datetime,
    by: int | None,
) -> dict[str, str]:
    """Keep ``keymap`` (checked by the caller) as ``username``'s keys, in place of
    what they had; an empty one puts the defaults back. Audited."""
    text = json.dumps(dict(sorted(keymap.items())), separators=(",", ":"))
    if len(text) > MAX_STORED:
        raise InvalidInput(
            f"that keymap is {len(text)} characters stored; at most {MAX_STORED}: move fewer keys"
        )

    def work(session: Session) -> dict[str, str]:
        staff = _account(session, username)
        assert staff.id is not None
        key = _keymap_key(staff.id)
        if keymap:
            write_setting(session, key, text)
        elif (row := session.get(ClinicSetting, key)) is not None:
            session.delete(row)
        audit(
            session,
            AuditAction.UPDATE,
            at=now,
            staff_id=by,
            entity="staff_keymap",
            entity_id=staff.id,
            detail={"bindings": sorted(keymap)},
        )
        return dict(keymap)

    return in_transaction(engine, work)


def set_theme(engine: Engine, staff_id: int, theme: str, *, now: datetime) -> None:
    """Keep the theme ``staff_id`` picked (from the command palette), audited as theirs."""
    if not theme or len(theme) > MAX_THEME_NAME:
        raise InvalidInput(f"a theme's name is 1 to {MAX_THEME_NAME} characters")

    def work(session: Session) -> None:
        if read_setting(session, _theme_key(staff_id)) == theme:
            return
        write_setting(session, _theme_key(staff_id), theme)
        audit(
            session,
            AuditAction.UPDATE,
            at=now,
            staff_id=staff_id,
            entity="staff_theme",
            entity_id=staff_id,
            detail={"theme": theme},
        )

    in_transaction(engine, work)
