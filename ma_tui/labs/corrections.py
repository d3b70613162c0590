"""A point-of-care result that was wrong: the visit's results, and marking one in error.

A result is never deleted. :func:`mark_in_error` keeps it with the status
``entered-in-error``, the reason the MA gave, when and who, writes its audit event
and puts the order it did back to do (the test is to be run again; ``x`` on the
orders screen cancels it if not), all in one transaction. The export then sends
its Observations with the status ``entered-in-error`` under the same ids, so an EHR
that took the first copy knows to withdraw it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.engine import Engine
from sqlmodel import Session

from ma_tui.core.ages import age_in_years
from ma_tui.core.audit import AuditAction, audit
from ma_tui.core.errors import Conflict, InvalidInput, NotAllowed, NotFound
from ma_tui.core.transaction import in_transaction, read_only
from ma_tui.data.catalogs.poc_tests import poc_catalog
from ma_tui.data.models.labs import PocResult as PocResultRow
from ma_tui.data.models.labs import PocResultStatus
from ma_tui.data.models.patients import Patient
from ma_tui.data.models.staff import Staff
from ma_tui.labs.kits import QcState
from ma_tui.labs.line import parse_poc_line
from ma_tui.labs.resulting import band_sex, stored_results
from ma_tui.labs.results import readback_text
from ma_tui.orders.orders import reopen_order

MAX_REASON = 300


@dataclass(frozen=True, slots=True)
class ResultLine:
    """A stored result as the orders screen lists it."""

    id: int
    order_id: int | None
    test_name: str
    readback: str  # ``GLU 212 mg/dL H``, read again from the line as typed
    performed_at: datetime  # aware, UTC
    kit_lot: str
    qc: QcState
    error_reason: str | None  # set once marked entered-in-error

    @property
    def in_error(self) -> bool:
        return self.error_reason is not None


def error_reason(text: str) -> str:
    """The reason as stored: one line, said, at most 300 characters; else ``InvalidInput``."""
    reason = " ".join(text.split())
    if not reason:
        raise InvalidInput("Say why the result is wrong (wrong patient, misread, typo...).")
    if len(reason) > MAX_REASON:
        raise InvalidInput(f"Keep the reason under {MAX_REASON} characters.")
    return reason


def visit_results(engine: Engine, encounter_id: int) -> list[ResultLine]:
    """The visit's point-of-care results, oldest first, those in error included."""

    def work(session: Session) -> list[ResultLine]:
        return [_line(session, row) for row in stored_results(session, encounter_id)]

    return read_only(engine, work)


def mark_in_error(
    engine: Engine, result_id: int, reason: str, *, by: int, at: datetime
) -> ResultLine:
    """Mark a final result entered-in-error (see the module docstring)."""
    said = error_reason(reason)

    def work(session: Session) -> ResultLine:
        staff = session.get(Staff, by)
        if staff is None or not staff.active:
            raise NotAllowed("Sign in again: your account is not active.")
        row = session.get(PocResultRow, result_id)
        if row is None:
            raise NotFound("That result is not there any more.")
        if row.status is PocResultStatus.ENTERED_IN_ERROR:
            raise Conflict("That result is already marked entered in error.")
        row.status = PocResultStatus.ENTERED_IN_ERROR
        row.error_reason, row.error_at, row.error_by_id = said, at, by
        session.add(row)
        audit(
            session,
            AuditAction.UPDATE,
            at=at,
            staff_id=by,
            patient_id=row.patient_id,
            entity="poc_result",
            entity_id=row.id,
            detail={"status": PocResultStatus.ENTERED_IN_ERROR.value, "test": row.test_key},
        )
        if row.order_id is not None:
            reopen_order(session, row.order_id, "result entered in error", by=by, at=at)
        return _line(session, row)

    return in_transaction(engine, work)


def _line(session: Session, row: PocResultRow) -> ResultLine:
    assert row.id is not None
    patient = session.get(Patient, row.patient_id)
    assert patient is not None
    day = row.performed_at.date()
    age = age_in_years(patient.birth_date, day) if patient.birth_date <= day else None
    readback = readback_text(parse_poc_line(row.line), sex=band_sex(patient), age_years=age)
    in_error = row.status is PocResultStatus.ENTERED_IN_ERROR
    return ResultLine(
        id=row.id,
        order_id=row.order_id,
        test_name=poc_catalog().test(row.test_key).name,
        readback=readback,
        performed_at=row.performed_at,
        kit_lot=row.kit_lot,
        qc=QcState(row.qc_state),
        error_reason=(row.error_reason or "no reason recorded") if in_error else None,
    )
