"""Clinical record: observations and history

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import ma_tui.data.types

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "allergy",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("substance", sa.String(length=200), nullable=False),
        sa.Column(
            "category",
            sa.Enum(
                "medication",
                "food",
                "environment",
                "biologic",
                name="allergycategory",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("reaction", sa.String(length=300), nullable=True),
        sa.Column(
            "severity",
            sa.Enum(
                "mild", "moderate", "severe", name="allergyseverity", native_enum=False, length=32
            ),
            nullable=True,
        ),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("note", sa.String(length=1000), nullable=True),
        sa.Column("entered_in_error", sa.Boolean(), nullable=False),
        sa.Column("encounter_id", sa.Integer(), nullable=True),
        sa.Column("recorded_at", ma_tui.data.types.UTCDateTime(), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.Column("reviewed_at", ma_tui.data.types.UTCDateTime(), nullable=True),
        sa.Column("reviewed_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["encounter_id"],
            ["encounter.id"],
        ),
        sa.ForeignKeyConstraint(
            ["patient_id"],
            ["patient.id"],
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"],
            ["staff.id"],
        ),
        sa.ForeignKeyConstraint(
            ["reviewed_by_id"],
            ["staff.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("allergy", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_allergy_patient_id"), ["patient_id"], unique=False)

    op.create_table(
        "condition",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=True),
        sa.Column("onset", sa.String(length=100), nullable=True),
        sa.Column(
            "status",
            sa.Enum("active", "resolved", name="conditionstatus", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column("note", sa.String(length=1000), nullable=True),
        sa.Column("entered_in_error", sa.Boolean(), nullable=False),
        sa.Column("encounter_id", sa.Integer(), nullable=True),
        sa.Column("recorded_at", ma_tui.data.types.UTCDateTime(), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.Column("reviewed_at", ma_tui.data.types.UTCDateTime(), nullable=True),
        sa.Column("reviewed_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["encounter_id"],
            ["encounter.id"],
        ),
        sa.ForeignKeyConstraint(
            ["patient_id"],
            ["patient.id"],
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"],
            ["staff.id"],
        ),
        sa.ForeignKeyConstraint(
            ["reviewed_by_id"],
            ["staff.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("condition", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_condition_patient_id"), ["patient_id"], unique=False)

    op.create_table(
        "family_history",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("relation", sa.String(length=50), nullable=False),
        sa.Column("condition", sa.String(length=300), nullable=False),
        sa.Column("onset_age", sa.Integer(), nullable=True),
        sa.Column("note", sa.String(length=1000), nullable=True),
        sa.Column("entered_in_error", sa.Boolean(), nullable=False),
        sa.Column("encounter_id", sa.Integer(), nullable=True),
        sa.Column("recorded_at", ma_tui.data.types.UTCDateTime(), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.Column("reviewed_at", ma_tui.data.types.UTCDateTime(), nullable=True),
        sa.Column("reviewed_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["encounter_id"],
            ["encounter.id"],
        ),
        sa.ForeignKeyConstraint(
            ["patient_id"],
            ["patient.id"],
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"],
            ["staff.id"],
        ),
        sa.ForeignKeyConstraint(
            ["reviewed_by_id"],
            ["staff.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("family_history", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_family_history_patient_id"), ["patient_id"], unique=False
        )

    op.create_table(
        "history_review",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("encounter_id", sa.Integer(), nullable=True),
        sa.Column(
            "section",
            sa.Enum(
                "medical",
                "surgical",
                "family",
                "social",
                "medications",
                "allergies",
                name="historysection",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("none_known", sa.Boolean(), nullable=False),
        sa.Column("reviewed_at", ma_tui.data.types.UTCDateTime(), nullable=False),
        sa.Column("reviewed_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["encounter_id"],
            ["encounter.id"],
        ),
        sa.ForeignKeyConstraint(
            ["patient_id"],
            ["patient.id"],
        ),
        sa.ForeignKeyConstraint(
            ["reviewed_by_id"],
            ["staff.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("history_review", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_history_review_patient_id"), ["patient_id"], unique=False
        )

    op.create_table(
        "medication",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("dose", sa.String(length=100), nullable=True),
        sa.Column("route", sa.String(length=50), nullable=True),
        sa.Column("frequency", sa.String(length=100), nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                "taking",
                "not_taking",
                "stopped",
                name="medicationstatus",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("note", sa.String(length=1000), nullable=True),
        sa.Column("entered_in_error", sa.Boolean(), nullable=False),
        sa.Column("encounter_id", sa.Integer(), nullable=True),
        sa.Column("recorded_at", ma_tui.data.types.UTCDateTime(), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.Column("reviewed_at", ma_tui.data.types.UTCDateTime(), nullable=True),
        sa.Column("reviewed_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["encounter_id"],
            ["encounter.id"],
        ),
        sa.ForeignKeyConstraint(
            ["patient_id"],
            ["patient.id"],
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"],
            ["staff.id"],
        ),
        sa.ForeignKeyConstraint(
            ["reviewed_by_id"],
            ["staff.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("medication", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_medication_patient_id"), ["patient_id"], unique=False)

    op.create_table(
        "observation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("encounter_id", sa.Integer(), nullable=True),
        sa.Column("code", sa.String(length=16), nullable=False),
        sa.Column("value_entered", sa.String(length=64), nullable=True),
        sa.Column("unit_entered", sa.String(length=32), nullable=True),
        sa.Column("value", sa.Float(), nullable=True),
        sa.Column("unit", sa.String(length=32), nullable=True),
        sa.Column("interpretation", sa.String(length=8), nullable=True),
        sa.Column("position", sa.String(length=32), nullable=True),
        sa.Column("site", sa.String(length=32), nullable=True),
        sa.Column("method", sa.String(length=64), nullable=True),
        sa.Column("o2_flow_l_min", sa.Float(), nullable=True),
        sa.Column("reading_group", sa.String(length=36), nullable=True),
        sa.Column("not_obtained_reason", sa.String(length=200), nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                "preliminary",
                "final",
                "entered-in-error",
                name="observationstatus",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("corrects_id", sa.Integer(), nullable=True),
        sa.Column("taken_at", ma_tui.data.types.UTCDateTime(), nullable=False),
        sa.Column("entered_at", ma_tui.data.types.UTCDateTime(), nullable=False),
        sa.Column("entered_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["corrects_id"],
            ["observation.id"],
        ),
        sa.ForeignKeyConstraint(
            ["encounter_id"],
            ["encounter.id"],
        ),
        sa.ForeignKeyConstraint(
            ["entered_by_id"],
            ["staff.id"],
        ),
        sa.ForeignKeyConstraint(
            ["patient_id"],
            ["patient.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("observation", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_observation_code"), ["code"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_observation_encounter_id"), ["encounter_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_observation_patient_id"), ["patient_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_observation_taken_at"), ["taken_at"], unique=False)

    op.create_table(
        "procedure",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=True),
        sa.Column("performed", sa.String(length=100), nullable=True),
        sa.Column("note", sa.String(length=1000), nullable=True),
        sa.Column("entered_in_error", sa.Boolean(), nullable=False),
        sa.Column("encounter_id", sa.Integer(), nullable=True),
        sa.Column("recorded_at", ma_tui.data.types.UTCDateTime(), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.Column("reviewed_at", ma_tui.data.types.UTCDateTime(), nullable=True),
        sa.Column("reviewed_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["encounter_id"],
            ["encounter.id"],
        ),
        sa.ForeignKeyConstraint(
            ["patient_id"],
            ["patient.id"],
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"],
            ["staff.id"],
        ),
        sa.ForeignKeyConstraint(
            ["reviewed_by_id"],
            ["staff.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("procedure", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_procedure_patient_id"), ["patient_id"], unique=False)

    op.create_table(
        "social_history",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column(
            "category",
            sa.Enum(
                "tobacco",
                "secondhand_smoke",
                "alcohol",
                "drugs",
                "living_situation",
                "occupation",
                "exercise",
                "other",
                name="socialcategory",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("value", sa.String(length=300), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=True),
        sa.Column("note", sa.String(length=1000), nullable=True),
        sa.Column("entered_in_error", sa.Boolean(), nullable=False),
        sa.Column("encounter_id", sa.Integer(), nullable=True),
        sa.Column("recorded_at", ma_tui.data.types.UTCDateTime(), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.Column("reviewed_at", ma_tui.data.types.UTCDateTime(), nullable=True),
        sa.Column("reviewed_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["encounter_id"],
            ["encounter.id"],
        ),
        sa.ForeignKeyConstraint(
            ["patient_id"],
            ["patient.id"],
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"],
            ["staff.id"],
        ),
        sa.ForeignKeyConstraint(
            ["reviewed_by_id"],
            ["staff.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("social_history", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_social_history_patient_id"), ["patient_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("social_history", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_social_history_patient_id"))

    op.drop_table("social_history")
    with op.batch_alter_table("procedure", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_procedure_patient_id"))

    op.drop_table("procedure")
    with op.batch_alter_table("observation", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_observation_taken_at"))
        batch_op.drop_index(batch_op.f("ix_observation_patient_id"))
        batch_op.drop_index(batch_op.f("ix_observation_encounter_id"))
        batch_op.drop_index(batch_op.f("ix_observation_code"))

    op.drop_table("observation")
    with op.batch_alter_table("medication", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_medication_patient_id"))

    op.drop_table("medication")
    with op.batch_alter_table("history_review", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_history_review_patient_id"))

    op.drop_table("history_review")
    with op.batch_alter_table("family_history", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_family_history_patient_id"))

    op.drop_table("family_history")
    with op.batch_alter_table("condition", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_condition_patient_id"))

    op.drop_table("condition")
    with op.batch_alter_table("allergy", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_allergy_patient_id"))

    op.drop_table("allergy")
