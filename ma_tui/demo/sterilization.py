"""A week of the demo clinic's autoclave loads, with one failed biological indicator.

Two prevacuum loads each clinic day on Autoclave A, four packs in each, every load's
chemical indicator read and the load released by whoever ran it. Spore tests ride
in the first load of the week (pass), of its third day (FAIL, read the next
morning after later loads were used) and of its fifth (pass): the loads between the
first pass and the second are the recall, and the patients whose procedures used
their packs are listed by it.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from sqlmodel import select

from ma_tui.data.models.patients import Patient
from ma_tui.demo.build import Build
from ma_tui.sterilization import loads as rules
from ma_tui.sterilization.loads import BiResult, CycleType, Load, PackLabel, PackUse, Reading
from ma_tui.sterilization.store import save_load, save_use

FIRST_LOAD = 1041
PACKS = (
    ("suture removal kit", False),
    ("laceration repair tray", False),
    ("skin biopsy punch kit", False),
    ("IUD insertion tray", False),
)
OPERATORS = ("Jorge Castillo", "Priya Natarajan")
SPORE_TEST_DAYS = {0: BiResult.PASS, 2: BiResult.FAIL, 4: BiResult.PASS}
# (load index, pack sequence, patient MRN, procedure): the packs opened for patients.
USES = (
    (0, 1, "1000101", "suture removal"),
    (2, 2, "1000112", "laceration repair"),
    (4, 3, "1000113", "shave biopsy, left shoulder"),
    (5, 1, "1000104", "suture removal"),
    (6, 2, "1000116", "laceration repair"),
    (7, 4, "1000129", "IUD insertion"),
    (9, 1, "1000109", "suture removal"),
)


def add_sterilization_log(build: Build) -> None:
    day, session = build.day, build.session
    days = _clinic_days(day.today)
    loads: list[Load] = []
    for index, on in enumerate(days):
        for run, hhmm in enumerate(("08:10", "13:10")):
            number = FIRST_LOAD + len(loads)
            started = day.local(on, hhmm)
            spore = run == 0 and index in SPORE_TEST_DAYS
            load = rules.new_load(
                number=number,
                sterilizer="Autoclave A",
                cycle_number=2200 + len(loads),
                cycle_type=CycleType.PREVACUUM,
                started_at=started,
                temperature_c=Decimal("132.0"),
                pressure_kpa=Decimal("206.8"),
                exposure_minutes=4,
                operator=OPERATORS[index % 2],
                packs=PACKS,
                biological_indicator=spore,
                bi_lot="BI-2611-07" if spore else "",
            )
            load = rules.release(
                rules.record_chemical(load, Reading.PASS),
                OPERATORS[index % 2],
                started + timedelta(minutes=45),
            )
            loads.append(load)
    uses: list[PackUse] = []
    for at, sequence, mrn, procedure in USES:
        patient = session.exec(select(Patient).where(Patient.mrn == mrn)).one()
        assert patient.id is not None
        use = rules.use_pack(
            PackLabel(loads[at].number, sequence),
            loads,
            uses,
            patient_id=patient.id,
            patient_name=f"{patient.given_name} {patient.family_name}",
            procedure=procedure,
            at=loads[at].started_at + timedelta(hours=2),
            by="Mia Sorensen",
        )
        uses.append(use)
    for index, on in enumerate(days):
        result = SPORE_TEST_DAYS.get(index)
        if result is not None:
            read = day.local(on + timedelta(days=1), "07:50")
            at = 2 * index
            loads[at] = rules.record_biological(loads[at], result, read)
    for load in loads:
        save_load(session, load)
    for use in uses:
        save_use(session, use)


def _clinic_days(today: date) -> list[date]:
    """The last five weekdays before today, oldest first."""
    days: list[date] = []
    on = today
    while len(days) < 5:
        on -= timedelta(days=1)
        if on.weekday() < 5:
            days.append(on)
    return sorted(days)
