"""The vocabulary both FHIR directions share: code systems, identifiers and mappings.

The ``to_fhir`` and ``from_fhir`` of each resource module (``ma_tui.fhir.resources``)
use these same tables, so a value written out is read back as the same value. Codes come
from HL7 FHIR R4 and its terminology (terminology.hl7.org), US Core, LOINC
(vital signs as in ``ma_tui.data.catalogs.vitals``) and SNOMED CT (tobacco status,
no known allergy).
"""

from __future__ import annotations

import uuid
from typing import Any

from ma_tui.data.models.history import (
    AllergyCategory,
    AllergySeverity,
    ConditionStatus,
    MedicationStatus,
    SocialCategory,
)
from ma_tui.data.models.visits import EncounterStatus

# ------------------------------------------------------------------ systems

LOINC = "http://loinc.org"
SNOMED = "http://snomed.info/sct"
UCUM = "http://unitsofmeasure.org"
ICD10CM = "http://hl7.org/fhir/sid/icd-10-cm"
V2_IDENTIFIER_TYPE = "http://terminology.hl7.org/CodeSystem/v2-0203"
V3_ACT_CODE = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
V3_ROLE_CODE = "http://terminology.hl7.org/CodeSystem/v3-RoleCode"
V3_PARTICIPATION_TYPE = "http://terminology.hl7.org/CodeSystem/v3-ParticipationType"
V3_INTERPRETATION = "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation"
OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
DATA_ABSENT_REASON = "http://terminology.hl7.org/CodeSystem/data-absent-reason"
ALLERGY_CLINICAL = "http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical"
ALLERGY_VERIFICATION = "http://terminology.hl7.org/CodeSystem/allergyintolerance-verification"
CONDITION_CLINICAL = "http://terminology.hl7.org/CodeSystem/condition-clinical"
CONDITION_VERIFICATION = "http://terminology.hl7.org/CodeSystem/condition-ver-status"
CONDITION_CATEGORY = "http://terminology.hl7.org/CodeSystem/condition-category"
COVERAGE_CLASS = "http://terminology.hl7.org/CodeSystem/coverage-class"
SUBSCRIBER_RELATIONSHIP = "http://terminology.hl7.org/CodeSystem/subscriber-relationship"
BCP47 = "urn:ietf:bcp:47"

# Extensions from the FHIR R4 core extension registry.
BODY_POSITION_EXTENSION = "http://hl7.org/fhir/StructureDefinition/observation-bodyPosition"
INTERPRETER_EXTENSION = "http://hl7.org/fhir/StructureDefinition/patient-interpreterRequired"
DATA_ABSENT_EXTENSION = "http://hl7.org/fhir/StructureDefinition/data-absent-reason"

# Identifier systems of the rows ma-tui itself makes: ``urn:ma-tui:encounter`` + id.
DEFAULT_MRN_SYSTEM = "urn:ma-tui:mrn"
LOCAL_SYSTEM_PREFIX = "urn:ma-tui:"

ENTERED_IN_ERROR = "entered-in-error"  # a status and a verification status, both ways
REFUTED = "refuted"  # verification status: not an allergy, not a condition after all
GROUP_CLASS = "group"  # coverage-class: the group number
PLAN_CLASS = "plan"  # coverage-class: the plan
MRN_TYPE_CODE = "MR"  # v2-0203: medical record number
MEMBER_TYPE_CODE = "MB"  # v2-0203: member number (insurance)
GUARDIAN_CODE = "GUARD"  # v3-RoleCode: guardian, in Patient.contact.relationship
NO_KNOWN_ALLERGY = "716186003"  # SNOMED CT: No known allergy (situation)
HPI_DISPLAY = "History of Present illness Narrative"

# --------------------------------------------------------------- mappings

ENCOUNTER_STATUS: dict[EncounterStatus, str] = {
    EncounterStatus.SCHEDULED: "planned",
    EncounterStatus.ARRIVED: "arrived",
    EncounterStatus.ROOMING: "triaged",
    EncounterStatus.READY_FOR_PROVIDER: "triaged",
    EncounterStatus.WITH_PROVIDER: "in-progress",
    EncounterStatus.CHECKED_OUT: "finished",
    EncounterStatus.CANCELLED: "cancelled",
    EncounterStatus.NO_SHOW: "cancelled",
}

