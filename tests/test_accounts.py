"""Staff accounts: sign-in, lockout, administration, the validators, and ``ma-tui users``."""

from __future__ import annotations

import builtins
import getpass
import io
import itertools
import json
import re
import unicodedata
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Literal

import pytest
from argon2 import PasswordHasher
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from ma_tui import cli
from ma_tui.cli import main
from ma_tui.core.errors import DatabaseUnavailable, NotAllowed
from ma_tui.data.models.staff import Staff, StaffRole
from ma_tui.data.store import create_store_engine, sqlite_url
from ma_tui.staff import accounts
from ma_tui.staff.accounts import (
    AccountError,
    SecretError,
    UsernameError,
    UsernameTaken,
    account_status,
    add_first_admin,
    add_user,
    check_secret,
    disable_user,
    enable_user,
    list_users,
    needs_first_admin,
    normalize_username,
    parse_role,
    reset_secret,
)
from ma_tui.staff.prompts import (
    NEW_SECRET_ENV,
    ask_first_admin,
    create_first_admin,
    read_new_secret,
)
from ma_tui.staff.signin import DISABLED, UNKNOWN_OR_WRONG, SignInOutcome, authenticate
from ma_tui.staff.throttle import this_terminal
from tests.conftest import CLINIC_NOW
from tests.credentials import signed_as

# argon2-cffi's defaults cost tens of milliseconds a hash on purpose; tests use the
# cheapest parameters argon2 allows (the production hasher is untouched).
PRODUCTION = accounts.PASSWORD_HASHER  # as imported, before any test swaps it
CHEAP = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
NOW = CLINIC_NOW  # 09:20 at the clinic


@pytest.fixture(autouse=True)
def cheap_hasher(monkeypatch: pytest.MonkeyPatch) -> PasswordHasher:
    monkeypatch.setattr(accounts, "PASSWORD_HASHER", CHEAP)
    return CHEAP


PIN = "472913"  # meets the clinic's rules (tests/test_staff_policy.py)
PASSPHRASE = "quiet meadow lantern"  # an administrator's


def _secret(role: StaffRole) -> str:
    return PASSPHRASE if role is StaffRole.ADMIN else PIN


def _add(engine: Engine, username: str = "mia", role: StaffRole = StaffRole.MA) -> Staff:
    return add_user(engine, username, username.title(), role, _secret(role), now=NOW)


def _row(engine: Engine, username: str) -> Staff:
    with Session(engine) as session:
        staff = session.exec(select(Staff).where(Staff.username == username)).one()
        session.expunge(staff)
        return staff


def _fail(engine: Engine, times: int, *, at: datetime = NOW, username: str = "mia") -> None:
    """Wrong PINs, each from its own terminal (so only the account's count grows)."""
    for n in range(times):
        assert not authenticate(engine, username, "000000", now=at, terminal=f"t{n}").ok


# ------------------------------------------------------------------ sign-in


def test_right_pin_signs_in_and_resets_the_failed_count(engine: Engine) -> None:
    _add(engine)
    _fail(engine, 3)
    assert _row(engine, "mia").failed_attempts == 3
    result = authenticate(engine, "  MIA ", PIN, now=NOW)
    assert result.ok
    assert result.outcome is SignInOutcome.SIGNED_IN
    assert result.message == ""
    assert result.audit_action == "sign_in"
    assert result.staff is not None
    assert result.staff.username == "mia"
    assert result.staff.role is StaffRole.MA
    assert result.staff_id == result.staff.id
    assert _row(engine, "mia").failed_attempts == 0


def test_the_signed_in_staff_stays_readable_after_the_session(file_engine: Engine) -> None:
    _add(file_engine)
    result = authenticate(file_engine, "mia", PIN, now=NOW)
    # No transaction left open: another terminal can write at once.
    assert file_engine.pool.checkedout() == 0  # type: ignore[attr-defined]
    assert result.staff is not None
    assert result.staff.display_name == "Mia"


