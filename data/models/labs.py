"""Point-of-care tests: the kit lots on the shelf, the daily QC log, and results.

A result (``poc_result``) is one test run at the chair for a visit: the line the MA
typed, the kit lot it was run on (copied as it was, so a lot renamed or retired
later does not change the record), the day's quality-control state when it was
taken, and the order it did if any. Its readings (``poc_reading``), one per
analyte, keep the value as typed and as read (a decimal as text, or the choice's
stored value), the LOINC code and the v3 interpretation flag. A wrong result is
never deleted: it is marked entered-in-error, with the reason, when and who.

``poc_qc_record`` is the log of external control runs, per test per day; the
latest of a day decides (``ma_tui.labs.kits.qc_state``).
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from ma_tui.data.types import UTCDateTime, enum_column_type, utcnow


class PocResultStatus(StrEnum):
    FINAL = "final"
    ENTERED_IN_ERROR = "entered-in-error"


class PocKitLot(SQLModel, table=True):
    """A box of test kits in use: which test, product, lot and expiry."""

    __tablename__ = "poc_kit_lot"
    __table_args__ = (sa.UniqueConstraint("test_key", "lot", name="uq_poc_kit_lot_test_lot"),)

    id: int | None = Field(default=None, primary_key=True)
    test_key: str = Field(max_length=32, index=True)  # a key of catalogs/poc_tests.json
    name: str = Field(max_length=200)  # the product: "Chemstrip 10 A"
    manufacturer: str | None = Field(default=None, max_length=200)
    lot: str = Field(max_length=20)
    expires: date
    active: bool = True  # False: taken off the shelf, kept for the results run on it
    added_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    added_by_id: int | None = Field(default=None, foreign_key="staff.id")


class PocQcRecord(SQLModel, table=True):
    """One run of a test's external controls, passed or failed."""

    __tablename__ = "poc_qc_record"

    id: int | None = Field(default=None, primary_key=True)
    test_key: str = Field(max_length=32, index=True)
    recorded_at: datetime = Field(sa_type=UTCDateTime, nullable=False, index=True)
    outcome: str = Field(max_length=8)  # "pass" or "fail" (ma_tui.labs.kits.QcOutcome)
    kit_lot_id: int | None = Field(default=None, foreign_key="poc_kit_lot.id")
    recorded_by_id: int | None = Field(default=None, foreign_key="staff.id")
    note: str | None = Field(default=None, max_length=300)


class PocResult(SQLModel, table=True):
    """One point-of-care test run for a visit (see the module docstring)."""

    __tablename__ = "poc_result"

    id: int | None = Field(default=None, primary_key=True)
    encounter_id: int = Field(foreign_key="encounter.id", index=True)
    patient_id: int = Field(foreign_key="patient.id", index=True)
    order_id: int | None = Field(default=None, foreign_key="visit_order.id", index=True)
    test_key: str = Field(max_length=32)
    line: str = Field(max_length=200)  # as typed
    kit_lot_id: int | None = Field(default=None, foreign_key="poc_kit_lot.id")
    kit_name: str = Field(max_length=200)
    kit_lot: str = Field(max_length=20)
    kit_expires: date
    qc_state: str = Field(max_length=16)  # ma_tui.labs.kits.QcState's value
    abnormal: bool = False
    status: PocResultStatus = Field(
        default=PocResultStatus.FINAL, sa_type=enum_column_type(PocResultStatus)
    )
    performed_at: datetime = Field(sa_type=UTCDateTime, nullable=False, index=True)
    performed_by_id: int | None = Field(default=None, foreign_key="staff.id")
    entered_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    # Marked entered-in-error: why, when and by whom (``ma_tui.labs.corrections``).
    error_reason: str | None = Field(default=None, max_length=300)
    error_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    error_by_id: int | None = Field(default=None, foreign_key="staff.id")


class PocReading(SQLModel, table=True):
    """One analyte of a result: ``Glucose neg``, ``Specific gravity 1.020``."""

    __tablename__ = "poc_reading"

    id: int | None = Field(default=None, primary_key=True)
    result_id: int = Field(foreign_key="poc_result.id", index=True)
    analyte_key: str = Field(max_length=32)
    code: str | None = Field(default=None, max_length=16)  # LOINC, when confirmed
    typed: str = Field(max_length=32)
    value: str | None = Field(default=None, max_length=16)  # a decimal, as text: "1.020"
    choice: str | None = Field(default=None, max_length=32)  # "negative", "1+"
    unit: str | None = Field(default=None, max_length=32)  # UCUM
    interpretation: str | None = Field(default=None, max_length=8)  # N, A, H, L, HH, LL


class PocDraft(SQLModel, table=True):
    """A point-of-care line typed but not yet resulted, kept as the MA types it.

    One per visit and test: the line and the kit lot chosen, so a closed terminal
    or a step away loses nothing. Resulting the test deletes it in its transaction.
    """

    __tablename__ = "poc_draft"

    encounter_id: int = Field(foreign_key="encounter.id", primary_key=True)
    test_key: str = Field(max_length=32, primary_key=True)
    order_id: int | None = Field(default=None, foreign_key="visit_order.id")
    line: str = Field(max_length=200)
    kit_lot_id: int | None = Field(default=None, foreign_key="poc_kit_lot.id")
    staff_id: int | None = Field(default=None, foreign_key="staff.id")
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
