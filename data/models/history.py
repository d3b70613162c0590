"""The history carried from visit to visit: problems, surgeries, family, social,
medications, allergies, and each section's review."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlmodel import Field, SQLModel

from ma_tui.data.types import SOURCE_ID_MAX, UTCDateTime, enum_column_type, utcnow


class ConditionStatus(StrEnum):
    ACTIVE = "active"
    RESOLVED = "resolved"


class MedicationStatus(StrEnum):
    TAKING = "taking"
    NOT_TAKING = "not_taking"
    STOPPED = "stopped"


class AllergyCategory(StrEnum):
    MEDICATION = "medication"
    FOOD = "food"
    ENVIRONMENT = "environment"
    BIOLOGIC = "biologic"


class AllergySeverity(StrEnum):
    MILD = "mild"
    MODERATE = "moderate"
    SEVERE = "severe"


class HistorySection(StrEnum):
    MEDICAL = "medical"
    SURGICAL = "surgical"
    FAMILY = "family"
    SOCIAL = "social"
    MEDICATIONS = "medications"
    ALLERGIES = "allergies"


class SocialCategory(StrEnum):
    TOBACCO = "tobacco"
    SECONDHAND_SMOKE = "secondhand_smoke"
    ALCOHOL = "alcohol"
    DRUGS = "drugs"
    LIVING_SITUATION = "living_situation"
    OCCUPATION = "occupation"
    EXERCISE = "exercise"
    OTHER = "other"


class HistoryEntry(SQLModel):
    """What every history entry keeps: whose, from which visit, who wrote and reviewed it.

    Entries are never deleted; a wrong one is marked ``entered_in_error``.
    """

    id: int | None = Field(default=None, primary_key=True)
    patient_id: int = Field(foreign_key="patient.id", index=True)
    note: str | None = Field(default=None, max_length=1000)
    entered_in_error: bool = False
    encounter_id: int | None = Field(default=None, foreign_key="encounter.id")
    recorded_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    recorded_by_id: int | None = Field(default=None, foreign_key="staff.id")
    reviewed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    reviewed_by_id: int | None = Field(default=None, foreign_key="staff.id")
    # Where this row came from when it was imported (``ma_tui.fhir``): the source
    # resource's first identifier as ``system|value``, else ``Type/id``; None when
    # entered in ma-tui. A re-import finds the row by it, so it never duplicates.
    source_id: str | None = Field(default=None, max_length=SOURCE_ID_MAX)


class Condition(HistoryEntry, table=True):
    """Medical history: a problem or diagnosis."""

    __tablename__ = "condition"

    name: str = Field(max_length=300)
    code: str | None = Field(default=None, max_length=32)  # ICD-10-CM
    onset: str | None = Field(default=None, max_length=100)  # as told: "2015", "childhood"
    status: ConditionStatus = Field(
        default=ConditionStatus.ACTIVE, sa_type=enum_column_type(ConditionStatus)
    )


class Procedure(HistoryEntry, table=True):
    """Surgical history."""

    __tablename__ = "procedure"

    name: str = Field(max_length=300)
    code: str | None = Field(default=None, max_length=32)
    performed: str | None = Field(default=None, max_length=100)  # "2009", "age 12"


class FamilyHistory(HistoryEntry, table=True):
    __tablename__ = "family_history"

    relation: str = Field(max_length=50)  # mother, father, sister, ...
    condition: str = Field(max_length=300)
    onset_age: int | None = None


class SocialHistory(HistoryEntry, table=True):
    """One social-history fact: tobacco status, alcohol use, living situation, ..."""

    __tablename__ = "social_history"

    category: SocialCategory = Field(sa_type=enum_column_type(SocialCategory))
    value: str = Field(max_length=300)  # "former smoker", "lives with spouse"
    code: str | None = Field(default=None, max_length=32)  # e.g. SNOMED for tobacco status


class Medication(HistoryEntry, table=True):
    __tablename__ = "medication"

    name: str = Field(max_length=300)
    dose: str | None = Field(default=None, max_length=100)  # "500 mg", "2 puffs"
    route: str | None = Field(default=None, max_length=50)  # oral, inhaled, ...
    frequency: str | None = Field(default=None, max_length=100)  # "twice daily", "as needed"
    status: MedicationStatus = Field(
        default=MedicationStatus.TAKING, sa_type=enum_column_type(MedicationStatus)
    )


class Allergy(HistoryEntry, table=True):
    __tablename__ = "allergy"

    substance: str = Field(max_length=200)
    category: AllergyCategory = Field(
        default=AllergyCategory.MEDICATION, sa_type=enum_column_type(AllergyCategory)
    )
    reaction: str | None = Field(default=None, max_length=300)
    severity: AllergySeverity | None = Field(
        default=None, sa_type=enum_column_type(AllergySeverity)
    )
    active: bool = True


class HistoryReview(SQLModel, table=True):
    """A section of the history reviewed with the patient in an encounter.

    ``none_known`` records an explicit "none": no known allergies (NKA), no surgical
    history. It is distinct from never having asked, which has no review row.
    """

    __tablename__ = "history_review"

    id: int | None = Field(default=None, primary_key=True)
    patient_id: int = Field(foreign_key="patient.id", index=True)
    encounter_id: int | None = Field(default=None, foreign_key="encounter.id")
    section: HistorySection = Field(sa_type=enum_column_type(HistorySection))
    none_known: bool = False
    reviewed_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    reviewed_by_id: int | None = Field(default=None, foreign_key="staff.id")
