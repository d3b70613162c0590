"""Helpers for the tests of the worklist, the room board and the sterilization log."""

from __future__ import annotations

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from ma_tui.core.clock import fixed_clock
from ma_tui.data.models.staff import Staff
from ma_tui.screens.app import MaTuiApp
from tests.conftest import CLINIC_NOW


def staff_id(engine: Engine, username: str) -> int:
    with Session(engine) as session:
        found = session.exec(select(Staff.id).where(Staff.username == username)).one()
    assert found is not None
    return found


def app_as(engine: Engine, username: str) -> MaTuiApp:
    """The app past sign-in, acting as the demo user ``username``."""
    return MaTuiApp(
        engine,
        clock=fixed_clock(CLINIC_NOW),
        staff_id=staff_id(engine, username),
        cursor_blink=False,
        sign_in=False,
    )
