"""Registering a walk-in: a new patient, or a known one who is not on today's schedule."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import TypeVar

from sqlalchemy import func
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, or_, select

from ma_tui.core.ages import age_in_years
from ma_tui.core.audit import AuditAction, audit
from ma_tui.core.errors import InvalidInput, NotFound
from ma_tui.core.parsing import ParseError, normalize_phone, parse_date_of_birth

# Named here too: where the step domains and screens have long found them.
from ma_tui.core.text import clean_text as clean_text
from ma_tui.core.text import column_limit as column_limit
from ma_tui.core.transaction import in_transaction, read_only
from ma_tui.data.catalogs import names_then_aliases, payers, relations
from ma_tui.data.folding import fold
from ma_tui.data.models.patients import Coverage, Patient, Sex
from ma_tui.data.models.visits import Encounter, EncounterStatus, EncounterStatusChange

_T = TypeVar("_T")
ADULT_AGE = 18
REASON_MAX = 200  # a break-glass reason, as recorded
SEX_WORDS = {
    "f": Sex.FEMALE,
    "female": Sex.FEMALE,
    "m": Sex.MALE,
    "male": Sex.MALE,
    "x": Sex.OTHER,
    "o": Sex.OTHER,
    "other": Sex.OTHER,
    "u": Sex.UNKNOWN,
    "unknown": Sex.UNKNOWN,
}


@dataclass(frozen=True)
class NewPatientForm:
    """What the MA typed, as typed."""

    family_name: str = ""
    given_name: str = ""
    birth_date: str = ""
    sex: str = ""
    phone: str = ""
    guardian_name: str = ""
    guardian_relationship: str = ""
    payer: str = ""
    member_id: str = ""


@dataclass(frozen=True)
class NewPatient:
    family_name: str
    given_name: str
    birth_date: date
    sex: Sex
    phone: str | None
    guardian_name: str | None
    guardian_relationship: str | None
    payer: str | None
    member_id: str | None


def parse_name(text: str, what: str) -> str:
    name = clean_text(text)
    if not name:
        raise ParseError(f"{what} is required")
    if not any(ch.isalpha() for ch in name):
        raise ParseError(f"{what} must contain letters")
    return name


def parse_sex(text: str) -> Sex:
    sex = SEX_WORDS.get(text.strip().lower())
    if sex is None:
        raise ParseError("sex: F, M, X (other) or U (unknown)")
    return sex


def payer_suggestions() -> list[str]:
    """What a payer field completes from (``data/catalogs/payers.json``), best first.

    The catalog's names in file order (a clinic's contracted payers first), then their
    aliases; matched case-insensitively by the field. Blank stays self-pay.
    """
    return list(names_then_aliases(payers()))


def guardian_relationship_suggestions() -> list[str]:
    """What a guardian's relationship completes from: the relations catalog."""
    return list(names_then_aliases(relations()))


def validate_new_patient(
    form: NewPatientForm, today: date
) -> tuple[NewPatient | None, dict[str, str]]:
    """The patient to register, or the message for each field that is wrong."""
    errors: dict[str, str] = {}

    def check(name: str, parse: Callable[[], _T]) -> _T | None:
        try:
            return parse()
        except ParseError as exc:
            errors[name] = str(exc)
            return None

    family = check("family_name", lambda: parse_name(form.family_name, "family name"))
    given = check("given_name", lambda: parse_name(form.given_name, "given name"))
    born = check("birth_date", lambda: parse_date_of_birth(form.birth_date, today))
    sex = check("sex", lambda: parse_sex(form.sex))
    phone = check("phone", lambda: normalize_phone(form.phone) if form.phone.strip() else None)
    guardian = clean_text(form.guardian_name) or None
    if born is not None and age_in_years(born, today) < ADULT_AGE and guardian is None:
        errors["guardian_name"] = "a minor needs a parent or guardian"
    payer = clean_text(form.payer) or None
    member_id = clean_text(form.member_id, limit=64) or None
    if payer and not member_id:
        errors["member_id"] = "member ID is required with a payer"
    if member_id and not payer:
        errors["payer"] = "payer is required with a member ID"
    if errors or family is None or given is None or born is None or sex is None:
        return None, errors
    return (
        NewPatient(
            family_name=family,
            given_name=given,
            birth_date=born,
            sex=sex,
            phone=phone,
            guardian_name=guardian,
            guardian_relationship=clean_text(form.guardian_relationship, limit=50) or None,
            payer=payer,
            member_id=member_id,
        ),
        {},
    )


DUPLICATES_SHOWN = 5
SIMILAR_PREFIX = 3  # letters of a name that make two names "similar" with the same birth date


@dataclass(frozen=True)
class PossibleDuplicate:
    """A patient already registered who may be the one about to be registered again."""

    mrn: str
    name: str  # "Okafor, Ada"
    birth_date: date
    why: str  # "same name", "same date of birth, similar name"

    @property
    def line(self) -> str:
        return f"{self.name}  DOB {self.birth_date:%m/%d/%Y}  MRN {self.mrn}  ({self.why})"


