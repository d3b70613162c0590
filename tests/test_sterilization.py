"""The sterilization log: loads and their indicators, release rules, pack labels and uses,
the recall list after a failed biological indicator, the inspector's CSV."""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ma_tui.core.errors import Conflict, InvalidInput, NotFound, UserError
from ma_tui.sterilization.export import COLUMNS, write_log
from ma_tui.sterilization.loads import (
    BiResult,
    CycleType,
    Load,
    PackLabel,
    PackUse,
    Reading,
    mechanical_problem,
    new_load,
    parse_exposure,
    parse_pack_label,
    parse_pressure,
    parse_temperature,
    record_biological,
    record_chemical,
    reject,
    release,
    release_blockers,
    usable_pack,
    use_pack,
)
from ma_tui.sterilization.recall import recall_list, recall_marks, recalled_by, shown_status

TZ = ZoneInfo("America/Chicago")
MONDAY = datetime(2026, 11, 16, 7, 30, tzinfo=TZ)
KITS = [("suture removal kit", False), ("I&D tray", False), ("toenail kit", False)]


def _load(
    number: int,
    day: int,
    *,
    sterilizer: str = "Autoclave A",
    bi: bool = False,
    packs: list[tuple[str, bool]] | None = None,
    minutes: int = 4,
    cycle: CycleType = CycleType.PREVACUUM,
    temperature: str = "132",
) -> Load:
    return new_load(
        number=number,
        sterilizer=sterilizer,
        cycle_number=1000 + number,
        cycle_type=cycle,
        started_at=MONDAY + timedelta(days=day),
        temperature_c=Decimal(temperature),
        pressure_kpa=Decimal("206.8"),
        exposure_minutes=minutes,
        operator="Maria Lopez",
        packs=KITS if packs is None else packs,
        biological_indicator=bi,
        bi_lot="BI-2291" if bi else "",
    )


def _released(load: Load, hours: int = 1) -> Load:
    return release(
        record_chemical(load, Reading.PASS), "Jo Park", load.started_at + timedelta(hours=hours)
    )


def _use(load: Load, sequence: int, patient_id: int, name: str, hours: int = 3) -> PackUse:
    return PackUse(
        PackLabel(load.number, sequence), patient_id, name, "laceration repair",
        load.started_at + timedelta(hours=hours), "Maria Lopez",
    )  # fmt: skip


# ------------------------------------------------------------------ labels and readings


def test_packs_are_labelled_load_then_sequence() -> None:
    load = _load(42, 0)
    assert [str(pack.label) for pack in load.packs] == ["L42-001", "L42-002", "L42-003"]
    assert parse_pack_label(" l42-7 ") == PackLabel(42, 7)
    assert str(parse_pack_label("L42 - 007")) == "L42-007"
    for typed in ("42-007", "L0-001", "L42-0", "L42-1000", "Lx-1", ""):
        with pytest.raises(InvalidInput):
            parse_pack_label(typed)


@given(st.text(max_size=30))
def test_any_text_is_a_pack_label_or_a_refusal(text: str) -> None:
    try:
        label = parse_pack_label(text)
    except InvalidInput as refusal:
        assert str(refusal)
    else:
        assert parse_pack_label(str(label)) == label


@given(st.integers(1, 999_999), st.integers(1, 999))
def test_every_label_reads_back(load: int, sequence: int) -> None:
    assert parse_pack_label(str(PackLabel(load, sequence))) == PackLabel(load, sequence)


def test_printout_readings_are_converted() -> None:
    assert parse_temperature("132") == parse_temperature("132 °C") == Decimal("132")
    assert parse_temperature("270F") == Decimal("132.2")
    assert parse_temperature("250 f") == Decimal("121.1")
    assert parse_pressure("30 psi") == Decimal("206.8")
    assert parse_pressure("2.06 bar") == Decimal("206.0")
    assert parse_exposure("4 min") == parse_exposure("4") == 4
    with pytest.raises(InvalidInput, match="add C or F"):
        parse_temperature("270")
    with pytest.raises(InvalidInput, match="with its unit"):
        parse_pressure("30")
    with pytest.raises(InvalidInput, match="1 to 120"):
        parse_exposure("0")


@given(st.text(max_size=25))
def test_any_text_is_a_reading_or_a_refusal(text: str) -> None:
    for parse, low, high in (
        (parse_temperature, 100, 140),
        (parse_pressure, 50, 350),
        (parse_exposure, 1, 120),
    ):
        try:
            value = parse(text)
        except InvalidInput as refusal:
            assert str(refusal)
        else:
            assert low <= value <= high


