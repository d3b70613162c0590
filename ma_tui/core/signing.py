"""What a step of rooming is given when the visit is signed.

Each data step (``ma_tui.checkin``, ``ma_tui.vitals``, ``ma_tui.history``,
``ma_tui.complaint``) writes its own part of the visit with
``write(session, sub_draft, context)``; ``ma_tui.visits`` calls them all inside the
one signing transaction. The context is here, below the steps, so no step needs
``ma_tui.visits`` (which composes them) nor another step.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from ma_tui.data.models.patients import Patient
from ma_tui.data.models.visits import Encounter


@dataclass(frozen=True)
class SignContext:
    """The visit being signed, who signs it and when: rows in the signing session."""

    encounter: Encounter
    patient: Patient
    staff_id: int | None
    now: datetime

    @property
    def encounter_id(self) -> int:
        assert self.encounter.id is not None
        return self.encounter.id

    @property
    def patient_id(self) -> int:
        assert self.patient.id is not None
        return self.patient.id
