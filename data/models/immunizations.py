"""Injections: the lots on the clinic's shelf, and each dose given, refused or deferred.

A ``VaccineLot`` is one lot of one product as it stands on the shelf: its codes,
expiry, doses on hand and who paid for it (VFC, private, other public stock). An
``Injection`` is one dose in a patient's chart, given here (with the lot it came
from and the observation period after it) or imported from an EHR or a registry
(``source_id``); a dose not given keeps its reason. Rows are never deleted: a wrong
one is marked ``entered_in_error``. An ``InjectionDraft`` is what the MA typed on the
injection screen and has not yet given or recorded as not given.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from ma_tui.data.types import SOURCE_ID_MAX, UTCDateTime, enum_column_type, utcnow


class LotFunding(StrEnum):
    VFC = "vfc"
    PRIVATE = "private"
    OTHER = "other"  # another public program: state supply, Section 317


class InjectionStatus(StrEnum):
    COMPLETED = "completed"
    NOT_DONE = "not-done"


class VaccineLot(SQLModel, table=True):
    """One lot of a product on the shelf; ``product_key`` names it in ``vaccines.json``."""

    __tablename__ = "vaccine_lot"
    __table_args__ = (UniqueConstraint("product_key", "lot", "funding"),)

    id: int | None = Field(default=None, primary_key=True)
    product_key: str = Field(max_length=64, index=True)
    ndc11: str | None = Field(default=None, max_length=13)  # 5-4-2 with hyphens
    cvx: str | None = Field(default=None, max_length=3)
    mvx: str | None = Field(default=None, max_length=3)
    lot: str = Field(max_length=20)  # GS1 AI (10) is at most 20 characters
    expires: date
    doses_on_hand: int = Field(default=0)
    funding: LotFunding = Field(sa_type=enum_column_type(LotFunding))
    added_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    added_by_id: int | None = Field(default=None, foreign_key="staff.id")


class Injection(SQLModel, table=True):
    """One dose in the chart: given here, refused or deferred here, or imported."""

    __tablename__ = "injection"

    id: int | None = Field(default=None, primary_key=True)
    patient_id: int = Field(foreign_key="patient.id", index=True)
    encounter_id: int | None = Field(default=None, foreign_key="encounter.id", index=True)
    lot_id: int | None = Field(default=None, foreign_key="vaccine_lot.id")
    order_id: int | None = Field(default=None, foreign_key="visit_order.id")  # the order it did
    is_vaccine: bool = True
    status: InjectionStatus = Field(sa_type=enum_column_type(InjectionStatus))
    occurred_on: date = Field(index=True)
    occurred_at: datetime | None = Field(default=None, sa_type=UTCDateTime)  # when known
    name: str = Field(max_length=200)
    product_key: str | None = Field(default=None, max_length=64)
    cvx: str | None = Field(default=None, max_length=3)
    cvx_display: str | None = Field(default=None, max_length=200)
    ndc: str | None = Field(default=None, max_length=13)
    mvx: str | None = Field(default=None, max_length=3)
    manufacturer: str | None = Field(default=None, max_length=100)
    lot: str | None = Field(default=None, max_length=20)
    expires: date | None = None
    dose_value: str | None = Field(default=None, max_length=16)  # a decimal as typed
    dose_unit: str | None = Field(default=None, max_length=8)  # UCUM
    route: str | None = Field(default=None, max_length=4)  # a key of catalogs' ROUTES
    site: str | None = Field(default=None, max_length=4)  # a key of catalogs' SITES
    not_given_reason: str | None = Field(default=None, max_length=16)  # v3 ActReason
    vis_name: str | None = Field(default=None, max_length=200)
    vis_edition: date | None = None
    vis_presented: date | None = None
    eligibility: str | None = Field(default=None, max_length=3)  # HL7 table 0064
    funding: LotFunding | None = Field(default=None, sa_type=enum_column_type(LotFunding))
    primary_source: bool = True
    note: str | None = Field(default=None, max_length=500)
    observation_minutes: int | None = None  # the wait after a dose given here
    reaction: str | None = Field(default=None, max_length=500)
    reaction_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    entered_in_error: bool = False
    recorded_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    recorded_by_id: int | None = Field(default=None, foreign_key="staff.id")
    source_id: str | None = Field(default=None, max_length=SOURCE_ID_MAX)


class InjectionDraft(SQLModel, table=True):
    """The injection screen's fields as typed, kept until the dose is given or not.

    One per visit and order the screen was opened for (``slot``: ``order-12``, or
    ``visit`` when opened with F8 and no order). Recording the dose, given or not,
    deletes it in the same transaction. A draft is no record: it is not audited.
    """

    __tablename__ = "injection_draft"

    encounter_id: int = Field(foreign_key="encounter.id", primary_key=True)
    slot: str = Field(max_length=32, primary_key=True)
    data: str = Field(sa_type=sa.Text)  # JSON: ma_tui.immunizations.drafts
    staff_id: int | None = Field(default=None, foreign_key="staff.id")
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
