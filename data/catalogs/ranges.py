"""Plausible, normal and critical ranges of vital signs by age (``catalogs/vital_ranges.json``).

The ranges are data, not code: a clinic can review them beside their sources.
The file is checked when it is loaded (limits in order, age bands contiguous from
birth with no end, known codes and units), so a bad edit fails at start-up
rather than flagging values wrongly.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from ma_tui.data.catalogs.vitals import BY_CODE

CATALOG = "vital_ranges.json"
_AGE = re.compile(r"([0-9]+)([dy])")
# Years count 365.25 days, so a band edge may fall a day off a birthday.
DAYS_PER_YEAR = 365.25


class RangeCatalogError(ValueError):
    """The ranges file is malformed; the message says where."""


@dataclass(frozen=True, slots=True)
class Limits:
    """Inclusive limits; None where no limit applies."""

    low: float | None = None
    high: float | None = None


@dataclass(frozen=True, slots=True)
class AgeGroup:
    name: str
    label: str  # "toddlers (1-3 y)": ends the band text shown to the MA
    from_days: int
    to_days: int | None  # exclusive; None for no upper end

    def contains(self, age_days: int) -> bool:
        return self.from_days <= age_days and (self.to_days is None or age_days < self.to_days)


@dataclass(frozen=True, slots=True)
class Band:
    age: AgeGroup
    normal: Limits | None  # both limits set; None for weight, height and the like
    critical: Limits
    plausible: Limits  # outside: implausible, stored only after a confirm
    sources: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class VitalRanges:
    code: str  # LOINC
    name: str
    unit: str  # canonical UCUM unit the limits are in
    decimals: int  # how to print the limits
    bands: tuple[Band, ...]  # in age order, contiguous

    def band_for(self, age_days: int) -> Band | None:
        return next((band for band in self.bands if band.age.contains(age_days)), None)


@dataclass(frozen=True, slots=True)
class RangeCatalog:
    sources: Mapping[str, str]  # id -> citation
    vitals: Mapping[str, VitalRanges]  # LOINC code -> ranges

    def band_for(self, code: str, age_days: int) -> Band | None:
        ranges = self.vitals.get(code)
        return ranges.band_for(age_days) if ranges else None


@cache
def vital_ranges() -> RangeCatalog:
    """The catalog shipped with the program, loaded and checked once."""
    text = resources.files("ma_tui.data.catalogs").joinpath(CATALOG).read_text(encoding="utf-8")
    return parse_catalog(json.loads(text))


def parse_catalog(raw: object) -> RangeCatalog:
    """Build and check a catalog from parsed JSON; ``RangeCatalogError`` says what is wrong."""
    root = _mapping(raw, "catalog")
    sources = {
        _str(item, "id", "source"): _str(item, "citation", "source")
        for item in (_mapping(s, "source") for s in _list(root.get("sources"), "sources"))
    }
    groups = {
        name: _age_group(name, _mapping(value, f"age group {name}"))
        for name, value in _mapping(root.get("age_groups"), "age_groups").items()
    }
    vitals = {
        code: _vital(code, _mapping(value, f"vital {code}"), groups, sources)
        for code, value in _mapping(root.get("vitals"), "vitals").items()
    }
    return RangeCatalog(sources=sources, vitals=vitals)


def age_days(text: str, where: str) -> int:
    """``"28d"`` or ``"3y"`` as days."""
    match = _AGE.fullmatch(text)
    if match is None:
        raise RangeCatalogError(f"{where}: age {text!r} is not like '28d' or '3y'")
    number, unit = int(match.group(1)), match.group(2)
    return number if unit == "d" else int(number * DAYS_PER_YEAR)


def _age_group(name: str, raw: Mapping[str, Any]) -> AgeGroup:
    where = f"age group {name}"
    start = age_days(_str(raw, "from", where), where)
    end_text = raw.get("to")
    end = None if end_text is None else age_days(_str(raw, "to", where), where)
    if end is not None and end <= start:
        raise RangeCatalogError(f"{where}: ends before it starts")
    return AgeGroup(name=name, label=_str(raw, "label", where), from_days=start, to_days=end)


def _vital(
    code: str, raw: Mapping[str, Any], groups: Mapping[str, AgeGroup], sources: Mapping[str, str]
) -> VitalRanges:
    where = f"vital {code}"
    vital = BY_CODE.get(code)
    if vital is None:
        raise RangeCatalogError(f"{where}: not a known vital-sign code")
    unit = _str(raw, "unit", where)
    if unit != vital.canonical_unit:
        raise RangeCatalogError(f"{where}: unit {unit!r}, expected {vital.canonical_unit!r}")
    decimals = raw.get("decimals", 0)
    if not isinstance(decimals, int) or not 0 <= decimals <= 3:
        raise RangeCatalogError(f"{where}: decimals must be 0-3")
    bands = tuple(
        _band(_mapping(item, where), groups, sources, where)
        for item in _list(raw.get("bands"), where)
    )
    _check_contiguous(bands, where)
    return VitalRanges(code, _str(raw, "name", where), unit, decimals, bands)


def _band(
    raw: Mapping[str, Any], groups: Mapping[str, AgeGroup], sources: Mapping[str, str], where: str
) -> Band:
    group_name = _str(raw, "age", where)
    group = groups.get(group_name)
    if group is None:
        raise RangeCatalogError(f"{where}: unknown age group {group_name!r}")
    where = f"{where}, {group_name}"
    normal = None if raw.get("normal") is None else _limits(raw["normal"], f"{where} normal")
    plausible = _limits(raw.get("plausible", {}), f"{where} plausible")
    if normal is None and plausible == Limits():
        raise RangeCatalogError(f"{where}: needs normal or plausible limits")
    if normal is not None and (normal.low is None or normal.high is None):
        raise RangeCatalogError(f"{where}: normal needs both low and high")
    critical = _limits(raw.get("critical", {}), f"{where} critical")
    if normal is None and critical != Limits():
        raise RangeCatalogError(f"{where}: critical limits need normal limits")
    # Each level lies inside the next: normal within critical within plausible.
    _check_inside(normal, critical, f"{where}: critical", "normal")
    _check_inside(critical, plausible, f"{where}: plausible", "critical")
    _check_inside(normal, plausible, f"{where}: plausible", "normal")
    cited = tuple(_str_item(s, where) for s in _list(raw.get("sources"), f"{where} sources"))
    unknown = [s for s in cited if s not in sources]
    if not cited or unknown:
        raise RangeCatalogError(f"{where}: sources must name listed sources ({unknown})")
    return Band(age=group, normal=normal, critical=critical, plausible=plausible, sources=cited)


def _check_inside(inner: Limits | None, outer: Limits, what: str, inner_name: str) -> None:
    """``outer``'s limits must not cut into ``inner``'s."""
    if inner is None:
        return
    if outer.low is not None and inner.low is not None and outer.low > inner.low:
        raise RangeCatalogError(f"{what} low is above {inner_name} low")
    if outer.high is not None and inner.high is not None and outer.high < inner.high:
        raise RangeCatalogError(f"{what} high is below {inner_name} high")


def _limits(raw: object, where: str) -> Limits:
    values = _mapping(raw, where)
    extra = set(values) - {"low", "high"}
    if extra:
        raise RangeCatalogError(f"{where}: unknown keys {sorted(extra)}")
    low, high = (_number(values.get(key), where) for key in ("low", "high"))
    if low is not None and high is not None and not low < high:
        raise RangeCatalogError(f"{where}: low must be below high")
    return Limits(low, high)


def _check_contiguous(bands: tuple[Band, ...], where: str) -> None:
    """From birth, each band starting where the one before ends, the last with no end."""
    if not bands:
        raise RangeCatalogError(f"{where}: no bands")
    expected_start = 0
    for band in bands:
        if band.age.from_days != expected_start:
            raise RangeCatalogError(
                f"{where}: band {band.age.name} starts at day {band.age.from_days}, "
                f"expected {expected_start}"
            )
        if band.age.to_days is None:
            if band is not bands[-1]:
                raise RangeCatalogError(f"{where}: band {band.age.name} has no end but is not last")
            return
        expected_start = band.age.to_days
    raise RangeCatalogError(f"{where}: the last band must have no end (adults)")


def _mapping(raw: object, where: str) -> Mapping[str, Any]:
    if not isinstance(raw, dict):
        raise RangeCatalogError(f"{where}: expected an object")
    return raw


def _list(raw: object, where: str) -> list[Any]:
    if not isinstance(raw, list):
        raise RangeCatalogError(f"{where}: expected a list")
    return raw


def _str(raw: Mapping[str, Any], key: str, where: str) -> str:
    return _str_item(raw.get(key), f"{where} {key}")


def _str_item(value: object, where: str) -> str:
    if not isinstance(value, str) or not value:
        raise RangeCatalogError(f"{where}: expected text")
    return value


def _number(value: object, where: str) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise RangeCatalogError(f"{where}: limits must be numbers")
    return float(value)
