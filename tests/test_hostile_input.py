"""Odd input never crashes a screen and is stored as it shows, minus control characters.

What is decided here, and tested:

- Names and free text are stored NFC (``ma_tui.patients.registration.clean_text``): a name
  pasted decomposed (as macOS copies it) is the same string as one typed
  precomposed, so equality, exports and the unique checks agree. Everything else is
  stored exactly as typed, any script, brackets included; screens show it literally.
- Invisible characters are dropped, not stored: control characters (NUL, BEL, ...),
  terminal escape sequences whole (``ESC[31m``), bidirectional overrides, zero-width
  characters. Tabs and other white space become one space.
- Textual's Input keeps only the first line of a paste, and refuses a paste (or a
  key) that would make the text longer than the field's ``max_length``: the field
  keeps what it had and the terminal bell rings; no message is shown. A field's
  ``max_length`` is at most its column's length, so what is stored fits its column.
- The queue search takes the text as plain text: quotes, ``%``, ``_``, ``\\`` and SQL
  are characters of a name. Prefixes may be typed without accents (``zolc`` finds
  Żółć), and a Korean name may be typed as it is written, family and given together.
"""

from __future__ import annotations

import unicodedata
from datetime import date

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, func, select
from textual import events
from textual.command import CommandList
from textual.pilot import Pilot
from textual.widgets import DataTable, Input

from ma_tui.data.catalogs.vitals import SYSTOLIC_BP
from ma_tui.data.models.history import Condition
from ma_tui.data.models.observations import Observation
from ma_tui.data.models.patients import Patient, Sex
from ma_tui.data.models.visits import Encounter
from ma_tui.screens.app import MaTuiApp
from ma_tui.screens.queue.queue import QueueScreen
from ma_tui.screens.queue.walkin import WalkInScreen
from ma_tui.screens.visit.checkin import CheckInScreen
from ma_tui.screens.visit.complaint import ComplaintScreen
from ma_tui.screens.visit.history import HistoryScreen
from ma_tui.screens.visit.review import ReviewScreen
from ma_tui.screens.visit.vitals import VitalsScreen
from ma_tui.screens.widgets.confirm import ConfirmScreen
from tests.conftest import todays_encounter_id
from tests.pilot import field, make_app, open_from_queue, shown, type_text

HUGE = "x" * 10_000
INJECTION = "'; DROP TABLE patient; --"


async def _paste(app: MaTuiApp, pilot: Pilot[None], text: str) -> None:
    """Paste into the focused field, as a terminal's bracketed paste delivers it."""
    focused = app.screen.focused
    assert focused is not None
    focused.post_message(events.Paste(text))
    await pilot.pause()


def _focused_value(app: MaTuiApp) -> str:
    focused = app.screen.focused
    assert isinstance(focused, Input)
    return focused.value


async def _register(
    app: MaTuiApp, pilot: Pilot[None], family: str, given: str, *, paste: bool = False
) -> None:
    """F2 on the queue, a new adult walk-in; ends on their check-in.

    The family name is typed key by key (or pasted), the given name pasted.
    """
    await pilot.press("f2")
    assert isinstance(app.screen, WalkInScreen)
    if paste:
        await _paste(app, pilot, family)
    else:
        await type_text(pilot, family)
    assert _focused_value(app) == family
    await pilot.press("enter")
    await _paste(app, pilot, given)
    await pilot.press("enter")
    await _paste(app, pilot, "1/2/1990")
    await pilot.press("enter", "f", "ctrl+s")  # the rest may stay empty for an adult
    await pilot.pause()
    if isinstance(app.screen, ConfirmScreen):  # one registered before shares the birth date
        assert "Possible duplicates" in app.screen.detail
        await pilot.press("y")
        await pilot.pause()
    assert isinstance(app.screen, CheckInScreen), f"{family}, {given} was not registered"


async def _search(
    app: MaTuiApp, pilot: Pilot[None], text: str, *, paste: bool = False
) -> list[str]:
    """Type a search into the (emptied) queue search field; the patients listed."""
    assert isinstance(app.screen, QueueScreen)
    await pilot.press("home", "ctrl+k")
    assert field(app, "#search").value == ""
    if paste:
        await _paste(app, pilot, text)
    else:
        await type_text(pilot, text)
    await pilot.pause()
    assert field(app, "#search").value == text
    table: DataTable[object] = app.screen.query_one("#queue-table", DataTable)
    if not table.display:
        assert shown(app, "#queue-empty").startswith("No patient matches")
        return []
    return [str(table.get_row_at(row)[1]) for row in range(table.row_count)]


