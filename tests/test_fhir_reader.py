"""Streaming FHIR resources out of Bundle, single-resource and NDJSON files."""

from __future__ import annotations

import json
import tempfile
import tracemalloc
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ma_tui.fhir.reader import MAX_RESOURCE_BYTES, ReadItem, read_files, total_bytes


def patient(number: int) -> dict[str, Any]:
    return {"resourceType": "Patient", "id": f"p{number}", "name": [{"family": f"Doe{number}"}]}


def bundle(*resources: dict[str, Any]) -> dict[str, Any]:
    entries = [{"fullUrl": f"urn:uuid:{r['id']}", "resource": r} for r in resources]
    return {"resourceType": "Bundle", "type": "collection", "entry": entries}


def write(path: Path, content: str | bytes) -> Path:
    if isinstance(content, str):
        content = content.encode()
    path.write_bytes(content)
    return path


def ndjson(*values: object) -> str:
    return "".join(json.dumps(value) + "\n" for value in values)


def read(*paths: Path) -> list[ReadItem]:
    return list(read_files(paths))


def errors(items: list[ReadItem]) -> list[tuple[str, str | None]]:
    return [(item.where, item.error) for item in items if item.error is not None]


def resources(items: list[ReadItem]) -> list[dict[str, Any] | None]:
    return [item.resource for item in items if item.error is None]


# ------------------------------------------------------------------ the formats


def test_a_bundle_yields_each_entry_with_its_full_url(tmp_path: Path) -> None:
    path = write(tmp_path / "visit.json", json.dumps(bundle(patient(1), patient(2)), indent=2))
    assert read(path) == [
        ReadItem("visit.json entry 1", patient(1), full_url="urn:uuid:p1"),
        ReadItem("visit.json entry 2", patient(2), full_url="urn:uuid:p2"),
    ]


def test_an_ndjson_file_yields_a_resource_per_line_counting_blank_lines(tmp_path: Path) -> None:
    text = json.dumps(patient(1)) + "\n\n  \n" + json.dumps(patient(2)) + "\r\n"
    path = write(tmp_path / "patients.ndjson", text)
    assert read(path) == [
        ReadItem("patients.ndjson line 1", patient(1)),
        ReadItem("patients.ndjson line 4", patient(2)),
    ]


def test_ndjson_is_recognised_by_content_whatever_the_name(tmp_path: Path) -> None:
    path = write(tmp_path / "export.json", ndjson(patient(1), patient(2)))
    assert [item.where for item in read(path)] == ["export.json line 1", "export.json line 2"]


def test_a_bundle_on_an_ndjson_line_yields_its_entries(tmp_path: Path) -> None:
    path = write(tmp_path / "b.ndjson", ndjson(patient(1), bundle(patient(2), patient(3))))
    assert [(item.where, item.full_url) for item in read(path)] == [
        ("b.ndjson line 1", None),
        ("b.ndjson line 2 entry 1", "urn:uuid:p2"),
        ("b.ndjson line 2 entry 2", "urn:uuid:p3"),
    ]


def test_a_single_resource_file_yields_that_resource(tmp_path: Path) -> None:
    path = write(tmp_path / "p.json", json.dumps(patient(1), indent=1))
    assert read(path) == [ReadItem("p.json", patient(1))]


def test_a_one_line_resource_is_json_not_ndjson(tmp_path: Path) -> None:
    path = write(tmp_path / "p.json", json.dumps(patient(1)) + "\n")
    assert read(path) == [ReadItem("p.json", patient(1))]


def test_a_list_resource_keeps_its_entry_field(tmp_path: Path) -> None:
    listing = {"entry": [{"item": {"reference": "Patient/p1"}}], "resourceType": "List"}
    path = write(tmp_path / "list.json", json.dumps(listing, indent=1))
    assert read(path) == [ReadItem("list.json", listing)]


def test_a_bundle_whose_resource_type_comes_last_is_still_a_bundle(tmp_path: Path) -> None:
    late = {"entry": [{"resource": patient(1)}], "type": "collection", "resourceType": "Bundle"}
    path = write(tmp_path / "late.json", json.dumps(late, indent=1))
    assert read(path) == [ReadItem("late.json entry 1", patient(1))]


def test_a_byte_order_mark_is_skipped(tmp_path: Path) -> None:
    path = write(tmp_path / "p.json", b"\xef\xbb\xbf" + json.dumps(patient(1)).encode())
    assert resources(read(path)) == [patient(1)]


