"""The injection screen keeps a draft until the dose is recorded

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-04

A new table only: ``injection_draft``, one per visit and order the screen was
opened for, holding the fields as typed (JSON).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import ma_tui.data.types

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "injection_draft",
        sa.Column("encounter_id", sa.Integer(), nullable=False),
        sa.Column("slot", sa.String(length=32), nullable=False),
        sa.Column("data", sa.Text(), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=True),
        sa.Column("updated_at", ma_tui.data.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["encounter_id"], ["encounter.id"]),
        sa.ForeignKeyConstraint(["staff_id"], ["staff.id"]),
        sa.PrimaryKeyConstraint("encounter_id", "slot"),
    )


def downgrade() -> None:
    op.drop_table("injection_draft")
