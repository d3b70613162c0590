"""The vitals' part of the visit draft, what keeps it from signing, and what signing writes.

``entries`` are the values that read well, as the review shows and signing stores
them. ``form`` is the vitals form as typed (``ma_tui.vitals.entry.VitalsForm``),
saved as each field is left; ``unsettled`` says what keeps it from ``entries`` (an
error, a value awaiting its confirm), and while it does the visit cannot be signed.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field
from sqlmodel import Session

from ma_tui.core.signing import SignContext
from ma_tui.data.models.observations import Observation, ObservationStatus

CONFIRMATION_MAX = 300  # Observation.confirmation's length


class VitalEntry(BaseModel):
    """One value entered on the vitals screen (or one value not obtained)."""

    code: str
    value_entered: str | None = None
    unit_entered: str | None = None
    value: float | None = None
    unit: str | None = None
    interpretation: str | None = None
    position: str | None = None
    site: str | None = None
    method: str | None = None
    o2_flow_l_min: float | None = None
    reading_group: str | None = None
    not_obtained_reason: str | None = None
    taken_at: datetime
    confirmation: str | None = None  # why the MA had to confirm it (implausible, delta...)
    unit_catch: str | None = None  # typed, held, and taken in the other unit (vitals.catch)


class VitalsDraft(BaseModel):
    """The vitals entered in this visit, not yet signed."""

    entries: list[VitalEntry] = Field(default_factory=list)
    form: dict[str, Any] | None = None
    unsettled: str = ""


def problems(vitals: VitalsDraft) -> list[str]:
    return [f"Vitals: {vitals.unsettled}"] if vitals.unsettled else []


def audit_detail(vitals: VitalsDraft) -> dict[str, object]:
    """How many values signing stores (never the values)."""
    return {"vitals": len(vitals.entries)}


def write(session: Session, vitals: VitalsDraft, context: SignContext) -> None:
    """Each value, final, as an observation of the visit being signed."""
    for vital in vitals.entries:
        session.add(
            Observation(
                patient_id=context.patient_id,
                encounter_id=context.encounter_id,
                status=ObservationStatus.FINAL,
                entered_at=context.now,
                entered_by_id=context.staff_id,
                **vital.model_dump(),
            )
        )