# Appointment.status written for a visit, and what an imported one becomes.
# None: not a visit to put on the schedule (the importer skips it, saying why).
APPOINTMENT_STATUS_OUT: dict[EncounterStatus, str] = {
    EncounterStatus.SCHEDULED: "booked",
    EncounterStatus.ARRIVED: "arrived",
    EncounterStatus.ROOMING: "checked-in",
    EncounterStatus.READY_FOR_PROVIDER: "checked-in",
    EncounterStatus.WITH_PROVIDER: "checked-in",
    EncounterStatus.CHECKED_OUT: "fulfilled",
    EncounterStatus.CANCELLED: "cancelled",
    EncounterStatus.NO_SHOW: "noshow",
}
APPOINTMENT_STATUS_IN: dict[str, EncounterStatus | None] = {
    "proposed": EncounterStatus.SCHEDULED,
    "pending": EncounterStatus.SCHEDULED,
    "booked": EncounterStatus.SCHEDULED,
    "arrived": EncounterStatus.ARRIVED,
    "checked-in": EncounterStatus.ARRIVED,
    "cancelled": EncounterStatus.CANCELLED,
    "noshow": EncounterStatus.NO_SHOW,
    "fulfilled": None,
    "entered-in-error": None,
    "waitlist": None,
}

MEDICATION_STATUS_OUT: dict[MedicationStatus, str] = {
    MedicationStatus.TAKING: "active",
    MedicationStatus.NOT_TAKING: "not-taken",
    MedicationStatus.STOPPED: "stopped",
}
# MedicationStatement.status read in; "entered-in-error" marks the matching entry.
MEDICATION_STATUS_IN: dict[str, MedicationStatus] = {
    "active": MedicationStatus.TAKING,
    "intended": MedicationStatus.TAKING,
    "on-hold": MedicationStatus.NOT_TAKING,
    "not-taken": MedicationStatus.NOT_TAKING,
    "completed": MedicationStatus.STOPPED,
    "stopped": MedicationStatus.STOPPED,
    "unknown": MedicationStatus.TAKING,
}

CONDITION_STATUS_OUT: dict[ConditionStatus, str] = {
    ConditionStatus.ACTIVE: "active",
    ConditionStatus.RESOLVED: "resolved",
}
CONDITION_STATUS_IN: dict[str, ConditionStatus] = {
    "active": ConditionStatus.ACTIVE,
    "recurrence": ConditionStatus.ACTIVE,
    "relapse": ConditionStatus.ACTIVE,
    "inactive": ConditionStatus.RESOLVED,
    "remission": ConditionStatus.RESOLVED,
    "resolved": ConditionStatus.RESOLVED,
}

ALLERGY_CATEGORIES: dict[str, AllergyCategory] = {c.value: c for c in AllergyCategory}
ALLERGY_SEVERITIES: dict[str, AllergySeverity] = {s.value: s for s in AllergySeverity}
ALLERGY_CLINICAL_IN: dict[str, bool] = {"active": True, "inactive": False, "resolved": False}

# Subscriber relationship codes; a relationship typed otherwise is "other" with its text.
SUBSCRIBER_RELATIONSHIPS = frozenset(
    {"child", "parent", "spouse", "common", "other", "self", "injured"}
)

# Not-obtained reasons of the vitals screen (``ma_tui.vitals.entry``) as
# data-absent-reason codes; the reason's own words go in the text beside the code.
DATA_ABSENT_CODES: dict[str, str] = {
    "patient declined": "asked-declined",
    "patient uncooperative": "not-performed",
    "patient unable": "not-performed",
    "equipment unavailable": "not-performed",
    "not indicated": "not-applicable",
    "provider request": "not-performed",
    "unable to rate": "asked-unknown",
}

# Family relations of the history catalog (data/catalogs/relations.json) as v3-RoleCode.
FAMILY_RELATION_CODES: dict[str, str] = {
    "mother": "MTH",
    "father": "FTH",
    "sister": "SIS",
    "brother": "BRO",
    "half-sister": "HSIS",
    "half-brother": "HBRO",
    "twin": "TWIN",
    "daughter": "DAU",
    "son": "SON",
    "maternal grandmother": "MGRMTH",
    "maternal grandfather": "MGRFTH",
    "paternal grandmother": "PGRMTH",
    "paternal grandfather": "PGRFTH",
    "maternal aunt": "MAUNT",
    "maternal uncle": "MUNCLE",
    "paternal aunt": "PAUNT",
    "paternal uncle": "PUNCLE",
    "maternal cousin": "MCOUSN",
    "paternal cousin": "PCOUSN",
    "granddaughter": "GRNDDAU",
    "grandson": "GRNDSON",
    "niece": "NIECE",
    "nephew": "NEPHEW",
}
FAMILY_MEMBER_CODE = "FAMMEMB"  # any other relation: "family member", with its text

