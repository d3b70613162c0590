"""What every ``to_fhir`` shares: the export's context, resource ids and references,
and how values are written (instants in UTC, notes, identifiers, entries in error).

Every resource's id is ``codes.resource_uuid`` of its row, so exporting twice gives
the same ids; references between resources are ``urn:uuid:`` fullUrls.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, tzinfo
from typing import Any
from uuid import UUID

from sqlmodel import Session

from ma_tui.data.models.staff import Staff
from ma_tui.fhir import codes

JSON = dict[str, Any]


@dataclass(frozen=True)
class ExportContext:
    mrn_system: str  # Patient.identifier system of the MRN
    clinic_id: UUID  # namespace of resource ids (codes.resource_uuid)
    tz: tzinfo  # the clinic's zone: what "a day" means for Selection.day


class ExportRun:
    """What every ``to_fhir`` needs: the session, the ids' namespace, staff names."""

    def __init__(self, session: Session, context: ExportContext) -> None:
        self.session = session
        self.context = context
        self._staff_names: dict[int, str | None] = {}

    def id(self, resource_type: str, local_id: int | str | None) -> str:
        assert local_id is not None, "rows are exported once stored"
        return codes.resource_uuid(self.context.clinic_id, resource_type, local_id)

    def ref(
        self, resource_type: str, local_id: int | str | None, display: str | None = None
    ) -> JSON:
        return {"reference": f"urn:uuid:{self.id(resource_type, local_id)}", "display": display}

    def staff_name(self, staff_id: int | None) -> str | None:
        if staff_id is None:
            return None
        if staff_id not in self._staff_names:
            staff = self.session.get(Staff, staff_id)
            self._staff_names[staff_id] = staff.display_name if staff is not None else None
        return self._staff_names[staff_id]

    def staff_display(self, staff_id: int | None) -> JSON | None:
        name = self.staff_name(staff_id)
        return {"display": name} if name else None


def instant(moment: datetime) -> str:
    """An aware ISO instant in UTC; a naive time is UTC, as the database keeps it."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat()


def maybe_instant(moment: datetime | None) -> str | None:
    return instant(moment) if moment is not None else None


def maybe_date(day: date | None) -> str | None:
    return day.isoformat() if day is not None else None


def notes(*texts: str | None) -> list[JSON]:
    return [{"text": text} for text in texts if text]


def identifiers(kind: str, row_id: int | None, source_id: str | None) -> list[JSON]:
    """ma-tui's own identifier of a row, then the one it was imported with."""
    own = {"system": codes.local_system(kind), "value": str(row_id)}
    return [own, *([codes.identifier_from_source(source_id)] if source_id else [])]


def error_or(entered_in_error: bool, status: str) -> str:
    return codes.ENTERED_IN_ERROR if entered_in_error else status


def observation_category(code: str, display: str) -> JSON:
    return {"coding": [codes.coding(codes.OBSERVATION_CATEGORY, code, display)], "text": display}
