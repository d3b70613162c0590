"""What a vital's unit catch held and what the MA took instead

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-04

A value held because it was implausible or impossible in the unit it was read in
(``9.2`` for an infant's weight, 4.2 kg in lb) and stored in the other unit the MA
chose (9.2 kg): the note says what was typed, why it was held and what was taken,
for the FHIR export's ``Observation.note``. NULL for every other value.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# In place, not a batch copy of the table: corrections refer to observations.
def upgrade() -> None:
    op.add_column("observation", sa.Column("unit_catch", sa.String(length=300), nullable=True))


def downgrade() -> None:
    op.drop_column("observation", "unit_catch")
