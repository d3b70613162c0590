"""A unit catch, kept: what was typed, why it was held, and the other unit the MA took.

A value impossible or implausible in the unit it was read in (an infant's weight
``9.2`` at a lb clinic is 4.2 kg, beyond the growth standard's ±5 z) is held, and the
MA may take the same number in the other unit (9.2 kg). The stored value then reads
as if typed in that unit; this note keeps that it was not, for the FHIR export's
``Observation.note``. It holds only while the field still has the text the MA took.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ma_tui.vitals.draft import CONFIRMATION_MAX

if TYPE_CHECKING:  # entry.py imports this module: types only, to avoid a cycle
    from ma_tui.vitals.entry import FieldCheck, VitalsForm


def catch_note(check: FieldCheck) -> str:
    """``Typed 9.2 (read as lb), held: 4.2 kg is implausible ...; the MA took 9.2 kg
    (20.3 lb) instead.`` The reasons are shortened to fit, never what was taken."""
    assert check.other_unit is not None  # only a check that offered the other unit
    read_as = f" (read as {check.read_as})" if check.read_as else ""
    head = f"Typed {check.text.strip()}{read_as}, held: "
    tail = f"; the MA took {check.other_unit.readback} instead."
    room = CONFIRMATION_MAX - len(head) - len(tail)
    reasons = "; ".join(check.reasons)
    if len(reasons) > room:
        reasons = reasons[: room - 1] + "…"
    return head + reasons + tail


def take_other_unit(form: VitalsForm, check: FieldCheck) -> str:
    """Remember on ``form`` that the MA took the other unit; the text the field becomes."""
    assert check.other_unit is not None
    form.unit_taken[check.key] = check.other_unit.text
    form.unit_caught[check.key] = catch_note(check)
    return check.other_unit.text


def caught(form: VitalsForm, key: str) -> str | None:
    """The note of field ``key``'s unit catch, while it still holds the unit taken."""
    taken = form.unit_taken.get(key)
    if taken is None or not _same(taken, form.values.get(key, "")):
        return None
    return form.unit_caught.get(key)


def _same(a: str, b: str) -> bool:
    return "".join(a.split()).casefold() == "".join(b.split()).casefold()
