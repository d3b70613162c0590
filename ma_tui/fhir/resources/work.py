"""The rest of the MA's day in an export: a patient's worklist items, the clinic's rooms.

Each worklist item is its ``Task`` and focus (``MedicationRequest``,
``ServiceRequest``, ``Claim``) and, for a booked follow-up, its ``Appointment``, as
``ma_tui.worklist.fhir`` maps them; each room is a ``Location`` with its HL7 v2
table 0116 ``operationalStatus`` (``ma_tui.rooms.fhir``). Resource ids are made
from the clinic's id, the item and its place, so exporting again gives the same ids.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from itertools import count
from typing import Any

from ma_tui.data.catalogs.room_types import room_types
from ma_tui.data.models.patients import Patient
from ma_tui.fhir.resources import patient
from ma_tui.fhir.resources.outgoing import ExportRun
from ma_tui.rooms.fhir import location
from ma_tui.rooms.store import load_rooms
from ma_tui.worklist.fhir import resources
from ma_tui.worklist.store import load_items

JSON = dict[str, Any]
URI = "urn:ietf:rfc:3986"


def worklist_to_fhir(run: ExportRun, row: Patient) -> Iterator[JSON]:
    """The patient's worklist items, open and finished, each as its resources."""
    subject = patient.reference(run, row)
    clinic = {"identifier": {"system": URI, "value": f"urn:uuid:{run.context.clinic_id}"}}
    for item in load_items(run.session, include_finished=True, patient_id=row.id):
        yield from resources(item, subject=subject, clinic=clinic, new_id=_ids(run, item.item_id))


def rooms_to_fhir(run: ExportRun) -> Iterator[JSON]:
    names = {kind.key: kind.name for kind in room_types().types}
    for room in load_rooms(run.session):
        yield location(
            room, run.id("Location", room.room_id), type_name=names.get(room.room_type, "")
        )


def _ids(run: ExportRun, item_id: int | None) -> Callable[[], str]:
    places = count(1)
    return lambda: run.id("WorklistItem", f"{item_id}.{next(places)}")
