"""A bug never shows a patient: the terminal gets an error id, a 0600 report keeps
only exception types and frames, and ma-tui exits non-zero."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from ma_tui.core.crash import structural_report, write_crash_report
from ma_tui.screens.opening import EXIT_CRASHED
from tests.conftest import todays_encounter_id
from tests.pilot import make_app

SECRETS = ("Whitfield", "Dana", "555-555-0115", "1968", "cough for 5 days")


class Boom(Exception):
    """A bug, its message full of patient data."""


def test_the_report_keeps_types_and_frames_never_values(tmp_path: Path) -> None:
    def fail(name: str) -> None:
        try:
            raise ValueError(f"bad phone for {name}: 555-555-0115")
        except ValueError as exc:
            raise Boom(f"{name} cough for 5 days") from exc

    with pytest.raises(Boom) as caught:
        fail("Dana Whitfield 1968")
    report = write_crash_report(caught.value, folder=tmp_path / "logs")
    assert report.path is not None
    assert stat.S_IMODE(report.path.stat().st_mode) == 0o600
    assert stat.S_IMODE(report.path.parent.stat().st_mode) == 0o700
    text = report.path.read_text()
    assert report.error_id in text
    assert report.error_id in report.message()
    assert "test_crash_report.Boom" in text
    assert "builtins.ValueError" in text
    assert "tests/test_crash_report.py:fail line" in text
    assert str(Path.home()) not in text  # no home folder, so no user name
    for secret in SECRETS:
        assert secret not in text
        assert secret not in report.message()
    assert structural_report(caught.value) in text


async def test_a_bug_in_a_screen_shows_an_error_id_and_exits_non_zero(
    demo_engine: Engine,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("MA_TUI_CRASH_DIR", str(tmp_path))
    app = make_app(demo_engine)

    def bug() -> None:
        raise Boom("Dana Whitfield 555-555-0115")

    async def room_then_fail() -> None:
        async with app.run_test() as pilot:
            await pilot.pause()
            app.open_patient(todays_encounter_id(demo_engine, "Whitfield"))
            await pilot.pause()
            app.call_later(bug)
            await pilot.pause()

    with pytest.raises(Boom):
        await room_then_fail()
    assert app.return_code == EXIT_CRASHED
    (report,) = tmp_path.glob("crash-*.txt")
    text = report.read_text()
    shown = capsys.readouterr().err  # what the terminal shows once the screen is gone
    for secret in SECRETS:
        assert secret not in text
        assert secret not in shown
    assert "error id" in shown
