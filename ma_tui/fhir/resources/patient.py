"""Patient (US Core): a chart's demographics, MRN, guardian and language, both ways.

Out, the MRN is the identifier of the clinic's MRN system, typed MR. In, a patient
is found by that MRN (the clinic's system first, else any identifier typed MR) and
updated, never duplicated; a phone that is a US number is stored as ma-tui writes
one, and a language code becomes its name ("es": Spanish).
"""

from __future__ import annotations

import contextlib
from typing import Any

from sqlmodel import select

from ma_tui.core.parsing import ParseError, normalize_phone
from ma_tui.data.models.patients import Patient, Sex
from ma_tui.fhir import codes
from ma_tui.fhir.resources.incoming import ImportWork, Result, mrn_value, upsert
from ma_tui.fhir.resources.outgoing import ExportRun
from ma_tui.fhir.resources.values import (
    UNLIMITED,
    Rejected,
    boolean,
    clean,
    code_pairs,
    column_text,
    full_date,
    has_code,
    obj,
    objs,
    required,
    shortened,
    shown,
    string,
)
from ma_tui.patients.registration import clean_text, column_limit

JSON = dict[str, Any]

# A language code back to the name ma-tui shows ("es" -> "Spanish"): the first name of
# ``codes.LANGUAGE_TAGS`` with that tag ("zh" is Chinese, not Mandarin).
_LANGUAGE_NAMES: dict[str, str] = {}
for _name, _tag in codes.LANGUAGE_TAGS.items():
    _LANGUAGE_NAMES.setdefault(_tag, _name.capitalize())


# ----------------------------------------------------------------- to FHIR


def reference(run: ExportRun, patient: Patient) -> JSON:
    """How every other resource of the patient names it (its subject)."""
    return run.ref("Patient", patient.id, f"{patient.given_name} {patient.family_name}")


def to_fhir(run: ExportRun, patient: Patient) -> JSON:
    mrn_type = codes.concept(codes.V2_IDENTIFIER_TYPE, codes.MRN_TYPE_CODE, "Medical record number")
    return {
        "resourceType": "Patient",
        "id": run.id("Patient", patient.id),
        "extension": [
            {"url": codes.INTERPRETER_EXTENSION, "valueBoolean": patient.interpreter_needed}
        ],
        "identifier": [
            {
                "use": "usual",
                "type": mrn_type,
                "system": run.context.mrn_system,
                "value": patient.mrn,
            }
        ],
        "active": patient.active,
        "name": [
            {
                "use": "official",
                "family": patient.family_name,
                "given": [patient.given_name, patient.middle_name],
            }
        ],
        "telecom": [
            {"system": "phone", "value": patient.phone} if patient.phone else None,
            {"system": "email", "value": patient.email} if patient.email else None,
        ],
        "gender": patient.sex.value,
        "birthDate": patient.birth_date.isoformat(),
        "address": [
            {
                "line": [patient.address_line],
                "city": patient.city,
                "state": patient.state,
                "postalCode": patient.postal_code,
            }
        ],
        "communication": [_communication(patient.preferred_language)],
        "contact": [_guardian_contact(patient)],
    }


def _communication(language: str | None) -> JSON | None:
    if not language:
        return None
    tag = codes.LANGUAGE_TAGS.get(language.strip().casefold())
    coding = [codes.coding(codes.BCP47, tag)] if tag else None
    return {"language": {"coding": coding, "text": language}, "preferred": True}


def _guardian_contact(patient: Patient) -> JSON | None:
    if not (patient.guardian_name or patient.guardian_relationship or patient.guardian_phone):
        return None
    guardian = codes.coding(codes.V3_ROLE_CODE, codes.GUARDIAN_CODE, "guardian")
    return {
        "relationship": [{"coding": [guardian], "text": patient.guardian_relationship}],
        "name": {"text": patient.guardian_name},
        "telecom": [{"system": "phone", "value": patient.guardian_phone}]
        if patient.guardian_phone
        else None,
    }


# --------------------------------------------------------------- from FHIR


def from_fhir(work: ImportWork, resource: JSON) -> Result:
    mrn = _patient_mrn(resource, work.context.mrn_system)
    values = _patient_values(resource)
    existing = work.session.exec(select(Patient).where(Patient.mrn == mrn)).first()
    created = {"mrn": mrn, "created_at": work.context.now, "updated_at": work.context.now}
    action, _ = upsert(
        work,
        Patient,
        existing,
        values,
        created=created,
        touched={"updated_at": work.context.now},
    )
    label = f"Patient MRN {mrn} {values['family_name']}, {values['given_name']}"
    return Result(action, label=shortened(label, 120), mrn=mrn)


def _patient_mrn(resource: JSON, mrn_system: str) -> str:
    """The MRN: an identifier of the clinic's MRN system first, else one typed MR."""
    identifiers = objs(resource.get("identifier"))
    in_system = [i for i in identifiers if i.get("system") == mrn_system]
    for identifier in [*in_system, *identifiers]:
        value = mrn_value(identifier, mrn_system)
        if value and value.strip():
            return _checked_mrn(value)
    raise Rejected(
        f"no MRN identifier (type {codes.MRN_TYPE_CODE} or system {shortened(mrn_system, 60)})"
    )


