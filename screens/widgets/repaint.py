"""Repaint only what changed, in the frame the key is answered in.

Each ``Static.update`` lays the whole screen out again by default, and a
``DataTable`` measures its new rows only once the app is idle, after the frame that
showed the key: a second layout and a second frame for the same key. On a screen of
a hundred widgets each layout is milliseconds of the keypress, and each extra frame
is at least one more refresh interval before the screen has answered.
"""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.visual import VisualType
from textual.widgets import DataTable, Static


def show_text(widget: Static, content: VisualType, *, same_size: bool = False) -> bool:
    """``widget.update(content)`` unless it already shows it; True if it changed.

    ``same_size``: the widget's size does not depend on its text (a fixed height and
    width in its CSS), so the screen needs no new layout, only this repaint.
    """
    if _same(widget.content, content):
        return False
    widget.update(content, layout=not same_size)
    return True


def _same(shown: VisualType, content: VisualType) -> bool:
    """Shows the same: Texts equal in text, spans and style (rich's own equality leaves
    the style out); an empty string and an empty Text alike; else equal and of a type."""
    if isinstance(shown, Text) and isinstance(content, Text):
        return (shown.plain, shown.spans, shown.style) == (
            content.plain,
            content.spans,
            content.style,
        )
    if _empty(shown) and _empty(content):
        return True
    return type(shown) is type(content) and shown == content


def _look(text: Text) -> tuple[object, ...]:
    return (text.plain, text.spans, text.style)


def _empty(content: VisualType) -> bool:
    if isinstance(content, Text):
        return not content.plain and not content.spans
    return isinstance(content, str) and not content


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
