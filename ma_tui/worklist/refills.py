"""Refill requests: the drug, the pharmacy, the last fill and visit, the protocol check.

Before an MA routes a request to the provider she sees whether it meets the clinic's
refill protocol (``data/catalogs/refill_protocols.json``) or each reason why not:
no visit within the months the protocol asks, a lab missing or too old, a
controlled substance (which never meets a protocol), no protocol for the drug at
all. The check is a pure function of the request, today, and the patient's last lab
dates (the caller reads them from the chart). Meeting the protocol does not approve
anything: only a provider decides (``decide``), and the decision goes in the
history with who made it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime
from enum import StrEnum

from ma_tui.core.errors import Conflict, InvalidInput, NotAllowed
from ma_tui.data.catalogs.refill_protocols import (
    ControlledDrug,
    RefillProtocol,
    RefillProtocols,
    refill_protocols,
)
from ma_tui.worklist.items import (
    Actor,
    ItemType,
    PatientRef,
    Status,
    WorkItem,
    hand_to_provider,
    move,
    new_item,
)
from ma_tui.worklist.months import within_months

MAX_DRUG = 120
_WORD = re.compile(r"[a-z0-9]+")


class RefillSource(StrEnum):
    PHARMACY = "pharmacy"  # an electronic renewal request or a pharmacy's call
    FAX = "fax"
    PHONE = "phone"  # the patient called
    PORTAL = "portal"


@dataclass(frozen=True, slots=True)
class RefillDecision:
    approved: bool
    by: Actor
    at: datetime
    note: str = ""

    @property
    def word(self) -> str:
        return "approved" if self.approved else "denied"


@dataclass(frozen=True, slots=True)
class RefillRequest:
    """What a pharmacy or patient asks for; the decision once a provider makes it."""

    drug: str  # as requested: "metformin 500 mg tablet"
    pharmacy: str
    last_fill: date | None
    last_visit: date | None
    source: RefillSource = RefillSource.PHARMACY
    rxnorm: str | None = None  # the RxNorm code, when the request carries one
    dea_schedule: str | None = None  # II-V, when the request says so
    decision: RefillDecision | None = None

    def refusal(self, to: Status) -> str | None:
        if to is Status.CLOSED and self.decision is None:
            return "a refill closes once the provider has decided"
        if to in (Status.APPROVED, Status.DENIED) and (
            self.decision is None or self.decision.approved != (to is Status.APPROVED)
        ):
            return "the provider's decision is recorded with who made it: decide it"
        return None


@dataclass(frozen=True, slots=True)
class ProtocolCheck:
    """``meets`` and the protocol matched, or each reason the request does not meet it."""

    meets: bool
    protocol: RefillProtocol | None
    controlled: ControlledDrug | None
    reasons: tuple[str, ...]

    @property
    def summary(self) -> str:
        """One line for the queue: ``meets protocol (visit within 12 months, ...)``."""
        if self.meets:
            assert self.protocol is not None
            return f"meets protocol ({self.protocol.summary})"
        return "; ".join(self.reasons)


def drug_words(text: str) -> tuple[str, ...]:
    """The words a drug name is matched by: lower case, letters and digits."""
    return tuple(_WORD.findall(text.casefold()))


def _names_in(words: tuple[str, ...], name: str) -> bool:
    wanted = tuple(name.split())
    return any(words[i : i + len(wanted)] == wanted for i in range(len(words) - len(wanted) + 1))


def find_protocol(drug: str, catalog: RefillProtocols) -> RefillProtocol | None:
    """The protocol whose name or brand appears as words in ``drug``, if any."""
    words = drug_words(drug)
    return next((p for p in catalog.protocols if any(_names_in(words, n) for n in p.names)), None)


def find_controlled(drug: str, catalog: RefillProtocols) -> ControlledDrug | None:
    words = drug_words(drug)
    return next((c for c in catalog.controlled if any(_names_in(words, n) for n in c.names)), None)


def check_protocol(
    request: RefillRequest,
    today: date,
    last_labs: Mapping[str, date],
    catalog: RefillProtocols | None = None,
) -> ProtocolCheck:
    """Whether the request meets the clinic's protocol, from the last visit and labs.

    ``last_labs`` maps a protocol lab's key (``"a1c"``) to the day of its last result.
    A date after today is not believed: it is reported, and does not count.
    """
    catalog = catalog or refill_protocols()
    controlled = find_controlled(request.drug, catalog)
    protocol = find_protocol(request.drug, catalog)
    schedule = request.dea_schedule or (controlled.schedule if controlled else None)
    if schedule is not None:
        reason = f"controlled substance (schedule {schedule}): never refilled by protocol"
        return ProtocolCheck(False, protocol, controlled, (reason,))
    if protocol is None:
        reason = f"no refill protocol for {_shown(request.drug)}: the provider decides"
        return ProtocolCheck(False, None, None, (reason,))
    reasons = [
        *_dated("visit", request.last_visit, protocol.visit_within_months, today),
        *(
            reason
            for need in protocol.labs
            for reason in _dated(
                need.lab.name, last_labs.get(need.lab.key), need.within_months, today
            )
        ),
    ]
    return ProtocolCheck(not reasons, protocol, None, tuple(reasons))


def _dated(what: str, when: date | None, months: int, today: date) -> list[str]:
    if when is None:
        return [f"no {what} on file (needed within {months} months)"]
    if when > today:
        return [f"{what} dated {when.isoformat()}, after today: check the date"]
    if not within_months(when, today, months):
        return [f"last {what} {when.isoformat()}, more than {months} months ago"]
    return []


def _shown(text: str) -> str:
    clean = " ".join(text.split())
    return repr(clean if len(clean) <= 40 else clean[:40] + "…")


# ------------------------------------------------------------------ moves


def new_refill(
    patient: PatientRef, request: RefillRequest, *, due: datetime, at: datetime, by: Actor
) -> WorkItem[RefillRequest]:
    """A refill request on the worklist; its drug and pharmacy must be named."""
    if not request.drug.strip() or len(request.drug) > MAX_DRUG:
        raise InvalidInput(f"name the drug (up to {MAX_DRUG} characters)")
    if not request.pharmacy.strip():
        raise InvalidInput("name the pharmacy")
    if request.dea_schedule is not None and request.dea_schedule not in ("II", "III", "IV", "V"):
        raise InvalidInput("a DEA schedule is II, III, IV or V")
    if request.decision is not None:
        raise InvalidInput("a new request has no decision yet")
    source = request.source.value
    return new_item(ItemType.REFILL, patient, request, due=due, at=at, by=by, note=f"by {source}")


def route(
    item: WorkItem[RefillRequest], provider: Actor, check: ProtocolCheck, by: Actor, at: datetime
) -> WorkItem[RefillRequest]:
    """To the provider, with the protocol check in the history for them to read."""
    return hand_to_provider(item, provider, by, at, note=check.summary)


def decide(
    item: WorkItem[RefillRequest], approved: bool, by: Actor, at: datetime, note: str = ""
) -> WorkItem[RefillRequest]:
    """The provider's decision, recorded with who made it; a denial says why.

    The item goes back to the MA who routed it, to tell the pharmacy and close it.
    """
    if not by.is_provider:
        raise NotAllowed("only a provider approves or denies a refill; route it to one")
    if item.status is not Status.WITH_PROVIDER:
        raise Conflict("route it to a provider first")
    if not approved and not note.strip():
        raise InvalidInput("say why the refill is denied (the pharmacy and patient are told)")
    decision = RefillDecision(approved, by, at, " ".join(note.split()))
    staged = replace(item, details=replace(item.details, decision=decision))
    return move(staged, Status.APPROVED if approved else Status.DENIED, by, at, note)
