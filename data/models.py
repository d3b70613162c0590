"""The clinic's record as SQLModel tables.

One visit of rooming produces: a confirmed patient and coverage, an encounter whose
status moves on, one observation row per measured value, and history entries that
are carried from visit to visit. Nothing is deleted: a wrong value is marked
entered-in-error and a new one added, so every row keeps who wrote it and when.

Every column uses portable types (see ``data.types``) so the same model runs on
SQLite and PostgreSQL. Timestamps are aware UTC datetimes; dates are plain dates.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from data.folding import SEARCH_KEY, patient_search_keys
from data.types import UTCDateTime, enum_column_type, utcnow

SOURCE_ID_MAX = 200  # an imported resource's identifier, ``system|value``

# ---------------------------------------------------------------- vocabularies


class Sex(StrEnum):
    """Administrative sex, as FHIR's AdministrativeGender."""

    FEMALE = "female"
    MALE = "male"
    OTHER = "other"
    UNKNOWN = "unknown"


class StaffRole(StrEnum):
    MA = "ma"
    NURSE = "nurse"
    PROVIDER = "provider"
    FRONT_DESK = "front_desk"
    ADMIN = "admin"


class EncounterStatus(StrEnum):
    """Where a visit stands; the order is the usual path through the clinic."""

    SCHEDULED = "scheduled"
    ARRIVED = "arrived"
    ROOMING = "rooming"
    READY_FOR_PROVIDER = "ready_for_provider"
    WITH_PROVIDER = "with_provider"
    CHECKED_OUT = "checked_out"
    CANCELLED = "cancelled"
    NO_SHOW = "no_show"

    @property
    def label(self) -> str:
        return _STATUS_LABELS[self]


_STATUS_LABELS = {
    EncounterStatus.SCHEDULED: "Scheduled",
    EncounterStatus.ARRIVED: "Arrived",
    EncounterStatus.ROOMING: "Rooming",
    EncounterStatus.READY_FOR_PROVIDER: "Ready for provider",
    EncounterStatus.WITH_PROVIDER: "With provider",
    EncounterStatus.CHECKED_OUT: "Checked out",
    EncounterStatus.CANCELLED: "Cancelled",
    EncounterStatus.NO_SHOW: "No show",
}


class ObservationStatus(StrEnum):
    """FHIR Observation.status values that rooming uses."""

    PRELIMINARY = "preliminary"  # in an unsigned visit
    FINAL = "final"
    ENTERED_IN_ERROR = "entered-in-error"


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


# ------------------------------------------------------------------ settings


class ClinicSetting(SQLModel, table=True):
    """Key/value settings of this clinic's database (units, demo marker, ...)."""

    __tablename__ = "clinic_setting"

    key: str = Field(primary_key=True, max_length=64)
    value: str = Field(max_length=1000)


# --------------------------------------------------------------------- people


class Staff(SQLModel, table=True):
    """A person who signs in: MA, nurse, provider, front desk or administrator."""

    __tablename__ = "staff"

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=64, sa_column_kwargs={"unique": True}, index=True)
    display_name: str = Field(max_length=200)
    role: StaffRole = Field(sa_type=enum_column_type(StaffRole))
    credentials: str | None = Field(default=None, max_length=32)  # "CMA", "MD", ...
    # argon2id hash of the PIN or password; the sign-in flow owns checking it.
    secret_hash: str | None = Field(default=None, max_length=255)
    failed_attempts: int = 0
    locked_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    active: bool = True
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


def _search_key() -> Any:
    """A folded search key column of ``Patient`` (see ``data.folding``)."""
    return Field(default="", sa_type=SEARCH_KEY, sa_column_kwargs={"server_default": ""})


