"""A signed vital's right value, read and checked as its field on the vitals screen is."""

from __future__ import annotations

from datetime import datetime

from ma_tui.core.parsing import ParseError
from ma_tui.data.catalogs.vitals import DIASTOLIC_BP
from ma_tui.vitals.delta import History
from ma_tui.vitals.draft import CONFIRMATION_MAX, VitalEntry
from ma_tui.vitals.entry import FIELDS, FieldCheck, VitalsForm, check_field, read_field
from ma_tui.vitals.measurements import ClinicUnits


class NeedsConfirm(ParseError):
    """A value that must be confirmed (or taken in the other unit) before it is stored."""

    def __init__(self, check: FieldCheck) -> None:
        super().__init__("; ".join(check.reasons))
        self.check = check


def parse_correction(
    code: str,
    text: str,
    units: ClinicUnits,
    age_days: int,
    taken: datetime,
    *,
    history: History | None = None,
    confirmed: str | None = None,
    unit_catch: str | None = None,
) -> list[VitalEntry]:
    """The right value(s) for a signed vital, parsed and checked as its field would be.

    A blood pressure is corrected as a pair (``120/80``), keeping the reading's time.
    A value the vitals screen would hold for a confirm raises ``NeedsConfirm`` unless
    ``confirmed`` is the text the MA confirmed; then it keeps the reasons. A value
    taken in the other unit after a unit catch keeps its note (``vitals.catch``).
    """
    key = next(spec.key for spec in FIELDS if code in (spec.code, DIASTOLIC_BP))
    form = VitalsForm(values={key: text}, taken_at=f"{taken:%H:%M}")
    if confirmed is not None:
        form.confirmed[key] = confirmed
    check = check_field(key, form, units, age_days, taken, history or {})
    if check is not None and not check.satisfied_by(form):
        raise NeedsConfirm(check)
    result = read_field(key, form, units, age_days, taken)
    if result.error:
        raise ParseError(result.error)
    if not result.entries or result.entries[0].value is None:
        raise ParseError("type the right value")
    why = "; ".join(check.reasons)[:CONFIRMATION_MAX] if check else None
    return [
        entry.model_copy(update={"taken_at": taken, "confirmation": why, "unit_catch": unit_catch})
        for entry in result.entries
    ]
