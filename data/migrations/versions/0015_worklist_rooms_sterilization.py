"""The worklist, the room board and the sterilization log

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-03

Worklist items (refills, referrals, prior authorizations, follow-ups) with their
kind's fields as JSON and one event row per move; the clinic's rooms and every
change of their state; autoclave loads, their packs, and which patient used which
pack. New tables only: nothing existing changes.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import ma_tui.data.types

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC = ma_tui.data.types.UTCDateTime


def _text(name: str, length: int, *, nullable: bool = False) -> sa.Column[str]:
    return sa.Column(name, sa.String(length=length), nullable=nullable)


def _index(table: str, *columns: str) -> None:
    with op.batch_alter_table(table, schema=None) as batch_op:
        for column in columns:
            batch_op.create_index(batch_op.f(f"ix_{table}_{column}"), [column], unique=False)


def upgrade() -> None:
    op.create_table(
        "worklist_item",
        sa.Column("id", sa.Integer(), nullable=False),
        _text("item_type", 16),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        _text("status", 16),
        sa.Column("owner_id", sa.Integer(), nullable=True),
        sa.Column("due", UTC(), nullable=False),
        sa.Column("created_at", UTC(), nullable=False),
        sa.Column("details", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["owner_id"], ["staff.id"]),
        sa.ForeignKeyConstraint(["patient_id"], ["patient.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    _index("worklist_item", "due", "item_type", "patient_id", "status")
    op.create_table(
        "worklist_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("at", UTC(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=False),
        _text("action", 32),
        _text("status", 16),
        sa.Column("owner_id", sa.Integer(), nullable=True),
        _text("note", 500),
        sa.ForeignKeyConstraint(["actor_id"], ["staff.id"]),
        sa.ForeignKeyConstraint(["item_id"], ["worklist_item.id"]),
        sa.ForeignKeyConstraint(["owner_id"], ["staff.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    _index("worklist_event", "item_id")
    op.create_table(
        "room",
        sa.Column("id", sa.Integer(), nullable=False),
        _text("name", 20),
        _text("room_type", 32),
        _text("state", 16),
        sa.Column("since", UTC(), nullable=False),
        _text("changed_by", 200),
        sa.Column("patient_id", sa.Integer(), nullable=True),
        _text("patient_name", 200),
        sa.Column("encounter_id", sa.Integer(), nullable=True),
        _text("checked", 500),
        _text("reason", 200),
        sa.ForeignKeyConstraint(["encounter_id"], ["encounter.id"]),
        sa.ForeignKeyConstraint(["patient_id"], ["patient.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("name"),
    )
    op.create_table(
        "room_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("room_id", sa.Integer(), nullable=False),
        sa.Column("at", UTC(), nullable=False),
        _text("state", 16),
        _text("changed_by", 200),
        sa.Column("encounter_id", sa.Integer(), nullable=True),
        _text("reason", 200),
        sa.ForeignKeyConstraint(["encounter_id"], ["encounter.id"]),
        sa.ForeignKeyConstraint(["room_id"], ["room.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    _index("room_event", "room_id")
    op.create_table(
        "sterilizer_load",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        _text("sterilizer", 80),
        sa.Column("cycle_number", sa.Integer(), nullable=False),
        _text("cycle_type", 16),
        sa.Column("started_at", UTC(), nullable=False),
        _text("temperature_c", 8),
        _text("pressure_kpa", 8),
        sa.Column("exposure_minutes", sa.Integer(), nullable=False),
        _text("operator", 80),
        _text("chemical", 8, nullable=True),
        _text("biological", 16),
        _text("bi_lot", 80),
        sa.Column("bi_read_at", UTC(), nullable=True),
        _text("released_by", 80),
        sa.Column("released_at", UTC(), nullable=True),
        _text("rejected_by", 80),
        sa.Column("rejected_at", UTC(), nullable=True),
        _text("reject_reason", 80),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("number"),
    )
    _index("sterilizer_load", "started_at")
    op.create_table(
        "sterile_pack",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("load_id", sa.Integer(), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        _text("contents", 80),
        sa.Column("implant", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["load_id"], ["sterilizer_load.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    _index("sterile_pack", "load_id")
    op.create_table(
        "pack_use",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("pack_id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        _text("procedure", 80),
        sa.Column("used_at", UTC(), nullable=False),
        _text("used_by", 80),
        sa.ForeignKeyConstraint(["pack_id"], ["sterile_pack.id"]),
        sa.ForeignKeyConstraint(["patient_id"], ["patient.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("pack_id"),
    )
    _index("pack_use", "patient_id")


def downgrade() -> None:
    for table in (
        "pack_use",
        "sterile_pack",
        "sterilizer_load",
        "room_event",
        "room",
        "worklist_event",
        "worklist_item",
    ):
        op.drop_table(table)
