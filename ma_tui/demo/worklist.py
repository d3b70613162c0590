"""The demo clinic's worklist for the day: refills, referrals, prior auths, follow-ups.

Each item is made and moved with the worklist's own rules (``ma_tui.worklist``), so
its history reads as if the staff had done it: a refill that meets the protocol, one
that does not (no A1c on file), one waiting for Dr. Chen; a referral 16 days out
with no appointment (the 14-day alert) and one whose consult note is late; physical
therapy approved with one unit left and ten days to run, an MRI pending with the
payer; two follow-ups to book.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from sqlmodel import Session, col, func, select

from ma_tui.data.models.patients import Patient
from ma_tui.data.models.visits import Encounter
from ma_tui.demo.build import Build
from ma_tui.worklist import items, prior_auth, referrals, refills
from ma_tui.worklist.followup import FollowUp, new_follow_up, parse_interval
from ma_tui.worklist.items import PatientRef, WorkItem
from ma_tui.worklist.prior_auth import PriorAuth, parse_service_code
from ma_tui.worklist.referrals import Referral, Urgency
from ma_tui.worklist.refills import RefillRequest
from ma_tui.worklist.store import load_actor, save_item


def add_worklist(build: Build) -> None:
    session, day = build.session, build.day
    mia, jorge = _actor(build, "mia"), _actor(build, "jorge")
    chen, brooks = _actor(build, "dr.chen"), _actor(build, "np.brooks")
    today = day.today

    def at(days_ago: int, hhmm: str) -> datetime:
        return day.local(today - timedelta(days=days_ago), hhmm)

    def who(mrn: str) -> PatientRef:
        patient = session.exec(select(Patient).where(Patient.mrn == mrn)).one()
        assert patient.id is not None
        return PatientRef(patient.id, f"{patient.given_name} {patient.family_name}")

    def refill(mrn: str, drug: str, pharmacy: str, filled: int, due: str) -> WorkItem[Any]:
        patient = who(mrn)
        request = RefillRequest(
            drug, pharmacy, today - timedelta(days=filled), _last_visit(session, patient, today)
        )
        return refills.new_refill(patient, request, due=at(0, due), at=at(0, "07:40"), by=mia)

    met = refill("1000127", "amlodipine 5 mg tablet", "Main Street Pharmacy", 86, "12:00")
    no_a1c = items.claim(
        refill("1000105", "metformin 500 mg tablet", "Riverside Drugs", 88, "08:30"),
        mia,
        at(0, "08:05"),
    )
    routed = refills.route(
        items.claim(
            refill("1000115", "omeprazole 20 mg capsule", "Main Street Pharmacy", 85, "11:00"),
            jorge,
            at(0, "07:50"),
        ),
        chen,
        refills.check_protocol(
            RefillRequest("omeprazole", "", None, today - timedelta(days=160)), today, {}
        ),
        jorge,
        at(0, "07:55"),
    )

    cardiology = Referral(
        "Dr. Amal Reyes, North Cardiology", "cardiology", "palpitations, abnormal ECG",
        Urgency.URGENT, today - timedelta(days=17),
    )  # fmt: skip
    no_appointment = referrals.record_sent(
        items.claim(
            referrals.new_referral(
                who("1000101"), cardiology, due=at(14, "17:00"), at=at(17, "10:00"), by=mia
            ),
            mia,
            at(17, "10:05"),
        ),
        ("referral letter", "last office note", "ECG"),
        today - timedelta(days=16),
        mia,
        at(16, "09:00"),
    )
    dermatology = Referral(
        "Lakeside Dermatology", "dermatology", "changing mole, left shoulder",
        Urgency.ROUTINE, today - timedelta(days=40),
    )  # fmt: skip
    sent = referrals.record_sent(
        items.claim(
            referrals.new_referral(
                who("1000113"), dermatology, due=at(10, "17:00"), at=at(40, "14:00"), by=jorge
            ),
            jorge,
            at(40, "14:05"),
        ),
        ("referral letter",),
        today - timedelta(days=39),
        jorge,
        at(39, "09:30"),
    )
    note_late = referrals.record_appointment(
        sent, today - timedelta(days=12), jorge, at(30, "11:00")
    )

    therapy = PriorAuth(
        "Blue Meadow Health", (parse_service_code("CPT 97110"),), member_id="BMH2208431"
    )
    pt = prior_auth.new_prior_auth(
        who("1000112"), therapy, due=at(0, "16:00"), at=at(45, "10:00"), by=mia
    )
    pt = prior_auth.submit(pt, today - timedelta(days=45), mia, at(45, "10:30"))
    pt = prior_auth.record_approval(
        pt,
        reference="BMH-PA-448120",
        units=12,
        start=today - timedelta(days=40),
        end=today + timedelta(days=10),
        decided_on=today - timedelta(days=41),
        by=mia,
        at=at(41, "15:00"),
    )
    for visit in range(11):
        used_on = 38 - 3 * visit
        pt = prior_auth.record_use(pt, today - timedelta(days=used_on), mia, at(used_on, "16:00"))
    mri = PriorAuth(
        "Harborview Employer PPO", (parse_service_code("CPT 72148"),), member_id="HVP6104482"
    )
    pending = prior_auth.new_prior_auth(
        who("1000110"), mri, due=at(0, "10:00"), at=at(3, "09:00"), by=jorge
    )
    pending = items.move(
        prior_auth.submit(pending, today - timedelta(days=3), jorge, at(3, "09:20")),
        items.Status.PENDING,
        jorge,
        at(2, "14:00"),
        "payer asked for the last two office notes; faxed",
    )

    three_months = FollowUp(
        "follow up in 3 months", parse_interval("3 months"), today - timedelta(days=1),
        chen.staff_id, chen.name, minutes=20, reason="diabetes check",
    )  # fmt: skip
    diabetes = new_follow_up(
        who("1000114"), three_months, due=at(0, "17:00"), at=at(1, "15:10"), by=chen
    )
    two_weeks = FollowUp(
        "recheck in 2 weeks", parse_interval("2 weeks"), today - timedelta(days=3),
        brooks.staff_id, brooks.name, minutes=15, reason="ear recheck",
    )  # fmt: skip
    ear = new_follow_up(who("1000119"), two_weeks, due=at(1, "17:00"), at=at(3, "11:40"), by=brooks)

    for item in (met, no_a1c, routed, no_appointment, note_late, pt, pending, diabetes, ear):
        save_item(session, item)


def _actor(build: Build, username: str) -> items.Actor:
    return load_actor(build.session, build.staff[username])


def _last_visit(session: Session, patient: PatientRef, today: date) -> date | None:
    """The patient's last visit before today, as the refill request's chart shows it."""
    last = session.exec(
        select(func.max(Encounter.scheduled_at)).where(
            Encounter.patient_id == patient.patient_id,
            col(Encounter.signed_at).is_not(None),
        )
    ).one()
    return last.date() if last is not None and last.date() < today else None
