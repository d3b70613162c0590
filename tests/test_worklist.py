"""The worklist: claim, hand to the provider and back, close; filter, sort, overdue, counts."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ma_tui.core.errors import Conflict, InvalidInput, NotAllowed, UserError
from ma_tui.data.catalogs.clinic_hours import clinic_hours
from ma_tui.worklist.fhir import resources
from ma_tui.worklist.fhir_import import (
    FhirInputError,
    booked_slot,
    item_from_fhir,
    referral_from_service_request,
)
from ma_tui.worklist.followup import FollowUp, book, new_follow_up, parse_interval
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
from ma_tui.worklist.prior_auth import (
    PriorAuth,
    new_prior_auth,
    parse_service_code,
    record_approval,
    submit,
)
from ma_tui.worklist.referrals import Referral, Urgency, new_referral, record_sent
from ma_tui.worklist.refills import RefillRequest, decide, new_refill
from tests.fhir_checks import SUBJECT, ids

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
    with pytest.raises(InvalidInput) as refused:
        note(noted, JO, _at(1), "late")
    assert str(refused.value) == (
        "the item last changed at 09:06, after this time (09:01): check the terminal's clock"
    )
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
    assert is_overdue(late, now)
    assert not is_overdue(done, now + timedelta(days=9))


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
        assert item.owner is not None
        assert item.owner.is_provider
    if item.status in PROVIDER_DECISIONS.get(item.type, frozenset()):
        decider = next(e for e in item.history if e.status is item.status).actor
        assert decider.is_provider
    times = [event.at for event in item.history]
    assert times == sorted(times)
    assert item.finished == (item.status in FINISHED)


# ------------------------------------------------------------------ FHIR, both ways


def _kinds() -> dict[str, WorkItem[Any]]:
    """One item of each kind, part way through its work."""
    hours = clinic_hours()
    refill = new_refill(
        DANA,
        RefillRequest("metformin 500 mg", "Main Street Pharmacy", date(2026, 10, 1),
                      date(2026, 3, 2), rxnorm="861007", dea_schedule=None),
        due=_at(240), at=T0, by=MARIA,
    )  # fmt: skip
    referral = record_sent(
        claim(
            new_referral(
                DANA,
                Referral("Dr. Amal Reyes", "cardiology", "chest pressure", Urgency.STAT,
                         date(2026, 11, 20)),
                due=_at(60), at=T0, by=MARIA,
            ),
            MARIA, _at(1),
        ),
        ("referral letter", "ECG"), date(2026, 11, 23), MARIA, _at(2),
    )  # fmt: skip
    auth = record_approval(
        submit(
            new_prior_auth(OMAR, PriorAuth("Blue Prairie Health", (parse_service_code("J1745"),),
                                           member_id="BPH1"), due=_at(600), at=T0, by=MARIA),
            date(2026, 11, 23), MARIA, _at(1),
        ),
        reference="PA-1", units=6, start=date(2026, 11, 24), end=date(2027, 5, 23),
        decided_on=date(2026, 11, 23), by=MARIA, at=_at(2),
    )  # fmt: skip
    follow_up = book(
        new_follow_up(
            DANA,
            FollowUp("follow up in 3 months", parse_interval("3 months"), date(2026, 11, 23),
                     DR_CHEN.staff_id, DR_CHEN.name),
            due=_at(60), at=T0, by=MARIA,
        ),
        datetime(2027, 2, 23, 9, 0, tzinfo=TZ), (), hours, TZ, by=MARIA, at=_at(3),
    )  # fmt: skip
    return {"refill": refill, "referral": referral, "auth": auth, "follow-up": follow_up}


def _import(item: WorkItem[Any], **changes: Any) -> WorkItem[Any]:
    exported = resources(item, subject=SUBJECT, clinic={"display": "clinic"}, new_id=ids())
    appointment = exported[2] if len(exported) > 2 else None
    return item_from_fhir(
        exported[1],
        exported[0],
        item.patient,
        by=JO,
        at=_at(30),
        default_due=_at(999),
        provider_ids={DR_CHEN.name: DR_CHEN.staff_id},
        appointment=appointment,
        **changes,
    )


@pytest.mark.parametrize("kind", ["refill", "referral", "auth", "follow-up"])
def test_an_exported_item_reads_back_as_the_same_work(kind: str) -> None:
    item = _kinds()[kind]
    back = _import(item)
    assert (back.type, back.status, back.due, back.details) == (
        item.type,
        item.status,
        item.due,
        item.details,
    )
    assert back.owner is None
    assert back.history[0].note.startswith("imported from FHIR Task/00000000-")


def test_what_is_not_taken_on_trust_on_import() -> None:
    waiting = hand_to_provider(_kinds()["refill"], DR_CHEN, MARIA, _at(5))
    assert _import(waiting).status is Status.IN_PROGRESS
    decided = decide(waiting, True, DR_CHEN, _at(6))
    assert _import(decided).details.decision is None
    closed = close(decided, MARIA, _at(7))
    with pytest.raises(FhirInputError, match="completed: there is nothing left"):
        _import(closed)


def test_an_ehrs_referral_and_appointment_come_in() -> None:
    request, _ = resources(
        _kinds()["referral"], subject=SUBJECT, clinic={"display": "c"}, new_id=ids()
    )
    item = referral_from_service_request(request, DANA, by=JO, at=_at(5), due=_at(60))
    assert (item.status, item.details.urgency, item.details.sent_on) == (
        Status.NEW,
        Urgency.STAT,
        None,
    )
    follow_up = _kinds()["follow-up"]
    appointment = resources(follow_up, subject=SUBJECT, clinic={"display": "c"}, new_id=ids())[2]
    slot = booked_slot(appointment, DR_CHEN.staff_id, "Dana")
    assert slot.start == datetime(2027, 2, 23, 9, 0, tzinfo=TZ)
    assert slot.minutes == 20
    with pytest.raises(FhirInputError, match="holds no slot"):
        booked_slot({**appointment, "status": "cancelled"}, 1)


def test_a_resource_that_is_not_valid_r4b_is_refused_by_name() -> None:
    focus, task = resources(_kinds()["refill"], subject=SUBJECT, clinic={}, new_id=ids())
    with pytest.raises(FhirInputError, match="not a valid Task: status"):
        item_from_fhir({**task, "status": "sleeping"}, focus, DANA, by=JO, at=T0, default_due=T0)
    with pytest.raises(FhirInputError, match="focus must be"):
        item_from_fhir(task, {"resourceType": "Patient"}, DANA, by=JO, at=T0, default_due=T0)
    with pytest.raises(FhirInputError, match="another resource"):
        item_from_fhir(task, {**focus, "id": "x1"}, DANA, by=JO, at=T0, default_due=T0)
    no_pharmacy = {**task, "input": []}
    no_dispenser = {**focus, "dispenseRequest": {}}
    with pytest.raises(FhirInputError, match="no pharmacy"):
        item_from_fhir(no_pharmacy, no_dispenser, DANA, by=JO, at=T0, default_due=T0)


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=3)
    | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=6,
)  # fmt: skip


def _paths(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [path] if path else []
    if isinstance(value, dict):
        for key, child in value.items():
            found += _paths(child, (*path, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            found += _paths(child, (*path, index))
    return found


def _changed(resource: Any, path: tuple[Any, ...], new: Any, delete: bool) -> Any:
    copy = json.loads(json.dumps(resource))
    parent = copy
    for step in path[:-1]:
        parent = parent[step]
    if delete:
        del parent[path[-1]]
    else:
        parent[path[-1]] = new
    return copy


@given(
    kind=st.sampled_from(["refill", "referral", "auth", "follow-up"]),
    which=st.integers(0, 1),
    data=st.data(),
    new=JSON_VALUES,
    delete=st.booleans(),
)
def test_any_damaged_resource_is_imported_or_refused_never_an_exception(
    kind: str, which: int, data: st.DataObject, new: Any, delete: bool
) -> None:
    exported = resources(KINDS[kind], subject=SUBJECT, clinic={"display": "c"}, new_id=ids())
    path = data.draw(st.sampled_from(_paths(exported[which])))
    exported[which] = _changed(exported[which], path, new, delete)
    try:
        item = item_from_fhir(
            exported[1], exported[0], DANA, by=JO, at=_at(30), default_due=_at(99),
            provider_ids={DR_CHEN.name: DR_CHEN.staff_id},
            appointment=exported[2] if len(exported) > 2 else None,
        )  # fmt: skip
    except InvalidInput as refusal:
        assert str(refusal)
    else:
        assert item.status in TRANSITIONS[item.type]
        assert item.details.refusal(item.status) is None


@given(JSON_VALUES)
def test_any_json_is_refused_cleanly(value: Any) -> None:
    with pytest.raises(InvalidInput):
        item_from_fhir(value, value, DANA, by=JO, at=T0, default_due=T0)
    with pytest.raises(InvalidInput):
        booked_slot(value, 1)
    with pytest.raises(InvalidInput):
        referral_from_service_request(value, DANA, by=JO, at=T0, due=T0)


@given(data=st.data(), new=JSON_VALUES, delete=st.booleans())
def test_any_damaged_referral_is_taken_or_refused(
    data: st.DataObject, new: Any, delete: bool
) -> None:
    request = resources(KINDS["referral"], subject=SUBJECT, clinic={}, new_id=ids())[0]
    damaged = _changed(request, data.draw(st.sampled_from(_paths(request))), new, delete)
    try:
        item = referral_from_service_request(damaged, DANA, by=JO, at=T0, due=T0)
    except InvalidInput as refusal:
        assert str(refusal)
    else:
        assert item.status is Status.NEW
        assert item.details.specialist


KINDS = _kinds()
