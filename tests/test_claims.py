"""One terminal holds a visit's draft, and every save carries the version it loaded.

The same MA signed in on two terminals (A and B) never both write one visit: B is told
which terminal has it; once A lets go or goes silent, B takes it, and A's next save,
from the version it loaded, is refused with ``DraftChanged`` instead of writing over
B's work. A signed visit's draft is never written again.
"""

from __future__ import annotations

import os
from datetime import timedelta

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session

from ma_tui.data.models.visits import RoomingDraft
from ma_tui.visits.claims import Terminal, claim_alive, hold_seconds_from, keep_alive, let_go
from ma_tui.visits.draft import VisitDraft
from ma_tui.visits.holding import (
    DraftChanged,
    VisitInUse,
    VisitSigned,
    open_visit,
    save_draft,
)
from ma_tui.visits.signing import sign_visit
from tests.conftest import CLINIC_NOW, todays_encounter_id

MIA = "mia"
A = Terminal(id="terminal-a", host="exam-pc-3", pid=4242)
B = Terminal(id="terminal-b", host="exam-pc-4", pid=4343)


def _open(
    engine: Engine, terminal: Terminal, *, minutes: float = 0, holder: str = MIA
) -> VisitDraft:
    encounter_id = todays_encounter_id(engine, "Whitfield")
    now = CLINIC_NOW + timedelta(minutes=minutes)
    return open_visit(
        engine, encounter_id, staff_id=None, now=now, holder=holder, terminal=terminal
    )


def _stored(engine: Engine) -> RoomingDraft:
    with Session(engine) as session:
        stored = session.get(RoomingDraft, todays_encounter_id(engine, "Whitfield"))
    assert stored is not None
    return stored


def test_the_same_ma_on_another_terminal_is_told_which_terminal_has_the_visit(
    demo_engine: Engine,
) -> None:
    _open(demo_engine, A)
    with pytest.raises(VisitInUse) as refused:
        _open(demo_engine, B, minutes=1)
    assert str(refused.value) == (
        "being roomed by mia on another terminal (exam-pc-3, process 4242) since 09:20"
    )
    again = _open(demo_engine, A, minutes=2)  # the holder itself resumes
    assert again.version == 1


def test_a_terminal_that_lets_go_hands_the_visit_to_the_same_ma_at_once(
    demo_engine: Engine,
) -> None:
    _open(demo_engine, A)
    let_go(demo_engine, A)
    assert _open(demo_engine, B, minutes=1).encounter_id > 0
    assert _stored(demo_engine).terminal_id == B.id


def test_a_silent_terminals_claim_expires_and_a_heartbeat_keeps_it(demo_engine: Engine) -> None:
    _open(demo_engine, A)
    hold = A.hold_seconds / 60
    keep_alive(demo_engine, A, now=CLINIC_NOW + timedelta(minutes=hold - 0.5))
    with pytest.raises(VisitInUse):
        _open(demo_engine, B, minutes=hold + 0.25)  # A beat half a minute before
    _open(demo_engine, B, minutes=2 * hold)  # A silent for longer than the hold time
    assert _stored(demo_engine).terminal_id == B.id


def test_a_claim_whose_process_is_gone_on_this_host_is_over_at_once(demo_engine: Engine) -> None:
    dead = Terminal(id="terminal-dead", pid=2**22 + 12345)  # this host, no such process
    _open(demo_engine, dead)
    stored = _stored(demo_engine)
    assert not claim_alive(stored, CLINIC_NOW, dead.hold_seconds)
    _open(demo_engine, B)  # no wait for the hold time


def test_a_save_from_a_stale_screen_is_refused_and_nothing_is_lost(demo_engine: Engine) -> None:
    """A went silent; B took the visit, typed and let go; A's save does not erase it."""
    on_a = _open(demo_engine, A)
    on_a.vitals.form = {"values": {"pulse": "76"}, "line": "p76"}
    save_draft(demo_engine, on_a, staff_id=None, now=CLINIC_NOW, holder=MIA, terminal=A)
    assert on_a.version == 2

    on_b = _open(demo_engine, B, minutes=5)
    assert on_b.vitals.form == {"values": {"pulse": "76"}, "line": "p76"}  # A's work
    on_b.complaint.chief_complaint = "cough"
    later = CLINIC_NOW + timedelta(minutes=6)
    save_draft(demo_engine, on_b, staff_id=None, now=later, holder=MIA, terminal=B)
    let_go(demo_engine, B)

    on_a.vitals.form = {"values": {"pulse": "76", "resp": "16"}, "line": "p76 r16"}
    with pytest.raises(DraftChanged, match="another terminal saved this visit at 09:26"):
        save_draft(demo_engine, on_a, staff_id=None, now=later, holder=MIA, terminal=A)
    on_a.checkin.identity_confirmed_at = CLINIC_NOW
    on_a.complaint.chief_complaint = "wheeze"
    with pytest.raises(DraftChanged):
        sign_visit(demo_engine, on_a, staff_id=None, now=later, holder=MIA, terminal=A)
    reloaded = _open(demo_engine, A, minutes=7)  # what the screen shows next
    assert reloaded.complaint.chief_complaint == "cough"
    assert reloaded.vitals.form == {"values": {"pulse": "76"}, "line": "p76"}
    assert reloaded.version == 3


def test_another_terminal_cannot_sign_and_a_signed_visit_is_never_drafted_again(
    demo_engine: Engine,
) -> None:
    on_a = _open(demo_engine, A)
    on_a.checkin.identity_confirmed_at = CLINIC_NOW
    on_a.complaint.chief_complaint = "cough"
    stale = on_a.model_copy(deep=True)
    with pytest.raises(VisitInUse):
        sign_visit(demo_engine, on_a, staff_id=None, now=CLINIC_NOW, holder=MIA, terminal=B)
    sign_visit(demo_engine, on_a, staff_id=None, now=CLINIC_NOW, holder=MIA, terminal=A)
    with pytest.raises(VisitSigned):
        save_draft(demo_engine, stale, staff_id=None, now=CLINIC_NOW, holder=MIA, terminal=A)
    with Session(demo_engine) as session:
        assert session.get(RoomingDraft, on_a.encounter_id) is None


def test_another_ma_is_refused_even_after_the_terminal_lets_go(demo_engine: Engine) -> None:
    _open(demo_engine, A)
    let_go(demo_engine, A)
    with pytest.raises(VisitInUse, match="being roomed by mia since 09:20"):
        _open(demo_engine, B, holder="jorge")


def test_the_hold_time_comes_from_the_environment_when_it_is_a_number() -> None:
    assert hold_seconds_from({"MA_TUI_HOLD_SECONDS": "4"}) == 4
    assert hold_seconds_from({"MA_TUI_HOLD_SECONDS": "soon"}) == 120
    assert hold_seconds_from({"MA_TUI_HOLD_SECONDS": "0"}) == 120
    assert hold_seconds_from({}) == 120
    assert Terminal().pid == os.getpid()
