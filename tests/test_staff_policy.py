"""The clinic's rules for secrets, and the waits that slow guessing (issue 15).

Administrators sign in with a passphrase of 12+ characters, everyone else with a
PIN of 6+ digits that is not among the first ones guessed; the clinic may ask for
more. Wrong PINs make the terminal and the account wait, ever longer, but an account
never waits more than 5 minutes, so no one keeps a colleague out for long; an
unknown user, a wrong PIN and an account that waits get the same answer.
"""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from argon2 import PasswordHasher, Type
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from ma_tui.clinic.settings import SettingError, change_setting
from ma_tui.data.audit import events
from ma_tui.data.models.staff import Staff, StaffRole
from ma_tui.staff import accounts
from ma_tui.staff.accounts import SecretError, add_user, change_own_secret, check_secret
from ma_tui.staff.policy import SecretPolicy, policy_change, read_policy, trivial_pin
from ma_tui.staff.signin import UNKNOWN_OR_WRONG, SignInOutcome, authenticate
from ma_tui.staff.throttle import account_wait, terminal_wait
from tests.conftest import CLINIC_NOW

CHEAP = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
NOW = CLINIC_NOW
PIN = "472913"
PASSPHRASE = "quiet meadow lantern"
HERE, THERE = "ssh from 10.0.0.7", "ssh from 10.0.0.9"