# ------------------------------------------------------------------ release rules


def test_a_load_is_released_only_after_its_indicators() -> None:
    load = _load(1, 0)
    assert release_blockers(load) == ("read the chemical indicator",)
    with pytest.raises(Conflict, match="cannot be released: read the chemical"):
        release(load, "Jo Park", MONDAY)
    failed = record_chemical(load, Reading.FAIL)
    assert release_blockers(failed) == (
        "the chemical indicator failed: reject the load and reprocess",
    )
    rejected = reject(failed, "Jo Park", MONDAY, "CI did not change")
    assert rejected.status == "rejected"
    released = _released(load)
    assert (released.status, released.released_by) == ("released", "Jo Park")
    with pytest.raises(Conflict, match="already released"):
        release(released, "Jo Park", MONDAY)


def test_a_short_cycle_fails_its_mechanical_check() -> None:
    short = _load(1, 0, minutes=3)
    assert mechanical_problem(short) == (
        "3 min at 132 °C is under the 4 min a prevacuum cycle needs (CDC 2008, table 7)"
    )
    gravity = _load(2, 0, cycle=CycleType.GRAVITY, temperature="121", minutes=20)
    assert "under the 30 min a gravity cycle" in (mechanical_problem(gravity) or "")
    assert mechanical_problem(_load(3, 0, cycle=CycleType.GRAVITY, minutes=15)) is None
    cool = _load(4, 0, temperature="125")
    assert mechanical_problem(cool) == "125 °C is below the 132 °C a prevacuum cycle needs"
    with pytest.raises(Conflict, match="under the 4 min"):
        _released(short)


def test_an_implant_load_waits_for_its_biological_indicator() -> None:
    with pytest.raises(InvalidInput, match="implant carries a biological indicator"):
        _load(1, 0, packs=[("IUD insertion tray", True)])
    with pytest.raises(InvalidInput, match="lot number"):
        new_load(
            number=1, sterilizer="A", cycle_number=1, cycle_type=CycleType.PREVACUUM,
            started_at=MONDAY, temperature_c=Decimal(132), pressure_kpa=Decimal(206),
            exposure_minutes=4, operator="M", packs=[], biological_indicator=True,
        )  # fmt: skip
    implant = record_chemical(
        _load(1, 0, bi=True, packs=[("IUD insertion tray", True)]), Reading.PASS
    )
    assert release_blockers(implant) == (
        "it holds an implant: wait for the biological indicator to pass",
    )
    passed = record_biological(implant, BiResult.PASS, MONDAY + timedelta(days=1))
    assert release(passed, "Jo Park", MONDAY + timedelta(days=1)).released
    # a routine weekly spore test does not hold back a load without implants
    assert _released(_load(2, 0, bi=True)).released


def test_pack_use_is_refused_from_a_load_not_released_or_twice() -> None:
    held = _load(1, 0)
    good = _released(_load(2, 0))
    loads = [held, good]
    label = PackLabel(2, 1)
    first = use_pack(
        label,
        loads,
        [],
        patient_id=7,
        patient_name="Ruth Alvarez",
        procedure="I&D of abscess",
        at=MONDAY + timedelta(hours=5),
        by="Maria Lopez",
    )
    assert first.patient_name == "Ruth Alvarez"
    with pytest.raises(Conflict, match="already opened for Ruth Alvarez"):
        use_pack(label, loads, [first], patient_id=8, patient_name="Omar", procedure="x",
                 at=MONDAY + timedelta(hours=6), by="M")  # fmt: skip
    with pytest.raises(Conflict, match="quarantined load"):
        use_pack(PackLabel(1, 1), loads, [], patient_id=8, patient_name="Omar", procedure="x",
                 at=MONDAY + timedelta(hours=6), by="M")  # fmt: skip
    with pytest.raises(NotFound, match="no pack L2-009"):
        use_pack(PackLabel(2, 9), loads, [], patient_id=8, patient_name="Omar", procedure="x",
                 at=MONDAY + timedelta(hours=6), by="M")  # fmt: skip
    recalled = record_biological(
        _released(_load(3, 0, bi=True)), BiResult.FAIL, MONDAY + timedelta(days=2)
    )
    with pytest.raises(Conflict, match="recalled load"):
        use_pack(PackLabel(3, 1), [recalled], [], patient_id=8, patient_name="Omar",
                 procedure="x", at=MONDAY + timedelta(days=2), by="M")  # fmt: skip