def test_unknown_user_and_wrong_pin_get_the_same_message(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    verified: list[str] = []

    class CountingHasher(PasswordHasher):
        def verify(self, hash: str | bytes, password: str | bytes) -> Literal[True]:
            verified.append(str(hash))
            return super().verify(hash, password)

    monkeypatch.setattr(
        accounts, "PASSWORD_HASHER", CountingHasher(time_cost=1, memory_cost=8, parallelism=1)
    )
    _add(engine)
    wrong = authenticate(engine, "mia", "1111", now=NOW)
    unknown = authenticate(engine, "nobody", PIN, now=NOW)
    nonsense = authenticate(engine, "?! \x1b[31m", "", now=NOW)
    assert wrong.message == unknown.message == nonsense.message == UNKNOWN_OR_WRONG
    assert UNKNOWN_OR_WRONG.startswith("Unknown user or wrong PIN.")
    assert (wrong.outcome, unknown.outcome) == (
        SignInOutcome.WRONG_SECRET,
        SignInOutcome.UNKNOWN_USER,
    )
    # The caller's audit event still tells them apart, and knows whose account was tried.
    assert wrong.staff_id is not None
    assert unknown.staff_id is None
    assert unknown.audit_action == wrong.audit_action == "sign_in_failed"
    place = this_terminal()
    assert unknown.audit_detail() == {"outcome": "unknown_user", "terminal": place}
    assert wrong.audit_detail() == {
        "username": "mia",
        "outcome": "wrong_secret",
        "failed_attempts": 1,
        "terminal": place,
    }
    assert "\x1b" not in nonsense.username
    # An argon2 verify for every attempt, unknown users included (same cost, same time).
    assert len(verified) == 3


def test_disabled_user_is_refused(engine: Engine) -> None:
    _add(engine, "admin", StaffRole.ADMIN)
    _add(engine)
    disable_user(engine, "mia", now=NOW)
    right = authenticate(engine, "mia", PIN, now=NOW)
    wrong = authenticate(engine, "mia", "1111", now=NOW)
    assert not right.ok
    assert right.outcome is SignInOutcome.DISABLED
    assert right.message == DISABLED == "This account is disabled; ask an administrator"
    # Only someone who knows the PIN learns the account exists and is disabled.
    assert wrong.message == UNKNOWN_OR_WRONG
    enable_user(engine, "mia", now=NOW)
    assert authenticate(engine, "mia", PIN, now=NOW).ok


def test_an_account_without_a_secret_never_signs_in(engine: Engine) -> None:
    with Session(engine) as session:
        session.add(Staff(username="old", display_name="Old", role=StaffRole.MA))
        session.commit()
    for secret in ("", PIN, "0000"):
        result = authenticate(engine, "old", secret, now=NOW)
        assert result.outcome is SignInOutcome.WRONG_SECRET
        assert result.message == UNKNOWN_OR_WRONG


def test_an_old_hash_is_rehashed_with_todays_parameters(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    _add(engine)
    old_hash = _row(engine, "mia").secret_hash
    assert old_hash is not None
    stronger = PasswordHasher(time_cost=2, memory_cost=16, parallelism=1)
    monkeypatch.setattr(accounts, "PASSWORD_HASHER", stronger)
    assert authenticate(engine, "mia", PIN, now=NOW).ok
    new_hash = _row(engine, "mia").secret_hash
    assert new_hash is not None
    assert new_hash != old_hash
    assert new_hash.startswith("$argon2id$")
    assert not stronger.check_needs_rehash(new_hash)
    assert authenticate(engine, "mia", PIN, now=NOW).ok
    assert _row(engine, "mia").secret_hash == new_hash


def test_production_hasher_is_argon2id_with_the_pinned_parameters() -> None:
    assert (PRODUCTION.time_cost, PRODUCTION.memory_cost, PRODUCTION.parallelism) == (3, 65536, 4)
    assert PRODUCTION.type.name == "ID"


def test_a_password_typed_decomposed_matches_one_stored_composed(engine: Engine) -> None:
    composed = "caf\u00e9 au lait"
    add_user(engine, "lena", "Lena", StaffRole.PROVIDER, composed, now=NOW)
    decomposed = unicodedata.normalize("NFD", composed)
    assert authenticate(engine, "lena", decomposed, now=NOW).ok
    assert not authenticate(engine, "lena", "cafe au lait", now=NOW).ok


def test_a_failed_sign_in_keeps_no_text_typed_for_an_unknown_user(engine: Engine) -> None:
    """``mia⏎2468⏎`` glued together by a starting terminal is no username: the PIN it
    holds must not reach the permanent audit trail."""
    _add(engine)
    glued = authenticate(engine, "mia2468", "", now=NOW)
    assert not authenticate(engine, "  MIA ", "1111", now=NOW).ok
    assert glued.outcome is SignInOutcome.UNKNOWN_USER
    with Session(engine) as session:
        from ma_tui.data.audit import events

        details = [json.loads(e.detail or "{}") for e in events(session)[-2:]]
    assert "mia2468" not in json.dumps(details)
    assert details[0]["outcome"] == "unknown_user"
    assert "username" not in details[0]
    assert details[1]["username"] == "mia"  # the account's own name, not the text typed


def test_the_secret_is_never_stored_or_reported(engine: Engine) -> None:
    _add(engine)
    results = [authenticate(engine, "mia", secret, now=NOW) for secret in (PIN, "97531")]
    stored = _row(engine, "mia").secret_hash
    assert stored is not None
    assert stored.startswith("$argon2id$")
    assert PIN not in stored
    for result in results:
        text = json.dumps(result.audit_detail())
        assert PIN not in text
        assert "97531" not in text


def test_each_attempt_is_one_audit_event_with_its_outcome(engine: Engine) -> None:
    _add(engine)
    trail = _trail(engine)
    authenticate(engine, "mia", "0000", now=NOW)
    authenticate(engine, "nobody", PIN, now=NOW)
    authenticate(engine, "mia", PIN, now=NOW)
    from ma_tui.data.audit import events

    with Session(engine) as session:
        new = events(session)[len(trail) :]
    assert [(e.action, e.staff_username, e.os_user is not None) for e in new] == [
        ("sign_in_failed", "mia", False),
        ("sign_in_failed", None, True),  # no account: the OS user of the terminal
        ("sign_in", "mia", False),
    ]
    assert json.loads(new[0].detail or "{}") == {
        "username": "mia",
        "outcome": "wrong_secret",
        "failed_attempts": 1,
        "terminal": this_terminal(),
    }


# ------------------------------------------------------------- administration


def test_last_admin_cannot_be_disabled(engine: Engine) -> None:
    assert needs_first_admin(engine)
    _add(engine, "helen", StaffRole.ADMIN)
    assert not needs_first_admin(engine)
    with pytest.raises(AccountError, match="last active administrator"):
        disable_user(engine, "helen", now=NOW)
    _add(engine, "omar", StaffRole.ADMIN)
    assert not disable_user(engine, "HELEN", now=NOW).active
    with pytest.raises(AccountError, match="'omar' is the last active administrator"):
        disable_user(engine, "omar", now=NOW)
    assert not needs_first_admin(engine)
    assert _row(engine, "omar").active
    assert not _row(engine, "helen").active


def test_reset_ends_the_wait_and_replaces_the_secret(engine: Engine) -> None:
    _add(engine)
    _fail(engine, 5)
    waiting = authenticate(engine, "mia", PIN, now=NOW, terminal="own")
    assert waiting.outcome is SignInOutcome.ACCOUNT_WAITING
    staff = reset_secret(engine, "mia", "correct horse staple", now=NOW)
    assert (staff.failed_attempts, staff.locked_until) == (0, None)
    assert not authenticate(engine, "mia", PIN, now=NOW, terminal="own").ok
    assert authenticate(engine, "mia", "correct horse staple", now=NOW, terminal="own").ok


def test_add_user_checks_everything_before_writing(engine: Engine) -> None:
    staff = add_user(
        engine,
        " Dr.Chen ",
        "  Lena\tChen ",
        "provider",
        "740358",
        credentials=" MD ",
        now=NOW,
    )
    assert (staff.username, staff.display_name, staff.credentials) == (
        "dr.chen",
        "Lena Chen",
        "MD",
    )
    assert staff.role is StaffRole.PROVIDER
    assert staff.created_at == NOW
    refusals: list[tuple[dict[str, str], str]] = [
        ({"username": "DR.CHEN"}, "username 'dr.chen' is taken"),
        ({"username": "x"}, "a username has 2 to 64 characters"),
        ({"display_name": " \t "}, "a user needs a name"),
        ({"role": "surgeon"}, "unknown role 'surgeon'"),
        ({"secret": "12"}, "a PIN has 6 to 12 digits"),
        ({"credentials": "C" * 40}, "credentials have at most 32 characters"),
    ]
    for change, message in refusals:
        fields = {
            "username": "jorge",
            "display_name": "Jorge",
            "role": "ma",
            "secret": "385026",
            **change,
        }
        with pytest.raises(AccountError, match=re.escape(message)):
            add_user(
                engine,
                fields["username"],
                fields["display_name"],
                fields["role"],
                fields["secret"],
                credentials=change.get("credentials"),
                now=NOW,
            )
    assert [s.username for s in list_users(engine)] == ["dr.chen"]


def test_unknown_users_are_named_in_admin_errors(engine: Engine) -> None:
    actions: tuple[Callable[[], object], ...] = (
        lambda: disable_user(engine, "ghost", now=NOW),
        lambda: enable_user(engine, "ghost", now=NOW),
        lambda: reset_secret(engine, "ghost", PIN, now=NOW),
    )
    for action in actions:
        with pytest.raises(AccountError, match="no user 'ghost'"):
            action()


def test_account_status(engine: Engine) -> None:
    _add(engine, "helen", StaffRole.ADMIN)
    _add(engine)
    _add(engine, "jorge")
    _fail(engine, 5)
    disable_user(engine, "jorge", now=NOW)
    shown = {s.username: account_status(s, NOW) for s in list_users(engine)}
    assert shown == {"helen": "active", "jorge": "disabled", "mia": "locked until 09:20"}
    later = NOW + timedelta(seconds=30)  # the 5th failure: half a minute
    assert [account_status(s, later) for s in list_users(engine)][2] == "active"


@pytest.mark.parametrize(
    ("text", "role"),
    [("ma", StaffRole.MA), (" Nurse", StaffRole.NURSE), ("front-desk", StaffRole.FRONT_DESK)],
)
def test_roles_in_any_case(text: str, role: StaffRole) -> None:
    assert parse_role(text) is role


# ------------------------------------------- the change and its audit event


def _refuse_writes_to(engine: Engine, table: str) -> None:
    """From now on the database refuses every new row or change in ``table``."""
    with engine.begin() as connection:
        for event in ("INSERT", "UPDATE"):
            connection.exec_driver_sql(
                f"CREATE TRIGGER refuse_{event.lower()}_{table} BEFORE {event} ON {table} "
                f"BEGIN SELECT RAISE(ABORT, '{table} is refused'); END"
            )


def _trail(engine: Engine) -> list[tuple[str, str | None]]:
    from ma_tui.data.audit import events

    with Session(engine) as session:
        return [(event.action, event.entity) for event in events(session)]


ACCOUNT_CHANGES: dict[str, Callable[[Engine], object]] = {
    "add": lambda engine: add_user(engine, "jorge", "Jorge", "ma", "385026", now=NOW),
    "disable": lambda engine: disable_user(engine, "mia", now=NOW),
    "enable": lambda engine: enable_user(engine, "omar", now=NOW),
    "reset": lambda engine: reset_secret(engine, "mia", "861530", now=NOW),
    "sign-in attempt": lambda engine: authenticate(engine, "mia", "000000", now=NOW),
}


def _clinic(engine: Engine) -> None:
    """An administrator, mia (active) and omar (disabled): each change has one to change."""
    _add(engine, "helen", StaffRole.ADMIN)
    _add(engine)
    _add(engine, "omar")
    disable_user(engine, "omar", now=NOW)


def _accounts(engine: Engine) -> list[tuple[str, bool, int, str | None]]:
    return [
        (staff.username, staff.active, staff.failed_attempts, staff.secret_hash)
        for staff in list_users(engine)
    ]


@pytest.mark.parametrize("change", ACCOUNT_CHANGES)
def test_an_account_change_is_not_kept_when_its_audit_event_cannot_be(
    engine: Engine, change: str
) -> None:
    _clinic(engine)
    before, trail = _accounts(engine), _trail(engine)
    _refuse_writes_to(engine, "audit_event")
    with pytest.raises(DatabaseUnavailable):
        ACCOUNT_CHANGES[change](engine)
    assert _accounts(engine) == before
    assert _trail(engine) == trail


@pytest.mark.parametrize("change", ACCOUNT_CHANGES)
def test_no_audit_event_is_kept_when_its_account_change_cannot_be(
    engine: Engine, change: str
) -> None:
    _clinic(engine)
    before, trail = _accounts(engine), _trail(engine)
    _refuse_writes_to(engine, "staff")
    # A new row refused reads as its username taken: the one refusal a new account meets.
    with pytest.raises(UsernameTaken if change == "add" else DatabaseUnavailable):
        ACCOUNT_CHANGES[change](engine)
    assert _accounts(engine) == before
    assert _trail(engine) == trail


def test_each_account_change_is_one_audit_event_by_its_administrator(engine: Engine) -> None:
    helen = _add(engine, "helen", StaffRole.ADMIN)
    _add(engine)
    trail = _trail(engine)
    add_user(engine, "jorge", "Jorge", "ma", "385026", now=NOW, by=helen.id)
    disable_user(engine, "jorge", now=NOW, by=helen.id)
    enable_user(engine, "jorge", now=NOW, by=helen.id)
    reset_secret(engine, "jorge", "861530", now=NOW, by=helen.id)
    from ma_tui.data.audit import events

    with Session(engine) as session:
        new = events(session)[len(trail) :]
    assert [(e.action, e.entity, e.staff_username, e.os_user) for e in new] == [
        ("create", "staff", "helen", None),
        ("update", "staff", "helen", None),
        ("update", "staff", "helen", None),
        ("update", "staff", "helen", None),
    ]
    assert [json.loads(e.detail or "{}")["change"] for e in new] == [
        "add",
        "disable",
        "enable",
        "reset_secret",
    ]


def test_only_an_active_administrator_changes_accounts(engine: Engine) -> None:
    helen = _add(engine, "helen", StaffRole.ADMIN)
    mia = _add(engine)
    trail = _trail(engine)
    with pytest.raises(NotAllowed, match="only an administrator"):
        add_user(engine, "jorge", "Jorge", "ma", "385026", now=NOW, by=mia.id)
    _add(engine, "omar", StaffRole.ADMIN)
    disable_user(engine, "helen", now=NOW)
    with pytest.raises(NotAllowed, match="only an administrator"):
        enable_user(engine, "helen", now=NOW, by=helen.id)
    assert "jorge" not in {staff.username for staff in list_users(engine)}
    assert [entity for _, entity in _trail(engine)[len(trail) :]] == ["staff", "staff"]


# ---------------------------------------------------------------- validators


@pytest.mark.parametrize(
    ("text", "username"),
    [("mia", "mia"), (" Dr.Chen\t", "dr.chen"), ("np.brooks", "np.brooks"), ("a_b-c.9", "a_b-c.9")],
)
def test_good_usernames_are_normalized(text: str, username: str) -> None:
    assert normalize_username(text) == username


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("m", "a username has 2 to 64 characters, not 1"),
        ("", "a username has 2 to 64 characters, not 0"),
        ("x" * 65, "a username has 2 to 64 characters, not 65"),
        ("mia sorensen", "has a character other than a-z, 0-9, '.', '-', '_'"),
        ("józef", "has a character other than a-z, 0-9, '.', '-', '_'"),
        ("\u212aate", "has a character other than"),  # KELVIN SIGN lower-cases to "k"
        ("-mia", "must start with a letter or digit"),
        (".mia", "must start with a letter or digit"),
        ("mia@clinic", "has a character other than"),
    ],
)
def test_bad_usernames_say_why(text: str, message: str) -> None:
    with pytest.raises(UsernameError, match=re.escape(message)):
        normalize_username(text)


