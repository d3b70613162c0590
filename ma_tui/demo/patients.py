"""The demo's patients as the front desk registered them, and their insurance."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from ma_tui.core.audit import AuditAction
from ma_tui.data.models.patients import Coverage, Patient
from ma_tui.demo.build import Build
from ma_tui.demo.shapes import Contact, Person
from ma_tui.demo.staff import FRONT_DESK
from ma_tui.growth import parse_gestational_age

# The towns of the demo, all in Wisconsin, and their ZIP codes.
TOWNS = {"Cedar Hollow": "53598", "Millbrook": "53597", "Fox Prairie": "53596"}


def add_patient(build: Build, person: Person, born: date, registered: datetime) -> int:
    """The patient's record as registered by the front desk (and its audit event); its id."""
    phone = f"555-555-01{person.phone:02d}"
    guardian_name, relationship = person.guardian or (None, None)
    patient_id = build.add(
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
            postal_code=TOWNS[person.town],
            preferred_language=person.language,
            interpreter_needed=person.interpreter,
            guardian_name=guardian_name,
            guardian_relationship=relationship,
            guardian_phone=phone if person.guardian else None,
            gestational_age_days=(
                parse_gestational_age(person.gestation).total_days if person.gestation else None
            ),
            created_at=registered,
            updated_at=registered,
        )
    )
    build.trail.note(
        registered,
        AuditAction.CREATE,
        build.staff[FRONT_DESK],
        patient_id,
        entity="patient",
        entity_id=patient_id,
    )
    return patient_id


def add_coverages(
    build: Build, patient_id: int, person: Person, born: date, verified: Contact
) -> None:
    """The patient's insurance in order of priority, last verified at ``verified``."""
    today = build.day.today
    for priority, cover in enumerate(person.cover, start=1):
        if cover.payer == "Medicare":
            effective = date(born.year + 65, born.month, 1)
        else:
            effective = max(date(today.year - 1, 1, 1), born)
        expiry = None if cover.expires_in is None else today + timedelta(days=cover.expires_in)
        build.session.add(
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
                last_verified_by_id=build.staff[verified.staff],
            )
        )
