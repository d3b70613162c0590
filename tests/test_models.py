"""Every table stores and gives back what a rooming visit produces."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError, StatementError
from sqlmodel import Session, col, select

from ma_tui.data.catalogs.vitals import BODY_WEIGHT, DIASTOLIC_BP, SYSTOLIC_BP
from ma_tui.data.models.audit import AuditEvent
from ma_tui.data.models.history import (
    Allergy,
    AllergyCategory,
    AllergySeverity,
    Condition,
    FamilyHistory,
    HistoryReview,
    HistorySection,
    Medication,
    MedicationStatus,
    Procedure,
    SocialCategory,
    SocialHistory,
)
from ma_tui.data.models.observations import Observation, ObservationStatus
from ma_tui.data.models.patients import Coverage, Patient, Sex
from ma_tui.data.models.staff import Staff, StaffRole
from ma_tui.data.models.visits import Encounter, EncounterStatus, EncounterStatusChange

TAKEN = datetime(2026, 11, 23, 9, 12, tzinfo=ZoneInfo("America/Chicago"))


def _patient(**overrides: object) -> Patient:
    values: dict[str, object] = {
        "mrn": "9000001",
        "family_name": "Nguyễn",
        "given_name": "Thị Lan",
        "birth_date": date(1990, 1, 31),
        "sex": Sex.FEMALE,
    }
    values.update(overrides)
    return Patient.model_validate(values)


def _setup(session: Session) -> tuple[Patient, Staff, Encounter]:
    ma = Staff(username="mia", display_name="Mia Lopez", role=StaffRole.MA)
    patient = _patient(guardian_name=None, preferred_language="Vietnamese")
    session.add_all([ma, patient])
    session.flush()
    assert patient.id is not None
    encounter = Encounter(patient_id=patient.id, scheduled_at=TAKEN, room="Exam 2")
    session.add(encounter)
    session.flush()
    return patient, ma, encounter


def test_patient_round_trip_keeps_every_script(engine: Engine) -> None:
    with Session(engine) as session:
        session.add(_patient(family_name="O'Brien-Łukasz 김", given_name="Nguyễn"))
        session.commit()
    with Session(engine) as session:
        stored = session.exec(select(Patient)).one()
        assert stored.family_name == "O'Brien-Łukasz 김"
        assert stored.given_name == "Nguyễn"
        assert stored.birth_date == date(1990, 1, 31)
        assert stored.sex is Sex.FEMALE
        assert stored.active is True


def test_mrn_is_unique(engine: Engine) -> None:
    with Session(engine) as session:
        session.add(_patient())
        session.commit()
        session.add(_patient(given_name="Other"))
        with pytest.raises(IntegrityError):
            session.commit()


def test_times_come_back_aware_and_equal(engine: Engine) -> None:
    with Session(engine) as session:
        _, _, encounter = _setup(session)
        session.commit()
        encounter_id = encounter.id
    with Session(engine) as session:
        stored = session.get(Encounter, encounter_id)
        assert stored is not None
        assert stored.scheduled_at.tzinfo is not None
        assert stored.scheduled_at == TAKEN
        assert stored.scheduled_at.astimezone(UTC).hour == 15


def test_a_naive_time_is_refused(engine: Engine) -> None:
    with Session(engine) as session:
        patient = _patient()
        session.add(patient)
        session.flush()
        assert patient.id is not None
        session.add(Encounter(patient_id=patient.id, scheduled_at=datetime(2026, 1, 1, 9)))  # noqa: DTZ001
        with pytest.raises(StatementError, match="naive"):
            session.flush()


def test_enums_are_stored_as_plain_values(engine: Engine) -> None:
    with Session(engine) as session:
        _, _, encounter = _setup(session)
        encounter.status = EncounterStatus.READY_FOR_PROVIDER
        session.commit()
    with engine.connect() as connection:
        raw = connection.execute(sa.text("SELECT status FROM encounter")).scalar_one()
    assert raw == "ready_for_provider"


def test_foreign_keys_are_enforced(engine: Engine) -> None:
    with Session(engine) as session:
        session.add(Observation(patient_id=4242, code=BODY_WEIGHT, taken_at=TAKEN))
        with pytest.raises(IntegrityError):
            session.commit()


def test_a_whole_visit_round_trips(engine: Engine) -> None:
    with Session(engine) as session:
        patient, ma, encounter = _setup(session)
        assert patient.id
        assert ma.id
        assert encounter.id
        pid, eid, sid = patient.id, encounter.id, ma.id
        session.add_all(
            [
                Coverage(
                    patient_id=pid,
                    payer="Blue Meadow Health",
                    member_id="BMH4471902",
                    subscriber_name="Chidi Okafor",
                    subscriber_relationship="parent",
                    expiry_date=date(2026, 12, 1),
                    last_verified_at=TAKEN,
                    last_verified_by_id=sid,
                ),
                EncounterStatusChange(
                    encounter_id=eid, status=EncounterStatus.ARRIVED, changed_at=TAKEN
                ),
                # A repeat BP is a second reading group, not an overwrite.
                *[
                    Observation(
                        patient_id=pid,
                        encounter_id=eid,
                        code=code,
                        value_entered=str(value),
                        unit_entered="mm[Hg]",
                        value=value,
                        unit="mm[Hg]",
                        interpretation="H",
                        position="sitting",
                        site="left arm",
                        method="adult cuff",
                        reading_group=group,
                        taken_at=TAKEN + timedelta(minutes=minute),
                        entered_by_id=sid,
                    )
                    for group, minute, code, value in [
                        ("r1", 0, SYSTOLIC_BP, 168.0),
                        ("r1", 0, DIASTOLIC_BP, 98.0),
                        ("r2", 5, SYSTOLIC_BP, 162.0),
                        ("r2", 5, DIASTOLIC_BP, 96.0),
                    ]
                ],
                Observation(
                    patient_id=pid,
                    encounter_id=eid,
                    code=BODY_WEIGHT,
                    value_entered="171",
                    unit_entered="[lb_av]",
                    value=77.56,
                    unit="kg",
                    taken_at=TAKEN,
                    status=ObservationStatus.PRELIMINARY,
                ),
                Condition(patient_id=pid, name="COPD", code="J44.9", encounter_id=eid),
                Procedure(patient_id=pid, name="Appendectomy", performed="1998"),
                FamilyHistory(patient_id=pid, relation="mother", condition="asthma"),
                SocialHistory(
                    patient_id=pid, category=SocialCategory.TOBACCO, value="former smoker"
                ),
                Medication(
                    patient_id=pid,
                    name="atorvastatin",
                    dose="40 mg",
                    route="oral",
                    frequency="at bedtime",
                    status=MedicationStatus.STOPPED,
                ),
                Allergy(
                    patient_id=pid,
                    substance="penicillin",
                    category=AllergyCategory.MEDICATION,
                    reaction="rash",
                    severity=AllergySeverity.MODERATE,
                    recorded_by_id=sid,
                    reviewed_at=TAKEN,
                    reviewed_by_id=sid,
                ),
                HistoryReview(
                    patient_id=pid,
                    encounter_id=eid,
                    section=HistorySection.SURGICAL,
                    none_known=True,
                    reviewed_by_id=sid,
                ),
                AuditEvent(staff_id=sid, patient_id=pid, action="view", entity="patient"),
            ]
        )
        session.commit()

    with Session(engine) as session:
        bp = session.exec(
            select(Observation).where(Observation.code == SYSTOLIC_BP).order_by(col(Observation.id))
        ).all()
        assert [(o.value, o.reading_group) for o in bp] == [(168.0, "r1"), (162.0, "r2")]
        weight = session.exec(select(Observation).where(Observation.code == BODY_WEIGHT)).one()
        assert (weight.value_entered, weight.unit_entered) == ("171", "[lb_av]")
        assert (weight.value, weight.unit) == (77.56, "kg")
        assert weight.status is ObservationStatus.PRELIMINARY
        coverage = session.exec(select(Coverage)).one()
        assert coverage.expiry_date == date(2026, 12, 1)
        assert coverage.last_verified_at == TAKEN
        med = session.exec(select(Medication)).one()
        assert med.status is MedicationStatus.STOPPED
        allergy = session.exec(select(Allergy)).one()
        assert allergy.severity is AllergySeverity.MODERATE
        assert allergy.reviewed_by_id == sid
        review = session.exec(select(HistoryReview)).one()
        assert review.section is HistorySection.SURGICAL
        assert review.none_known
        assert session.exec(select(Condition)).one().code == "J44.9"
        assert session.exec(select(SocialHistory)).one().value == "former smoker"
        assert session.exec(select(FamilyHistory)).one().relation == "mother"
        assert session.exec(select(Procedure)).one().performed == "1998"
        assert session.exec(select(AuditEvent)).one().action == "view"
        change = session.exec(select(EncounterStatusChange)).one()
        assert change.status is EncounterStatus.ARRIVED
