"""Every key of ma-tui by its binding id, and the keymaps that move them.

Each ma-tui binding carries an id (``visit.next``); a keymap maps ids to keys
(``{"visit.next": "f8"}``) and Textual applies it (``App.set_keymap``), so the
footer and F1 show the keys the MA chose. Two keymaps are laid on the defaults:
the browser's, when ma-tui is served (``BROWSER_KEYMAP``: browsers keep Ctrl+N and
F5 for themselves), then the user's own (``ma_tui.staff.preferences``).

A keymap is checked before it is kept (``keymap_problems``): every id must exist,
every key must be one a terminal can send, and no key may do two things on one
screen. Which bindings share a screen (a *scope*): a screen's or widget's own
bindings with those it inherits, plus the app's, which work everywhere.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cache

from textual.app import App
from textual.binding import Binding
from textual.dom import DOMNode
from textual.keys import _normalize_key_list

import ma_tui.screens

# Keys a browser keeps for itself (a new window or tab, close the tab, reload, full
# screen): a page never sees them. Each ma-tui binding on one of them has a second
# key that works in a terminal and a browser alike, and is shown when served.
BROWSER_KEPT = frozenset({"ctrl+n", "ctrl+t", "ctrl+w", "f5", "f11"})
BROWSER_KEYMAP: dict[str, str] = {"visit.next": "f8", "queue.refresh": "ctrl+r"}

_MODIFIERS = ("ctrl", "alt", "shift", "meta", "super", "hyper")
_NAMED = frozenset(
    {
        "enter", "escape", "tab", "space", "backspace", "delete", "insert", "home", "end",
        "pageup", "pagedown", "up", "down", "left", "right",
    }
)  # fmt: skip
_FUNCTION = re.compile(r"f([1-9]|1[0-9]|2[0-4])")


@dataclass(frozen=True)
class KeyBinding:
    """One binding as a keymap sees it."""

    id: str | None  # None: Textual's own, or one ma-tui does not let a user move
    action: str
    keys: tuple[str, ...]
    description: str


@dataclass(frozen=True)
class Scope:
    """Bindings that answer on one screen or widget at the same time."""

    name: str  # the class that declares them: ``VitalsScreen``
    bindings: tuple[KeyBinding, ...]


def _key_binding(binding: Binding) -> KeyBinding:
    keys = tuple(_normalize_key_list(binding.key).split(","))
    return KeyBinding(binding.id, binding.action, keys, binding.description)


def _own_bindings(node: type[DOMNode]) -> tuple[KeyBinding, ...]:
    """A class's bindings with those it inherits, as Textual merges them."""
    merged = node._merge_bindings()  # Textual's own merge: a subclass's key wins
    seen: dict[tuple[str | None, str], KeyBinding] = {}
    for bindings in merged.key_to_bindings.values():
        for binding in bindings:
            seen.setdefault((binding.id, binding.action), _key_binding(binding))
    # One binding with several keys comes back once per key: put its keys together.
    together: dict[tuple[str | None, str], set[str]] = {}
    for key, bindings in merged.key_to_bindings.items():
        for binding in bindings:
            together.setdefault((binding.id, binding.action), set()).add(key)
    return tuple(
        KeyBinding(b.id, b.action, tuple(sorted(together[k])), b.description)
        for k, b in seen.items()
    )


def _screen_classes() -> Iterator[type[DOMNode]]:
    """Every class in ``ma_tui.screens`` that declares bindings of its own."""
    for module in pkgutil.walk_packages(ma_tui.screens.__path__, "ma_tui.screens."):
        importlib.import_module(module.name)
    found: list[type[DOMNode]] = []
    pending: list[type[DOMNode]] = [DOMNode]
    while pending:
        cls = pending.pop()
        pending.extend(cls.__subclasses__())
        if cls.__module__.startswith("ma_tui.screens.") and "BINDINGS" in cls.__dict__:
            found.append(cls)
    yield from sorted(set(found), key=lambda cls: (cls.__module__, cls.__qualname__))


@cache
def scopes() -> tuple[Scope, ...]:
    """Each of ma-tui's screens and widgets with bindings, with the app's keys in each."""
    classes = list(_screen_classes())
    app_bindings: tuple[KeyBinding, ...] = ()
    for cls in classes:
        if issubclass(cls, App):
            app_bindings = _own_bindings(cls)
    return tuple(
        Scope(
            cls.__qualname__,
            _own_bindings(cls) + (() if issubclass(cls, App) else app_bindings),
        )
        for cls in classes
    )


