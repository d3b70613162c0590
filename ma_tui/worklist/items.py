"""One worklist item: who it is for, what it is, where it stands, who holds it, when it is due.

Every kind of work (a refill request, a referral, a prior authorization, a follow-up
to book) moves through its own statuses (:data:`TRANSITIONS`), and every move is a
new item with one more :class:`Event` in its history: items are never changed in
place, so the caller can store the new one and audit the event in one transaction.

Three moves are the same for every kind:

* **claim**: an MA takes the item (it is hers until she hands it on or closes it);
* **hand to the provider**: the item waits for a provider (a refill to approve, a
  referral letter to sign, a letter of medical necessity); the provider hands it
  back, or, for a refill, decides;
* **close** (or **cancel**, with a reason): the work is done or no longer needed.

A kind's details may refuse a move its table allows (a referral closes only when
the consult note is back): :meth:`Details.refusal` says why, in a line for the MA.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta, tzinfo
from enum import StrEnum
from typing import Any, Generic, Protocol, TypeVar

from ma_tui.core.errors import Conflict, InvalidInput, NotAllowed
from ma_tui.data.models.staff import StaffRole as StaffRole

MAX_NOTE = 500  # characters of a note kept in the history


class ItemType(StrEnum):
    REFILL = "refill"
    REFERRAL = "referral"
    PRIOR_AUTH = "prior-auth"
    FOLLOW_UP = "follow-up"


TYPE_DISPLAY = {
    ItemType.REFILL: "Refill",
    ItemType.REFERRAL: "Referral",
    ItemType.PRIOR_AUTH: "Prior auth",
    ItemType.FOLLOW_UP: "Follow-up",
}


class Status(StrEnum):
    NEW = "new"
    IN_PROGRESS = "in-progress"
    WITH_PROVIDER = "with-provider"
    # refills: the provider's decision; prior authorizations: the payer's
    APPROVED = "approved"
    DENIED = "denied"
    # referrals
    SENT = "sent"
    SCHEDULED = "scheduled"
    # prior authorizations
    DRAFT = "draft"
    SUBMITTED = "submitted"
    PENDING = "pending"
    APPEALED = "appealed"
    # follow-ups
    BOOKED = "booked"
    # every kind
    CLOSED = "closed"
    CANCELLED = "cancelled"


STATUS_DISPLAY = {status: status.value.replace("-", " ") for status in Status}

FINISHED = frozenset({Status.CLOSED, Status.CANCELLED})

_S = Status
TRANSITIONS: Mapping[ItemType, Mapping[Status, frozenset[Status]]] = {
    ItemType.REFILL: {
        _S.NEW: frozenset({_S.IN_PROGRESS, _S.WITH_PROVIDER, _S.CANCELLED}),
        _S.IN_PROGRESS: frozenset({_S.WITH_PROVIDER, _S.CANCELLED}),
        _S.WITH_PROVIDER: frozenset({_S.APPROVED, _S.DENIED, _S.NEW, _S.IN_PROGRESS}),
        _S.APPROVED: frozenset({_S.CLOSED}),
        _S.DENIED: frozenset({_S.CLOSED}),
        _S.CLOSED: frozenset(),
        _S.CANCELLED: frozenset(),
    },
    ItemType.REFERRAL: {
        _S.NEW: frozenset({_S.IN_PROGRESS, _S.WITH_PROVIDER, _S.CANCELLED}),
        _S.IN_PROGRESS: frozenset({_S.WITH_PROVIDER, _S.SENT, _S.CANCELLED}),
        _S.WITH_PROVIDER: frozenset({_S.NEW, _S.IN_PROGRESS}),
        _S.SENT: frozenset({_S.SCHEDULED, _S.CLOSED, _S.CANCELLED}),
        _S.SCHEDULED: frozenset({_S.CLOSED, _S.CANCELLED}),
        _S.CLOSED: frozenset(),
        _S.CANCELLED: frozenset(),
    },
    ItemType.PRIOR_AUTH: {
        _S.DRAFT: frozenset({_S.WITH_PROVIDER, _S.SUBMITTED, _S.CANCELLED}),
        _S.WITH_PROVIDER: frozenset({_S.DRAFT, _S.DENIED}),
        _S.SUBMITTED: frozenset({_S.PENDING, _S.APPROVED, _S.DENIED, _S.CANCELLED}),
        _S.PENDING: frozenset({_S.APPROVED, _S.DENIED, _S.CANCELLED}),
        _S.DENIED: frozenset({_S.WITH_PROVIDER, _S.APPEALED, _S.CLOSED}),
        _S.APPEALED: frozenset({_S.PENDING, _S.APPROVED, _S.DENIED}),
        _S.APPROVED: frozenset({_S.CLOSED}),
        _S.CLOSED: frozenset(),
        _S.CANCELLED: frozenset(),
    },
    ItemType.FOLLOW_UP: {
        _S.NEW: frozenset({_S.IN_PROGRESS, _S.BOOKED, _S.CANCELLED}),
        _S.IN_PROGRESS: frozenset({_S.BOOKED, _S.CANCELLED}),
        _S.BOOKED: frozenset({_S.CLOSED, _S.CANCELLED}),
        _S.CLOSED: frozenset(),
        _S.CANCELLED: frozenset(),
    },
}

INITIAL: Mapping[ItemType, Status] = {
    ItemType.REFILL: Status.NEW,
    ItemType.REFERRAL: Status.NEW,
    ItemType.PRIOR_AUTH: Status.DRAFT,
    ItemType.FOLLOW_UP: Status.NEW,
}

# Only a provider decides a refill; an MA routes it (issue 19).
PROVIDER_DECISIONS: Mapping[ItemType, frozenset[Status]] = {
    ItemType.REFILL: frozenset({Status.APPROVED, Status.DENIED}),
}


class Action(StrEnum):
    CREATED = "created"
    CLAIMED = "claimed"
    HANDED_TO_PROVIDER = "handed to provider"
    HANDED_BACK = "handed back"
    MOVED = "moved"
    UPDATED = "updated"
    NOTE = "note"


@dataclass(frozen=True, slots=True)
class Actor:
    """A staff member as the worklist names them: id, name, role."""

    staff_id: int
    name: str
    role: StaffRole

    @property
    def is_provider(self) -> bool:
        return self.role is StaffRole.PROVIDER


@dataclass(frozen=True, slots=True)
class PatientRef:
    patient_id: int
    name: str


@dataclass(frozen=True, slots=True)
class Event:
    """One line of an item's history: who did what, when, and the status and owner after."""

    at: datetime
    actor: Actor
    action: Action
    status: Status
    owner: Actor | None
    note: str = ""

    def line(self, tz: tzinfo | None = None) -> str:
        """``11/23 09:12 Maria Lopez claimed (in progress): note``."""
        when = (self.at.astimezone(tz) if tz is not None else self.at).strftime("%m/%d %H:%M")
        tail = f": {self.note}" if self.note else ""
        return f"{when} {self.actor.name} {self.action.value} ({STATUS_DISPLAY[self.status]}){tail}"


