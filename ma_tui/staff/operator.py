"""Who runs a command: the command line signs its user in as the screen does.

``ma-tui users``, ``settings set``, ``audit show``, ``export`` and ``import`` act
on the clinic's accounts, rules or patients, so each asks for a staff member's
username and PIN or passphrase, checks it with ``ma_tui.staff.signin.authenticate``
(the same waits, the same answer, a sign-in event naming the command) and is
recorded as that person. Which roles may run what is ``COMMAND_ROLES``.

How a script gives its credentials, never on the command line (``ps`` and the
shell's history keep arguments) and never in an environment variable (every
child process inherits it, and the kernel keeps the starting environment readable
in ``/proc/PID/environ`` for the process's whole life):

- the username with ``--as USERNAME`` or ``$MA_TUI_USER``: it is not secret;
- the secret from a file, ``--secret-file PATH``: a regular file (not a link)
  owned by the user running ma-tui and readable by no one else (mode 0600 or
  0400); or from an open file descriptor, ``--secret-fd N``, e.g. a pipe from the
  clinic's password manager (``--secret-fd 3 3< <(pass show clinic/ma-tui)``);
- on a terminal, without either, both are asked (the secret without echo).

Only the first line is the secret (a newline at its end is not part of it).
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.engine import Engine

from ma_tui.core.errors import InvalidInput, NotAllowed
from ma_tui.data.models.staff import Staff, StaffRole
from ma_tui.staff.prompts import USER_ENV
from ma_tui.staff.signin import authenticate

SECRET_READ_MAX = 4096  # far more than any passphrase (128 characters)

ADMINISTRATOR = frozenset({StaffRole.ADMIN})
# What each command is for: accounts, settings and the trail are an administrator's;
# a provider exports the visits they are responsible for to the EHR; the front desk
# loads the schedule and registrations the EHR sends.
COMMAND_ROLES: dict[str, frozenset[StaffRole]] = {
    "users": ADMINISTRATOR,
    "settings": ADMINISTRATOR,
    "audit": ADMINISTRATOR,
    "export": frozenset({StaffRole.ADMIN, StaffRole.PROVIDER}),
    "import": frozenset({StaffRole.ADMIN, StaffRole.FRONT_DESK}),
}
_ROLE_NAMES = {
    StaffRole.ADMIN: "an administrator",
    StaffRole.PROVIDER: "a provider",
    StaffRole.FRONT_DESK: "the front desk",
}


class CredentialsError(InvalidInput):
    """Credentials that could not be read as asked (a loose file, no terminal)."""


@dataclass(frozen=True)
class Credentials:
    username: str
    secret: str


def who_may(command: str) -> str:
    """``an administrator``, ``an administrator or a provider``: for a refusal."""
    roles = sorted(COMMAND_ROLES[command], key=lambda role: role is not StaffRole.ADMIN)
    return " or ".join(_ROLE_NAMES.get(role, role.value) for role in roles)


def how_to_give(command: str) -> str:
    """The line that says how to give credentials, for a command run without them."""
    return (
        f"ma-tui {command} needs {who_may(command)}'s username and secret: give the "
        f"username with --as USERNAME or ${USER_ENV}, and the secret with --secret-file "
        "FILE (readable only by you) or --secret-fd N, or run it on a terminal"
    )


def read_secret_file(path: str) -> str:
    """The first line of ``path``, a regular file of this user's that no one else
    may read; ``CredentialsError`` otherwise, naming what is wrong."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NOCTTY)
    except OSError as exc:
        if os.path.islink(path):
            raise CredentialsError(f"--secret-file {path} is not a regular file") from None
        raise CredentialsError(f"cannot read --secret-file {path}: {exc.strerror}") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise CredentialsError(f"--secret-file {path} is not a regular file")
        if info.st_uid != os.geteuid():
            raise CredentialsError(f"--secret-file {path} belongs to another user")
        if info.st_mode & 0o077:
            mode = stat.S_IMODE(info.st_mode)
            raise CredentialsError(
                f"--secret-file {path} is readable by others (mode {mode:04o}): chmod 600 it"
            )
        return _first_line(os.read(fd, SECRET_READ_MAX))
    finally:
        os.close(fd)


def read_secret_fd(fd: int) -> str:
    """The first line read from the open file descriptor ``fd`` (left open)."""
    chunks: list[bytes] = []
    try:
        while sum(map(len, chunks)) < SECRET_READ_MAX and (chunk := os.read(fd, 1024)):
            chunks.append(chunk)
            if b"\n" in chunk:
                break
    except OSError as exc:
        raise CredentialsError(f"cannot read --secret-fd {fd}: {exc.strerror}") from None
    return _first_line(b"".join(chunks))


def _first_line(data: bytes) -> str:
    text = data.decode("utf-8", "replace")
    return text.split("\n", 1)[0].removesuffix("\r")


def read_credentials(
    command: str,
    *,
    username: str | None,
    secret_file: str | None,
    secret_fd: int | None,
    environ: Mapping[str, str],
    interactive: bool,
    ask: Callable[[str], str],
    getpass: Callable[[str], str],
) -> Credentials:
    """The username and secret, from the options, ``$MA_TUI_USER`` or the terminal."""
    name = username or environ.get(USER_ENV)
    if secret_file is None and secret_fd is None and not interactive:
        raise CredentialsError(how_to_give(command))
    if name is None:
        if not interactive:
            raise CredentialsError(how_to_give(command))
        name = ask("Username: ").strip()
    if secret_file is not None:
        secret = read_secret_file(secret_file)
    elif secret_fd is not None:
        secret = read_secret_fd(secret_fd)
    else:
        secret = getpass(f"PIN or passphrase for {name}: ")
    return Credentials(name, secret)


def sign_in_operator(
    engine: Engine, credentials: Credentials, command: str, *, via: str, now: datetime
) -> Staff:
    """The staff member who runs ``command``, signed in; ``NotAllowed`` with the
    sign-in screen's own answer when the secret is refused, or when their role may
    not run it. The attempt is recorded with ``via`` (``command line: users add``)."""
    result = authenticate(engine, credentials.username, credentials.secret, now=now, via=via)
    if not result.ok or result.staff is None:
        raise NotAllowed(result.message)
    if result.must_change:
        raise NotAllowed(
            "your PIN or passphrase no longer meets the clinic's rules: sign in on the "
            "screen to choose a new one first"
        )
    if result.staff.role not in COMMAND_ROLES[command]:
        raise NotAllowed(f"ma-tui {command} is for {who_may(command)}")
    return result.staff
