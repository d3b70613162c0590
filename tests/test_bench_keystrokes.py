"""The keystroke benchmark's parts: how keys are counted, and that its checks can fail.

The figures come from ``python bench/keystrokes.py``, which rooms each visit and stops
on any stored value that differs; the same visits are roomed end to end, with the
same checks, in tests/test_reference_visits.py.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.keystrokes import VISITS, Mismatch, demo_clinic, key_cost


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
