"""Stream FHIR resources out of Bundle, single-resource and NDJSON files.

Files may be gigabytes, so nothing here holds a whole file: NDJSON is read line by
line, JSON is parsed as a stream of ijson events and built one Bundle entry at a
time. Each resource (an NDJSON line, a Bundle entry) is refused once it is bigger
than ``MAX_RESOURCE_BYTES``, without building it.

Every problem becomes a ``ReadItem`` with ``error`` set, never an exception, so one
bad line or file does not stop the import. An error is one line that says where it
is within its file ("line 7: ...", "entry 4: ...") or names the file itself
("visit.json: empty file", "cannot read visit.json: ...").
"""

from __future__ import annotations

import json
import stat
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import Enum
from pathlib import Path
from typing import Any, BinaryIO, Final

import ijson  # type: ignore[import-untyped]

MAX_RESOURCE_BYTES = 1_000_000

# ijson reads this much at a time, so a Bundle entry's size is measured in these steps:
# one up to two chunks over the limit may still be read; one under it is never refused.
_CHUNK: Final = 16 * 1024
_REPORT_EVERY: Final = 64 * 1024  # bytes between on_progress calls
_NDJSON_SUFFIXES: Final = {".ndjson", ".jsonl"}
_BLANK: Final = b" \t\r\n"
_BOM: Final = b"\xef\xbb\xbf"
_TOO_BIG_TEXT: Final = f"larger than {MAX_RESOURCE_BYTES:,} bytes, not read"


@dataclass(frozen=True, slots=True)
class ReadItem:
    where: str  # for the report: "patients.ndjson line 12", "visit.json entry 3", "visit.json"
    resource: dict[str, Any] | None  # an object with a string "resourceType"; None on error
    full_url: str | None = None  # the Bundle entry's fullUrl, when it has one
    error: str | None = None  # one line: why nothing could be read here


def total_bytes(paths: Sequence[Path]) -> int:
    """The sum of the files' sizes, for a progress bar (what cannot be read counts 0)."""
    return sum(_file_size(path) for path in paths)


def read_files(
    paths: Sequence[Path], *, on_progress: Callable[[int], None] | None = None
) -> Iterator[ReadItem]:
    """Every resource of every file, in order; ``on_progress(n)`` now and then with the
    bytes read since its last call (summing to ``total_bytes(paths)``)."""
    progress = _Progress(on_progress)
    for path, label in zip(paths, _labels(paths), strict=True):
        size = _file_size(path)
        yield from _read_file(path, label, progress)
        progress.finish_file(size)


# ------------------------------------------------------------------ files


def _file_size(path: Path) -> int:
    try:
        status = path.stat()
    except OSError:
        return 0
    return status.st_size if stat.S_ISREG(status.st_mode) else 0


def _labels(paths: Sequence[Path]) -> list[str]:
    """Each file's name, or its path as given when another file has the same name."""
    names = Counter(path.name for path in paths)
    return [str(path) if names[path.name] > 1 else path.name for path in paths]


class _Progress:
    """Batches byte counts into occasional on_progress calls."""

    def __init__(self, callback: Callable[[int], None] | None) -> None:
        self.callback = callback
        self.pending = 0
        self.in_file = 0

    def add(self, count: int) -> None:
        self.pending += count
        self.in_file += count
        if self.pending >= _REPORT_EVERY:
            self._flush()

    def finish_file(self, size: int) -> None:
        # A file left part read (an error, a skipped tail) still counts whole, so the
        # bar ends at the total it was given.
        self.pending += max(0, size - self.in_file)
        self.in_file = 0
        self._flush()

    def _flush(self) -> None:
        if self.callback is not None and self.pending:
            self.callback(self.pending)
        self.pending = 0


class _Kind(Enum):
    EMPTY = "empty"
    NDJSON = "ndjson"
    JSON = "json"


def _read_file(path: Path, label: str, progress: _Progress) -> Iterator[ReadItem]:
    try:
        with path.open("rb") as file:
            start = _after_bom(file)
            kind = _Kind.NDJSON if path.suffix.lower() in _NDJSON_SUFFIXES else _sniff(file)
            file.seek(start)
            if kind is _Kind.EMPTY:
                yield _file_error(label, "empty file")
            elif kind is _Kind.NDJSON:
                yield from _ndjson_items(file, label, progress)
            else:
                yield from _json_items(file, path, label, progress)
    except OSError as error:
        yield ReadItem(where=label, resource=None, error=f"cannot read {label}: {_reason(error)}")


