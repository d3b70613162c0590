"""Registering a walk-in: a new patient, or a known one who is not on today's schedule."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import TypeVar

from sqlalchemy import func
from sqlmodel import Session, SQLModel, select

from ma_tui.core.ages import age_in_years
from ma_tui.core.parsing import ParseError, normalize_phone, parse_date_of_birth
from ma_tui.data.audit import AuditAction, current_os_user, record
from ma_tui.data.catalogs import names_then_aliases, payers, relations
from ma_tui.data.models.patients import Coverage, Patient, Sex
from ma_tui.data.models.visits import Encounter, EncounterStatus, EncounterStatusChange

_T = TypeVar("_T")
ADULT_AGE = 18
NAME_MAX = 200
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


# A terminal escape sequence, as pasted from a coloured terminal (``ESC[31m``): CSI;
# OSC/DCS/PM/APC/SOS strings ended by BEL or ST; any other ESC and its final byte.
_ESCAPE = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b[\]PX^_][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[ -/]*[0-~]"
)
_DROPPED = frozenset({"Cc", "Cf", "Cs", "Co", "Cn"})


def column_limit(model: type[SQLModel], name: str) -> int:
    """The most characters the model's text column ``name`` holds (its VARCHAR length).

    Fields take their limit from here, so what is typed always fits where it is stored
    (PostgreSQL refuses a longer value; SQLite would keep it too long).
    """
    length = getattr(model.__table__.c[name].type, "length", None)  # type: ignore[attr-defined]
    if not isinstance(length, int):
        raise ValueError(f"{model.__name__}.{name} is not a text column with a length")
    return length


def clean_text(text: str, *, limit: int = NAME_MAX) -> str:
    """Text fit to store: the text as it shows, NFC, single spaces, at most ``limit``.

    Line breaks, tabs and other white space become one space. Invisible characters
    are dropped, not replaced: terminal escape sequences whole, other control
    characters (NUL, BEL, ...) and format characters (bidirectional overrides such
    as U+202E, zero-width joiners and spaces, BOM, soft hyphen). NFC makes a name
    pasted decomposed (macOS) the same string as one typed precomposed. Cut to
    ``limit``, never between a letter and its combining marks.
    """
    visible = "".join(
        ch
        for ch in unicodedata.normalize("NFC", _ESCAPE.sub("", text))
        if ch.isspace() or unicodedata.category(ch) not in _DROPPED
    )
    single = " ".join(visible.split())
    if len(single) <= limit:
        return single
    cut = limit
    while cut > 0 and unicodedata.category(single[cut]).startswith("M"):
        cut -= 1
    return single[:cut].rstrip()


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


def next_mrn(session: Session) -> str:
    """One more than the highest numeric MRN (the store's unique index guards races)."""
    mrns = session.exec(select(Patient.mrn).where(func.length(Patient.mrn) <= 12)).all()
    numbers = [int(mrn) for mrn in mrns if mrn.isdigit()]
    return str(max(numbers, default=1_000_000) + 1)


def register_walk_in(
    session: Session, new: NewPatient, *, now: datetime, staff_id: int | None
) -> int:
    """Create the patient, their coverage and an arrived walk-in visit; the visit's id."""
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
    _audit_create(session, "patient", patient.id, patient.id, staff_id, now)
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
    return start_walk_in(session, patient.id, now=now, staff_id=staff_id)


def start_walk_in(session: Session, patient_id: int, *, now: datetime, staff_id: int | None) -> int:
    """An unscheduled visit for a known patient, arrived now; commits; the visit's id."""
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
    encounter_id = encounter.id
    _audit_create(session, "encounter", encounter_id, patient_id, staff_id, now)
    session.commit()
    return encounter_id


def _audit_create(
    session: Session,
    entity: str,
    entity_id: int,
    patient_id: int,
    staff_id: int | None,
    now: datetime,
) -> None:
    """A walk-in's patient or visit, recorded in the transaction that creates it."""
    record(
        session,
        action=AuditAction.CREATE,
        at=now,
        staff_id=staff_id,
        os_user=None if staff_id is not None else current_os_user(),
        patient_id=patient_id,
        entity=entity,
        entity_id=entity_id,
        detail={"walk_in": True},
    )
