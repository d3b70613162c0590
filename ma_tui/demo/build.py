"""What every builder of the demo is handed: the one place its shared state lives."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, SQLModel

from ma_tui.demo.day import Bookings, DemoDay
from ma_tui.demo.trail import AuditTrail


@dataclass(frozen=True)
class Build:
    """The demo being built: its transaction's session, the day and time zone, the
    booking-time sequence, the staff ids by username and the audit trail gathered."""

    session: Session
    day: DemoDay
    bookings: Bookings
    staff: dict[str, int]
    trail: AuditTrail

    def add(self, row: SQLModel) -> int:
        """Insert ``row`` now, so ids follow the order rows are built in; its id."""
        self.session.add(row)
        self.session.flush()
        row_id = getattr(row, "id", None)
        assert isinstance(row_id, int)
        return row_id
