"""Vital-sign codes and units: LOINC codes with their UCUM units.

Source: HL7 FHIR R4 vital-signs profile and US Core (LOINC codes, UCUM units),
as gathered in the project's reference notes on vital signs.
"""

from __future__ import annotations

from dataclasses import dataclass

VITAL_SIGNS_PANEL = "85353-1"
BP_PANEL = "85354-9"
SYSTOLIC_BP = "8480-6"
DIASTOLIC_BP = "8462-4"
HEART_RATE = "8867-4"
RESPIRATORY_RATE = "9279-1"
BODY_TEMPERATURE = "8310-5"
TEMPERATURE_SITE = "8327-9"
SPO2 = "59408-5"  # oxygen saturation by pulse oximetry
O2_FLOW = "3151-8"
O2_CONCENTRATION = "3150-0"
BODY_HEIGHT = "8302-2"
BODY_WEIGHT = "29463-7"
BMI = "39156-5"
HEAD_CIRCUMFERENCE = "9843-4"
PAIN_SEVERITY = "72514-3"
CHIEF_COMPLAINT = "10154-3"
HPI = "10164-2"
TOBACCO_STATUS = "72166-2"


@dataclass(frozen=True, slots=True)
class VitalSign:
    code: str
    name: str
    short: str  # column label on an 80-column screen
    canonical_unit: str  # UCUM unit the canonical value is kept in


VITAL_SIGNS: tuple[VitalSign, ...] = (
    VitalSign(SYSTOLIC_BP, "Systolic blood pressure", "SBP", "mm[Hg]"),
    VitalSign(DIASTOLIC_BP, "Diastolic blood pressure", "DBP", "mm[Hg]"),
    VitalSign(HEART_RATE, "Heart rate", "HR", "/min"),
    VitalSign(RESPIRATORY_RATE, "Respiratory rate", "RR", "/min"),
    VitalSign(BODY_TEMPERATURE, "Body temperature", "Temp", "Cel"),
    VitalSign(SPO2, "Oxygen saturation (pulse oximetry)", "SpO2", "%"),
    VitalSign(O2_FLOW, "Inhaled oxygen flow rate", "O2", "L/min"),
    VitalSign(BODY_HEIGHT, "Body height", "Ht", "cm"),
    VitalSign(BODY_WEIGHT, "Body weight", "Wt", "kg"),
    VitalSign(BMI, "Body mass index", "BMI", "kg/m2"),
    VitalSign(HEAD_CIRCUMFERENCE, "Head circumference", "HC", "cm"),
    VitalSign(PAIN_SEVERITY, "Pain severity 0-10 (reported)", "Pain", "{score}"),
)

BY_CODE: dict[str, VitalSign] = {v.code: v for v in VITAL_SIGNS}
