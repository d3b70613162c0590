"""The patient's earlier readings: as the delta check reads them, and drawn beside
each field (a sparkline, then the last reading with its date).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import tzinfo

from ma_tui.data.catalogs.vitals import DIASTOLIC_BP, SYSTOLIC_BP
from ma_tui.data.models.observations import Observation
from ma_tui.vitals.delta import Reading
from ma_tui.vitals.readback import unit_label
from ma_tui.vitals.restore import SUFFIXES


def past_readings(history: Mapping[str, Sequence[Observation]]) -> dict[str, list[Reading]]:
    """Stored observations as the delta check reads them."""
    return {
        code: [Reading(row.value, row.taken_at) for row in rows if row.value is not None]
        for code, rows in history.items()
    }


SPARKS = "▁▂▃▄▅▆▇█"
TREND_READINGS = 6  # how many earlier readings the sparkline draws


def sparkline(values: Sequence[float]) -> str:
    """``▁▄█``: the shape of the last readings, oldest first; flat when all equal."""
    if len(values) < 2:
        return ""
    low, high = min(values), max(values)
    span = high - low
    top = len(SPARKS) - 1
    return "".join(SPARKS[round((v - low) / span * top) if span else 3] for v in values)


def trend(code: str, history: Mapping[str, Sequence[Observation]], tz: tzinfo | None) -> str:
    """``▃▅█ 172 lb 08/24``: the shape of earlier readings, then the last with its date.

    Units are shown only where the MA might type another one (lb/kg, in/cm, °F/°C).
    """
    rows = [row for row in history.get(code, ()) if row.value is not None]
    if not rows:
        return ""
    last = rows[-1]
    value = last.value_entered or f"{last.value:g}"
    if code == SYSTOLIC_BP:
        diastolic = _paired_diastolic(last, history)
        value += f"/{diastolic.value_entered if diastolic else '?'}"
    elif last.unit_entered in SUFFIXES:
        value += f" {unit_label(last.unit_entered)}"
    line = sparkline([row.value for row in rows[-TREND_READINGS:] if row.value is not None])
    return f"{line} {value} {last.taken_at.astimezone(tz):%m/%d}".strip()


def _paired_diastolic(
    systolic: Observation, history: Mapping[str, Sequence[Observation]]
) -> Observation | None:
    return next(
        (
            row
            for row in reversed(history.get(DIASTOLIC_BP, ()))
            if row.reading_group == systolic.reading_group
            and row.encounter_id == systolic.encounter_id
        ),
        None,
    )
