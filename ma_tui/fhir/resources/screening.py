"""QuestionnaireResponse and total Observation of each screening signed in a visit;
export only.

The stored rows (every item's answer, the alerts with who acknowledged them) are
read back into a signed screening and written by ``ma_tui.screenings.fhir``: LOINC's
own Questionnaire with each answer's LOINC code, and the total score (PHQ-9
44261-6, PHQ-2 55758-7, GAD-7 70274-6, AUDIT-C 75626-2) with its interpretation.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlmodel import col, select

from ma_tui.data.models.patients import Patient
from ma_tui.data.models.screenings import Screening, ScreeningAlert, ScreeningAnswer
from ma_tui.data.models.visits import Encounter
from ma_tui.fhir.resources.outgoing import ExportRun
from ma_tui.screenings import (
    AlertAcknowledgement,
    AnswersRefused,
    ScreeningResult,
    SignedScreening,
    questionnaire_response,
    score_observation,
    screening_catalog,
)

JSON = dict[str, Any]


def to_fhir(run: ExportRun, encounter: Encounter, subject: JSON) -> Iterator[JSON]:
    """Each screening of the visit: its answers (none when declined), then its total."""
    rows = run.session.exec(
        select(Screening)
        .where(Screening.encounter_id == encounter.id)
        .order_by(col(Screening.given_at), col(Screening.id))
    ).all()
    if not rows:
        return
    patient = run.session.get(Patient, encounter.patient_id)
    assert patient is not None
    visit = run.ref("Encounter", encounter.id)
    for row in rows:
        signed = _signed(run, row, patient)
        if signed is None:
            continue
        by = run.staff_display(row.entered_by_id)
        response = questionnaire_response(
            signed,
            resource_id=run.id("QuestionnaireResponse", row.id),
            subject=subject,
            encounter=visit,
            author=by,
        )
        if response is not None:
            yield response
        yield score_observation(
            signed,
            resource_id=run.id("Observation", f"screening-{row.id}"),
            subject=subject,
            encounter=visit,
            performer=by,
            response=run.ref("QuestionnaireResponse", row.id) if response else None,
        )


def _signed(run: ExportRun, row: Screening, patient: Patient) -> SignedScreening | None:
    """The stored screening as signed; None when the catalog no longer scores it (an
    instrument taken out of the clinic's catalog since)."""
    instrument = screening_catalog().instruments.get(row.instrument)
    if instrument is None:
        return None
    scores = run.session.exec(
        select(ScreeningAnswer.score)
        .where(ScreeningAnswer.screening_id == row.id)
        .order_by(col(ScreeningAnswer.item))
    ).all()
    alerts = run.session.exec(
        select(ScreeningAlert)
        .where(ScreeningAlert.screening_id == row.id)
        .order_by(col(ScreeningAlert.id))
    ).all()
    try:
        result = ScreeningResult(
            instrument=instrument,
            sex=patient.sex,
            scores=tuple(scores),
            declined=row.declined,
            reflexed_from=row.reflexed_from,
        )
    except AnswersRefused:
        return None
    acknowledgements = tuple(
        AlertAcknowledgement(
            instrument=row.instrument,
            item=alert.item,
            text=alert.text,
            staff_id=alert.acknowledged_by_id,
            by=alert.acknowledged_by,
            at=alert.acknowledged_at,
            note=alert.note,
        )
        for alert in alerts
    )
    return SignedScreening(result=result, at=row.given_at, acknowledgements=acknowledgements)
