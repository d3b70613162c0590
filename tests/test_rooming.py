"""Rooming as plain functions: open, draft, sign in one transaction, correct."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from ma_tui.checkin.draft import CheckInDraft
from ma_tui.complaint.draft import ComplaintDraft, parse_severity
from ma_tui.core.errors import NotFound
from ma_tui.core.parsing import ParseError
from ma_tui.data.audit import AuditAction
from ma_tui.data.catalogs.vitals import (
    BMI,
    BODY_HEIGHT,
    BODY_WEIGHT,
    DIASTOLIC_BP,
    HEART_RATE,
    SYSTOLIC_BP,
)
from ma_tui.data.models.audit import AuditEvent
from ma_tui.data.models.history import HistoryReview, HistorySection, Medication, MedicationStatus
from ma_tui.data.models.observations import Observation, ObservationStatus
from ma_tui.data.models.patients import Patient
from ma_tui.data.models.visits import (
    Encounter,
    EncounterStatus,
    EncounterStatusChange,
    RoomingDraft,
)
from ma_tui.history.draft import HistoryForm, NewHistoryEntry
from ma_tui.patients.chart import Chart, coverage_alert, load_chart
from ma_tui.visits.correcting import (
    AlreadyCorrected,
    correct_observation,
    correct_vital,
    signed_vitals,
)
from ma_tui.visits.draft import VisitDraft, allergy_line
from ma_tui.visits.holding import (
    load_visit_chart,
    open_visit,
    save_draft,
    unfinished_visits,
    view_visit,
    with_encounter_now,
)
from ma_tui.visits.signing import SignError, sign_problems, sign_visit
from ma_tui.vitals.correction import NeedsConfirm
from ma_tui.vitals.draft import VitalEntry
from ma_tui.vitals.entry import VitalsForm, build_vitals
from ma_tui.vitals.measurements import ClinicUnits
from tests.conftest import CLINIC_NOW, todays_encounter_id


def _open(engine: Engine, family: str) -> tuple[int, VisitDraft]:
    encounter_id = todays_encounter_id(engine, family)
    draft = open_visit(engine, encounter_id, staff_id=None, now=CLINIC_NOW)
    return encounter_id, draft


def test_opening_a_visit_starts_rooming_and_saves_a_draft(demo_engine: Engine) -> None:
    encounter_id, _ = _open(demo_engine, "Whitfield")
    with Session(demo_engine) as session:
        encounter = session.get(Encounter, encounter_id)
        assert encounter is not None
        assert encounter.status is EncounterStatus.ROOMING
        changes = session.exec(
            select(EncounterStatusChange).where(EncounterStatusChange.encounter_id == encounter_id)
        ).all()
        assert changes[-1].status is EncounterStatus.ROOMING
        assert session.get(RoomingDraft, encounter_id) is not None


def test_a_saved_draft_is_resumed_where_it_was_left(demo_engine: Engine) -> None:
    encounter_id, draft = _open(demo_engine, "Whitfield")
    draft.step = "history"
    draft.complaint.chief_complaint = "cough"
    save_draft(demo_engine, draft, staff_id=None, now=CLINIC_NOW)
    resumed = open_visit(demo_engine, encounter_id, staff_id=None, now=CLINIC_NOW)
    assert resumed.step == "history"
    assert resumed.complaint.chief_complaint == "cough"


def test_a_signed_visit_cannot_be_opened_for_rooming(demo_engine: Engine) -> None:
    with Session(demo_engine) as session:
        done = session.exec(
            select(Encounter).where(Encounter.status == EncounterStatus.CHECKED_OUT)
        ).first()
        assert done is not None
        assert done.id is not None
    with pytest.raises(ValueError, match="checked out"):
        open_visit(demo_engine, done.id, staff_id=None, now=CLINIC_NOW)


def test_signing_needs_identity_and_a_complaint_and_stores_nothing_without(
    demo_engine: Engine,
) -> None:
    encounter_id, draft = _open(demo_engine, "Whitfield")
    with pytest.raises(SignError) as caught:
        sign_visit(demo_engine, draft, staff_id=None, now=CLINIC_NOW)
    assert len(caught.value.problems) == 2
    with Session(demo_engine) as session:
        assert (
            session.exec(select(Observation).where(Observation.encounter_id == encounter_id)).all()
            == []
        )


def test_signing_writes_the_whole_visit(demo_engine: Engine) -> None:
    encounter_id, draft = _open(demo_engine, "Benton")
    with Session(demo_engine) as session:
        chart = load_chart(session, encounter_id)
    atorvastatin = next(m for m in chart.medications if m.name == "atorvastatin")
    assert atorvastatin.id is not None
    d = draft  # the pydantic draft
    d.checkin.identity_confirmed_at = CLINIC_NOW
    d.checkin.demographics_confirmed = True
    d.checkin.demographic_changes = {"phone": "555-555-0199"}
    d.checkin.coverage_confirmed = True
    d.vitals.entries = [
        VitalEntry(
            code=HEART_RATE,
            value_entered="104",
            unit_entered="/min",
            value=104,
            unit="/min",
            interpretation="H",
            taken_at=CLINIC_NOW,
        ),
    ]
    d.history.reviewed = {HistorySection.SURGICAL: False, HistorySection.MEDICAL: False}
    d.history.new_entries = [
        NewHistoryEntry(section=HistorySection.MEDICAL, fields={"name": "COPD", "code": "J44.9"})
    ]
    d.history.medication_status = {atorvastatin.id: MedicationStatus.STOPPED}
    d.complaint.chief_complaint = "shortness of breath for 2 days"
    d.complaint.hpi = {"onset": "2 days"}
    d.complaint.hpi_severity = 7
    signed_at = CLINIC_NOW + timedelta(minutes=7)
    sign_visit(demo_engine, d, staff_id=None, now=signed_at)

    with Session(demo_engine) as session:
        encounter = session.get(Encounter, encounter_id)
        assert encounter is not None
        assert encounter.status is EncounterStatus.READY_FOR_PROVIDER
        assert encounter.signed_at == signed_at
        assert encounter.chief_complaint == "shortness of breath for 2 days"
        assert (encounter.hpi_onset, encounter.hpi_severity) == ("2 days", 7)
        assert encounter.identity_confirmed_at == CLINIC_NOW
        patient = session.get(Patient, encounter.patient_id)
        assert patient is not None
        assert patient.phone == "555-555-0199"
        pulse = session.exec(
            select(Observation).where(Observation.encounter_id == encounter_id)
        ).one()
        assert (pulse.value, pulse.status, pulse.interpretation) == (
            104,
            ObservationStatus.FINAL,
            "H",
        )
        medication = session.get(Medication, atorvastatin.id)
        assert medication is not None
        assert medication.status is MedicationStatus.STOPPED
        reviews = session.exec(
            select(HistoryReview).where(HistoryReview.encounter_id == encounter_id)
        ).all()
        assert {r.section for r in reviews} == {HistorySection.SURGICAL, HistorySection.MEDICAL}
        assert session.get(RoomingDraft, encounter_id) is None
        chart = load_chart(session, encounter_id)
        assert "COPD" in [c.name for c in chart.conditions]
        assert coverage_alert(chart.coverage, CLINIC_NOW.date()) is not None
    with pytest.raises(SignError, match="already signed"):
        sign_visit(demo_engine, d, staff_id=None, now=signed_at)


def test_a_correction_marks_the_old_value_and_adds_the_new(demo_engine: Engine) -> None:
    with Session(demo_engine) as session:
        weight = session.exec(
            select(Observation).where(Observation.code == BODY_WEIGHT).order_by(col(Observation.id))
        ).first()
        assert weight is not None
        assert weight.id is not None
        wrong_id = weight.id
    new_id = correct_observation(
        demo_engine,
        wrong_id,
        VitalEntry(
            code=BODY_WEIGHT,
            value_entered="77.6",
            unit_entered="kg",
            value=77.6,
            unit="kg",
            taken_at=CLINIC_NOW,
        ),
        staff_id=None,
        now=CLINIC_NOW,
    )
    with Session(demo_engine) as session:
        wrong = session.get(Observation, wrong_id)
        right = session.get(Observation, new_id)
        assert wrong is not None
        assert right is not None
        assert wrong.status is ObservationStatus.ENTERED_IN_ERROR
        assert wrong.value is not None  # the wrong value is kept, marked
        assert (right.corrects_id, right.value, right.status) == (
            wrong_id,
            77.6,
            ObservationStatus.FINAL,
        )
    with pytest.raises(ValueError, match="already corrected"):
        correct_observation(
            demo_engine,
            wrong_id,
            VitalEntry(code=BODY_WEIGHT, value=70, unit="kg", taken_at=CLINIC_NOW),
            staff_id=None,
            now=CLINIC_NOW,
        )


def test_the_banner_says_nka_only_when_said(demo_engine: Engine) -> None:
    encounter_id, draft = _open(demo_engine, "Whitfield")
    with Session(demo_engine) as session:
        chart = load_chart(session, encounter_id)
    assert allergy_line(chart, draft).startswith("NKA")
    harold_id, harold_draft = _open(demo_engine, "Benton")
    with Session(demo_engine) as session:
        harold = load_chart(session, harold_id)
    assert allergy_line(harold, harold_draft) == "Allergies: sulfa (sulfonamide antibiotics)"


# ---------------------------------------------------- drafts saved as typed


def test_a_draft_saved_before_the_typed_fields_existed_still_loads() -> None:
    old = (
        '{"encounter_id": 3, "patient_id": 5, "step": "complaint", '
        '"complaint": {"hpi_severity": 4}}'
    )
    draft = VisitDraft.model_validate_json(old)
    assert (draft.field, draft.checkin.typed, draft.history.form) == (None, {}, None)
    assert (draft.complaint.hpi_severity_text, draft.complaint.hpi_severity) == ("", 4)
    assert sign_problems(draft) == [
        "Confirm two identifiers (name and date of birth) at check-in.",
        "Write the chief complaint.",
    ]


@pytest.mark.parametrize(
    ("text", "severity"), [("", None), ("  ", None), ("0", 0), ("4", 4), (" 10 ", 10)]
)
def test_severity_as_typed_is_read(text: str, severity: int | None) -> None:
    assert parse_severity(text) == severity


@pytest.mark.parametrize("text", ["11", "-1", "4.5", "four", "²"])
def test_a_severity_not_0_to_10_is_refused(text: str) -> None:
    with pytest.raises(ValueError, match="0 to 10"):
        parse_severity(text)


def _signable() -> VisitDraft:
    return VisitDraft(
        encounter_id=1,
        patient_id=1,
        checkin=CheckInDraft(identity_confirmed_at=CLINIC_NOW),
        complaint=ComplaintDraft(chief_complaint="cough"),
    )


def test_what_is_only_typed_is_never_signed_unchecked() -> None:
    assert sign_problems(_signable()) == []
    draft = _signable()
    draft.complaint.hpi_severity_text = "12"
    assert sign_problems(draft) == ["Severity: a whole number from 0 to 10, or leave it empty."]
    draft = _signable()
    draft.history.form = HistoryForm(section=HistorySection.SURGICAL, values=["appendec", ""])
    assert sign_problems(draft) == ["History: add or clear the entry still in the add-form."]
    draft.history.form.values = [" ", ""]
    draft.checkin.typed = {"phone": "555"}  # an unconfirmed edit: kept, never signed
    assert sign_problems(draft) == []


def test_a_signed_visit_takes_only_confirmed_checkin_edits(demo_engine: Engine) -> None:
    encounter_id, draft = _open(demo_engine, "Whitfield")
    draft.checkin.identity_confirmed_at = CLINIC_NOW
    draft.complaint.chief_complaint = "cough"
    draft.checkin.typed = {"phone": "555-555-0199", "city": "Elsewhere"}
    sign_visit(demo_engine, draft, staff_id=None, now=CLINIC_NOW)
    with Session(demo_engine) as session:
        encounter = session.get(Encounter, encounter_id)
        assert encounter is not None
        patient = session.get(Patient, encounter.patient_id)
        assert patient is not None
        assert (patient.phone, patient.city) != ("555-555-0199", "Elsewhere")


# ---------------------------------------------------- unfinished visits


def test_my_unfinished_visits_are_today_unsigned_and_mine(demo_engine: Engine) -> None:
    me, other = "mia@exam-pc-3", "jorge@exam-pc-5"
    whitfield = todays_encounter_id(demo_engine, "Whitfield")
    benton = todays_encounter_id(demo_engine, "Benton")
    draft = open_visit(demo_engine, whitfield, staff_id=None, now=CLINIC_NOW, holder=me)
    draft.step = "vitals"
    later = CLINIC_NOW + timedelta(minutes=7)
    save_draft(demo_engine, draft, staff_id=None, now=later, holder=me)
    open_visit(demo_engine, benton, staff_id=None, now=CLINIC_NOW, holder=other)
    visits = unfinished_visits(demo_engine, holder=me, now=CLINIC_NOW)
    assert unfinished_visits(demo_engine, holder="nobody@nowhere", now=CLINIC_NOW) == []
    tomorrow = CLINIC_NOW + timedelta(days=1)
    assert unfinished_visits(demo_engine, holder=me, now=tomorrow) == []
    assert [(v.encounter_id, v.step) for v in visits] == [(whitfield, "vitals")]
    assert visits[0].describe(CLINIC_NOW) == "Dana Whitfield, 58 y — stopped at Vitals, 09:27"

    draft.checkin.identity_confirmed_at = CLINIC_NOW
    draft.complaint.chief_complaint = "cough"
    sign_visit(demo_engine, draft, staff_id=None, now=later, holder=me)
    assert unfinished_visits(demo_engine, holder=me, now=CLINIC_NOW) == []


def test_unfinished_visits_come_last_saved_first(demo_engine: Engine) -> None:
    me = "mia@exam-pc-3"
    for minutes, family in ((3, "Benton"), (9, "Whitfield")):
        encounter_id = todays_encounter_id(demo_engine, family)
        draft = open_visit(demo_engine, encounter_id, staff_id=None, now=CLINIC_NOW, holder=me)
        now = CLINIC_NOW + timedelta(minutes=minutes)
        save_draft(demo_engine, draft, staff_id=None, now=now, holder=me)
    visits = unfinished_visits(demo_engine, holder=me, now=CLINIC_NOW)
    assert [v.family_name for v in visits] == ["Whitfield", "Benton"]
    saved_yesterday = visits[0].describe(CLINIC_NOW + timedelta(days=1))
    assert saved_yesterday.endswith("stopped at Check-in, 11/23 09:29")


# ---------------------------------------------------- opening, viewing


def test_viewing_a_visit_is_audited_with_its_chart(demo_engine: Engine) -> None:
    encounter_id = todays_encounter_id(demo_engine, "Whitfield")
    chart = view_visit(demo_engine, encounter_id, staff_id=None, now=CLINIC_NOW)
    assert chart.patient.family_name == "Whitfield"
    with Session(demo_engine) as session:
        event = session.exec(select(AuditEvent).order_by(col(AuditEvent.id).desc())).first()
    assert event is not None
    assert (event.action, event.patient_id, event.entity, event.entity_id) == (
        AuditAction.VIEW,
        chart.patient_id,
        "encounter",
        str(encounter_id),
    )


def test_the_chart_reloaded_after_opening_shows_the_visit_rooming(demo_engine: Engine) -> None:
    encounter_id = todays_encounter_id(demo_engine, "Whitfield")
    before = view_visit(demo_engine, encounter_id, staff_id=None, now=CLINIC_NOW)
    open_visit(demo_engine, encounter_id, staff_id=None, now=CLINIC_NOW)
    after = load_visit_chart(demo_engine, encounter_id)
    assert before.encounter.status is not EncounterStatus.ROOMING
    assert after.encounter.status is EncounterStatus.ROOMING
    # What the screen does instead of reading the whole chart again: the same chart.
    assert with_encounter_now(demo_engine, before) == after


def test_a_visit_that_is_not_there_is_not_found(demo_engine: Engine) -> None:
    with pytest.raises(NotFound):
        open_visit(demo_engine, 999_999, staff_id=None, now=CLINIC_NOW)


# ---------------------------------------------------- a signed visit


def _signed_with_a_bp(engine: Engine) -> tuple[int, Chart]:
    """Dana's visit signed with a BP, a weight (so a BMI) and a pulse not obtained."""
    encounter_id, draft = _open(engine, "Whitfield")
    draft.checkin.identity_confirmed_at = CLINIC_NOW
    draft.complaint.chief_complaint = "cough"
    form = VitalsForm(values={"bp": "128/82", "weight": "171", "height": "65"})
    form.not_obtained["pulse"] = "patient declined"
    entries, errors = build_vitals(form, ClinicUnits(), 58 * 365, CLINIC_NOW)
    assert errors == {}
    draft.vitals.entries = entries
    sign_visit(engine, draft, staff_id=None, now=CLINIC_NOW)
    return encounter_id, load_visit_chart(engine, encounter_id)


