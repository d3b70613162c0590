"""The worklist: claim, hand to the provider and back, close; filter, sort, overdue, counts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ma_tui.core.errors import Conflict, InvalidInput, NotAllowed, UserError
from ma_tui.worklist.items import (
    FINISHED,
    INITIAL,
    PROVIDER_DECISIONS,
    TRANSITIONS,
    Action,
    Actor,
    ItemType,
    PatientRef,
    StaffRole,
    Status,
    WorkItem,
    WorklistFilter,
    allowed_moves,
    cancel,
    claim,
    close,
    counts,
    due_text,
    hand_back,
    hand_to_provider,
    header_text,
    is_overdue,
    move,
    new_item,
    note,
    select,
    sort_by_due,
)
from ma_tui.worklist.months import add_months, within_months

TZ = ZoneInfo("America/Chicago")
T0 = datetime(2026, 11, 23, 9, 0, tzinfo=TZ)
MARIA = Actor(1, "Maria Lopez", StaffRole.MA)
JO = Actor(2, "Jo Park", StaffRole.MA)
DR_CHEN = Actor(10, "Dr. Lee Chen", StaffRole.PROVIDER)
DR_OSEI = Actor(11, "Dr. Ama Osei", StaffRole.PROVIDER)
DANA = PatientRef(1, "Dana Whitfield")
OMAR = PatientRef(2, "Omar Haddad")


@dataclass(frozen=True)
class Plain:
    """Details that never refuse a move: the kinds' tables alone decide."""

    def refusal(self, to: Status) -> str | None:
        return None


def _item(
    kind: ItemType = ItemType.REFILL, patient: PatientRef = DANA, due_hours: int = 4
) -> WorkItem[Plain]:
    return new_item(kind, patient, Plain(), due=T0 + timedelta(hours=due_hours), at=T0, by=MARIA)


