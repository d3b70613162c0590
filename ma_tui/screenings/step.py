"""The screenings as a step of rooming: what keeps the visit from signing, what
signing writes, its audit detail. When each was last given is read with the chart
(``Chart.screenings_last``).

The visit keeps a :class:`ScreeningsDraft` under ``screenings``; signing stores each
instrument given with every item's answer, its total and band as they read then,
and each alert with who acknowledged it.
"""

from __future__ import annotations

from sqlmodel import Session

from ma_tui.core.signing import SignContext
from ma_tui.data.models.screenings import Screening, ScreeningAlert, ScreeningAnswer
from ma_tui.screenings.answers import AnswersRefused
from ma_tui.screenings.draft import ScreeningsDraft, ScreeningsNotReady, check_ready, to_sign


def problems(draft: ScreeningsDraft) -> list[str]:
    try:
        check_ready(draft, draft.sex)
    except (ScreeningsNotReady, AnswersRefused) as exc:  # refused: saved under an older catalog
        return [f"Screenings: {str(exc).rstrip('.')}."]
    return []


def audit_detail(draft: ScreeningsDraft) -> dict[str, object]:
    """Which screenings were given (never their answers)."""
    return {"screenings": [done.instrument for done in draft.given]}


def write(session: Session, draft: ScreeningsDraft, context: SignContext) -> None:
    """Each screening given, every item's answer and each acknowledged alert."""
    for signed in to_sign(draft, context.patient.sex):
        result = signed.result
        band = result.band
        row = Screening(
            patient_id=context.patient_id,
            encounter_id=context.encounter_id,
            instrument=result.instrument.key,
            declined=result.declined,
            total=result.total,
            band=band.label if band is not None else None,
            positive=result.positive,
            reflexed_from=result.reflexed_from,
            given_at=signed.at,
            entered_by_id=context.staff_id,
            entered_at=context.now,
        )
        session.add(row)
        session.flush()
        assert row.id is not None
        for number, score in enumerate(result.scores, start=1):
            session.add(ScreeningAnswer(screening_id=row.id, item=number, score=score))
        for ack in signed.acknowledgements:
            session.add(
                ScreeningAlert(
                    screening_id=row.id,
                    item=ack.item,
                    text=ack.text,
                    acknowledged_by=ack.by,
                    acknowledged_by_id=ack.staff_id,
                    acknowledged_at=ack.at,
                    note=ack.note,
                )
            )
