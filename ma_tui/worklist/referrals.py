"""Referrals out: to whom, why, how urgent, what was sent, and when the loop closes.

Only about a third of referrals end in a documented completed appointment (Patel,
JGIM 2018): the loop closes here only when the specialist's consult note is back
(CMS50, "Closing the Referral Loop: Receipt of Specialist Report"). Until then
:func:`loop_alert` raises an alert 7 and 14 days after the referral went out with no
appointment, and 7 and 14 days after the appointment with no note: a pure function
of the dates, so the queue can show it without a timer.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime
from enum import StrEnum

from ma_tui.core.errors import Conflict, InvalidInput
from ma_tui.worklist.items import (
    Actor,
    ItemType,
    PatientRef,
    Status,
    WorkItem,
    move,
    new_item,
    update_details,
)

ALERT_DAYS = (7, 14)
MAX_TEXT = 200


class Urgency(StrEnum):
    """FHIR request-priority codes (confirmed on hl7.org/fhir/R4B/valueset-request-priority:
    routine, urgent, asap, stat); the MA chooses among routine, urgent and stat."""

    ROUTINE = "routine"
    URGENT = "urgent"
    STAT = "stat"


@dataclass(frozen=True, slots=True)
class SentDocument:
    name: str  # "referral letter", "last office note", "MRI report"
    sent_on: date


@dataclass(frozen=True, slots=True)
class Referral:
    specialist: str  # who or which practice: "Dr. Amal Reyes, North Cardiology"
    specialty: str  # "cardiology"
    reason: str
    urgency: Urgency
    ordered_on: date
    documents: tuple[SentDocument, ...] = ()
    sent_on: date | None = None
    appointment_on: date | None = None
    note_received_on: date | None = None

    def refusal(self, to: Status) -> str | None:
        if to is Status.SENT and not self.documents:
            return "record what was sent (at least the referral letter)"
        if to is Status.SCHEDULED and self.appointment_on is None:
            return "record the appointment date"
        if to is Status.CLOSED and self.note_received_on is None:
            return "the loop closes when the consult note is back: record the day it came"
        return None


@dataclass(frozen=True, slots=True)
class LoopAlert:
    days: int  # 7 or 14: the threshold passed
    waiting_for: str  # "an appointment" or "the consult note"
    since: date
    elapsed: int  # days since ``since``

    @property
    def text(self) -> str:
        return f"{self.elapsed} days without {self.waiting_for} (since {self.since.isoformat()})"


def loop_alert(referral: Referral, today: date, closed: bool = False) -> LoopAlert | None:
    """The 7- or 14-day alert the referral is at today, or None.

    Before an appointment the clock starts when the referral went out (or was
    ordered, if it never went); after the appointment day it starts on that day.
    """
    if closed or referral.note_received_on is not None:
        return None
    if referral.appointment_on is None:
        since, waiting = referral.sent_on or referral.ordered_on, "an appointment"
    elif referral.appointment_on < today:
        since, waiting = referral.appointment_on, "the consult note"
    else:
        return None  # the appointment is still ahead
    elapsed = (today - since).days
    passed = [days for days in ALERT_DAYS if elapsed >= days]
    return LoopAlert(passed[-1], waiting, since, elapsed) if passed else None


# ------------------------------------------------------------------ moves


def new_referral(
    patient: PatientRef, referral: Referral, *, due: datetime, at: datetime, by: Actor
) -> WorkItem[Referral]:
    for what, text in (
        ("the specialist", referral.specialist),
        ("the specialty", referral.specialty),
        ("the reason", referral.reason),
    ):
        _check_text(text, what)
    if referral.documents or referral.sent_on or referral.appointment_on:
        raise InvalidInput("a new referral has not been sent yet")
    if referral.note_received_on is not None:
        raise InvalidInput("a new referral has no consult note yet")
    note = f"{referral.urgency.value} referral to {referral.specialty}"
    return new_item(ItemType.REFERRAL, patient, referral, due=due, at=at, by=by, note=note)


def record_sent(
    item: WorkItem[Referral],
    documents: tuple[str, ...],
    sent_on: date,
    by: Actor,
    at: datetime,
) -> WorkItem[Referral]:
    """The referral went out with these documents."""
    names = tuple(" ".join(name.split()) for name in documents if name.strip())
    if not names:
        raise InvalidInput("name what was sent (at least the referral letter)")
    for name in names:
        _check_text(name, "each document")
    if sent_on < item.details.ordered_on:
        raise InvalidInput("it cannot go out before it was ordered")
    details = replace(
        item.details,
        documents=(*item.details.documents, *(SentDocument(n, sent_on) for n in names)),
        sent_on=sent_on,
    )
    staged = replace(item, details=details)
    return move(staged, Status.SENT, by, at, note="sent: " + ", ".join(names))


def record_appointment(
    item: WorkItem[Referral], appointment_on: date, by: Actor, at: datetime
) -> WorkItem[Referral]:
    """The specialist's office gave a date; a later call may move it."""
    sent_on = item.details.sent_on
    if sent_on is not None and appointment_on < sent_on:
        raise InvalidInput("the appointment cannot be before the referral went out")
    details = replace(item.details, appointment_on=appointment_on)
    note = f"appointment {appointment_on.isoformat()}"
    if item.status is Status.SCHEDULED:
        return update_details(item, details, by, at, note="moved to " + note)
    return move(replace(item, details=details), Status.SCHEDULED, by, at, note=note)


def record_consult_note(
    item: WorkItem[Referral], received_on: date, by: Actor, at: datetime
) -> WorkItem[Referral]:
    """The consult note is back: the loop closes."""
    if item.details.sent_on is None:
        raise Conflict("record that the referral went out first")
    if received_on < item.details.sent_on:
        raise InvalidInput("the note cannot come back before the referral went out")
    details = replace(item.details, note_received_on=received_on)
    note = f"consult note received {received_on.isoformat()}"
    return move(replace(item, details=details), Status.CLOSED, by, at, note=note)


def _check_text(text: str, what: str) -> None:
    if not text.strip() or len(text) > MAX_TEXT:
        raise InvalidInput(f"give {what} (up to {MAX_TEXT} characters)")
