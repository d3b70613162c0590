"""Doses in the chart, as use cases: give one, record one not given, a reaction after
one, and read a patient's history, what is due, and who is under observation.

:func:`give_dose` re-reads the lot and the patient inside its transaction and runs
:func:`check_administration` again there, so what is stored passed the checks on the
data as it is at that moment (another terminal may have used the last dose); the
lot's count goes down in the same transaction as the dose is written, with both
audit events.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from ma_tui.core.audit import AuditAction, audit
from ma_tui.core.errors import InvalidInput, NotFound
from ma_tui.core.transaction import in_transaction, read_only
from ma_tui.data.catalogs.vaccines import Dose
from ma_tui.data.models.history import Allergy
from ma_tui.data.models.immunizations import (
    Injection,
    InjectionStatus,
    LotFunding,
    VaccineLot,
)
from ma_tui.data.models.patients import Patient
from ma_tui.data.models.visits import Encounter
from ma_tui.immunizations.administration import (
    Administration,
    AdministrationCheck,
    NotGiven,
    NotGivenReason,
    Order,
    PatientFacts,
    check_administration,
    require_clear,
)
from ma_tui.immunizations.drafts import DraftKey, forget_injection_draft
from ma_tui.immunizations.due import DueReport, GivenDose, due_today
from ma_tui.immunizations.inventory import Eligibility, FundingSource, after_dose
from ma_tui.immunizations.record import InjectionRecord, record_given, record_not_given
from ma_tui.immunizations.settings import observation_minutes
from ma_tui.immunizations.shelf import ShelfLot, shelf_lot
from ma_tui.orders.orders import complete_order

REACTION_MAX = 500


@dataclass(frozen=True, slots=True)
class InjectionPatient:
    """Who the dose is for, as the administration screen and its checks need them."""

    patient_id: int
    encounter_id: int
    name: str
    birth_date: date
    allergies: tuple[str, ...]
    observation_minutes: int

    def facts(self, eligibility: Eligibility | None) -> PatientFacts:
        return PatientFacts(self.birth_date, self.allergies, eligibility)


@dataclass(frozen=True, slots=True)
class Giving:
    """What the MA records at the chair, before the checks."""

    lot_id: int
    dose: Dose
    route: str
    site: str
    given_at: datetime
    identifiers_confirmed: bool
    order: Order
    order_id: int | None = None  # the visit's order the dose does (None: stops, no order)
    eligibility: Eligibility | None = None
    vis_edition: date | None = None
    scanned_expiry: date | None = None  # the barcode's: the sooner of it and the shelf's counts


@dataclass(frozen=True, slots=True)
class Observed:
    """A dose given in a visit whose observation period is on the queue."""

    injection_id: int
    encounter_id: int
    started_at: datetime
    minutes: int
    name: str
    reaction: str | None


# ------------------------------------------------------------------ reading


def injection_patient(engine: Engine, encounter_id: int) -> InjectionPatient:
    return read_only(engine, lambda session: _patient_of(session, encounter_id))


def _patient_of(session: Session, encounter_id: int) -> InjectionPatient:
    encounter = session.get(Encounter, encounter_id)
    if encounter is None:
        raise NotFound("this visit is no longer on the schedule")
    patient = session.get(Patient, encounter.patient_id)
    assert patient is not None
    assert patient.id is not None
    allergies = session.exec(
        select(Allergy.substance).where(
            Allergy.patient_id == patient.id,
            col(Allergy.active),
            col(Allergy.entered_in_error).is_(False),
        )
    ).all()
    return InjectionPatient(
        patient_id=patient.id,
        encounter_id=encounter_id,
        name=f"{patient.family_name}, {patient.given_name}",
        birth_date=patient.birth_date,
        allergies=tuple(allergies),
        observation_minutes=observation_minutes(session),
    )


def patient_injections(engine: Engine, patient_id: int) -> list[InjectionRecord]:
    """The patient's doses given, refused or deferred, oldest first (not those in error)."""

    def work(session: Session) -> list[InjectionRecord]:
        rows = session.exec(
            select(Injection)
            .where(Injection.patient_id == patient_id, col(Injection.entered_in_error).is_(False))
            .order_by(col(Injection.occurred_on), col(Injection.id))
        ).all()
        return [record_of(row) for row in rows]

    return read_only(engine, work)


def due_for(engine: Engine, patients: dict[int, date], on: date) -> dict[int, DueReport]:
    """What the routine schedule says each patient (id: date of birth) needs on ``on``."""
    if not patients:
        return {}

    def work(session: Session) -> dict[int, list[GivenDose]]:
        rows = session.exec(
            select(col(Injection.patient_id), col(Injection.occurred_on), col(Injection.cvx)).where(
                col(Injection.patient_id).in_(list(patients)),
                Injection.status == InjectionStatus.COMPLETED,
                col(Injection.entered_in_error).is_(False),
                col(Injection.cvx).is_not(None),
            )
        ).all()
        doses: dict[int, list[GivenDose]] = {patient_id: [] for patient_id in patients}
        for patient_id, day, cvx in rows:
            assert cvx is not None
            doses[patient_id].append(GivenDose(day, cvx))
        return doses

    doses = read_only(engine, work)
    return {
        patient_id: due_today(birth, doses[patient_id], on)
        for patient_id, birth in patients.items()
        if birth <= on
    }