class Patient(SQLModel, table=True):
    __tablename__ = "patient"

    id: int | None = Field(default=None, primary_key=True)
    mrn: str = Field(max_length=32, sa_column_kwargs={"unique": True}, index=True)
    family_name: str = Field(max_length=200, index=True)
    given_name: str = Field(max_length=200)
    middle_name: str | None = Field(default=None, max_length=200)
    birth_date: date = Field(index=True)
    sex: Sex = Field(sa_type=enum_column_type(Sex))
    phone: str | None = Field(default=None, max_length=40)
    email: str | None = Field(default=None, max_length=254)
    address_line: str | None = Field(default=None, max_length=300)
    city: str | None = Field(default=None, max_length=100)
    state: str | None = Field(default=None, max_length=50)
    postal_code: str | None = Field(default=None, max_length=20)
    preferred_language: str | None = Field(default=None, max_length=50)
    interpreter_needed: bool = False
    # Who consents for a minor; None for adults.
    guardian_name: str | None = Field(default=None, max_length=200)
    guardian_relationship: str | None = Field(default=None, max_length=50)
    guardian_phone: str | None = Field(default=None, max_length=40)
    active: bool = True
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    # What patient search compares (``data.folding``): the names and MRN folded,
    # and the family name run on into the given name (김민준). Derived, never set by
    # hand: ``_fill_search_keys`` recomputes them whenever the ORM flushes a Patient.
    # Writing around it (an INSERT or UPDATE statement, plain SQL) must set them with
    # ``patient_search_keys``: otherwise a row keeps '' (the server default, which
    # SQLite needs to add a NOT NULL column) or stale keys, and search misses it.
    family_key: str = _search_key()
    given_key: str = _search_key()
    name_key: str = _search_key()
    mrn_key: str = _search_key()

    # Each search criterion is a range scan of one of these, already in the order
    # the rows are wanted in (``id`` last: the same order on every database).
    __table_args__ = (
        sa.Index("ix_patient_search_family", "family_key", "given_key", "id"),
        sa.Index("ix_patient_search_given", "given_key", "family_key", "id"),
        sa.Index("ix_patient_search_name", "name_key", "id"),
        sa.Index("ix_patient_search_mrn", "mrn_key", "id"),
    )


@sa.event.listens_for(Patient, "before_insert")
@sa.event.listens_for(Patient, "before_update")
def _fill_search_keys(_mapper: object, _connection: object, patient: Patient) -> None:
    """Keep the search keys in step with the names and MRN at every ORM insert and update."""
    keys = patient_search_keys(patient.family_name, patient.given_name, patient.mrn)
    for column, value in keys.items():
        if getattr(patient, column) != value:
            setattr(patient, column, value)


class Coverage(SQLModel, table=True):
    """An insurance policy; priority 1 is primary."""

    __tablename__ = "coverage"

    id: int | None = Field(default=None, primary_key=True)
    patient_id: int = Field(foreign_key="patient.id", index=True)
    priority: int = 1
    payer: str = Field(max_length=200)
    plan_name: str | None = Field(default=None, max_length=200)
    member_id: str = Field(max_length=64)
    group_number: str | None = Field(default=None, max_length=64)
    subscriber_name: str | None = Field(default=None, max_length=200)
    subscriber_relationship: str = Field(default="self", max_length=32)
    effective_date: date | None = None
    expiry_date: date | None = None
    last_verified_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_verified_by_id: int | None = Field(default=None, foreign_key="staff.id")
    active: bool = True
    # Where this row came from when it was imported (``ma_tui.fhir``): the source
    # resource's first identifier as ``system|value``, else ``Type/id``; None when
    # entered in ma-tui. A re-import finds the row by it, so it never duplicates.
    source_id: str | None = Field(default=None, max_length=SOURCE_ID_MAX)


# ------------------------------------------------------------------ the visit


