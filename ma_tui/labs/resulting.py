"""Use cases for resulting a point-of-care test at a visit.

:func:`poc_context` gathers what the entry screen shows before anything is typed:
the test, the patient's sex and age (for the reference bands), the kit lots on the
shelf and today's QC state. :func:`record_result` takes the typed line, the kit lot
and, when today's QC has not passed, the MA's word that they were told
(``without_qc``). It stores the result and its readings, marks the order done,
drops the draft of the line and writes the audit events, all in one transaction.
An expired kit, a kit for another test, a line with a refused piece or a line for
a test other than the order's is refused and nothing is stored.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from ma_tui.core.ages import age_in_years
from ma_tui.core.audit import AuditAction, audit
from ma_tui.core.errors import InvalidInput, NotFound
from ma_tui.core.transaction import in_transaction, read_only
from ma_tui.data.catalogs.poc_tests import PocTest
from ma_tui.data.models.labs import PocKitLot, PocReading
from ma_tui.data.models.labs import PocResult as PocResultRow
from ma_tui.data.models.orders import VisitOrder
from ma_tui.data.models.patients import Patient, Sex
from ma_tui.data.models.visits import Encounter
from ma_tui.labs.drafts import forget_poc_draft
from ma_tui.labs.kits import QcState, qc_notice
from ma_tui.labs.line import parse_poc_line
from ma_tui.labs.record import PocResult, result_from_line
from ma_tui.labs.results import readback_text
from ma_tui.labs.shelf import ShelfKit, kit_lot, kits_for, qc_today, test_by_key
from ma_tui.orders.orders import OrderView, complete_order, order_view


class QcNotPassed(InvalidInput):
    """Today's QC has not passed and the MA has not said to result anyway."""


@dataclass(frozen=True, slots=True)
class PocContext:
    """What the entry screen needs before the first key."""

    encounter_id: int
    test: PocTest
    sex: str | None
    age_years: int | None
    kits: tuple[ShelfKit, ...]
    qc: QcState
    order: OrderView | None = None

    @property
    def qc_notice(self) -> str | None:
        return qc_notice(self.qc, self.test)


@dataclass(frozen=True, slots=True)
class StoredResult:
    """A result as stored, read back for the MA."""

    id: int
    test_name: str
    readback: str
    abnormal: bool
    kit: str
    qc: QcState
    performed_at: datetime


def _patient(session: Session, encounter_id: int) -> tuple[Encounter, Patient]:
    encounter = session.get(Encounter, encounter_id)
    patient = session.get(Patient, encounter.patient_id) if encounter is not None else None
    if encounter is None or patient is None:
        raise NotFound("That visit is no longer on the schedule.")
    return encounter, patient


def _band_sex(patient: Patient) -> str | None:
    sex = Sex(patient.sex)
    return sex.value if sex in (Sex.FEMALE, Sex.MALE) else None


def _age(patient: Patient, now: datetime) -> int | None:
    today = now.date()
    return age_in_years(patient.birth_date, today) if patient.birth_date <= today else None


def _order(session: Session, order_id: int | None, encounter_id: int) -> VisitOrder | None:
    if order_id is None:
        return None
    order = session.get(VisitOrder, order_id)
    if order is None or order.encounter_id != encounter_id:
        raise NotFound("That order is not on this visit.")
    return order


def poc_context(
    engine: Engine, encounter_id: int, test_key: str, now: datetime, order_id: int | None = None
) -> PocContext:
    """The test, patient, kits and QC for the entry screen (read only)."""
    test = test_by_key(test_key)

    def work(session: Session) -> PocContext:
        _, patient = _patient(session, encounter_id)
        order = _order(session, order_id, encounter_id)
        return PocContext(
            encounter_id=encounter_id,
            test=test,
            sex=_band_sex(patient),
            age_years=_age(patient, now),
            kits=tuple(kits_for(session, test.key, now)),
            qc=qc_today(session, test.key, now),
            order=order_view(session, order) if order is not None else None,
        )

    return read_only(engine, work)


