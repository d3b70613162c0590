"""A room as a FHIR R4 ``Location``, and a Location's state back as a room state.

``Location.operationalStatus`` carries the HL7 v2 table 0116 code (system
``http://terminology.hl7.org/CodeSystem/v2-0116``, confirmed in HL7 Terminology's
ValueSet v2-0116), ``physicalType`` is ``ro`` Room of the location-physical-type
code system (confirmed in the R4 code system page), ``mode`` is ``instance``. An
out-of-service room is ``status`` ``suspended`` ("temporarily closed"), with its
reason as the description; who is in an occupied room goes on the visit, as
``Encounter.location`` (:func:`encounter_location`), not on the Location.

Reading back (:func:`state_from_location`): O, H, U and C are the four states; K
(contaminated) needs turnover; I (isolated) is out of service; a suspended or
inactive Location is out of service whatever its code.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fhir.resources.R4B import get_fhir_model_class
from pydantic import ValidationError

from ma_tui.core.errors import InvalidInput
from ma_tui.rooms.board import STATE_DISPLAY, Room, RoomState

JSON = dict[str, Any]

BED_STATUS_SYSTEM = "http://terminology.hl7.org/CodeSystem/v2-0116"
PHYSICAL_TYPE_SYSTEM = "http://terminology.hl7.org/CodeSystem/location-physical-type"
ROOM_SYSTEM = "urn:ma-tui:room"  # identifier: the room's name in the clinic
ROOM_TYPE_SYSTEM = "urn:ma-tui:room-type"  # Location.type: a key of room_types.json

_STATE_FOR_CODE = {
    "O": RoomState.OCCUPIED,
    "H": RoomState.TURNOVER,
    "K": RoomState.TURNOVER,
    "U": RoomState.READY,
    "C": RoomState.OUT_OF_SERVICE,
    "I": RoomState.OUT_OF_SERVICE,
}


class LocationError(InvalidInput):
    """A Location the room board cannot read; the message says why."""


def location(
    room: Room, location_id: str, *, type_name: str = "", part_of: JSON | None = None
) -> JSON:
    """The room as a Location; ``part_of`` is the clinic's own Location, if exported."""
    code, display = room.bed_status
    resource: JSON = {
        "resourceType": "Location",
        "id": location_id,
        "identifier": [{"system": ROOM_SYSTEM, "value": room.name}],
        "status": "suspended" if room.state is RoomState.OUT_OF_SERVICE else "active",
        "operationalStatus": {"system": BED_STATUS_SYSTEM, "code": code, "display": display},
        "name": room.name,
        "mode": "instance",
        "physicalType": {
            "coding": [{"system": PHYSICAL_TYPE_SYSTEM, "code": "ro", "display": "Room"}]
        },
        # The room's type travels here (the description holds an out-of-service reason).
        "type": [
            {
                "coding": [{"system": ROOM_TYPE_SYSTEM, "code": room.room_type}],
                **({"text": type_name} if type_name else {}),
            }
        ],
    }
    description = room.reason if room.state is RoomState.OUT_OF_SERVICE else type_name
    if description:
        resource["description"] = description
    if part_of is not None:
        resource["partOf"] = part_of
    return resource


def encounter_location(room_reference: JSON, room: Room, encounter_id: int) -> JSON:
    """The visit's ``Encounter.location`` entry: active while its patient is in the room."""
    here = room.occupant is not None and room.occupant.encounter_id == encounter_id
    return {"location": room_reference, "status": "active" if here else "completed"}


@dataclass(frozen=True, slots=True)
class LocationState:
    name: str
    state: RoomState
    code: str  # the v2-0116 code as sent, or "" when the status alone decided
    room_type: str = ""  # the ma-tui room type key (Location.type), or "" when not given
    type_text: str = ""  # what the sender calls the type (Location.type text)
    description: str = ""  # an out-of-service room's reason, as exported

    @property
    def text(self) -> str:
        return f"{self.name}: {STATE_DISPLAY[self.state]}"


def state_from_location(resource: object) -> LocationState:
    """The room name and state a Location gives; a clear refusal otherwise."""
    if not isinstance(resource, dict) or resource.get("resourceType") != "Location":
        raise LocationError("not a FHIR Location")
    try:
        model = get_fhir_model_class("Location").model_validate(resource)
    except ValidationError as invalid:
        first = invalid.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "Location"
        raise LocationError(f"not a valid Location: {where}: {first['msg']}") from invalid
    normal: JSON = model.model_dump(mode="json", by_alias=True, exclude_none=True)
    name = " ".join(str(normal.get("name", "")).split())
    if not name:
        raise LocationError("the Location has no name to match a room by")
    room_type, type_text = _room_type(normal)
    description = " ".join(str(normal.get("description", "")).split())
    if normal.get("status") in ("suspended", "inactive"):
        return LocationState(name, RoomState.OUT_OF_SERVICE, "", room_type, type_text, description)
    coding = normal.get("operationalStatus", {})
    code = coding.get("code", "") if coding.get("system") == BED_STATUS_SYSTEM else ""
    if code not in _STATE_FOR_CODE:
        raise LocationError(f"{name}: no v2-0116 bed status (O, H, K, U, C or I) to read")
    return LocationState(name, _STATE_FOR_CODE[code], code, room_type, type_text, description)


def _room_type(location: JSON) -> tuple[str, str]:
    """The ma-tui room type key and the type's text, each "" when not given."""
    key = text = ""
    for concept in location.get("type", []):
        text = text or " ".join(str(concept.get("text", "")).split())
        for coding in concept.get("coding", []):
            if coding.get("system") == ROOM_TYPE_SYSTEM and not key:
                key = str(coding.get("code", ""))
    return key, text