def test_a_pack_of_a_load_in_a_failed_spore_tests_recall_is_refused_though_released() -> None:
    """The failed test's own load says recalled; a load run after it (before the next
    pass) was released and says so, yet its packs are on the recall's pull list."""
    failed = record_biological(
        _released(_load(1, 0, bi=True)), BiResult.FAIL, MONDAY + timedelta(days=2)
    )
    after = _released(_load(2, 1))
    later_pass = record_biological(
        _released(_load(3, 3, bi=True)), BiResult.PASS, MONDAY + timedelta(days=4)
    )
    clean = _released(_load(4, 4))
    loads = [failed, after, later_pass, clean]
    assert after.status == "released"
    with pytest.raises(Conflict, match="the spore test of L1 failed; pull the pack"):
        use_pack(PackLabel(2, 1), loads, [], patient_id=8, patient_name="Omar", procedure="x",
                 at=MONDAY + timedelta(days=4), by="M")  # fmt: skip
    used = use_pack(PackLabel(4, 1), loads, [], patient_id=8, patient_name="Omar",
                    procedure="x", at=MONDAY + timedelta(days=5), by="M")  # fmt: skip
    assert used.label == PackLabel(4, 1)


@given(st.integers(1, 5), st.integers(1, 5), st.sampled_from(list(BiResult)))
def test_a_pack_is_usable_only_if_no_failed_spore_test_reaches_it(
    load_number: int, sequence: int, first_bi: BiResult
) -> None:
    first = _released(_load(1, 0, bi=True))
    if first_bi in (BiResult.PASS, BiResult.FAIL):
        first = record_biological(first, first_bi, MONDAY + timedelta(days=1))
    loads = [first, _released(_load(2, 1)), _load(3, 2)]
    label = PackLabel(load_number, sequence)
    try:
        load, pack = usable_pack(label, loads, [])
    except UserError:
        return
    assert pack.label == label
    assert load.status == "released"
    assert recalled_by(label, loads, []) is None
    assert first_bi is not BiResult.FAIL  # a failure recalls every load after it


LOAD_ACTIONS = ("ci-pass", "ci-fail", "bi-pass", "bi-fail", "release", "reject")


@given(
    bi=st.booleans(),
    implant=st.booleans(),
    minutes=st.integers(1, 6),
    steps=st.lists(st.sampled_from(LOAD_ACTIONS), max_size=10),
)
def test_no_sequence_of_actions_releases_a_load_its_indicators_hold(
    bi: bool, implant: bool, minutes: int, steps: list[str]
) -> None:
    try:
        load = _load(1, 0, bi=bi or implant, minutes=minutes, packs=[("tray", implant)])
    except InvalidInput:
        return
    for hour, action in enumerate(steps, start=1):
        at = MONDAY + timedelta(hours=hour)
        before = load
        try:
            if action.startswith("ci"):
                load = record_chemical(load, Reading.PASS if action == "ci-pass" else Reading.FAIL)
            elif action.startswith("bi"):
                result = BiResult.PASS if action == "bi-pass" else BiResult.FAIL
                load = record_biological(load, result, at)
            elif action == "release":
                load = release(load, "Jo", at)
            else:
                load = reject(load, "Jo", at, "wet packs")
        except UserError:
            assert load is before
            continue
        assert not (load.released and load.rejected)
        if load.released and not before.released:
            assert before.chemical is Reading.PASS
            assert mechanical_problem(before) is None
            assert not before.contains_implant or before.biological is BiResult.PASS
            assert before.biological is not BiResult.FAIL


# ------------------------------------------------------------------ the recall


def _week() -> tuple[list[Load], list[PackUse]]:
    """Autoclave A runs a load a day (spore tests Monday, Wednesday, Friday);
    Autoclave B runs one on Tuesday."""
    loads = [
        _released(_load(1, 0, bi=True)),
        _released(_load(2, 1)),
        _released(_load(3, 2, bi=True)),
        _released(_load(4, 3)),
        _released(_load(5, 4, bi=True)),
        _released(_load(6, 1, sterilizer="Autoclave B")),
    ]
    loads[0] = record_biological(loads[0], BiResult.PASS, MONDAY + timedelta(days=1))
    loads[4] = record_biological(loads[4], BiResult.PASS, MONDAY + timedelta(days=5))
    uses = [
        _use(loads[0], 1, 1, "Dana Whitfield"),
        _use(loads[1], 1, 2, "Omar Haddad"),
        _use(loads[1], 2, 3, "Ruth Alvarez", hours=5),
        _use(loads[2], 3, 2, "Omar Haddad"),
        _use(loads[3], 1, 4, "Lee Kim"),
        _use(loads[4], 1, 5, "Ana Silva"),
        _use(loads[5], 1, 6, "Sam Obi"),
    ]
    return loads, uses