class Details(Protocol):
    """A kind's own fields; they may refuse a move the kind's table allows."""

    def refusal(self, to: Status) -> str | None: ...


D = TypeVar("D", bound=Details)


@dataclass(frozen=True, slots=True)
class WorkItem(Generic[D]):
    type: ItemType
    patient: PatientRef
    status: Status
    owner: Actor | None
    due: datetime
    created: datetime
    details: D
    history: tuple[Event, ...] = field(default=())
    item_id: int | None = None  # the stored row's id, once stored

    @property
    def finished(self) -> bool:
        return self.status in FINISHED

    @property
    def last_event(self) -> Event:
        return self.history[-1]


# ------------------------------------------------------------------ moves


def new_item(
    item_type: ItemType,
    patient: PatientRef,
    details: D,
    *,
    due: datetime,
    at: datetime,
    by: Actor,
    note: str = "",
) -> WorkItem[D]:
    """A new item in its kind's first status, owned by no one until claimed."""
    _aware(due, "due time")
    _aware(at, "time")
    status = INITIAL[item_type]
    event = Event(at, by, Action.CREATED, status, None, _note(note))
    return WorkItem(item_type, patient, status, None, due, at, details, (event,))


def claim(item: WorkItem[D], by: Actor, at: datetime, *, take_over: bool = False) -> WorkItem[D]:
    """``by`` takes the item; a new item becomes in progress.

    An item someone else holds is taken over only when asked (``take_over``), and
    an item waiting for a provider is not claimed from under them.
    """
    _open(item)
    if item.status is Status.WITH_PROVIDER and not by.is_provider:
        holder = item.owner.name if item.owner else "the provider"
        raise Conflict(f"waiting for {holder}: ask them to hand it back first")
    if item.owner is not None and item.owner.staff_id != by.staff_id and not take_over:
        since = _held_since(item).strftime("%H:%M")
        raise Conflict(f"{item.owner.name} has had it since {since}; take it over?")
    status = Status.IN_PROGRESS if item.status is Status.NEW else item.status
    return _record(item, by, at, Action.CLAIMED, status, owner=by)


