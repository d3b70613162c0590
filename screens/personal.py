"""Each user's own keys and theme, laid on the app when they sign in; and the
terminal's own colours when ``NO_COLOR`` is set.

The keys are the defaults, then the browser's (when served: ``BROWSER_KEYMAP``),
then the user's (``ma_tui.staff.preferences``). A stored keymap that no longer fits
(a binding renamed since, a clash with a new key) is not applied, and the user is
told why; their theme is applied if this ma-tui still has it. A theme the user
picks (command palette, "Change theme") is kept as theirs.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from contextlib import suppress
from typing import TYPE_CHECKING, Any

from textual.app import App
from textual.filter import Monochrome, NoColor

from ma_tui.core.clock import Clock
from ma_tui.core.errors import UserError
from ma_tui.screens.keymap import BROWSER_KEYMAP, keymap_problems, normalised_keymap

if TYPE_CHECKING:  # the database comes after the sign-in screen is painted (cli)
    from ma_tui.core.transaction import Engine
    from ma_tui.staff.accounts import Staff


def apply_preferences(
    app: App[Any],
    keymap: Mapping[str, str],
    theme: str | None,
    *,
    base: Mapping[str, str],
    default_theme: str,
) -> list[str]:
    """Set the app's keymap and theme to a user's; the keymap's problems, if any (the
    keymap is then left at ``base``)."""
    problems = keymap_problems(keymap, base=base) if keymap else []
    user = {} if problems else normalised_keymap(keymap)
    app.set_keymap({**base, **user})
    app.theme = theme if theme is not None and theme in app.available_themes else default_theme
    return problems


def terminal_colours_for_no_color(app: App[Any]) -> None:
    """With ``NO_COLOR`` Textual greys every colour by its lightness, and red letters
    become dark grey on black; ma-tui shows the terminal's own foreground and
    background instead (what NO_COLOR asks for), so bold, reverse and symbols, which
    carry every mark's meaning, stay legible. (Textual keeps its filters private.)"""
    if app.no_color:
        app._filters = [NoColor() if isinstance(f, Monochrome) else f for f in app._filters]


def for_no_color(app: App[Any], variables: dict[str, str]) -> dict[str, str]:
    """The theme's CSS variables; with ``NO_COLOR`` a field's cursor is drawn in
    reverse, having no colour of its own left to show in."""
    if app.no_color:
        return {**variables, "input-cursor-text-style": "reverse"}
    return variables


class Personal:
    """The signed-in user's keys and theme, on one app."""

    def __init__(
        self, app: App[Any], engine: Callable[[], Engine], clock: Clock, *, served: bool
    ) -> None:
        """``engine`` gives the database once it is open (asked only after a sign-in)."""
        terminal_colours_for_no_color(app)
        self.app = app
        self.engine = engine
        self.clock = clock
        self.base_keymap: dict[str, str] = dict(BROWSER_KEYMAP) if served else {}
        self.default_theme = app.theme
        self.staff_id: int | None = None  # whose theme a pick is kept for
        self._applying = False

    def start(self) -> None:
        """The defaults (and the browser's keys), until someone signs in."""
        self.apply(None)
        self.app.theme_changed_signal.subscribe(self.app, self._picked)

    def apply(self, staff: Staff | None) -> None:
        """The keys and theme ``staff`` chose; the defaults for None."""
        keymap: dict[str, str] = {}
        theme: str | None = None
        self.staff_id = None if staff is None else staff.id
        if self.staff_id is not None:
            from ma_tui.staff.preferences import read_preferences

            with suppress(UserError):  # the database away: the defaults this time
                preferences = read_preferences(self.engine(), self.staff_id)
                keymap, theme = preferences.keymap, preferences.theme
        self._applying = True
        try:
            problems = apply_preferences(
                self.app,
                keymap,
                theme,
                base=self.base_keymap,
                default_theme=self.default_theme,
            )
        finally:
            self._applying = False
        if problems:
            self.app.notify(f"Your keys were not applied: {problems[0]}.", severity="warning")

    def _picked(self, _theme: object) -> None:
        if self._applying or self.staff_id is None:
            return
        staff_id, theme = self.staff_id, self.app.theme
        self.app.run_worker(lambda: self._keep(staff_id, theme), thread=True, group="preferences")

    def _keep(self, staff_id: int, theme: str) -> None:
        from ma_tui.staff.preferences import set_theme

        with suppress(UserError):  # not kept this once: the theme still shows
            set_theme(self.engine(), staff_id, theme, now=self.clock())
