"""Keys per reference visit: the three visits of ``bench/reference_visits.md``, roomed
through the real UI with Pilot, keyboard only, and every value checked afterwards.

Counting follows ``reference_visits.md``: every key sent to the app from the one
that opens the patient (Enter on the queue, F2 for the walk-in) through the one that
signs; a chord counts as its parts (``ctrl+s`` = 2), typed text as its characters.
Keys that find a scheduled patient in the queue come before the opening key, so the
rule leaves them out; they are reported beside the count (``select_keys``). The
ratio is keys / data characters; the keystroke-level-model time is 0.28 s a key.

After each visit the script reads the database and checks every value of the
visit (value as typed, unit, canonical value, history, complaint): a faster path
that skipped data fails here, loudly, and records nothing.

    python bench/keystrokes.py
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select
from textual.pilot import Pilot

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import CLINIC_NOW, record
from ma_tui.core.clock import fixed_clock
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
from ma_tui.data.migrate import upgrade
from ma_tui.data.models.history import (
    Allergy,
    AllergySeverity,
    Condition,
    FamilyHistory,
    HistoryReview,
    HistorySection,
    Medication,
    MedicationStatus,
    SocialCategory,
    SocialHistory,
)
from ma_tui.data.models.observations import Observation
from ma_tui.data.models.patients import Coverage, Patient
from ma_tui.data.models.visits import Encounter, EncounterStatus
from ma_tui.data.store import create_store_engine, sqlite_url
from ma_tui.demo.clinic import build_demo_clinic
from ma_tui.screens.app import MaTuiApp
from ma_tui.screens.queue.queue import QueueScreen

SECONDS_PER_KEY = 0.28  # keystroke-level model: an average skilled typist
SIZE = (80, 24)


def key_cost(key: str) -> int:
    """A chord counts as its parts (``ctrl+s`` = 2); any other key name is one key."""
    return len(key.split("+"))


@dataclass
class Typist:
    """Sends keys to the app and counts them the way reference_visits.md counts."""

    pilot: Pilot[None]
    keys: int = 0
    select_keys: int = 0
    log: list[str] = field(default_factory=list)

    async def press(self, *keys: str) -> None:
        for key in keys:
            self.keys += key_cost(key)
            self.log.append(key)
            await self.pilot.press(key)

    async def type(self, text: str) -> None:
        self.keys += len(text)
        self.log.append(repr(text))
        await self.pilot.press(*text)

    async def select(self, text: str) -> None:
        """Find a scheduled patient in the queue: before the opening key, not counted."""
        self.select_keys += len(text)
        await self.pilot.press(*text)


@dataclass(frozen=True)
class Visit:
    name: str
    family: str
    data_chars: int  # from reference_visits.md
    room: Callable[[Typist, str], Awaitable[None]]  # the Typist, the vitals style
    check: Callable[[Engine], None]


# ------------------------------------------------------------------ the visits
# Each visit is typed as a practised MA types it: catalog fields take the grey
# suggestion after the shortest prefix that brings it (``t`` → tobacco), and the
# vitals go on the one line or field by field (``VITALS_STYLES``).


async def vitals(t: Typist, style: str, line: str, fields: str) -> None:
    """The vitals step from its one-line entry: the whole line, or field by field.

    ``fields`` is key names and texts, space-separated: a text is typed, a key pressed.
    """
    if style == "line":
        await t.type(line)
        await t.press("enter")
        return
    await t.press("enter")  # the empty line: field by field
    for step in fields.split():
        if step in ("enter", "tab", "f3", "down"):
            await t.press(step)
        else:
            await t.type(step)


async def take(t: Typist, prefix: str, *then: str) -> None:
    """Type a prefix and take the grey suggestion with the Right arrow."""
    await t.type(prefix)
    await t.press("right", *then)


async def room_dana(t: Typist, style: str) -> None:
    await t.select("whit da")
    await t.press("enter")  # open
    await t.press("enter", "enter", "enter")  # identifiers, demographics, insurance
    await vitals(  # height 65 in is carried forward
        t,
        style,
        "128/82 p76 r16 t98.4 o97 w171 pn2",
        "128/82 enter enter 76 enter 16 enter 98.4 enter 97 enter enter 171 enter 2 enter",
    )
    await t.press("enter", "enter", "enter", "enter")  # medical, surgical, family, social
    await t.press("t", "a")  # metformin still taking; add
    await take(t, "lis", "enter", "enter")  # lisinopril 10 mg oral once daily; done
    await t.press("enter")  # allergies reviewed: NKA
    await take(t, "c")  # cough
    await t.type(" for 5 days")
    await t.press("enter")
    await t.type("5 days")  # onset
    await t.press("down", "enter")  # a row down (duration), then beside it: character
    await t.type("dry")
    await t.press("down", "down")  # timing, two rows down
    await t.type("worse at night")
    await t.press("enter")
    await t.type("4")  # severity
    await t.press("ctrl+r", "ctrl+s")


async def room_ada(t: Typist, style: str) -> None:
    await t.press("f2")  # open: register a walk-in
    for value in ("Okafor", "Ada", "3/9/23", "F", "5555550142", "Chidi Okafor"):
        await t.type(value)
        await t.press("enter")
    await t.press("enter")  # relationship: not among the visit's data
    await take(t, "B", "enter")  # Blue Meadow Health
    await t.type("BMH4471902")
    await t.press("enter")
    await t.pilot.pause()
    await t.press("enter", "ctrl+n")  # identifiers confirmed; on to vitals
    await vitals(
        t,
        style,
        "bp:unc p118 r26 t38.1c o99 h92.5cm w13.6kg hc48cm pnu",
        "f3 down enter enter 118 enter 26 enter 38.1c enter 99 enter 92.5cm enter 13.6kg enter"
        " 48cm enter u enter",
    )
    await t.press("a")
    await take(t, "as", "enter", "enter")  # medical: asthma
    await t.press("n")  # surgical: none
    await t.press("a")
    await take(t, "m", "enter")  # mother
    await take(t, "as", "enter", "enter")  # asthma
    await t.press("a")
    await take(t, "ot", "enter")  # other
    await t.type("attends daycare")
    await t.press("enter")
    await take(t, "s", "enter")  # secondhand smoke
    await t.type("no")
    await t.press("enter", "enter")
    await t.press("a")
    await t.type("albuterol inhaler 2 puffs as needed")
    await t.press("enter", "enter")
    await t.press("a")
    await take(t, "p", "enter")  # penicillin
    await take(t, "r", "enter")  # rash
    await take(t, "mo", "enter", "enter")  # moderate
    await t.type("pulling at right ear, fever since yesterday")
    await t.press("enter")
    await t.type("yesterday")  # onset
    await t.press("enter")
    await t.type("right ear")  # location
    await t.press("ctrl+r", "ctrl+s")


async def room_harold(t: Typist, style: str) -> None:
    await t.select("benton")
    await t.press("enter")  # open
    await t.press("enter", "tab")  # identifiers; into the phone
    await t.type("5555550199")
    await t.press("enter", "enter")  # demographics saved; insurance verified
    await vitals(  # height carried forward
        t,
        style,
        "168/98 162/96 p104 r24 t38.9c o91 2l w208 pn8",
        "168/98 enter 162/96 enter 104 enter 24 enter 38.9c enter 91 tab 2 enter enter 208"
        " enter 8 enter",
    )
    await t.press("a")
    await t.type("COPD")
    await t.press("enter", "enter")  # medical
    await t.press("enter", "enter")  # surgical, family
    await t.press("a")
    await take(t, "t", "enter")  # tobacco
    await take(t, "f", "enter", "enter")  # former smoker
    await t.press("t", "down", "t", "down", "s", "enter")  # medications
    await t.press("enter")  # allergies
    await take(t, "sh")  # shortness of breath
    await t.type(" for 2 days")
    await t.press("enter")
    await t.type("2 days")  # onset
    await t.press("down", "down")  # aggravating, two rows down
    await t.type("walking")
    await t.press("down", "down")  # severity, two rows down
    await t.type("7")
    await t.press("enter")
    await t.type("cough with yellow sputum")  # associated
    await t.press("ctrl+r", "ctrl+s")


# ------------------------------------------------------------------ the checks


class Mismatch(AssertionError):
    """A stored value differs from the reference visit: the run records nothing."""


def expect(what: str, got: object, wanted: object) -> None:
    if got != wanted:
        raise Mismatch(f"{what}: stored {got!r}, the reference visit says {wanted!r}")


def _latest_visit(session: Session, family: str) -> tuple[Patient, Encounter]:
    patient = session.exec(select(Patient).where(Patient.family_name == family)).one()
    encounter = session.exec(
        select(Encounter)
        .where(Encounter.patient_id == patient.id)
        .order_by(col(Encounter.scheduled_at).desc())
    ).first()
    assert encounter is not None
    return patient, encounter


def _vitals(session: Session, encounter: Encounter) -> dict[str, list[Observation]]:
    rows: dict[str, list[Observation]] = {}
    for row in session.exec(
        select(Observation)
        .where(Observation.encounter_id == encounter.id)
        .order_by(col(Observation.id))
    ):
        rows.setdefault(row.code, []).append(row)
    return rows


def _stored(rows: list[Observation]) -> list[tuple[str | None, str | None, float | None]]:
    return [(row.value_entered, row.unit_entered, row.value) for row in rows]


def _signed(encounter: Encounter) -> None:
    expect("status", encounter.status, EncounterStatus.READY_FOR_PROVIDER)
    expect("signed", encounter.signed_at is not None, True)


def check_dana(engine: Engine) -> None:
    with Session(engine) as session:
        patient, encounter = _latest_visit(session, "Whitfield")
        _signed(encounter)
        expect("identity", encounter.identity_confirmed_at is not None, True)
        v = _vitals(session, encounter)
        expect(
            "BP",
            _stored(v[SYSTOLIC_BP] + v[DIASTOLIC_BP]),
            [("128", "mm[Hg]", 128), ("82", "mm[Hg]", 82)],
        )
        expect(
            "BP position, arm",
            (v[SYSTOLIC_BP][0].position, v[SYSTOLIC_BP][0].site),
            ("sitting", "left arm"),
        )
        expect("pulse", _stored(v[HEART_RATE]), [("76", "/min", 76)])
        expect("resp", _stored(v[RESPIRATORY_RATE]), [("16", "/min", 16)])
        expect("temp", _stored(v[BODY_TEMPERATURE]), [("98.4", "[degF]", 36.89)])
        expect("temp route", v[BODY_TEMPERATURE][0].site, "oral")
        expect("SpO2", _stored(v[SPO2]), [("97", "%", 97)])
        expect("SpO2 on", v[SPO2][0].method, "room air")
        expect("height", _stored(v[BODY_HEIGHT]), [("65", "[in_i]", 165.1)])
        expect("weight", _stored(v[BODY_WEIGHT]), [("171", "[lb_av]", 77.56)])
        expect("pain", _stored(v[PAIN_SEVERITY]), [("2", "{score}", 2)])
        expect("BMI 28.5 ± 0.1", abs((v[BMI][0].value or 0) - 28.5) <= 0.1, True)
        expect(
            "flags", [r.interpretation for rows in v.values() for r in rows if r.interpretation], []
        )
        meds = {
            m.name: m
            for m in session.exec(select(Medication).where(Medication.patient_id == patient.id))
        }
        expect("metformin", meds["metformin"].status, MedicationStatus.TAKING)
        lisinopril = meds["lisinopril"]
        expect("lisinopril", (lisinopril.dose, lisinopril.frequency), ("10 mg", "once daily"))
        expect("lisinopril added in this visit", lisinopril.encounter_id, encounter.id)
        reviews = _reviews(session, encounter)
        expect("sections reviewed", set(reviews), set(HistorySection))
        expect("NKA", reviews[HistorySection.ALLERGIES].none_known, True)
        expect("complaint", encounter.chief_complaint, "cough for 5 days")
        expect(
            "HPI",
            (
                encounter.hpi_onset,
                encounter.hpi_character,
                encounter.hpi_timing,
                encounter.hpi_severity,
            ),
            ("5 days", "dry", "worse at night", 4),
        )


def check_ada(engine: Engine) -> None:
    with Session(engine) as session:
        patient, encounter = _latest_visit(session, "Okafor")
        _signed(encounter)
        expect("walk-in", encounter.walk_in, True)
        expect(
            "patient",
            (
                patient.given_name,
                patient.birth_date,
                patient.sex.value,
                patient.phone,
                patient.guardian_name,
            ),
            ("Ada", date(2023, 3, 9), "female", "555-555-0142", "Chidi Okafor"),
        )
        coverage = _coverage(session, patient)
        expect("insurance", coverage, ("Blue Meadow Health", "BMH4471902"))
        v = _vitals(session, encounter)
        for code in (SYSTOLIC_BP, DIASTOLIC_BP):
            expect(
                "BP not obtained",
                [r.not_obtained_reason for r in v[code]],
                ["patient uncooperative"],
            )
        expect("pulse", _stored(v[HEART_RATE]), [("118", "/min", 118)])
        expect("resp", _stored(v[RESPIRATORY_RATE]), [("26", "/min", 26)])
        expect("temp", _stored(v[BODY_TEMPERATURE]), [("38.1", "Cel", 38.1)])
        expect("fever flagged", v[BODY_TEMPERATURE][0].interpretation, "H")
        expect("SpO2", _stored(v[SPO2]), [("99", "%", 99)])
        expect("height", _stored(v[BODY_HEIGHT]), [("92.5", "cm", 92.5)])
        expect("weight", _stored(v[BODY_WEIGHT]), [("13.6", "kg", 13.6)])
        expect("head", _stored(v[HEAD_CIRCUMFERENCE]), [("48", "cm", 48)])
        expect("pain", [r.not_obtained_reason for r in v[PAIN_SEVERITY]], ["unable to rate"])
        pid = patient.id
        conditions = session.exec(select(Condition).where(Condition.patient_id == pid)).all()
        expect("medical", [c.name for c in conditions], ["asthma"])
        expect(
            "surgical none", _reviews(session, encounter)[HistorySection.SURGICAL].none_known, True
        )
        family = session.exec(select(FamilyHistory).where(FamilyHistory.patient_id == pid)).one()
        expect("family", (family.relation, family.condition), ("mother", "asthma"))
        social = {
            s.category: s.value
            for s in session.exec(select(SocialHistory).where(SocialHistory.patient_id == pid))
        }
        expect(
            "social",
            (social[SocialCategory.OTHER], social[SocialCategory.SECONDHAND_SMOKE]),
            ("attends daycare", "no"),
        )
        med = session.exec(select(Medication).where(Medication.patient_id == pid)).one()
        expect(
            "medication",
            (med.name, med.dose, med.frequency),
            ("albuterol inhaler", "2 puffs", "as needed"),
        )
        allergy = session.exec(select(Allergy).where(Allergy.patient_id == pid)).one()
        expect(
            "allergy",
            (allergy.substance, allergy.reaction, allergy.severity),
            ("penicillin", "rash", AllergySeverity.MODERATE),
        )
        expect(
            "complaint", encounter.chief_complaint, "pulling at right ear, fever since yesterday"
        )
        expect("HPI", (encounter.hpi_location, encounter.hpi_onset), ("right ear", "yesterday"))


def check_harold(engine: Engine) -> None:
    with Session(engine) as session:
        patient, encounter = _latest_visit(session, "Benton")
        _signed(encounter)
        expect("phone", patient.phone, "555-555-0199")
        expect("insurance verified", _coverage_verified(session, patient), encounter.signed_at)
        v = _vitals(session, encounter)
        expect("BP", _stored(v[SYSTOLIC_BP]), [("168", "mm[Hg]", 168), ("162", "mm[Hg]", 162)])
        expect("BP", _stored(v[DIASTOLIC_BP]), [("98", "mm[Hg]", 98), ("96", "mm[Hg]", 96)])
        expect("pulse", _stored(v[HEART_RATE]), [("104", "/min", 104)])
        expect("resp", _stored(v[RESPIRATORY_RATE]), [("24", "/min", 24)])
        expect("temp", _stored(v[BODY_TEMPERATURE]), [("38.9", "Cel", 38.9)])
        expect("SpO2", _stored(v[SPO2]), [("91", "%", 91)])
        expect("O2 flow", v[SPO2][0].o2_flow_l_min, 2)
        expect("weight", _stored(v[BODY_WEIGHT]), [("208", "[lb_av]", 94.35)])
        expect("height carried", _stored(v[BODY_HEIGHT]), [("70", "[in_i]", 177.8)])
        expect("pain", _stored(v[PAIN_SEVERITY]), [("8", "{score}", 8)])
        for code in (SYSTOLIC_BP, DIASTOLIC_BP, HEART_RATE, RESPIRATORY_RATE, BODY_TEMPERATURE):
            expect(f"{code} flagged", all(row.interpretation for row in v[code]), True)
        expect("SpO2 flagged", v[SPO2][0].interpretation in {"L", "LL"}, True)
        conditions = session.exec(
            select(Condition).where(Condition.encounter_id == encounter.id)
        ).all()
        expect(
            "COPD",
            [(c.name, c.code) for c in conditions],
            [("chronic obstructive pulmonary disease", "J44.9")],
        )
        meds = {
            m.name: m.status
            for m in session.exec(select(Medication).where(Medication.patient_id == patient.id))
        }
        expect(
            "medications",
            (meds["tiotropium"], meds["amlodipine"], meds["atorvastatin"]),
            (MedicationStatus.TAKING, MedicationStatus.TAKING, MedicationStatus.STOPPED),
        )
        tobacco = session.exec(
            select(SocialHistory)
            .where(
                SocialHistory.patient_id == patient.id,
                SocialHistory.category == SocialCategory.TOBACCO,
            )
            .order_by(col(SocialHistory.id).desc())
        ).first()
        expect("tobacco", tobacco.value if tobacco else None, "former smoker")
        reviews = _reviews(session, encounter)
        expect("sections reviewed", set(reviews), set(HistorySection))
        expect("complaint", encounter.chief_complaint, "shortness of breath for 2 days")
        expect(
            "HPI",
            (
                encounter.hpi_onset,
                encounter.hpi_severity,
                encounter.hpi_aggravating,
                encounter.hpi_associated,
            ),
            ("2 days", 7, "walking", "cough with yellow sputum"),
        )


def _reviews(session: Session, encounter: Encounter) -> dict[HistorySection, HistoryReview]:
    rows = session.exec(select(HistoryReview).where(HistoryReview.encounter_id == encounter.id))
    return {row.section: row for row in rows}


def _coverage(session: Session, patient: Patient) -> tuple[str, str] | None:
    row = session.exec(select(Coverage).where(Coverage.patient_id == patient.id)).first()
    return (row.payer, row.member_id) if row is not None else None


def _coverage_verified(session: Session, patient: Patient) -> datetime | None:
    row = session.exec(select(Coverage).where(Coverage.patient_id == patient.id)).first()
    return row.last_verified_at if row is not None else None


VISITS = (
    Visit("Visit 1: Dana Whitfield, routine", "Whitfield", 98, room_dana, check_dana),
    Visit("Visit 2: Ada Okafor, new pediatric walk-in", "Okafor", 238, room_ada, check_ada),
    Visit("Visit 3: Harold Benton, abnormal findings", "Benton", 123, room_harold, check_harold),
)


# ------------------------------------------------------------------ running


def demo_clinic(folder: Path) -> Engine:
    engine = create_store_engine(sqlite_url(folder / "clinic.db"))
    upgrade(engine)
    assert CLINIC_NOW.tzinfo is not None
    build_demo_clinic(engine, CLINIC_NOW.date(), CLINIC_NOW.tzinfo)
    return engine


async def run_visit(
    engine: Engine, visit: Visit, style: str, size: tuple[int, int] = SIZE
) -> Typist:
    """Room one visit from the queue to signed, then check every stored value."""
    app = MaTuiApp(engine, clock=fixed_clock(CLINIC_NOW), cursor_blink=False, sign_in=False)
    async with app.run_test(size=size) as pilot:
        typist = Typist(pilot)
        await visit.room(typist, style)
        await pilot.pause()
        if not isinstance(app.screen, QueueScreen):
            raise Mismatch(f"{visit.name}: ended on {type(app.screen).__name__}, not signed")
    visit.check(engine)
    return typist


VITALS_STYLES = ("line", "fields")


def measure() -> list[dict[str, object]]:
    """Each visit with each vitals style, on a fresh demo clinic; the fewer keys count."""
    rows: list[dict[str, object]] = []
    for visit in VISITS:
        counts: dict[str, Typist] = {}
        for style in VITALS_STYLES:
            with tempfile.TemporaryDirectory() as folder:
                engine = demo_clinic(Path(folder))
                counts[style] = asyncio.run(run_visit(engine, visit, style))
                engine.dispose()
        best = min(VITALS_STYLES, key=lambda style: counts[style].keys)
        keys = counts[best].keys
        rows.append(
            {
                "name": visit.name,
                "keys": keys,
                "data_chars": visit.data_chars,
                "ratio": round(keys / visit.data_chars, 2),
                "klm_seconds": round(keys * SECONDS_PER_KEY, 1),
                "vitals": best,
                "keys_by_vitals": {style: counts[style].keys for style in VITALS_STYLES},
                "select_keys": counts[best].select_keys,
            }
        )
    return rows


def main() -> None:
    rows = measure()
    header = f"{'reference visit':<44} {'keys':>5} {'data':>5} {'ratio':>6} {'KLM s':>6}"
    print(f"{header}  keys with vitals on the line / field by field")
    for row in rows:
        styles = row["keys_by_vitals"]
        assert isinstance(styles, dict)
        print(
            f"{row['name']:<44} {row['keys']:>5} {row['data_chars']:>5} "
            f"{row['ratio']:>6} {row['klm_seconds']:>6}  {styles['line']} / {styles['fields']}"
        )
    print("target: ratio ≤ 1.3 on every visit (aim ≤ 1.1); every stored value checked")
    record({"visits": rows})


if __name__ == "__main__":
    main()