def test_numbers_come_back_as_json_loads_makes_them(tmp_path: Path) -> None:
    text = (
        '{"resourceType": "Observation", "a": 1, "b": 1.5, "c": 1.0, "d": -0.0, "e": 1E2,'
        ' "f": 12345678901234567890123, "g": 0.1, "h": 123456789.123456789, "i": [2.5e-7, 3]}'
    )
    expected = json.loads(text)
    in_bundle = write(
        tmp_path / "b.json", f'{{"resourceType": "Bundle", "entry": [{{"resource": {text}}}]}}'
    )
    alone = write(tmp_path / "o.json", text)
    lines = write(tmp_path / "o.ndjson", text + "\n")
    got = resources(read(in_bundle, alone, lines))
    assert got == [expected] * 3
    for resource in got:
        assert resource is not None
        assert [type(resource[k]) for k in "abcdefgh"] == [type(expected[k]) for k in "abcdefgh"]
        assert [type(v) for v in resource["i"]] == [float, int]


# ------------------------------------------------------------------ what is refused


def test_a_bad_ndjson_line_is_reported_and_the_rest_are_read(tmp_path: Path) -> None:
    bad = '{"resourceType": "Patient" "id": "x"}'
    path = write(
        tmp_path / "p.ndjson", json.dumps(patient(1)) + "\n" + bad + "\n" + ndjson(patient(3))
    )
    items = read(path)
    assert errors(items) == [
        ("p.ndjson line 2", "line 2: not valid JSON (Expecting ',' delimiter at column 28)")
    ]
    assert resources(items) == [patient(1), patient(3)]


def test_a_truncated_bundle_yields_the_entries_before_and_one_error(tmp_path: Path) -> None:
    text = json.dumps(bundle(*(patient(n) for n in range(1, 4))), indent=1)
    path = write(tmp_path / "visit.json", text[: text.index('"p3"')])
    items = read(path)
    assert resources(items) == [patient(1), patient(2)]
    assert errors(items) == [
        ("visit.json", "visit.json: not valid JSON after entry 2 (parse error: premature EOF)")
    ]


def test_garbage_after_a_single_resource_refuses_the_file(tmp_path: Path) -> None:
    path = write(tmp_path / "p.json", json.dumps(patient(1), indent=1) + " x")
    assert errors(read(path)) == [
        ("p.json", "p.json: not valid JSON (parse error: trailing garbage)")
    ]


def test_entry_problems_are_reported_by_entry(tmp_path: Path) -> None:
    entries = [
        {"fullUrl": "urn:uuid:x"},
        {"resource": {"id": "no-type"}},
        {"resource": bundle(patient(9))},
        "not an entry",
        {"resource": patient(5)},
    ]
    path = write(tmp_path / "visit.json", json.dumps({"resourceType": "Bundle", "entry": entries}))
    assert errors(read(path)) == [
        ("visit.json entry 1", "entry 1: no resource"),
        ("visit.json entry 2", "entry 2: not a FHIR resource: no resourceType"),
        ("visit.json entry 3", "entry 3: a Bundle inside a Bundle is not read"),
        ("visit.json entry 4", "entry 4: not a Bundle entry: a JSON string"),
    ]
    assert resources(read(path)) == [patient(5)]


@pytest.mark.parametrize(
    ("content", "error"),
    [
        ("", "f.json: empty file"),
        (" \n\n ", "f.json: empty file"),
        ("[1, 2]", "f.json: not a FHIR resource: a JSON array, not an object"),
        ('"Patient"', "f.json: not a FHIR resource: a JSON string, not an object"),
        ('{"id": "x"}', "f.json: not a FHIR resource: no resourceType"),
        ('{"resourceType": 7}', "f.json: not a FHIR resource: no resourceType"),
        ("hello", "f.json: not valid JSON (lexical error: invalid char in json text)"),
        ('{"resourceType": "Bundle", "entry": {}}', "f.json: the Bundle's entry is not a list"),
    ],
)
def test_a_file_that_is_no_resource_gives_one_error(
    tmp_path: Path, content: str, error: str
) -> None:
    assert errors(read(write(tmp_path / "f.json", content))) == [("f.json", error)]


@pytest.mark.parametrize(
    ("line", "error"),
    [
        ("[1]", "line 1: not a FHIR resource: a JSON array, not an object"),
        ('{"id": "x"}', "line 1: not a FHIR resource: no resourceType"),
        (
            '{"resourceType": "Patient", "x": NaN}',
            "line 1: not valid JSON (NaN is not a JSON value)",
        ),
        (
            "{",
            "line 1: not valid JSON (Expecting property name enclosed in double quotes"
            " at column 2)",
        ),
    ],
)
def test_an_ndjson_line_that_is_no_resource_gives_an_error(
    tmp_path: Path, line: str, error: str
) -> None:
    path = write(tmp_path / "f.ndjson", line + "\n" + json.dumps(patient(2)))
    items = read(path)
    assert errors(items) == [("f.ndjson line 1", error)]
    assert resources(items) == [patient(2)]


