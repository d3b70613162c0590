"""The three reference visits, roomed end to end from the queue with keys only.

Each test types a visit as the README's walkthrough does, signs it, and then checks
what the database holds: every value as entered, its unit and canonical value.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select
from textual.pilot import Pilot

from data.models import (
    Allergy,
    AllergySeverity,
    Condition,
    Coverage,
    Encounter,
    EncounterStatus,
    FamilyHistory,
    HistoryReview,
    HistorySection,
    Medication,
    MedicationStatus,
    Observation,
    Patient,
    SocialCategory,
    SocialHistory,
)
from data.vitals import (
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
from screens.queue import QueueScreen
from tests.pilot import make_app, open_from_queue, type_text

SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((120, 40), id="120x40")]


async def keys(pilot: Pilot[None], *steps: str) -> None:
    """Press keys; a step of more than one character that is not a key name is typed."""
    for step in steps:
        if step.startswith("type:"):
            await type_text(pilot, step.removeprefix("type:"))
        else:
            await pilot.press(step)


def typed(text: str) -> str:
    return f"type:{text}"


@contextmanager
def visit(engine: Engine, family: str) -> Iterator[tuple[Encounter, dict[str, list[Observation]]]]:
    with Session(engine) as session:
        patient = session.exec(select(Patient).where(Patient.family_name == family)).one()
        encounter = session.exec(
            select(Encounter)
            .where(Encounter.patient_id == patient.id)
            .order_by(col(Encounter.scheduled_at).desc())
        ).first()
        assert encounter is not None
        by_code: dict[str, list[Observation]] = {}
        for row in session.exec(
            select(Observation)
            .where(Observation.encounter_id == encounter.id)
            .order_by(col(Observation.id))
        ).all():
            by_code.setdefault(row.code, []).append(row)
        yield encounter, by_code


def stored(rows: list[Observation]) -> tuple[str | None, str | None, float | None]:
    (row,) = rows
    return row.value_entered, row.unit_entered, row.value


@pytest.mark.parametrize("size", SIZES)
async def test_visit_1_dana_whitfield_routine(demo_engine: Engine, size: tuple[int, int]) -> None:
    app = make_app(demo_engine)
    async with app.run_test(size=size) as pilot:
        await open_from_queue(pilot, "whit da")
        await keys(pilot, "enter", "enter", "enter")  # identity, demographics, insurance
        await keys(
            pilot,
            *(typed("128/82"), "enter", "enter"),
            *(typed("76"), "enter", typed("16"), "enter", typed("98.4"), "enter"),
            *(typed("97"), "enter", "enter", typed("171"), "enter", typed("2"), "enter"),
        )
        await keys(pilot, "enter", "enter", "enter", "enter")  # medical..social reviewed
        await keys(pilot, "t", "a", typed("lisinopril 10 mg once daily"), "enter", "enter")
        await keys(pilot, "enter")  # allergies reviewed, NKA
        await keys(
            pilot,
            *(typed("cough for 5 days"), "enter", typed("5 days"), "enter", "enter", "enter"),
            *(typed("dry"), "enter", "enter", "enter", "enter"),
            *(typed("worse at night"), "enter", typed("4")),
            "ctrl+r",
            "ctrl+s",
        )
        await pilot.pause()
        assert isinstance(app.screen, QueueScreen)

    with visit(demo_engine, "Whitfield") as (encounter, vitals):
        assert encounter.status is EncounterStatus.READY_FOR_PROVIDER
        assert encounter.identity_confirmed_at is not None and encounter.signed_at is not None
        assert encounter.chief_complaint == "cough for 5 days"
        assert (encounter.hpi_onset, encounter.hpi_character) == ("5 days", "dry")
        assert (encounter.hpi_timing, encounter.hpi_severity) == ("worse at night", 4)
        assert stored(vitals[SYSTOLIC_BP]) == ("128", "mm[Hg]", 128)
        assert stored(vitals[DIASTOLIC_BP]) == ("82", "mm[Hg]", 82)
        assert vitals[SYSTOLIC_BP][0].position == "sitting"
        assert vitals[SYSTOLIC_BP][0].site == "left arm"
        assert stored(vitals[HEART_RATE]) == ("76", "/min", 76)
        assert stored(vitals[RESPIRATORY_RATE]) == ("16", "/min", 16)
        assert stored(vitals[BODY_TEMPERATURE]) == ("98.4", "[degF]", 36.89)
        assert vitals[BODY_TEMPERATURE][0].site == "oral"
        assert stored(vitals[SPO2]) == ("97", "%", 97)
        assert stored(vitals[BODY_HEIGHT]) == ("65", "[in_i]", 165.1)
        assert stored(vitals[BODY_WEIGHT]) == ("171", "[lb_av]", 77.56)
        assert stored(vitals[PAIN_SEVERITY]) == ("2", "{score}", 2)
        assert vitals[BMI][0].value == pytest.approx(28.5, abs=0.1)
        assert all(row.interpretation is None for rows in vitals.values() for row in rows)
        with Session(demo_engine) as session:
            meds = session.exec(
                select(Medication).where(Medication.patient_id == encounter.patient_id)
            ).all()
            by_name = {m.name: m for m in meds}
            assert by_name["metformin"].status is MedicationStatus.TAKING
            lisinopril = by_name["lisinopril"]
            assert (lisinopril.dose, lisinopril.frequency) == ("10 mg", "once daily")
            assert lisinopril.encounter_id == encounter.id
            reviews = session.exec(
                select(HistoryReview).where(HistoryReview.encounter_id == encounter.id)
            ).all()
            assert {r.section for r in reviews} == set(HistorySection)
            allergies = next(r for r in reviews if r.section is HistorySection.ALLERGIES)
            assert allergies.none_known


async def test_visit_3_harold_benton_abnormal(demo_engine: Engine) -> None:
    app = make_app(demo_engine)
    async with app.run_test() as pilot:
        await open_from_queue(pilot, "benton")
        await keys(pilot, "enter", "tab", typed("5555550199"), "enter", "enter")
        await keys(
            pilot,
            *(typed("168/98"), "enter", typed("162/96"), "enter", typed("104"), "enter"),
            *(typed("24"), "enter", typed("38.9c"), "enter", typed("91"), "tab"),
            *(typed("2"), "enter", "enter", typed("208"), "enter", typed("8"), "enter"),
        )
        await keys(pilot, "a", typed("COPD"), "enter", "enter")  # medical
        await keys(pilot, "enter", "enter")  # surgical, family
        await keys(pilot, "a", typed("tobacco"), "enter", typed("former smoker"), "enter", "enter")
        await keys(pilot, "t", "down", "t", "down", "s", "enter")  # medications
        await keys(pilot, "enter")  # allergies
        await keys(
            pilot,
            *(typed("shortness of breath for 2 days"), "enter", typed("2 days"), "enter"),
            *("enter", "enter", "enter", typed("walking"), "enter", "enter", "enter", "enter"),
            *(typed("7"), "enter", typed("cough with yellow sputum")),
            "ctrl+r",
            "ctrl+s",
        )
        await pilot.pause()
        assert isinstance(app.screen, QueueScreen)

    with visit(demo_engine, "Benton") as (encounter, vitals):
        assert encounter.status is EncounterStatus.READY_FOR_PROVIDER
        assert encounter.chief_complaint == "shortness of breath for 2 days"
        assert (encounter.hpi_onset, encounter.hpi_aggravating) == ("2 days", "walking")
        assert encounter.hpi_associated == "cough with yellow sputum"
        assert encounter.hpi_severity == 7
        assert [r.value for r in vitals[SYSTOLIC_BP]] == [168, 162]
        assert [r.value for r in vitals[DIASTOLIC_BP]] == [98, 96]
        assert stored(vitals[HEART_RATE]) == ("104", "/min", 104)
        assert stored(vitals[RESPIRATORY_RATE]) == ("24", "/min", 24)
        assert stored(vitals[BODY_TEMPERATURE]) == ("38.9", "Cel", 38.9)
        assert stored(vitals[SPO2]) == ("91", "%", 91)
        assert vitals[SPO2][0].o2_flow_l_min == 2
        assert stored(vitals[BODY_WEIGHT]) == ("208", "[lb_av]", 94.35)
        assert stored(vitals[BODY_HEIGHT]) == ("70", "[in_i]", 177.8)
        assert stored(vitals[PAIN_SEVERITY]) == ("8", "{score}", 8)
        for code in (SYSTOLIC_BP, DIASTOLIC_BP, HEART_RATE, RESPIRATORY_RATE, BODY_TEMPERATURE):
            assert all(row.interpretation for row in vitals[code]), code
        assert vitals[SPO2][0].interpretation in {"L", "LL"}
        with Session(demo_engine) as session:
            patient = session.get(Patient, encounter.patient_id)
            assert patient is not None and patient.phone == "555-555-0199"
            coverage = session.exec(
                select(Coverage).where(Coverage.patient_id == patient.id)
            ).first()
            assert coverage is not None and coverage.last_verified_at == encounter.signed_at
            conditions = session.exec(
                select(Condition).where(Condition.encounter_id == encounter.id)
            ).all()
            assert [(c.name, c.code) for c in conditions] == [
                ("chronic obstructive pulmonary disease", "J44.9")
            ]
            meds = {
                m.name: m.status
                for m in session.exec(
                    select(Medication).where(Medication.patient_id == patient.id)
                ).all()
            }
            assert meds["tiotropium"] is MedicationStatus.TAKING
            assert meds["amlodipine"] is MedicationStatus.TAKING
            assert meds["atorvastatin"] is MedicationStatus.STOPPED
            tobacco = session.exec(
                select(SocialHistory)
                .where(
                    SocialHistory.patient_id == patient.id,
                    SocialHistory.category == SocialCategory.TOBACCO,
                )
                .order_by(col(SocialHistory.id).desc())
            ).first()
            assert tobacco is not None and tobacco.value == "former smoker"


async def test_visit_2_ada_okafor_new_walk_in(demo_engine: Engine) -> None:
    app = make_app(demo_engine)
    async with app.run_test() as pilot:
        await keys(pilot, "f2")
        for value in (
            "Okafor",
            "Ada",
            "3/9/23",
            "F",
            "5555550142",
            "Chidi Okafor",
            "father",
            "Blue Meadow Health",
            "BMH4471902",
        ):
            await keys(pilot, typed(value), "enter")
        await pilot.pause()
        await keys(pilot, "enter", "ctrl+n")  # identifiers confirmed; on to vitals
        await keys(pilot, "f3", "down", "enter")  # BP not obtained: patient uncooperative
        await keys(
            pilot,
            *("enter", typed("118"), "enter", typed("26"), "enter", typed("38.1c"), "enter"),
            *(typed("99"), "enter", typed("92.5cm"), "enter", typed("13.6kg"), "enter"),
            *(typed("48cm"), "enter", typed("u"), "enter"),
        )
        await keys(pilot, "a", typed("asthma"), "enter", "enter")  # medical
        await keys(pilot, "n")  # surgical: none
        await keys(pilot, "a", typed("mother"), "enter", typed("asthma"), "enter", "enter")
        await keys(pilot, "a", typed("other"), "enter", typed("attends daycare"), "enter")
        await keys(pilot, typed("secondhand"), "enter", typed("no"), "enter", "enter")
        await keys(pilot, "a", typed("albuterol inhaler 2 puffs as needed"), "enter", "enter")
        await keys(pilot, "a", typed("penicillin"), "enter", typed("rash"), "enter")
        await keys(pilot, typed("moderate"), "enter", "enter")
        await keys(
            pilot,
            typed("pulling at right ear, fever since yesterday"),
            *("enter", typed("yesterday"), "enter", typed("right ear")),
            "ctrl+r",
            "ctrl+s",
        )
        await pilot.pause()
        assert isinstance(app.screen, QueueScreen)

    with visit(demo_engine, "Okafor") as (encounter, vitals):
        assert encounter.walk_in and encounter.status is EncounterStatus.READY_FOR_PROVIDER
        assert encounter.chief_complaint == "pulling at right ear, fever since yesterday"
        assert (encounter.hpi_location, encounter.hpi_onset) == ("right ear", "yesterday")
        assert [r.not_obtained_reason for r in vitals[SYSTOLIC_BP]] == ["patient uncooperative"]
        assert [r.not_obtained_reason for r in vitals[DIASTOLIC_BP]] == ["patient uncooperative"]
        assert stored(vitals[HEART_RATE]) == ("118", "/min", 118)
        assert stored(vitals[RESPIRATORY_RATE]) == ("26", "/min", 26)
        assert stored(vitals[BODY_TEMPERATURE]) == ("38.1", "Cel", 38.1)
        assert vitals[BODY_TEMPERATURE][0].interpretation == "H"
        assert stored(vitals[SPO2]) == ("99", "%", 99)
        assert stored(vitals[BODY_HEIGHT]) == ("92.5", "cm", 92.5)
        assert stored(vitals[BODY_WEIGHT]) == ("13.6", "kg", 13.6)
        assert stored(vitals[HEAD_CIRCUMFERENCE]) == ("48", "cm", 48)
        assert [r.not_obtained_reason for r in vitals[PAIN_SEVERITY]] == ["unable to rate"]
        with Session(demo_engine) as session:
            patient = session.get(Patient, encounter.patient_id)
            assert patient is not None
            assert (patient.given_name, patient.birth_date) == ("Ada", date(2023, 3, 9))
            assert patient.guardian_name == "Chidi Okafor"
            pid = patient.id
            assert [
                c.name
                for c in session.exec(select(Condition).where(Condition.patient_id == pid)).all()
            ] == ["asthma"]
            family = session.exec(
                select(FamilyHistory).where(FamilyHistory.patient_id == pid)
            ).one()
            assert (family.relation, family.condition) == ("mother", "asthma")
            social = {
                s.category: s.value
                for s in session.exec(
                    select(SocialHistory).where(SocialHistory.patient_id == pid)
                ).all()
            }
            assert social[SocialCategory.OTHER] == "attends daycare"
            assert social[SocialCategory.SECONDHAND_SMOKE] == "no"
            med = session.exec(select(Medication).where(Medication.patient_id == pid)).one()
            assert med.name == "albuterol inhaler"
            assert (med.dose, med.frequency) == ("2 puffs", "as needed")
            allergy = session.exec(select(Allergy).where(Allergy.patient_id == pid)).one()
            assert (allergy.substance, allergy.reaction) == ("penicillin", "rash")
            assert allergy.severity is AllergySeverity.MODERATE
            surgical = session.exec(
                select(HistoryReview).where(
                    HistoryReview.encounter_id == encounter.id,
                    HistoryReview.section == HistorySection.SURGICAL,
                )
            ).one()
            assert surgical.none_known