async def _palette_hits(pilot: Pilot[None]) -> list[str]:
    """The first line of each command palette hit, once its background search found any."""
    for _ in range(100):
        await pilot.pause(0.05)
        hits = pilot.app.screen.query(CommandList)
        if hits and hits.first(CommandList).option_count:
            options = hits.first(CommandList)
            return [
                str(options.get_option_at_index(index).prompt).split("\n")[0]
                for index in range(options.option_count)
            ]
    raise AssertionError("the command palette found nothing")


# ------------------------------------------------------------ names in any script

NFD = unicodedata.normalize("NFD", "Nguyễn")
NFD_GIVEN = unicodedata.normalize("NFD", "Văn Đức")
# (family, given, prefixes typed into the queue search that find them): without the
# accents, apostrophe or capitals, which the search ignores, or as a Korean name is
# written, family and given together.
NAMES = [
    ("O'Brien", "Siobhán", ["obri"]),
    ("Nguyễn", "Thị Minh", ["nguyen thi"]),
    ("김", "민준", ["김민"]),
    ("Żółć", "Łukasz", ["zolc luk", "ŁUK"]),
    ("Ødegaard-Müller", "Zoë", ["odeg"]),
    ("[bold]x[/]", "[/]Ann", ["[bold]x"]),  # markup, and a tag that would not even parse
]


async def test_names_in_any_script_are_stored_shown_and_found(demo_engine: Engine) -> None:
    app = make_app(demo_engine)
    async with app.run_test() as pilot:
        for family, given, _ in NAMES:
            await _register(app, pilot, family, given)
            assert f"{family}, {given}  ·  " in shown(app, "#banner")
            await pilot.press("escape")
        # Pasted decomposed (NFD): stored, shown and found as the precomposed name.
        await _register(app, pilot, NFD, NFD_GIVEN, paste=True)
        assert "Nguyễn, Văn Đức  ·  " in shown(app, "#banner")
        await pilot.press("escape")
        for family, given, prefixes in NAMES:
            for prefix in prefixes:
                assert f"{family}, {given}" in await _search(app, pilot, prefix), prefix
        assert "Nguyễn, Văn Đức" in await _search(app, pilot, "nguyen v")
        assert "Nguyễn, Văn Đức" in await _search(app, pilot, f"{NFD}, V", paste=True)
        # The command palette lists the name literally too, and opens the patient.
        await pilot.press("home", "ctrl+k", "ctrl+p")
        await type_text(pilot, "[bold]x")
        assert await _palette_hits(pilot) == ["Open [bold]x[/], [/]Ann"]
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, CheckInScreen)
        assert "[bold]x[/], [/]Ann  ·  " in shown(app, "#banner")
    with Session(demo_engine) as session:
        for family, given, _ in [*NAMES, ("Nguyễn", "Văn Đức", [])]:
            patient = session.exec(
                select(Patient).where(Patient.family_name == family, Patient.given_name == given)
            ).one()
            assert (patient.family_name, patient.given_name) == (family, given)
            assert unicodedata.is_normalized("NFC", patient.family_name + patient.given_name)
        assert session.exec(select(Patient).where(Patient.family_name == NFD)).all() == []


