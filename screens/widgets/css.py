"""Each screen's stylesheet, scoped to that screen.

A screen's ``CSS_PATH`` file is read into the app's one stylesheet for every screen:
once the check-in had been shown, its ``.hint`` and ``Button`` rules styled the
complaint's hints and the walk-in's buttons too, so a screen looked different after
another had been opened. Given as the screen's ``CSS`` instead, Textual scopes the
rules to the screen (``SCOPED_CSS``): each ``.tcss`` styles only its own screen.
"""

from __future__ import annotations

from pathlib import Path


def screen_css(module_file: str, name: str) -> str:
    """The stylesheet ``name`` beside the screen's module, for its ``CSS``."""
    return (Path(module_file).resolve().parent / name).read_text(encoding="utf-8")