def binding_ids() -> dict[str, KeyBinding]:
    """Every binding id of ma-tui, with its default keys and description."""
    found: dict[str, KeyBinding] = {}
    for scope in scopes():
        for binding in scope.bindings:
            if binding.id is not None:
                found.setdefault(binding.id, binding)
    return dict(sorted(found.items()))


def normal_key(text: str) -> str | None:
    """A key as Textual names it (``Ctrl+N`` is ``ctrl+n``), or None when a terminal
    cannot send it."""
    parts = [part.strip() for part in text.strip().casefold().split("+")]
    if not parts or any(not part for part in parts):
        return None
    *modifiers, name = parts
    if any(m not in _MODIFIERS for m in modifiers) or len(set(modifiers)) != len(modifiers):
        return None
    if len(name) == 1 and name.isprintable():
        name = _normalize_key_list(name)
    elif name not in _NAMED and not _FUNCTION.fullmatch(name):
        return None
    ordered = [m for m in _MODIFIERS if m in modifiers]
    return "+".join([*ordered, name])


def _with_keymap(binding: KeyBinding, keymap: Mapping[str, str]) -> tuple[str, ...]:
    if binding.id is not None and binding.id in keymap:
        return tuple(keymap[binding.id].split(","))
    return binding.keys


def keymap_problems(
    keymap: Mapping[str, str], *, base: Mapping[str, str] | None = None
) -> list[str]:
    """What is wrong with ``keymap`` laid over ``base`` (the browser's keys, when
    served), one clear sentence each; empty when it can be kept.

    Keys are written as Textual names them (``f8``, ``ctrl+r``; several with commas).
    """
    known = binding_ids()
    problems: list[str] = []
    normalised: dict[str, str] = dict(base or {})
    for binding_id, text in keymap.items():
        if binding_id not in known:
            problems.append(
                f"ma-tui has no binding {binding_id!r} (`ma-tui settings keys USERNAME` lists them)"
            )
            continue
        keys = [normal_key(key) for key in text.split(",")]
        bad = [key for key, ok in zip(text.split(","), keys, strict=True) if ok is None]
        if bad:
            problems.append(f"{binding_id}: {bad[0].strip()!r} is not a key a terminal sends")
            continue
        normalised[binding_id] = ",".join(key for key in keys if key is not None)
    if problems:
        return problems
    moved = set(keymap)
    where: dict[str, list[str]] = {}  # a clash, and the screens it happens on
    for scope in scopes():
        for clash in _clashes(scope, normalised, moved):
            where.setdefault(clash, []).append(scope.name)
    return [f"{clash} on {_places(names)}" for clash, names in where.items()]


def _places(names: list[str]) -> str:
    if len(names) == 1:
        return names[0]
    return f"{names[0]} and {len(names) - 1} more"


def _clashes(scope: Scope, keymap: Mapping[str, str], moved: set[str]) -> Iterator[str]:
    """Two bindings of one scope on the same key, one of them moved by the keymap."""
    holders: dict[str, list[KeyBinding]] = {}
    for binding in scope.bindings:
        for key in _with_keymap(binding, keymap):
            holders.setdefault(key, []).append(binding)
    for key, bindings in holders.items():
        ids = {b.id or b.action for b in bindings}
        if len(ids) < 2 or not any(b.id in moved for b in bindings):
            continue
        mover = next(b for b in bindings if b.id in moved)
        other = next(b for b in bindings if (b.id or b.action) != mover.id)
        what = other.id or f"{other.description or other.action} (built in)"
        yield f"{mover.id} cannot take {key}: it is already {what}"


def normalised_keymap(keymap: Mapping[str, str]) -> dict[str, str]:
    """The keymap with its keys as Textual names them (checked first: no None)."""
    return {
        binding_id: ",".join(normal_key(key) or key for key in keys.split(","))
        for binding_id, keys in keymap.items()
    }


def parse_keymap_file(text: str) -> dict[str, str]:
    """A keymap file: one ``binding.id = key`` a line (several keys with commas);
    blank lines and ``#`` comments are skipped. ``ValueError`` names a bad line."""
    keymap: dict[str, str] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        binding_id, equals, keys = line.partition("=")
        if not equals or not binding_id.strip() or not keys.strip():
            raise ValueError(f"line {number}: write it as binding.id = key, not {raw.strip()!r}")
        keymap[binding_id.strip()] = ",".join(key.strip() for key in keys.split(","))
    return keymap