def test_a_signed_visits_values_are_listed_bp_as_one_line_bmi_left_out(
    demo_engine: Engine,
) -> None:
    encounter_id, _ = _signed_with_a_bp(demo_engine)
    listed = signed_vitals(demo_engine, encounter_id)
    assert [(v.code, v.shown, v.entered_in_error) for v in listed] == [
        (SYSTOLIC_BP, "128/82 mmHg", False),
        (HEART_RATE, "not obtained: patient declined", False),
        (BODY_HEIGHT, "65 in (165.1 cm)", False),
        (BODY_WEIGHT, "171 lb (77.6 kg)", False),
    ]


def test_a_bp_is_corrected_as_a_pair_in_one_transaction(demo_engine: Engine) -> None:
    encounter_id, chart = _signed_with_a_bp(demo_engine)
    (bp,) = [v for v in signed_vitals(demo_engine, encounter_id) if v.code == SYSTOLIC_BP]
    later = CLINIC_NOW + timedelta(minutes=30)
    correct_vital(demo_engine, chart, bp.observation_id, "126/80", staff_id=None, now=later)
    listed = signed_vitals(demo_engine, encounter_id)
    assert [(v.shown, v.entered_in_error) for v in listed if v.code == SYSTOLIC_BP] == [
        ("128/82 mmHg", True),
        ("126/80 mmHg", False),
    ]
    with Session(demo_engine) as session:
        corrections = session.exec(
            select(AuditEvent).where(AuditEvent.action == AuditAction.CORRECT)
        ).all()
        diastolic = session.exec(
            select(Observation).where(
                Observation.encounter_id == encounter_id, Observation.code == DIASTOLIC_BP
            )
        ).all()
    assert len(corrections) == 2  # systolic and diastolic, each with its event
    assert [(o.value, o.status) for o in diastolic] == [
        (82, ObservationStatus.ENTERED_IN_ERROR),
        (80, ObservationStatus.FINAL),
    ]
    with pytest.raises(AlreadyCorrected):
        correct_vital(demo_engine, chart, bp.observation_id, "120/80", staff_id=None, now=later)


