"""A patient's gestational age at birth, for a preterm child's corrected age

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03

Completed days of gestation at birth (32+4 weeks is 228), or NULL when not known:
the growth percentiles of a child born preterm are read at the corrected age until
24 months (``ma_tui.growth.ages``).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# In place, not a batch copy of the table: rows of other tables refer to patients.
def upgrade() -> None:
    op.add_column("patient", sa.Column("gestational_age_days", sa.Integer(), nullable=True))


def downgrade() -> None:
    op.drop_column("patient", "gestational_age_days")
