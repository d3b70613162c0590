"""The patient's chart as rooming reads it: demographics, coverage, history, last vitals."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import TypeVar

from sqlmodel import Session, col, select

from ma_tui.core.ages import format_age
from ma_tui.core.errors import NotFound
from ma_tui.data.models.history import (
    Allergy,
    Condition,
    FamilyHistory,
    HistoryEntry,
    HistoryReview,
    HistorySection,
    Medication,
    MedicationStatus,
    Procedure,
    SocialCategory,
    SocialHistory,
)
from ma_tui.data.models.observations import Observation, ObservationStatus
from ma_tui.data.models.patients import Coverage, Patient
from ma_tui.data.models.screenings import Screening, ScreeningAlert
from ma_tui.data.models.visits import Encounter

EXPIRY_WARNING_DAYS = 30
_Entry = TypeVar("_Entry", bound=HistoryEntry)


@dataclass(frozen=True)
class Chart:
    patient: Patient
    encounter: Encounter
    coverage: Coverage | None
    conditions: Sequence[Condition] = ()
    procedures: Sequence[Procedure] = ()
    family: Sequence[FamilyHistory] = ()
    social: Sequence[SocialHistory] = ()
    medications: Sequence[Medication] = ()
    allergies: Sequence[Allergy] = ()
    last_reviews: dict[HistorySection, HistoryReview] = field(default_factory=dict)
    # Earlier visits' final readings per LOINC code, oldest first (not this visit's).
    vital_history: dict[str, list[Observation]] = field(default_factory=dict)
    # Screening key -> the day it was last given (answered); "tobacco": the day the
    # smoking status was last recorded. The alerts of each one's last time, with its day.
    screenings_last: dict[str, date] = field(default_factory=dict)
    screening_alerts: list[tuple[date, str]] = field(default_factory=list)

    @property
    def patient_id(self) -> int:
        assert self.patient.id is not None
        return self.patient.id

    @property
    def encounter_id(self) -> int:
        assert self.encounter.id is not None
        return self.encounter.id

    @property
    def last_vitals(self) -> dict[str, Observation]:
        return {code: rows[-1] for code, rows in self.vital_history.items() if rows}

    def no_known_allergies(self) -> bool:
        """NKA only when it was said explicitly, not when nothing was ever asked."""
        review = self.last_reviews.get(HistorySection.ALLERGIES)
        return not self.allergies and review is not None and review.none_known


def load_chart(session: Session, encounter_id: int) -> Chart:
    encounter = session.get(Encounter, encounter_id)
    if encounter is None:
        raise NotFound(f"no visit {encounter_id}")
    patient = session.get(Patient, encounter.patient_id)
    assert patient is not None
    pid = encounter.patient_id
    return Chart(
        patient=patient,
        encounter=encounter,
        coverage=_primary_coverage(session, pid),
        conditions=_entries(session, Condition, pid),
        procedures=_entries(session, Procedure, pid),
        family=_entries(session, FamilyHistory, pid),
        social=_current_social(_entries(session, SocialHistory, pid)),
        medications=_entries(session, Medication, pid),
        allergies=[a for a in _entries(session, Allergy, pid) if a.active],
        last_reviews=_last_reviews(session, pid),
        vital_history=_vital_history(session, pid, exclude_encounter=encounter_id),
        screenings_last=_screenings_last(session, pid),
        screening_alerts=_screening_alerts(session, pid),
    )


def _primary_coverage(session: Session, patient_id: int) -> Coverage | None:
    return session.exec(
        select(Coverage)
        .where(Coverage.patient_id == patient_id, col(Coverage.active).is_(True))
        .order_by(col(Coverage.priority), col(Coverage.id))
    ).first()


def _entries(session: Session, model: type[_Entry], patient_id: int) -> list[_Entry]:
    return list(
        session.exec(
            select(model)
            .where(model.patient_id == patient_id, col(model.entered_in_error).is_(False))
            .order_by(col(model.recorded_at), col(model.id))
        ).all()
    )


def _current_social(rows: list[SocialHistory]) -> list[SocialHistory]:
    """The newest fact per category: a changed tobacco status adds a row, never edits one."""
    latest: dict[str, SocialHistory] = {}
    for row in rows:  # oldest first, so later rows win
        latest[row.category] = row
    return list(latest.values())


def _last_reviews(session: Session, patient_id: int) -> dict[HistorySection, HistoryReview]:
    reviews = session.exec(
        select(HistoryReview)
        .where(HistoryReview.patient_id == patient_id)
        .order_by(col(HistoryReview.reviewed_at), col(HistoryReview.id))
    ).all()
    return {HistorySection(review.section): review for review in reviews}


def _vital_history(
    session: Session, patient_id: int, *, exclude_encounter: int
) -> dict[str, list[Observation]]:
    rows = session.exec(
        select(Observation)
        .where(
            Observation.patient_id == patient_id,
            Observation.status == ObservationStatus.FINAL,
            col(Observation.value).is_not(None),
            col(Observation.encounter_id) != exclude_encounter,
        )
        .order_by(col(Observation.taken_at), col(Observation.id))
    ).all()
    history: dict[str, list[Observation]] = {}
    for row in rows:
        history.setdefault(row.code, []).append(row)
    return history


def active_medications(chart: Chart) -> list[Medication]:
    return [m for m in chart.medications if m.status != MedicationStatus.STOPPED]


def coverage_alert(coverage: Coverage | None, today: date) -> str | None:
    """What the MA must raise with the patient about their insurance, if anything."""
    if coverage is None:
        return "No insurance on file: ask for a card or confirm self-pay."
    expiry = coverage.expiry_date
    if expiry is None:
        return None
    if expiry < today:
        return f"Insurance EXPIRED on {expiry:%m/%d/%Y}: ask for current coverage."
    days = (expiry - today).days
    if days <= EXPIRY_WARNING_DAYS:
        when = "today" if days == 0 else f"in {days} day{'s' if days != 1 else ''}"
        return f"Insurance expires {when} ({expiry:%m/%d/%Y}): ask about renewal."
    return None


def banner_identity(patient: Patient, today: date) -> str:
    """``Whitfield, Dana  ·  58 y  ·  DOB 04/12/1968  ·  F`` for every clinical screen."""
    sex = {"female": "F", "male": "M", "other": "X"}.get(patient.sex, "U")
    return (
        f"{patient.family_name}, {patient.given_name}  ·  "
        f"{format_age(patient.birth_date, today)}  ·  DOB {patient.birth_date:%m/%d/%Y}  ·  {sex}"
    )


def _last_screenings(session: Session, patient_id: int) -> dict[str, Screening]:
    """The newest answered screening of each instrument."""
    rows = session.exec(
        select(Screening)
        .where(Screening.patient_id == patient_id, col(Screening.declined).is_(False))
        .order_by(col(Screening.given_at), col(Screening.id))
    ).all()
    return {row.instrument: row for row in rows}  # oldest first, so later rows win


def _screenings_last(session: Session, patient_id: int) -> dict[str, date]:
    found = {key: row.given_at.date() for key, row in _last_screenings(session, patient_id).items()}
    tobacco = session.exec(
        select(SocialHistory.recorded_at)
        .where(
            SocialHistory.patient_id == patient_id,
            SocialHistory.category == SocialCategory.TOBACCO,
            col(SocialHistory.entered_in_error).is_(False),
        )
        .order_by(col(SocialHistory.recorded_at).desc())
    ).first()
    if tobacco is not None:
        found["tobacco"] = tobacco.date()
    return found


def _screening_alerts(session: Session, patient_id: int) -> list[tuple[date, str]]:
    last = {row.id: row for row in _last_screenings(session, patient_id).values()}
    if not last:
        return []
    alerts = session.exec(
        select(ScreeningAlert)
        .where(col(ScreeningAlert.screening_id).in_(list(last)))
        .order_by(col(ScreeningAlert.id))
    ).all()
    return [(last[alert.screening_id].given_at.date(), alert.text) for alert in alerts]
