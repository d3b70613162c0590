"""The FHIR Task a worklist item was imported from

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-04

``worklist_item.source_id``: the identifier of the Task (or referral ServiceRequest)
an item came in as, NULL for items made here. Importing the same file again finds
the item by it instead of adding it twice (``ma_tui.fhir.resources.work_in``).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# In place, not a batch copy of the table: worklist events refer to the items.
def upgrade() -> None:
    op.add_column("worklist_item", sa.Column("source_id", sa.String(length=200), nullable=True))
    op.create_index("ix_worklist_item_source_id", "worklist_item", ["source_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_worklist_item_source_id", table_name="worklist_item")
    op.drop_column("worklist_item", "source_id")
