"""Orders to do at the visit: the tests, medications and vaccines put on it.

An order is put on one visit (``encounter_id``) for its patient by a provider, by
the MA under one of the clinic's standing orders (``protocol``, the protocol's name
in ``catalogs/standing_orders.json``), or by an EHR's FHIR ``ServiceRequest`` /
``MedicationRequest`` brought in by ``ma-tui import fhir`` (``source_id``). It is
*open* until the MA does it (*done*, with who and when) or it is *cancelled* with
a reason; an order is never deleted.

What is ordered is coded as the EHR or catalog coded it (``system``, ``code``,
``display``: LOINC for a test, CVX for a vaccine, NDC or RxNorm for a medication)
and, where ma-tui's catalogs know it, ``catalog_key`` names the catalog entry that
does it: a point-of-care test's key in ``poc_tests.json`` (``ua``, ``glucose``) or
a product's key in ``vaccines.json``. The result or administration that did the
order points back to it with its own ``order_id``.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlmodel import Field, SQLModel

from ma_tui.data.types import SOURCE_ID_MAX, UTCDateTime, enum_column_type, utcnow


class OrderKind(StrEnum):
    TEST = "test"
    MEDICATION = "medication"
    VACCINE = "vaccine"


class OrderStatus(StrEnum):
    OPEN = "open"
    DONE = "done"
    CANCELLED = "cancelled"


class OrderSource(StrEnum):
    """Who put the order on the visit."""

    PROVIDER = "provider"  # a provider signed in to ma-tui (``ordered_by_id``)
    STANDING = "standing"  # the MA under a standing order (``protocol``, ``ordered_by_id``)
    IMPORTED = "imported"  # an EHR's order by FHIR (``requester`` as the EHR named them)


class VisitOrder(SQLModel, table=True):
    """One test, medication or vaccine to do at a visit (see the module docstring)."""

    __tablename__ = "visit_order"

    id: int | None = Field(default=None, primary_key=True)
    encounter_id: int = Field(foreign_key="encounter.id", index=True)
    patient_id: int = Field(foreign_key="patient.id", index=True)
    kind: OrderKind = Field(sa_type=enum_column_type(OrderKind))
    system: str | None = Field(default=None, max_length=200)  # None: ordered by name only
    code: str | None = Field(default=None, max_length=64)
    display: str = Field(max_length=300)
    catalog_key: str | None = Field(default=None, max_length=64, index=True)
    instructions: str | None = Field(default=None, max_length=500)  # "0.5 mL IM", "fasting"
    source: OrderSource = Field(sa_type=enum_column_type(OrderSource))
    ordered_by_id: int | None = Field(default=None, foreign_key="staff.id")
    requester: str | None = Field(default=None, max_length=200)  # as an imported order named them
    protocol: str | None = Field(default=None, max_length=200)  # the standing order's name
    status: OrderStatus = Field(
        default=OrderStatus.OPEN, sa_type=enum_column_type(OrderStatus), index=True
    )
    status_reason: str | None = Field(default=None, max_length=300)  # why cancelled
    ordered_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    done_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    done_by_id: int | None = Field(default=None, foreign_key="staff.id")
    # The imported ServiceRequest / MedicationRequest (see Encounter.source_id).
    source_id: str | None = Field(default=None, max_length=SOURCE_ID_MAX, index=True)
