"""The search benchmark's own parts, at a tiny size: what it fills and finds is right.

No timing is asserted: figures come from ``python bench/search.py``, not from tests.
"""

from __future__ import annotations

from pathlib import Path

from sqlmodel import Session, select

from bench.search import (
    LIMIT,
    QUERIES,
    TODAY,
    fill,
    indexed_search,
    like_search,
    patient_rows,
    run,
)
from ma_tui.data.folding import patient_search_keys
from ma_tui.data.models.patients import Patient
from ma_tui.patients.search import fold, matches, parse_search


def test_the_rows_carry_the_keys_the_orm_would_give() -> None:
    rows = list(patient_rows(500, seed=7))
    assert len({row["mrn"] for row in rows}) == 500
    for row in rows:
        keys = patient_search_keys(row["family_name"], row["given_name"], row["mrn"])
        assert {name: row[name] for name in keys} == keys
    assert rows == list(patient_rows(500, seed=7))  # the same clinic every run


def test_the_benchmark_finds_exactly_the_matching_patients(tmp_path: Path) -> None:
    engine = fill(tmp_path / "patients.db", 2000)
    with Session(engine) as session:
        everyone = session.exec(select(Patient)).all()
    assert len(everyone) == 2000
    found_any = False
    for text in QUERIES:
        query = parse_search(text, TODAY)
        assert query is not None
        expected = {
            p.id
            for p in everyone
            if p.active
            and matches(
                query, family=p.family_name, given=p.given_name, birth_date=p.birth_date, mrn=p.mrn
            )
        }
        found = indexed_search(engine, text)
        ids = [p.id for p in found]
        assert set(ids) <= expected, text
        assert len(ids) == min(LIMIT, len(expected)), text
        keys = [(fold(p.family_name), fold(p.given_name), p.id) for p in found]
        assert keys == sorted(keys), text
        assert len(like_search(engine, text)) <= LIMIT
        found_any = found_any or bool(found)
    assert found_any
    engine.dispose()


def test_a_run_reports_every_size(tmp_path: Path) -> None:
    figures = run([300, 1000], repeat=2, like_repeat=1, folder=tmp_path)
    assert set(figures["search_ms"]) == {"300", "1k"}
    for summary in figures["search_ms"].values():
        assert 0 < summary["median"] <= summary["p95"]
    assert figures["search_vs_like_ratio"] > 0
    assert list(tmp_path.iterdir()) == []  # the databases are removed
