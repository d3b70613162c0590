"""What the "use pack" key asks before it records a pack opened for a patient.

The label is checked against the log as it is typed (scanned): a label that is not
one, a pack the log does not have, a pack of a load not released, rejected or
recalled (its spore test failed), or one already opened, is refused with why. The
patient is found as on the queue (MRN, name, date of birth). The use itself, with
its audit event, is ``store.use_pack``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy.engine import Engine

from ma_tui.core.errors import NotFound
from ma_tui.core.transaction import read_only
from ma_tui.patients.search import parse_search, search_patients
from ma_tui.sterilization.loads import Pack, PackLabel, parse_pack_label, usable_pack
from ma_tui.sterilization.store import sterilization_log

PATIENTS_SHOWN = 8  # matches offered to pick from; more, and the MA types more


@dataclass(frozen=True, slots=True)
class PatientChoice:
    patient_id: int
    name: str  # "Whitfield, Dana"
    birth_date: date
    mrn: str

    @property
    def line(self) -> str:
        return f"{self.name}  {self.birth_date:%m/%d/%Y}  MRN {self.mrn}"


def check_pack(engine: Engine, text: str) -> Pack:
    """The pack the typed label names, when it may be opened now; else a UserError."""
    label: PackLabel = parse_pack_label(text)
    log = sterilization_log(engine)
    _, pack = usable_pack(label, log.loads, log.uses)
    return pack


def patients_matching(engine: Engine, text: str, today: date) -> list[PatientChoice]:
    """The patients the MA's words find (at most ``PATIENTS_SHOWN``); NotFound for none."""
    query = parse_search(text, today)
    found = (
        read_only(engine, lambda s: search_patients(s, query, limit=PATIENTS_SHOWN))
        if query is not None
        else []
    )
    if not found:
        raise NotFound(f"no patient matches {text.strip()!r}: an MRN, a name or a birth date")
    return [
        PatientChoice(p.id, f"{p.family_name}, {p.given_name}", p.birth_date, p.mrn)
        for p in found
        if p.id is not None
    ]
