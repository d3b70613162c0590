"""The room board: occupied -> turnover -> ready, the checklist, next ready room, alerts,
the v2-0116 codes on a FHIR Location."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ma_tui.core.errors import Conflict, InvalidInput, NotFound, UserError
from ma_tui.data.catalogs import CatalogError, strict
from ma_tui.data.catalogs.room_types import CATALOG, room_types
from ma_tui.rooms.board import (
    TRANSITIONS,
    Occupant,
    Room,
    RoomState,
    alerts,
    board_line,
    finish_turnover,
    new_room,
    next_ready_room,
    occupy,
    parse_alert_minutes,
    provider_done,
    return_to_service,
    room_of,
    still_to_do,
    take_out_of_service,
    tick,
)
from ma_tui.rooms.fhir import (
    BED_STATUS_SYSTEM,
    LocationError,
    encounter_location,
    location,
    state_from_location,
)
from tests.fhir_checks import assert_valid

TZ = ZoneInfo("America/Chicago")
T0 = datetime(2026, 11, 23, 8, 0, tzinfo=TZ)
DANA = Occupant(1, "Dana Whitfield", 101)
OMAR = Occupant(2, "Omar Haddad", 102)
EXAM = room_types().type("exam")


def _at(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


def _room(name: str = "Exam 3", kind: str = "exam", minutes: int = 0) -> Room:
    return new_room(name, kind, room_types(), _at(minutes), "Maria Lopez")


def _turned_over(room: Room, minutes: int) -> Room:
    for item in EXAM.checklist:
        room = tick(room, item.key, EXAM)
    return finish_turnover(room, EXAM, _at(minutes), "Maria Lopez")


# ------------------------------------------------------------------ moves


def test_a_room_goes_occupied_turnover_ready() -> None:
    room = _room()
    assert room.state is RoomState.READY
    occupied = occupy(room, DANA, _at(10), "Maria Lopez")
    assert (occupied.state, occupied.occupant, occupied.bed_status) == (
        RoomState.OCCUPIED,
        DANA,
        ("O", "Occupied"),
    )
    assert occupy(occupied, DANA, _at(11), "Maria Lopez") is occupied  # signed again
    turnover = provider_done(occupied, _at(40), "Dr. Lee Chen")
    assert (turnover.state, turnover.occupant, turnover.bed_status[0]) == (
        RoomState.TURNOVER,
        None,
        "H",
    )
    ready = _turned_over(turnover, 46)
    assert (ready.state, ready.since, ready.checked, ready.bed_status[0]) == (
        RoomState.READY,
        _at(46),
        frozenset(),
        "U",
    )


def test_turnover_is_ready_only_when_every_item_is_ticked() -> None:
    turnover = provider_done(occupy(_room(), DANA, _at(1), "M"), _at(30), "Dr")
    half = tick(tick(turnover, "surfaces", EXAM), "paper", EXAM)
    half = tick(half, "paper", EXAM, done=False)
    assert still_to_do(half, EXAM)[0] == EXAM.checklist[1].text
    with pytest.raises(Conflict, match=r"still to do in Exam 3: .*table paper"):
        finish_turnover(half, EXAM, _at(35), "M")
    with pytest.raises(NotFound, match="not on the exam room checklist"):
        tick(half, "toys", EXAM)
    with pytest.raises(InvalidInput, match="not pediatric"):
        tick(half, "toys", room_types().type("pediatric"))


def test_an_occupied_or_dirty_room_is_not_given_to_another_patient() -> None:
    occupied = occupy(_room(), DANA, _at(1), "M")
    with pytest.raises(Conflict, match="Exam 3 has Dana Whitfield since 08:01"):
        occupy(occupied, OMAR, _at(2), "M")
    turnover = provider_done(occupied, _at(20), "Dr")
    with pytest.raises(Conflict, match="needs turnover: it cannot become occupied"):
        occupy(turnover, OMAR, _at(21), "M")
    with pytest.raises(Conflict, match="not in turnover"):
        tick(occupied, "paper", EXAM)


def test_out_of_service_and_back_through_turnover() -> None:
    with pytest.raises(Conflict, match="has a patient"):
        take_out_of_service(occupy(_room(), DANA, _at(1), "M"), "leak", _at(2), "M")
    with pytest.raises(InvalidInput, match="say why"):
        take_out_of_service(_room(), " ", _at(2), "M")
    closed = take_out_of_service(_room(), "exam light   broken", _at(2), "M")
    assert (closed.state, closed.reason, closed.bed_status[0]) == (
        RoomState.OUT_OF_SERVICE,
        "exam light broken",
        "C",
    )
    back = return_to_service(closed, _at(90), "M")
    assert (back.state, back.reason) == (RoomState.TURNOVER, "")


def test_a_room_is_named_and_typed() -> None:
    with pytest.raises(InvalidInput, match="name the room"):
        new_room("  ", "exam", room_types(), T0, "M")
    with pytest.raises(InvalidInput, match="'closet' is not a room type"):
        new_room("Closet", "closet", room_types(), T0, "M")
    with pytest.raises(InvalidInput) as refused:
        occupy(_room(minutes=10), DANA, _at(5), "M")
    assert str(refused.value) == (
        "the room last changed at 08:10, after this time (08:05): check the terminal's clock"
    )


# ------------------------------------------------------------------ the board


def test_the_next_ready_room_is_the_longest_ready_of_its_type() -> None:
    exam_1 = _turned_over(provider_done(occupy(_room("Exam 1"), DANA, _at(1), "M"), _at(5), "D"), 9)
    exam_2 = _room("Exam 2", minutes=3)
    peds = _room("Peds 1", "pediatric", minutes=0)
    busy = occupy(_room("Exam 4"), OMAR, _at(2), "M")
    rooms = [exam_1, exam_2, peds, busy]
    assert next_ready_room(rooms, "exam") == exam_2
    assert next_ready_room(rooms) == peds
    assert next_ready_room(rooms, "procedure") is None
    assert room_of(rooms, OMAR.encounter_id) == busy
    assert room_of(rooms, 999) is None


def test_rooms_occupied_or_dirty_too_long_alert_longest_first() -> None:
    long_visit = occupy(_room("Exam 1"), DANA, _at(0), "M")
    dirty = provider_done(occupy(_room("Exam 2"), OMAR, _at(0), "M"), _at(50), "D")
    fine = _room("Exam 3")
    found = alerts([fine, dirty, long_visit], _at(70))
    assert [a.text for a in found] == [
        "Exam 1: Dana Whitfield in the room 70 min",
        "Exam 2: needs turnover for 20 min",
    ]
    assert alerts([long_visit], _at(70), occupied_minutes=90) == []
    assert board_line(long_visit, _at(23)) == "Exam 1  occupied  Dana Whitfield  23 min"


def test_the_alert_setting() -> None:
    assert parse_alert_minutes("15") == parse_alert_minutes(" 15 min") == 15
    for typed in ("0", "481", "", "ten", "1.5"):
        with pytest.raises(InvalidInput):
            parse_alert_minutes(typed)


@given(st.text(max_size=12))
def test_any_text_is_alert_minutes_or_a_refusal(text: str) -> None:
    try:
        minutes = parse_alert_minutes(text)
    except InvalidInput as refusal:
        assert str(refusal)
    else:
        assert 1 <= minutes <= 480


ROOM_ACTIONS = ("occupy", "done", "tick", "untick", "finish", "out", "back")


@given(
    kind=st.sampled_from(["exam", "procedure", "pediatric"]),
    steps=st.lists(
        st.tuples(
            st.sampled_from(ROOM_ACTIONS),
            st.sampled_from([DANA, OMAR]),
            st.sampled_from(["surfaces", "paper", "sharps", "toys", "instruments", "x"]),
        ),
        max_size=30,
    ),
)
def test_no_sequence_of_allowed_moves_reaches_an_invalid_room(
    kind: str, steps: list[tuple[str, Occupant, str]]
) -> None:
    room_type = room_types().type(kind)
    room = _room(kind=kind)
    for minute, (action, occupant, key) in enumerate(steps, start=1):
        before = room
        try:
            room = _apply(room, action, occupant, key, room_type, _at(minute))
        except UserError:
            assert room is before
            continue
        if room.state is not before.state:
            assert room.state in TRANSITIONS[before.state]
            assert room.since >= before.since
        if room.state is RoomState.READY and before.state is RoomState.TURNOVER:
            assert before.checked == room_type.item_keys
        assert (room.state is RoomState.OCCUPIED) == (room.occupant is not None)
        assert (room.state is RoomState.OUT_OF_SERVICE) == bool(room.reason)
        assert room.checked <= room_type.item_keys
        assert not room.checked or room.state is RoomState.TURNOVER


def _apply(room: Room, action: str, occupant: Occupant, key: str, kind: Any, at: datetime) -> Room:
    if action == "occupy":
        return occupy(room, occupant, at, "M")
    if action == "done":
        return provider_done(room, at, "D")
    if action in ("tick", "untick"):
        return tick(room, key, kind, done=action == "tick")
    if action == "finish":
        return finish_turnover(room, kind, at, "M")
    if action == "out":
        return take_out_of_service(room, "broken", at, "M")
    return return_to_service(room, at, "M")


# ------------------------------------------------------------------ FHIR


def test_each_state_is_a_location_with_its_bed_status_and_reads_back() -> None:
    occupied = occupy(_room(), DANA, _at(1), "M")
    turnover = provider_done(occupied, _at(30), "D")
    closed = take_out_of_service(turnover, "leak under the sink", _at(31), "M")
    for number, (room, code) in enumerate(
        [(_room(), "U"), (occupied, "O"), (turnover, "H"), (closed, "C")], start=1
    ):
        resource = location(room, f"00000000-0000-4000-8000-{number:012d}", type_name="Exam room")
        assert_valid([resource])
        assert resource["operationalStatus"]["code"] == code
        assert resource["physicalType"]["coding"][0]["code"] == "ro"
        back = state_from_location(resource)
        assert (back.name, back.state) == (room.name, room.state)
    assert location(closed, "x")["status"] == "suspended"
    assert location(closed, "x")["description"] == "leak under the sink"


def test_the_visit_names_its_room() -> None:
    occupied = occupy(_room(), DANA, _at(1), "M")
    reference = {"reference": "urn:uuid:room"}
    assert encounter_location(reference, occupied, DANA.encounter_id)["status"] == "active"
    done = provider_done(occupied, _at(20), "D")
    assert encounter_location(reference, done, DANA.encounter_id)["status"] == "completed"


def test_other_bed_statuses_and_refusals() -> None:
    base = location(_room(), "x")

    def coded(code: str) -> dict[str, Any]:
        return {**base, "operationalStatus": {"system": BED_STATUS_SYSTEM, "code": code}}

    assert state_from_location(coded("K")).state is RoomState.TURNOVER
    assert state_from_location(coded("I")).state is RoomState.OUT_OF_SERVICE
    assert state_from_location({**base, "status": "inactive"}).state is RoomState.OUT_OF_SERVICE
    with pytest.raises(LocationError, match="no v2-0116 bed status"):
        state_from_location(coded("Z"))
    with pytest.raises(LocationError, match="no name"):
        state_from_location({k: v for k, v in base.items() if k != "name"})
    with pytest.raises(LocationError, match="not a valid Location"):
        state_from_location({**base, "mode": 7})


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=10),
    lambda inner: st.lists(inner, max_size=3)
    | st.dictionaries(st.sampled_from(["name", "status", "operationalStatus", "code", "system",
                                       "resourceType", "x"]), inner, max_size=4),
    max_leaves=8,
)  # fmt: skip


@given(JSON_VALUES)
def test_any_json_is_a_room_state_or_a_refusal(value: Any) -> None:
    for resource in (
        value,
        {**value, "resourceType": "Location"} if isinstance(value, dict) else value,
    ):
        try:
            state_from_location(resource)
        except InvalidInput as refusal:
            assert str(refusal)


# ------------------------------------------------------------------ the catalog


def test_every_type_has_a_checklist_with_the_basics() -> None:
    for room_type in room_types().types:
        assert {"surfaces", "paper", "restock", "sharps"} <= room_type.item_keys


@pytest.fixture
def edited(tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Any]]:
    document: dict[str, Any] = json.loads((strict.CATALOG_DIR / CATALOG).read_text("utf-8"))
    monkeypatch.setattr(strict, "CATALOG_DIR", tmp_path)
    room_types.cache_clear()
    yield document
    room_types.cache_clear()


def _load(document: dict[str, Any]) -> None:
    (strict.CATALOG_DIR / CATALOG).write_text(json.dumps(document), "utf-8")
    room_types.cache_clear()
    room_types()


def test_the_unedited_types_load(edited: dict[str, Any]) -> None:
    _load(edited)


def test_a_repeated_item_or_type_is_refused(edited: dict[str, Any]) -> None:
    edited["types"][0]["checklist"].append(edited["types"][0]["checklist"][0])
    with pytest.raises(CatalogError, match=r"types\[0\]\.checklist repeats the checklist item"):
        _load(edited)


def test_an_empty_checklist_is_refused(edited: dict[str, Any]) -> None:
    edited["types"][1]["checklist"] = []
    with pytest.raises(CatalogError, match="non-empty list"):
        _load(edited)
