"""Injections as FHIR R4: ``Immunization`` for vaccines, ``MedicationAdministration`` otherwise.

Both directions use the same tables, so a record written out reads back the same.

``Immunization``: ``vaccineCode`` with the CVX coding and, per US Core's us-core-5,
the NDC coding beside it; ``manufacturer`` as an MVX identifier; ``lotNumber`` and
``expirationDate``; ``site`` (v3 ActSite), ``route`` (v3 RouteOfAdministration),
``doseQuantity`` (UCUM); ``performer`` with function AP (administering) and OP
(ordering) from v2-0443; ``education`` with the VIS name, publication and
presentation dates; ``programEligibility`` (v2-0064, V01-V07) and
``fundingSource`` (public or private); ``status`` completed or not-done with a
v3 ActReason ``statusReason``.

``MedicationAdministration``: R4 has no lot there, so the lot and expiry go on a
contained ``Medication.batch``, which ``medicationReference`` points to.

Reading back never guesses: an NDC of ten digits without hyphens is kept as sent
(its segmentation is unknown), a partial date (``2019-05``) or an unknown code is
refused with :class:`FhirReadError` naming the field, and the caller (the importer)
skips that resource saying why. A resource is first validated against the R4B
models (``fhir.resources``), so the reading below can trust its shape.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from fhir.resources.R4B import get_fhir_model_class
from pydantic import ValidationError

from ma_tui.core.errors import InvalidInput
from ma_tui.data.catalogs.vaccines import ROUTES, SITES, Dose
from ma_tui.immunizations.administration import NOT_GIVEN_DISPLAY, NotGivenReason
from ma_tui.immunizations.inventory import (
    ELIGIBILITY_DISPLAY,
    VFC_ELIGIBLE,
    Eligibility,
    FundingSource,
)
from ma_tui.immunizations.record import InjectionRecord

JSON = dict[str, Any]

CVX = "http://hl7.org/fhir/sid/cvx"
NDC = "http://hl7.org/fhir/sid/ndc"
MVX = "http://hl7.org/fhir/sid/mvx"
UCUM = "http://unitsofmeasure.org"
V3_ACT_SITE = "http://terminology.hl7.org/CodeSystem/v3-ActSite"
V3_ROUTE = "http://terminology.hl7.org/CodeSystem/v3-RouteOfAdministration"
V3_ACT_REASON = "http://terminology.hl7.org/CodeSystem/v3-ActReason"
V2_PERFORMER_FUNCTION = "http://terminology.hl7.org/CodeSystem/v2-0443"
V2_FINANCIAL_CLASS = "http://terminology.hl7.org/CodeSystem/v2-0064"
FUNDING_SOURCE = "http://terminology.hl7.org/CodeSystem/immunization-funding-source"
CONTAINED_MEDICATION = "med"

PERFORMER_FUNCTION = {"AP": "Administering Provider", "OP": "Ordering Provider"}
FUNDING_CODE = {
    FundingSource.VFC: ("public", "Public"),
    FundingSource.OTHER: ("public", "Public"),
    FundingSource.PRIVATE: ("private", "Private"),
}
_V3_ROUTE_TO_KEY = {code: key for key, (code, _) in ROUTES.items()}
_NDC_11 = re.compile(r"[0-9]{5}-[0-9]{4}-[0-9]{2}")
_NDC_10 = re.compile(
    r"([0-9]{4})-([0-9]{4})-([0-9]{2})|([0-9]{5})-([0-9]{3})-([0-9]{2})|([0-9]{5})-([0-9]{4})-([0-9])"
)


class FhirReadError(InvalidInput, ValueError):
    """A resource that cannot be read as an injection; the message names the field."""


# ------------------------------------------------------------------ writing


def immunization_resource(
    record: InjectionRecord,
    *,
    resource_id: str,
    patient: JSON,
    encounter: JSON | None = None,
    administered_by: JSON | None = None,
    ordered_by: JSON | None = None,
    recorded: datetime | None = None,
) -> JSON:
    """The record as an R4 ``Immunization``; references are the caller's."""
    if not record.is_vaccine:
        raise ValueError("a medication is written as a MedicationAdministration")
    resource: JSON = {
        "resourceType": "Immunization",
        "id": resource_id,
        "status": record.status,
        "vaccineCode": _vaccine_code(record),
        "patient": patient,
        "occurrenceDateTime": record.occurred.isoformat(),
        "primarySource": record.primary_source,
    }
    if encounter is not None:
        resource["encounter"] = encounter
    if recorded is not None:
        resource["recorded"] = recorded.isoformat()
    if record.not_given_reason is not None:
        resource["statusReason"] = _reason(record.not_given_reason)
    manufacturer: JSON = {}
    if record.mvx:
        manufacturer["identifier"] = {"system": MVX, "value": record.mvx}
    if record.manufacturer:
        manufacturer["display"] = record.manufacturer
    if manufacturer:
        resource["manufacturer"] = manufacturer
    resource.update(_lot_fields(record))
    resource.update(_administration_fields(record))
    performers = [
        {
            "function": _concept(V2_PERFORMER_FUNCTION, code, PERFORMER_FUNCTION[code]),
            "actor": actor,
        }
        for code, actor in (("AP", administered_by), ("OP", ordered_by))
        if actor is not None
    ]
    if performers:
        resource["performer"] = performers
    if record.vis_name and (record.vis_edition or record.vis_presented):
        education: JSON = {"documentType": record.vis_name}
        if record.vis_edition:
            education["publicationDate"] = record.vis_edition.isoformat()
        if record.vis_presented:
            education["presentationDate"] = record.vis_presented.isoformat()
        resource["education"] = [education]
    if record.eligibility is not None:
        code = record.eligibility
        resource["programEligibility"] = [
            _concept(V2_FINANCIAL_CLASS, code.value, ELIGIBILITY_DISPLAY[code])
        ]
    if record.funding is not None:
        resource["fundingSource"] = _concept(FUNDING_SOURCE, *FUNDING_CODE[record.funding])
    if record.note:
        resource["note"] = [{"text": record.note}]
    return resource


