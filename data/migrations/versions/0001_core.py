"""Patients, coverage, staff, the schedule and the audit table

Revision ID: 0001
Revises:
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import ma_tui.data.types

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "clinic_setting",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("value", sa.String(length=1000), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )
    op.create_table(
        "patient",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("mrn", sa.String(length=32), nullable=False),
        sa.Column("family_name", sa.String(length=200), nullable=False),
        sa.Column("given_name", sa.String(length=200), nullable=False),
        sa.Column("middle_name", sa.String(length=200), nullable=True),
        sa.Column("birth_date", sa.Date(), nullable=False),
        sa.Column(
            "sex",
            sa.Enum("female", "male", "other", "unknown", name="sex", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column("phone", sa.String(length=40), nullable=True),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("address_line", sa.String(length=300), nullable=True),
        sa.Column("city", sa.String(length=100), nullable=True),
        sa.Column("state", sa.String(length=50), nullable=True),
        sa.Column("postal_code", sa.String(length=20), nullable=True),
        sa.Column("preferred_language", sa.String(length=50), nullable=True),
        sa.Column("interpreter_needed", sa.Boolean(), nullable=False),
        sa.Column("guardian_name", sa.String(length=200), nullable=True),
        sa.Column("guardian_relationship", sa.String(length=50), nullable=True),
        sa.Column("guardian_phone", sa.String(length=40), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", ma_tui.data.types.UTCDateTime(), nullable=False),
        sa.Column("updated_at", ma_tui.data.types.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("patient", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_patient_birth_date"), ["birth_date"], unique=False)
        batch_op.create_index(batch_op.f("ix_patient_family_name"), ["family_name"], unique=False)
        batch_op.create_index(batch_op.f("ix_patient_mrn"), ["mrn"], unique=True)

    op.create_table(
        "staff",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("display_name", sa.String(length=200), nullable=False),
        sa.Column(
            "role",
            sa.Enum(
                "ma",
                "nurse",
                "provider",
                "front_desk",
                "admin",
                name="staffrole",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("credentials", sa.String(length=32), nullable=True),
        sa.Column("secret_hash", sa.String(length=255), nullable=True),
        sa.Column("failed_attempts", sa.Integer(), nullable=False),
        sa.Column("locked_until", ma_tui.data.types.UTCDateTime(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", ma_tui.data.types.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("staff", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_staff_username"), ["username"], unique=True)

    op.create_table(
        "audit_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", ma_tui.data.types.UTCDateTime(), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=True),
        sa.Column("os_user", sa.String(length=64), nullable=True),
        sa.Column("patient_id", sa.Integer(), nullable=True),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("entity", sa.String(length=64), nullable=True),
        sa.Column("entity_id", sa.String(length=64), nullable=True),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.Column("prev_hash", sa.String(length=64), nullable=True),
        sa.Column("hash", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(
            ["patient_id"],
            ["patient.id"],
        ),
        sa.ForeignKeyConstraint(
            ["staff_id"],
            ["staff.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_event_at"), ["at"], unique=False)
        batch_op.create_index(batch_op.f("ix_audit_event_patient_id"), ["patient_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_audit_event_staff_id"), ["staff_id"], unique=False)

    op.create_table(
        "coverage",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("payer", sa.String(length=200), nullable=False),
        sa.Column("plan_name", sa.String(length=200), nullable=True),
        sa.Column("member_id", sa.String(length=64), nullable=False),
        sa.Column("group_number", sa.String(length=64), nullable=True),
        sa.Column("subscriber_name", sa.String(length=200), nullable=True),
        sa.Column("subscriber_relationship", sa.String(length=32), nullable=False),
        sa.Column("effective_date", sa.Date(), nullable=True),
        sa.Column("expiry_date", sa.Date(), nullable=True),
        sa.Column("last_verified_at", ma_tui.data.types.UTCDateTime(), nullable=True),
        sa.Column("last_verified_by_id", sa.Integer(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["last_verified_by_id"],
            ["staff.id"],
        ),
        sa.ForeignKeyConstraint(
            ["patient_id"],
            ["patient.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("coverage", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_coverage_patient_id"), ["patient_id"], unique=False)

    op.create_table(
        "encounter",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("scheduled_at", ma_tui.data.types.UTCDateTime(), nullable=False),
        sa.Column("provider_id", sa.Integer(), nullable=True),
        sa.Column("visit_type", sa.String(length=64), nullable=False),
        sa.Column("room", sa.String(length=16), nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                "scheduled",
                "arrived",
                "rooming",
                "ready_for_provider",
                "with_provider",
                "checked_out",
                "cancelled",
                "no_show",
                name="encounterstatus",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("status_changed_at", ma_tui.data.types.UTCDateTime(), nullable=False),
        sa.Column("walk_in", sa.Boolean(), nullable=False),
        sa.Column("chief_complaint", sa.String(length=2000), nullable=True),
        sa.Column("hpi_onset", sa.String(length=500), nullable=True),
        sa.Column("hpi_location", sa.String(length=500), nullable=True),
        sa.Column("hpi_duration", sa.String(length=500), nullable=True),
        sa.Column("hpi_character", sa.String(length=500), nullable=True),
        sa.Column("hpi_aggravating", sa.String(length=500), nullable=True),
        sa.Column("hpi_alleviating", sa.String(length=500), nullable=True),
        sa.Column("hpi_radiation", sa.String(length=500), nullable=True),
        sa.Column("hpi_timing", sa.String(length=500), nullable=True),
        sa.Column("hpi_severity", sa.Integer(), nullable=True),
        sa.Column("hpi_associated", sa.String(length=1000), nullable=True),
        sa.Column("identity_confirmed_at", ma_tui.data.types.UTCDateTime(), nullable=True),
        sa.Column("identity_confirmed_by_id", sa.Integer(), nullable=True),
        sa.Column("signed_at", ma_tui.data.types.UTCDateTime(), nullable=True),
        sa.Column("signed_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", ma_tui.data.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["identity_confirmed_by_id"],
            ["staff.id"],
        ),
        sa.ForeignKeyConstraint(
            ["patient_id"],
            ["patient.id"],
        ),
        sa.ForeignKeyConstraint(
            ["provider_id"],
            ["staff.id"],
        ),
        sa.ForeignKeyConstraint(
            ["signed_by_id"],
            ["staff.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("encounter", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_encounter_patient_id"), ["patient_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_encounter_scheduled_at"), ["scheduled_at"], unique=False
        )

    op.create_table(
        "encounter_status_change",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("encounter_id", sa.Integer(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "scheduled",
                "arrived",
                "rooming",
                "ready_for_provider",
                "with_provider",
                "checked_out",
                "cancelled",
                "no_show",
                name="encounterstatus",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("changed_at", ma_tui.data.types.UTCDateTime(), nullable=False),
        sa.Column("changed_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["changed_by_id"],
            ["staff.id"],
        ),
        sa.ForeignKeyConstraint(
            ["encounter_id"],
            ["encounter.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("encounter_status_change", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_encounter_status_change_encounter_id"), ["encounter_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("encounter_status_change", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_encounter_status_change_encounter_id"))

    op.drop_table("encounter_status_change")
    with op.batch_alter_table("encounter", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_encounter_scheduled_at"))
        batch_op.drop_index(batch_op.f("ix_encounter_patient_id"))

    op.drop_table("encounter")
    with op.batch_alter_table("coverage", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_coverage_patient_id"))

    op.drop_table("coverage")
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_event_staff_id"))
        batch_op.drop_index(batch_op.f("ix_audit_event_patient_id"))
        batch_op.drop_index(batch_op.f("ix_audit_event_at"))

    op.drop_table("audit_event")
    with op.batch_alter_table("staff", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_staff_username"))

    op.drop_table("staff")
    with op.batch_alter_table("patient", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_patient_mrn"))
        batch_op.drop_index(batch_op.f("ix_patient_family_name"))
        batch_op.drop_index(batch_op.f("ix_patient_birth_date"))

    op.drop_table("patient")
    op.drop_table("clinic_setting")
