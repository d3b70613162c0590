"""Orders on a visit, and point-of-care test kits, QC and results

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-03

``visit_order``: the tests, medications and vaccines put on a visit by a provider,
a standing order or an imported FHIR request, open until done or cancelled.
``poc_kit_lot``, ``poc_qc_record``, ``poc_result`` and ``poc_reading``: the kit
lots in use, the daily quality-control log, and the point-of-care results with
their readings, and ``poc_draft``, a line typed but not yet resulted (see
``ma_tui.data.models.orders`` and ``.labs``). New tables only:
nothing existing changes.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import ma_tui.data.types

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _enum(*values: str) -> sa.Enum:
    return sa.Enum(*values, native_enum=False, create_constraint=False, length=32)


def upgrade() -> None:
    op.create_table(
        "visit_order",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("encounter_id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("kind", _enum("test", "medication", "vaccine"), nullable=False),
        sa.Column("system", sa.String(length=200), nullable=True),
        sa.Column("code", sa.String(length=64), nullable=True),
        sa.Column("display", sa.String(length=300), nullable=False),
        sa.Column("catalog_key", sa.String(length=64), nullable=True),
        sa.Column("instructions", sa.String(length=500), nullable=True),
        sa.Column("source", _enum("provider", "standing", "imported"), nullable=False),
        sa.Column("ordered_by_id", sa.Integer(), nullable=True),
        sa.Column("requester", sa.String(length=200), nullable=True),
        sa.Column("protocol", sa.String(length=200), nullable=True),
        sa.Column("status", _enum("open", "done", "cancelled"), nullable=False),
        sa.Column("status_reason", sa.String(length=300), nullable=True),
        sa.Column("ordered_at", ma_tui.data.types.UTCDateTime(), nullable=False),
        sa.Column("done_at", ma_tui.data.types.UTCDateTime(), nullable=True),
        sa.Column("done_by_id", sa.Integer(), nullable=True),
        sa.Column("source_id", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(["encounter_id"], ["encounter.id"]),
        sa.ForeignKeyConstraint(["patient_id"], ["patient.id"]),
        sa.ForeignKeyConstraint(["ordered_by_id"], ["staff.id"]),
        sa.ForeignKeyConstraint(["done_by_id"], ["staff.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    for column in ("encounter_id", "patient_id", "catalog_key", "status", "source_id"):
        op.create_index(f"ix_visit_order_{column}", "visit_order", [column])

    op.create_table(
        "poc_kit_lot",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("test_key", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("manufacturer", sa.String(length=200), nullable=True),
        sa.Column("lot", sa.String(length=20), nullable=False),
        sa.Column("expires", sa.Date(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("added_at", ma_tui.data.types.UTCDateTime(), nullable=False),
        sa.Column("added_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["added_by_id"], ["staff.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("test_key", "lot", name="uq_poc_kit_lot_test_lot"),
    )
    op.create_index("ix_poc_kit_lot_test_key", "poc_kit_lot", ["test_key"])

    op.create_table(
        "poc_qc_record",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("test_key", sa.String(length=32), nullable=False),
        sa.Column("recorded_at", ma_tui.data.types.UTCDateTime(), nullable=False),
        sa.Column("outcome", sa.String(length=8), nullable=False),
        sa.Column("kit_lot_id", sa.Integer(), nullable=True),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.Column("note", sa.String(length=300), nullable=True),
        sa.ForeignKeyConstraint(["kit_lot_id"], ["poc_kit_lot.id"]),
        sa.ForeignKeyConstraint(["recorded_by_id"], ["staff.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_poc_qc_record_test_key", "poc_qc_record", ["test_key"])
    op.create_index("ix_poc_qc_record_recorded_at", "poc_qc_record", ["recorded_at"])

    op.create_table(
        "poc_result",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("encounter_id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=True),
        sa.Column("test_key", sa.String(length=32), nullable=False),
        sa.Column("line", sa.String(length=200), nullable=False),
        sa.Column("kit_lot_id", sa.Integer(), nullable=True),
        sa.Column("kit_name", sa.String(length=200), nullable=False),
        sa.Column("kit_lot", sa.String(length=20), nullable=False),
        sa.Column("kit_expires", sa.Date(), nullable=False),
        sa.Column("qc_state", sa.String(length=16), nullable=False),
        sa.Column("abnormal", sa.Boolean(), nullable=False),
        sa.Column("status", _enum("final", "entered-in-error"), nullable=False),
        sa.Column("performed_at", ma_tui.data.types.UTCDateTime(), nullable=False),
        sa.Column("performed_by_id", sa.Integer(), nullable=True),
        sa.Column("entered_at", ma_tui.data.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["encounter_id"], ["encounter.id"]),
        sa.ForeignKeyConstraint(["patient_id"], ["patient.id"]),
        sa.ForeignKeyConstraint(["order_id"], ["visit_order.id"]),
        sa.ForeignKeyConstraint(["kit_lot_id"], ["poc_kit_lot.id"]),
        sa.ForeignKeyConstraint(["performed_by_id"], ["staff.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    for column in ("encounter_id", "patient_id", "order_id", "performed_at"):
        op.create_index(f"ix_poc_result_{column}", "poc_result", [column])

    op.create_table(
        "poc_reading",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("result_id", sa.Integer(), nullable=False),
        sa.Column("analyte_key", sa.String(length=32), nullable=False),
        sa.Column("code", sa.String(length=16), nullable=True),
        sa.Column("typed", sa.String(length=32), nullable=False),
        sa.Column("value", sa.String(length=16), nullable=True),
        sa.Column("choice", sa.String(length=32), nullable=True),
        sa.Column("unit", sa.String(length=32), nullable=True),
        sa.Column("interpretation", sa.String(length=8), nullable=True),
        sa.ForeignKeyConstraint(["result_id"], ["poc_result.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_poc_reading_result_id", "poc_reading", ["result_id"])

    op.create_table(
        "poc_draft",
        sa.Column("encounter_id", sa.Integer(), nullable=False),
        sa.Column("test_key", sa.String(length=32), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=True),
        sa.Column("line", sa.String(length=200), nullable=False),
        sa.Column("kit_lot_id", sa.Integer(), nullable=True),
        sa.Column("staff_id", sa.Integer(), nullable=True),
        sa.Column("updated_at", ma_tui.data.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["encounter_id"], ["encounter.id"]),
        sa.ForeignKeyConstraint(["order_id"], ["visit_order.id"]),
        sa.ForeignKeyConstraint(["kit_lot_id"], ["poc_kit_lot.id"]),
        sa.ForeignKeyConstraint(["staff_id"], ["staff.id"]),
        sa.PrimaryKeyConstraint("encounter_id", "test_key"),
    )


def downgrade() -> None:
    op.drop_table("poc_draft")
    op.drop_index("ix_poc_reading_result_id", table_name="poc_reading")
    op.drop_table("poc_reading")
    for column in ("encounter_id", "patient_id", "order_id", "performed_at"):
        op.drop_index(f"ix_poc_result_{column}", table_name="poc_result")
    op.drop_table("poc_result")
    op.drop_index("ix_poc_qc_record_recorded_at", table_name="poc_qc_record")
    op.drop_index("ix_poc_qc_record_test_key", table_name="poc_qc_record")
    op.drop_table("poc_qc_record")
    op.drop_index("ix_poc_kit_lot_test_key", table_name="poc_kit_lot")
    op.drop_table("poc_kit_lot")
    for column in ("encounter_id", "patient_id", "catalog_key", "status", "source_id"):
        op.drop_index(f"ix_visit_order_{column}", table_name="visit_order")
    op.drop_table("visit_order")
