"""The demo's screenings from earlier visits, so today's show what is due and what is not.

Dana Whitfield had a GAD-7 half a year ago (not due today; her PHQ-2 and AUDIT-C
are); Bjørn Halvorsen's PHQ-9 five months ago answered item 9 "Several days", and
the alert was passed on: his chart says so when he is screened again. Everyone else
has no screening on record, so each adult's are due (Harold Benton's fall-risk
questions too, at 77).
"""

from __future__ import annotations

from datetime import timedelta

from ma_tui.data.models.screenings import Screening, ScreeningAlert, ScreeningAnswer
from ma_tui.demo.build import Build
from ma_tui.demo.shapes import Contact, Person
from ma_tui.screenings import ScreeningResult, screening_catalog

# MRN -> (days ago of one of their earlier visits, screening, one score per item)
EARLIER: dict[str, tuple[tuple[int, str, tuple[int, ...]], ...]] = {
    "1000105": ((182, "gad7", (0, 1, 0, 0, 1, 0, 0)),),
    "1000115": (
        (160, "phq2", (2, 2)),
        (160, "phq9", (2, 2, 1, 2, 1, 1, 1, 0, 1)),
    ),
}
ACK_NOTE = "told Dr. Chen; she saw him before he left"


def add_screenings(
    build: Build, patient_id: int, person: Person, visits: dict[int, Contact]
) -> None:
    """Each of ``person``'s earlier screenings, in the visit ``days ago`` names."""
    catalog = screening_catalog()
    for days_ago, key, scores in EARLIER.get(person.mrn, ()):
        contact = visits[days_ago]
        assert contact.encounter_id is not None
        ma = build.staff[contact.staff]
        at = contact.at + timedelta(minutes=8)
        result = ScreeningResult(
            instrument=catalog.instruments[key],
            sex=person.sex,
            scores=scores,
            reflexed_from="phq2" if key == "phq9" else None,
        )
        band = result.band
        screening_id = build.add(
            Screening(
                patient_id=patient_id,
                encounter_id=contact.encounter_id,
                instrument=key,
                total=result.total,
                band=band.label if band is not None else None,
                positive=result.positive,
                reflexed_from=result.reflexed_from,
                given_at=at,
                entered_by_id=ma,
                entered_at=at,
            )
        )
        for number, score in enumerate(scores, start=1):
            build.session.add(ScreeningAnswer(screening_id=screening_id, item=number, score=score))
        for alert in result.alerts:
            build.session.add(
                ScreeningAlert(
                    screening_id=screening_id,
                    item=alert.item,
                    text=alert.text,
                    acknowledged_by=contact.staff,
                    acknowledged_by_id=ma,
                    acknowledged_at=at + timedelta(minutes=1),
                    note=ACK_NOTE,
                )
            )
