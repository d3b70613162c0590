"""The sterilization log as CSV, for an inspector (stdlib ``csv``, one header row).

One row per pack (a load without packs has one row of its own); a pack opened for
a patient carries who, for what and when. Times are ISO 8601 in the clinic's time
zone. A cell that a spreadsheet would read as a formula (starting ``=``, ``+``,
``-``, ``@``, tab or carriage return) is written with a leading apostrophe.

Columns, in order:

======================  =====================================================
load                    the clinic's load number (the L of the pack labels)
sterilizer              which sterilizer ran it
cycle_number            the sterilizer's own cycle counter
cycle_type              gravity or prevacuum
started_at              when the cycle started
temperature_c           chamber temperature, °C
pressure_kpa            gauge pressure, kPa
exposure_min            exposure (hold) time, minutes
mechanical              pass, or why the readings fall short (CDC 2008 table 7)
chemical_indicator      pass, fail, or empty until read
biological_indicator    not-run, pending, pass or fail
bi_lot                  the biological indicator's lot number
bi_read_at              when the biological indicator was read
operator                who ran the load
status                  quarantined, released, rejected or recalled
released_by             who released it
released_at             when
rejected_by             who rejected it
reject_reason           why
pack_label              L42-007
pack_contents           what the pack holds
implant                 yes or no
patient                 the patient the pack was opened for
procedure               for what
used_at                 when
used_by                 who opened it
======================  =====================================================
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from datetime import datetime, tzinfo
from typing import TextIO

from ma_tui.sterilization.loads import Load, Pack, PackUse, mechanical_problem

COLUMNS = (
    "load",
    "sterilizer",
    "cycle_number",
    "cycle_type",
    "started_at",
    "temperature_c",
    "pressure_kpa",
    "exposure_min",
    "mechanical",
    "chemical_indicator",
    "biological_indicator",
    "bi_lot",
    "bi_read_at",
    "operator",
    "status",
    "released_by",
    "released_at",
    "rejected_by",
    "reject_reason",
    "pack_label",
    "pack_contents",
    "implant",
    "patient",
    "procedure",
    "used_at",
    "used_by",
)
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def write_log(loads: Sequence[Load], uses: Sequence[PackUse], out: TextIO, tz: tzinfo) -> int:
    """Write the log to ``out``; the number of rows written (the header not counted)."""
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    by_label = {use.label: use for use in uses}
    rows = 0
    for load in sorted(loads, key=lambda load: (load.started_at, load.number)):
        head = _load_cells(load, tz)
        packs: Sequence[Pack | None] = load.packs or (None,)
        for pack in packs:
            use = by_label.get(pack.label) if pack is not None else None
            writer.writerow([_safe(cell) for cell in (*head, *_pack_cells(pack, use, tz))])
            rows += 1
    return rows


def _load_cells(load: Load, tz: tzinfo) -> tuple[str, ...]:
    return (
        str(load.number),
        load.sterilizer,
        str(load.cycle_number),
        load.cycle_type.value,
        _when(load.started_at, tz),
        str(load.temperature_c),
        str(load.pressure_kpa),
        str(load.exposure_minutes),
        mechanical_problem(load) or "pass",
        load.chemical.value if load.chemical else "",
        load.biological.value,
        load.bi_lot,
        _when(load.bi_read_at, tz),
        load.operator,
        load.status,
        load.released_by,
        _when(load.released_at, tz),
        load.rejected_by,
        load.reject_reason,
    )


def _pack_cells(pack: Pack | None, use: PackUse | None, tz: tzinfo) -> tuple[str, ...]:
    if pack is None:
        return ("",) * 7
    if use is None:
        return (str(pack.label), pack.contents, _yes(pack.implant), "", "", "", "")
    return (
        str(pack.label),
        pack.contents,
        _yes(pack.implant),
        use.patient_name,
        use.procedure,
        _when(use.used_at, tz),
        use.by,
    )


def _when(moment: datetime | None, tz: tzinfo) -> str:
    return "" if moment is None else moment.astimezone(tz).isoformat(timespec="minutes")


def _yes(flag: bool) -> str:
    return "yes" if flag else "no"


def _safe(cell: str) -> str:
    """Text a spreadsheet will not run as a formula."""
    return "'" + cell if cell.startswith(_FORMULA_STARTS) else cell
