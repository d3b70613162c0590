"""The keys of the screen, on its bottom line: one widget, redrawn in place.

Textual's ``Footer`` recomposes a widget per key each time the focus moves (the keys
shown depend on the focused widget), and every new widget is styled and laid out:
tens of milliseconds on each Enter that moves to the next field. This footer draws
the same line as one ``Text`` and repaints it only when the keys it shows change.
It looks like the compact ``Footer``: the key in bold, its description, the keys of
a ``Binding.Group`` together before the group's name, the help key and the command
palette on the right, always shown; a key the screen disables is dimmed.
"""

from __future__ import annotations

from itertools import groupby
from typing import TYPE_CHECKING, ClassVar, NamedTuple

from rich.style import Style
from rich.text import Text
from textual import events
from textual.widget import Widget

if TYPE_CHECKING:
    from textual.binding import Binding
    from textual.screen import Screen


class Shown(NamedTuple):
    """One key as the footer shows it."""

    key: str  # the key pressed when the MA clicks it
    display: str
    description: str
    enabled: bool
    group: str | None  # the Binding.Group's description: shown once after its keys


# Keys on the right of the line, always shown: the help (F1) and the palette's.
PINNED_ACTIONS = frozenset({"help"})


class KeyFooter(Widget):
    """The bottom line: the keys the focused widget, its screen and the app answer."""

    ALLOW_SELECT = False
    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "key-footer--key",
        "key-footer--description",
        "key-footer--rule",
    }
    DEFAULT_CSS = """
    KeyFooter {
        dock: bottom;
        height: 1;
        color: $footer-foreground;
        background: $footer-background;
        .key-footer--key {
            color: $footer-key-foreground;
            background: $footer-key-background;
            text-style: bold;
        }
        .key-footer--description {
            color: $footer-description-foreground;
            background: $footer-description-background;
        }
        .key-footer--rule {
            color: $foreground 20%;
        }
    }
    """

    def __init__(self) -> None:
        super().__init__()
        self._shown: tuple[tuple[Shown, ...], tuple[Shown, ...]] = ((), ())
        self._spans: list[tuple[int, int, str]] = []  # (from, to, key) of each key drawn
        self._update_asked = False

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self._bindings_changed)
        # At once, not after the next paint: a screen shown again (a kept step) comes
        # on with its own keys in its first frame, not the keys of the screen before.
        self.app.screen_change_signal.subscribe(self, self._screen_changed, immediate=True)
        self._update()

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)
        self.app.screen_change_signal.unsubscribe(self)

    def _screen_changed(self, screen: Screen[object]) -> None:
        if screen is self.screen:
            self._update()

    def _bindings_changed(self, screen: Screen[object]) -> None:
        """The focus moved or a screen's keys changed: look again once this round is done."""
        if not self._update_asked and self.is_attached:
            self._update_asked = True
            self.call_after_refresh(self._update)

    def _update(self) -> None:
        self._update_asked = False
        if not self.is_attached or not self.app.app_focus or not self.screen.is_current:
            return  # as Textual's Footer: the keys of a screen in the background wait
        shown = self._keys()
        if shown != self._shown:
            self._shown = shown
            self.refresh()

    @property
    def descriptions(self) -> list[str]:
        """What the footer's keys say it does, in order (the line cuts what is too long)."""
        keys, pinned = self._shown
        return [key.description for key in (*keys, *pinned)]

    def _keys(self) -> tuple[tuple[Shown, ...], tuple[Shown, ...]]:
        """The keys to show, and those pinned on the right: the help key (F1 lists
        every key, so it must never be the one a full line leaves out) and the
        command palette's."""
        app = self.app
        active = self.screen.active_bindings
        keys: list[Shown] = []
        pinned: list[Shown] = []
        seen_actions: set[str] = set()
        for _, binding, enabled, _ in active.values():
            if not binding.show or binding.action in seen_actions:
                continue  # one key per action, as Footer shows it
            seen_actions.add(binding.action)
            shown = _shown(binding, app.get_key_display(binding), enabled)
            (pinned if binding.action in PINNED_ACTIONS else keys).append(shown)
        if app.ENABLE_COMMAND_PALETTE and app.COMMAND_PALETTE_BINDING in active:
            _, binding, enabled, _ = active[app.COMMAND_PALETTE_BINDING]
            pinned.append(_shown(binding, app.get_key_display(binding), enabled))
        return tuple(keys), tuple(pinned)

    def render(self) -> Text:
        keys, pinned = self._shown
        key_style = self.get_component_rich_style("key-footer--key")
        text_style = self.get_component_rich_style("key-footer--description")
        line = Text(no_wrap=True, overflow="crop", end="")
        self._spans = []

        def add_key(key: Shown, description: str) -> None:
            dim = Style(dim=not key.enabled)
            start = len(line)
            line.append(key.display, key_style + dim)
            if description:
                line.append(f" {description}", text_style + dim)
            self._spans.append((start, len(line), key.key))

        ends: list[int] = []  # where each key (or group of keys) ends: the line is cut there
        for group, members in groupby(keys, key=lambda key: key.group):
            together = list(members)
            if group is not None and len(together) > 1:
                line.append(" ")  # the group's keys side by side, then its name
                for key in together:
                    add_key(key, "")
                line.append(" ")
                line.append(group, text_style)
                ends.append(len(line))
                line.append(" ")
                continue
            for key in together:
                add_key(key, key.description)
                ends.append(len(line))
                line.append(" ")
        if not pinned:
            return line
        right = Text(no_wrap=True, end="")
        right.append("▏", self.get_component_rich_style("key-footer--rule"))
        right_spans: list[tuple[int, int, str]] = []
        for key in pinned:
            start = len(right)
            right.append(key.display, key_style)
            right.append(f" {key.description}", text_style)
            right_spans.append((start, len(right), key.key))
            right.append(" ")
        room = max(self.size.width - right.cell_len, 0)
        # Never half a key: what does not fit whole is left out (F1 lists every key).
        fits = max((end for end in ends if end <= room), default=0)
        if len(line) > room:
            line.truncate(fits)
        line.truncate(room, pad=True)
        self._spans = [(a, min(b, room), key) for a, b, key in self._spans if a < room]
        self._spans += [(room + a, room + b, key) for a, b, key in right_spans]
        line.append_text(right)
        return line

    def on_click(self, event: events.Click) -> None:
        """A click on a key presses it (ma-tui needs no mouse; a click still works)."""
        for start, end, key in self._spans:
            if start <= event.x < end:
                self.app.simulate_key(key)
                return


def _shown(binding: Binding, display: str, enabled: bool) -> Shown:
    group = binding.group.description if binding.group is not None else None
    return Shown(binding.key, display, binding.description, enabled, group)
