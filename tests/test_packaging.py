"""The built wheel: one top-level package, everything it needs inside, runnable anywhere.

``data/`` and ``screens/`` sit at the top of the repository but are installed as
``ma_tui.data`` and ``ma_tui.screens`` (README "Development"): nothing named ``data``
or ``screens`` may land in site-packages, where it could collide with another
project's. The wheel is built as ``pip wheel`` builds it, then installed into a
folder of its own and run from outside the checkout.
"""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

from tests.credentials import as_admin

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    result = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(out), str(ROOT)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    (built,) = out.glob("ma_tui-*.whl")
    return built


def test_the_wheel_installs_only_ma_tui(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
    top = {name.split("/")[0] for name in names}
    assert {name for name in top if not name.endswith(".dist-info")} == {"ma_tui"}
    # What the program reads at run time travels with it.
    assert "ma_tui/screens/visit/vitals.tcss" in names
    assert "ma_tui/screens/web/templates/app_index.html" in names  # ma-tui serve's page
    assert "ma_tui/data/catalogs/medications.json" in names
    assert "ma_tui/data/catalogs/growth/bmiage.csv" in names
    assert "ma_tui/data/migrations/script.py.mako" in names
    assert any(name.startswith("ma_tui/data/migrations/versions/0009") for name in names)


def test_the_installed_wheel_runs_from_any_folder(wheel: Path, tmp_path: Path) -> None:
    target = tmp_path / "site"
    install = [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps"]
    subprocess.run([*install, "--target", str(target), str(wheel)], check=True)
    # The wheel's own files first, then the dependencies this venv already has; not
    # the checkout (the working folder is elsewhere) nor its editable-install hook.
    deps = sysconfig.get_paths()["purelib"]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(target), deps])}
    env.pop("MA_TUI_DB", None)
    db = tmp_path / "clinic.db"

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-S", *args],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            check=False,
            timeout=120,
        )

    where = run("-c", "import ma_tui.screens.app, ma_tui.data.store as s; print(s.__file__)")
    assert where.returncode == 0, where.stderr
    assert where.stdout.strip().startswith(str(target))
    demo = run("-m", "ma_tui", "demo", "--db", str(db))
    assert demo.returncode == 0, demo.stderr
    users = run("-m", "ma_tui", "users", *as_admin(tmp_path), "--db", str(db))
    assert users.returncode == 0, users.stderr
    assert "mia" in users.stdout