def test_an_empty_ndjson_file_gives_one_error(tmp_path: Path) -> None:
    assert errors(read(write(tmp_path / "f.ndjson", "\n\n"))) == [
        ("f.ndjson", "f.ndjson: empty file")
    ]


def test_unreadable_files_are_reported_and_the_others_still_read(tmp_path: Path) -> None:
    good = write(tmp_path / "a.json", json.dumps(patient(1)))
    other = write(tmp_path / "b.ndjson", ndjson(patient(2)))
    items = read(good, tmp_path / "missing.json", tmp_path, other)
    assert resources(items) == [patient(1), patient(2)]
    assert errors(items) == [
        ("missing.json", "cannot read missing.json: No such file or directory"),
        (tmp_path.name, f"cannot read {tmp_path.name}: Is a directory"),
    ]


def test_text_that_is_not_utf8_is_refused(tmp_path: Path) -> None:
    latin1 = '{"resourceType": "Patient", "name": [{"family": "Muñoz"}]}'.encode("latin-1")
    whole = write(tmp_path / "p.json", latin1)
    assert errors(read(whole)) == [
        (
            "p.json",
            "cannot read p.json: not UTF-8 text (lexical error: invalid bytes in UTF8 string)",
        )
    ]
    lines = write(tmp_path / "p.ndjson", latin1 + b"\n" + ndjson(patient(2)).encode())
    items = read(lines)
    at = latin1.index(b"\xf1") + 1
    assert errors(items) == [("p.ndjson line 1", f"line 1: not UTF-8 text (at byte {at})")]
    assert resources(items) == [patient(2)]


def test_an_oversized_ndjson_line_is_refused_and_the_next_read(tmp_path: Path) -> None:
    huge = {"resourceType": "Binary", "data": "x" * (3 * MAX_RESOURCE_BYTES)}
    path = write(tmp_path / "big.ndjson", ndjson(patient(1), huge, patient(3)))
    items = read(path)
    assert errors(items) == [("big.ndjson line 2", "line 2: larger than 1,000,000 bytes, not read")]
    assert resources(items) == [patient(1), patient(3)]


def test_a_line_just_under_the_limit_is_read(tmp_path: Path) -> None:
    padding = MAX_RESOURCE_BYTES - len(json.dumps({"resourceType": "Binary", "data": ""}))
    near = {"resourceType": "Binary", "data": "x" * padding}
    assert resources(read(write(tmp_path / "n.ndjson", ndjson(near)))) == [near]


def test_an_oversized_bundle_entry_is_refused_and_the_next_read(tmp_path: Path) -> None:
    # Many small parts, so the entry is refused while being built, not after.
    huge = {"resourceType": "List", "id": "h", "note": [{"text": "y" * 10}] * 150_000}
    path = write(tmp_path / "visit.json", json.dumps(bundle(patient(1), huge, patient(3))))
    items = read(path)
    assert errors(items) == [
        ("visit.json entry 2", "entry 2: larger than 1,000,000 bytes, not read")
    ]
    assert resources(items) == [patient(1), patient(3)]


def test_an_oversized_single_resource_is_refused(tmp_path: Path) -> None:
    huge = {"resourceType": "List", "note": [{"text": "y" * 10}] * 150_000}
    items = read(write(tmp_path / "list.json", json.dumps(huge)))
    assert errors(items) == [
        ("list.json", "list.json: this List is larger than 1,000,000 bytes, not read")
    ]


# ------------------------------------------------------------------ naming and progress