# Social-history categories with a LOINC code; the others are sent with text only.
TOBACCO_STATUS = "72166-2"
SOCIAL_CODES: dict[SocialCategory, tuple[str, str]] = {
    SocialCategory.TOBACCO: (TOBACCO_STATUS, "Tobacco smoking status"),
    SocialCategory.ALCOHOL: ("11331-6", "History of Alcohol use"),
    SocialCategory.DRUGS: ("11343-1", "History of Other nonmedical drug use"),
    SocialCategory.OCCUPATION: ("11341-5", "History of Occupation"),
}
SOCIAL_LABELS: dict[SocialCategory, str] = {
    SocialCategory.TOBACCO: "Tobacco smoking status",
    SocialCategory.SECONDHAND_SMOKE: "Secondhand smoke exposure",
    SocialCategory.ALCOHOL: "Alcohol use",
    SocialCategory.DRUGS: "Drug use",
    SocialCategory.LIVING_SITUATION: "Living situation",
    SocialCategory.OCCUPATION: "Occupation",
    SocialCategory.EXERCISE: "Exercise",
    SocialCategory.OTHER: "Social history",
}

# Preferred languages as typed on check-in, with their BCP-47 tags.
LANGUAGE_TAGS: dict[str, str] = {
    "english": "en",
    "spanish": "es",
    "chinese": "zh",
    "mandarin": "zh",
    "cantonese": "yue",
    "vietnamese": "vi",
    "tagalog": "tl",
    "arabic": "ar",
    "french": "fr",
    "korean": "ko",
    "russian": "ru",
    "portuguese": "pt",
    "haitian creole": "ht",
    "german": "de",
    "hindi": "hi",
    "japanese": "ja",
    "polish": "pl",
    "somali": "so",
    "amharic": "am",
    "persian": "fa",
    "farsi": "fa",
    "urdu": "ur",
    "bengali": "bn",
    "punjabi": "pa",
    "american sign language": "ase",
}

# ------------------------------------------------------------ identifiers


def local_system(kind: str) -> str:
    """The identifier system of ma-tui's own rows of a kind: ``urn:ma-tui:encounter``."""
    return f"{LOCAL_SYSTEM_PREFIX}{kind}"


def resource_uuid(clinic_id: uuid.UUID, resource_type: str, local_id: int | str) -> str:
    """A resource's id: the same row of the same clinic always gets the same UUID."""
    return str(uuid.uuid5(clinic_id, f"{resource_type}/{local_id}"))


def source_id_of(resource: dict[str, Any]) -> str | None:
    """What an imported row remembers of its resource: its first identifier as
    ``system|value`` (or the value alone), else ``Type/id``; None with neither."""
    for identifier in resource.get("identifier") or ():
        if isinstance(identifier, dict) and isinstance(identifier.get("value"), str):
            value = identifier["value"].strip()
            if value:
                system = identifier.get("system")
                return f"{system}|{value}" if isinstance(system, str) and system else value
    resource_id = resource.get("id")
    if isinstance(resource_id, str) and resource_id:
        return f"{resource.get('resourceType')}/{resource_id}"
    return None


def identifier_from_source(source_id: str) -> dict[str, str]:
    """The identifier an imported row is exported with, as it came in."""
    system, bar, value = source_id.partition("|")
    return {"system": system, "value": value} if bar else {"value": source_id}


def coding(system: str, code: str, display: str | None = None) -> dict[str, str]:
    out = {"system": system, "code": code}
    if display:
        out["display"] = display
    return out


def concept(
    system: str | None = None,
    code: str | None = None,
    display: str | None = None,
    *,
    text: str | None = None,
) -> dict[str, Any]:
    """A CodeableConcept: one coding when a code is given, and the text when given."""
    out: dict[str, Any] = {}
    if system and code:
        out["coding"] = [coding(system, code, display)]
    if text:
        out["text"] = text
    return out


def concept_text(value: Any) -> str | None:
    """The words of an imported CodeableConcept: its text, else its first coding's
    display, else that coding's code. None when it has none of them."""
    if not isinstance(value, dict):
        return None
    text = value.get("text")
    if isinstance(text, str) and text.strip():
        return text.strip()
    for item in value.get("coding") or ():
        if not isinstance(item, dict):
            continue
        for key in ("display", "code"):
            word = item.get(key)
            if isinstance(word, str) and word.strip():
                return word.strip()
    return None


def concept_code(value: Any, system: str) -> str | None:
    """The code of a CodeableConcept in one system, or None."""
    if not isinstance(value, dict):
        return None
    for item in value.get("coding") or ():
        if isinstance(item, dict) and item.get("system") == system:
            code = item.get("code")
            if isinstance(code, str) and code.strip():
                return code.strip()
    return None