def _reason(error: OSError) -> str:
    return error.strerror or str(error)


def _after_bom(file: BinaryIO) -> int:
    """Skip a UTF-8 byte order mark (some Windows tools write one); the data's start."""
    start = len(_BOM) if file.read(len(_BOM)) == _BOM else 0
    file.seek(start)
    return start


def _sniff(file: BinaryIO) -> _Kind:
    """NDJSON when the first non-blank line is a whole JSON object and more follows."""
    line = b""
    while not line.strip(_BLANK):
        line = file.readline(MAX_RESOURCE_BYTES + 1)
        if not line:
            return _Kind.EMPTY
    text = line.strip(_BLANK)
    # Cheap checks first: a minified Bundle is one huge line, not worth parsing here.
    too_long = len(line) > MAX_RESOURCE_BYTES and not line.endswith(b"\n")
    if too_long or not (text.startswith(b"{") and text.endswith(b"}")):
        return _Kind.JSON
    if not isinstance(_loads_or_none(text), dict):
        return _Kind.JSON
    return _Kind.NDJSON if _more_text_follows(file) else _Kind.JSON


def _more_text_follows(file: BinaryIO) -> bool:
    while chunk := file.read(_CHUNK):
        if chunk.strip(_BLANK):
            return True
    return False


def _file_error(label: str, message: str) -> ReadItem:
    return ReadItem(where=label, resource=None, error=f"{label}: {message}")


# ------------------------------------------------------------------ resources


def _error(label: str, position: str, message: str) -> ReadItem:
    """An error at a position within a file ("line 7", "entry 3", "line 2 entry 1")."""
    return ReadItem(where=f"{label} {position}", resource=None, error=f"{position}: {message}")


def _problem(value: Any, *, in_bundle: bool) -> str | None:
    """Why a JSON value is not a resource we read, or None when it is one."""
    if not isinstance(value, dict):
        return f"not a FHIR resource: a JSON {_json_type(value)}, not an object"
    resource_type = value.get("resourceType")
    if not isinstance(resource_type, str) or not resource_type:
        return "not a FHIR resource: no resourceType"
    if in_bundle and resource_type == "Bundle":
        return "a Bundle inside a Bundle is not read"
    return None


def _json_type(value: Any) -> str:
    if isinstance(value, list):
        return "array"
    if isinstance(value, str):
        return "string"
    if isinstance(value, bool):
        return "boolean"
    if value is None:
        return "null"
    return "number"


def _entry_item(entry: Any, label: str, position: str) -> ReadItem:
    """One Bundle entry, already built: its resource and fullUrl, or why not."""
    if not isinstance(entry, dict):
        return _error(label, position, f"not a Bundle entry: a JSON {_json_type(entry)}")
    if "resource" not in entry:
        return _error(label, position, "no resource")
    resource = entry["resource"]
    problem = _problem(resource, in_bundle=True)
    if problem is not None:
        return _error(label, position, problem)
    full_url = entry.get("fullUrl")
    return ReadItem(
        where=f"{label} {position}",
        resource=resource,
        full_url=full_url if isinstance(full_url, str) else None,
    )


def _bundle_items(bundle: dict[str, Any], label: str, position: str) -> Iterator[ReadItem]:
    """The entries of a Bundle held in memory (an NDJSON line is at most 1 MB)."""
    entries = bundle.get("entry", [])
    if not isinstance(entries, list):
        yield _error(label, position, "the Bundle's entry is not a list")
        return
    for number, entry in enumerate(entries, start=1):
        yield _entry_item(entry, label, f"{position} entry {number}")


# ------------------------------------------------------------------ NDJSON


def _ndjson_items(file: BinaryIO, label: str, progress: _Progress) -> Iterator[ReadItem]:
    number = 0
    blank = True
    while line := file.readline(MAX_RESOURCE_BYTES + 1):
        number += 1
        progress.add(len(line))
        if len(line) > MAX_RESOURCE_BYTES and not line.endswith(b"\n"):
            progress.add(_skip_rest_of_line(file))
            yield _error(label, f"line {number}", _TOO_BIG_TEXT)
        elif not line.strip(_BLANK):
            continue  # blank lines are allowed anywhere
        else:
            yield from _line_items(line, label, f"line {number}")
        blank = False
    if blank:
        yield _file_error(label, "empty file")


