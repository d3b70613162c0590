"""The keystroke benchmark's parts: how keys are counted, and that its checks can fail.

The figures come from ``python bench/keystrokes.py``; the reference visits themselves
are roomed end to end in tests/test_reference_visits.py.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.keystrokes import VISITS, Mismatch, demo_clinic, key_cost, run_visit


def test_a_chord_counts_as_its_parts() -> None:
    assert [key_cost(k) for k in ("enter", "f3", "a", "ctrl+s", "shift+tab")] == [1, 1, 1, 2, 2]


def test_the_visits_carry_the_reference_data_counts() -> None:
    assert [visit.data_chars for visit in VISITS] == [98, 238, 123]
    text = (Path(__file__).resolve().parent.parent / "bench" / "reference_visits.md").read_text()
    for count in (98, 238, 123):
        assert f"data characters: {count}" in text


def test_a_visit_not_roomed_fails_its_check(tmp_path: Path) -> None:
    engine = demo_clinic(tmp_path)
    with pytest.raises(Mismatch, match="status"):
        VISITS[0].check(engine)  # Dana is only scheduled: nothing was stored
    engine.dispose()


async def test_dana_roomed_on_one_line_passes_every_check(tmp_path: Path) -> None:
    engine = demo_clinic(tmp_path)
    typist = await run_visit(engine, VISITS[0], "line")  # checks every stored value
    assert typist.keys > VISITS[0].data_chars // 2 and typist.select_keys == len("whit da")
    engine.dispose()
