"""Room types and their turnover checklists (``catalogs/room_types.json``).

Each type (exam, procedure, pediatric) has a key, a name and the checklist an MA
completes before one of its rooms is clean and ready again. A type or an item key
given twice, an empty checklist, an unknown field: each fails at start-up with its
place in the file.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from ma_tui.data.catalogs.strict import Node, load
from ma_tui.data.catalogs.unique import check_unique

CATALOG = "room_types.json"
MAX_ITEM_TEXT = 120  # one line of the checklist on an 80-column screen, with its box


@dataclass(frozen=True, slots=True)
class ChecklistItem:
    key: str
    text: str


@dataclass(frozen=True, slots=True)
class RoomType:
    key: str
    name: str
    checklist: tuple[ChecklistItem, ...]

    @property
    def item_keys(self) -> frozenset[str]:
        return frozenset(item.key for item in self.checklist)


@dataclass(frozen=True, slots=True)
class RoomTypes:
    source: str
    types: tuple[RoomType, ...]

    def type(self, key: str) -> RoomType:
        """The room type with this key; a KeyError names it when there is none."""
        for room_type in self.types:
            if room_type.key == key:
                return room_type
        raise KeyError(key)


@cache
def room_types() -> RoomTypes:
    """The room types, read and checked once."""
    root = load(CATALOG).object({"source", "types"})
    types = tuple(_type(node) for node in root["types"].items())
    check_unique(root["types"], [t.key for t in types], "room type")
    return RoomTypes(root["source"].text(), types)


def _type(node: Node) -> RoomType:
    item = node.object({"key", "name", "checklist"})
    checklist = tuple(_item(entry) for entry in item["checklist"].items())
    check_unique(item["checklist"], [entry.key for entry in checklist], "checklist item")
    return RoomType(item["key"].word(), item["name"].text(), checklist)


def _item(node: Node) -> ChecklistItem:
    item = node.object({"key", "text"})
    text = item["text"].text()
    if len(text) > MAX_ITEM_TEXT:
        raise item["text"].error(f"must be at most {MAX_ITEM_TEXT} characters")
    return ChecklistItem(item["key"].word(), text)
