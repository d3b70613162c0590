"""The recall list after a failed biological indicator.

When a spore test grows, every load its sterilizer ran since the last test that
passed is suspect, up to the next test that passes: the packs from those loads
still on the shelf are pulled, and every patient whose procedure used one of them
is listed (CDC's dental guideline, MMWR 2003;52(RR-17): "items from suspect loads
dating back to the last negative BI should be recalled"). Loads after a later
passing test are not suspect: that test shows the sterilizer working again.

Whether each patient is contacted is the clinic's decision: CDC notes that, with
the mechanical and chemical indicators in order, a single positive spore test
"probably does not indicate sterilizer malfunction" and items other than implants
need not always be recalled, while a repeat positive takes the sterilizer out of
service. The list gives the clinic everything it needs to decide.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ma_tui.core.errors import Conflict
from ma_tui.sterilization.loads import BiResult, Load, Pack, PackLabel, PackUse


@dataclass(frozen=True, slots=True)
class Recall:
    failed: Load
    last_pass: Load | None  # the sterilizer's last load whose BI passed, before the failure
    next_pass: Load | None  # its first passing BI after it, if one has come back
    loads: tuple[Load, ...]  # the suspect loads, in the order they ran
    patients: tuple[PackUse, ...]  # every use of a suspect pack, in the order of use
    on_shelf: tuple[Pack, ...]  # suspect packs not used: pull them

    @property
    def summary(self) -> str:
        people = {use.patient_id for use in self.patients}
        since = f"since L{self.last_pass.number}" if self.last_pass else "since its first load"
        return (
            f"{self.failed.sterilizer}: {len(self.loads)} loads {since}; "
            f"{len(people)} patients, {len(self.patients)} packs used, "
            f"{len(self.on_shelf)} packs to pull"
        )


def recall_list(failed: Load, loads: Sequence[Load], uses: Sequence[PackUse]) -> Recall:
    """Who and what a failed biological indicator on ``failed`` reaches."""
    if failed.biological is not BiResult.FAIL:
        raise Conflict(f"load L{failed.number}'s biological indicator has not failed")
    # the failed load as the caller now has it stands for its older copy in ``loads``
    others = [
        load
        for load in loads
        if load.sterilizer == failed.sterilizer and load.number != failed.number
    ]
    runs = sorted([*others, failed], key=lambda load: (load.started_at, load.number))
    at = runs.index(failed)
    last_pass = next(
        (load for load in reversed(runs[:at]) if load.biological is BiResult.PASS), None
    )
    next_pass = next((load for load in runs[at + 1 :] if load.biological is BiResult.PASS), None)
    first = runs.index(last_pass) + 1 if last_pass is not None else 0
    end = runs.index(next_pass) if next_pass is not None else len(runs)
    suspect = tuple(runs[first:end])
    numbers = {load.number for load in suspect}
    used = sorted(
        (use for use in uses if use.label.load in numbers),
        key=lambda use: (use.used_at, use.label),
    )
    used_labels = {use.label for use in used}
    on_shelf = tuple(
        pack
        for load in suspect
        if not load.rejected
        for pack in load.packs
        if pack.label not in used_labels
    )
    return Recall(failed, last_pass, next_pass, suspect, tuple(used), on_shelf)


def recalled_by(label: PackLabel, loads: Sequence[Load], uses: Sequence[PackUse]) -> Load | None:
    """The load whose failed spore test puts pack ``label`` in its recall (a pack to
    pull, whatever its own load's status says), if one does."""
    for failed in (load for load in loads if load.biological is BiResult.FAIL):
        if any(load.number == label.load for load in recall_list(failed, loads, uses).loads):
            return failed
    return None


@dataclass(frozen=True, slots=True)
class RecallMarks:
    """What every failed spore test's recall says about the log, for showing it."""

    suspect: frozenset[int]  # numbers of the loads in some recall
    to_pull: frozenset[PackLabel]  # unused packs a recall pulls from the shelf


def recall_marks(loads: Sequence[Load], uses: Sequence[PackUse]) -> RecallMarks:
    """Every recall at once: the log shows the same truth as the recall list."""
    recalls = [recall_list(load, loads, uses) for load in loads if load.biological is BiResult.FAIL]
    return RecallMarks(
        frozenset(load.number for recall in recalls for load in recall.loads),
        frozenset(pack.label for recall in recalls for pack in recall.on_shelf),
    )


def shown_status(load: Load, marks: RecallMarks) -> str:
    """The load's status, with a released load a recall reaches read as suspect."""
    if load.status == "released" and load.number in marks.suspect:
        return "suspect: recall"
    return load.status