def record_result(
    engine: Engine,
    encounter_id: int,
    line_text: str,
    kit_lot_id: int,
    *,
    by: int | None,
    now: datetime,
    order_id: int | None = None,
    without_qc: bool = False,
) -> StoredResult:
    """Store the line's result for the visit (see the module docstring)."""
    line = parse_poc_line(line_text)

    def work(session: Session) -> StoredResult:
        encounter, patient = _patient(session, encounter_id)
        kit_row = session.get(PocKitLot, kit_lot_id)
        if kit_row is None:
            raise NotFound("That kit lot is not on the shelf.")
        order = _order(session, order_id, encounter_id)
        if order is not None and line.test is not None and order.catalog_key != line.test.key:
            raise InvalidInput(f"This order is for {order.display}; the line is {line.test.name}.")
        qc = qc_today(session, kit_row.test_key, now)
        result = result_from_line(
            line,
            kit_lot(kit_row),
            qc,
            now,
            sex=_band_sex(patient),
            age_years=_age(patient, now),
        )
        if qc is not QcState.PASSED and not without_qc:
            raise QcNotPassed(qc_notice(qc, result.test) or "run the controls first")
        row = _store(session, encounter, result, line_text, kit_row, by, order)
        forget_poc_draft(session, encounter_id, result.test.key)
        if order is not None:
            assert order.id is not None
            complete_order(session, order.id, encounter_id=encounter_id, by=by, at=now)
        return _stored(row, result)

    return in_transaction(engine, work)


def _store(
    session: Session,
    encounter: Encounter,
    result: PocResult,
    line_text: str,
    kit_row: PocKitLot,
    by: int | None,
    order: VisitOrder | None,
) -> PocResultRow:
    assert encounter.id is not None
    row = PocResultRow(
        encounter_id=encounter.id,
        patient_id=encounter.patient_id,
        order_id=order.id if order is not None else None,
        test_key=result.test.key,
        line=" ".join(line_text.split()),
        kit_lot_id=kit_row.id,
        kit_name=result.kit.name,
        kit_lot=result.kit.lot,
        kit_expires=result.kit.expires,
        qc_state=result.qc.value,
        abnormal=result.abnormal,
        performed_at=result.performed_at,
        performed_by_id=by,
        entered_at=result.performed_at,
    )
    session.add(row)
    session.flush()
    assert row.id is not None
    for reading, interpretation in zip(result.readings, result.interpretations(), strict=True):
        analyte = reading.analyte
        session.add(
            PocReading(
                result_id=row.id,
                analyte_key=analyte.key,
                code=analyte.loinc.code if analyte.loinc.exportable else None,
                typed=reading.typed,
                value=reading.shown if reading.value is not None else None,
                choice=reading.choice.value if reading.choice is not None else None,
                unit=analyte.unit if reading.value is not None else None,
                interpretation=interpretation.flag.value if interpretation.flag else None,
            )
        )
    audit(
        session,
        AuditAction.CREATE,
        at=result.performed_at,
        staff_id=by,
        patient_id=encounter.patient_id,
        entity="poc_result",
        entity_id=row.id,
        detail={
            "test": result.test.key,
            "kit_lot": result.kit.lot,
            "qc": result.qc.value,
            "abnormal": result.abnormal,
            "order_id": row.order_id,
        },
    )
    return row


def _stored(row: PocResultRow, result: PocResult) -> StoredResult:
    assert row.id is not None
    line = parse_poc_line(row.line)
    return StoredResult(
        id=row.id,
        test_name=result.test.name,
        readback=readback_text(line, sex=result.sex, age_years=result.age_years),
        abnormal=result.abnormal,
        kit=f"{result.kit.name} lot {result.kit.lot} exp {result.kit.expires.isoformat()}",
        qc=result.qc,
        performed_at=result.performed_at,
    )


def stored_results(session: Session, encounter_id: int) -> list[PocResultRow]:
    """The visit's results, oldest first (the exporter reads them)."""
    return list(
        session.exec(
            select(PocResultRow)
            .where(PocResultRow.encounter_id == encounter_id)
            .order_by(col(PocResultRow.performed_at), col(PocResultRow.id))
        ).all()
    )