def _at(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


# ------------------------------------------------------------------ moves


def test_a_new_item_waits_unclaimed_in_its_kinds_first_status() -> None:
    refill = _item()
    auth = _item(ItemType.PRIOR_AUTH)
    assert (refill.status, refill.owner) == (Status.NEW, None)
    assert auth.status is Status.DRAFT
    assert refill.history[0].action is Action.CREATED


def test_claiming_makes_it_mine_and_in_progress() -> None:
    item = claim(_item(), MARIA, _at(5))
    assert item.owner == MARIA
    assert item.status is Status.IN_PROGRESS
    assert item.last_event.line(TZ) == "11/23 09:05 Maria Lopez claimed (in progress)"


def test_an_item_someone_holds_is_taken_over_only_when_asked() -> None:
    item = claim(_item(), MARIA, _at(5))
    with pytest.raises(Conflict, match="Maria Lopez has had it since 09:05; take it over"):
        claim(item, JO, _at(6))
    assert claim(item, JO, _at(6), take_over=True).owner == JO


def test_handed_to_the_provider_and_back_to_where_it_was() -> None:
    item = claim(_item(ItemType.REFERRAL), MARIA, _at(5))
    with pytest.raises(NotAllowed, match="not a provider"):
        hand_to_provider(item, JO, MARIA, _at(6))
    waiting = hand_to_provider(item, DR_CHEN, MARIA, _at(6), note="please sign the letter")
    assert (waiting.status, waiting.owner) == (Status.WITH_PROVIDER, DR_CHEN)
    with pytest.raises(Conflict, match=r"waiting for Dr\. Lee Chen"):
        claim(waiting, JO, _at(7))
    with pytest.raises(Conflict, match="with the provider"):
        move(waiting, Status.SENT, MARIA, _at(7))
    back = hand_back(waiting, DR_CHEN, _at(30), note="signed")
    assert (back.status, back.owner) == (Status.IN_PROGRESS, MARIA)


def test_only_a_provider_decides_a_refill_and_it_returns_to_the_ma() -> None:
    waiting = hand_to_provider(claim(_item(), MARIA, _at(1)), DR_CHEN, MARIA, _at(2))
    with pytest.raises(NotAllowed, match="only a provider"):
        move(waiting, Status.APPROVED, MARIA, _at(3))
    approved = move(waiting, Status.APPROVED, DR_CHEN, _at(3))
    assert (approved.status, approved.owner) == (Status.APPROVED, MARIA)
    assert close(approved, MARIA, _at(4), "pharmacy told").status is Status.CLOSED


def test_a_move_its_kind_does_not_allow_is_refused() -> None:
    with pytest.raises(Conflict, match="a refill that is new cannot become sent"):
        move(_item(), Status.SENT, MARIA, _at(1))
    with pytest.raises(InvalidInput, match="hand it to a provider"):
        move(_item(), Status.WITH_PROVIDER, MARIA, _at(1))


def test_cancelling_says_why_and_a_finished_item_stays_finished() -> None:
    with pytest.raises(InvalidInput, match="say why"):
        cancel(_item(), MARIA, _at(1), "  ")
    done = cancel(_item(), MARIA, _at(1), "duplicate fax")
    assert done.finished
    with pytest.raises(Conflict, match="already cancelled"):
        claim(done, MARIA, _at(2))
    assert note(done, MARIA, _at(3), "pharmacy called back").status is Status.CANCELLED


def test_a_note_keeps_status_and_owner_and_time_runs_forward() -> None:
    item = claim(_item(), MARIA, _at(5))
    noted = note(item, JO, _at(6), "patient   called  again")
    assert (noted.status, noted.owner, noted.last_event.note) == (
        Status.IN_PROGRESS,
        MARIA,
        "patient called again",
    )
    with pytest.raises(InvalidInput, match="before the item's last change"):
        note(noted, JO, _at(1), "late")
    with pytest.raises(InvalidInput, match="under 500"):
        note(noted, JO, _at(7), "x" * 501)


def test_allowed_moves_are_the_kinds_table() -> None:
    assert allowed_moves(_item(ItemType.FOLLOW_UP)) == TRANSITIONS[ItemType.FOLLOW_UP][Status.NEW]


# ------------------------------------------------------------------ the queue


def test_overdue_items_lead_and_the_filter_picks() -> None:
    late = claim(_item(patient=OMAR, due_hours=-1), JO, _at(1))
    soon = _item(ItemType.PRIOR_AUTH, due_hours=2)
    done = close(
        move(hand_to_provider(_item(), DR_CHEN, MARIA, _at(1)), Status.DENIED, DR_CHEN, _at(2)),
        MARIA,
        _at(3),
    )
    items = [soon, done, late]
    now = _at(10)
    assert [i.patient for i in select(items, WorklistFilter(), now)] == [OMAR, DANA]
    assert select(items, WorklistFilter(overdue_only=True), now) == [late]
    assert select(items, WorklistFilter(owner_id=JO.staff_id), now) == [late]
    assert select(items, WorklistFilter(unowned=True), now) == [soon]
    assert select(items, WorklistFilter(types=frozenset({ItemType.PRIOR_AUTH})), now) == [soon]
    assert len(select(items, WorklistFilter(include_finished=True), now)) == 3
    assert select(items, WorklistFilter(patient_id=OMAR.patient_id), now) == [late]
    assert select(items, WorklistFilter(statuses=frozenset({Status.DRAFT})), now) == [soon]
    assert is_overdue(late, now) and not is_overdue(done, now + timedelta(days=9))


def test_counts_for_the_queue_header() -> None:
    items = [
        claim(_item(due_hours=-1), MARIA, _at(1)),
        claim(_item(ItemType.REFERRAL, due_hours=-2), MARIA, _at(1)),
        hand_to_provider(_item(), DR_CHEN, MARIA, _at(1)),
        _item(ItemType.PRIOR_AUTH),
        cancel(_item(), MARIA, _at(1), "duplicate"),
    ]
    numbers = counts(items, _at(10), MARIA)
    assert (numbers.open, numbers.overdue, numbers.mine, numbers.unclaimed) == (4, 2, 2, 1)
    assert numbers.with_provider == 1
    assert numbers.by_type == {ItemType.REFILL: 2, ItemType.REFERRAL: 1, ItemType.PRIOR_AUTH: 1}
    assert header_text(numbers) == "Worklist 4 · 2 overdue · 2 mine"
    assert header_text(counts([], T0)) == "Worklist 0"


def test_due_text() -> None:
    item = _item(due_hours=3)
    assert due_text(item, T0) == "due in 3 h"
    assert due_text(item, T0 + timedelta(hours=3, minutes=45)) == "overdue 45 min"
    assert due_text(item, T0 - timedelta(days=3)) == "due in 3 d"
    assert due_text(cancel(item, MARIA, _at(1), "dup"), T0) == ""


def test_sort_by_due_breaks_ties_by_arrival_then_name() -> None:
    a = new_item(ItemType.REFILL, OMAR, Plain(), due=_at(60), at=_at(2), by=MARIA)
    b = new_item(ItemType.REFILL, DANA, Plain(), due=_at(60), at=_at(2), by=MARIA)
    c = new_item(ItemType.REFILL, OMAR, Plain(), due=_at(60), at=_at(1), by=MARIA)
    assert sort_by_due([a, b, c]) == [c, b, a]


def test_months_count_as_calendars_do() -> None:
    assert add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert add_months(date(2026, 11, 23), -12) == date(2025, 11, 23)
    assert add_months(date(1, 1, 1), -1) == date.min
    assert add_months(date(9999, 12, 1), 1) == date.max
    assert within_months(date(2025, 11, 23), date(2026, 11, 23), 12)
    assert not within_months(date(2025, 11, 22), date(2026, 11, 23), 12)


# ------------------------------------------------------------------ state machine

ACTORS = (MARIA, JO, DR_CHEN, DR_OSEI)
ACTIONS = ("claim", "take", "hand", "back", "move", "note", "cancel")


@given(
    kind=st.sampled_from(list(ItemType)),
    steps=st.lists(
        st.tuples(
            st.sampled_from(ACTIONS),
            st.sampled_from(ACTORS),
            st.sampled_from(ACTORS),
            st.sampled_from(list(Status)),
        ),
        max_size=25,
    ),
)
def test_no_sequence_of_allowed_actions_reaches_an_invalid_state(
    kind: ItemType, steps: list[tuple[str, Actor, Actor, Status]]
) -> None:
    item = _item(kind)
    for minute, (action, actor, other, target) in enumerate(steps, start=1):
        at = _at(minute)
        before = item
        try:
            if action == "claim":
                item = claim(item, actor, at)
            elif action == "take":
                item = claim(item, actor, at, take_over=True)
            elif action == "hand":
                item = hand_to_provider(item, other, actor, at)
            elif action == "back":
                item = hand_back(item, actor, at)
            elif action == "move":
                item = move(item, target, actor, at, note="why")
            elif action == "note":
                item = note(item, actor, at, "called")
            else:
                item = cancel(item, actor, at, "not needed")
        except UserError:
            assert item is before
            continue
        _check_invariants(item, before)


def _check_invariants(item: WorkItem[Plain], before: WorkItem[Plain]) -> None:
    table = TRANSITIONS[item.type]
    assert item.status in table
    assert (item.status, item.owner) == (item.last_event.status, item.last_event.owner)
    assert len(item.history) == len(before.history) + 1
    assert item.history[0].status is INITIAL[item.type]
    if before.finished:  # only a note may follow
        assert item.last_event.action is Action.NOTE
        assert (item.status, item.owner) == (before.status, before.owner)
    if item.status is not before.status:
        assert item.status in table[before.status]
    if item.status is Status.WITH_PROVIDER:
        assert item.owner is not None and item.owner.is_provider
    if item.status in PROVIDER_DECISIONS.get(item.type, frozenset()):
        decider = next(e for e in item.history if e.status is item.status).actor
        assert decider.is_provider
    times = [event.at for event in item.history]
    assert times == sorted(times)
    assert item.finished == (item.status in FINISHED)
