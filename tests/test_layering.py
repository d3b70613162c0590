"""Textual stays in the UI: data/ and ma_tui's domain modules never import it."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# The only modules of ma_tui/ allowed to import Textual: the app shell.
UI_MODULES = {ROOT / "ma_tui" / "app.py"}
FORBIDDEN = ("textual",)


def _non_ui_modules() -> list[Path]:
    files = [*sorted((ROOT / "data").rglob("*.py")), *sorted((ROOT / "ma_tui").rglob("*.py"))]
    return [path for path in files if path not in UI_MODULES]


def _imported_roots(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    roots: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
    return roots


def test_no_textual_import_below_screens() -> None:
    offenders = {
        str(path.relative_to(ROOT)): sorted(_imported_roots(path) & set(FORBIDDEN))
        for path in _non_ui_modules()
    }
    assert {name: found for name, found in offenders.items() if found} == {}


def test_data_never_imports_the_layers_above_it() -> None:
    offenders = [
        str(path.relative_to(ROOT))
        for path in sorted((ROOT / "data").rglob("*.py"))
        if _imported_roots(path) & {"ma_tui", "screens", "textual"}
    ]
    assert offenders == []


def test_the_check_sees_a_textual_import(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text("def f():\n    from textual.widgets import Input\n")
    assert "textual" in _imported_roots(sample)


def test_importing_the_domain_loads_no_textual() -> None:
    modules = [
        ".".join(path.relative_to(ROOT).with_suffix("").parts)
        for path in _non_ui_modules()
        if path.name not in {"__main__.py"} and "migrations" not in path.parts
    ]
    code = (
        "import importlib, sys\n"
        f"for name in {modules!r}: importlib.import_module(name)\n"
        "loaded = sorted(m for m in sys.modules if m.split('.')[0] == 'textual')\n"
        "assert not loaded, loaded\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