@given(st.text())
def test_any_text_is_a_valid_username_or_a_username_error(text: str) -> None:
    try:
        name = normalize_username(text)
    except UsernameError as exc:
        assert isinstance(exc, AccountError)
        assert isinstance(exc, ValueError)
        assert str(exc)
        assert "\n" not in str(exc)
        assert len(str(exc)) < 150
    else:
        assert re.fullmatch(r"[a-z0-9][a-z0-9._-]{1,63}", name)
        assert normalize_username(name) == name


@settings(max_examples=300)  # generating from a regex is slow; the property is simple
@given(st.from_regex(r"[A-Za-z0-9][A-Za-z0-9._-]{1,63}", fullmatch=True))
def test_every_well_formed_username_is_accepted(text: str) -> None:
    assert normalize_username(text) == text.lower()


@pytest.mark.parametrize(
    "secret",
    [PIN, "84736251", "correct horse", "pqrstuvw" * 16, "4738291056382", "naïve🙂 lantern"],
)
def test_good_secrets(secret: str) -> None:
    assert check_secret(secret, StaffRole.MA) == secret


@pytest.mark.parametrize(
    ("secret", "message"),
    [
        ("", "the PIN or passphrase is empty"),
        ("123", "a PIN has 6 to 12 digits, not 3"),
        (
            "abc123",
            "a PIN of 6 to 12 digits, or a passphrase of at least 12 characters is needed",
        ),
        ("١٢٣٤٥٦", "a passphrase of at least 12 characters"),  # Arabic-Indic digits: no PIN
        ("pqrstuvw" * 16 + "x", "a passphrase has at most 128 characters, not 129"),
        ("pass\nword1", "cannot hold control characters"),
        ("password\x00", "cannot hold control characters"),
    ],
)
def test_bad_secrets_say_why(secret: str, message: str) -> None:
    with pytest.raises(SecretError, match=re.escape(message)):
        check_secret(secret, StaffRole.MA)