def possible_duplicates(engine: Engine, new: NewPatient) -> list[PossibleDuplicate]:
    """Patients with the same name (any birth date), or the same birth date and a
    similar name (the same family or given name, or either's first letters): shown
    before a walk-in is registered, so a known patient is not registered twice."""
    family, given = fold(new.family_name), fold(new.given_name)

    def similar(row: Patient) -> str | None:
        if (row.family_key, row.given_key) == (family, given):
            born_too = row.birth_date == new.birth_date
            return "same name" + (", same date of birth" if born_too else "")
        if row.birth_date != new.birth_date:
            return None
        close = (row.family_key[:SIMILAR_PREFIX] == family[:SIMILAR_PREFIX]) or (
            row.given_key[:SIMILAR_PREFIX] == given[:SIMILAR_PREFIX]
        )
        return "same date of birth, similar name" if close else None

    def find(session: Session) -> list[PossibleDuplicate]:
        rows = session.exec(
            select(Patient)
            .where(
                or_(
                    (col(Patient.family_key) == family) & (col(Patient.given_key) == given),
                    col(Patient.birth_date) == new.birth_date,
                )
            )
            .order_by(col(Patient.family_key), col(Patient.given_key), col(Patient.id))
        ).all()
        found = [
            PossibleDuplicate(row.mrn, f"{row.family_name}, {row.given_name}", row.birth_date, why)
            for row in rows
            if (why := similar(row)) is not None
        ]
        return found[:DUPLICATES_SHOWN]

    return read_only(engine, find)


def next_mrn(session: Session) -> str:
    """One more than the highest numeric MRN (the store's unique index guards races)."""
    mrns = session.exec(select(Patient.mrn).where(func.length(Patient.mrn) <= 12)).all()
    numbers = [int(mrn) for mrn in mrns if mrn.isdigit()]
    return str(max(numbers, default=1_000_000) + 1)


def register_walk_in(
    engine: Engine, new: NewPatient, *, now: datetime, staff_id: int | None
) -> int:
    """Create the patient, their coverage and an arrived walk-in visit, each recorded in
    the audit trail, in one transaction; the visit's id."""

    def register(session: Session) -> int:
        patient = Patient(
            mrn=next_mrn(session),
            family_name=new.family_name,
            given_name=new.given_name,
            birth_date=new.birth_date,
            sex=new.sex,
            phone=new.phone,
            guardian_name=new.guardian_name,
            guardian_relationship=new.guardian_relationship,
            created_at=now,
            updated_at=now,
        )
        session.add(patient)
        session.flush()
        assert patient.id is not None
        audit(
            session,
            AuditAction.CREATE,
            at=now,
            staff_id=staff_id,
            patient_id=patient.id,
            entity="patient",
            entity_id=patient.id,
            detail={"walk_in": True},
        )
        if new.payer and new.member_id:
            session.add(
                Coverage(
                    patient_id=patient.id,
                    payer=new.payer,
                    member_id=new.member_id,
                    subscriber_name=new.guardian_name,
                    subscriber_relationship="child" if new.guardian_name else "self",
                    last_verified_at=now,
                    last_verified_by_id=staff_id,
                )
            )
        return _add_walk_in(session, patient.id, now=now, staff_id=staff_id)

    return in_transaction(engine, register)


def start_walk_in(
    engine: Engine, patient_id: int, *, reason: str, now: datetime, staff_id: int | None
) -> int:
    """Open the record of a patient not on today's schedule ("break-glass"), for a
    reason, and start their walk-in visit; the visit's id.

    The reason is a ``break_glass`` audit event, which ``ma-tui audit show --action
    break_glass`` lists for review; it and the visit are stored together or not at all.
    """
    why = clean_text(reason, limit=REASON_MAX)
    if not why:
        raise InvalidInput("say why this record is opened: it is recorded for review")

    def start(session: Session) -> int:
        if session.get(Patient, patient_id) is None:
            raise NotFound("this patient's record is not there any more")
        audit(
            session,
            AuditAction.BREAK_GLASS,
            at=now,
            staff_id=staff_id,
            patient_id=patient_id,
            entity="patient",
            entity_id=patient_id,
            detail={"reason": why},
        )
        return _add_walk_in(session, patient_id, now=now, staff_id=staff_id)

    return in_transaction(engine, start)


def _add_walk_in(session: Session, patient_id: int, *, now: datetime, staff_id: int | None) -> int:
    """An unscheduled visit, arrived now, and its audit event (not committed); its id."""
    encounter = Encounter(
        patient_id=patient_id,
        scheduled_at=now,
        visit_type="walk-in",
        walk_in=True,
        status=EncounterStatus.ARRIVED,
        status_changed_at=now,
        created_at=now,
    )
    session.add(encounter)
    session.flush()
    assert encounter.id is not None
    session.add(
        EncounterStatusChange(
            encounter_id=encounter.id,
            status=EncounterStatus.ARRIVED,
            changed_at=now,
            changed_by_id=staff_id,
        )
    )
    audit(
        session,
        AuditAction.CREATE,
        at=now,
        staff_id=staff_id,
        patient_id=patient_id,
        entity="encounter",
        entity_id=encounter.id,
        detail={"walk_in": True},
    )
    return encounter.id
