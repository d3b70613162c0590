"""Command palette (Ctrl+P): find a patient on today's queue and open them."""

from __future__ import annotations

from functools import partial

from rich.text import Text
from textual.command import Hit, Hits, Provider

from ma_tui.core.clock import Clock
from ma_tui.core.errors import UserError
from ma_tui.core.transaction import Engine
from ma_tui.patients.search import parse_search, person_matches
from ma_tui.screens.messages import OpenPatient
from ma_tui.visits.queue import todays_queue


def patient_commands(engine: Engine, clock: Clock) -> type[Provider]:
    """The palette's patient search, over today's queue on ``engine``.

    Textual makes a provider from its class alone, so the class is made here, with
    the engine and clock it reads.
    """

    class PatientCommands(Provider):
        """Type a name prefix, a date of birth or an MRN; Enter opens that visit."""

        async def search(self, query: str) -> Hits:
            now = clock()
            parsed = parse_search(query, now.date())
            if parsed is None:
                return
            try:
                entries = todays_queue(engine, now)
            except UserError:
                return  # the palette lists nothing; the queue says what is wrong
            for entry in entries:
                if person_matches(parsed, entry):
                    prompt = f"Open {entry.name}"
                    yield Hit(
                        1.0,
                        # Text, not str: the palette reads a str as markup, and a name may
                        # hold [brackets] (a stray [/] would even crash it).
                        Text(prompt),
                        partial(self.app.post_message, OpenPatient(entry.encounter_id)),
                        text=prompt,
                        help=f"{entry.time}  {entry.age} {entry.sex}  {entry.status.label}",
                    )

    return PatientCommands