def medication_administration_resource(
    record: InjectionRecord,
    *,
    resource_id: str,
    patient: JSON,
    encounter: JSON | None = None,
    administered_by: JSON | None = None,
    request: JSON | None = None,
) -> JSON:
    """The record as an R4 ``MedicationAdministration`` with a contained ``Medication``."""
    medication: JSON = {
        "resourceType": "Medication",
        "id": CONTAINED_MEDICATION,
        "code": _medication_code(record),
    }
    batch = {
        key: value
        for key, value in (
            ("lotNumber", record.lot),
            ("expirationDate", record.expires.isoformat() if record.expires else None),
        )
        if value
    }
    if batch:
        medication["batch"] = batch
    resource: JSON = {
        "resourceType": "MedicationAdministration",
        "id": resource_id,
        "status": record.status,
        "contained": [medication],
        "medicationReference": {"reference": f"#{CONTAINED_MEDICATION}", "display": record.name},
        "subject": patient,
        "effectiveDateTime": record.occurred.isoformat(),
    }
    if record.not_given_reason is not None:
        resource["statusReason"] = [_reason(record.not_given_reason)]
    if encounter is not None:
        resource["context"] = encounter
    if administered_by is not None:
        resource["performer"] = [{"actor": administered_by}]
    if request is not None:
        resource["request"] = request
    dosage = _administration_fields(record)
    if dosage:
        resource["dosage"] = {
            "site": dosage.get("site"),
            "route": dosage.get("route"),
            "dose": dosage.get("doseQuantity"),
        }
        resource["dosage"] = {k: v for k, v in resource["dosage"].items() if v is not None}
    if record.note:
        resource["note"] = [{"text": record.note}]
    return resource


def _concept(system: str, code: str, display: str) -> JSON:
    return {"coding": [{"system": system, "code": code, "display": display}]}


def _reason(reason: NotGivenReason) -> JSON:
    return _concept(V3_ACT_REASON, reason.value, NOT_GIVEN_DISPLAY[reason])


def _vaccine_code(record: InjectionRecord) -> JSON:
    coding = []
    if record.cvx:
        coding.append(
            {
                "system": CVX,
                "code": record.cvx,
                **({"display": record.cvx_display} if record.cvx_display else {}),
            }
        )
    if record.ndc:
        coding.append({"system": NDC, "code": record.ndc})
    concept: JSON = {"text": record.name}
    if coding:
        concept["coding"] = coding
    return concept


def _medication_code(record: InjectionRecord) -> JSON:
    concept: JSON = {"text": record.name}
    if record.ndc:
        concept["coding"] = [{"system": NDC, "code": record.ndc}]
    return concept


def _lot_fields(record: InjectionRecord) -> JSON:
    fields: JSON = {}
    if record.lot:
        fields["lotNumber"] = record.lot
    if record.expires:
        fields["expirationDate"] = record.expires.isoformat()
    return fields


def _administration_fields(record: InjectionRecord) -> JSON:
    fields: JSON = {}
    if record.site:
        fields["site"] = _concept(V3_ACT_SITE, record.site, SITES[record.site][0])
    if record.route:
        fields["route"] = _concept(V3_ROUTE, *ROUTES[record.route])
    if record.dose is not None:
        fields["doseQuantity"] = {
            "value": float(record.dose.value),
            "unit": record.dose.unit,
            "system": UCUM,
            "code": record.dose.unit,
        }
    return fields


