"""Encounter: a visit as it happened, and its history of present illness; export only.

The Encounter carries the status history, the provider and the MA who signed the
rooming, the room and the chief complaint, with the complaint and the HPI as its
narrative. The HPI is also sent as its own Observation (LOINC History of Present
illness Narrative). ma-tui does not import Encounters: a visit comes in as its
Appointment (``ma_tui.fhir.resources.appointment``).
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import Any

from sqlmodel import col, select

from ma_tui.data.catalogs import HPI_FIELDS
from ma_tui.data.catalogs.vitals import HPI
from ma_tui.data.models.observations import ObservationStatus
from ma_tui.data.models.visits import Encounter, EncounterStatus, EncounterStatusChange
from ma_tui.fhir import codes
from ma_tui.fhir.resources.appointment import was_booked
from ma_tui.fhir.resources.outgoing import ExportRun, instant, maybe_instant

JSON = dict[str, Any]

_ATTENDER = "ATND"  # v3-ParticipationType: the provider
_PARTICIPANT = "PART"  # v3-ParticipationType: the MA who signed the rooming
_AMBULATORY = "AMB"  # v3-ActCode
_XHTML = "http://www.w3.org/1999/xhtml"
# Visits that never took place have no period: their status changes are not a start.
_NOT_HELD = frozenset(
    {EncounterStatus.SCHEDULED, EncounterStatus.CANCELLED, EncounterStatus.NO_SHOW}
)


def to_fhir(run: ExportRun, encounter: Encounter, subject: JSON) -> JSON:
    changes = run.session.exec(
        select(EncounterStatusChange)
        .where(EncounterStatusChange.encounter_id == encounter.id)
        .order_by(col(EncounterStatusChange.changed_at), col(EncounterStatusChange.id))
    ).all()
    started = next((c.changed_at for c in changes if c.status not in _NOT_HELD), None)
    room = f"Room {encounter.room}" if encounter.room else None
    return {
        "resourceType": "Encounter",
        "id": run.id("Encounter", encounter.id),
        "text": _narrative(encounter),
        "identifier": [{"system": codes.local_system("encounter"), "value": str(encounter.id)}],
        "status": codes.ENCOUNTER_STATUS[encounter.status],
        "statusHistory": _status_history(changes),
        "class": codes.coding(codes.V3_ACT_CODE, _AMBULATORY, "ambulatory"),
        "type": _types(encounter),
        "subject": subject,
        "participant": [
            _participant(_ATTENDER, "attender", run.staff_display(encounter.provider_id)),
            _participant(_PARTICIPANT, "participation", run.staff_display(encounter.signed_by_id)),
        ],
        "appointment": [run.ref("Appointment", encounter.id)] if was_booked(encounter) else None,
        "period": {"start": maybe_instant(started)},
        "reasonCode": [{"text": encounter.chief_complaint}],
        "location": [{"location": {"display": room}}] if room else None,
    }


def _types(encounter: Encounter) -> list[JSON]:
    """The visit's type, and walk-in when it was one; each once (a walk-in's type
    is often "walk-in" itself)."""
    words = [encounter.visit_type, "walk-in" if encounter.walk_in else None]
    kept: dict[str, str] = {}
    for word in words:
        if word and word.strip():
            kept.setdefault(word.strip().casefold(), word.strip())
    return [{"text": word} for word in kept.values()]


def _status_history(changes: Sequence[EncounterStatusChange]) -> list[JSON]:
    """Each status with the time it held: until the next change, open for the last.

    Back-to-back changes to the same FHIR status (arrived, then roomed: both
    "arrived") are one period."""
    history: list[JSON] = []
    for index, change in enumerate(changes):
        status = codes.ENCOUNTER_STATUS[change.status]
        end = changes[index + 1].changed_at if index + 1 < len(changes) else None
        if history and history[-1]["status"] == status:
            history[-1]["period"]["end"] = maybe_instant(end)
            continue
        period = {"start": instant(change.changed_at), "end": maybe_instant(end)}
        history.append({"status": status, "period": period})
    return history


def _participant(code: str, display: str, individual: JSON | None) -> JSON | None:
    if individual is None:
        return None
    kind = codes.concept(codes.V3_PARTICIPATION_TYPE, code, display)
    return {"type": [kind], "individual": individual}


def _narrative(encounter: Encounter) -> JSON | None:
    """The complaint and HPI as XHTML; everything typed is escaped, never markup."""
    lines = [f"Chief complaint: {encounter.chief_complaint}"] if encounter.chief_complaint else []
    lines += _hpi_lines(encounter)
    if not lines:
        return None
    body = "".join(f"<p>{html.escape(line)}</p>" for line in lines)
    return {"status": "generated", "div": f'<div xmlns="{_XHTML}">{body}</div>'}


# --------------------------------------------------------------------- HPI


def has_hpi(encounter: Encounter) -> bool:
    """True when the visit has an HPI to send as its own Observation."""
    return bool(_hpi_lines(encounter))


def hpi_to_fhir(run: ExportRun, encounter: Encounter, subject: JSON) -> JSON:
    return {
        "resourceType": "Observation",
        "id": run.id("Observation", f"hpi-{encounter.id}"),
        "status": ObservationStatus.FINAL.value,
        "code": codes.concept(codes.LOINC, HPI, codes.HPI_DISPLAY),
        "subject": subject,
        "encounter": run.ref("Encounter", encounter.id),
        "effectiveDateTime": instant(encounter.signed_at or encounter.status_changed_at),
        "valueString": "; ".join(_hpi_lines(encounter)),
    }


def _hpi_lines(encounter: Encounter) -> list[str]:
    """``Onset: 3 days`` ..., in the order of the complaint screen."""
    lines: list[str] = []
    for name in HPI_FIELDS:
        if name == "severity":
            if encounter.hpi_severity is not None:
                lines.append(f"Severity: {encounter.hpi_severity}/10")
            continue
        value = getattr(encounter, f"hpi_{name}", None)
        if value:
            lines.append(f"{name.capitalize()}: {value}")
    return lines
