"""The screenings of one visit, as the rooming draft keeps them until signing.

:class:`ScreeningsDraft` is plain JSON (a pydantic model), saved inside the visit's
draft each time the MA takes a line in. It holds what was given (scores, not totals:
totals, bands and alerts are worked out again from the catalog each time), the
alerts the MA acknowledged, and lines typed but not yet taken in.

Functions here never change a draft: each returns a new one. ``enter`` takes a typed
line; a PHQ-9 after a positive PHQ-2 is typed without its first two items. Entering
a PHQ-2 again drops a PHQ-9 that was reflexed from it (its first two answers would be
stale). ``check_ready`` refuses signing while an alert is unacknowledged, a positive
screen's follow-up is neither given nor declined, or a typed line is not taken in;
``to_sign`` gives what signing stores.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field

from ma_tui.core.errors import InvalidInput
from ma_tui.data.catalogs.screenings import Instrument, ScreeningCatalog, screening_catalog
from ma_tui.data.models.patients import Sex
from ma_tui.screenings.answers import AnswersRefused, parse_answers
from ma_tui.screenings.scoring import Alert, Reflex, ScreeningResult, reflex

FREE_LINE = ""  # the typed-lines key of a line that names its own screening
LINE_SHOWN = 30  # a typed line quoted in a message
NOTE_MAX = 200  # what the MA did about an alert, one line
BY_MAX = 200  # who acknowledged, as the app names them


class Administration(BaseModel):
    """One instrument given (or declined) in this visit."""

    model_config = ConfigDict(frozen=True)

    instrument: str  # catalog key
    scores: tuple[int, ...] = ()  # one per item, in item order; () when declined
    declined: bool = False
    reflexed_from: str | None = None  # the positive screen whose answers it reuses
    at: datetime  # when the MA took the line in


class AlertAcknowledgement(BaseModel):
    """The MA saw an alert and passed it on: who, when, the alert as shown, what was done.

    It counts only while the alert reads the same: a changed answer raises a new one.
    """

    model_config = ConfigDict(frozen=True)

    instrument: str
    item: int
    text: str  # the alert exactly as shown
    staff_id: int | None = None  # the signed-in staff member, when there is sign-in
    by: str = Field(max_length=BY_MAX)  # their name, or the terminal's user@host
    at: datetime
    note: str = Field(default="", max_length=NOTE_MAX)  # "told Dr Lee, she is coming"

    def covers(self, alert: Alert) -> bool:
        return (self.instrument, self.item, self.text) == (alert.instrument, alert.item, alert.text)


class ScreeningsDraft(BaseModel):
    # The patient's sex, for the bands that depend on it (AUDIT-C): set when the step
    # is shown, so what keeps the visit from signing reads as the screen did.
    sex: Sex = Sex.UNKNOWN
    given: tuple[Administration, ...] = ()  # in the order given
    acknowledgements: tuple[AlertAcknowledgement, ...] = ()
    # Lines as typed and left, not yet taken in: instrument key (FREE_LINE for a line
    # that names its screening) -> text.
    typed: dict[str, str] = Field(default_factory=dict)


class ScreeningsNotReady(InvalidInput):
    """Signing must wait: the message says for what."""


class AlertNotAcknowledged(ScreeningsNotReady):
    pass


class ReflexPending(ScreeningsNotReady):
    pass


class LineNotTaken(ScreeningsNotReady):
    pass


@dataclass(frozen=True, slots=True)
class SignedScreening:
    """What signing stores for one instrument given in the visit."""

    result: ScreeningResult  # every item's answer, the total, band and positivity
    at: datetime  # when it was given
    acknowledgements: tuple[AlertAcknowledgement, ...]  # one per alert of ``result``


# -------------------------------------------------------------------- entering


def enter(
    draft: ScreeningsDraft,
    text: str,
    *,
    sex: Sex,
    at: datetime,
    expected: str | None = None,
    catalog: ScreeningCatalog | None = None,
) -> tuple[ScreeningsDraft, ScreeningResult]:
    """Take a typed line in (for ``expected``, an instrument key, or the one it names).

    Raises :class:`AnswersRefused`, with the draft unchanged, when it cannot be taken.
    """
    catalog = catalog or screening_catalog()
    instrument = catalog.instruments[expected] if expected is not None else None
    follow_ups = {item.target.key: item for item in _follow_ups(draft, sex, catalog)}
    given = {key: follow_up.given for key, follow_up in follow_ups.items()}
    typed = parse_answers(text, expected=instrument, given=given, catalog=catalog)
    key = typed.instrument.key
    reflexed_from = follow_ups[key].source.instrument.key if key in follow_ups else None
    result = ScreeningResult(
        instrument=typed.instrument,
        sex=sex,
        scores=typed.scores,
        declined=typed.declined,
        reflexed_from=reflexed_from,
    )
    done = Administration(
        instrument=key,
        scores=typed.scores,
        declined=typed.declined,
        reflexed_from=reflexed_from,
        at=at,
    )
    follow_up = reflex(result, catalog)
    kept = [
        done if old.instrument == key else old  # a re-entered screening keeps its place
        for old in draft.given
        if old.reflexed_from != key or _still_follows(old, follow_up)
    ]
    if done not in kept:
        kept.append(done)
    taken = {key, expected or FREE_LINE}
    lines = {name: line for name, line in draft.typed.items() if name not in taken}
    return draft.model_copy(update={"given": tuple(kept), "typed": lines}), result


def remove(draft: ScreeningsDraft, key: str) -> ScreeningsDraft:
    """Take back a screening entered by mistake, and any follow-up built on its answers."""
    kept = tuple(done for done in draft.given if key not in (done.instrument, done.reflexed_from))
    return draft.model_copy(update={"given": kept})


def keep_typed(draft: ScreeningsDraft, key: str, text: str) -> ScreeningsDraft:
    """Remember a line as typed and left (blank forgets it)."""
    lines = {name: line for name, line in draft.typed.items() if name != key}
    if text.strip():
        lines[key] = text
    return draft.model_copy(update={"typed": lines})


def acknowledge(
    draft: ScreeningsDraft,
    alert: Alert,
    *,
    by: str,
    at: datetime,
    staff_id: int | None = None,
    note: str = "",
) -> ScreeningsDraft:
    """Record that the MA saw ``alert`` and passed it on."""
    if not by.strip():
        raise InvalidInput("say who acknowledges the alert")
    if len(note) > NOTE_MAX:
        raise InvalidInput(f"the note is longer than {NOTE_MAX} characters")
    record = AlertAcknowledgement(
        instrument=alert.instrument,
        item=alert.item,
        text=alert.text,
        staff_id=staff_id,
        by=by.strip()[:BY_MAX],
        at=at,
        note=note.strip(),
    )
    kept = tuple(ack for ack in draft.acknowledgements if not ack.covers(alert))
    return draft.model_copy(update={"acknowledgements": (*kept, record)})


# ---------------------------------------------------------------------- reading


def results(
    draft: ScreeningsDraft, sex: Sex, catalog: ScreeningCatalog | None = None
) -> list[ScreeningResult]:
    """Each instrument given, scored, in the order given."""
    catalog = catalog or screening_catalog()
    return [_result(done, sex, catalog) for done in draft.given]


def alerts(
    draft: ScreeningsDraft, sex: Sex, catalog: ScreeningCatalog | None = None
) -> list[Alert]:
    return [alert for result in results(draft, sex, catalog) for alert in result.alerts]


def unacknowledged(
    draft: ScreeningsDraft, sex: Sex, catalog: ScreeningCatalog | None = None
) -> list[Alert]:
    return [
        alert
        for alert in alerts(draft, sex, catalog)
        if not any(ack.covers(alert) for ack in draft.acknowledgements)
    ]


def pending_reflex(
    draft: ScreeningsDraft, sex: Sex, catalog: ScreeningCatalog | None = None
) -> Reflex | None:
    """The follow-up a positive screen calls for and that is not yet given or declined."""
    catalog = catalog or screening_catalog()
    given = {done.instrument for done in draft.given}
    waiting = (item for item in _follow_ups(draft, sex, catalog) if item.target.key not in given)
    return next(waiting, None)


def check_ready(draft: ScreeningsDraft, sex: Sex, catalog: ScreeningCatalog | None = None) -> None:
    """Raise :class:`ScreeningsNotReady` (a kind of it) when signing must wait."""
    catalog = catalog or screening_catalog()
    if draft.typed:
        key, line = next(iter(draft.typed.items()))
        name = catalog.instruments[key].name if key in catalog.instruments else "screening"
        shown = line if len(line) <= LINE_SHOWN else f"{line[: LINE_SHOWN - 1]}…"
        raise LineNotTaken(f"{name}: '{shown}' is typed but not taken in; fix it or clear it")
    waiting = unacknowledged(draft, sex, catalog)
    if waiting:
        raise AlertNotAcknowledged(f"acknowledge the alert first: {waiting[0].text}")
    follow_up = pending_reflex(draft, sex, catalog)
    if follow_up is not None:
        raise ReflexPending(f"{follow_up.prompt}, or record it as declined")


def to_sign(
    draft: ScreeningsDraft, sex: Sex, catalog: ScreeningCatalog | None = None
) -> list[SignedScreening]:
    """What signing stores, once :func:`check_ready` passes."""
    catalog = catalog or screening_catalog()
    check_ready(draft, sex, catalog)
    signed: list[SignedScreening] = []
    for done in draft.given:
        result = _result(done, sex, catalog)
        acks = tuple(
            ack for alert in result.alerts for ack in draft.acknowledgements if ack.covers(alert)
        )
        signed.append(SignedScreening(result=result, at=done.at, acknowledgements=acks))
    return signed


def with_this_visit(
    last: Mapping[str, date], draft: ScreeningsDraft, today: date
) -> dict[str, date]:
    """``last`` (instrument key -> the day it was last given, from the chart) with the
    instruments answered in this visit as given ``today``. A declined one is not
    given: it stays due for the next visit."""
    merged = dict(last)
    for done in draft.given:
        if not done.declined:
            merged[done.instrument] = today
    return merged


# ------------------------------------------------------------------ the parts


def _result(done: Administration, sex: Sex, catalog: ScreeningCatalog) -> ScreeningResult:
    instrument: Instrument | None = catalog.instruments.get(done.instrument)
    if instrument is None:
        raise AnswersRefused(f"{done.instrument} is no longer a screening: remove it")
    # ScreeningResult refuses answers that no longer fit the instrument: "type it again".
    return ScreeningResult(
        instrument=instrument,
        sex=sex,
        scores=done.scores,
        declined=done.declined,
        reflexed_from=done.reflexed_from,
    )


def _follow_ups(draft: ScreeningsDraft, sex: Sex, catalog: ScreeningCatalog) -> list[Reflex]:
    """The follow-up each positive screen of the draft calls for, given or not."""
    found: list[Reflex] = []
    for done in draft.given:
        try:
            result = _result(done, sex, catalog)
        except AnswersRefused:
            # Answers saved under an older catalog: they lead nowhere. Signing refuses
            # them (results() raises) until the MA types that screening again or removes it.
            continue
        follow_up = reflex(result, catalog)
        if follow_up is not None:
            found.append(follow_up)
    return found


def _still_follows(done: Administration, follow_up: Reflex | None) -> bool:
    """Whether a reflexed administration still fits its re-entered source's answers."""
    if follow_up is None or follow_up.target.key != done.instrument:
        return False
    return done.declined or all(
        done.scores[number - 1] == score for number, score in follow_up.given.items()
    )