@pytest.fixture(autouse=True)
def cheap_hasher(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(accounts, "PASSWORD_HASHER", CHEAP)


def _mia(engine: Engine) -> Staff:
    return add_user(engine, "mia", "Mia", StaffRole.MA, PIN, now=NOW)


def _row(engine: Engine, username: str = "mia") -> Staff:
    with Session(engine) as session:
        staff = session.exec(select(Staff).where(Staff.username == username)).one()
        session.expunge(staff)
        return staff


# ------------------------------------------------------------------ the rules


@pytest.mark.parametrize(
    "pin",
    [
        "123456",  # the most common PIN
        "111111",  # one digit
        "234567",  # a run
        "987654",
        "890123",  # round the dial
        "121212",  # a block repeated
        "100100",
        "112233",  # pairs
        "123321",  # a palindrome
        "041268",  # April 12, 1968
        "120468",  # 12 April 1968
        "680412",  # 1968-04-12
        "198547",  # a birth year
        "472026",  # this year at the end
        "147258",  # a keypad column
        "04121968",  # MMDDYYYY
    ],
)
def test_trivial_pins_are_refused_with_the_reason(pin: str) -> None:
    assert trivial_pin(pin) is not None
    with pytest.raises(SecretError, match="among the first ones guessed"):
        check_secret(pin, StaffRole.MA)


@pytest.mark.parametrize("pin", ["472913", "385026", "619437", "84736251"])
def test_other_pins_of_six_or_more_digits_are_taken(pin: str) -> None:
    assert check_secret(pin, StaffRole.MA) == pin


def test_a_pin_is_six_digits_at_least_and_the_clinic_may_ask_more() -> None:
    with pytest.raises(SecretError, match="a PIN has 6 to 12 digits, not 4"):
        check_secret("2468", StaffRole.MA)
    longer = SecretPolicy(pin_min=8)
    with pytest.raises(SecretError, match="a PIN has 8 to 12 digits, not 6"):
        check_secret(PIN, StaffRole.MA, longer)
    assert check_secret("84736251", StaffRole.MA, longer) == "84736251"


def test_an_administrator_needs_a_passphrase_of_twelve() -> None:
    with pytest.raises(SecretError, match="an administrator needs a passphrase of at least 12"):
        check_secret(PIN, StaffRole.ADMIN)
    with pytest.raises(SecretError, match="at least 12 characters"):
        check_secret("two words", StaffRole.ADMIN)
    assert check_secret(PASSPHRASE, StaffRole.ADMIN) == PASSPHRASE
    assert check_secret(PASSPHRASE, StaffRole.MA) == PASSPHRASE  # anyone may use one


@pytest.mark.parametrize(
    ("secret", "why"),
    [
        ("aaaaaaaaaaaaaaaa", "6 different characters"),
        ("abababababababab", "6 different characters"),
        ("Password2024!", "common word"),
        ("qwertyuiop12", "row of keys"),
        ("Welcome!12345", "common word"),
        ("helen.marsh.admin.2026", "username"),
    ],
)
def test_guessable_passphrases_are_refused(secret: str, why: str) -> None:
    with pytest.raises(SecretError, match=why):
        check_secret(secret, StaffRole.ADMIN, username="helen.marsh")


def test_the_lengths_are_settings_that_only_go_up(engine: Engine) -> None:
    assert read_policy(engine) == SecretPolicy(6, 12)
    change_setting(engine, policy_change("pin-min", "8"), now=NOW)
    change_setting(engine, policy_change("passphrase-min", "16"), now=NOW)
    assert read_policy(engine) == SecretPolicy(8, 16)
    for name, value in (("pin-min", "4"), ("passphrase-min", "8"), ("pin-min", "13")):
        with pytest.raises(SettingError):
            policy_change(name, value)  # type: ignore[arg-type]


def test_add_user_applies_the_clinics_policy(engine: Engine) -> None:
    change_setting(engine, policy_change("pin-min", "8"), now=NOW)
    with pytest.raises(SecretError, match="8 to 12 digits"):
        add_user(engine, "mia", "Mia", StaffRole.MA, PIN, now=NOW)
    with pytest.raises(SecretError, match="administrator needs a passphrase"):
        add_user(engine, "helen", "Helen", StaffRole.ADMIN, "84736251", now=NOW)


@settings(max_examples=200)
@given(st.text(max_size=40))
def test_any_text_is_a_secret_or_a_reason(secret: str) -> None:
    for role in StaffRole:
        try:
            check_secret(secret, role, username="mia")
        except SecretError as exc:
            assert str(exc)


def test_argon2_parameters_are_pinned_for_a_six_digit_pin() -> None:
    hasher = accounts.production_hasher()  # what sign-in uses when no test swaps it
    assert (hasher.time_cost, hasher.memory_cost, hasher.parallelism) == (3, 65536, 4)
    assert hasher.type is Type.ID
    assert hasher.hash(PIN).startswith("$argon2id$v=19$m=65536,t=3,p=4$")


# -------------------------------------------------------------- the waits


def test_the_schedules() -> None:
    assert [account_wait(n).total_seconds() for n in range(1, 11)] == [
        0,
        0,
        0,
        0,
        30,
        60,
        120,
        240,
        300,
        300,
    ]
    lockout = timedelta(minutes=15)
    assert [terminal_wait(n, lockout).total_seconds() for n in range(1, 11)] == [
        0,
        0,
        15,
        30,
        60,
        120,
        240,
        480,
        900,
        900,
    ]


def test_unknown_user_wrong_pin_and_a_waiting_account_get_one_answer(engine: Engine) -> None:
    _mia(engine)
    at = NOW
    answers = set()
    for n in range(5):  # each from its own terminal: only the account's count grows
        answers.add(authenticate(engine, "mia", "000000", now=at, terminal=f"t{n}").message)
    waiting = authenticate(engine, "mia", PIN, now=at, terminal="t9")  # the right PIN
    unknown = authenticate(engine, "nobody", PIN, now=at, terminal="t8")
    assert waiting.outcome is SignInOutcome.ACCOUNT_WAITING
    assert answers == {waiting.message, unknown.message} == {UNKNOWN_OR_WRONG}
    assert "Locked" not in UNKNOWN_OR_WRONG


def test_an_account_waits_ever_longer_but_never_more_than_five_minutes(engine: Engine) -> None:
    _mia(engine)
    at = NOW
    for n in range(1, 13):
        result = authenticate(engine, "mia", "000000", now=at, terminal=f"t{n}")
        assert result.outcome is SignInOutcome.WRONG_SECRET
        wait = account_wait(n)
        assert _row(engine).locked_until == (at + wait if wait else None)
        # Trying during the wait changes nothing, and is refused unchecked.
        if wait:
            early = authenticate(engine, "mia", PIN, now=at + wait / 2, terminal=f"e{n}")
            assert early.outcome is SignInOutcome.ACCOUNT_WAITING
            assert _row(engine).failed_attempts == n
        at += wait
    assert account_wait(12) == timedelta(minutes=5)  # 12 failures: 5 minutes, no more
    signed = authenticate(engine, "mia", PIN, now=at, terminal="own")
    assert signed.ok
    assert (_row(engine).failed_attempts, _row(engine).locked_until) == (0, None)


def test_a_terminal_waits_whichever_names_it_tries(engine: Engine) -> None:
    _mia(engine)
    for name in ("nobody", "admin", "mia"):  # three tries come at once
        assert authenticate(engine, name, "000000", now=NOW, terminal=HERE).outcome in (
            SignInOutcome.UNKNOWN_USER,
            SignInOutcome.WRONG_SECRET,
        )
    refused = authenticate(engine, "mia", PIN, now=NOW + timedelta(seconds=10), terminal=HERE)
    assert refused.outcome is SignInOutcome.TERMINAL_WAITING
    assert "this terminal" in refused.message
    assert "try again in 5 seconds" in refused.message
    # The owner at her own terminal is not slowed by what happened at another.
    assert authenticate(engine, "mia", PIN, now=NOW, terminal=THERE).ok
    # After the wait the terminal takes a try again, and a success starts it afresh.
    later = NOW + timedelta(seconds=15)
    assert authenticate(engine, "mia", PIN, now=later, terminal=HERE).ok
    assert authenticate(engine, "x", "0", now=later, terminal=HERE).outcome is not (
        SignInOutcome.TERMINAL_WAITING
    )


def test_a_colleague_cannot_keep_an_account_out_for_long(engine: Engine) -> None:
    """Someone trying Mia's account over and over, as fast as their terminal lets them:
    Mia at her own terminal waits at most 5 minutes after each of their tries."""
    _mia(engine)
    at = NOW
    kept_out = timedelta(0)
    for _ in range(14):
        result = authenticate(engine, "mia", "000000", now=at, terminal=HERE)
        assert result.outcome is SignInOutcome.WRONG_SECRET
        until = _row(engine).locked_until
        kept_out += (until - at) if until else timedelta(0)
        assert until is None or until - at <= timedelta(minutes=5)
        failures = sum(1 for e in _sign_ins(engine) if e.get("terminal") == HERE)
        at += terminal_wait(failures, timedelta(minutes=15))  # the attacker's own wait
    assert kept_out <= (at - NOW) / 2
    assert authenticate(engine, "mia", PIN, now=at, terminal=THERE).ok


def _sign_ins(engine: Engine) -> list[dict[str, object]]:
    with Session(engine) as session:
        return [
            json.loads(e.detail or "{}")
            for e in events(session)
            if e.action in ("sign_in", "sign_in_failed")
        ]


def test_each_attempt_records_its_terminal_and_never_the_text_typed(engine: Engine) -> None:
    _mia(engine)
    authenticate(engine, "mia", "000000", now=NOW, terminal=HERE)
    authenticate(engine, f"mia{PIN}", "", now=NOW, terminal=HERE)
    authenticate(engine, "mia", PIN, now=NOW, terminal=HERE)
    details = _sign_ins(engine)
    assert [d["terminal"] for d in details] == [HERE] * 3
    assert [d["outcome"] for d in details] == ["wrong_secret", "unknown_user", "signed_in"]
    assert PIN not in json.dumps(details)


# ------------------------------------------------- secrets from before the rules


def _old_pin(engine: Engine, username: str, pin: str) -> None:
    """A secret stored before today's rules (a 4-digit PIN)."""
    with Session(engine) as session:
        staff = session.exec(select(Staff).where(Staff.username == username)).one()
        staff.secret_hash = CHEAP.hash(pin.encode())
        session.add(staff)
        session.commit()


def test_an_old_secret_still_signs_in_but_must_be_changed(engine: Engine) -> None:
    staff = _mia(engine)
    _old_pin(engine, "mia", "2468")
    result = authenticate(engine, "mia", "2468", now=NOW, terminal=HERE)
    assert result.ok
    assert result.must_change
    assert result.audit_detail()["must_change"] is True
    assert staff.id is not None
    with pytest.raises(SecretError, match="6 to 12 digits"):
        change_own_secret(engine, staff.id, "1357", now=NOW)
    change_own_secret(engine, staff.id, "385026", now=NOW)
    again = authenticate(engine, "mia", "385026", now=NOW, terminal=HERE)
    assert again.ok
    assert not again.must_change
    assert not authenticate(engine, "mia", "2468", now=NOW, terminal=THERE).ok


def test_a_secret_that_meets_the_rules_needs_no_change(engine: Engine) -> None:
    _mia(engine)
    assert not authenticate(engine, "mia", PIN, now=NOW, terminal=HERE).must_change
