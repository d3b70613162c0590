"""The clinic's rules for secrets: PINs for the staff, passphrases for administrators.

An administrator signs in with a passphrase of at least 12 characters; everyone else
with a PIN of at least 6 digits (or a passphrase, if they like). The clinic may ask
for more, never less: ``ma-tui settings set pin-min 8`` (6–12 digits),
``passphrase-min 16`` (12–128 characters).

Length alone is not enough: people choose ``123456`` and their birthday. A PIN is
refused when it is on the short list of the PINs people choose most, one digit
repeated, a run (``234567``, ``987654``, also round the dial: ``890123``), a block
repeated (``121212``, ``100100``), digits in pairs (``112233``), a palindrome
(``123321``), a date (MMDDYY, DDMMYY, YYMMDD; with 8 digits MMDDYYYY, DDMMYYYY,
YYYYMMDD), or starts or ends with a year from 1920 to 2029 (a birth year, this
year). That leaves about 850,000 of the million 6-digit PINs. A passphrase is
refused when it has fewer than 6 different characters, holds the username, or is a
common word, a run of the alphabet or a row of the keyboard with digits or signs
around it (``Password2024!``, ``qwertyuiop12``).

A secret stored before a rule tightened keeps working, but at the next sign-in its
owner must choose one that meets today's rules (``ma_tui.staff.signin``).
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from typing import Literal, get_args

from sqlalchemy.engine import Engine
from sqlmodel import Session

from ma_tui.clinic.settings import SettingChange, SettingError, quoted, read_setting, spelled
from ma_tui.core.transaction import read_only
from ma_tui.data.models.staff import StaffRole
from ma_tui.staff.limits import PASSPHRASE_MAX as PASSPHRASE_MAX

PolicySettingName = Literal["pin-min", "passphrase-min"]
POLICY_SETTINGS: tuple[PolicySettingName, ...] = get_args(PolicySettingName)

PIN_MIN_FLOOR, PIN_MAX = 6, 12  # a PIN is 6 (or the clinic's more) to 12 digits
PASSPHRASE_MIN_FLOOR = 12
DISTINCT_MIN = 6  # different characters a passphrase needs
_KEYS: dict[PolicySettingName, str] = {
    "pin-min": "secret_pin_min",
    "passphrase-min": "secret_passphrase_min",
}
_RANGES: dict[PolicySettingName, tuple[int, int]] = {
    "pin-min": (PIN_MIN_FLOOR, PIN_MAX),
    "passphrase-min": (PASSPHRASE_MIN_FLOOR, PASSPHRASE_MAX),
}
_UNITS = {"pin-min": "digits", "passphrase-min": "characters"}

_PIN = re.compile(r"[0-9]+")
# The PINs people choose most that the rules below do not already catch (keypad
# shapes, dates of nothing, famous numbers).
COMMON_PINS = frozenset(
    {
        "159753",
        "147258",
        "147852",
        "258456",
        "852456",
        "789456",
        "456123",
        "741852",
        "963852",
        "159357",
        "753951",
        "951753",
        "135790",
        "102030",
        "246810",
        "142536",
        "520520",
        "696969",
        "314159",
        "271828",
        "112358",
        "147258369",
        "741852963",
        "159632",
        "357159",
    }
)
# Words that are a passphrase's whole core (its letters, digits and signs around them
# taken away) in the lists of the most common passwords.
COMMON_WORDS = frozenset(
    {
        "password",
        "passw",
        "passwd",
        "letmein",
        "welcome",
        "admin",
        "administrator",
        "iloveyou",
        "changeme",
        "secret",
        "clinic",
        "doctor",
        "nurse",
        "medical",
        "health",
        "sunshine",
        "princess",
        "football",
        "baseball",
        "dragon",
        "monkey",
        "master",
        "trustno",
        "summer",
        "winter",
        "spring",
        "autumn",
    }
)
_ROWS = ("abcdefghijklmnopqrstuvwxyz", "qwertyuiop", "asdfghjkl", "zxcvbnm", "qwertz", "azerty")


@dataclass(frozen=True)
class SecretPolicy:
    """The clinic's lengths: at least the floors above, more when it asks."""

    pin_min: int = PIN_MIN_FLOOR
    passphrase_min: int = PASSPHRASE_MIN_FLOOR

    def describe(self, role: StaffRole) -> str:
        """What ``role`` may choose, for a form's hint and a refusal."""
        passphrase = f"a passphrase of at least {self.passphrase_min} characters"
        if role is StaffRole.ADMIN:
            return passphrase
        return f"a PIN of {self.pin_min} to {PIN_MAX} digits, or {passphrase}"

    def problem(self, secret: str, role: StaffRole, username: str | None = None) -> str | None:
        """Why ``secret`` does not meet the rules for ``role``, or None."""
        if not secret:
            return "the PIN or passphrase is empty"
        if any(unicodedata.category(ch) in {"Cc", "Cs"} for ch in secret):
            return "a PIN or passphrase cannot hold control characters"
        if is_pin(secret):
            if role is StaffRole.ADMIN:
                return f"an administrator needs {self.describe(role)}, not a PIN"
            return self._pin_problem(secret)
        return self._passphrase_problem(secret, role, username)

    def _pin_problem(self, pin: str) -> str | None:
        if len(pin) < self.pin_min:
            return f"a PIN has {self.pin_min} to {PIN_MAX} digits, not {len(pin)}"
        guessable = trivial_pin(pin)
        if guessable is not None:
            return f"a PIN that is {guessable} is among the first ones guessed: choose another"
        return None

    def _passphrase_problem(self, secret: str, role: StaffRole, username: str | None) -> str | None:
        text = unicodedata.normalize("NFC", secret)
        if len(text) < self.passphrase_min:
            return f"{self.describe(role)} is needed ({len(text)} characters typed)"
        if len(text) > PASSPHRASE_MAX:
            return f"a passphrase has at most {PASSPHRASE_MAX} characters, not {len(text)}"
        folded = text.casefold()
        if len(set(folded)) < DISTINCT_MIN:
            return f"a passphrase needs at least {DISTINCT_MIN} different characters"
        if username and len(username) >= 3 and username.casefold() in folded:
            return "a passphrase may not hold the username"
        core = "".join(ch for ch in folded if ch.isalpha())
        if core in COMMON_WORDS or any(core and core in row for row in _ROWS):
            return "a passphrase made of a common word or a row of keys is guessed first"
        return None


