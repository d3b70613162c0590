"""A signed screening as FHIR R4: a QuestionnaireResponse with every item's answer,
and an Observation of its total (US Core screening-assessment style: category
survey, the LOINC total-score code).

Pure functions that give FHIR JSON with no empty values; the exporter passes the ids
and references it uses for everything else (``urn:uuid:`` ones in a Bundle). The
QuestionnaireResponse names LOINC's own Questionnaire (``http://loinc.org/q/44249-1``)
and answers each item with its LOINC answer code, as LOINC's forms do; the STEADI
questions have no LOINC codes, so their answers are true/false under a ma-tui
canonical URL. A declined screening has no QuestionnaireResponse, only an
Observation whose value is absent because the patient declined (``asked-declined``).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from ma_tui.data.catalogs.screenings import AnswerKind
from ma_tui.screenings.draft import SignedScreening
from ma_tui.screenings.scoring import ItemAnswer, ScreeningResult

LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"
OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
V3_INTERPRETATION = "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation"
DATA_ABSENT_REASON = "http://terminology.hl7.org/CodeSystem/data-absent-reason"
SCORE_UNIT = "{score}"

JSON = dict[str, Any]
Reference = Mapping[str, Any]  # {"reference": "urn:uuid:...", "display": ...}


def questionnaire_response(
    signed: SignedScreening,
    *,
    resource_id: str,
    subject: Reference,
    encounter: Reference | None = None,
    author: Reference | None = None,
) -> JSON | None:
    """The answers as a QuestionnaireResponse; None for a declined screening."""
    result = signed.result
    if result.declined:
        return None
    instrument = result.instrument
    items = [_item(answer) for answer in result.answers]
    if instrument.total_code is not None:
        items.append(
            {
                "linkId": f"/{instrument.total_code}",
                "text": instrument.total_display,
                "answer": [{"valueDecimal": result.total}],
            }
        )
    return _clean(
        {
            "resourceType": "QuestionnaireResponse",
            "id": resource_id,
            "questionnaire": instrument.questionnaire,
            "status": "completed",
            "subject": dict(subject),
            "encounter": _maybe(encounter),
            "authored": instant(signed.at),
            "author": _maybe(author),
            "item": items,
        }
    )


def score_observation(
    signed: SignedScreening,
    *,
    resource_id: str,
    subject: Reference,
    encounter: Reference | None = None,
    performer: Reference | None = None,
    response: Reference | None = None,
) -> JSON:
    """The total as an Observation (``response``: the QuestionnaireResponse it comes from).

    An acknowledged alert is a note on it, with who acknowledged it and when.
    """
    result = signed.result
    instrument = result.instrument
    code: JSON = {"text": f"{instrument.name} total score"}
    if instrument.total_code is not None:
        code["coding"] = [_coding(LOINC, instrument.total_code, instrument.total_display)]
    else:
        code["text"] = instrument.total_display or instrument.title
    observation: JSON = {
        "resourceType": "Observation",
        "id": resource_id,
        "status": "final",
        "category": [
            {"coding": [_coding(OBSERVATION_CATEGORY, "survey", "Survey")], "text": "Survey"}
        ],
        "code": code,
        "subject": dict(subject),
        "encounter": _maybe(encounter),
        "effectiveDateTime": instant(signed.at),
        "performer": [dict(performer)] if performer else None,
        "derivedFrom": [dict(response)] if response else None,
        "note": [_note(ack.text, ack.by, ack.at, ack.note) for ack in signed.acknowledgements],
        **_value(result),
    }
    return _clean(observation)


def instant(moment: datetime) -> str:
    """An aware ISO instant in UTC; a naive time is taken as UTC, as the database keeps it."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat()


# ------------------------------------------------------------------ the parts


def _item(answer: ItemAnswer) -> JSON:
    item, choice = answer.item, answer.choice
    value: JSON = {"valueCoding": _coding(LOINC, choice.code, choice.text)}
    if item.answers.kind == AnswerKind.BOOLEAN:
        value = {"valueBoolean": bool(choice.score)}
    return {"linkId": item.link_id, "text": item.text, "answer": [value]}


def _value(result: ScreeningResult) -> JSON:
    band = result.band
    if band is None:
        reason = _coding(DATA_ABSENT_REASON, "asked-declined", "Asked But Declined")
        return {"dataAbsentReason": {"coding": [reason], "text": "declined"}}
    flag = ("POS", "Positive") if band.positive else ("NEG", "Negative")
    interpretation = {"coding": [_coding(V3_INTERPRETATION, *flag)], "text": band.label}
    if result.instrument.total_code is None:
        return {"valueCodeableConcept": {"text": band.label}, "interpretation": [interpretation]}
    quantity = {"value": result.total, "unit": SCORE_UNIT, "system": UCUM, "code": SCORE_UNIT}
    return {"valueQuantity": quantity, "interpretation": [interpretation]}


def _note(alert: str, by: str, at: datetime, done: str) -> JSON:
    text = f"Alert: {alert} Acknowledged by {by} at {instant(at)}"
    text = f"{text}: {done}" if done else f"{text}."
    return {"authorString": by, "time": instant(at), "text": text}


def _coding(system: str, code: str | None, display: str | None = None) -> JSON:
    return {"system": system, "code": code, "display": display}


def _maybe(reference: Reference | None) -> JSON | None:
    return dict(reference) if reference else None


def _clean(resource: JSON) -> JSON:
    cleaned: JSON = _pruned(resource)
    return cleaned


def _pruned(value: Any) -> Any:
    """``value`` without None, empty strings, lists and objects, at any depth."""
    if isinstance(value, dict):
        cleaned = {key: _pruned(item) for key, item in value.items()}
        return {key: item for key, item in cleaned.items() if not _is_empty(item)}
    if isinstance(value, list):
        return [item for item in (_pruned(item) for item in value) if not _is_empty(item)]
    return value


def _is_empty(value: Any) -> bool:
    return value is None or (isinstance(value, str | list | dict) and not value)