@given(st.text(max_size=200) | st.from_regex(r"[0-9]{0,16}", fullmatch=True))
def test_any_text_is_an_accepted_secret_or_a_secret_error(secret: str) -> None:
    try:
        accepted = check_secret(secret, StaffRole.MA)
    except SecretError as exc:
        assert isinstance(exc, AccountError)
        assert isinstance(exc, ValueError)
        assert str(exc)
        assert "\n" not in str(exc)
        assert len(str(exc)) < 150
    else:
        assert accepted == secret
        assert re.fullmatch(r"[0-9]{6,12}", secret) or 12 <= len(secret) <= 128


# One database for all the examples, on purpose: mia is added by the first.
@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(username=st.text(max_size=80), secret=st.text(max_size=600))
def test_authenticate_never_raises_on_any_input(engine: Engine, username: str, secret: str) -> None:
    if not list_users(engine):
        _add(engine)
    result = authenticate(engine, username, secret, now=NOW, terminal=f"t{next(_TERMINALS)}")
    right = username.strip().lower() == "mia" and secret == PIN
    # Right, unless earlier examples' wrong PINs made the account wait.
    assert result.ok == right or result.outcome is SignInOutcome.ACCOUNT_WAITING
    assert "\n" not in result.message
    assert len(result.username) <= 64
    json.dumps(result.audit_detail())