def observed(engine: Engine, encounter_ids: Iterable[int]) -> dict[int, Observed]:
    """The last dose given with an observation period in each of these visits."""
    wanted = list(encounter_ids)
    if not wanted:
        return {}

    def work(session: Session) -> dict[int, Observed]:
        rows = session.exec(
            select(Injection)
            .where(
                col(Injection.encounter_id).in_(wanted),
                col(Injection.observation_minutes).is_not(None),
                col(Injection.entered_in_error).is_(False),
            )
            .order_by(col(Injection.occurred_at), col(Injection.id))
        ).all()
        found: dict[int, Observed] = {}
        for row in rows:
            assert row.id is not None
            assert row.encounter_id is not None
            assert row.occurred_at is not None
            assert row.observation_minutes is not None
            found[row.encounter_id] = Observed(
                row.id,
                row.encounter_id,
                row.occurred_at,
                row.observation_minutes,
                row.name,
                row.reaction,
            )
        return found

    return read_only(engine, work)


# ------------------------------------------------------------------ writing


def check_dose(
    engine: Engine, patient: InjectionPatient, giving: Giving, now: datetime
) -> tuple[ShelfLot, AdministrationCheck]:
    """Every problem with this dose, as the shelf stands now (nothing written)."""
    return read_only(engine, lambda session: _checked(session, patient, giving, now)[1:])


def _checked(
    session: Session, patient: InjectionPatient, giving: Giving, now: datetime
) -> tuple[VaccineLot, ShelfLot, AdministrationCheck]:
    row = session.get(VaccineLot, giving.lot_id)
    if row is None:
        raise NotFound("that lot is no longer on the shelf")
    on_shelf = shelf_lot(row)
    lot = on_shelf.lot
    if giving.scanned_expiry is not None and giving.scanned_expiry < lot.expires:
        lot = replace(lot, expires=giving.scanned_expiry)
    given = Administration(
        product=on_shelf.product,
        lot=lot,
        dose=giving.dose,
        route=giving.route,
        site=giving.site,
        given_at=giving.given_at,
        identifiers_confirmed=giving.identifiers_confirmed,
        vis_presented=giving.given_at.date() if on_shelf.product.vis else None,
        vis_edition=giving.vis_edition,
    )
    check = check_administration(given, giving.order, patient.facts(giving.eligibility), now)
    return row, replace(on_shelf, lot=lot), check


def give_dose(
    engine: Engine,
    patient: InjectionPatient,
    giving: Giving,
    *,
    now: datetime,
    staff_id: int | None,
    draft: DraftKey | None = None,
) -> int:
    """Record the dose as given and take it off the lot's count; a stop refuses it
    (``AdministrationStopped``) and nothing is written. ``draft``: the screen's draft,
    deleted with the record."""

    def work(session: Session) -> int:
        row, on_shelf, check = _checked(session, patient, giving, now)
        require_clear(check)
        if draft is not None:
            forget_injection_draft(session, draft)
        given = Administration(
            product=on_shelf.product,
            lot=on_shelf.lot,
            dose=giving.dose,
            route=giving.route,
            site=giving.site,
            given_at=giving.given_at,
            identifiers_confirmed=True,
            vis_presented=giving.given_at.date() if on_shelf.product.vis else None,
            vis_edition=giving.vis_edition,
        )
        row.doses_on_hand = after_dose(on_shelf.lot).doses_on_hand
        session.add(row)
        if giving.order_id is not None:
            complete_order(
                session, giving.order_id, encounter_id=patient.encounter_id, by=staff_id, at=now
            )
        injection = _row(record_given(given, giving.eligibility), patient)
        injection.lot_id = row.id
        injection.order_id = giving.order_id
        injection.product_key = on_shelf.product.key
        # 0: the clinic keeps no observation period, so no countdown runs on the queue.
        injection.observation_minutes = patient.observation_minutes or None
        injection.recorded_at = now
        injection.recorded_by_id = staff_id
        session.add(injection)
        session.flush()
        audit(
            session,
            AuditAction.CREATE,
            at=now,
            staff_id=staff_id,
            patient_id=patient.patient_id,
            entity="injection",
            entity_id=injection.id,
            detail={"product": on_shelf.product.key, "status": "completed"},
        )
        audit(
            session,
            AuditAction.UPDATE,
            at=now,
            staff_id=staff_id,
            entity="vaccine_lot",
            entity_id=row.id,
            detail={"fields": ["doses_on_hand"], "doses": row.doses_on_hand},
        )
        assert injection.id is not None
        return injection.id

    return in_transaction(engine, work)


