"""A child's gestational age at birth, entered or corrected by the MA.

The growth percentiles of an infant born preterm are read at the corrected age until
24 months (``ma_tui.growth.ages``), so the vitals' growth chart lets the MA record
the gestational age the parent or the birth record gives (``32+4``, ``32w4d``,
``32 4/7``; 22 to 44 weeks). It is the patient's, not the visit's: stored at once,
with its audit event (the field's name, never its value), in one transaction.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy.engine import Engine
from sqlmodel import Session

from ma_tui.core.audit import AuditAction, audit
from ma_tui.core.errors import NotFound
from ma_tui.core.transaction import in_transaction
from ma_tui.data.models.patients import Patient
from ma_tui.growth import GestationalAge, corrected_on, parse_gestational_age


def asks_gestation(birth: date, on: date) -> bool:
    """Whether the gestational age at birth still changes this child's percentiles."""
    return corrected_on(birth, on)


def born_at_line(gestation: GestationalAge | None) -> str:
    """What the growth chart says of the gestational age at birth (its footer has the key)."""
    if gestation is None:
        return "Born at: not recorded (a preterm infant is plotted at the corrected age)"
    if gestation.preterm:
        return f"Born at {gestation}: preterm, plotted at the corrected age"
    return f"Born at {gestation}: not preterm, plotted at the age since birth"


def record_gestation(
    engine: Engine, patient_id: int, text: str, *, staff_id: int | None, now: datetime
) -> GestationalAge:
    """Store the gestational age at birth typed as ``text``; what was stored.

    ``ParseError`` (nothing written) when it is not a gestational age of 22 to 44
    weeks; an unchanged value writes nothing, not even an event.
    """
    gestation = parse_gestational_age(text)

    def work(session: Session) -> None:
        patient = session.get(Patient, patient_id)
        if patient is None:
            raise NotFound(f"no patient {patient_id}")
        if patient.gestational_age_days == gestation.total_days:
            return
        patient.gestational_age_days = gestation.total_days
        session.add(patient)
        audit(
            session,
            AuditAction.UPDATE,
            at=now,
            staff_id=staff_id,
            patient_id=patient_id,
            entity="patient",
            entity_id=patient_id,
            detail={"fields": ["gestational_age_days"]},
        )

    in_transaction(engine, work)
    return gestation
