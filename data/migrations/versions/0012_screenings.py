"""Screenings given at rooming: each instrument, its item answers, its alerts

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03

A signed visit's screenings (PHQ-2, PHQ-9, GAD-7, AUDIT-C, STEADI): one row per
instrument given or declined with its total, band and positivity as read at
signing, one row per item's answer, and one per alert (PHQ-9 item 9) with who
acknowledged it, when, and what they did.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import ma_tui.data.types

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "screening",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("encounter_id", sa.Integer(), nullable=False),
        sa.Column("instrument", sa.String(length=16), nullable=False),
        sa.Column("declined", sa.Boolean(), nullable=False),
        sa.Column("total", sa.Integer(), nullable=True),
        sa.Column("band", sa.String(length=64), nullable=True),
        sa.Column("positive", sa.Boolean(), nullable=False),
        sa.Column("reflexed_from", sa.String(length=16), nullable=True),
        sa.Column("given_at", ma_tui.data.types.UTCDateTime(), nullable=False),
        sa.Column("entered_by_id", sa.Integer(), nullable=True),
        sa.Column("entered_at", ma_tui.data.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["encounter_id"], ["encounter.id"]),
        sa.ForeignKeyConstraint(["entered_by_id"], ["staff.id"]),
        sa.ForeignKeyConstraint(["patient_id"], ["patient.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_screening_encounter_id", "screening", ["encounter_id"])
    op.create_index("ix_screening_patient_id", "screening", ["patient_id"])
    op.create_table(
        "screening_answer",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("screening_id", sa.Integer(), nullable=False),
        sa.Column("item", sa.Integer(), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["screening_id"], ["screening.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_screening_answer_screening_id", "screening_answer", ["screening_id"])
    op.create_table(
        "screening_alert",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("screening_id", sa.Integer(), nullable=False),
        sa.Column("item", sa.Integer(), nullable=False),
        sa.Column("text", sa.String(length=300), nullable=False),
        sa.Column("acknowledged_by", sa.String(length=200), nullable=False),
        sa.Column("acknowledged_by_id", sa.Integer(), nullable=True),
        sa.Column("acknowledged_at", ma_tui.data.types.UTCDateTime(), nullable=False),
        sa.Column("note", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(["acknowledged_by_id"], ["staff.id"]),
        sa.ForeignKeyConstraint(["screening_id"], ["screening.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_screening_alert_screening_id", "screening_alert", ["screening_id"])


def downgrade() -> None:
    op.drop_index("ix_screening_alert_screening_id", table_name="screening_alert")
    op.drop_table("screening_alert")
    op.drop_index("ix_screening_answer_screening_id", table_name="screening_answer")
    op.drop_table("screening_answer")
    op.drop_index("ix_screening_patient_id", table_name="screening")
    op.drop_index("ix_screening_encounter_id", table_name="screening")
    op.drop_table("screening")
