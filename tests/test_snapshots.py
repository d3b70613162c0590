"""How each screen looks at 80x24, the smallest terminal an MA may have."""

from __future__ import annotations

from typing import Any

from sqlalchemy.engine import Engine

from ma_tui.app import MaTuiApp
from ma_tui.clock import fixed_clock
from tests.conftest import CLINIC_NOW


def test_queue_at_80x24(demo_engine: Engine, snap_compare: Any) -> None:
    app = MaTuiApp(demo_engine, clock=fixed_clock(CLINIC_NOW))
    assert snap_compare(app, terminal_size=(80, 24))


def test_empty_queue_at_80x24(engine: Engine, snap_compare: Any) -> None:
    app = MaTuiApp(engine, clock=fixed_clock(CLINIC_NOW))
    assert snap_compare(app, terminal_size=(80, 24))
