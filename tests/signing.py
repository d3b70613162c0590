"""Signing Dana Whitfield's visit as the screens would leave it: for tests that need a
signed visit and are not about the screens."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.engine import Engine

from ma_tui.data.catalogs.vitals import HEART_RATE
from ma_tui.visits.holding import open_visit, save_draft, view_visit
from ma_tui.visits.signing import sign_visit
from ma_tui.vitals.draft import VitalEntry
from tests.conftest import todays_encounter_id


def sign_dana_with_a_pulse_of_76(engine: Engine, now: datetime, *, room: str | None = None) -> None:
    """Her visit opened, checked in, a pulse of 76 and a complaint, then signed (into
    ``room`` when given), all at ``now``, by mia."""
    encounter_id = todays_encounter_id(engine, "Whitfield")
    view_visit(engine, encounter_id, staff_id=None, now=now)
    draft = open_visit(engine, encounter_id, staff_id=None, now=now, holder="mia")
    draft.checkin.identity_confirmed_at = now
    draft.checkin.demographics_confirmed = True
    draft.complaint.chief_complaint = "cough for 5 days"
    pulse = VitalEntry(
        code=HEART_RATE,
        value_entered="76",
        unit_entered="/min",
        value=76,
        unit="/min",
        taken_at=now,
    )
    draft.vitals.entries = [pulse]
    if room is not None:
        draft.room = room
    save_draft(engine, draft, staff_id=None, now=now, holder="mia")
    sign_visit(engine, draft, staff_id=None, now=now, holder="mia")
