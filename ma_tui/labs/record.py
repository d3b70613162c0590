"""A point-of-care result ready to store: the readings, the kit, when, and the day's QC."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from ma_tui.core.errors import InvalidInput
from ma_tui.data.catalogs.poc_tests import PocTest
from ma_tui.labs.kits import KitLot, QcState, check_kit
from ma_tui.labs.line import PocLine, Reading
from ma_tui.labs.results import Interpretation, interpret


class LineNotReady(InvalidInput):
    """The line still has a refused piece, or gives no result at all."""


@dataclass(frozen=True, slots=True)
class PocResult:
    test: PocTest
    readings: tuple[Reading, ...]
    kit: KitLot
    performed_at: datetime  # aware
    qc: QcState  # the day's QC when the result was taken
    sex: str | None = None  # for the reference band: "female", "male" or None
    age_years: int | None = None

    def interpretations(self) -> tuple[Interpretation, ...]:
        return tuple(interpret(r, sex=self.sex, age_years=self.age_years) for r in self.readings)

    @property
    def abnormal(self) -> bool:
        return any(i.abnormal for i in self.interpretations())


def result_from_line(
    line: PocLine,
    kit: KitLot,
    qc: QcState,
    performed_at: datetime,
    *,
    sex: str | None = None,
    age_years: int | None = None,
) -> PocResult:
    """The result a finished line gives; refuses a line with a problem or an unusable kit."""
    if line.test is None or not line.readings:
        first = line.errors[0].error if line.errors else "type the test and its result"
        raise LineNotReady(first or "type the test and its result")
    if line.errors:
        raise LineNotReady(line.errors[0].error or "the line has a problem")
    if performed_at.tzinfo is None:
        raise ValueError("performed_at must be aware")
    day: date = performed_at.date()
    check_kit(kit, line.test, day)
    return PocResult(line.test, line.readings, kit, performed_at, qc, sex, age_years)
