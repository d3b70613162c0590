"""The demo clinic: a fictional practice whose schedule is always today.

``ma-tui demo`` fills a database with it so that anyone can try the app, and the
tests and the keystroke benchmark start from it. Everything here is invented: the
people, the addresses, the 555-01xx phone numbers, the member IDs.

The clinic is built from the tables below by a few small builders. It is fully
determined by the ``today`` and time zone it is built for: scheduled times are
local wall-clock times on that day, infants' birth dates move with it (they stay
infants), and every other time is a fixed offset from those. Building again
refreshes the demo in place; a database holding a real clinic's patients is
refused, never overwritten.

The scene at about 09:20: the first patients are checked out, seen or waiting for
their provider; Dana Whitfield (09:00) and Harold Benton (10:30, early) have arrived
and wait to be roomed; the rest of the day is scheduled. The walk-in of the
benchmark, Ada Okafor, is deliberately not in the database.

The audit trail holds what that history would have written, oldest first, in one
unbroken hash chain: each patient registered and each visit booked by the front
desk, each visit's chart opened and its rooming signed by the MA, and each staff
member's first sign-in of every day they worked. Refreshing a demo wipes the audit
trail with everything else: only here are its append-only triggers lifted, inside
the refresh's transaction, and only on a database the demo built itself.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from typing import Any

from argon2 import PasswordHasher
from sqlalchemy import delete, func
from sqlalchemy.engine import Engine
from sqlmodel import Session, SQLModel, col, select

from ma_tui.core.ages import age_in_years
from ma_tui.data.audit import AuditAction, install_append_only, record, remove_append_only
from ma_tui.data.catalogs.vitals import (
    BMI,
    BODY_HEIGHT,
    BODY_TEMPERATURE,
    BODY_WEIGHT,
    DIASTOLIC_BP,
    HEAD_CIRCUMFERENCE,
    HEART_RATE,
    PAIN_SEVERITY,
    RESPIRATORY_RATE,
    SPO2,
    SYSTOLIC_BP,
)
from ma_tui.data.models.audit import AuditEvent
from ma_tui.data.models.history import (
    Allergy,
    AllergyCategory,
    AllergySeverity,
    Condition,
    ConditionStatus,
    FamilyHistory,
    HistoryReview,
    HistorySection,
    Medication,
    MedicationStatus,
    Procedure,
    SocialCategory,
    SocialHistory,
)
from ma_tui.data.models.observations import Observation, ObservationStatus
from ma_tui.data.models.patients import Coverage, Patient, Sex
from ma_tui.data.models.settings import ClinicSetting
from ma_tui.data.models.staff import Staff, StaffRole
from ma_tui.data.models.visits import Encounter, EncounterStatus, EncounterStatusChange
from ma_tui.data.store import StoreError
from ma_tui.history.entry import TOBACCO_STATUSES
from ma_tui.visits.queue import local_day_bounds
from ma_tui.vitals.units import bmi, f_to_c, in_to_cm, lb_to_kg

DEMO_MARKER_KEY = "demo_clinic"  # ClinicSetting key; value "true" marks a demo database

# The demo clinic's units (those of the reference visits): lb, in, °F.
CLINIC_SETTINGS: dict[str, str] = {
    DEMO_MARKER_KEY: "true",
    "weight_unit": "[lb_av]",
    "height_unit": "[in_i]",
    "temperature_unit": "[degF]",
}


@dataclass(frozen=True)
class DemoSummary:
    patients: int
    encounters_today: int
    staff: int
    observations: int


# ---------------------------------------------------------------------- staff


@dataclass(frozen=True)
class DemoUser:
    """A demo sign-in: each person has their own username and PIN (no shared accounts)."""

    username: str
    display_name: str
    role: StaffRole
    credentials: str | None
    pin: str


DEMO_STAFF: tuple[DemoUser, ...] = (
    DemoUser("mia", "Mia Sorensen", StaffRole.MA, "CMA", "2468"),
    DemoUser("jorge", "Jorge Castillo", StaffRole.MA, "RMA", "1357"),
    DemoUser("priya", "Priya Natarajan", StaffRole.MA, "CMA", "8024"),
    DemoUser("dr.chen", "Dr. Lena Chen", StaffRole.PROVIDER, "MD", "5150"),
    DemoUser("np.brooks", "Theo Brooks", StaffRole.PROVIDER, "NP", "7319"),
    DemoUser("rosa", "Rosa Delgado", StaffRole.FRONT_DESK, None, "4096"),
    DemoUser("admin", "Helen Marsh", StaffRole.ADMIN, None, "909090"),
)
FRONT_DESK = "rosa"

# argon2 is slow on purpose; one process building the demo twice hashes once.
_HASHES: dict[tuple[str, str], str] = {}


def _pin_hash(user: DemoUser) -> str:
    key = (user.username, user.pin)
    if key not in _HASHES:
        _HASHES[key] = PasswordHasher().hash(user.pin)
    return _HASHES[key]


# ------------------------------------------------------------ data shapes


@dataclass(frozen=True)
class _Vitals:
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


def _same(value: float) -> float:
    return value


# LOINC code -> (unit typed, conversion to canonical, canonical UCUM unit)
TYPED_UNITS: dict[str, tuple[str, Callable[[float], float], str]] = {
    SYSTOLIC_BP: ("mm[Hg]", _same, "mm[Hg]"),
    DIASTOLIC_BP: ("mm[Hg]", _same, "mm[Hg]"),
    HEART_RATE: ("/min", _same, "/min"),
    RESPIRATORY_RATE: ("/min", _same, "/min"),
    BODY_TEMPERATURE: ("[degF]", f_to_c, "Cel"),
    SPO2: ("%", _same, "%"),
    BODY_HEIGHT: ("[in_i]", in_to_cm, "cm"),
    BODY_WEIGHT: ("[lb_av]", lb_to_kg, "kg"),
    HEAD_CIRCUMFERENCE: ("[in_i]", in_to_cm, "cm"),
    PAIN_SEVERITY: ("{score}", _same, "{score}"),
}

# The usual path through the clinic; a visit's ``steps`` give the minute (from
# its scheduled time) at which it reached each of these, in order.
_PATH = (
    EncounterStatus.ARRIVED,
    EncounterStatus.ROOMING,
    EncounterStatus.READY_FOR_PROVIDER,
    EncounterStatus.WITH_PROVIDER,
    EncounterStatus.CHECKED_OUT,
)
_SEEN = (-10, 2, 14, 19, 42)  # a whole past visit
_IN_A_ROOM = {
    EncounterStatus.ROOMING,
    EncounterStatus.READY_FOR_PROVIDER,
    EncounterStatus.WITH_PROVIDER,
}


# The demo's booked slots: new patients get half an hour, other visits a quarter.
_SLOT_MINUTES = {"new patient": 30}


@dataclass(frozen=True)
class _Visit:
    at: str  # local wall time "HH:MM"
    provider: str  # username
    visit_type: str
    steps: tuple[int, ...] = ()  # minutes from ``at`` for each step of _PATH reached
    ended: EncounterStatus | None = None  # CANCELLED / NO_SHOW, at minute steps[0]
    room: str | None = None
    complaint: str | None = None
    vitals: _Vitals | None = None
    ma: str = "mia"  # who roomed it
    days_ago: int = 0

    @property
    def status(self) -> EncounterStatus:
        if self.ended is not None:
            return self.ended
        return _PATH[len(self.steps) - 1] if self.steps else EncounterStatus.SCHEDULED

    @property
    def roomed(self) -> bool:
        return self.ended is None and len(self.steps) >= 2

    @property
    def signed(self) -> bool:
        """Rooming is signed when the patient is handed to the provider."""
        return self.ended is None and len(self.steps) >= 3


def _past(
    days_ago: int, at: str, provider: str, kind: str, complaint: str, vitals: _Vitals, ma: str
) -> _Visit:
    """A previous visit, seen and checked out."""
    return _Visit(at, provider, kind, _SEEN, None, None, complaint, vitals, ma, days_ago)


@dataclass(frozen=True)
class _Contact:
    """Someone of the clinic with the patient: where history is recorded or reviewed."""

    encounter_id: int | None
    at: datetime
    staff: str  # username


@dataclass(frozen=True)
class _Cover:
    payer: str
    plan: str | None
    member_id: str
    group: str | None = None
    expires_in: int | None = None  # days from today; None: no end date
    subscriber: str | None = None  # None: the patient
    relationship: str = "self"


@dataclass(frozen=True)
class _Dx:
    name: str
    code: str | None
    onset: str | None
    status: ConditionStatus = ConditionStatus.ACTIVE


@dataclass(frozen=True)
class _Surg:
    name: str
    performed: str | None


@dataclass(frozen=True)
class _Fam:
    relation: str
    condition: str
    onset_age: int | None = None


@dataclass(frozen=True)
class _Soc:
    category: SocialCategory
    value: str
    code: str | None = None
    note: str | None = None


@dataclass(frozen=True)
class _Rx:
    name: str
    dose: str
    route: str
    frequency: str
    status: MedicationStatus = MedicationStatus.TAKING
    note: str | None = None


@dataclass(frozen=True)
class _Allergy:
    substance: str
    category: AllergyCategory
    reaction: str
    severity: AllergySeverity


@dataclass(frozen=True)
class _Person:
    mrn: str
    family: str
    given: str
    sex: Sex
    born: date | int  # a date, or an age in days on ``today`` (infants stay infants)
    phone: int  # 555-555-01xx
    street: str
    today: _Visit
    cover: tuple[_Cover, ...]
    middle: str | None = None
    town: str = "Cedar Hollow"
    language: str = "English"
    interpreter: bool = False
    guardian: tuple[str, str] | None = None  # (name, relationship) for a minor
    email: str | None = None
    medical: tuple[_Dx, ...] = ()
    surgical: tuple[_Surg, ...] = ()
    family_hx: tuple[_Fam, ...] = ()
    social: tuple[_Soc, ...] = ()
    meds: tuple[_Rx, ...] = ()
    allergies: tuple[_Allergy, ...] = ()  # empty: no known allergies, recorded as such
    past: tuple[_Visit, ...] = ()


# ------------------------------------------------------------- vocabulary

F, M = Sex.FEMALE, Sex.MALE
TOBACCO, ALCOHOL, LIVING, WORK, SMOKE, EXERCISE, OTHER = (
    SocialCategory.TOBACCO,
    SocialCategory.ALCOHOL,
    SocialCategory.LIVING_SITUATION,
    SocialCategory.OCCUPATION,
    SocialCategory.SECONDHAND_SMOKE,
    SocialCategory.EXERCISE,
    SocialCategory.OTHER,
)
MED, FOOD, ENV = AllergyCategory.MEDICATION, AllergyCategory.FOOD, AllergyCategory.ENVIRONMENT
MILD, MODERATE, SEVERE = AllergySeverity.MILD, AllergySeverity.MODERATE, AllergySeverity.SEVERE
NOT_TAKING, STOPPED = MedicationStatus.NOT_TAKING, MedicationStatus.STOPPED
RESOLVED = ConditionStatus.RESOLVED
CHEN, BROOKS = "dr.chen", "np.brooks"
NEVER = _Soc(TOBACCO, "never smoker", "266919005")
FORMER = TOBACCO_STATUSES["former smoker"]
EVERY_DAY = TOBACCO_STATUSES["current every day smoker"]
NO_SMOKE_AT_HOME = _Soc(SMOKE, "no exposure")
_TOWNS = {"Cedar Hollow": "53598", "Millbrook": "53597", "Fox Prairie": "53596"}

# ------------------------------------------------------------ the patients

# fmt: off
PATIENTS: tuple[_Person, ...] = (
    # ---- Dr. Chen's day
    _Person(
        "1000101", "O'Brien", "Margaret", F, date(1938, 6, 17), 11, "14 Larkspur Lane",
        _Visit("08:00", CHEN, "follow-up", (-14, -3, 9, 13, 38), ma="mia",
               complaint="heart rhythm and blood thinner check",
               vitals=_Vitals("132/74", "68", "16", "97.9", "96", None, "128", "0")),
        (_Cover("Medicare", "Medicare Part B", "3KQ7WN2RT48"),),
        middle="Rose",
        medical=(_Dx("Atrial fibrillation", "I48.91", "2017"),
                 _Dx("Osteoporosis", "M81.0", "2012"),
                 _Dx("Primary hypertension", "I10", "1995")),
        surgical=(_Surg("Total hip replacement, left", "2014"),
                  _Surg("Cataract extraction, both eyes", "2019")),
        family_hx=(_Fam("mother", "stroke", 79), _Fam("sister", "osteoporosis")),
        social=(_Soc(TOBACCO, "former smoker", FORMER, "quit 1975"),
                _Soc(ALCOHOL, "none"), _Soc(LIVING, "lives alone; daughter visits daily"),
                _Soc(WORK, "retired teacher")),
        meds=(_Rx("apixaban", "2.5 mg", "oral", "twice daily"),
              _Rx("metoprolol succinate", "25 mg", "oral", "once daily"),
              _Rx("alendronate", "70 mg", "oral", "once weekly"),
              _Rx("calcium carbonate with vitamin D", "600 mg / 400 units", "oral", "twice daily")),
        allergies=(_Allergy("codeine", MED, "nausea and vomiting", MILD),),
        past=(_past(98, "10:30", CHEN, "follow-up", "atrial fibrillation follow-up",
                    _Vitals("138/76", "72", "16", "97.8", "96", "62", "130", "2"), "mia"),),
    ),
    _Person(
        "1000102", "Nguyễn", "Lan", F, date(1957, 2, 8), 12, "208 Orchard Street",
        _Visit("08:15", CHEN, "sick visit", (-10, 2, 16, 33), room="Exam 1", ma="priya",
               complaint="dizzy when standing up for a week",
               vitals=_Vitals("118/70", "82", "16", "98.1", "98", None, "112", "0")),
        (_Cover("Medicare", "Medicare Part B", "7TR2HX4PL19"),),
        middle="Thị", language="Vietnamese", interpreter=True,
        medical=(_Dx("Primary hypertension", "I10", "2009"),
                 _Dx("Hypothyroidism", "E03.9", "2015")),
        family_hx=(_Fam("father", "stroke", 70), _Fam("brother", "type 2 diabetes", 50)),
        social=(NEVER, _Soc(ALCOHOL, "none"), _Soc(LIVING, "lives with son's family"),
                _Soc(WORK, "retired seamstress")),
        meds=(_Rx("losartan", "50 mg", "oral", "once daily"),
              _Rx("levothyroxine", "75 mcg", "oral", "once daily before breakfast")),
        allergies=(_Allergy("shellfish", FOOD, "hives", MODERATE),),
        past=(_past(150, "09:15", CHEN, "follow-up", "blood pressure check",
                    _Vitals("142/84", "76", "16", "98.0", "98", "60", "115", "0"), "priya"),),
    ),
    _Person(
        "1000103", "Johnson", "Aaliyah", F, date(2010, 5, 14), 13, "77 Birch Court",
        _Visit("08:30", CHEN, "sports physical", (-8, 6, 21), room="Exam 2", ma="jorge",
               complaint="physical for basketball",
               vitals=_Vitals("112/68", "64", "14", "98.2", "99", "66", "131", "0")),
        (_Cover("Harborview Employer PPO", "Harborview PPO 1500", "HVP5530217", "HV-20931",
                210, "Keisha Johnson", "child"),),
        guardian=("Keisha Johnson", "mother"),
        medical=(_Dx("Mild intermittent asthma", "J45.20", "2016"),),
        family_hx=(_Fam("mother", "asthma"), _Fam("maternal grandmother", "type 2 diabetes", 58)),
        social=(NEVER, NO_SMOKE_AT_HOME, _Soc(LIVING, "lives with mother and brother"),
                _Soc(OTHER, "10th grade, Cedar Hollow High School"),
                _Soc(EXERCISE, "varsity basketball")),
        meds=(_Rx("albuterol HFA inhaler", "2 puffs", "inhaled", "every 4 hours as needed"),),
        past=(_past(372, "15:30", CHEN, "sports physical", "sports physical",
                    _Vitals("108/66", "66", "14", "98.3", "99", "65", "124", "0"), "jorge"),),
    ),
    _Person(
        "1000104", "Mills", "Trevor", M, date(1999, 3, 22), 14, "5 Depot Road",
        _Visit("08:45", CHEN, "new patient", (20,), ended=EncounterStatus.NO_SHOW),
        (_Cover("Cedar Mutual", "Cedar Bronze HMO", "CM88120453", "CM-7741", 300),),
        town="Millbrook",
        social=(_Soc(TOBACCO, "current some day smoker", "428041000124106", "vapes"),
                _Soc(ALCOHOL, "4-6 drinks on weekends"), _Soc(WORK, "line cook")),
        meds=(_Rx("ibuprofen", "200 mg", "oral", "as needed"),),
    ),
    _Person(
        "1000105", "Whitfield", "Dana", F, date(1968, 4, 12), 15, "1432 Willow Bend Drive",
        _Visit("09:00", CHEN, "follow-up", (-9,)),
        (_Cover("Blue Meadow Health", "Blue Meadow PPO", "BMH2208431", "GRP-44120", 402),),
        middle="Louise", email="dana.whitfield@example.com",
        medical=(_Dx("Type 2 diabetes mellitus without complications", "E11.9", "2019"),
                 _Dx("Overweight", "E66.3", "2015"),
                 _Dx("Seasonal allergic rhinitis", "J30.2", "childhood")),
        surgical=(_Surg("Cholecystectomy, laparoscopic", "2011"),
                  _Surg("Cesarean section", "1996")),
        family_hx=(_Fam("mother", "type 2 diabetes", 55),
                   _Fam("father", "myocardial infarction", 62),
                   _Fam("sister", "breast cancer", 48)),
        social=(NEVER, _Soc(ALCOHOL, "1-2 glasses of wine a week"),
                _Soc(LIVING, "lives with husband"), _Soc(WORK, "school librarian"),
                _Soc(EXERCISE, "walks 30 minutes, 3 days a week")),
        meds=(_Rx("metformin", "500 mg", "oral", "twice daily"),),
        past=(_past(182, "09:30", CHEN, "follow-up", "diabetes check",
                    _Vitals("126/80", "74", "16", "98.2", "98", "65", "174", "0"), "priya"),
              _past(91, "10:00", CHEN, "follow-up", "3-month diabetes follow-up",
                    _Vitals("124/78", "72", "16", "98.0", "98", "65", "172", "1"), "mia")),
    ),
    _Person(
        "1000106", "Taufa", "Sione", M, date(1983, 7, 19), 16, "63 Prairie View Road",
        _Visit("09:30", CHEN, "new patient"),
        (_Cover("Harborview Employer PPO", "Harborview PPO 500", "HVP6104482", "HV-11820", 150),),
        town="Fox Prairie",
        medical=(_Dx("Gout", "M10.9", "2021"), _Dx("Obesity", "E66.9", "2018")),
        family_hx=(_Fam("father", "type 2 diabetes", 45), _Fam("mother", "hypertension")),
        social=(NEVER, _Soc(ALCOHOL, "occasionally"),
                _Soc(LIVING, "lives with wife and 3 children"), _Soc(WORK, "bus driver")),
        meds=(_Rx("allopurinol", "300 mg", "oral", "once daily"),
              _Rx("colchicine", "0.6 mg", "oral", "as needed for flares", NOT_TAKING)),
    ),
    _Person(
        "1000107", "Souza", "Beatriz", F, date(1979, 12, 3), 18, "9 Heron Way",
        _Visit("10:00", CHEN, "new patient"),
        (_Cover("Cedar Mutual", "Cedar Silver PPO", "CM31907765", "CM-2208", 27),),
        middle="Helena", language="Portuguese",
        medical=(_Dx("Migraine without aura", "G43.009", "2002"),
                 _Dx("Iron deficiency anemia", "D50.9", "2023")),
        surgical=(_Surg("Tubal ligation", "2012"),),
        family_hx=(_Fam("mother", "migraine"), _Fam("father", "colon cancer", 66)),
        social=(NEVER, _Soc(ALCOHOL, "rarely"), _Soc(LIVING, "lives with partner and daughter"),
                _Soc(WORK, "dental hygienist")),
        meds=(_Rx("sumatriptan", "50 mg", "oral", "as needed for migraine"),
              _Rx("ferrous sulfate", "325 mg", "oral", "once daily", STOPPED, "finished course")),
        allergies=(_Allergy("latex", ENV, "itchy rash", MILD),),
    ),
    _Person(
        "1000108", "Benton", "Harold", M, date(1949, 11, 2), 17, "301 Quarry Hill Road",
        _Visit("10:30", CHEN, "follow-up", (-86,)),
        (_Cover("Medicare", "Medicare Advantage (Prairie Senior Choice)", "5HW8KJ3QD62",
                "PSC-100", 18),),
        middle="James", town="Millbrook",
        medical=(_Dx("Primary hypertension", "I10", "2004"),
                 _Dx("Hyperlipidemia", "E78.5", "2010"),
                 _Dx("Benign prostatic hyperplasia", "N40.0", "2016")),
        surgical=(_Surg("Inguinal hernia repair, right", "1998"), _Surg("Appendectomy", "age 19")),
        family_hx=(_Fam("father", "lung cancer", 70),
                   _Fam("brother", "coronary artery disease", 60)),
        social=(_Soc(TOBACCO, "current every day smoker", EVERY_DAY, "1 pack a day since age 17"),
                _Soc(ALCOHOL, "2-3 beers on weekends"), _Soc(LIVING, "lives with wife"),
                _Soc(WORK, "retired machinist")),
        meds=(_Rx("tiotropium", "18 mcg", "inhaled", "once daily"),
              _Rx("amlodipine", "5 mg", "oral", "once daily"),
              _Rx("atorvastatin", "40 mg", "oral", "at bedtime")),
        allergies=(_Allergy("sulfa (sulfonamide antibiotics)", MED, "rash", MODERATE),),
        past=(_past(240, "11:00", CHEN, "follow-up", "blood pressure and cholesterol follow-up",
                    _Vitals("146/86", "84", "18", "98.1", "94", "70", "212", "1"), "jorge"),
              _past(62, "10:30", CHEN, "follow-up", "cough and tiredness",
                    _Vitals("142/84", "88", "18", "98.4", "93", "70", "210", "2"), "mia")),
    ),
    _Person(
        "1000109", "Dubois", "Chloé", F, date(2001, 8, 25), 19, "48 Maple Street, Apt 3",
        _Visit("11:00", CHEN, "sick visit"),
        (_Cover("Blue Meadow Health", "Blue Meadow Select", "BMH7719024", "GRP-51007", 190),),
        email="chloe.dubois@example.org",
        medical=(_Dx("Generalized anxiety disorder", "F41.1", "2020"),),
        surgical=(_Surg("Wisdom teeth extraction", "2019"),),
        family_hx=(_Fam("mother", "hypothyroidism", 40),),
        social=(NEVER, _Soc(ALCOHOL, "socially"), _Soc(LIVING, "lives with roommates"),
                _Soc(WORK, "graduate student")),
        meds=(_Rx("sertraline", "50 mg", "oral", "once daily"),
              _Rx("norgestimate-ethinyl estradiol", "1 tablet", "oral", "once daily")),
        allergies=(_Allergy("amoxicillin", MED, "hives", MODERATE),),
    ),
    _Person(
        "1000110", "Mehta", "Arjun", M, date(1962, 10, 11), 20, "2 Lakeview Terrace",
        _Visit("11:30", CHEN, "follow-up"),
        (_Cover("Harborview Employer PPO", "Harborview PPO 1500", "HVP2047719", "HV-20931", 95),),
        email="arjun.mehta@example.net",
        medical=(_Dx("Type 2 diabetes mellitus without complications", "E11.9", "2012"),
                 _Dx("Hyperlipidemia", "E78.5", "2012"),
                 _Dx("Obstructive sleep apnea", "G47.33", "2020")),
        surgical=(_Surg("Coronary angiography, no stent", "2021"),),
        family_hx=(_Fam("father", "coronary artery disease", 55),
                   _Fam("mother", "type 2 diabetes")),
        social=(NEVER, _Soc(ALCOHOL, "none"), _Soc(LIVING, "lives with wife"),
                _Soc(WORK, "civil engineer")),
        meds=(_Rx("metformin ER", "1000 mg", "oral", "once daily with dinner"),
              _Rx("rosuvastatin", "20 mg", "oral", "once daily"),
              _Rx("empagliflozin", "10 mg", "oral", "once daily"),
              _Rx("lisinopril", "10 mg", "oral", "once daily", STOPPED, "dry cough")),
        past=(_past(200, "14:00", CHEN, "follow-up", "diabetes and cholesterol follow-up",
                    _Vitals("134/84", "70", "16", "98.2", "98", "68", "182", "0"), "priya"),),
    ),
    _Person(
        "1000111", "Fitzgerald", "Eleanor", F, date(1931, 1, 29), 21, "12 Elm Row",
        _Visit("13:00", CHEN, "follow-up"),
        (_Cover("Medicare", "Medicare Part B", "2PD9MV6TY31"),),
        middle="Mae",
        medical=(_Dx("Heart failure with preserved ejection fraction", "I50.30", "2020"),
                 _Dx("Chronic kidney disease, stage 3a", "N18.31", "2019"),
                 _Dx("Mild cognitive impairment", "G31.84", "2023"),
                 _Dx("Glaucoma", "H40.9", "2008")),
        surgical=(_Surg("Hysterectomy", "1972"), _Surg("Pacemaker insertion", "2018")),
        family_hx=(_Fam("mother", "heart failure"),),
        social=(NEVER, _Soc(ALCOHOL, "none"),
                _Soc(LIVING, "assisted living; daughter Ruth is health care proxy"),
                _Soc(WORK, "retired bookkeeper")),
        meds=(_Rx("furosemide", "20 mg", "oral", "once daily"),
              _Rx("latanoprost 0.005% eye drops", "1 drop", "both eyes", "at bedtime"),
              _Rx("acetaminophen", "500 mg", "oral", "every 6 hours as needed")),
        allergies=(_Allergy("penicillin", MED, "hives", MODERATE),
                   _Allergy("adhesive tape", ENV, "skin irritation", MILD)),
        past=(_past(75, "13:30", CHEN, "follow-up", "leg swelling follow-up",
                    _Vitals("150/72", "64", "18", "97.6", "95", "61", "104", "3"), "jorge"),),
    ),
    _Person(
        "1000112", "Rahimi", "Hamid", M, date(1974, 4, 5), 22, "700 Cedar Avenue",
        _Visit("13:30", CHEN, "new patient", (-325,), ended=EncounterStatus.CANCELLED),
        (_Cover("State Medicaid", "BadgerCare", "SMD40918227", None, 120),),
        language="Dari", interpreter=True,
        medical=(_Dx("Chronic low back pain", "M54.50", "2022"),),
        family_hx=(_Fam("father", "hypertension"),),
        social=(_Soc(TOBACCO, "former smoker", FORMER, "quit 2020"), _Soc(ALCOHOL, "none"),
                _Soc(LIVING, "lives with wife and 4 children"), _Soc(WORK, "taxi driver")),
        meds=(_Rx("naproxen", "500 mg", "oral", "twice daily as needed"),),
    ),
    _Person(
        "1000113", "Tanaka", "Yuki", F, date(1988, 11, 30), 23, "19 Juniper Path",
        _Visit("14:00", CHEN, "annual physical"),
        (_Cover("Blue Meadow Health", "Blue Meadow PPO", "BMH4410936", "GRP-30318", 250),),
        email="yuki.tanaka@example.com",
        medical=(_Dx("Hypothyroidism", "E03.9", "2016"),),
        surgical=(_Surg("ACL reconstruction, left knee", "2010"),),
        family_hx=(_Fam("mother", "hypothyroidism", 35), _Fam("grandfather", "stomach cancer", 72)),
        social=(NEVER, _Soc(ALCOHOL, "2-3 drinks a week"), _Soc(LIVING, "lives with husband"),
                _Soc(WORK, "software developer"), _Soc(EXERCISE, "runs 3 times a week")),
        meds=(_Rx("levothyroxine", "50 mcg", "oral", "once daily before breakfast"),),
    ),
    _Person(
        "1000114", "Morales", "Guadalupe", F, date(1946, 9, 14), 24, "415 Sunflower Street",
        _Visit("14:30", CHEN, "follow-up"),
        (_Cover("Medicare", "Medicare Part B", "9CN3RT7WE56"),
         _Cover("State Medicaid", "Medicaid secondary", "SMD57302194", None, 9)),
        language="Spanish", interpreter=True,
        medical=(_Dx("Osteoarthritis of knee", "M17.9", "2015"),
                 _Dx("Type 2 diabetes mellitus without complications", "E11.9", "2005"),
                 _Dx("Major depressive disorder, single episode, in remission", "F32.5", "2018",
                     RESOLVED)),
        surgical=(_Surg("Total knee replacement, right", "2021"),),
        family_hx=(_Fam("mother", "type 2 diabetes", 50), _Fam("sister", "type 2 diabetes")),
        social=(NEVER, _Soc(ALCOHOL, "none"), _Soc(LIVING, "lives with daughter"),
                _Soc(WORK, "retired farm worker")),
        meds=(_Rx("glipizide", "5 mg", "oral", "once daily with breakfast"),
              _Rx("metformin", "1000 mg", "oral", "twice daily"),
              _Rx("acetaminophen", "650 mg", "oral", "three times daily as needed"),
              _Rx("diclofenac 1% gel", "4 g", "topical", "four times daily as needed", NOT_TAKING)),
        allergies=(_Allergy("aspirin", MED, "stomach bleeding", SEVERE),),
        past=(_past(84, "14:15", CHEN, "follow-up", "knee pain and diabetes follow-up",
                    _Vitals("136/78", "78", "18", "98.0", "97", "59", "148", "5"), "jorge"),),
    ),
    _Person(
        "1000115", "Halvorsen", "Bjørn", M, date(1966, 2, 20), 25, "88 North Ridge Road",
        _Visit("15:00", CHEN, "follow-up"),
        (_Cover("Cedar Mutual", "Cedar Gold PPO", "CM10283346", "CM-5120", 330),),
        town="Fox Prairie",
        medical=(_Dx("Primary hypertension", "I10", "2015"),
                 _Dx("Gastro-esophageal reflux disease", "K21.9", "2011")),
        surgical=(_Surg("Rotator cuff repair, right", "2017"),),
        family_hx=(_Fam("father", "abdominal aortic aneurysm", 68),),
        social=(_Soc(TOBACCO, "former smoker", FORMER, "quit 2005, 20 pack-years"),
                _Soc(ALCOHOL, "1 beer most days"), _Soc(LIVING, "lives with wife"),
                _Soc(WORK, "dairy farmer")),
        meds=(_Rx("hydrochlorothiazide", "25 mg", "oral", "once daily"),
              _Rx("omeprazole", "20 mg", "oral", "once daily before breakfast")),
        allergies=(_Allergy("lisinopril", MED, "angioedema (lips and tongue)", SEVERE),),
        past=(_past(160, "15:00", CHEN, "follow-up", "blood pressure check",
                    _Vitals("132/86", "60", "14", "98.1", "98", "74", "224", "0"), "mia"),),
    ),
    _Person(
        "1000116", "Carter", "Jamal", M, date(1995, 6, 8), 26, "1210 Railroad Street",
        _Visit("16:00", CHEN, "new patient"),
        (_Cover("Harborview Employer PPO", "Harborview PPO 500", "HVP8830561", "HV-11820", 60),),
        town="Millbrook",
        medical=(_Dx("Eczema", "L30.9", "childhood"),),
        family_hx=(_Fam("father", "hypertension", 40), _Fam("mother", "sickle cell trait")),
        social=(NEVER, _Soc(ALCOHOL, "socially"), _Soc(LIVING, "lives with girlfriend"),
                _Soc(WORK, "electrician apprentice")),
        meds=(_Rx("triamcinolone 0.1% cream", "thin layer", "topical", "twice daily as needed"),),
        allergies=(_Allergy("peanuts", FOOD, "throat swelling", SEVERE),),
    ),
    _Person(
        "1000117", "Papadopoulos", "Zoë", F, date(2017, 4, 2), 27, "36 Acorn Drive",
        _Visit("16:30", CHEN, "sick visit"),
        (_Cover("Blue Meadow Health", "Blue Meadow PPO", "BMH6021583", "GRP-27714", 280,
                "Nikos Papadopoulos", "child"),),
        guardian=("Nikos Papadopoulos", "father"),
        medical=(_Dx("Allergic rhinitis", "J30.9", "2022"),),
        surgical=(_Surg("Tonsillectomy and adenoidectomy", "2022"),),
        family_hx=(_Fam("father", "allergic rhinitis"),),
        social=(NO_SMOKE_AT_HOME, _Soc(LIVING, "lives with parents and brother"),
                _Soc(OTHER, "4th grade, Cedar Hollow Elementary")),
        meds=(_Rx("cetirizine", "5 mg", "oral", "once daily"),),
        allergies=(_Allergy("cat dander", ENV, "sneezing and itchy eyes", MILD),),
        past=(_past(230, "16:00", CHEN, "sick visit", "sore throat",
                    _Vitals("102/62", "88", "20", "98.6", "99", "51.5", "62", "3"), "priya"),),
    ),
    # ---- NP Brooks's day
    _Person(
        "1000118", "Hernández", "Mateo", M, 128, 28, "27 Riverside Drive",
        _Visit("08:00", BROOKS, "well child", (-11, -1, 14, 18, 41), ma="jorge",
               complaint="4-month check-up",
               vitals=_Vitals(None, "136", "34", "98.9", "99", "25.2", "14.3", None, "16.4")),
        (_Cover("State Medicaid", "BadgerCare", "SMD62840115", None, 140, "Lucía Hernández",
                "child"),),
        middle="José", language="Spanish", interpreter=True,
        guardian=("Lucía Hernández", "mother"),
        family_hx=(_Fam("father", "asthma"),),
        social=(NO_SMOKE_AT_HOME, _Soc(LIVING, "lives with parents and sister"),
                _Soc(OTHER, "home with mother, no daycare")),
        meds=(_Rx("vitamin D drops", "400 units", "oral", "once daily"),),
        past=(_past(123, "10:00", BROOKS, "newborn", "newborn check",
                    _Vitals(None, "142", "44", "98.6", "99", "20.1", "7.6", None, "13.9"), "jorge"),
              _past(66, "09:30", BROOKS, "well child", "2-month check-up",
                    _Vitals(None, "140", "40", "98.7", "99", "23.0", "11.4", None, "15.4"),
                    "priya")),
    ),
    _Person(
        "1000119", "Kowalczyk", "Łukasz", M, date(1991, 9, 30), 29, "602 Mill Street",
        _Visit("08:30", BROOKS, "sick visit", (-6, 5, 18, 36), room="Exam 4", ma="mia",
               complaint="low back pain since lifting a box on Friday",
               vitals=_Vitals("124/80", "72", "14", "98.0", "99", "71", "186", "6")),
        (_Cover("Cedar Mutual", "Cedar Silver PPO", "CM54017738", "CM-2208", 175),),
        town="Millbrook",
        social=(NEVER, _Soc(ALCOHOL, "a few beers on weekends"),
                _Soc(LIVING, "lives with wife and son"), _Soc(WORK, "warehouse worker")),
        meds=(_Rx("ibuprofen", "400 mg", "oral", "every 6 hours as needed"),),
    ),
    _Person(
        "1000120", "Haddad", "Noor", F, 21, 30, "55 Aspen Circle",
        _Visit("08:45", BROOKS, "weight check", (-12, 2, 15), room="Exam 3", ma="priya",
               complaint="weight check",
               vitals=_Vitals(None, "152", "40", "98.7", "99", "21.1", "8.9", None, "14.5")),
        (_Cover("Blue Meadow Health", "Blue Meadow PPO", "BMH9904127", "GRP-60442", 230,
                "Rania Haddad", "child"),),
        language="Arabic", interpreter=True, guardian=("Rania Haddad", "mother"),
        medical=(_Dx("Neonatal jaundice", "P59.9", "day 2 of life", RESOLVED),),
        family_hx=(_Fam("mother", "hypothyroidism"),),
        social=(NO_SMOKE_AT_HOME, _Soc(LIVING, "lives with parents"),
                _Soc(OTHER, "breastfed, on demand")),
        past=(_past(16, "11:00", BROOKS, "newborn", "newborn check",
                    _Vitals(None, "146", "44", "98.4", "99", "20.0", "7.3", None, "13.6"),
                    "priya"),),
    ),
    _Person(
        "1000121", "Ruiz", "Ximena", F, 555, 31, "310 Prairie Street",
        _Visit("09:00", BROOKS, "well child", (-8, 12), room="Exam 5", ma="jorge"),
        (_Cover("State Medicaid", "BadgerCare", "SMD83015562", None, 200, "Diego Ruiz",
                "child"),),
        town="Fox Prairie", language="Spanish", guardian=("Diego Ruiz", "father"),
        medical=(_Dx("Recurrent acute otitis media", "H66.93", "2026"),),
        family_hx=(_Fam("mother", "eczema"),),
        social=(NO_SMOKE_AT_HOME, _Soc(LIVING, "lives with parents and grandmother"),
                _Soc(OTHER, "attends daycare")),
        allergies=(_Allergy("egg", FOOD, "hives around the mouth", MILD),),
        past=(_past(185, "10:15", BROOKS, "well child", "12-month check-up",
                    _Vitals(None, "120", "30", "98.5", "99", "29.5", "20.9", None, "17.9"),
                    "jorge"),
              _past(92, "10:45", BROOKS, "well child", "15-month check-up",
                    _Vitals(None, "118", "28", "98.6", "99", "30.8", "22.6", None, "18.2"),
                    "mia")),
    ),
    _Person(
        "1000122", "Volkov", "Dmitri", M, date(1973, 8, 9), 32, "4 Granite Lane",
        _Visit("09:15", BROOKS, "new patient", (-7,)),
        (_Cover("Harborview Employer PPO", "Harborview PPO 1500", "HVP3392018", "HV-20931", -12),),
        middle="Sergeyevich",
        medical=(_Dx("Primary hypertension", "I10", "2022"),),
        surgical=(_Surg("Knee arthroscopy, left", "2008"),),
        family_hx=(_Fam("father", "myocardial infarction", 58),),
        social=(_Soc(TOBACCO, "former smoker", FORMER, "quit 2019"),
                _Soc(ALCOHOL, "2-3 drinks a week"), _Soc(LIVING, "lives alone"),
                _Soc(WORK, "truck mechanic")),
        meds=(_Rx("amlodipine", "10 mg", "oral", "once daily"),),
    ),
    _Person(
        "1000123", "Park", "Ethan", M, date(2018, 1, 17), 33, "21 Meadowlark Lane",
        _Visit("09:45", BROOKS, "sick visit"),
        (_Cover("Blue Meadow Health", "Blue Meadow PPO", "BMH3186640", "GRP-30318", 260,
                "Jiwoo Park", "child"),),
        guardian=("Jiwoo Park", "mother"),
        family_hx=(_Fam("mother", "allergic rhinitis"),),
        social=(NO_SMOKE_AT_HOME, _Soc(LIVING, "lives with parents"),
                _Soc(OTHER, "3rd grade, Cedar Hollow Elementary")),
    ),
    _Person(
        "1000124", "Njoroge", "Amani", F, date(1986, 3, 11), 34, "140 Sycamore Street",
        _Visit("10:15", BROOKS, "new patient"),
        (_Cover("Cedar Mutual", "Cedar Gold PPO", "CM27760194", "CM-5120", 310),),
        middle="Wanjiru", email="amani.njoroge@example.com",
        medical=(_Dx("Polycystic ovary syndrome", "E28.2", "2014"),),
        surgical=(_Surg("Cesarean section", "2019"),),
        family_hx=(_Fam("mother", "hypertension", 45), _Fam("father", "prostate cancer", 64)),
        social=(NEVER, _Soc(ALCOHOL, "rarely"), _Soc(LIVING, "lives with husband and son"),
                _Soc(WORK, "pharmacist")),
        meds=(_Rx("metformin", "500 mg", "oral", "twice daily", NOT_TAKING, "stomach upset"),),
    ),
    _Person(
        "1000125", "Rossi", "Isabella", F, date(2015, 10, 8), 35, "9 Chestnut Street",
        _Visit("10:45", BROOKS, "follow-up"),
        (_Cover("Harborview Employer PPO", "Harborview PPO 500", "HVP7015523", "HV-11820", 100,
                "Francesca Rossi", "child"),),
        guardian=("Francesca Rossi", "mother"),
        medical=(_Dx("Moderate persistent asthma", "J45.40", "2019"),
                 _Dx("Peanut allergy", "Z91.010", "2017")),
        family_hx=(_Fam("mother", "asthma"), _Fam("father", "celiac disease", 30)),
        social=(NO_SMOKE_AT_HOME, _Soc(LIVING, "lives with mother and stepfather"),
                _Soc(OTHER, "6th grade, Millbrook Middle School")),
        meds=(_Rx("fluticasone HFA", "44 mcg, 2 puffs", "inhaled", "twice daily"),
              _Rx("albuterol HFA inhaler", "2 puffs", "inhaled", "every 4 hours as needed"),
              _Rx("epinephrine auto-injector", "0.3 mg", "intramuscular",
                  "as needed for anaphylaxis")),
        allergies=(_Allergy("peanuts", FOOD, "anaphylaxis", SEVERE),),
    ),
    _Person(
        "1000126", "Asante", "Kofi", M, date(2022, 6, 20), 36, "17 Willow Street",
        _Visit("11:15", BROOKS, "well child"),
        (_Cover("State Medicaid", "BadgerCare", "SMD19374608", None, 45, "Kwame Asante",
                "child"),),
        town="Millbrook", guardian=("Kwame Asante", "father"),
        medical=(_Dx("Atopic dermatitis", "L20.9", "2023"),),
        family_hx=(_Fam("father", "sickle cell trait"), _Fam("mother", "eczema")),
        social=(_Soc(SMOKE, "grandfather smokes outside the home"),
                _Soc(LIVING, "lives with parents and grandparents"),
                _Soc(OTHER, "attends preschool")),
        meds=(_Rx("hydrocortisone 1% ointment", "thin layer", "topical", "twice daily as needed"),),
        past=(_past(370, "11:15", BROOKS, "well child", "3-year check-up",
                    _Vitals("96/58", "104", "24", "98.4", "99", "37.8", "33.0", "0"), "mia"),),
    ),
    _Person(
        "1000127", "Trần", "Minh", M, date(1952, 12, 1), 37, "66 Lotus Court",
        _Visit("13:15", BROOKS, "follow-up"),
        (_Cover("Medicare", "Medicare Part B", "4JX6PN8RC27"),),
        middle="Văn", language="Vietnamese", interpreter=True,
        medical=(_Dx("Chronic hepatitis B", "B18.1", "1990"),
                 _Dx("Primary hypertension", "I10", "2010"),
                 _Dx("Benign prostatic hyperplasia", "N40.0", "2018")),
        surgical=(_Surg("Prostate biopsy", "2018"),),
        family_hx=(_Fam("brother", "liver cancer", 61),),
        social=(_Soc(TOBACCO, "former smoker", FORMER, "quit 2000"), _Soc(ALCOHOL, "none"),
                _Soc(LIVING, "lives with wife"), _Soc(WORK, "retired restaurant owner")),
        meds=(_Rx("entecavir", "0.5 mg", "oral", "once daily on an empty stomach"),
              _Rx("tamsulosin", "0.4 mg", "oral", "once daily at bedtime"),
              _Rx("amlodipine", "5 mg", "oral", "once daily")),
        past=(_past(140, "13:45", BROOKS, "follow-up", "hepatitis B follow-up",
                    _Vitals("128/76", "66", "16", "97.9", "97", "64", "141", "0"), "priya"),),
    ),
    _Person(
        "1000128", "Choi", "Seo-yeon", F, date(2005, 2, 14), 38, "500 College Avenue, Room 214",
        _Visit("14:15", BROOKS, "sick visit"),
        (_Cover("Blue Meadow Health", "Blue Meadow PPO", "BMH5528391", "GRP-27714", 220,
                "Hyun-woo Choi", "child"),),
        email="seoyeon.choi@example.edu",
        medical=(_Dx("Iron deficiency anemia", "D50.9", "2024"),),
        family_hx=(_Fam("mother", "thyroid nodules", 45),),
        social=(NEVER, _Soc(ALCOHOL, "socially"), _Soc(LIVING, "college dormitory"),
                _Soc(WORK, "nursing student")),
        meds=(_Rx("ferrous sulfate", "325 mg", "oral", "every other day"),),
        allergies=(_Allergy("sulfa (sulfonamide antibiotics)", MED, "hives", MODERATE),),
    ),
    _Person(
        "1000129", "Tesfaye", "Rahel", F, date(1993, 7, 27), 39, "83 Hillcrest Road",
        _Visit("15:30", BROOKS, "new patient"),
        (_Cover("State Medicaid", "BadgerCare", "SMD70211843", None, 160),),
        language="Amharic", interpreter=True,
        medical=(_Dx("Latent tuberculosis, treated", "Z86.15", "2021", RESOLVED),),
        family_hx=(_Fam("mother", "hypertension"),),
        social=(NEVER, _Soc(ALCOHOL, "none"), _Soc(LIVING, "lives with husband and 2 children"),
                _Soc(WORK, "home health aide")),
        meds=(_Rx("prenatal multivitamin", "1 tablet", "oral", "once daily"),),
    ),
)
# fmt: on


# -------------------------------------------------------------------- build


def is_demo_database(session: Session) -> bool:
    """True when the database is marked as holding the demo clinic."""
    marker = session.get(ClinicSetting, DEMO_MARKER_KEY)
    return marker is not None and marker.value.strip().lower() == "true"


def build_demo_clinic(engine: Engine, today: date, tz: tzinfo) -> DemoSummary:
    """Replace everything in a migrated database with the demo clinic for ``today``.

    Refuses, changing nothing, when the database holds patients or staff accounts
    and is not a demo. All of it happens in one transaction: a failure leaves the
    database as it was.
    """
    with Session(engine) as session, session.begin():
        patients = session.exec(select(func.count()).select_from(Patient)).one()
        staff = session.exec(select(func.count()).select_from(Staff)).one()
        events = session.exec(select(func.count()).select_from(AuditEvent)).one()
        if (patients or staff or events) and not is_demo_database(session):
            audited = f", {events} audit events" if events else ""
            raise StoreError(
                f"this database holds a real clinic's data ({patients} patients, {staff} "
                f"staff{audited}) and is not a demo; refusing to overwrite it"
            )
        # A demo's audit trail goes with the rest of it: the append-only triggers are
        # lifted for the wipe and back before the commit (in this one transaction).
        remove_append_only(session.connection())
        for table in reversed(SQLModel.metadata.sorted_tables):
            session.exec(delete(table))
        _Writer(session, today, tz).write_all()
        install_append_only(session.connection())
        return _summary(session, today, tz)


def _summary(session: Session, today: date, tz: tzinfo) -> DemoSummary:
    start, end = local_day_bounds(today, tz)

    def count(model: type[SQLModel]) -> int:
        return session.exec(select(func.count()).select_from(model)).one()

    todays = session.exec(
        select(func.count())
        .select_from(Encounter)
        .where(col(Encounter.scheduled_at) >= start, col(Encounter.scheduled_at) < end)
    ).one()
    return DemoSummary(count(Patient), todays, count(Staff), count(Observation))


def _clinic_day(day: date) -> date:
    """The weekday on or before ``day``: past visits fall on days the clinic is open."""
    while day.weekday() >= 5:
        day -= timedelta(days=1)
    return day


def _canonical(code: str, text: str) -> tuple[str, float, str]:
    unit_typed, convert, unit = TYPED_UNITS[code]
    return unit_typed, round(convert(float(text)), 2), unit


class _Writer:
    """Adds the clinic to a session, in order, so ids and times are deterministic."""

    def __init__(self, session: Session, today: date, tz: tzinfo) -> None:
        self.session = session
        self.today = today
        self.tz = tz
        self.staff: dict[str, int] = {}
        self.bookings = 0
        # (when, order written, record's arguments): recorded sorted by time at the end.
        self.audit_log: list[tuple[datetime, int, dict[str, Any]]] = []

    def local(self, day: date, hhmm: str, minutes: int = 0) -> datetime:
        hour, minute = (int(part) for part in hhmm.split(":"))
        return datetime.combine(day, time(hour, minute), tzinfo=self.tz) + timedelta(
            minutes=minutes
        )

    def add(self, row: SQLModel) -> int:
        self.session.add(row)
        self.session.flush()
        row_id = getattr(row, "id", None)
        assert isinstance(row_id, int)
        return row_id

    def write_all(self) -> None:
        for key, value in CLINIC_SETTINGS.items():
            self.session.add(ClinicSetting(key=key, value=value))
        opened = self.local(self.today - timedelta(days=120), "08:00")
        for user in DEMO_STAFF:
            self.staff[user.username] = self.add(
                Staff(
                    username=user.username,
                    display_name=user.display_name,
                    role=user.role,
                    credentials=user.credentials,
                    secret_hash=_pin_hash(user),
                    created_at=opened,
                )
            )
        for person in PATIENTS:
            self.patient(person)
        self.audit_trail()

    # ------------------------------------------------------------------ audit

    def audit(
        self, at: datetime, action: AuditAction, staff_id: int, patient_id: int, **more: Any
    ) -> None:
        arguments = {"action": action, "at": at, "staff_id": staff_id, "patient_id": patient_id}
        self.audit_log.append((at, len(self.audit_log), arguments | more))

    def audit_trail(self) -> None:
        """Record the events the clinic's history wrote, oldest first, with each
        person's first sign-in of the day a few minutes before their first event."""
        first_of_day: dict[tuple[int, date], datetime] = {}
        for at, _, arguments in self.audit_log:
            key = (arguments["staff_id"], at.astimezone(self.tz).date())
            first_of_day[key] = min(at, first_of_day.get(key, at))
        sign_ins = [
            (at - timedelta(minutes=3), -1, {"action": AuditAction.SIGN_IN, "staff_id": staff_id})
            for (staff_id, _), at in first_of_day.items()
        ]
        for at, _, arguments in sorted([*self.audit_log, *sign_ins], key=lambda e: e[:2]):
            record(self.session, **(arguments | {"at": at}))

    # ---------------------------------------------------------------- patient

    def birth_date(self, person: _Person) -> date:
        if isinstance(person.born, date):
            return person.born
        return self.today - timedelta(days=person.born)

    def visit_day(self, visit: _Visit) -> date:
        return (
            _clinic_day(self.today - timedelta(days=visit.days_ago))
            if visit.days_ago
            else self.today
        )

    def booked_at(self, day: date, born: date) -> datetime:
        """When the front desk booked a visit on ``day``: 1-3 weeks before, in office hours."""
        self.bookings += 1
        n = self.bookings
        booked = self.local(day - timedelta(days=7 + (n * 5) % 15), "09:00", (n * 37) % 420)
        return max(booked, self.local(born, "12:00"))

    def patient(self, person: _Person) -> None:
        born = self.birth_date(person)
        visits = sorted(person.past, key=lambda v: -v.days_ago)
        days = [self.visit_day(v) for v in visits]
        if any(day < born for day in days) or born > self.today:
            raise ValueError(f"demo patient {person.mrn}: a visit before birth")
        bookings = [self.booked_at(day, born) for day in [*days, self.today]]
        registered = bookings[0]
        phone = f"555-555-01{person.phone:02d}"
        guardian_name, relationship = person.guardian or (None, None)
        patient_id = self.add(
            Patient(
                mrn=person.mrn,
                family_name=person.family,
                given_name=person.given,
                middle_name=person.middle,
                birth_date=born,
                sex=person.sex,
                phone=phone,
                email=person.email,
                address_line=person.street,
                city=person.town,
                state="WI",
                postal_code=_TOWNS[person.town],
                preferred_language=person.language,
                interpreter_needed=person.interpreter,
                guardian_name=guardian_name,
                guardian_relationship=relationship,
                guardian_phone=phone if person.guardian else None,
                created_at=registered,
                updated_at=registered,
            )
        )
        self.audit(
            registered,
            AuditAction.CREATE,
            self.staff[FRONT_DESK],
            patient_id,
            entity="patient",
            entity_id=patient_id,
        )
        seen = [
            contact
            for visit, day, booked in zip(visits, days, bookings, strict=False)
            if (contact := self.encounter(patient_id, born, visit, day, booked)) is not None
        ]
        roomed_today = self.encounter(patient_id, born, person.today, self.today, bookings[-1])
        # Insurance was last checked at rooming: today's, else the last visit's.
        registration = _Contact(None, registered, FRONT_DESK)
        verified = roomed_today or (seen[-1] if seen else registration)
        self.coverages(patient_id, person, born, verified)
        # History was taken at the first visit and reviewed at the last; a patient
        # new to the clinic gave it on the phone before the first visit.
        intake = _Contact(None, registered + timedelta(hours=2), "priya")
        self.history(patient_id, person, seen[0] if seen else intake, seen[-1] if seen else intake)

    def coverages(self, patient_id: int, person: _Person, born: date, verified: _Contact) -> None:
        for priority, cover in enumerate(person.cover, start=1):
            if cover.payer == "Medicare":
                effective = date(born.year + 65, born.month, 1)
            else:
                effective = max(date(self.today.year - 1, 1, 1), born)
            expiry = (
                None if cover.expires_in is None else self.today + timedelta(days=cover.expires_in)
            )
            self.session.add(
                Coverage(
                    patient_id=patient_id,
                    priority=priority,
                    payer=cover.payer,
                    plan_name=cover.plan,
                    member_id=cover.member_id,
                    group_number=cover.group,
                    subscriber_name=cover.subscriber
                    or " ".join(filter(None, (person.given, person.family))),
                    subscriber_relationship=cover.relationship,
                    effective_date=effective,
                    expiry_date=expiry,
                    last_verified_at=verified.at,
                    last_verified_by_id=self.staff[verified.staff],
                )
            )

    # -------------------------------------------------------------- encounter

    def encounter(
        self, patient_id: int, born: date, visit: _Visit, day: date, booked: datetime
    ) -> _Contact | None:
        """Add one encounter with its timeline; returns the MA's contact if it was roomed."""
        if visit.vitals is not None and not visit.signed:
            raise ValueError(f"demo visit at {visit.at} has vitals but was not signed")
        provider = self.staff[visit.provider]
        ma = self.staff[visit.ma]
        desk = self.staff[FRONT_DESK]
        changes: list[tuple[EncounterStatus, datetime, int]] = [
            (EncounterStatus.SCHEDULED, booked, desk)
        ]
        if visit.ended is not None:
            changes.append((visit.ended, self.local(day, visit.at, visit.steps[0]), desk))
        else:
            who = {
                EncounterStatus.ARRIVED: desk,
                EncounterStatus.ROOMING: ma,
                EncounterStatus.READY_FOR_PROVIDER: ma,
                EncounterStatus.WITH_PROVIDER: provider,
                EncounterStatus.CHECKED_OUT: desk,
            }
            for status, minute in zip(_PATH, visit.steps, strict=False):
                changes.append((status, self.local(day, visit.at, minute), who[status]))
        roomed = changes[2][1] if visit.roomed else None
        signed = changes[3][1] if visit.signed else None
        status = visit.status
        encounter_id = self.add(
            Encounter(
                patient_id=patient_id,
                scheduled_at=self.local(day, visit.at),
                scheduled_minutes=_SLOT_MINUTES.get(visit.visit_type, 15),
                provider_id=provider,
                visit_type=visit.visit_type,
                room=visit.room if status in _IN_A_ROOM else None,
                status=status,
                status_changed_at=changes[-1][1],
                chief_complaint=visit.complaint,
                identity_confirmed_at=roomed + timedelta(minutes=1) if roomed else None,
                identity_confirmed_by_id=ma if roomed else None,
                signed_at=signed,
                signed_by_id=ma if signed else None,
                created_at=booked,
            )
        )
        for status_reached, at, by in changes:
            self.session.add(
                EncounterStatusChange(
                    encounter_id=encounter_id,
                    status=status_reached,
                    changed_at=at,
                    changed_by_id=by,
                )
            )
        on_visit = {"entity": "encounter", "entity_id": encounter_id}
        booking = {"scheduled_at": self.local(day, visit.at), "visit_type": visit.visit_type}
        self.audit(booked, AuditAction.CREATE, desk, patient_id, **on_visit, detail=booking)
        if roomed is None:
            return None
        self.audit(roomed, AuditAction.VIEW, ma, patient_id, **on_visit)
        vitals = 0
        if visit.vitals is not None:
            age = age_in_years(born, day)
            taken = roomed + timedelta(minutes=4)
            vitals = self.vitals(
                patient_id, encounter_id, visit.vitals, taken, ma, adult=age >= 18, oral=age >= 4
            )
        if signed is not None:
            handed_on = {"status": EncounterStatus.READY_FOR_PROVIDER, "observations": vitals}
            self.audit(signed, AuditAction.SIGN, ma, patient_id, **on_visit, detail=handed_on)
        return _Contact(encounter_id, roomed, visit.ma)

    def vitals(
        self,
        patient_id: int,
        encounter_id: int,
        vitals: _Vitals,
        taken: datetime,
        ma: int,
        *,
        adult: bool,
        oral: bool,
    ) -> int:
        """One observation row per value typed, plus BMI for adults; all signed (final).

        Returns the number of rows."""

        def row(code: str, text: str | None, **extra: object) -> Observation:
            values: dict[str, object] = {
                "patient_id": patient_id,
                "encounter_id": encounter_id,
                "code": code,
                "status": ObservationStatus.FINAL,
                "taken_at": taken,
                "entered_at": taken + timedelta(minutes=1),
                "entered_by_id": ma,
            }
            if text is not None:
                unit_typed, value, unit = _canonical(code, text)
                values |= {"value_entered": text, "unit_entered": unit_typed}
                values |= {"value": value, "unit": unit}
            values.update(extra)
            return Observation.model_validate(values)

        rows: list[Observation] = []
        if vitals.bp is not None:
            systolic, diastolic = vitals.bp.split("/")
            bp = {"reading_group": f"demo-{encounter_id}-bp1", "position": "sitting"}
            bp["site"] = "left arm"
            rows += [row(SYSTOLIC_BP, systolic, **bp), row(DIASTOLIC_BP, diastolic, **bp)]
        for code, text in vitals.typed():
            site = ("oral" if oral else "temporal") if code == BODY_TEMPERATURE else None
            rows.append(row(code, text, site=site))
        if adult and vitals.ht is not None and vitals.wt is not None:
            index = bmi(lb_to_kg(float(vitals.wt)), in_to_cm(float(vitals.ht)))
            rows.append(row(BMI, None, value=round(index, 2), unit="kg/m2", method="calculated"))
        self.session.add_all(rows)
        return len(rows)

    # ---------------------------------------------------------------- history

    def history(
        self,
        patient_id: int,
        person: _Person,
        first: _Contact,
        last: _Contact,
    ) -> None:
        """History recorded at the first contact, reviewed at the last."""
        reviewed_at = last.at + timedelta(minutes=8)
        reviewer = self.staff[last.staff]
        common: dict[str, object] = {
            "patient_id": patient_id,
            "encounter_id": first.encounter_id,
            "recorded_at": first.at + timedelta(minutes=6),
            "recorded_by_id": self.staff[first.staff],
            "reviewed_at": reviewed_at,
            "reviewed_by_id": reviewer,
        }
        rows: list[SQLModel] = []
        rows += [
            Condition.model_validate(
                {**common, "name": d.name, "code": d.code, "onset": d.onset, "status": d.status}
            )
            for d in person.medical
        ]
        rows += [
            Procedure.model_validate({**common, "name": s.name, "performed": s.performed})
            for s in person.surgical
        ]
        rows += [
            FamilyHistory.model_validate(
                {
                    **common,
                    "relation": f.relation,
                    "condition": f.condition,
                    "onset_age": f.onset_age,
                }
            )
            for f in person.family_hx
        ]
        rows += [
            SocialHistory.model_validate(
                {**common, "category": s.category, "value": s.value, "code": s.code, "note": s.note}
            )
            for s in person.social
        ]
        rows += [
            Medication.model_validate(
                {
                    **common,
                    "name": m.name,
                    "dose": m.dose,
                    "route": m.route,
                    "frequency": m.frequency,
                    "status": m.status,
                    "note": m.note,
                }
            )
            for m in person.meds
        ]
        rows += [
            Allergy.model_validate(
                {
                    **common,
                    "substance": a.substance,
                    "category": a.category,
                    "reaction": a.reaction,
                    "severity": a.severity,
                }
            )
            for a in person.allergies
        ]
        sections = {
            HistorySection.MEDICAL: person.medical,
            HistorySection.SURGICAL: person.surgical,
            HistorySection.FAMILY: person.family_hx,
            HistorySection.SOCIAL: person.social,
            HistorySection.MEDICATIONS: person.meds,
            HistorySection.ALLERGIES: person.allergies,
        }
        rows += [
            HistoryReview(
                patient_id=patient_id,
                encounter_id=last.encounter_id,
                section=section,
                none_known=not items,
                reviewed_at=reviewed_at,
                reviewed_by_id=reviewer,
            )
            for section, items in sections.items()
        ]
        self.session.add_all(rows)
