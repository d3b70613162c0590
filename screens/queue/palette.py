"""Command palette (Ctrl+P): find a patient on today's queue and open them."""

from __future__ import annotations

from functools import partial

from rich.text import Text
from sqlmodel import Session
from textual.command import Hit, Hits, Provider

from ma_tui.patients.search import matches, parse_search
from ma_tui.visits.queue import load_queue


class PatientCommands(Provider):
    """Type a name prefix, a date of birth or an MRN; Enter opens that visit."""

    async def search(self, query: str) -> Hits:
        app = self.app
        engine = getattr(app, "engine", None)
        clock = getattr(app, "clock", None)
        open_patient = getattr(app, "open_patient", None)
        if engine is None or clock is None or open_patient is None:
            return
        now = clock()
        parsed = parse_search(query, now.date())
        if parsed is None:
            return
        with Session(engine) as session:
            entries = load_queue(session, now)
        for entry in entries:
            if matches(
                parsed,
                family=entry.family_name,
                given=entry.given_name,
                birth_date=entry.birth_date,
                mrn=entry.mrn,
            ):
                prompt = f"Open {entry.name}"
                yield Hit(
                    1.0,
                    # Text, not str: the palette reads a str as markup, and a name may
                    # hold [brackets] (a stray [/] would even crash it).
                    Text(prompt),
                    partial(open_patient, entry.encounter_id),
                    text=prompt,
                    help=f"{entry.time}  {entry.age} {entry.sex}  {entry.status.label}",
                )
