"""The newcomer's contract: the README's two commands, CI, the entry points."""

from __future__ import annotations

from importlib.metadata import entry_points
from pathlib import Path

from ma_tui.demo.staff import DEMO_STAFF

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_readme_gives_the_two_commands_and_ci_runs_the_test_one() -> None:
    assert "make run" in README
    assert "make test" in README
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "make test" in ci.split("\n", 2)[-1]
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert "\nrun:" in makefile
    assert "\ntest:" in makefile


def test_readme_lists_every_demo_user_with_their_own_pin() -> None:
    for user in DEMO_STAFF:
        assert f"| `{user.username}` |" in README
        assert f"| `{user.pin}` |" in README
    assert len({user.pin for user in DEMO_STAFF}) == len(DEMO_STAFF)


def test_console_script_is_installed() -> None:
    scripts = {ep.name: ep.value for ep in entry_points(group="console_scripts")}
    assert scripts.get("ma-tui") == "ma_tui.cli:main"