def _skip_rest_of_line(file: BinaryIO) -> int:
    """Read past the end of an overlong line, a chunk at a time; the bytes skipped."""
    skipped = 0
    while part := file.readline(_CHUNK):
        skipped += len(part)
        if part.endswith(b"\n"):
            break
    return skipped


def _line_items(line: bytes, label: str, position: str) -> Iterator[ReadItem]:
    try:
        # Without the line end, so a JSON error's column is on this line.
        text = line.rstrip(_BLANK).decode("utf-8")
    except UnicodeDecodeError as error:
        yield _error(label, position, f"not UTF-8 text (at byte {error.start + 1})")
        return
    try:
        value = _strict_loads(text)
    except json.JSONDecodeError as error:
        yield _error(label, position, f"not valid JSON ({error.msg} at column {error.colno})")
        return
    except (ValueError, RecursionError) as error:
        yield _error(label, position, f"not valid JSON ({error})")
        return
    problem = _problem(value, in_bundle=False)
    if problem is not None:
        yield _error(label, position, problem)
    elif value["resourceType"] == "Bundle":
        yield from _bundle_items(value, label, position)
    else:
        yield ReadItem(where=f"{label} {position}", resource=value)


def _strict_loads(text: str) -> Any:
    """json.loads without the NaN and Infinity extensions, which are not JSON."""
    return json.loads(text, parse_constant=_refuse_constant)


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON value")


def _loads_or_none(line: bytes) -> Any:
    try:
        return _strict_loads(line.decode("utf-8"))
    except (ValueError, RecursionError):
        return None


# ------------------------------------------------------------------ JSON


class _TooBig:
    """Stands for a value that was skipped because it is bigger than the limit."""


_TOO_BIG: Final = _TooBig()
_STARTS: Final = frozenset({"start_map", "start_array"})
_ENDS: Final = frozenset({"end_map", "end_array"})
# Allowance for measuring in chunks: a value refused spans more than the limit for sure.
_SLACK: Final = MAX_RESOURCE_BYTES + _CHUNK


def _json_items(file: BinaryIO, path: Path, label: str, progress: _Progress) -> Iterator[ReadItem]:
    stream = _JsonStream(file, path, label, progress)
    try:
        yield from stream.items()
    # ijson's C backend says bad UTF-8 inside a string as Python's own decode error.
    except (ijson.JSONError, UnicodeDecodeError) as error:
        yield ReadItem(where=label, resource=None, error=stream.invalid_text(error))


class _CountingReader:
    """The file as ijson reads it, counting the bytes it has taken so far."""

    def __init__(self, file: BinaryIO, progress: _Progress) -> None:
        self.file = file
        self.progress = progress
        self.consumed = 0

    def read(self, size: int = -1) -> bytes:
        data = self.file.read(size)
        self.consumed += len(data)
        self.progress.add(len(data))
        return data


