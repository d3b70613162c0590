"""Repaint only what changed, in the frame the key is answered in.

Each ``Static.update`` lays the whole screen out again by default, and a
``DataTable`` measures its new rows only once the app is idle, after the frame that
showed the key: a second layout and a second frame for the same key. On a screen of
a hundred widgets each layout is milliseconds of the keypress, and each extra frame
is at least one more refresh interval before the screen has answered.
"""

from __future__ import annotations

from typing import Any

from textual.visual import VisualType
from textual.widgets import DataTable, Static


def show_text(widget: Static, content: VisualType, *, same_size: bool = False) -> bool:
    """``widget.update(content)`` unless it already shows it; True if it changed.

    ``same_size``: the widget's size does not depend on its text (a fixed height and
    width in its CSS), so the screen needs no new layout, only this repaint.
    """
    if type(widget.content) is type(content) and widget.content == content:
        return False
    widget.update(content, layout=not same_size)
    return True


def measure_now(table: DataTable[Any]) -> None:
    """Measure the rows just added (as the table does when idle) before this frame.

    Otherwise the table is painted with the old measures, then measured, laid out and
    painted again a frame later. Textual keeps the measuring private: without it
    (another Textual), the table measures itself when idle, as it always does.
    """
    if getattr(table, "_require_update_dimensions", False) and hasattr(table, "_new_rows"):
        table._require_update_dimensions = False
        new_rows = table._new_rows.copy()
        table._new_rows.clear()
        table._update_dimensions(new_rows)