def test_authenticate_needs_an_aware_now(engine: Engine) -> None:
    with pytest.raises(ValueError, match="aware"):
        authenticate(engine, "mia", PIN, now=datetime(2026, 11, 23, 9, 20))  # noqa: DTZ001 (the point)
    assert datetime.now(UTC).tzinfo is not None


# ------------------------------------------------------------------ prompts


def _MA_RULES(secret: str) -> str:
    return check_secret(secret, StaffRole.MA, username="mia")


_TERMINALS = itertools.count()


class _Answers:
    """Typed answers, one per prompt, recording each prompt."""

    def __init__(self, *answers: str) -> None:
        self.answers = list(answers)
        self.prompts: list[str] = []

    def __call__(self, prompt: str) -> str:
        self.prompts.append(prompt)
        if not self.answers:
            raise EOFError
        return self.answers.pop(0)


def test_new_secret_is_asked_twice_and_must_match() -> None:
    said: list[str] = []
    typed = _Answers(PIN, PIN)
    secret = read_new_secret(
        "mia", _MA_RULES, interactive=True, environ={}, getpass=typed, say=said.append
    )
    assert secret == PIN
    assert len(typed.prompts) == 2
    assert said == []
    with pytest.raises(AccountError, match="the two entries differ"):
        read_new_secret(
            "mia", _MA_RULES, interactive=True, environ={}, getpass=_Answers(PIN, "472914")
        )
    typed = _Answers("12", PIN, "472914", PIN, PIN)
    secret = read_new_secret(
        "mia", _MA_RULES, interactive=True, environ={}, getpass=typed, say=said.append, attempts=3
    )
    assert secret == PIN
    assert len(said) == 2
    assert said[0].startswith("a PIN has 6 to 12 digits")
    assert "differ" in said[1]