def _checked_mrn(value: str) -> str:
    mrn = value.strip()
    if clean_text(mrn, limit=UNLIMITED) != mrn:
        raise Rejected(f"MRN {shown(value)} has control characters or line breaks")
    limit = column_limit(Patient, "mrn")
    if len(mrn) > limit:
        raise Rejected(f"MRN is {len(mrn)} characters long; ma-tui keeps at most {limit}")
    return mrn


def _patient_values(resource: JSON) -> dict[str, Any]:
    family, given, middle = _patient_name(resource.get("name"))
    birth_date = full_date(resource.get("birthDate"), "birthDate")
    phone, email = _telecom(resource.get("telecom"))
    address = (objs(resource.get("address")) or [{}])[0]
    lines = address.get("line")
    guardian = _guardian_of(resource.get("contact"))
    return {
        "family_name": family,
        "given_name": given,
        "middle_name": middle,
        "birth_date": required(birth_date, "no birthDate"),
        "sex": _sex(resource.get("gender")),
        "phone": column_text(phone, Patient, "phone", "telecom (phone)"),
        "email": column_text(email, Patient, "email", "telecom (email)"),
        "address_line": column_text(
            lines[0] if isinstance(lines, list) and lines else None,
            Patient,
            "address_line",
            "address.line",
        ),
        "city": column_text(address.get("city"), Patient, "city", "address.city"),
        "state": column_text(address.get("state"), Patient, "state", "address.state"),
        "postal_code": column_text(
            address.get("postalCode"), Patient, "postal_code", "address.postalCode"
        ),
        "preferred_language": column_text(
            _language(resource.get("communication")),
            Patient,
            "preferred_language",
            "communication.language",
        ),
        "interpreter_needed": _interpreter_needed(resource.get("extension")),
        "guardian_name": column_text(guardian[0], Patient, "guardian_name", "contact.name"),
        "guardian_relationship": column_text(
            guardian[1], Patient, "guardian_relationship", "contact.relationship"
        ),
        "guardian_phone": column_text(guardian[2], Patient, "guardian_phone", "contact.telecom"),
        "active": boolean(resource.get("active"), "active", default=None),
    }


def _patient_name(value: Any) -> tuple[str, str, str | None]:
    """Family, given and middle names of the official name, else the usual, else the first."""
    names = objs(value)
    chosen = next(
        (name for use in ("official", "usual") for name in names if name.get("use") == use),
        names[0] if names else {},
    )
    cleaned = (clean(given) for given in chosen.get("given") or ())
    given_names = [given for given in cleaned if given]
    family = column_text(chosen.get("family"), Patient, "family_name", "name.family")
    if family is None or not given_names:
        raise Rejected("no family and given name")
    given = column_text(given_names[0], Patient, "given_name", "name.given")
    middle = column_text(" ".join(given_names[1:]), Patient, "middle_name", "name.given")
    return family, required(given, "no family and given name"), middle


def _sex(value: Any) -> Sex:
    if value is None:
        return Sex.UNKNOWN
    try:
        return Sex(value)
    except ValueError:
        raise Rejected(f"unknown gender {shown(value)}") from None


def _telecom(value: Any) -> tuple[str | None, str | None]:
    """The first phone (as ma-tui writes US numbers, when it is one) and the first email."""
    points = objs(value)
    phone = next((clean(p.get("value")) for p in points if p.get("system") == "phone"), None)
    email = next((clean(p.get("value")) for p in points if p.get("system") == "email"), None)
    if phone is not None:
        with contextlib.suppress(ParseError):  # not a US number: kept as sent
            phone = normalize_phone(phone)
    return phone, email


def _language(value: Any) -> str | None:
    """The preferred language's words, else its name from its code, else the code."""
    spoken = objs(value)
    preferred = next((c for c in spoken if c.get("preferred") is True), None)
    chosen = preferred or (spoken[0] if spoken else None)
    if chosen is None:
        return None
    concept = obj(chosen.get("language")) or {}
    text = clean(concept.get("text"))
    if text:
        return text
    pairs = code_pairs(concept)
    if not pairs:
        return None
    code = pairs[0][1]
    tag = code.casefold()  # "es", or "es-MX": Spanish all the same
    return _LANGUAGE_NAMES.get(tag) or _LANGUAGE_NAMES.get(tag.split("-")[0]) or code


def _interpreter_needed(value: Any) -> bool | None:
    """The interpreter extension's answer; None when the resource does not say."""
    for extension in objs(value):
        if extension.get("url") == codes.INTERPRETER_EXTENSION:
            return boolean(extension.get("valueBoolean"), "interpreterRequired", default=None)
    return None


def _guardian_of(value: Any) -> tuple[str | None, str | None, str | None]:
    """Name, relationship and phone of the first contact that is a guardian."""
    for contact in objs(value):
        relationships = objs(contact.get("relationship"))
        if not any(has_code(r, codes.GUARDIAN_CODE, codes.V3_ROLE_CODE) for r in relationships):
            continue
        name = obj(contact.get("name")) or {}
        words = clean(name.get("text"))
        if words is None:
            parts = [g for g in name.get("given") or () if isinstance(g, str)]
            words = clean(" ".join([*parts, string(name.get("family")) or ""]))
        relationship = next((clean(r.get("text")) for r in relationships if r.get("text")), None)
        phone, _ = _telecom(contact.get("telecom"))
        return words, relationship, phone
    return None, None, None
