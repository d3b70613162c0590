"""A signed visit: its stored vitals, and corrections that never overwrite.

A wrong value is kept, marked entered-in-error, and the right one is stored beside
it pointing back at it (FHIR's correction rule), with a CORRECT audit event in the
same transaction. A blood pressure is corrected as its pair; a weight or a height
corrected corrects the BMI computed from it too. The right value is
read and checked as its field on the vitals screen would be: one that needs a
confirm raises ``NeedsConfirm`` until the MA confirms it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from ma_tui.core.audit import AuditAction, audit
from ma_tui.core.errors import Conflict, NotFound
from ma_tui.core.transaction import in_transaction, read_only
from ma_tui.data.audit_content import corrected_content
from ma_tui.data.models.observations import Observation, ObservationStatus
from ma_tui.patients.chart import Chart
from ma_tui.vitals.codes import BMI, BODY_HEIGHT, BODY_WEIGHT, DIASTOLIC_BP, SYSTOLIC_BP
from ma_tui.vitals.correction import parse_correction
from ma_tui.vitals.draft import VitalEntry
from ma_tui.vitals.entry import bmi_entry, clinic_units
from ma_tui.vitals.readback import readback, vital_name
from ma_tui.vitals.trend import past_readings


class AlreadyCorrected(Conflict, ValueError):
    """The value was marked entered-in-error already (here or on another terminal)."""


@dataclass(frozen=True)
class SignedVital:
    """One stored value of a signed visit, as the signed-visit screen lists it."""

    observation_id: int
    code: str
    shown: str  # "171 lb (77.6 kg)", "128/82 mmHg", "not obtained: patient declined"
    name: str  # "Blood pressure (repeat)": ``vital_name`` of the reading
    interpretation: str | None
    entered_in_error: bool


def signed_vitals(
    engine: Engine, encounter_id: int, age_days: int | None = None
) -> list[SignedVital]:
    """The visit's values in the order they were stored, corrections included; a
    blood pressure is one line (its systolic), BMI is left out (it is computed)."""
    return read_only(engine, lambda session: _signed_vitals(session, encounter_id, age_days))


def _signed_vitals(session: Session, encounter_id: int, age_days: int | None) -> list[SignedVital]:
    rows = session.exec(
        select(Observation)
        .where(
            Observation.encounter_id == encounter_id,
            col(Observation.code).not_in([DIASTOLIC_BP, BMI]),
        )
        .order_by(col(Observation.id))
    ).all()
    # A corrected BP's pair is struck with it: each systolic goes with the diastolic
    # of its reading in the same status.
    diastolic = {
        (row.reading_group, row.status): row
        for row in session.exec(
            select(Observation).where(
                Observation.encounter_id == encounter_id, Observation.code == DIASTOLIC_BP
            )
        ).all()
    }
    listed = []
    for row in rows:
        assert row.id is not None
        if row.not_obtained_reason:
            shown = f"not obtained: {row.not_obtained_reason}"
        elif row.code == SYSTOLIC_BP:
            low = diastolic.get((row.reading_group, row.status))
            shown = f"{row.value_entered}/{low.value_entered if low else '?'} mmHg"
        else:
            shown = readback(row.value_entered, row.unit_entered, row.value, row.unit)
        listed.append(
            SignedVital(
                observation_id=row.id,
                code=row.code,
                shown=shown,
                name=vital_name(row.code, row.reading_group, age_days),
                interpretation=row.interpretation,
                entered_in_error=row.status == ObservationStatus.ENTERED_IN_ERROR,
            )
        )
    return listed


def correct_vital(
    engine: Engine,
    chart: Chart,
    observation_id: int,
    text: str,
    *,
    staff_id: int | None,
    now: datetime,
    confirmed: str | None = None,
    unit_catch: str | None = None,
) -> None:
    """Store ``text`` as the right value of a signed vital of ``chart``'s visit.

    The value is checked as the vitals screen checks it, against the patient's age
    and earlier readings: ``ParseError`` when it cannot be read, ``NeedsConfirm``
    when it needs a confirm (unless ``confirmed`` is that text); ``unit_catch`` is the
    note of a unit catch the MA settled by taking the other unit. Nothing is written
    then; otherwise the wrong value (a BP: the pair) and the right one are stored
    with their audit events, in one transaction.
    """

    def correct(session: Session) -> None:
        wrong = _final(session, observation_id)
        age_days = (now.date() - chart.patient.birth_date).days
        right = parse_correction(
            wrong.code,
            text,
            clinic_units(session),
            age_days,
            wrong.taken_at,
            history=past_readings(chart.vital_history),
            confirmed=confirmed,
            unit_catch=unit_catch,
        )
        for observation, replacement in zip(_pair(session, wrong), right, strict=True):
            _correct(session, observation, replacement, staff_id, now)
        if wrong.code in (BODY_WEIGHT, BODY_HEIGHT):
            _bmi_again(session, wrong, age_days, staff_id, now)

    in_transaction(engine, correct)


def _bmi_again(
    session: Session, corrected: Observation, age_days: int, staff_id: int | None, now: datetime
) -> None:
    """The visit's BMI from its weight and height as they now stand: the old one
    corrected like any value (kept, entered-in-error), when it changed."""
    rows = session.exec(
        select(Observation).where(
            Observation.encounter_id == corrected.encounter_id,
            col(Observation.code).in_([BODY_WEIGHT, BODY_HEIGHT, BMI]),
            Observation.status != ObservationStatus.ENTERED_IN_ERROR,
        )
    ).all()
    old = next((row for row in rows if row.code == BMI), None)
    if old is None:  # none was computed (under 2, or no height)
        return
    measured = [
        VitalEntry.model_validate(row, from_attributes=True) for row in rows if row.code != BMI
    ]
    new = bmi_entry(measured, age_days, old.taken_at)
    if new is not None and new.value != old.value:
        _correct(session, old, new, staff_id, now)


def correct_observation(
    engine: Engine,
    observation_id: int,
    replacement: VitalEntry,
    *,
    staff_id: int | None,
    now: datetime,
) -> int:
    """Mark a signed value entered-in-error and store the right one; returns its id."""
    return in_transaction(
        engine,
        lambda session: _correct(
            session, _final(session, observation_id), replacement, staff_id, now
        ),
    )


def _final(session: Session, observation_id: int) -> Observation:
    """The value to correct, still final."""
    wrong = session.get(Observation, observation_id)
    if wrong is None:
        raise NotFound(f"no observation {observation_id}")
    if wrong.status == ObservationStatus.ENTERED_IN_ERROR:
        raise AlreadyCorrected("this value was already corrected")
    return wrong


def _pair(session: Session, wrong: Observation) -> list[Observation]:
    """A BP is corrected as systolic and diastolic together."""
    if wrong.code != SYSTOLIC_BP:
        return [wrong]
    low = session.exec(
        select(Observation).where(
            Observation.encounter_id == wrong.encounter_id,
            Observation.code == DIASTOLIC_BP,
            Observation.reading_group == wrong.reading_group,
            Observation.status != ObservationStatus.ENTERED_IN_ERROR,
        )
    ).one()
    return [wrong, low]


def _correct(
    session: Session,
    wrong: Observation,
    replacement: VitalEntry,
    staff_id: int | None,
    now: datetime,
) -> int:
    if replacement.code != wrong.code:
        raise ValueError("a correction must be of the same vital sign")
    assert wrong.id is not None
    wrong.status = ObservationStatus.ENTERED_IN_ERROR
    session.add(wrong)
    right = Observation(
        patient_id=wrong.patient_id,
        encounter_id=wrong.encounter_id,
        status=ObservationStatus.FINAL,
        corrects_id=wrong.id,
        entered_at=now,
        entered_by_id=staff_id,
        **replacement.model_dump(),
    )
    session.add(right)
    session.flush()
    assert right.id is not None
    audit(
        session,
        AuditAction.CORRECT,
        at=now,
        staff_id=staff_id,
        patient_id=wrong.patient_id,
        entity="observation",
        entity_id=wrong.id,
        detail={
            "code": wrong.code,
            "was": _as_entered(wrong),
            "now": _as_entered(right),
            "replacement_id": right.id,
            "content": corrected_content(session, right.id),  # found if changed later
        },
    )
    return right.id


def _as_entered(row: Observation) -> str:
    """The value as typed with its unit; a computed one (BMI) as computed."""
    shown = row.value_entered if row.value_entered is not None else row.value
    return f"{shown} {row.unit_entered}"
