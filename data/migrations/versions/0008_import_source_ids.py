"""Imported rows remember their source (``source_id``); a visit keeps its slot's length

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-23

A FHIR import (``ma_tui.fhir``) writes the source resource's identifier here, so
importing the same file again updates the rows it made instead of adding new ones.
``encounter.scheduled_minutes`` is the booked slot's length, which a FHIR
Appointment needs beside its start. Nullable columns: SQLite adds them in place,
and rows entered in ma-tui keep None.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = (
    "coverage",
    "encounter",
    "condition",
    "procedure",
    "family_history",
    "social_history",
    "medication",
    "allergy",
)
SOURCE_ID_MAX = 200


def upgrade() -> None:
    for table in TABLES:
        op.add_column(table, sa.Column("source_id", sa.String(SOURCE_ID_MAX), nullable=True))
    op.create_index("ix_encounter_source_id", "encounter", ["source_id"], unique=False)
    op.add_column("encounter", sa.Column("scheduled_minutes", sa.Integer(), nullable=True))


def downgrade() -> None:
    op.drop_column("encounter", "scheduled_minutes")
    op.drop_index("ix_encounter_source_id", table_name="encounter")
    for table in TABLES:
        op.drop_column(table, "source_id")
