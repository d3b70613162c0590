"""Whether the clinic lets a visit be signed with history sections not reviewed.

``ma-tui settings set history-review required``: every section must be reviewed
(Enter on a section, ``n`` for none known) before signing. ``optional`` (the
default, as before the setting existed): the review lists the sections not reviewed
and signing goes ahead. Where and how a setting is kept, and its audit event:
``ma_tui.clinic.settings``.
"""

from __future__ import annotations

from sqlalchemy.engine import Engine
from sqlmodel import Session

from ma_tui.clinic.settings import SettingChange, SettingError, quoted, read_setting, spelled
from ma_tui.core.transaction import read_only
from ma_tui.history.draft import HistoryDraft, HistorySection
from ma_tui.history.entry import SECTION_TITLES, SECTIONS

SETTING = "history-review"
KEY = "history_review"
REQUIRED, OPTIONAL = "required", "optional"


def history_setting_named(text: str) -> bool:
    return spelled(text) == SETTING


def history_review_change(value: str) -> SettingChange:
    """``required`` or ``optional``, checked, ready to store."""
    wanted = value.strip().casefold()
    if wanted not in (REQUIRED, OPTIONAL):
        raise SettingError(f"{SETTING} is {REQUIRED} or {OPTIONAL}, not {quoted(value)}")
    return SettingChange(SETTING, KEY, wanted, f"{SETTING}: {wanted}")


def review_required(session: Session) -> bool:
    return read_setting(session, KEY) == REQUIRED


def read_review_required(engine: Engine) -> bool:
    """Whether unreviewed history sections keep a visit from signing (a use case)."""
    return read_only(engine, review_required)


def history_lines(session: Session) -> list[str]:
    """``history-review: optional``, as ``ma-tui settings`` shows it."""
    return [f"{SETTING}: {REQUIRED if review_required(session) else OPTIONAL}"]


def unreviewed(draft: HistoryDraft) -> list[HistorySection]:
    """The sections not yet reviewed in this visit, in screen order."""
    return [section for section in SECTIONS if section not in draft.reviewed]


def unreviewed_line(draft: HistoryDraft) -> str:
    """``"Medical history, Family history"``; empty when every section is reviewed."""
    return ", ".join(SECTION_TITLES[section] for section in unreviewed(draft))


def review_problems(draft: HistoryDraft, *, required: bool) -> list[str]:
    """What keeps the visit from signing when the clinic requires every section reviewed."""
    if not required or not unreviewed(draft):
        return []
    return [f"History: review {unreviewed_line(draft)} (Enter, or n for none known)."]
