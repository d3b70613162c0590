"""One check the structured catalogs share: a list of keys or names without repeats."""

from __future__ import annotations

from collections.abc import Iterable

from ma_tui.data.catalogs.strict import Node


def check_unique(node: Node, values: Iterable[str], what: str) -> None:
    """Refuse the first value given twice, naming ``node``'s place in the file."""
    seen: set[str] = set()
    for value in values:
        if value in seen:
            raise node.error(f"repeats the {what} {value!r}")
        seen.add(value)
