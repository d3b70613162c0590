"""Patient search keys: the names and MRN folded, indexed for prefix range scans

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-24

Existing rows are filled in batches with ``ma_tui.data.folding``'s keys, as the ORM fills
new ones (``data.models``). The keys are compared by code point: SQLite's default
BINARY collation does that; on PostgreSQL the columns are ``COLLATE "C"`` (see
``ma_tui.data.folding``). The indexes are made after the fill, which is faster.

The columns are added NOT NULL with a server default of '', the only way SQLite
adds a NOT NULL column without copying the table; copying ``patient`` would fail
on its foreign keys once other tables refer to it. Dropping them on downgrade
is SQLite's ALTER TABLE DROP COLUMN (3.35+), for the same reason.

Offline (``--sql``) there are no rows to read, so no fill is written out: run the
upgrade online on a database that already holds patients.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import context, op

from ma_tui.data.folding import SEARCH_KEY, patient_search_keys

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

KEYS = ("family_key", "given_key", "name_key", "mrn_key")
INDEXES = {
    "ix_patient_search_family": ["family_key", "given_key", "id"],
    "ix_patient_search_given": ["given_key", "family_key", "id"],
    "ix_patient_search_name": ["name_key", "id"],
    "ix_patient_search_mrn": ["mrn_key", "id"],
}
BATCH = 5000  # rows read and written at a time while filling

patient = sa.table(
    "patient",
    sa.column("id", sa.Integer()),
    sa.column("mrn", sa.String()),
    sa.column("family_name", sa.String()),
    sa.column("given_name", sa.String()),
    *(sa.column(key, sa.String()) for key in KEYS),
)


def upgrade() -> None:
    for key in KEYS:
        op.add_column("patient", sa.Column(key, SEARCH_KEY, server_default="", nullable=False))
    if not context.is_offline_mode():
        _fill_keys()
    for name, columns in INDEXES.items():
        op.create_index(name, "patient", columns, unique=False)


def _fill_keys() -> None:
    connection = op.get_bind()
    update = (
        sa.update(patient)
        .where(patient.c.id == sa.bindparam("row_id"))
        .values({key: sa.bindparam(key) for key in KEYS})
    )
    last = 0
    while True:
        rows = connection.execute(
            sa.select(patient.c.id, patient.c.family_name, patient.c.given_name, patient.c.mrn)
            .where(patient.c.id > last)
            .order_by(patient.c.id)
            .limit(BATCH)
        ).all()
        if not rows:
            return
        connection.execute(
            update,
            [
                {"row_id": row_id, **patient_search_keys(family, given, mrn)}
                for row_id, family, given, mrn in rows
            ],
        )
        last = rows[-1][0]


def downgrade() -> None:
    for name in INDEXES:
        op.drop_index(name, table_name="patient")
    for key in reversed(KEYS):
        op.drop_column("patient", key)