class _JsonStream:
    """One JSON file as ijson events: a Bundle yields entry by entry, anything else is
    one resource (built only while it stays under the limit)."""

    def __init__(self, file: BinaryIO, path: Path, label: str, progress: _Progress) -> None:
        self.reader = _CountingReader(file, progress)
        self.events: Iterator[tuple[str, Any]] = ijson.basic_parse(self.reader, buf_size=_CHUNK)
        self.path = path
        self.label = label
        self.entries = 0  # Bundle entries read so far
        self.top: dict[str, Any] = {}  # the top-level object but its Bundle entries

    def items(self) -> Iterator[ReadItem]:
        event, value = self._next()
        if event != "start_map":
            yield _file_error(
                self.label, f"not a FHIR resource: a JSON {_event_type(event)}, not an object"
            )
            return
        too_big = False
        limit = self.reader.consumed + _SLACK
        for event, key in self.events:
            if event == "end_map":
                break
            event, value = self._next()
            if key == "entry" and self._is_bundle():
                yield from self._entries(event)
                continue
            built = self._build(event, value, limit)
            if built is _TOO_BIG:
                too_big = True
            else:
                self.top[key] = built
        for _ in self.events:
            pass  # reach the end, so trailing garbage is reported
        yield from self._single_resource(too_big)

    def _single_resource(self, too_big: bool) -> Iterator[ReadItem]:
        resource_type = self.top.get("resourceType")
        if resource_type == "Bundle":
            return  # its entries were yielded as they came
        problem = _problem(self.top, in_bundle=False)
        if problem is not None:
            yield _file_error(self.label, problem)
        elif too_big:
            yield _file_error(self.label, f"this {resource_type} is {_TOO_BIG_TEXT}")
        else:
            yield ReadItem(where=self.label, resource=self.top)

    def _entries(self, event: str) -> Iterator[ReadItem]:
        if event != "start_array":
            self._skip(event)
            yield _file_error(self.label, "the Bundle's entry is not a list")
            return
        for event, value in self.events:
            if event == "end_array":
                return
            entry = self._build(event, value, self.reader.consumed + _SLACK)
            self.entries += 1
            position = f"entry {self.entries}"
            if entry is _TOO_BIG:
                yield _error(self.label, position, _TOO_BIG_TEXT)
            else:
                yield _entry_item(entry, self.label, position)

    def _is_bundle(self) -> bool:
        if "resourceType" in self.top:
            return bool(self.top["resourceType"] == "Bundle")
        return _top_level_resource_type(self.path) == "Bundle"

    def _build(self, event: str, value: Any, limit: int) -> Any:
        """The JSON value that starts with this event, or _TOO_BIG (and skipped) once
        the file has been read past ``limit`` while building it."""
        if event == "start_map":
            root: dict[str, Any] | list[Any] = {}
        elif event == "start_array":
            root = []
        else:
            return _number(value)
        # The hot loop of a big Bundle: one pass per JSON token, kept plain for speed.
        stack = [root]
        parent = root
        key = ""
        reader = self.reader
        for event, value in self.events:
            if reader.consumed > limit:
                self._skip(event, depth=len(stack))
                return _TOO_BIG
            if event == "map_key":
                key = value
                continue
            if event == "start_map":
                value = {}
            elif event == "start_array":
                value = []
            elif event == "end_map" or event == "end_array":
                stack.pop()
                if not stack:
                    return root
                parent = stack[-1]
                continue
            elif event == "number":
                value = _number(value)
            if isinstance(parent, dict):
                parent[key] = value
            else:
                parent.append(value)
            if event == "start_map" or event == "start_array":
                stack.append(value)
                parent = value
        raise ijson.IncompleteJSONError("premature EOF")

    def _skip(self, event: str, depth: int = 0) -> None:
        """Read past the value that this event starts (or continues, ``depth`` deep)."""
        depth += (event in _STARTS) - (event in _ENDS)
        while depth > 0:
            event, _ = self._next()
            depth += (event in _STARTS) - (event in _ENDS)

    def _next(self) -> tuple[str, Any]:
        for event in self.events:
            return event
        raise ijson.IncompleteJSONError("premature EOF")

    def invalid_text(self, error: Exception) -> str:
        """The file's error, after the entries read before it (one line of ijson's)."""
        after = f" after entry {self.entries}" if self.entries else ""
        if isinstance(error, UnicodeDecodeError):
            return f"cannot read {self.label}: not UTF-8 text{after} ({error.reason})"
        reason = _first_line(error)
        if "UTF8" in reason:
            return f"cannot read {self.label}: not UTF-8 text{after} ({reason})"
        return f"{self.label}: not valid JSON{after} ({reason})"


def _first_line(error: Exception) -> str:
    # ijson's messages run over three lines (the text, then a caret), some as bytes.
    message = error.args[0] if error.args else ""
    if isinstance(message, bytes):
        message = message.decode("utf-8", "replace")
    lines = str(message).strip().splitlines()
    return lines[0].rstrip(".") if lines else type(error).__name__


def _number(value: Any) -> Any:
    # ijson reads non-integers as Decimal; json.loads makes them float, and so do we.
    # (ijson's use_float would do it, but its C parser then rejects integers past 64 bits.)
    return float(value) if isinstance(value, Decimal) else value


def _event_type(event: str) -> str:
    return {"start_array": "array", "start_map": "object"}.get(event, event)


def _top_level_resource_type(path: Path) -> str | None:
    """The top-level resourceType, looked for ahead when "entry" comes before it."""
    try:
        with path.open("rb") as file:
            _after_bom(file)
            found = next(ijson.items(file, "resourceType"), None)
    except (OSError, ijson.JSONError, UnicodeDecodeError):
        return None
    return found if isinstance(found, str) else None