class Encounter(SQLModel, table=True):
    """One visit: scheduled, then roomed, then handed to the provider."""

    __tablename__ = "encounter"

    id: int | None = Field(default=None, primary_key=True)
    patient_id: int = Field(foreign_key="patient.id", index=True)
    scheduled_at: datetime = Field(sa_type=UTCDateTime, nullable=False, index=True)
    provider_id: int | None = Field(default=None, foreign_key="staff.id")
    visit_type: str = Field(default="follow-up", max_length=64)
    room: str | None = Field(default=None, max_length=16)
    status: EncounterStatus = Field(
        default=EncounterStatus.SCHEDULED, sa_type=enum_column_type(EncounterStatus)
    )
    status_changed_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    walk_in: bool = False
    # Chief complaint in the patient's own words (LOINC 10154-3) and structured HPI.
    chief_complaint: str | None = Field(default=None, max_length=2000)
    hpi_onset: str | None = Field(default=None, max_length=500)
    hpi_location: str | None = Field(default=None, max_length=500)
    hpi_duration: str | None = Field(default=None, max_length=500)
    hpi_character: str | None = Field(default=None, max_length=500)
    hpi_aggravating: str | None = Field(default=None, max_length=500)
    hpi_alleviating: str | None = Field(default=None, max_length=500)
    hpi_radiation: str | None = Field(default=None, max_length=500)
    hpi_timing: str | None = Field(default=None, max_length=500)
    hpi_severity: int | None = None
    hpi_associated: str | None = Field(default=None, max_length=1000)
    identity_confirmed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    identity_confirmed_by_id: int | None = Field(default=None, foreign_key="staff.id")
    signed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    signed_by_id: int | None = Field(default=None, foreign_key="staff.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    # The booked slot's length (FHIR Appointment end - start); None for a walk-in,
    # or a visit scheduled before ma-tui kept it.
    scheduled_minutes: int | None = None
    # The imported Appointment this visit was scheduled from (see Coverage.source_id).
    source_id: str | None = Field(default=None, max_length=SOURCE_ID_MAX, index=True)


class EncounterStatusChange(SQLModel, table=True):
    """Each move of an encounter's status, with its time: the visit's timeline."""

    __tablename__ = "encounter_status_change"

    id: int | None = Field(default=None, primary_key=True)
    encounter_id: int = Field(foreign_key="encounter.id", index=True)
    status: EncounterStatus = Field(sa_type=enum_column_type(EncounterStatus))
    changed_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    changed_by_id: int | None = Field(default=None, foreign_key="staff.id")


class Observation(SQLModel, table=True):
    """One measured value (a vital sign now, a point-of-care lab later).

    ``value_entered``/``unit_entered`` keep exactly what was typed; ``value``/``unit``
    hold the canonical value in UCUM (kg, cm, Cel, ...). A value not obtained has
    no value and a ``not_obtained_reason``. Systolic and diastolic of one reading
    share a ``reading_group``; a repeat reading is a new group, never an overwrite.
    """

    __tablename__ = "observation"

    id: int | None = Field(default=None, primary_key=True)
    patient_id: int = Field(foreign_key="patient.id", index=True)
    encounter_id: int | None = Field(default=None, foreign_key="encounter.id", index=True)
    code: str = Field(max_length=16, index=True)  # LOINC
    value_entered: str | None = Field(default=None, max_length=64)
    unit_entered: str | None = Field(default=None, max_length=32)
    value: float | None = None
    unit: str | None = Field(default=None, max_length=32)  # UCUM
    interpretation: str | None = Field(default=None, max_length=8)  # H, L, HH, LL, A
    position: str | None = Field(default=None, max_length=32)  # sitting, standing, ...
    site: str | None = Field(default=None, max_length=32)  # left arm, oral, ...
    method: str | None = Field(default=None, max_length=64)  # cuff size, device, ...
    o2_flow_l_min: float | None = None
    reading_group: str | None = Field(default=None, max_length=36)
    not_obtained_reason: str | None = Field(default=None, max_length=200)
    # Why the MA had to confirm the value before it was stored: implausible for
    # the age, far from recent readings, or taken over a day back.
    confirmation: str | None = Field(default=None, max_length=300)
    status: ObservationStatus = Field(
        default=ObservationStatus.FINAL, sa_type=enum_column_type(ObservationStatus)
    )
    corrects_id: int | None = Field(default=None, foreign_key="observation.id")
    taken_at: datetime = Field(sa_type=UTCDateTime, nullable=False, index=True)
    entered_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    entered_by_id: int | None = Field(default=None, foreign_key="staff.id")


# ------------------------------------------------------------------- history


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


# --------------------------------------------------------------------- audit


class AuditEvent(SQLModel, table=True):
    """Who did what to which record, when. Append-only; hashes chain the rows."""

    __tablename__ = "audit_event"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False, index=True)
    staff_id: int | None = Field(default=None, foreign_key="staff.id", index=True)
    os_user: str | None = Field(default=None, max_length=64)
    patient_id: int | None = Field(default=None, foreign_key="patient.id", index=True)
    action: str = Field(max_length=64)  # view, create, update, sign, sign_in, ...
    entity: str | None = Field(default=None, max_length=64)
    entity_id: str | None = Field(default=None, max_length=64)
    detail: str | None = Field(default=None, sa_type=sa.Text)  # JSON of what changed
    prev_hash: str | None = Field(default=None, max_length=64)
    hash: str | None = Field(default=None, max_length=64)


class RoomingDraft(SQLModel, table=True):
    """The unsigned part of a visit being roomed, saved as the MA moves through it.

    Signing writes the draft out into the clinical tables in one transaction and
    deletes it; until then the draft is what survives a closed terminal.

    ``holder`` is who is rooming the visit, since ``held_since``: only they may
    resume, save or sign it. Until staff sign-in exists it is the operating-system
    user and host of the terminal (``mia@exam-pc-3``); None on a draft saved before
    holders were kept, which the next MA to open it takes.
    """

    __tablename__ = "rooming_draft"

    encounter_id: int = Field(foreign_key="encounter.id", primary_key=True)
    owner_id: int | None = Field(default=None, foreign_key="staff.id")
    holder: str | None = Field(default=None, max_length=200)
    held_since: datetime | None = Field(default=None, sa_type=UTCDateTime)
    data: str = Field(sa_type=sa.Text)  # JSON of ma_tui.rooming.VisitDraft
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
