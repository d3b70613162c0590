"""Textual stays in the UI: data/ and ma_tui's domain modules never import it."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FORBIDDEN = ("textual",)
# ma_tui/data and ma_tui/screens are links to the top-level folders.
LINKS = (ROOT / "ma_tui" / "data", ROOT / "ma_tui" / "screens")


def _non_ui_modules() -> list[Path]:
    files = [*sorted((ROOT / "data").rglob("*.py")), *sorted((ROOT / "ma_tui").rglob("*.py"))]
    return [path for path in files if not any(path.is_relative_to(link) for link in LINKS)]


def _imported_roots(path: Path) -> set[str]:
    """The top-level packages imported; ma_tui's own subpackages count as roots."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    roots: set[str] = set()
    names: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.append(node.module)
    for name in names:
        parts = name.split(".")
        roots.add(parts[1] if parts[0] == "ma_tui" and len(parts) > 1 else parts[0])
    return roots


def _module_name(path: Path) -> str:
    """``data/models/staff.py`` -> ``ma_tui.data.models.staff`` (its installed name)."""
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts if parts[0] == "ma_tui" else ["ma_tui", *parts])


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
        if _imported_roots(path) - {"data"} & {"ma_tui", "screens", "textual"}
        or {root for root in _imported_roots(path) if root not in {"data", "ma_tui"}}
        & {
            "screens",
            "core",
            "patients",
            "visits",
            "vitals",
            "history",
            "staff",
            "clinic",
            "fhir",
            "demo",
            "cli",
        }
    ]
    assert offenders == []


def test_the_check_sees_a_textual_import(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text("def f():\n    from textual.widgets import Input\n")
    assert "textual" in _imported_roots(sample)


def test_importing_the_domain_loads_no_textual() -> None:
    modules = [
        _module_name(path)
        for path in _non_ui_modules()
        if path.name not in {"__main__.py"} and "migrations" not in path.parts
    ]
    code = (
        "import importlib, sys\n"
        f"for name in {modules!r}: importlib.import_module(name)\n"
        "loaded = sorted(m for m in sys.modules if m.split('.')[0] == 'textual')\n"
        "assert not loaded, loaded\n"
        "stray = sorted(m for m in sys.modules if m.split('.')[0] in ('data', 'screens'))\n"
        "assert not stray, stray\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