async def test_markup_and_control_characters_in_a_name(demo_engine: Engine) -> None:
    app = make_app(demo_engine)
    async with app.run_test() as pilot:
        await pilot.press("f2")
        await _paste(app, pilot, "[bold]Ng\x1b[31muyễn\x07[/]\x00\u202e\u200d\tX\x1b[0m")
        await pilot.press("enter")
        await _paste(app, pilot, "김민준\r\nthe second line of a paste is not kept")
        assert _focused_value(app) == "김민준"
        await pilot.press("enter")
        await _paste(app, pilot, "1/2/1990")
        await pilot.press("enter", "m", "ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, CheckInScreen)
        assert "[bold]Nguyễn[/] X, 김민준  ·  " in shown(app, "#banner")
        await pilot.press("escape")
        assert await _search(app, pilot, "[bold]ngu") == ["[bold]Nguyễn[/] X, 김민준"]
    with Session(demo_engine) as session:
        patient = session.exec(select(Patient).where(Patient.given_name == "김민준")).one()
        assert patient.family_name == "[bold]Nguyễn[/] X"


# ------------------------------------------------------------ 10,000 characters pasted


async def test_a_huge_paste_into_search_is_refused_and_harmless(demo_engine: Engine) -> None:
    app = make_app(demo_engine)
    async with app.run_test() as pilot:
        await _paste(app, pilot, "whit" + HUGE)
        assert field(app, "#search").value == ""  # longer than max_length: refused whole
        assert isinstance(app.screen, QueueScreen)
        await type_text(pilot, "whit da")
        await pilot.press("enter")
        assert isinstance(app.screen, CheckInScreen)


async def test_a_huge_paste_into_a_walk_in_name_is_refused(demo_engine: Engine) -> None:
    longest = "Okafor" + "a" * 194  # Patient.family_name is 200 long
    app = make_app(demo_engine)
    async with app.run_test() as pilot:
        await pilot.press("f2")
        await _paste(app, pilot, HUGE)
        assert _focused_value(app) == ""
        await _paste(app, pilot, longest + "a")
        assert _focused_value(app) == ""
        await _paste(app, pilot, longest)
        assert _focused_value(app) == longest
        await pilot.press("enter")
        await _paste(app, pilot, HUGE)
        assert _focused_value(app) == ""
        await type_text(pilot, "Ada")
        await pilot.press("enter")
        await _paste(app, pilot, "1/2/1990")
        await pilot.press("enter", "f", "ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, CheckInScreen)
    with Session(demo_engine) as session:
        patient = session.exec(select(Patient).where(Patient.given_name == "Ada")).one()
        assert patient.family_name == longest


async def test_huge_pastes_in_a_visit_are_refused_and_nothing_too_long_is_stored(
    demo_engine: Engine,
) -> None:
    """Vitals, a history entry, the chief complaint and an HPI field, then signed."""
    condition = "c" * 300  # Condition.name is 300 long
    onset = "o" * 500  # Encounter.hpi_onset is 500 long
    app = make_app(demo_engine)
    async with app.run_test() as pilot:
        await open_from_queue(pilot, "whit da")
        await pilot.press("enter", "enter", "enter")  # check-in
        assert isinstance(app.screen, VitalsScreen)
        await _paste(app, pilot, HUGE)  # blood pressure
        assert _focused_value(app) == ""
        await type_text(pilot, "128/82")
        await pilot.press("ctrl+n")
        assert isinstance(app.screen, HistoryScreen)
        await pilot.press("a")  # add a condition
        await _paste(app, pilot, HUGE)
        assert _focused_value(app) == ""
        await _paste(app, pilot, condition)
        await pilot.press("enter", "ctrl+n")
        assert isinstance(app.screen, ComplaintScreen)
        await _paste(app, pilot, HUGE)
        assert _focused_value(app) == ""
        await type_text(pilot, "cough")
        await pilot.press("enter")  # onset
        await _paste(app, pilot, HUGE)
        assert _focused_value(app) == ""
        await _paste(app, pilot, onset)
        await pilot.press("ctrl+r")
        assert isinstance(app.screen, ReviewScreen)
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, QueueScreen)
    visit_id = todays_encounter_id(demo_engine, "Whitfield")
    with Session(demo_engine) as session:
        encounter = session.get(Encounter, visit_id)
        assert encounter is not None
        assert encounter.signed_at is not None
        assert (encounter.chief_complaint, encounter.hpi_onset) == ("cough", onset)
        stored = session.exec(select(Condition).where(Condition.encounter_id == visit_id)).one()
        assert stored.name == condition
        bp = session.exec(
            select(Observation).where(
                Observation.encounter_id == visit_id, Observation.code == SYSTOLIC_BP
            )
        ).one()
        assert bp.value_entered == "128"


async def test_control_characters_in_the_complaint_are_not_stored(demo_engine: Engine) -> None:
    app = make_app(demo_engine)
    async with app.run_test() as pilot:
        await open_from_queue(pilot, "whit da")
        await pilot.press("enter", "ctrl+r", "4")  # identity confirmed; the complaint
        assert isinstance(app.screen, ComplaintScreen)
        # U+202E would show "dna" reversed: the override goes, the letters stay as typed.
        await _paste(
            app,
            pilot,
            "\x1b[1mcough\x1b[0m\x00 for\x07 5\tdays [/] \u202edna\u200d fever\r\nline 2",
        )
        await pilot.press("enter")  # onset
        await _paste(app, pilot, "\u200b\x00\x1b[2J")  # nothing visible: nothing stored
        await pilot.press("ctrl+r")
        assert isinstance(app.screen, ReviewScreen)
        assert "cough for 5 days [/] dna fever" in shown(app, "#review-visit")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, QueueScreen)
    with Session(demo_engine) as session:
        encounter = session.get(Encounter, todays_encounter_id(demo_engine, "Whitfield"))
        assert encounter is not None
        assert encounter.signed_at is not None
        assert encounter.chief_complaint == "cough for 5 days [/] dna fever"
        assert encounter.hpi_onset is None


