"""The shapes the demo's people are written in (``ma_tui.demo.people``).

Plain frozen dataclasses, as short as the table needs: a visit in local wall-clock
time and minutes from it, vitals as the MA typed them in the clinic's units, a
history entry in the words it is charted in.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime

from ma_tui.data.catalogs.vitals import (
    BODY_HEIGHT,
    BODY_TEMPERATURE,
    BODY_WEIGHT,
    HEAD_CIRCUMFERENCE,
    HEART_RATE,
    PAIN_SEVERITY,
    RESPIRATORY_RATE,
    SPO2,
)
from ma_tui.data.models.history import (
    AllergyCategory,
    AllergySeverity,
    ConditionStatus,
    MedicationStatus,
    SocialCategory,
)
from ma_tui.data.models.patients import Sex
from ma_tui.data.models.visits import EncounterStatus


@dataclass(frozen=True)
class Vitals:
    """One set of vitals as typed in the clinic's units (mmHg, /min, °F, %, in, lb)."""

    bp: str | None = None  # "128/82"
    hr: str | None = None
    rr: str | None = None
    temp: str | None = None
    spo2: str | None = None
    ht: str | None = None
    wt: str | None = None
    pain: str | None = None
    head: str | None = None  # head circumference, under-3s

    def typed(self) -> Iterator[tuple[str, str]]:
        """(LOINC code, text typed) of each value other than BP, in chart order."""
        values = (
            (HEART_RATE, self.hr),
            (RESPIRATORY_RATE, self.rr),
            (BODY_TEMPERATURE, self.temp),
            (SPO2, self.spo2),
            (BODY_HEIGHT, self.ht),
            (BODY_WEIGHT, self.wt),
            (HEAD_CIRCUMFERENCE, self.head),
            (PAIN_SEVERITY, self.pain),
        )
        for code, text in values:
            if text is not None:
                yield code, text


# The usual path through the clinic; a visit's ``steps`` give the minute (from
# its scheduled time) at which it reached each of these, in order.
PATH = (
    EncounterStatus.ARRIVED,
    EncounterStatus.ROOMING,
    EncounterStatus.READY_FOR_PROVIDER,
    EncounterStatus.WITH_PROVIDER,
    EncounterStatus.CHECKED_OUT,
)
WHOLE_VISIT = (-10, 2, 14, 19, 42)  # the steps of a past visit, seen and checked out


@dataclass(frozen=True)
class Visit:
    at: str  # local wall time "HH:MM"
    provider: str  # username
    visit_type: str
    steps: tuple[int, ...] = ()  # minutes from ``at`` for each step of PATH reached
    ended: EncounterStatus | None = None  # CANCELLED / NO_SHOW, at minute steps[0]
    room: str | None = None
    complaint: str | None = None
    vitals: Vitals | None = None
    ma: str = "mia"  # who roomed it
    days_ago: int = 0

    @property
    def status(self) -> EncounterStatus:
        if self.ended is not None:
            return self.ended
        return PATH[len(self.steps) - 1] if self.steps else EncounterStatus.SCHEDULED

    @property
    def roomed(self) -> bool:
        return self.ended is None and len(self.steps) >= 2

    @property
    def signed(self) -> bool:
        """Rooming is signed when the patient is handed to the provider."""
        return self.ended is None and len(self.steps) >= 3


def seen(
    days_ago: int, at: str, provider: str, kind: str, complaint: str, vitals: Vitals, ma: str
) -> Visit:
    """A previous visit, seen and checked out."""
    return Visit(at, provider, kind, WHOLE_VISIT, None, None, complaint, vitals, ma, days_ago)


@dataclass(frozen=True)
class Contact:
    """Someone of the clinic with the patient: where history is recorded or reviewed."""

    encounter_id: int | None
    at: datetime
    staff: str  # username


@dataclass(frozen=True)
class Cover:
    payer: str
    plan: str | None
    member_id: str
    group: str | None = None
    expires_in: int | None = None  # days from today; None: no end date
    subscriber: str | None = None  # None: the patient
    relationship: str = "self"


@dataclass(frozen=True)
class Dx:
    name: str
    code: str | None
    onset: str | None
    status: ConditionStatus = ConditionStatus.ACTIVE


@dataclass(frozen=True)
class Surg:
    name: str
    performed: str | None


@dataclass(frozen=True)
class Fam:
    relation: str
    condition: str
    onset_age: int | None = None


@dataclass(frozen=True)
class Soc:
    category: SocialCategory
    value: str
    code: str | None = None
    note: str | None = None


@dataclass(frozen=True)
class Rx:
    name: str
    dose: str
    route: str
    frequency: str
    status: MedicationStatus = MedicationStatus.TAKING
    note: str | None = None


@dataclass(frozen=True)
class Allergy:
    substance: str
    category: AllergyCategory
    reaction: str
    severity: AllergySeverity


@dataclass(frozen=True)
class Person:
    mrn: str
    family: str
    given: str
    sex: Sex
    born: date | int  # a date, or an age in days on ``today`` (infants stay infants)
    phone: int  # 555-555-01xx
    street: str
    today: Visit
    cover: tuple[Cover, ...]
    middle: str | None = None
    town: str = "Cedar Hollow"
    language: str = "English"
    interpreter: bool = False
    guardian: tuple[str, str] | None = None  # (name, relationship) for a minor
    gestation: str | None = None  # at birth, "31+3" (weeks+days), when born preterm
    email: str | None = None
    medical: tuple[Dx, ...] = ()
    surgical: tuple[Surg, ...] = ()
    family_hx: tuple[Fam, ...] = ()
    social: tuple[Soc, ...] = ()
    meds: tuple[Rx, ...] = ()
    allergies: tuple[Allergy, ...] = ()  # empty: no known allergies, recorded as such
    past: tuple[Visit, ...] = ()