def _held_since(item: WorkItem[Any]) -> datetime:
    """When the present owner got the item (the start of their run in the history)."""
    since = item.last_event.at
    for event in reversed(item.history):
        if event.owner != item.owner:
            break
        since = event.at
    return since


def hand_to_provider(
    item: WorkItem[D], provider: Actor, by: Actor, at: datetime, note: str = ""
) -> WorkItem[D]:
    """The item waits for ``provider``: to decide, sign, or write what is needed."""
    _open(item)
    if not provider.is_provider:
        raise NotAllowed(f"{provider.name} is not a provider; hand it to a provider")
    _check_move(item, Status.WITH_PROVIDER)
    return _record(
        item, by, at, Action.HANDED_TO_PROVIDER, Status.WITH_PROVIDER, note, owner=provider
    )


def hand_back(item: WorkItem[D], by: Actor, at: datetime, note: str = "") -> WorkItem[D]:
    """Back from the provider to the status and the person it came from."""
    if item.status is not Status.WITH_PROVIDER:
        raise Conflict(f"it is {STATUS_DISPLAY[item.status]}, not with a provider")
    handed = next(
        (
            i
            for i in range(len(item.history) - 1, -1, -1)
            if item.history[i].action is Action.HANDED_TO_PROVIDER
        ),
        None,
    )
    assert handed is not None  # only hand_to_provider reaches WITH_PROVIDER
    before = item.history[handed - 1].status if handed > 0 else INITIAL[item.type]
    sender = item.history[handed].actor
    owner = None if sender.is_provider else sender
    return _record(item, by, at, Action.HANDED_BACK, before, note, owner=owner)


def move(item: WorkItem[D], to: Status, by: Actor, at: datetime, note: str = "") -> WorkItem[D]:
    """Any other allowed move: the kind's table, its details and who may decide."""
    _open(item)
    if to is Status.WITH_PROVIDER:
        raise InvalidInput("hand it to a provider by name")
    if item.status is Status.WITH_PROVIDER and to not in PROVIDER_DECISIONS.get(
        item.type, frozenset()
    ):
        raise Conflict("it is with the provider: have it handed back first")
    if to in PROVIDER_DECISIONS.get(item.type, frozenset()) and not by.is_provider:
        raise NotAllowed(f"only a provider may mark a {TYPE_DISPLAY[item.type].lower()} {to}")
    _check_move(item, to)
    if to is Status.CANCELLED and not note.strip():
        raise InvalidInput("say why it is cancelled")
    owner = item.owner
    if item.status is Status.WITH_PROVIDER:
        # decided: back to whoever sent it, to tell the pharmacy and close it
        sender = next(
            e.actor for e in reversed(item.history) if e.action is Action.HANDED_TO_PROVIDER
        )
        owner = None if sender.is_provider else sender
    return _record(item, by, at, Action.MOVED, to, note, owner=owner)


def close(item: WorkItem[D], by: Actor, at: datetime, note: str = "") -> WorkItem[D]:
    return move(item, Status.CLOSED, by, at, note)


def cancel(item: WorkItem[D], by: Actor, at: datetime, reason: str) -> WorkItem[D]:
    return move(item, Status.CANCELLED, by, at, reason)


def note(item: WorkItem[D], by: Actor, at: datetime, text: str) -> WorkItem[D]:
    """A note in the history; the status and the owner stay. A finished item takes
    notes too (the pharmacy calls back after the refill was closed)."""
    if not text.strip():
        raise InvalidInput("type the note")
    return _record(item, by, at, Action.NOTE, item.status, text, owner=item.owner)


def update_details(
    item: WorkItem[D], details: D, by: Actor, at: datetime, note: str
) -> WorkItem[D]:
    """New details (an appointment date, units used), said in the history's note."""
    _open(item)
    updated = _record(item, by, at, Action.UPDATED, item.status, note, owner=item.owner)
    return replace(updated, details=details)


def allowed_moves(item: WorkItem[Any]) -> frozenset[Status]:
    """Where the item may go next from its status (before its details have a say)."""
    return _allowed(item)


def _allowed(item: WorkItem[Any]) -> frozenset[Status]:
    return TRANSITIONS[item.type].get(item.status, frozenset())


def _check_move(item: WorkItem[Any], to: Status) -> None:
    if to not in _allowed(item):
        kind = TYPE_DISPLAY[item.type].lower()
        raise Conflict(
            f"a {kind} that is {STATUS_DISPLAY[item.status]} cannot become {STATUS_DISPLAY[to]}"
        )
    refusal = item.details.refusal(to)
    if refusal is not None:
        raise Conflict(refusal)


