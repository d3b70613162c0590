"""Kit lots and the day's quality control for point-of-care tests.

Every result records the lot and expiry of the kit it was run on, so a recalled lot
can be traced to the patients it touched; an expired kit is refused outright
(:class:`KitExpired`). Quality control is a log of pass/fail records per test per
day: the latest record of the day decides. Without a passing QC today the MA is
told before resulting (:func:`before_resulting`); whether that blocks or asks for
a confirm is the clinic's policy, decided by the screen, not here.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from ma_tui.core.errors import InvalidInput
from ma_tui.core.expiry import is_expired
from ma_tui.data.catalogs.poc_tests import PocTest

# GS1 AI (10) allows up to 20 characters; a kit label never needs more.
MAX_LOT = 20
_LOT = re.compile(r"[A-Za-z0-9][A-Za-z0-9./-]{0,19}")


class KitExpired(InvalidInput):
    """The kit is past its expiry date: a result on it is not taken."""


class KitMismatch(InvalidInput):
    """The kit chosen is for another test."""


class LotError(InvalidInput, ValueError):
    """A lot number that cannot be right (empty, too long, odd characters)."""


def parse_lot(text: str) -> str:
    """A lot number as printed: letters, digits, ``.``, ``/`` or ``-``, at most 20."""
    lot = text.strip().upper()
    if not _LOT.fullmatch(lot):
        raise LotError(
            f"{text.strip() or 'lot'}: a lot is 1-{MAX_LOT} letters and digits, as printed"
        )
    return lot


@dataclass(frozen=True, slots=True)
class KitLot:
    """A box of test kits in use: which test, what product, lot, expiry."""

    test_key: str
    name: str  # the product, e.g. "QuickVue Strep A"
    lot: str
    expires: date
    manufacturer: str | None = None


def check_kit(kit: KitLot, test: PocTest, today: date) -> None:
    """Refuse a kit for another test or past its expiry; return quietly otherwise."""
    if kit.test_key != test.key:
        raise KitMismatch(f"kit {kit.name} lot {kit.lot} is not a {test.name.lower()} kit")
    if is_expired(kit.expires, today):
        raise KitExpired(
            f"kit {kit.name} lot {kit.lot} expired {kit.expires.isoformat()}: "
            "take a kit from an unexpired lot"
        )


class QcOutcome(StrEnum):
    PASS = "pass"
    FAIL = "fail"


class QcState(StrEnum):
    PASSED = "passed"
    FAILED = "failed"
    NOT_DONE = "not done"


@dataclass(frozen=True, slots=True)
class QcRecord:
    """One run of the external controls for a test."""

    test_key: str
    recorded_at: datetime  # aware; its local date is the QC day
    outcome: QcOutcome
    kit_lot: str | None = None
    by: str | None = None


def qc_state(log: Iterable[QcRecord], test_key: str, day: date) -> QcState:
    """The test's QC state on ``day``: the latest of that day's records decides."""
    todays = [r for r in log if r.test_key == test_key and r.recorded_at.date() == day]
    if not todays:
        return QcState.NOT_DONE
    latest = max(todays, key=lambda record: record.recorded_at)
    return QcState.PASSED if latest.outcome is QcOutcome.PASS else QcState.FAILED


def qc_notice(state: QcState, test: PocTest) -> str | None:
    """What the MA is told before resulting; None when today's QC passed."""
    if state is QcState.PASSED:
        return None
    if state is QcState.FAILED:
        return f"{test.name}: today's quality control failed; fix and rerun the controls first"
    return f"{test.name}: no quality control recorded today; run the controls first"


@dataclass(frozen=True, slots=True)
class ResultGate:
    """May this test be resulted now, and what the MA must hear first."""

    qc: QcState
    notices: tuple[str, ...]

    @property
    def clear(self) -> bool:
        return not self.notices


def before_resulting(
    test: PocTest, kit: KitLot, log: Iterable[QcRecord], today: date
) -> ResultGate:
    """Check the kit (refusing an expired or wrong one) and say what the QC log lacks."""
    check_kit(kit, test, today)
    state = qc_state(log, test.key, today)
    notice = qc_notice(state, test)
    return ResultGate(state, (notice,) if notice else ())