def test_without_a_terminal_the_secret_comes_only_from_the_environment() -> None:
    never = _Answers()
    environ = {NEW_SECRET_ENV: PIN}
    assert (
        read_new_secret("mia", _MA_RULES, interactive=False, environ=environ, getpass=never) == PIN
    )
    with pytest.raises(AccountError, match=NEW_SECRET_ENV):
        read_new_secret("mia", _MA_RULES, interactive=False, environ={}, getpass=never)
    with pytest.raises(SecretError):
        read_new_secret(
            "mia", _MA_RULES, interactive=False, environ={NEW_SECRET_ENV: "12"}, getpass=never
        )
    assert never.prompts == []


def test_first_admin_is_asked_for_and_retried(engine: Engine) -> None:
    said: list[str] = []
    with Session(engine) as session:
        session.add(Staff(username="taken", display_name="Old", role=StaffRole.MA, active=False))
        session.commit()
    assert needs_first_admin(engine)
    ask = _Answers("Helen Marsh", "taken", "Helen", "  ", "Helen Marsh")
    typed = _Answers(PASSPHRASE, PASSPHRASE + "!", PASSPHRASE, PASSPHRASE)
    admin = create_first_admin(engine, ask=ask, getpass=typed, now=NOW, say=said.append)
    assert admin.role is StaffRole.ADMIN
    assert admin.username == "helen"
    assert admin.display_name == "Helen Marsh"
    assert not needs_first_admin(engine)
    assert authenticate(engine, "helen", PASSPHRASE, now=NOW).ok
    assert said[0] == "No administrator yet: create the first one."
    assert ask.prompts == ["Username: "] * 3 + ["Full name: "] * 2
    assert any("taken" in line for line in said)
    assert said[-1] == "Administrator helen (Helen Marsh) created."


def test_first_admin_gives_up_after_three_bad_answers(engine: Engine) -> None:
    with pytest.raises(UsernameError):
        ask_first_admin(engine, ask=_Answers("!", "?", "#"), getpass=_Answers(), say=print)
    assert list_users(engine) == []


def test_the_first_administrator_is_made_once(engine: Engine) -> None:
    admin = add_first_admin(engine, "helen", "Helen Marsh", PASSPHRASE, now=NOW)
    assert admin.role is StaffRole.ADMIN
    assert not needs_first_admin(engine)
    with pytest.raises(NotAllowed, match="has an administrator already"):
        add_first_admin(engine, "omar", "Omar", PASSPHRASE, now=NOW)
    assert [staff.username for staff in list_users(engine)] == ["helen"]
    from ma_tui.data.audit import events

    with Session(engine) as session:
        (made,) = events(session)
    assert (made.action, made.entity, made.os_user is not None) == ("create", "staff", True)
    assert json.loads(made.detail or "{}")["change"] == "first_admin"


# --------------------------------------------------------------------- CLI


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.fixture
def terminal(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """stdin is a terminal; each getpass answers from the list, in order."""
    answers: list[str] = []
    monkeypatch.setattr("sys.stdin", _Terminal())

    def fake_getpass(prompt: str = "") -> str:
        return answers.pop(0)

    monkeypatch.setattr(getpass, "getpass", fake_getpass)
    return answers


@pytest.fixture
def no_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO())

    def refuse(prompt: str = "") -> str:
        raise AssertionError("nothing may be asked without a terminal")

    monkeypatch.setattr(getpass, "getpass", refuse)
    monkeypatch.setattr(builtins, "input", refuse)


def _users(
    db: Path, *args: str, environ: dict[str, str] | None = None, signed: list[str] | None = None
) -> int:
    return main(["users", *args, *(signed or []), "--db", str(db)], environ=environ or {})


