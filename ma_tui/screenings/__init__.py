"""Standard rooming screenings: PHQ-2 (and its PHQ-9 reflex), PHQ-9, GAD-7, AUDIT-C,
the CDC STEADI fall-risk questions, and the tobacco-status prompt.

A step domain: it imports only ``ma_tui.core``, ``ma_tui.data`` and libraries. The
instruments and the clinic's rules are data (``ma_tui.data.catalogs.screenings``);
here they are used:

* ``answers``: a screening typed on one line, one digit per item;
* ``scoring``: the total, band, alerts and reflex of each result;
* ``draft``: the visit's screenings as the rooming draft keeps them, alerts
  acknowledged, and what signing stores;
* ``due``: which screenings are due today, and why;
* ``fhir``: a signed screening as a QuestionnaireResponse and a total Observation.

Tobacco is not a question set here: the smoking status already lives in the social
history (LOINC 72166-2, exported as US Core's smoking-status Observation), so a
second record of it could only disagree with the first. The tobacco "screening" is
a prompt, due yearly from 12 (CMS138), to ask and update that history entry; it is
satisfied by the date of the newest tobacco entry.
"""

from __future__ import annotations

from ma_tui.data.catalogs.screenings import (
    Instrument,
    InstrumentKind,
    ScreeningCatalogError,
    screening_catalog,
    screening_rules,
)
from ma_tui.data.models.patients import Sex
from ma_tui.screenings.answers import AnswersRefused, TypedAnswers, answer_line, parse_answers
from ma_tui.screenings.draft import (
    Administration,
    AlertAcknowledgement,
    AlertNotAcknowledged,
    LineNotTaken,
    ReflexPending,
    ScreeningsDraft,
    ScreeningsNotReady,
    SignedScreening,
    acknowledge,
    check_ready,
    enter,
    keep_typed,
    pending_reflex,
    remove,
    results,
    to_sign,
    unacknowledged,
    with_this_visit,
)
from ma_tui.screenings.due import ScreeningStatus, due_screenings, screening_status
from ma_tui.screenings.fhir import questionnaire_response, score_observation
from ma_tui.screenings.scoring import Alert, Reflex, ScreeningResult

__all__ = [
    "Administration",
    "Alert",
    "AlertAcknowledgement",
    "AlertNotAcknowledged",
    "AnswersRefused",
    "Instrument",
    "InstrumentKind",
    "LineNotTaken",
    "Reflex",
    "ReflexPending",
    "ScreeningCatalogError",
    "ScreeningResult",
    "ScreeningStatus",
    "ScreeningsDraft",
    "ScreeningsNotReady",
    "Sex",
    "SignedScreening",
    "TypedAnswers",
    "acknowledge",
    "answer_line",
    "check_ready",
    "due_screenings",
    "enter",
    "keep_typed",
    "parse_answers",
    "pending_reflex",
    "questionnaire_response",
    "remove",
    "results",
    "score_observation",
    "screening_catalog",
    "screening_rules",
    "screening_status",
    "to_sign",
    "unacknowledged",
    "with_this_visit",
]
