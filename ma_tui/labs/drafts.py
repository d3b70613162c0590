"""A point-of-care line typed but not yet resulted, kept like a rooming draft.

The entry screen saves the line and the kit lot chosen as the MA types (a moment
after the last key, and on leaving); opening the same test of the same visit again
shows them. Resulting the test deletes the draft in the result's transaction. A
draft is no record: it is not audited, and an empty line deletes it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.engine import Engine
from sqlmodel import Session

from ma_tui.core.transaction import in_transaction, read_only
from ma_tui.data.models.labs import PocDraft
from ma_tui.labs.line import MAX_LINE


@dataclass(frozen=True, slots=True)
class LineDraft:
    line: str
    kit_lot_id: int | None


def save_poc_draft(
    engine: Engine,
    encounter_id: int,
    test_key: str,
    draft: LineDraft,
    *,
    order_id: int | None,
    staff_id: int | None,
    now: datetime,
) -> None:
    """Keep what is typed for this visit's test (an empty line forgets it)."""

    def work(session: Session) -> None:
        stored = session.get(PocDraft, (encounter_id, test_key))
        if not draft.line.strip():
            if stored is not None:
                session.delete(stored)
            return
        row = stored or PocDraft(encounter_id=encounter_id, test_key=test_key, line="")
        row.line = draft.line[:MAX_LINE]
        row.kit_lot_id = draft.kit_lot_id
        row.order_id = order_id
        row.staff_id = staff_id
        row.updated_at = now
        session.add(row)

    in_transaction(engine, work)


def load_poc_draft(engine: Engine, encounter_id: int, test_key: str) -> LineDraft | None:
    def work(session: Session) -> LineDraft | None:
        stored = session.get(PocDraft, (encounter_id, test_key))
        return LineDraft(stored.line, stored.kit_lot_id) if stored is not None else None

    return read_only(engine, work)


def forget_poc_draft(session: Session, encounter_id: int, test_key: str) -> None:
    """Drop the draft inside the caller's transaction (the result is stored)."""
    stored = session.get(PocDraft, (encounter_id, test_key))
    if stored is not None:
        session.delete(stored)