def test_a_correction_that_needs_a_confirm_writes_nothing_until_confirmed(
    demo_engine: Engine,
) -> None:
    encounter_id, chart = _signed_with_a_bp(demo_engine)
    (weight,) = [v for v in signed_vitals(demo_engine, encounter_id) if v.code == BODY_WEIGHT]
    with pytest.raises(NeedsConfirm) as held:
        correct_vital(
            demo_engine, chart, weight.observation_id, "117", staff_id=None, now=CLINIC_NOW
        )
    assert held.value.check.possible
    with pytest.raises(ParseError):
        correct_vital(
            demo_engine, chart, weight.observation_id, "heavy", staff_id=None, now=CLINIC_NOW
        )
    assert signed_vitals(demo_engine, encounter_id)[-1].shown == "171 lb (77.6 kg)"
    correct_vital(
        demo_engine,
        chart,
        weight.observation_id,
        "117",
        staff_id=None,
        now=CLINIC_NOW,
        confirmed="117",
    )
    assert signed_vitals(demo_engine, encounter_id)[-1].shown == "117 lb (53.1 kg)"


def test_correcting_the_weight_or_height_computes_the_bmi_again(demo_engine: Engine) -> None:
    """Found trying it: the weight corrected from 171 to 170 lb, the visit's BMI (and
    its FHIR export) still said 28.5, from the wrong weight."""
    encounter_id, chart = _signed_with_a_bp(demo_engine)
    (weight,) = [v for v in signed_vitals(demo_engine, encounter_id) if v.code == BODY_WEIGHT]
    later = CLINIC_NOW + timedelta(minutes=30)

    def bmis() -> list[tuple[float | None, ObservationStatus]]:
        with Session(demo_engine) as session:
            rows = session.exec(
                select(Observation)
                .where(Observation.encounter_id == encounter_id, Observation.code == BMI)
                .order_by(col(Observation.id))
            ).all()
            return [(row.value, row.status) for row in rows]

    assert bmis() == [(28.5, ObservationStatus.FINAL)]
    correct_vital(demo_engine, chart, weight.observation_id, "150", staff_id=None, now=later)
    assert bmis() == [(28.5, ObservationStatus.ENTERED_IN_ERROR), (25.0, ObservationStatus.FINAL)]
    (height,) = [v for v in signed_vitals(demo_engine, encounter_id) if v.code == BODY_HEIGHT]
    correct_vital(
        demo_engine, chart, height.observation_id, "70", staff_id=None, now=later, confirmed="70"
    )
    assert [value for value, status in bmis() if status is ObservationStatus.FINAL] == [21.5]
    with Session(demo_engine) as session:
        corrected = session.exec(
            select(AuditEvent).where(
                AuditEvent.action == AuditAction.CORRECT, AuditEvent.entity == "observation"
            )
        ).all()
    assert len(corrected) == 4  # the weight, its BMI, the height, its BMI
