"""The demo clinic's staff: who works there, their PINs, and their accounts.

Each PIN meets the clinic's rules (``ma_tui.staff.policy``): six digits that are no
run, date or year; the administrator has a passphrase. They are printed in the
README: a demo's secrets are public, never a real clinic's.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from ma_tui.data.models.staff import Staff, StaffRole
from ma_tui.staff.accounts import production_hasher


@dataclass(frozen=True)
class DemoUser:
    """A demo sign-in: each person has their own username and PIN (no shared accounts);
    ``pin`` is the administrator's passphrase."""

    username: str
    display_name: str
    role: StaffRole
    credentials: str | None
    pin: str


DEMO_STAFF: tuple[DemoUser, ...] = (
    DemoUser("mia", "Mia Sorensen", StaffRole.MA, "CMA", "472913"),
    DemoUser("jorge", "Jorge Castillo", StaffRole.MA, "RMA", "385026"),
    DemoUser("priya", "Priya Natarajan", StaffRole.MA, "CMA", "619437"),
    DemoUser("dr.chen", "Dr. Lena Chen", StaffRole.PROVIDER, "MD", "740358"),
    DemoUser("np.brooks", "Theo Brooks", StaffRole.PROVIDER, "NP", "293846"),
    DemoUser("rosa", "Rosa Delgado", StaffRole.FRONT_DESK, None, "508174"),
    DemoUser("admin", "Helen Marsh", StaffRole.ADMIN, None, "quiet meadow lantern"),
)
FRONT_DESK = "rosa"

# argon2 is slow on purpose; one process building the demo twice hashes once.
_HASHES: dict[tuple[str, str], str] = {}


def _pin_hash(user: DemoUser) -> str:
    key = (user.username, user.pin)
    if key not in _HASHES:
        _HASHES[key] = production_hasher().hash(user.pin)
    return _HASHES[key]


def add_staff(session: Session, opened: datetime) -> dict[str, int]:
    """Every demo account, created when the clinic opened; their ids by username."""
    ids: dict[str, int] = {}
    for user in DEMO_STAFF:
        staff = Staff(
            username=user.username,
            display_name=user.display_name,
            role=user.role,
            credentials=user.credentials,
            secret_hash=_pin_hash(user),
            created_at=opened,
        )
        session.add(staff)
        session.flush()
        assert staff.id is not None
        ids[user.username] = staff.id
    return ids
