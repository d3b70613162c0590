"""The screens of the MA's day between patients, each opened from the queue by its key."""

from __future__ import annotations

from typing import Any

from textual.screen import Screen

from ma_tui.core.clock import Clock
from ma_tui.core.transaction import Engine
from ma_tui.screens.messages import AppRequest, OpenRooms, OpenSterilization


def day_work_screen(
    asked: AppRequest, engine: Engine, clock: Clock, staff_id: int | None
) -> Screen[Any]:
    """The worklist (F3), the room board (F4) or the sterilization log (F10), as asked."""
    if isinstance(asked, OpenRooms):
        from ma_tui.screens.rooms.rooms import RoomsScreen

        return RoomsScreen(engine, clock, staff_id)
    if isinstance(asked, OpenSterilization):
        from ma_tui.screens.sterilization.sterilization import SterilizationScreen

        return SterilizationScreen(engine, clock, staff_id)
    from ma_tui.screens.worklist.worklist import WorklistScreen

    return WorklistScreen(engine, clock, staff_id)
