"""The injection screen's fields as typed, kept like a point-of-care line's draft.

The screen saves them as the MA types (a moment after the last key) and on leaving
a field or the screen; opening the same order of the same visit again (or F8 on a
visit opened without one) shows them. Giving the dose or recording it as not given
deletes the draft in that record's transaction. A draft is no record: it is not
audited, and a form with nothing typed deletes it.

The date of birth said again is not kept: the identifiers are asked at the moment
of giving, so after a break the MA asks them again. The order is kept by its id, not
by its number on the screen, which changes as other orders are done.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session

from ma_tui.core.transaction import in_transaction, read_only
from ma_tui.data.models.immunizations import InjectionDraft

# The fields kept, as the screen names them (its "dob" is left out on purpose).
KEPT_FIELDS = ("scan", "order", "dose", "route", "site", "vis", "eligibility")
MAX_FIELD = 200  # the scan is the longest field


@dataclass(frozen=True, slots=True)
class DraftKey:
    """Which draft: the visit, and the order the screen was opened for (None: F8)."""

    encounter_id: int
    order_id: int | None

    @property
    def slot(self) -> str:
        return "visit" if self.order_id is None else f"order-{self.order_id}"


@dataclass(frozen=True, slots=True)
class FormDraft:
    """The fields as typed; ``order_id``: the open order the order field named, if any."""

    fields: Mapping[str, str] = field(default_factory=dict)
    order_id: int | None = None

    @property
    def empty(self) -> bool:
        return not any(value.strip() for value in self.fields.values())


def form_draft(fields: Mapping[str, str], order_id: int | None = None) -> FormDraft:
    """Only the kept fields, each cut to its longest."""
    kept = {name: fields[name][:MAX_FIELD] for name in KEPT_FIELDS if name in fields}
    return FormDraft(kept, order_id)


def draft_json(draft: FormDraft) -> str:
    return json.dumps({"fields": dict(draft.fields), "order_id": draft.order_id})


def draft_from_json(text: str) -> FormDraft | None:
    """The draft stored as ``text``; None when it cannot be read (then it is ignored)."""
    try:
        data: Any = json.loads(text)
    except ValueError:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("fields"), dict):
        return None
    fields = {k: v for k, v in data["fields"].items() if isinstance(v, str)}
    order_id = data.get("order_id")
    if not isinstance(order_id, int) or isinstance(order_id, bool):
        order_id = None
    return form_draft(fields, order_id)


def save_injection_draft(
    engine: Engine, key: DraftKey, draft: FormDraft, *, staff_id: int | None, now: datetime
) -> None:
    """Keep what is typed for this visit's order (a form with nothing typed forgets it)."""

    def work(session: Session) -> None:
        stored = session.get(InjectionDraft, (key.encounter_id, key.slot))
        if draft.empty:
            if stored is not None:
                session.delete(stored)
            return
        row = stored or InjectionDraft(encounter_id=key.encounter_id, slot=key.slot, data="")
        row.data = draft_json(draft)
        row.staff_id = staff_id
        row.updated_at = now
        session.add(row)

    in_transaction(engine, work)


def load_injection_draft(engine: Engine, key: DraftKey) -> FormDraft | None:
    def work(session: Session) -> FormDraft | None:
        stored = session.get(InjectionDraft, (key.encounter_id, key.slot))
        return draft_from_json(stored.data) if stored is not None else None

    return read_only(engine, work)


def forget_injection_draft(session: Session, key: DraftKey) -> None:
    """Drop the draft inside the caller's transaction (the dose is recorded)."""
    stored = session.get(InjectionDraft, (key.encounter_id, key.slot))
    if stored is not None:
        session.delete(stored)