def is_pin(secret: str) -> bool:
    """Digits only, 12 at most: longer numbers are passphrases made of digits."""
    return bool(_PIN.fullmatch(secret)) and secret.isascii() and len(secret) <= PIN_MAX


def trivial_pin(pin: str) -> str | None:
    """How a PIN is guessed early ('a run of digits', 'a date'...), or None."""
    digits = [int(ch) for ch in pin]
    steps = {(b - a) % 10 for a, b in itertools.pairwise(digits)}
    if pin in COMMON_PINS:
        return "on the list of the most common PINs"
    if len(set(pin)) == 1:
        return "one digit repeated"
    if steps in ({1}, {9}):
        return "a run of digits"
    if any(len(pin) % size == 0 and pin == pin[:size] * (len(pin) // size) for size in (2, 3, 4)):
        return "a block repeated"
    if len(pin) % 2 == 0 and pin[0::2] == pin[1::2]:
        return "digits in pairs"
    if pin == pin[::-1]:
        return "a palindrome"
    if _is_date(pin):
        return "a date"
    if len(pin) >= 6 and (_is_year(pin[:4]) or _is_year(pin[-4:])):
        return "a year and two more digits" if len(pin) == 6 else "holding a year"
    return None


def _is_year(text: str) -> bool:
    return 1920 <= int(text) <= 2029


def _is_date(pin: str) -> bool:
    """MMDDYY, DDMMYY, YYMMDD (6 digits) or MMDDYYYY, DDMMYYYY, YYYYMMDD (8)."""
    if len(pin) == 6:
        pieces = [(pin[4:], pin[:2], pin[2:4]), (pin[4:], pin[2:4], pin[:2])]
        pieces.append((pin[:2], pin[2:4], pin[4:]))
        return any(_valid(2000 + int(y), int(m), int(d)) for y, m, d in pieces) or any(
            _valid(1900 + int(y), int(m), int(d)) for y, m, d in pieces
        )
    if len(pin) == 8:
        pieces = [(pin[4:], pin[:2], pin[2:4]), (pin[4:], pin[2:4], pin[:2])]
        pieces.append((pin[:4], pin[4:6], pin[6:]))
        return any(1900 <= int(y) <= 2099 and _valid(int(y), int(m), int(d)) for y, m, d in pieces)
    return False


def _valid(year: int, month: int, day: int) -> bool:
    try:
        date(year, month, day)
    except ValueError:
        return False
    return True


# ---------------------------------------------------------------- settings


def policy_of(session: Session) -> SecretPolicy:
    """The clinic's policy; a length never set (or set below a floor) is the floor."""
    lengths = {}
    for name in POLICY_SETTINGS:
        stored = read_setting(session, _KEYS[name])
        try:
            lengths[name] = _parse_length(name, stored) if stored else _RANGES[name][0]
        except SettingError:
            lengths[name] = _RANGES[name][0]
    return SecretPolicy(lengths["pin-min"], lengths["passphrase-min"])


def read_policy(engine: Engine) -> SecretPolicy:
    return read_only(engine, policy_of)


def policy_setting_named(text: str) -> PolicySettingName | None:
    """``pin-min`` or ``passphrase-min`` (``PIN_Min``, ``passphrase min``), else None."""
    wanted = spelled(text)
    for name in POLICY_SETTINGS:
        if wanted == name:
            return name
    return None


def _parse_length(name: PolicySettingName, text: str) -> int:
    low, high = _RANGES[name]
    value = text.strip()
    if not value.isascii() or not value.isdigit() or not low <= int(value) <= high:
        raise SettingError(f"{name} is a whole number from {low} to {high}, not {quoted(text)}")
    return int(value)


def policy_change(name: PolicySettingName, text: str) -> SettingChange:
    """A longer minimum, checked: never below the floor of 6 digits or 12 characters."""
    length = _parse_length(name, text)
    return SettingChange(name, _KEYS[name], str(length), f"{name}: {length} {_UNITS[name]}")


def policy_lines(session: Session) -> list[str]:
    """``pin-min: 6 digits`` and ``passphrase-min: 12 characters``, for ``ma-tui settings``."""
    policy = policy_of(session)
    return [
        f"pin-min: {policy.pin_min} digits",
        f"passphrase-min: {policy.passphrase_min} characters",
    ]
