"""Who is rooming a visit: the draft's holder, and since when

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import ma_tui.data.types

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("rooming_draft", schema=None) as batch_op:
        batch_op.add_column(sa.Column("holder", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("held_since", ma_tui.data.types.UTCDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("rooming_draft", schema=None) as batch_op:
        batch_op.drop_column("held_since")
        batch_op.drop_column("holder")