def test_a_failed_biological_indicator_lists_every_patient_since_the_last_pass() -> None:
    loads, uses = _week()
    failed = record_biological(loads[2], BiResult.FAIL, MONDAY + timedelta(days=3))
    recall = recall_list(failed, loads, uses)
    assert [load.number for load in recall.loads] == [2, 3, 4]
    assert recall.last_pass is not None
    assert recall.last_pass.number == 1
    assert recall.next_pass is not None
    assert recall.next_pass.number == 5
    assert [(str(u.label), u.patient_name) for u in recall.patients] == [
        ("L2-001", "Omar Haddad"),
        ("L2-002", "Ruth Alvarez"),
        ("L3-003", "Omar Haddad"),
        ("L4-001", "Lee Kim"),
    ]
    assert [str(p.label) for p in recall.on_shelf] == [
        "L2-003", "L3-001", "L3-002", "L4-002", "L4-003",
    ]  # fmt: skip
    assert recall.summary == (
        "Autoclave A: 3 loads since L1; 3 patients, 4 packs used, 5 packs to pull"
    )


def test_without_a_later_pass_every_load_since_is_suspect() -> None:
    loads, uses = _week()
    loads[4] = _released(_load(5, 4, bi=True))  # Friday's spore test still incubating
    failed = record_biological(loads[2], BiResult.FAIL, MONDAY + timedelta(days=3))
    recall = recall_list(failed, loads, uses)
    assert [load.number for load in recall.loads] == [2, 3, 4, 5]
    assert recall.next_pass is None
    loads[0] = _released(_load(1, 0, bi=True))  # and Monday's never came back
    first = recall_list(failed, loads, uses)
    assert [load.number for load in first.loads] == [1, 2, 3, 4, 5]
    assert first.summary.startswith("Autoclave A: 5 loads since its first load")
    with pytest.raises(Conflict, match="has not failed"):
        recall_list(loads[1], loads, uses)


def test_the_log_shows_what_the_recall_says() -> None:
    """A released load the recall reaches reads suspect, its unused packs to pull."""
    loads, uses = _week()
    loads[2] = record_biological(loads[2], BiResult.FAIL, MONDAY + timedelta(days=3))
    marks = recall_marks(loads, uses)
    shown = [shown_status(load, marks) for load in loads]
    assert shown[:5] == ["released", "suspect: recall", "recalled", "suspect: recall", "released"]
    assert set(shown[5:]) <= {"released"}  # after the next pass
    pulled = {label for load in loads for label in (p.label for p in load.packs)} & marks.to_pull
    assert sorted(str(label) for label in pulled) == [
        "L2-003", "L3-001", "L3-002", "L4-002", "L4-003",
    ]  # fmt: skip
    assert recall_marks(_week()[0], uses).suspect == frozenset()  # no failure, no suspects


# ------------------------------------------------------------------ the inspector's CSV


def test_the_log_exports_as_csv_one_row_a_pack() -> None:
    loads, uses = _week()
    loads.append(reject(record_chemical(_load(7, 5, packs=[]), Reading.FAIL), "Jo Park",
                        MONDAY + timedelta(days=5), "=HYPERLINK(evil)"))  # fmt: skip
    out = io.StringIO()
    rows = write_log(loads, uses, out, TZ)
    table = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert rows == len(table) == 6 * 3 + 1
    assert tuple(table[0]) == COLUMNS
    first = table[0]
    assert (first["load"], first["pack_label"], first["patient"], first["mechanical"]) == (
        "1", "L1-001", "Dana Whitfield", "pass",
    )  # fmt: skip
    assert first["started_at"] == "2026-11-16T07:30-06:00"
    assert first["biological_indicator"] == "pass"
    assert first["bi_lot"] == "BI-2291"
    last = table[-1]
    assert (last["status"], last["pack_label"], last["reject_reason"]) == (
        "rejected", "", "'=HYPERLINK(evil)",
    )  # fmt: skip


def _csv_cell(value: Any) -> str:
    out = io.StringIO()
    load = reject(
        record_chemical(_load(9, 0, packs=[(value, False)]), Reading.FAIL), "J", MONDAY, "x"
    )
    write_log([load], [], out, TZ)
    return next(iter(csv.DictReader(io.StringIO(out.getvalue()))))["pack_contents"]


@given(st.text(min_size=1, max_size=30).filter(lambda t: " ".join(t.split())))
def test_no_cell_starts_a_formula(text: str) -> None:
    cell = _csv_cell(text)
    assert not cell.startswith(("=", "+", "-", "@"))