def record_not_given_dose(
    engine: Engine,
    patient: InjectionPatient,
    not_given: NotGiven,
    *,
    staff_id: int | None,
    draft: DraftKey | None = None,
) -> int:
    """Record a dose refused or deferred, with its reason (and drop the screen's draft)."""

    def work(session: Session) -> int:
        if draft is not None:
            forget_injection_draft(session, draft)
        injection = _row(record_not_given(not_given), patient)
        injection.product_key = not_given.product.key
        injection.recorded_at = not_given.recorded_at
        injection.recorded_by_id = staff_id
        session.add(injection)
        session.flush()
        audit(
            session,
            AuditAction.CREATE,
            at=not_given.recorded_at,
            staff_id=staff_id,
            patient_id=patient.patient_id,
            entity="injection",
            entity_id=injection.id,
            detail={"product": not_given.product.key, "reason": not_given.reason.value},
        )
        assert injection.id is not None
        return injection.id

    return in_transaction(engine, work)


def record_reaction(
    engine: Engine, injection_id: int, text: str, *, now: datetime, staff_id: int | None
) -> None:
    """Note a reaction seen after a dose (kept beside any noted before)."""
    typed = " ".join(text.split())
    if not typed:
        raise InvalidInput("say what was seen: hives, fainting, swelling at the site …")

    def work(session: Session) -> None:
        row = session.get(Injection, injection_id)
        if row is None:
            raise NotFound("that dose is not in the chart")
        note = f"{row.reaction}; {typed}" if row.reaction else typed
        if len(note) > REACTION_MAX:
            raise InvalidInput(f"a reaction note is at most {REACTION_MAX} characters")
        row.reaction, row.reaction_at = note, now
        session.add(row)
        audit(
            session,
            AuditAction.UPDATE,
            at=now,
            staff_id=staff_id,
            patient_id=row.patient_id,
            entity="injection",
            entity_id=row.id,
            detail={"fields": ["reaction"]},
        )

    in_transaction(engine, work)


# ------------------------------------------------------------------ rows


def _row(record: InjectionRecord, patient: InjectionPatient) -> Injection:
    injection = injection_row(record, patient.patient_id)
    injection.encounter_id = patient.encounter_id
    return injection


def injection_row(record: InjectionRecord, patient_id: int) -> Injection:
    """The chart's row for a record (given here or imported)."""
    at = record.occurred if isinstance(record.occurred, datetime) else None
    return Injection(
        patient_id=patient_id,
        is_vaccine=record.is_vaccine,
        status=InjectionStatus(record.status),
        occurred_on=record.day,
        occurred_at=at,
        name=record.name[:200],
        cvx=record.cvx,
        cvx_display=record.cvx_display,
        ndc=record.ndc,
        mvx=record.mvx,
        manufacturer=record.manufacturer,
        lot=record.lot,
        expires=record.expires,
        dose_value=str(record.dose.value) if record.dose else None,
        dose_unit=record.dose.unit if record.dose else None,
        route=record.route,
        site=record.site,
        not_given_reason=record.not_given_reason.value if record.not_given_reason else None,
        vis_name=record.vis_name,
        vis_edition=record.vis_edition,
        vis_presented=record.vis_presented,
        eligibility=record.eligibility.value if record.eligibility else None,
        funding=LotFunding(record.funding.value) if record.funding else None,
        primary_source=record.primary_source,
        note=record.note,
    )


def record_of(row: Injection) -> InjectionRecord:
    """The record a chart row is (for FHIR and the history)."""
    dose = None
    if row.dose_value is not None and row.dose_unit is not None:
        dose = Dose(Decimal(row.dose_value), row.dose_unit)
    return InjectionRecord(
        is_vaccine=row.is_vaccine,
        status="completed" if row.status is InjectionStatus.COMPLETED else "not-done",
        occurred=row.occurred_at if row.occurred_at is not None else row.occurred_on,
        name=row.name,
        cvx=row.cvx,
        cvx_display=row.cvx_display,
        ndc=row.ndc,
        mvx=row.mvx,
        manufacturer=row.manufacturer,
        lot=row.lot,
        expires=row.expires,
        dose=dose,
        route=row.route,
        site=row.site,
        not_given_reason=NotGivenReason(row.not_given_reason) if row.not_given_reason else None,
        vis_name=row.vis_name,
        vis_edition=row.vis_edition,
        vis_presented=row.vis_presented,
        eligibility=Eligibility(row.eligibility) if row.eligibility else None,
        funding=FundingSource(row.funding.value) if row.funding else None,
        primary_source=row.primary_source,
        note=row.note,
    )