@pytest.fixture
def helen(db_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The database's first administrator, added without credentials (the one
    exception); the options that sign in as her."""
    with monkeypatch.context() as patched:
        patched.setattr("sys.stdin", io.StringIO())
        env = {NEW_SECRET_ENV: PASSPHRASE}
        assert (
            _users(db_path, "add", "helen", "--name", "Helen Marsh", "--role", "admin", environ=env)
            == 0
        )
    return signed_as(tmp_path, "helen", PASSPHRASE)


def _file_users(path: Path) -> dict[str, Staff]:
    engine = create_store_engine(sqlite_url(path))
    try:
        return {row.username: row for row in list_users(engine)}
    finally:
        engine.dispose()


def _one_error_line(capsys: pytest.CaptureFixture[str]) -> str:
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1, captured.err
    assert lines[0].startswith("ma-tui: ")
    return lines[0]


def test_cli_add_asks_twice_and_lists(
    db_path: Path, helen: list[str], terminal: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    terminal += [PIN, PIN]
    assert (
        _users(
            db_path,
            "add",
            "mia",
            "--name",
            "Mia Sorensen",
            "--role",
            "ma",
            "--credentials",
            "CMA",
            signed=helen,
        )
        == 0
    )
    assert "Added mia: Mia Sorensen, CMA, ma." in capsys.readouterr().out
    assert _users(db_path, "list", signed=helen) == 0
    assert capsys.readouterr().out.splitlines() == [
        "username  name               role   status",
        "helen     Helen Marsh        admin  active",
        "mia       Mia Sorensen, CMA  ma     active",
    ]
    assert _users(db_path, signed=helen) == 0  # no action: list
    assert "mia" in capsys.readouterr().out
    engine = create_store_engine(sqlite_url(db_path))
    try:
        assert authenticate(engine, "mia", PIN, now=NOW).ok
        with Session(engine) as session:
            from ma_tui.data.audit import events

            added = [e for e in events(session) if e.entity == "staff"]
            # The first administrator by the OS user (no one could sign in yet); the
            # next account by her, who signed in for it.
            assert [(e.action, e.os_user, e.staff_username) for e in added] == [
                ("create", getpass.getuser()[:64], None),
                ("create", None, "helen"),
            ]
            assert PIN not in (added[1].detail or "")
            assert '"mia"' in (added[1].detail or "")
    finally:
        engine.dispose()


def test_cli_add_refuses_a_mismatch_and_changes_nothing(
    db_path: Path, helen: list[str], terminal: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    terminal += [PIN, "472914"]
    capsys.readouterr()
    assert _users(db_path, "add", "mia", "--name", "Mia", "--role", "ma", signed=helen) == 2
    assert _one_error_line(capsys) == "ma-tui: the two entries differ; nothing was changed"
    assert set(_file_users(db_path)) == {"helen"}


def test_cli_scripted_provisioning_reads_the_environment(
    db_path: Path, helen: list[str], no_terminal: None, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    assert _users(db_path, "add", "mia", "--name", "Mia", "--role", "ma", signed=helen) == 2
    assert NEW_SECRET_ENV in _one_error_line(capsys)
    assert set(_file_users(db_path)) == {"helen"}
    env = {NEW_SECRET_ENV: PIN}
    assert (
        _users(db_path, "add", "mia", "--name", "Mia", "--role", "ma", environ=env, signed=helen)
        == 0
    )
    assert set(_file_users(db_path)) == {"helen", "mia"}


def test_cli_never_takes_the_secret_as_an_argument(
    db_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        _users(db_path, "add", "mia", PIN, "--name", "Mia", "--role", "ma")
    assert exited.value.code == 2
    assert "unrecognized arguments: 472913" in capsys.readouterr().err
    for option in ("--pin", "--password", "--secret"):
        with pytest.raises(SystemExit):
            _users(db_path, "add", "mia", "--name", "Mia", "--role", "ma", option, PIN)
        capsys.readouterr()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["add", "m", "--name", "M", "--role", "ma"], "ma-tui: a username has 2 to 64 characters"),
        (["add", "mia", "--name", " ", "--role", "ma"], "ma-tui: a user needs a name"),
        (["add", "mia", "--name", "Mia", "--role", "boss"], "ma-tui: unknown role 'boss'"),
        (["disable", "Mia Sorensen"], "ma-tui: username 'Mia Sorensen' has a character"),
    ],
)
def test_cli_bad_arguments_are_refused_before_the_database_opens(
    tmp_path: Path,
    no_terminal: None,
    capsys: pytest.CaptureFixture[str],
    args: list[str],
    message: str,
) -> None:
    target = tmp_path / "new.db"
    assert _users(target, *args, environ={NEW_SECRET_ENV: PIN}) == 2
    assert _one_error_line(capsys).startswith(message)
    assert list(tmp_path.iterdir()) == []


def test_cli_disable_enable_reset(
    db_path: Path, helen: list[str], no_terminal: None, capsys: pytest.CaptureFixture[str]
) -> None:
    env = {NEW_SECRET_ENV: PIN}
    assert (
        _users(db_path, "add", "mia", "--name", "Mia", "--role", "ma", environ=env, signed=helen)
        == 0
    )
    capsys.readouterr()

    assert _users(db_path, "disable", "helen", signed=helen) == 2
    assert "last active administrator" in _one_error_line(capsys)
    assert _users(db_path, "disable", "ghost", signed=helen) == 2
    assert _one_error_line(capsys) == "ma-tui: no user 'ghost'"
    assert _users(db_path, "reset", "ghost", environ=env, signed=helen) == 2
    assert _one_error_line(capsys) == "ma-tui: no user 'ghost'"

    assert _users(db_path, "disable", "MIA", signed=helen) == 0
    assert not _file_users(db_path)["mia"].active
    assert _users(db_path, "enable", "mia", signed=helen) == 0
    assert _file_users(db_path)["mia"].active

    # Five wrong PINs make mia wait; reset ends the wait and sets the new PIN.
    engine = create_store_engine(sqlite_url(db_path))
    try:
        _fail(engine, 5, at=datetime.now().astimezone())
        capsys.readouterr()
        assert _users(db_path, "list", signed=helen) == 0
        assert re.search(r"^mia .*locked until \d\d:\d\d$", capsys.readouterr().out, re.M)
        env = {NEW_SECRET_ENV: "861530"}
        assert _users(db_path, "reset", "mia", environ=env, signed=helen) == 0
        assert "failed attempts and wait cleared" in capsys.readouterr().out
        assert authenticate(engine, "mia", "861530", now=datetime.now().astimezone()).ok
    finally:
        engine.dispose()
    assert _users(db_path, "reset", "mia", environ={NEW_SECRET_ENV: "1"}, signed=helen) == 2
    assert _one_error_line(capsys).startswith("ma-tui: a PIN has 6 to 12 digits")


def test_cli_changes_nothing_when_its_audit_event_cannot_be_written(
    db_path: Path, helen: list[str], no_terminal: None, capsys: pytest.CaptureFixture[str]
) -> None:
    env = {NEW_SECRET_ENV: PIN}
    assert (
        _users(db_path, "add", "mia", "--name", "Mia", "--role", "ma", environ=env, signed=helen)
        == 0
    )
    engine = create_store_engine(sqlite_url(db_path))
    _refuse_writes_to(engine, "audit_event")
    engine.dispose()
    capsys.readouterr()
    assert _users(db_path, "disable", "mia", signed=helen) == 2
    assert "Nothing was half-written" in _one_error_line(capsys)
    assert _file_users(db_path)["mia"].active


def test_cli_add_refuses_a_taken_username_before_asking(
    db_path: Path, helen: list[str], terminal: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    terminal += [PIN, PIN]
    assert _users(db_path, "add", "mia", "--name", "Mia", "--role", "ma", signed=helen) == 0
    capsys.readouterr()
    refused = ["add", "MIA", "--name", "Other Mia", "--role", "nurse"]
    assert _users(db_path, *refused, signed=helen) == 2
    assert _one_error_line(capsys) == "ma-tui: username 'mia' is taken; choose another"
    assert terminal == []  # refused before anything was asked


# ------------------------------------------------------------ first start


@pytest.fixture
def no_app(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """The queue screen is not opened; the list says whether it would have been."""
    opened: list[bool] = []

    def fake_run_app(engine: Engine, warnings: Sequence[str] = (), *, served: bool = False) -> int:
        opened.append(True)
        return 0

    def fake_run_app_behind(opening: object, *, served: bool = False) -> int:
        opened.append(True)  # the sign-in screen first, the database opened behind it
        return 0

    monkeypatch.setattr(cli, "_run_app", fake_run_app)
    monkeypatch.setattr(cli, "_run_app_behind", fake_run_app_behind)
    return opened


def test_first_start_without_a_terminal_says_how_to_add_an_admin(
    db_path: Path, no_terminal: None, no_app: list[bool], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--db", str(db_path)], environ={}) == 2
    line = _one_error_line(capsys)
    assert "no administrator yet" in line
    assert "ma-tui users add" in line
    assert "--role admin" in line
    assert no_app == []


def test_first_start_on_a_terminal_creates_the_first_admin_then_opens(
    db_path: Path,
    terminal: list[str],
    no_app: list[bool],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    typed = iter(["helen", "Helen Marsh"])
    monkeypatch.setattr(builtins, "input", lambda prompt="": next(typed))
    terminal += [PASSPHRASE, PASSPHRASE]
    assert main(["run", "--db", str(db_path)], environ={}) == 0
    assert no_app == [True]
    out = capsys.readouterr().out
    assert "No administrator yet: create the first one." in out
    users = _file_users(db_path)
    assert set(users) == {"helen"}
    assert users["helen"].role is StaffRole.ADMIN
    # The next start asks nothing.
    monkeypatch.setattr(builtins, "input", lambda prompt="": pytest.fail("asked again"))
    assert main(["--db", str(db_path)], environ={}) == 0
    assert no_app == [True, True]


def test_first_start_cancelled_creates_nothing_and_opens_nothing(
    db_path: Path,
    terminal: list[str],
    no_app: list[bool],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    def cancel(prompt: str = "") -> str:
        raise KeyboardInterrupt

    monkeypatch.setattr(builtins, "input", cancel)
    assert main(["--db", str(db_path)], environ={}) == 2
    assert "no administrator was created" in capsys.readouterr().err
    assert no_app == []
    assert _file_users(db_path) == {}
