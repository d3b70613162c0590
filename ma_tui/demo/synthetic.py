"""Synthetic clinics for benchmarks and load tests: many arrived patients, no history.

Not the demo (``ma_tui.demo.clinic``), which is a small, believable clinic: these rows
only exist to be opened, saved and signed in bulk.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path

from sqlmodel import Session

from ma_tui.data.migrate import upgrade
from ma_tui.data.models.patients import Patient, Sex
from ma_tui.data.models.visits import Encounter, EncounterStatus
from ma_tui.data.store import create_store_engine, sqlite_url


def arrived_clinic(path: Path, visits: int, now: datetime, *, first_mrn: int) -> list[int]:
    """A migrated SQLite file with ``visits`` patients arrived from ``now`` on; their visit ids."""
    engine = create_store_engine(sqlite_url(path))
    upgrade(engine)
    with Session(engine) as session:
        patients = [
            Patient(
                mrn=str(first_mrn + i),
                family_name=f"Family{i}",
                given_name=f"Given{i}",
                birth_date=date(1940 + i % 70, 1 + i % 12, 1 + i % 28),
                sex=Sex.FEMALE if i % 2 else Sex.MALE,
            )
            for i in range(visits)
        ]
        session.add_all(patients)
        session.flush()
        encounters = [
            Encounter(
                patient_id=patient.id or 0,
                scheduled_at=now + timedelta(minutes=i),
                status=EncounterStatus.ARRIVED,
            )
            for i, patient in enumerate(patients)
        ]
        session.add_all(encounters)
        session.commit()
        ids = [encounter.id for encounter in encounters]
    engine.dispose()
    return [i for i in ids if i is not None]