# ------------------------------------------------------------------ reading


def _valid(resource: JSON, kind: str) -> None:
    """Refuse anything not a valid R4B resource of this kind, so reading can trust shapes."""
    if not isinstance(resource, dict) or resource.get("resourceType") != kind:
        raise FhirReadError(f"not a{'n' if kind[0] in 'AEIOU' else ''} {kind}")
    try:
        get_fhir_model_class(kind).model_validate(resource)
    except ValidationError as exc:
        error = exc.errors()[0]
        where = ".".join(str(part) for part in error["loc"]) or kind
        raise FhirReadError(f"{kind} is not valid FHIR R4: {where}: {error['msg']}") from exc
    except (ValueError, TypeError) as exc:
        raise FhirReadError(f"{kind} is not valid FHIR R4: {exc}") from exc


def record_from_immunization(resource: JSON) -> InjectionRecord:
    """An ``Immunization`` as a record; :class:`FhirReadError` if invalid or unreadable."""
    _valid(resource, "Immunization")
    status = resource.get("status")
    if status not in ("completed", "not-done"):
        raise FhirReadError(f"Immunization.status {status!r}: only completed and not-done are kept")
    vaccine = resource.get("vaccineCode") or {}
    codes = _codes(vaccine)
    manufacturer = resource.get("manufacturer") or {}
    identifier = manufacturer.get("identifier") or {}
    education = (resource.get("education") or [{}])[0]
    dose = resource.get("doseQuantity")
    cvx, cvx_display = codes.get(CVX, (None, None))
    eligibility = _eligibility(resource.get("programEligibility"))
    funding = _funding(resource.get("fundingSource"))
    if funding is FundingSource.OTHER and eligibility in VFC_ELIGIBLE:
        funding = FundingSource.VFC  # public stock for a VFC-eligible child is VFC stock
    return InjectionRecord(
        is_vaccine=True,
        status=status,
        occurred=_occurrence(resource),
        name=vaccine.get("text") or cvx_display or (f"CVX {cvx}" if cvx else "vaccine"),
        cvx=cvx,
        cvx_display=cvx_display,
        ndc=_ndc(codes.get(NDC, (None,))[0]),
        mvx=identifier.get("value") if identifier.get("system") == MVX else None,
        manufacturer=manufacturer.get("display"),
        lot=resource.get("lotNumber"),
        expires=_day(resource.get("expirationDate"), "Immunization.expirationDate"),
        dose=_dose(dose, "Immunization.doseQuantity") if dose else None,
        route=_route(resource.get("route")),
        site=_site(resource.get("site")),
        not_given_reason=_not_given(resource.get("statusReason")),
        vis_name=education.get("documentType"),
        vis_edition=_day(education.get("publicationDate"), "education.publicationDate"),
        vis_presented=_day(education.get("presentationDate"), "education.presentationDate"),
        eligibility=eligibility,
        funding=funding,
        primary_source=resource.get("primarySource", True) is not False,
        note=_note(resource.get("note")),
    )


def record_from_medication_administration(resource: JSON) -> InjectionRecord:
    """A ``MedicationAdministration`` as a record, lot and expiry from its contained Medication."""
    _valid(resource, "MedicationAdministration")
    status = resource.get("status")
    if status not in ("completed", "not-done"):
        raise FhirReadError(
            f"MedicationAdministration.status {status!r}: only completed and not-done are kept"
        )
    medication = _medication(resource)
    codes = _codes(medication.get("code") or {})
    batch = medication.get("batch") or {}
    dosage = resource.get("dosage") or {}
    reasons = resource.get("statusReason") or []
    display = (resource.get("medicationReference") or {}).get("display")
    return InjectionRecord(
        is_vaccine=False,
        status=status,
        occurred=_when(
            resource.get("effectiveDateTime"), "MedicationAdministration.effectiveDateTime"
        ),
        name=(medication.get("code") or {}).get("text") or display or "medication",
        ndc=_ndc(codes.get(NDC, (None,))[0]),
        lot=batch.get("lotNumber"),
        expires=_day(
            (batch.get("expirationDate") or "")[:10] or None, "Medication.batch.expirationDate"
        ),
        dose=_dose(dosage["dose"], "dosage.dose") if dosage.get("dose") else None,
        route=_route(dosage.get("route")),
        site=_site(dosage.get("site")),
        not_given_reason=_not_given(reasons[0] if reasons else None),
        note=_note(resource.get("note")),
    )


