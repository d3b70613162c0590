"""Injections: vaccine and medication lots on the shelf, and doses in the chart

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-03

``vaccine_lot`` is one lot of one product (codes, expiry, doses on hand, funding
source); ``injection`` is one dose given, refused or deferred here, or imported
from an EHR or a registry, with the observation period and any reaction after it.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import ma_tui.data.types

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "vaccine_lot",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("product_key", sa.String(length=64), nullable=False),
        sa.Column("ndc11", sa.String(length=13), nullable=True),
        sa.Column("cvx", sa.String(length=3), nullable=True),
        sa.Column("mvx", sa.String(length=3), nullable=True),
        sa.Column("lot", sa.String(length=20), nullable=False),
        sa.Column("expires", sa.Date(), nullable=False),
        sa.Column("doses_on_hand", sa.Integer(), nullable=False),
        sa.Column(
            "funding",
            sa.Enum("vfc", "private", "other", name="lotfunding", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column("added_at", ma_tui.data.types.UTCDateTime(), nullable=False),
        sa.Column("added_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["added_by_id"],
            ["staff.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("product_key", "lot", "funding"),
    )
    with op.batch_alter_table("vaccine_lot", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_vaccine_lot_product_key"), ["product_key"], unique=False
        )

    op.create_table(
        "injection",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("encounter_id", sa.Integer(), nullable=True),
        sa.Column("lot_id", sa.Integer(), nullable=True),
        sa.Column("order_id", sa.Integer(), nullable=True),
        sa.Column("is_vaccine", sa.Boolean(), nullable=False),
        sa.Column(
            "status",
            sa.Enum("completed", "not-done", name="injectionstatus", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column("occurred_on", sa.Date(), nullable=False),
        sa.Column("occurred_at", ma_tui.data.types.UTCDateTime(), nullable=True),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("product_key", sa.String(length=64), nullable=True),
        sa.Column("cvx", sa.String(length=3), nullable=True),
        sa.Column("cvx_display", sa.String(length=200), nullable=True),
        sa.Column("ndc", sa.String(length=13), nullable=True),
        sa.Column("mvx", sa.String(length=3), nullable=True),
        sa.Column("manufacturer", sa.String(length=100), nullable=True),
        sa.Column("lot", sa.String(length=20), nullable=True),
        sa.Column("expires", sa.Date(), nullable=True),
        sa.Column("dose_value", sa.String(length=16), nullable=True),
        sa.Column("dose_unit", sa.String(length=8), nullable=True),
        sa.Column("route", sa.String(length=4), nullable=True),
        sa.Column("site", sa.String(length=4), nullable=True),
        sa.Column("not_given_reason", sa.String(length=16), nullable=True),
        sa.Column("vis_name", sa.String(length=200), nullable=True),
        sa.Column("vis_edition", sa.Date(), nullable=True),
        sa.Column("vis_presented", sa.Date(), nullable=True),
        sa.Column("eligibility", sa.String(length=3), nullable=True),
        sa.Column(
            "funding",
            sa.Enum("vfc", "private", "other", name="lotfunding", native_enum=False, length=32),
            nullable=True,
        ),
        sa.Column("primary_source", sa.Boolean(), nullable=False),
        sa.Column("note", sa.String(length=500), nullable=True),
        sa.Column("observation_minutes", sa.Integer(), nullable=True),
        sa.Column("reaction", sa.String(length=500), nullable=True),
        sa.Column("reaction_at", ma_tui.data.types.UTCDateTime(), nullable=True),
        sa.Column("entered_in_error", sa.Boolean(), nullable=False),
        sa.Column("recorded_at", ma_tui.data.types.UTCDateTime(), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.Column("source_id", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(
            ["encounter_id"],
            ["encounter.id"],
        ),
        sa.ForeignKeyConstraint(
            ["lot_id"],
            ["vaccine_lot.id"],
        ),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["visit_order.id"],
        ),
        sa.ForeignKeyConstraint(
            ["patient_id"],
            ["patient.id"],
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"],
            ["staff.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("injection", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_injection_encounter_id"), ["encounter_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_injection_occurred_on"), ["occurred_on"], unique=False)
        batch_op.create_index(batch_op.f("ix_injection_patient_id"), ["patient_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("injection", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_injection_patient_id"))
        batch_op.drop_index(batch_op.f("ix_injection_occurred_on"))
        batch_op.drop_index(batch_op.f("ix_injection_encounter_id"))

    op.drop_table("injection")
    with op.batch_alter_table("vaccine_lot", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_vaccine_lot_product_key"))

    op.drop_table("vaccine_lot")
