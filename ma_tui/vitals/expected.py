"""Which of the visit's vitals were never taken: what the review calls out as missing.

The set is the vitals screen's rows for the patient's age: a repeat blood pressure is
never expected, a head circumference only while its row shows (under five). A vital
with a value, or marked not obtained with a reason, was taken care of.
"""

from __future__ import annotations

from ma_tui.data.catalogs.vitals import HEAD_CIRCUMFERENCE
from ma_tui.vitals.draft import VitalEntry
from ma_tui.vitals.entry import FIELDS, HEAD_MAX_AGE_DAYS
from ma_tui.vitals.readback import vital_name

NEVER_EXPECTED = frozenset({"bp2"})  # a second reading is taken when the first is high


def not_taken(entries: list[VitalEntry], age_days: int) -> list[str]:
    """The names of the expected vitals with no entry, in the screen's order."""
    done = {entry.code for entry in entries}
    missing: list[str] = []
    for spec in FIELDS:
        if spec.key in NEVER_EXPECTED or spec.code in done:
            continue
        if spec.code == HEAD_CIRCUMFERENCE and age_days >= HEAD_MAX_AGE_DAYS:
            continue
        missing.append(vital_name(spec.code, None, age_days))
    return missing