def test_files_sharing_a_name_are_named_by_path(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    first = write(tmp_path / "a" / "visit.json", json.dumps(patient(1)))
    second = write(tmp_path / "b" / "visit.json", json.dumps(patient(2)))
    third = write(tmp_path / "other.json", json.dumps(patient(3)))
    assert [item.where for item in read(first, second, third)] == [
        str(first),
        str(second),
        "other.json",
    ]


def test_progress_adds_up_to_the_total_in_a_few_calls(tmp_path: Path) -> None:
    many = write(tmp_path / "many.json", json.dumps(bundle(*(patient(n) for n in range(5000)))))
    lines = write(tmp_path / "lines.ndjson", ndjson(*(patient(n) for n in range(5000))))
    text = many.read_text()
    cut = write(tmp_path / "cut.json", text[: len(text) // 2])
    paths = [many, tmp_path / "missing.json", lines, cut]
    calls: list[int] = []
    items = list(read_files(paths, on_progress=calls.append))
    assert (
        sum(calls)
        == total_bytes(paths)
        == 2 * many.stat().st_size
        + lines.stat().st_size
        - (many.stat().st_size - cut.stat().st_size)
    )
    assert all(call > 0 for call in calls)
    assert len(calls) < len(items) / 10
    assert total_bytes([tmp_path / "missing.json", tmp_path]) == 0


def test_reading_is_lazy(tmp_path: Path) -> None:
    path = write(tmp_path / "p.ndjson", ndjson(patient(1)))
    items = read_files([path])
    path.unlink()  # the file is opened on the first next(), not before
    assert [item.error for item in items] == ["cannot read p.ndjson: No such file or directory"]


# ------------------------------------------------------------------ big files


def _big_bundle_lines(entries: int) -> Iterator[str]:
    yield '{"resourceType": "Bundle", "type": "collection", "entry": [\n'
    note = "n" * 400
    for number in range(entries):
        resource = {"resourceType": "Observation", "id": f"o{number}", "note": [{"text": note}]}
        comma = "," if number < entries - 1 else ""
        yield json.dumps({"fullUrl": f"urn:uuid:o{number}", "resource": resource}) + comma + "\n"
    yield "]}\n"


def test_a_big_bundle_streams_in_little_memory(tmp_path: Path) -> None:
    path = tmp_path / "big.json"
    with path.open("w") as file:
        file.writelines(_big_bundle_lines(20_000))  # about 10 MB
    size = path.stat().st_size
    tracemalloc.start()
    try:
        count = 0
        for item in read_files([path]):
            assert item.error is None
            count += 1
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert count == 20_000
    # json.load would hold every entry at once: several times the file's size.
    assert size > 9_000_000
    assert peak < size / 20


# ------------------------------------------------------------------ properties

simple_values = st.one_of(
    st.text(max_size=12),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False, allow_infinity=False),
)
small_resources = st.builds(
    lambda resource_type, fields: {"resourceType": resource_type, **fields},
    st.sampled_from(["Patient", "Observation", "Encounter", "Coverage"]),
    st.dictionaries(
        st.text(min_size=1, max_size=8).filter(lambda key: key != "resourceType"),
        simple_values,
        max_size=4,
    ),
)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(small_resources, min_size=1, max_size=8))
def test_resources_written_as_ndjson_or_bundle_come_back_unchanged(
    written: list[dict[str, Any]],
) -> None:
    wrapped = {"resourceType": "Bundle", "entry": [{"resource": r} for r in written]}
    with tempfile.TemporaryDirectory() as folder:
        lines = write(Path(folder) / "r.ndjson", ndjson(*written))
        whole = write(Path(folder) / "r.json", json.dumps(wrapped))
        assert [item.resource for item in read(lines)] == written
        assert [item.resource for item in read(whole)] == written


def _damaged_bundle(data: st.DataObject) -> bytes:
    text = json.dumps(bundle(patient(1), patient(2))).encode()
    cut = data.draw(st.integers(min_value=0, max_value=len(text)))
    junk = data.draw(st.binary(max_size=4))
    return text[:cut] + junk + text[cut + len(junk) :]


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.data(),
    st.sampled_from(["f.json", "f.ndjson", "f.txt"]),
    st.booleans(),
)
def test_any_bytes_give_items_never_exceptions(
    data: st.DataObject, name: str, damaged: bool
) -> None:
    content = _damaged_bundle(data) if damaged else data.draw(st.binary(max_size=200))
    with tempfile.TemporaryDirectory() as folder:
        items = read(write(Path(folder) / name, content))
    for item in items:
        if item.error is None:
            assert item.resource is not None
            assert isinstance(item.resource.get("resourceType"), str)
        else:
            assert item.resource is None
            assert "\n" not in item.error


def test_bad_utf8_inside_a_bundle_is_said_not_raised() -> None:
    """Found by the property above: bytes that are not UTF-8 inside a Bundle's JSON
    reached the import as a UnicodeDecodeError from the streaming parser."""
    text = json.dumps(bundle(patient(1), patient(2))).encode()
    content = text[:72] + b"\xc0\x80" + text[74:]
    with tempfile.TemporaryDirectory() as folder:
        items = read(write(Path(folder) / "f.json", content))
    errors = [item.error for item in items if item.error is not None]
    assert errors
    assert all("not UTF-8 text" in error or "not valid JSON" in error for error in errors)