def _open(item: WorkItem[Any]) -> None:
    if item.finished:
        raise Conflict(f"it is already {STATUS_DISPLAY[item.status]}")


def _record(
    item: WorkItem[D],
    by: Actor,
    at: datetime,
    action: Action,
    status: Status,
    note: str = "",
    *,
    owner: Actor | None,
) -> WorkItem[D]:
    _aware(at, "time")
    if at < item.last_event.at:
        last = item.last_event.at.astimezone(at.tzinfo)
        raise InvalidInput(
            f"the item last changed at {last:%H:%M}, after this time ({at:%H:%M}):"
            " check the terminal's clock"
        )
    event = Event(at, by, action, status, owner, _note(note))
    return replace(item, status=status, owner=owner, history=(*item.history, event))


def _note(text: str) -> str:
    cleaned = " ".join(text.split())
    if len(cleaned) > MAX_NOTE:
        raise InvalidInput(f"keep the note under {MAX_NOTE} characters")
    return cleaned


def _aware(moment: datetime, what: str) -> None:
    if moment.tzinfo is None:
        raise ValueError(f"the {what} needs a time zone")


# ------------------------------------------------------------------ the queue


def is_overdue(item: WorkItem[Any], now: datetime) -> bool:
    return not item.finished and now > item.due


@dataclass(frozen=True, slots=True)
class WorklistFilter:
    """What the queue shows; the defaults show every open item."""

    types: frozenset[ItemType] = frozenset(ItemType)
    statuses: frozenset[Status] | None = None
    owner_id: int | None = None
    unowned: bool = False
    overdue_only: bool = False
    include_finished: bool = False
    patient_id: int | None = None

    def matches(self, item: WorkItem[Any], now: datetime) -> bool:
        owner_id = item.owner.staff_id if item.owner else None
        return (
            item.type in self.types
            and (self.statuses is None or item.status in self.statuses)
            and (self.owner_id is None or owner_id == self.owner_id)
            and (not self.unowned or item.owner is None)
            and (not self.overdue_only or is_overdue(item, now))
            and (self.include_finished or not item.finished)
            and (self.patient_id is None or item.patient.patient_id == self.patient_id)
        )


def sort_by_due(items: Iterable[WorkItem[D]]) -> list[WorkItem[D]]:
    """Soonest due first (so the overdue lead); ties by arrival, then patient."""
    return sorted(items, key=lambda i: (i.due, i.created, i.patient.name, i.item_id or 0))


def select(
    items: Iterable[WorkItem[D]], wanted: WorklistFilter, now: datetime
) -> list[WorkItem[D]]:
    return sort_by_due(item for item in items if wanted.matches(item, now))


@dataclass(frozen=True, slots=True)
class WorklistCounts:
    open: int
    overdue: int
    mine: int
    unclaimed: int
    with_provider: int
    by_type: Mapping[ItemType, int]


def counts(
    items: Sequence[WorkItem[Any]], now: datetime, me: Actor | None = None
) -> WorklistCounts:
    """The numbers for the queue's header."""
    active = [item for item in items if not item.finished]
    return WorklistCounts(
        open=len(active),
        overdue=sum(is_overdue(item, now) for item in active),
        mine=sum(
            me is not None and item.owner is not None and item.owner.staff_id == me.staff_id
            for item in active
        ),
        unclaimed=sum(item.owner is None for item in active),
        with_provider=sum(item.status is Status.WITH_PROVIDER for item in active),
        by_type=dict(Counter(item.type for item in active)),
    )


def header_text(numbers: WorklistCounts) -> str:
    """``Worklist 12 · 3 overdue · 4 mine`` (parts that are zero are left out)."""
    parts = [f"Worklist {numbers.open}"]
    if numbers.overdue:
        parts.append(f"{numbers.overdue} overdue")
    if numbers.mine:
        parts.append(f"{numbers.mine} mine")
    return " · ".join(parts)


def due_text(item: WorkItem[Any], now: datetime) -> str:
    """``due in 3 h``, ``due in 2 d``, ``overdue 45 min``; nothing for finished items."""
    if item.finished:
        return ""
    late = now - item.due
    if late > timedelta(0):
        return f"overdue {_span(late)}"
    return f"due in {_span(-late)}"


def _span(span: timedelta) -> str:
    minutes = int(span.total_seconds() // 60)
    if minutes < 60:
        return f"{minutes} min"
    if minutes < 48 * 60:
        return f"{minutes // 60} h"
    return f"{minutes // (24 * 60)} d"
