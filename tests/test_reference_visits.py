"""The three reference visits (bench/reference_visits.md), roomed end to end from the
queue with keys only, then every stored value checked: value as typed, unit, canonical
value, flags, history, complaint.

The key sequences and the checks are the keystroke benchmark's own
(``bench/keystrokes.py``), so what the benchmark counts is what these tests prove
stores the visit right. Each visit is typed with its vitals on the one line or field by
field; Dana both ways, one of them on a larger terminal.
"""

from __future__ import annotations

import pytest
from sqlalchemy.engine import Engine

from bench.keystrokes import VISITS, Visit, run_visit

DANA, ADA, HAROLD = VISITS


@pytest.mark.parametrize(
    ("visit", "style", "size"),
    [
        pytest.param(DANA, "line", (120, 40), id="dana-line-120x40"),
        pytest.param(ADA, "line", (80, 24), id="ada-line"),
        pytest.param(HAROLD, "fields", (80, 24), id="harold-fields"),
    ],
)
async def test_a_reference_visit_is_stored_as_typed(
    demo_engine: Engine, visit: Visit, style: str, size: tuple[int, int]
) -> None:
    typist = await run_visit(demo_engine, visit, style, size)  # checks every stored value
    assert typist.keys <= 1.3 * visit.data_chars  # the bound on keys per data