# ------------------------------------------------------------ the queue search


async def test_search_text_is_plain_text(demo_engine: Engine) -> None:
    with Session(demo_engine) as session:
        # A name with a literal % and _ in it.
        session.add(
            Patient(
                mrn="3000001",
                family_name="Pe%ter_s",
                given_name="Percy",
                sex=Sex.MALE,
                birth_date=date(1980, 1, 1),
            )
        )
        session.commit()
        count = session.exec(select(func.count(col(Patient.id)))).one()
    app = make_app(demo_engine)
    async with app.run_test() as pilot:
        for text in ("'", '"', "%", "_", "\\", "%_%", "a%", "pe_"):
            assert await _search(app, pilot, text) == [], text
        assert await _search(app, pilot, INJECTION, paste=True) == []
        assert await _search(app, pilot, "O'Brien") == ["O'Brien, Margaret"]
        assert await _search(app, pilot, "pe%") == ["Pe%ter_s, Percy"]
        assert await _search(app, pilot, "pe%ter_") == ["Pe%ter_s, Percy"]
        assert isinstance(app.screen, QueueScreen)
    with Session(demo_engine) as session:
        assert session.exec(select(func.count(col(Patient.id)))).one() == count


# ------------------------------------------------------------ fields fit their columns


async def test_check_in_fields_fit_their_columns(demo_engine: Engine) -> None:
    app = make_app(demo_engine)
    async with app.run_test(size=(100, 40)) as pilot:
        await open_from_queue(pilot, "whit da")
        await pilot.press("enter")  # identity confirmed
        for selector in ("#demo-state", "#demo-postal_code"):
            app.screen.query_one(selector, Input).focus()
            await pilot.pause()
            await _paste(app, pilot, "9" * 300)
        await pilot.press("enter")  # demographics, with the edits
        app.screen.query_one("#coverage-unchanged").focus()
        await pilot.press("enter", "ctrl+r", "4")
        await type_text(pilot, "cough")
        await pilot.press("ctrl+r", "ctrl+s")
        await pilot.pause()
    with Session(demo_engine) as session:
        patient = session.exec(select(Patient).where(Patient.family_name == "Whitfield")).one()
        assert len(patient.state or "") <= 50
        assert len(patient.postal_code or "") <= 20


async def test_control_characters_in_a_vitals_qualifier_are_not_stored(
    demo_engine: Engine,
) -> None:
    app = make_app(demo_engine)
    async with app.run_test(size=(100, 40)) as pilot:
        await open_from_queue(pilot, "whit da")
        await pilot.press("enter", "enter", "enter")  # check-in
        await type_text(pilot, "128/82")
        app.screen.query_one("#q-position", Input).focus()
        await pilot.pause()
        await _paste(app, pilot, "sit\x00ting\x1b[0m")
        await pilot.press("ctrl+r", "4")
        await type_text(pilot, "cough")
        await pilot.press("ctrl+r", "ctrl+s")
        await pilot.pause()
    with Session(demo_engine) as session:
        bp = session.exec(
            select(Observation).where(
                Observation.encounter_id == todays_encounter_id(demo_engine, "Whitfield"),
                Observation.code == SYSTOLIC_BP,
            )
        ).one()
        assert bp.position == "sitting"
