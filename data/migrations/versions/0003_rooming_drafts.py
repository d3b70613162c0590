"""Rooming drafts: the unsigned part of a visit, saved as the MA goes

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import ma_tui.data.types

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "rooming_draft",
        sa.Column("encounter_id", sa.Integer(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=True),
        sa.Column("data", sa.Text(), nullable=False),
        sa.Column("updated_at", ma_tui.data.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["encounter_id"],
            ["encounter.id"],
        ),
        sa.ForeignKeyConstraint(
            ["owner_id"],
            ["staff.id"],
        ),
        sa.PrimaryKeyConstraint("encounter_id"),
    )


def downgrade() -> None:
    op.drop_table("rooming_draft")
