"""The database's key leaves the process's environment once read (issue 15)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from ma_tui.core.environment import take_from_environment
from ma_tui.data.store import KEY_ENV_VAR

SECRET = "correct horse battery staple 4711"


def test_a_secret_taken_is_gone_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MA_TUI_TEST_SECRET", SECRET)
    assert take_from_environment("MA_TUI_TEST_SECRET") == SECRET
    assert "MA_TUI_TEST_SECRET" not in os.environ
    assert take_from_environment("MA_TUI_TEST_SECRET") is None


@pytest.mark.skipif(not Path("/proc/self/environ").exists(), reason="Linux's /proc only")
def test_the_database_key_is_gone_once_ma_tui_has_started(tmp_path: Path) -> None:
    """From os.environ, from what a child process inherits, and (on Linux) from the
    environment the kernel shows for the process."""
    program = textwrap.dedent(
        f"""
        import os, subprocess, sys
        from ma_tui.cli import main
        assert main(["settings", "--db", {str(tmp_path / "clinic.db")!r}]) == 0
        child = subprocess.run(["env"], capture_output=True, text=True).stdout
        start = open("/proc/self/environ", "rb").read().decode(errors="replace")
        print({KEY_ENV_VAR!r} in os.environ, {SECRET!r} in child, {SECRET!r} in start)
        """
    )
    env = dict(os.environ, XDG_CONFIG_HOME=str(tmp_path / "config"), **{KEY_ENV_VAR: SECRET})
    ran = subprocess.run(
        [sys.executable, "-c", program], env=env, capture_output=True, text=True, timeout=60
    )
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout.split()[-3:] == ["False", "False", "False"]