def _occurrence(resource: JSON) -> datetime | date:
    if "occurrenceString" in resource and "occurrenceDateTime" not in resource:
        text = resource["occurrenceString"]
        raise FhirReadError(f"Immunization.occurrence is text ({text!r}): no date to place it on")
    return _when(resource.get("occurrenceDateTime"), "Immunization.occurrenceDateTime")


def _medication(resource: JSON) -> JSON:
    if "medicationCodeableConcept" in resource:
        return {"code": resource["medicationCodeableConcept"]}
    target = (resource.get("medicationReference") or {}).get("reference", "")
    if target.startswith("#"):
        for contained in resource.get("contained") or []:
            if contained.get("resourceType") == "Medication" and contained.get("id") == target[1:]:
                return dict(contained)
    raise FhirReadError(
        "MedicationAdministration.medication: no contained Medication or code to read"
    )


def _codes(concept: JSON) -> dict[str, tuple[str | None, str | None]]:
    found: dict[str, tuple[str | None, str | None]] = {}
    for coding in concept.get("coding") or []:
        system = coding.get("system")
        if system and system not in found:
            found[system] = (coding.get("code"), coding.get("display"))
    return found


def _code_in(concept: JSON | None, system: str) -> str | None:
    if not concept:
        return None
    return _codes(concept).get(system, (None,))[0]


def _when(text: str | None, field: str) -> datetime | date:
    if not text:
        raise FhirReadError(f"{field} is missing")
    if "T" in text:
        try:
            moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError as exc:
            raise FhirReadError(f"{field} {text!r} is not a date-time") from exc
        return moment
    day = _day(text, field)
    assert day is not None
    return day


def _day(text: str | None, field: str) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text[:10]) if len(text) >= 10 else date.fromisoformat(text)
    except ValueError as exc:
        raise FhirReadError(f"{field} {text!r} is not a full date") from exc


def _ndc(code: str | None) -> str | None:
    """5-4-2 where the sender's hyphens say how to pad; as sent otherwise (never guessed)."""
    if not code:
        return None
    if _NDC_11.fullmatch(code):
        return code
    if code.isdigit() and len(code) == 11:
        return f"{code[:5]}-{code[5:9]}-{code[9:]}"
    match = _NDC_10.fullmatch(code)
    if match:
        labeler, product, package = (g for g in match.groups() if g is not None)
        return f"{labeler.rjust(5, '0')}-{product.rjust(4, '0')}-{package.rjust(2, '0')}"
    return code


def _dose(quantity: JSON, field: str) -> Dose:
    unit = quantity.get("code") or quantity.get("unit")
    try:
        value = Decimal(str(quantity.get("value")))
    except InvalidOperation as exc:
        raise FhirReadError(f"{field} has no value") from exc
    if not unit or not value.is_finite():
        raise FhirReadError(f"{field} needs a value and a unit")
    return Dose(value, unit)


def _route(concept: JSON | None) -> str | None:
    code = _code_in(concept, V3_ROUTE)
    if code is None:
        return None
    if code not in _V3_ROUTE_TO_KEY:
        raise FhirReadError(f"route {code!r} is not one ma-tui records (IM, SQ, IDINJ)")
    return _V3_ROUTE_TO_KEY[code]


def _site(concept: JSON | None) -> str | None:
    code = _code_in(concept, V3_ACT_SITE)
    if code is None:
        return None
    if code not in SITES:
        raise FhirReadError(f"site {code!r} is not one ma-tui records ({', '.join(SITES)})")
    return code


def _not_given(concept: JSON | None) -> NotGivenReason | None:
    code = _code_in(concept, V3_ACT_REASON)
    if code is None:
        return None
    try:
        return NotGivenReason(code)
    except ValueError as exc:
        raise FhirReadError(
            f"statusReason {code!r} is not IMMUNE, MEDPREC, OSTOCK or PATOBJ"
        ) from exc


def _eligibility(concepts: list[JSON] | None) -> Eligibility | None:
    for concept in concepts or []:
        code = _code_in(concept, V2_FINANCIAL_CLASS)
        if code is not None:
            try:
                return Eligibility(code)
            except ValueError as exc:
                raise FhirReadError(f"programEligibility {code!r} is not V01-V05 or V07") from exc
    return None


def _funding(concept: JSON | None) -> FundingSource | None:
    code = _code_in(concept, FUNDING_SOURCE)
    if code is None:
        return None
    if code == "private":
        return FundingSource.PRIVATE
    if code == "public":
        return FundingSource.OTHER  # VFC or another program: the eligibility code says which
    raise FhirReadError(f"fundingSource {code!r} is not public or private")


def _note(notes: list[JSON] | None) -> str | None:
    texts = [n.get("text", "") for n in notes or [] if n.get("text")]
    return "\n".join(texts) or None
