"""What a signed visit and a correction said, as a hash kept in their audit event.

Signing a visit writes its observations and its chief complaint and HPI; a
correction writes the right value. Each event (``sign``, ``correct``) carries, in
its detail, ``content``: the SHA-256 of those rows as they were written, so a value
changed later behind ma-tui's back (a pulse of 76 made 46 with ``sqlite3``) no longer
matches, and ``ma-tui audit verify`` says so. The event itself is in the keyed
chain, so the hash cannot be made again to match without the audit key.

The hashed text is the canonical JSON (sorted keys, no white space, ASCII) of::

    {"encounter": {<ENCOUNTER_FIELDS of the encounter>},
     "observations": [{<OBSERVATION_FIELDS>}, ...]}          for a signed visit
    {"observations": [{<OBSERVATION_FIELDS>}]}                for a correction

each observation with ``OBSERVATION_FIELDS_IF_SET`` too when not NULL;

observations in id order (a signed visit's are the ids its event lists in
``observations``); times as ``ma_tui.data.audit.format_at``. A row's status is left
out: marking a value entered-in-error is how a correction is made, not a change to
what was signed.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from ma_tui.data.models.observations import Observation
from ma_tui.data.models.visits import Encounter

OBSERVATION_FIELDS = (
    "id",
    "patient_id",
    "encounter_id",
    "code",
    "value_entered",
    "unit_entered",
    "value",
    "unit",
    "interpretation",
    "position",
    "site",
    "method",
    "o2_flow_l_min",
    "reading_group",
    "not_obtained_reason",
    "confirmation",
    "corrects_id",
    "taken_at",
    "entered_at",
    "entered_by_id",
)
# Hashed only when set, so rows signed before the column existed (0019) still match.
OBSERVATION_FIELDS_IF_SET = ("unit_catch",)
ENCOUNTER_FIELDS = (
    "id",
    "patient_id",
    "room",
    "chief_complaint",
    "hpi_onset",
    "hpi_location",
    "hpi_duration",
    "hpi_character",
    "hpi_aggravating",
    "hpi_alleviating",
    "hpi_radiation",
    "hpi_timing",
    "hpi_severity",
    "hpi_associated",
    "identity_confirmed_at",
    "identity_confirmed_by_id",
    "signed_at",
    "signed_by_id",
)


def _plain(value: object) -> object:
    if isinstance(value, datetime):
        from ma_tui.data.audit import format_at

        return format_at(value)
    return value


def _fields(row: object, names: Iterable[str]) -> dict[str, object]:
    return {name: _plain(getattr(row, name)) for name in names}


def _digest(payload: Mapping[str, Any]) -> str:
    text = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256(text.encode("ascii")).hexdigest()


def _observations(session: Session, ids: Iterable[int]) -> list[dict[str, object]]:
    rows = session.exec(
        select(Observation).where(col(Observation.id).in_(list(ids))).order_by(col(Observation.id))
    ).all()
    return [_observation_fields(row) for row in rows]


def _observation_fields(row: Observation) -> dict[str, object]:
    fields = _fields(row, OBSERVATION_FIELDS)
    return fields | {
        name: value for name in OBSERVATION_FIELDS_IF_SET if (value := getattr(row, name))
    }


def signed_content(session: Session, encounter_id: int) -> dict[str, object]:
    """``observations`` (their ids) and ``content`` (the hash) of a visit being
    signed, for its ``sign`` event; in the signing transaction, after the writes."""
    session.flush()
    ids = list(
        session.exec(
            select(Observation.id)
            .where(Observation.encounter_id == encounter_id)
            .order_by(col(Observation.id))
        ).all()
    )
    return {"observations": ids, "content": _signed_digest(session, encounter_id, ids)}


def _signed_digest(session: Session, encounter_id: int, ids: list[Any]) -> str:
    encounter = session.get(Encounter, encounter_id)
    return _digest(
        {
            "encounter": None if encounter is None else _fields(encounter, ENCOUNTER_FIELDS),
            "observations": _observations(session, ids),
        }
    )


def corrected_content(session: Session, observation_id: int) -> str:
    """The hash of the right value a correction stored, for its ``correct`` event."""
    session.flush()
    return _digest({"observations": _observations(session, [observation_id])})


def content_problem(
    session: Session, action: str, entity_id: str | None, detail: Mapping[str, Any]
) -> str | None:
    """Why a ``sign`` or ``correct`` event's rows no longer hold what it recorded,
    or None (also for events that recorded no content)."""
    recorded = detail.get("content")
    if not isinstance(recorded, str):
        return None
    if action == "sign" and entity_id is not None and entity_id.isdigit():
        ids = detail.get("observations")
        if not isinstance(ids, list):
            return "its list of observations is missing"
        if _signed_digest(session, int(entity_id), ids) != recorded:
            return f"the visit it signed (encounter {entity_id}) no longer holds what was signed"
    elif action == "correct":
        replacement = detail.get("replacement_id")
        if not isinstance(replacement, int) or (
            corrected_content(session, replacement) != recorded
        ):
            return (
                f"the value it stored (observation {replacement}) no longer holds what was written"
            )
    return None
