"""A point-of-care result marked entered-in-error keeps why, when and who

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-04

Three nullable columns on ``poc_result``; existing results are untouched (none
was marked in error before: nothing could mark one).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import ma_tui.data.types

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_FK = "fk_poc_result_error_by_id_staff"


def upgrade() -> None:
    with op.batch_alter_table("poc_result", schema=None) as batch_op:
        batch_op.add_column(sa.Column("error_reason", sa.String(length=300), nullable=True))
        batch_op.add_column(sa.Column("error_at", ma_tui.data.types.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column("error_by_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(_FK, "staff", ["error_by_id"], ["id"])


def downgrade() -> None:
    with op.batch_alter_table("poc_result", schema=None) as batch_op:
        batch_op.drop_constraint(_FK, type_="foreignkey")
        batch_op.drop_column("error_by_id")
        batch_op.drop_column("error_at")
        batch_op.drop_column("error_reason")
