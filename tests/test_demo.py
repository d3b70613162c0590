"""The demo clinic: today's schedule, the reference patients, refresh and refusal."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from argon2 import PasswordHasher
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session, SQLModel, col, select

from ma_tui.core.ages import age_in_years
from ma_tui.data.audit import AuditAction, record, verify
from ma_tui.data.catalogs.vitals import BMI, BODY_HEIGHT, BODY_WEIGHT, DIASTOLIC_BP, SYSTOLIC_BP
from ma_tui.data.migrate import upgrade
from ma_tui.data.models.audit import AuditEvent
from ma_tui.data.models.history import (
    Allergy,
    AllergyCategory,
    Condition,
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
from ma_tui.data.store import StoreError, memory_engine
from ma_tui.demo.clinic import DemoSummary, build_demo_clinic
from ma_tui.demo.refresh import DEMO_MARKER_KEY, is_demo_database
from ma_tui.demo.staff import DEMO_STAFF
from ma_tui.demo.vitals import TYPED_UNITS
from ma_tui.staff.accounts import check_secret
from ma_tui.vitals import units

TODAY = date(2026, 11, 23)  # a Monday
TZ = ZoneInfo("America/Chicago")
# The scene the demo sets: nothing has happened yet after this moment.
SCENE = datetime(2026, 11, 23, 9, 20, tzinfo=TZ)
HISTORY_MODELS: tuple[type[Any], ...] = (
    Condition,
    Procedure,
    FamilyHistory,
    SocialHistory,
    Medication,
    Allergy,
)


def _new_engine() -> Engine:
    engine = memory_engine()
    upgrade(engine)
    return engine


@pytest.fixture(scope="module")
def built() -> Iterator[tuple[Engine, DemoSummary]]:
    """One demo clinic shared by the tests that only read it."""
    engine = _new_engine()
    yield engine, build_demo_clinic(engine, TODAY, TZ)
    engine.dispose()


@pytest.fixture
def db(built: tuple[Engine, DemoSummary]) -> Engine:
    return built[0]


@pytest.fixture
def summary(built: tuple[Engine, DemoSummary]) -> DemoSummary:
    return built[1]


@pytest.fixture
def empty_db() -> Iterator[Engine]:
    engine = _new_engine()
    yield engine
    engine.dispose()


def _local(hhmm: str, day: date = TODAY) -> datetime:
    hour, minute = map(int, hhmm.split(":"))
    return datetime.combine(day, time(hour, minute), tzinfo=TZ)


def _todays(session: Session) -> list[tuple[Encounter, Patient]]:
    start = datetime.combine(TODAY, time.min, tzinfo=TZ)
    rows = session.exec(
        select(Encounter, Patient)
        .join(Patient, col(Encounter.patient_id) == col(Patient.id))
        .where(col(Encounter.scheduled_at) >= start)
        .where(col(Encounter.scheduled_at) < start + timedelta(days=1))
        .order_by(col(Encounter.scheduled_at), col(Encounter.id))
    ).all()
    return [(encounter, patient) for encounter, patient in rows]


def _patient(session: Session, family: str, given: str) -> Patient:
    return session.exec(
        select(Patient).where(Patient.family_name == family, Patient.given_name == given)
    ).one()


def _today_encounter(session: Session, patient: Patient) -> Encounter:
    return next(e for e, p in _todays(session) if p.id == patient.id)


def _dump(engine: Engine, model: type[SQLModel]) -> list[dict[str, Any]]:
    with Session(engine) as session:
        rows = session.exec(select(model)).all()
        return sorted((row.model_dump() for row in rows), key=lambda row: row["id"])


# ------------------------------------------------------------------- counts


def test_summary_counts_what_was_written(db: Engine, summary: DemoSummary) -> None:
    assert summary.patients >= 22
    assert summary.encounters_today >= 22
    assert summary.staff == len(DEMO_STAFF)
    with Session(db) as session:
        assert len(session.exec(select(Patient)).all()) == summary.patients
        assert len(session.exec(select(Staff)).all()) == summary.staff
        assert len(session.exec(select(Observation)).all()) == summary.observations
        assert len(_todays(session)) == summary.encounters_today
        assert {p.id for _, p in _todays(session)} == {
            p.id for p in session.exec(select(Patient)).all()
        }


def test_todays_patients_span_every_age_group(db: Engine, summary: DemoSummary) -> None:
    with Session(db) as session:
        births = [patient.birth_date for _, patient in _todays(session)]
    days = [(TODAY - born).days for born in births]
    years = [age_in_years(born, TODAY) for born in births]
    assert any(d <= 31 for d in days), "a newborn"
    assert any(31 < d < 365 for d in days), "an infant"
    assert any(1 <= y < 3 for y in years), "a toddler"
    assert any(3 <= y < 6 for y in years), "a preschooler"
    assert any(6 <= y < 13 for y in years), "a school-age child"
    assert any(13 <= y < 18 for y in years), "a teenager"
    for decade in range(20, 100, 10):
        assert any(decade <= y < decade + 10 for y in years), f"someone in their {decade}s"


def test_a_mixed_clinic(db: Engine, summary: DemoSummary) -> None:
    with Session(db) as session:
        patients = session.exec(select(Patient)).all()
    assert Counter(p.sex for p in patients).keys() >= {Sex.FEMALE, Sex.MALE}
    languages = {p.preferred_language for p in patients}
    assert {"English", "Spanish", "Vietnamese"} <= languages
    assert any(p.interpreter_needed for p in patients)
    names = " ".join(f"{p.given_name} {p.family_name}" for p in patients)
    assert "'" in names
    assert "ễ" in names
    assert "Ł" in names
    assert len({p.mrn for p in patients}) == len(patients)
    assert all(re.fullmatch(r"\d{7}", p.mrn) for p in patients)


def test_no_patient_is_named_okafor(db: Engine, summary: DemoSummary) -> None:
    """Ada Okafor is the walk-in the MA registers during the demo."""
    with Session(db) as session:
        patients = session.exec(select(Patient)).all()
    assert not [p for p in patients if "okafor" in f"{p.family_name} {p.guardian_name}".lower()]


def test_minors_have_a_guardian_and_adults_do_not(db: Engine, summary: DemoSummary) -> None:
    with Session(db) as session:
        patients = session.exec(select(Patient)).all()
    for patient in patients:
        minor = age_in_years(patient.birth_date, TODAY) < 18
        guardian = (patient.guardian_name, patient.guardian_relationship, patient.guardian_phone)
        if minor:
            assert all(guardian), patient.mrn
        else:
            assert guardian == (None, None, None), patient.mrn


def test_phones_are_fictional_and_not_the_benchmarks(db: Engine, summary: DemoSummary) -> None:
    with Session(db) as session:
        phones = [p.phone for p in session.exec(select(Patient)).all()]
    assert all(phone and re.fullmatch(r"555-555-01\d\d", phone) for phone in phones)
    assert "555-555-0199" not in phones  # Harold's new number
    assert "555-555-0142" not in phones  # Ada Okafor's


# ------------------------------------------------------------------ schedule


def test_todays_schedule_runs_from_eight_to_half_past_four(
    db: Engine, summary: DemoSummary
) -> None:
    with Session(db) as session:
        todays = _todays(session)
        providers = {s.id: s for s in session.exec(select(Staff)).all()}
    times = sorted({e.scheduled_at.astimezone(TZ).strftime("%H:%M") for e, _ in todays})
    assert times[0] == "08:00"
    assert times[-1] == "16:30"
    for encounter, _ in todays:
        assert encounter.scheduled_at.astimezone(TZ).minute in (0, 15, 30, 45)
        assert encounter.provider_id is not None
        assert providers[encounter.provider_id].role is StaffRole.PROVIDER
    assert len({e.provider_id for e, _ in todays}) >= 2


def test_statuses_are_spread_like_a_morning_in_progress(db: Engine, summary: DemoSummary) -> None:
    with Session(db) as session:
        todays = _todays(session)
    statuses = Counter(encounter.status for encounter, _ in todays)
    assert statuses[EncounterStatus.CANCELLED] == 1
    assert statuses[EncounterStatus.NO_SHOW] == 1
    for status in EncounterStatus:
        assert statuses[status] >= 1, status
    assert statuses[EncounterStatus.SCHEDULED] > len(todays) // 2
    in_a_room = {
        EncounterStatus.ROOMING,
        EncounterStatus.READY_FOR_PROVIDER,
        EncounterStatus.WITH_PROVIDER,
    }
    rooms = [e.room for e, _ in todays if e.status in in_a_room]
    assert all(rooms)
    assert len(set(rooms)) == len(rooms)
    assert all(e.room is None for e, _ in todays if e.status not in in_a_room)


def test_every_encounter_has_a_consistent_timeline(db: Engine, summary: DemoSummary) -> None:
    path = [
        EncounterStatus.SCHEDULED,
        EncounterStatus.ARRIVED,
        EncounterStatus.ROOMING,
        EncounterStatus.READY_FOR_PROVIDER,
        EncounterStatus.WITH_PROVIDER,
        EncounterStatus.CHECKED_OUT,
    ]
    with Session(db) as session:
        encounters = session.exec(select(Encounter)).all()
        changes = session.exec(
            select(EncounterStatusChange).order_by(col(EncounterStatusChange.id))
        ).all()
    by_encounter: dict[int | None, list[EncounterStatusChange]] = {}
    for change in changes:
        by_encounter.setdefault(change.encounter_id, []).append(change)
    for encounter in encounters:
        steps = by_encounter[encounter.id]
        statuses = [step.status for step in steps]
        times = [step.changed_at for step in steps]
        assert times == sorted(times), encounter.id
        assert statuses[-1] == encounter.status
        assert times[-1] == encounter.status_changed_at
        assert times[0] == encounter.created_at
        assert all(step.changed_by_id is not None for step in steps)
        assert times[-1] <= SCENE, "nothing happens after the demo's 09:20 scene"
        if encounter.status in (EncounterStatus.CANCELLED, EncounterStatus.NO_SHOW):
            assert statuses == [EncounterStatus.SCHEDULED, encounter.status]
        else:
            assert statuses == path[: len(statuses)]
        if EncounterStatus.ARRIVED in statuses:
            arrived = times[statuses.index(EncounterStatus.ARRIVED)]
            assert arrived - encounter.scheduled_at < timedelta(minutes=10)


def test_past_visits_are_signed_with_vitals(db: Engine, summary: DemoSummary) -> None:
    start = _local("00:00")
    with Session(db) as session:
        past = session.exec(select(Encounter).where(col(Encounter.scheduled_at) < start)).all()
        observed = {o.encounter_id for o in session.exec(select(Observation)).all()}
    assert len({e.patient_id for e in past}) >= 8
    for encounter in past:
        assert encounter.status is EncounterStatus.CHECKED_OUT
        assert encounter.signed_at is not None
        assert encounter.signed_by_id is not None
        assert encounter.chief_complaint
        assert encounter.id in observed


# ------------------------------------------------------ the reference visits


def test_dana_whitfield_is_waiting_at_nine(db: Engine, summary: DemoSummary) -> None:
    with Session(db) as session:
        dana = _patient(session, "Whitfield", "Dana")
        visit = _today_encounter(session, dana)
        meds = session.exec(select(Medication).where(Medication.patient_id == dana.id)).all()
        allergies = session.exec(select(Allergy).where(Allergy.patient_id == dana.id)).all()
        reviews = session.exec(
            select(HistoryReview).where(
                HistoryReview.patient_id == dana.id,
                HistoryReview.section == HistorySection.ALLERGIES,
            )
        ).all()
        conditions = session.exec(select(Condition).where(Condition.patient_id == dana.id)).all()
        coverage = session.exec(select(Coverage).where(Coverage.patient_id == dana.id)).one()
        heights = session.exec(
            select(Observation).where(
                Observation.patient_id == dana.id, Observation.code == BODY_HEIGHT
            )
        ).all()
        for model in (Procedure, FamilyHistory, SocialHistory):
            assert session.exec(select(model).where(model.patient_id == dana.id)).all()
    assert dana.birth_date == date(1968, 4, 12)
    assert dana.sex is Sex.FEMALE
    assert visit.scheduled_at.astimezone(TZ) == _local("09:00")
    assert visit.status is EncounterStatus.ARRIVED
    assert visit.room is None
    assert [(m.name, m.dose, m.route, m.frequency, m.status) for m in meds] == [
        ("metformin", "500 mg", "oral", "twice daily", MedicationStatus.TAKING)
    ]
    assert not any("lisinopril" in m.name.lower() for m in meds)
    assert allergies == []
    assert [r.none_known for r in reviews] == [True]
    assert reviews[0].encounter_id is not None
    assert any(c.code == "E11.9" for c in conditions)
    assert coverage.expiry_date is None or coverage.expiry_date > TODAY + timedelta(days=90)
    assert heights
    assert all(h.value_entered == "65" for h in heights)


def test_harold_benton_arrived_early_for_half_past_ten(db: Engine, summary: DemoSummary) -> None:
    with Session(db) as session:
        harold = _patient(session, "Benton", "Harold")
        visit = _today_encounter(session, harold)
        meds = session.exec(select(Medication).where(Medication.patient_id == harold.id)).all()
        allergies = session.exec(select(Allergy).where(Allergy.patient_id == harold.id)).all()
        conditions = session.exec(select(Condition).where(Condition.patient_id == harold.id)).all()
        tobacco = session.exec(
            select(SocialHistory).where(
                SocialHistory.patient_id == harold.id,
                SocialHistory.category == SocialCategory.TOBACCO,
            )
        ).one()
        coverage = session.exec(select(Coverage).where(Coverage.patient_id == harold.id)).one()
        heights = session.exec(
            select(Observation)
            .where(Observation.patient_id == harold.id, Observation.code == BODY_HEIGHT)
            .order_by(col(Observation.taken_at))
        ).all()
    assert harold.birth_date == date(1949, 11, 2)
    assert harold.sex is Sex.MALE
    assert harold.phone is not None
    assert re.sub(r"\D", "", harold.phone) != "5555550199"
    assert visit.scheduled_at.astimezone(TZ) == _local("10:30")
    assert visit.status is EncounterStatus.ARRIVED
    assert visit.room is None
    assert {(m.name, m.dose, m.route, m.frequency, m.status) for m in meds} == {
        ("tiotropium", "18 mcg", "inhaled", "once daily", MedicationStatus.TAKING),
        ("amlodipine", "5 mg", "oral", "once daily", MedicationStatus.TAKING),
        ("atorvastatin", "40 mg", "oral", "at bedtime", MedicationStatus.TAKING),
    }
    [sulfa] = allergies
    assert "sulfa" in sulfa.substance.lower()
    assert sulfa.category is AllergyCategory.MEDICATION
    assert not any("copd" in c.name.lower() or c.code == "J44.9" for c in conditions)
    assert tobacco.value == "current every day smoker"
    last_height = heights[-1]
    assert (last_height.value_entered, last_height.unit_entered) == ("70", "[in_i]")
    assert last_height.unit == "cm"
    assert last_height.value == pytest.approx(177.8)
    assert coverage.expiry_date is not None
    assert TODAY < coverage.expiry_date <= TODAY + timedelta(days=30)


def test_coverage_expiry_is_mixed(db: Engine, summary: DemoSummary) -> None:
    with Session(db) as session:
        coverages = session.exec(select(Coverage)).all()
    expiring = [
        c
        for c in coverages
        if c.expiry_date and TODAY <= c.expiry_date <= TODAY + timedelta(days=30)
    ]
    expired = [c for c in coverages if c.expiry_date and c.expiry_date < TODAY]
    assert len(expiring) >= 2
    assert len(expired) == 1
    for coverage in coverages:
        assert coverage.last_verified_at is not None
        assert coverage.last_verified_at <= SCENE
        assert coverage.last_verified_by_id is not None
        if coverage.effective_date and coverage.expiry_date:
            assert coverage.effective_date < coverage.expiry_date


def test_history_says_who_recorded_it_and_where(db: Engine, summary: DemoSummary) -> None:
    with Session(db) as session:
        staff = {s.id: s for s in session.exec(select(Staff)).all()}
        encounters = {e.id: e for e in session.exec(select(Encounter)).all()}
        rows: list[Any] = [
            row for model in HISTORY_MODELS for row in session.exec(select(model)).all()
        ]
        reviews = session.exec(select(HistoryReview)).all()
    assert rows
    for row in rows:
        assert staff[row.recorded_by_id].role is StaffRole.MA
        assert staff[row.reviewed_by_id].role is StaffRole.MA
        assert row.recorded_at <= row.reviewed_at <= SCENE
        if row.encounter_id is not None:
            assert encounters[row.encounter_id].patient_id == row.patient_id
    for review in reviews:
        assert staff[review.reviewed_by_id].role is StaffRole.MA
        if review.encounter_id is not None:
            assert encounters[review.encounter_id].patient_id == review.patient_id


# ---------------------------------------------------------------- vitals


def test_canonical_values_agree_with_what_was_typed(db: Engine, summary: DemoSummary) -> None:
    with Session(db) as session:
        observations = session.exec(select(Observation)).all()
    assert observations
    for obs in observations:
        assert obs.status is ObservationStatus.FINAL
        assert obs.entered_by_id is not None
        assert obs.encounter_id is not None
        if obs.code == BMI:
            continue
        assert obs.value_entered is not None
        assert obs.value is not None
        unit_typed, _, canonical = TYPED_UNITS[obs.code]
        assert (obs.unit_entered, obs.unit) == (unit_typed, canonical)
        typed = float(obs.value_entered)
        expected = {
            "[degF]": units.f_to_c(typed),
            "[in_i]": units.in_to_cm(typed),
            "[lb_av]": units.lb_to_kg(typed),
        }.get(unit_typed, typed)
        assert obs.value == pytest.approx(expected, abs=0.005)


def test_bmi_is_computed_from_the_same_visit(db: Engine, summary: DemoSummary) -> None:
    with Session(db) as session:
        observations = session.exec(select(Observation)).all()
    by_visit: dict[tuple[int | None, str], Observation] = {
        (o.encounter_id, o.code): o for o in observations
    }
    bmis = [o for o in observations if o.code == BMI]
    assert bmis
    for row in bmis:
        weight = by_visit[(row.encounter_id, BODY_WEIGHT)]
        height = by_visit[(row.encounter_id, BODY_HEIGHT)]
        assert weight.value is not None
        assert height.value is not None
        assert row.unit == "kg/m2"
        assert row.value == pytest.approx(units.bmi(weight.value, height.value), abs=0.01)


def test_every_systolic_has_its_diastolic(db: Engine, summary: DemoSummary) -> None:
    with Session(db) as session:
        observations = session.exec(select(Observation)).all()
    groups: dict[str | None, list[str]] = {}
    for obs in observations:
        if obs.code in (SYSTOLIC_BP, DIASTOLIC_BP):
            assert obs.reading_group
            assert obs.position == "sitting"
            assert obs.site == "left arm"
            groups.setdefault(obs.reading_group, []).append(obs.code)
    assert groups
    for group, codes in groups.items():
        assert sorted(codes) == sorted([SYSTOLIC_BP, DIASTOLIC_BP]), group


# ------------------------------------------------------------- audit trail


def test_the_audit_trail_verifies_and_reads_forward_in_time(
    db: Engine, summary: DemoSummary
) -> None:
    with Session(db) as session:
        result = verify(session)
        trail = session.exec(select(AuditEvent).order_by(col(AuditEvent.id))).all()
        staff_ids = {s.id for s in session.exec(select(Staff)).all()}
    assert result.ok, result.message()
    assert result.count == len(trail) > summary.patients
    times = [event.at for event in trail]
    assert times == sorted(times)
    assert times[-1] <= SCENE
    assert all(event.staff_id in staff_ids and event.os_user is None for event in trail)
    actions = Counter(event.action for event in trail)
    assert actions[AuditAction.CREATE] > summary.patients  # each patient and each visit
    assert actions[AuditAction.SIGN]
    assert actions[AuditAction.VIEW]
    assert actions[AuditAction.SIGN_IN]
    # Everyone signs in before their first event of the day.
    signed_in: set[tuple[int | None, date]] = set()
    for event in trail:
        day = (event.staff_id, event.at.astimezone(TZ).date())
        if event.action == AuditAction.SIGN_IN:
            signed_in.add(day)
        assert day in signed_in, event


def test_dana_whitfields_past_visits_are_in_the_audit_trail(
    db: Engine, summary: DemoSummary
) -> None:
    start = datetime.combine(TODAY, time.min, tzinfo=TZ)
    with Session(db) as session:
        dana = _patient(session, "Whitfield", "Dana")
        past = session.exec(
            select(Encounter).where(
                Encounter.patient_id == dana.id, col(Encounter.scheduled_at) < start
            )
        ).all()
        trail = session.exec(select(AuditEvent).where(AuditEvent.patient_id == dana.id)).all()
    assert past
    for visit in past:
        about = [e for e in trail if (e.entity, e.entity_id) == ("encounter", str(visit.id))]
        assert [e.action for e in about] == ["create", "view", "sign"]
        sign = about[-1]
        assert (sign.at, sign.staff_id) == (visit.signed_at, visit.signed_by_id)
    assert [e.action for e in trail if e.entity == "patient"] == ["create"]


# ------------------------------------------------------------------ staff


def test_each_person_signs_in_with_their_own_pin(db: Engine, summary: DemoSummary) -> None:
    with Session(db) as session:
        staff = session.exec(select(Staff)).all()
    usernames = [s.username for s in staff]
    assert len(set(usernames)) == len(usernames) == len(DEMO_STAFF)
    pins = [user.pin for user in DEMO_STAFF]
    assert len(set(pins)) == len(pins)
    for user in DEMO_STAFF:  # each meets the clinic's rules for its role
        assert check_secret(user.pin, user.role, username=user.username) == user.pin
    roles = Counter(s.role for s in staff)
    assert roles[StaffRole.MA] >= 3
    assert roles[StaffRole.PROVIDER] >= 2
    assert roles[StaffRole.FRONT_DESK] >= 1
    assert roles[StaffRole.ADMIN] >= 1
    hasher = PasswordHasher()
    by_name = {s.username: s for s in staff}
    for user in DEMO_STAFF:
        stored = by_name[user.username]
        assert stored.secret_hash is not None
        assert stored.secret_hash.startswith("$argon2id$")
        assert hasher.verify(stored.secret_hash, user.pin)
        assert (stored.display_name, stored.role) == (user.display_name, user.role)
        assert stored.active


# ------------------------------------------------------ refresh and refusal


def test_the_database_is_marked_as_a_demo(empty_db: Engine) -> None:
    with Session(empty_db) as session:
        assert not is_demo_database(session)
    build_demo_clinic(empty_db, TODAY, TZ)
    with Session(empty_db) as session:
        assert is_demo_database(session)
        settings = {s.key: s.value for s in session.exec(select(ClinicSetting)).all()}
    assert settings[DEMO_MARKER_KEY] == "true"
    assert settings["weight_unit"] == "[lb_av]"
    assert settings["height_unit"] == "[in_i]"
    assert settings["temperature_unit"] == "[degF]"


def test_building_again_refreshes_the_same_clinic(empty_db: Engine) -> None:
    db = empty_db
    summary = build_demo_clinic(db, TODAY, TZ)
    mrns = sorted(row["mrn"] for row in _dump(db, Patient))
    with Session(db) as session:
        dana = _patient(session, "Whitfield", "Dana")
        session.add(Medication(patient_id=dana.id or 0, name="lisinopril", dose="10 mg"))
        _today_encounter(session, dana).status = EncounterStatus.CHECKED_OUT
        session.commit()
    again = build_demo_clinic(db, TODAY, TZ)
    assert again == summary
    assert sorted(row["mrn"] for row in _dump(db, Patient)) == mrns
    with Session(db) as session:
        dana = _patient(session, "Whitfield", "Dana")
        assert _today_encounter(session, dana).status is EncounterStatus.ARRIVED
        meds = session.exec(select(Medication).where(Medication.patient_id == dana.id)).all()
        assert [m.name for m in meds] == ["metformin"]


def test_a_real_clinic_is_refused_and_left_alone(empty_db: Engine) -> None:
    db = empty_db
    with Session(db) as session:
        session.add(
            Patient(
                mrn="42",
                family_name="Real",
                given_name="Person",
                birth_date=date(1970, 1, 1),
                sex=Sex.UNKNOWN,
            )
        )
        session.commit()
    refusal = r"\(1 patients, 0 staff\).*refusing to overwrite"
    with pytest.raises(StoreError, match=refusal) as caught:
        build_demo_clinic(db, TODAY, TZ)
    assert "\n" not in str(caught.value)
    with Session(db) as session:
        assert [p.mrn for p in session.exec(select(Patient)).all()] == ["42"]
        assert session.exec(select(Staff)).all() == []
        assert not is_demo_database(session)


def test_refreshing_a_demo_replaces_its_audit_trail_and_keeps_it_append_only(
    empty_db: Engine,
) -> None:
    build_demo_clinic(empty_db, TODAY, TZ)
    with Session(empty_db) as session:
        first = verify(session)
    build_demo_clinic(empty_db, TODAY + timedelta(days=1), TZ)
    with Session(empty_db) as session:
        again = verify(session)
    assert first.ok
    assert again.ok
    assert again.count > 0
    assert again.last_hash != first.last_hash
    for statement in ("UPDATE audit_event SET os_user = 'x'", "DELETE FROM audit_event"):
        with pytest.raises(DBAPIError, match="append-only"), empty_db.begin() as connection:
            connection.execute(text(statement))


def test_a_database_with_an_audit_trail_is_not_wiped(empty_db: Engine) -> None:
    with Session(empty_db) as session:
        record(session, action=AuditAction.EXPORT, at=SCENE, os_user="it")
        session.commit()
    with pytest.raises(StoreError, match=r"\(0 patients, 0 staff, 1 audit events\)"):
        build_demo_clinic(empty_db, TODAY, TZ)
    with Session(empty_db) as session:
        assert verify(session).count == 1
        assert session.exec(select(AuditEvent.os_user)).all() == ["it"]


def test_a_clinic_with_only_staff_accounts_is_refused(empty_db: Engine) -> None:
    with Session(empty_db) as session:
        session.add(Staff(username="it.admin", display_name="IT", role=StaffRole.ADMIN))
        session.commit()
    with pytest.raises(StoreError, match=r"\(0 patients, 1 staff\)"):
        build_demo_clinic(empty_db, TODAY, TZ)
    with Session(empty_db) as session:
        assert [s.username for s in session.exec(select(Staff)).all()] == ["it.admin"]


def test_an_empty_database_without_the_marker_is_filled(empty_db: Engine) -> None:
    with Session(empty_db) as session:
        session.add(ClinicSetting(key="weight_unit", value="kg"))
        session.commit()
    build_demo_clinic(empty_db, TODAY, TZ)
    with Session(empty_db) as session:
        assert session.get(ClinicSetting, "weight_unit") == ClinicSetting(
            key="weight_unit", value="[lb_av]"
        )


def test_the_same_day_gives_the_same_clinic(summary: DemoSummary, db: Engine) -> None:
    other = _new_engine()
    try:
        assert build_demo_clinic(other, TODAY, TZ) == summary
        for model in (
            Patient,
            Encounter,
            EncounterStatusChange,
            Coverage,
            Observation,
            Medication,
            HistoryReview,
            Staff,
            AuditEvent,
        ):
            assert _dump(other, model) == _dump(db, model), model.__name__
    finally:
        other.dispose()


# --------------------------------------------------------- any other day


@pytest.mark.parametrize("day", [date(2027, 3, 14), date(2029, 7, 1), date(2031, 12, 31)])
def test_infants_stay_infants_on_any_day(day: date) -> None:
    engine = _new_engine()
    try:
        build_demo_clinic(engine, day, TZ)
        with Session(engine) as session:
            births = {p.given_name: p.birth_date for p in session.exec(select(Patient)).all()}
            encounters = session.exec(select(Encounter)).all()
            observed = session.exec(select(Observation)).all()
    finally:
        engine.dispose()
    ages_in_days = sorted((day - born).days for born in births.values())
    assert ages_in_days[0] < 31
    assert ages_in_days[1] < 365
    assert ages_in_days[2] < 2 * 365
    assert births["Dana"] == date(1968, 4, 12)
    assert births["Harold"] == date(1949, 11, 2)
    assert all(e.scheduled_at.date() <= day + timedelta(days=1) for e in encounters)
    assert all(o.taken_at.astimezone(TZ).date() <= day for o in observed)


def test_times_are_local_wall_times_in_any_zone() -> None:
    engine = _new_engine()
    fixed = timezone(timedelta(hours=-6))  # what `datetime.now().astimezone()` gives
    try:
        build_demo_clinic(engine, TODAY, fixed)
        with Session(engine) as session:
            dana = _patient(session, "Whitfield", "Dana")
            start = datetime.combine(TODAY, time.min, tzinfo=fixed)
            visit = session.exec(
                select(Encounter).where(
                    Encounter.patient_id == dana.id, col(Encounter.scheduled_at) >= start
                )
            ).one()
    finally:
        engine.dispose()
    assert visit.scheduled_at == datetime(2026, 11, 23, 15, 0, tzinfo=UTC)
