"""The clinic's default units: every accepted spelling, refusals that change nothing, the CLI."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from ma_tui.cli import main, parse_setting, setting_lines
from ma_tui.clinic.settings import (
    MINUTES_NAMES,
    MinutesName,
    SettingError,
    change_setting,
    idle_lock_minutes,
    lockout_minutes,
    minutes_name,
    parse_minutes,
    set_minutes,
)
from ma_tui.core.errors import DatabaseUnavailable
from ma_tui.core.exits import EXIT_USAGE
from ma_tui.core.transaction import in_transaction
from ma_tui.data.models.settings import ClinicSetting
from ma_tui.data.store import create_store_engine, sqlite_url
from ma_tui.fhir.settings import (
    clinic_id,
    default_export_folder,
    parse_export_folder,
    parse_mrn_system,
    read_export_folder,
    read_mrn_system,
)
from ma_tui.immunizations.settings import observation_minutes, parse_observation_minutes
from ma_tui.vitals.entry import clinic_units
from ma_tui.vitals.measurements import (
    LENGTH_UNITS,
    TEMPERATURE_UNITS,
    WEIGHT_UNITS,
    ClinicUnits,
    parse_temperature,
)
from ma_tui.vitals.settings import (
    SETTING_NAMES,
    SettingName,
    parse_change,
    read_units,
    set_unit,
    setting_name,
    unit_code,
    unit_labels,
)
from tests.conftest import CLINIC_NOW
from tests.credentials import as_admin, with_admin

# What the vitals parser reads a bare number in, per setting: nothing else may be stored.
KNOWN_CODES: dict[SettingName, set[str]] = {
    "weight": set(WEIGHT_UNITS),
    "height": set(LENGTH_UNITS),
    "temperature": set(TEMPERATURE_UNITS),
}

SPELLINGS: list[tuple[SettingName, str, str]] = [
    *[("weight", text, "[lb_av]") for text in ("lb", "LB", "lbs", "pound", "Pounds", "[lb_av]")],
    *[("weight", text, "kg") for text in ("kg", "KG", "kgs", "kilogram", "Kilograms")],
    *[("height", text, "[in_i]") for text in ("in", "IN", "inch", "Inches", "[in_i]")],
    *[("height", text, "cm") for text in ("cm", "CM", "centimeter", "Centimeters", "centimetres")],
    *[
        ("temperature", text, "[degF]")
        for text in ("f", "F", "°F", "°f", "℉", "fahrenheit", "FAHRENHEIT", "[degF]")
    ],
    *[
        ("temperature", text, "Cel")
        for text in ("c", "C", "°C", "°c", "℃", "celsius", "Celsius", "Cel")
    ],
]


def _rows(engine: Engine) -> dict[str, str]:
    with Session(engine) as session:
        return {row.key: row.value for row in session.exec(select(ClinicSetting))}


def _file_rows(path: Path) -> dict[str, str]:
    engine = create_store_engine(sqlite_url(path))
    try:
        return _rows(engine)
    finally:
        engine.dispose()


# ------------------------------------------------------------------ domain


@pytest.mark.parametrize(("setting", "text", "code"), SPELLINGS)
def test_every_accepted_spelling_maps_to_its_ucum_code(
    setting: SettingName, text: str, code: str
) -> None:
    assert unit_code(setting, text) == code
    assert unit_code(setting, f"  {text}\t") == code
    assert code in KNOWN_CODES[setting]


@pytest.mark.parametrize("text", ["weight", "Weight", " HEIGHT ", "temperature"])
def test_setting_names_in_any_case(text: str) -> None:
    assert setting_name(text) == text.strip().lower()


def test_unset_clinic_reads_the_defaults(engine: Engine) -> None:
    with Session(engine) as session:
        assert read_units(session) == ClinicUnits()
        assert unit_labels(read_units(session)) == [
            ("weight", "lb"),
            ("height", "in"),
            ("temperature", "°F"),
        ]


def test_round_trip_every_setting_both_ways(engine: Engine) -> None:
    assert set_unit(engine, "weight", "kilograms", now=CLINIC_NOW) == "kg"
    assert set_unit(engine, "height", "cm", now=CLINIC_NOW) == "cm"
    assert set_unit(engine, "Temperature", "°C", now=CLINIC_NOW) == "Cel"
    with Session(engine) as session:
        assert read_units(session) == ClinicUnits(weight="kg", height="cm", temperature="Cel")
        assert [label for _, label in unit_labels(read_units(session))] == ["kg", "cm", "°C"]
    assert _rows(engine) == {
        "weight_unit": "kg",
        "height_unit": "cm",
        "temperature_unit": "Cel",
    }
    set_unit(engine, "weight", "lb", now=CLINIC_NOW)
    set_unit(engine, "height", "inches", now=CLINIC_NOW)
    set_unit(engine, "temperature", "f", now=CLINIC_NOW)
    with Session(engine) as session:
        assert read_units(session) == ClinicUnits()
    assert _rows(engine) == {
        "weight_unit": "[lb_av]",
        "height_unit": "[in_i]",
        "temperature_unit": "[degF]",
    }


@pytest.mark.parametrize(
    ("setting", "value", "message"),
    [
        ("mass", "kg", "unknown setting 'mass': use weight, height or temperature"),
        ("", "kg", "unknown setting '': use weight, height or temperature"),
        ("weight", "stone", "unknown weight unit 'stone': use lb or kg"),
        ("weight", "cm", "unknown weight unit 'cm': use lb or kg"),
        ("height", "ft", "unknown height unit 'ft': use in or cm"),
        ("temperature", "kelvin", "unknown temperature unit 'kelvin': use f or c"),
        ("temperature", "", "unknown temperature unit '': use f or c"),
    ],
)
def test_bad_setting_or_value_names_what_is_allowed_and_changes_nothing(
    engine: Engine, setting: str, value: str, message: str
) -> None:
    set_unit(engine, "weight", "kg", now=CLINIC_NOW)
    before = _rows(engine)
    with pytest.raises(SettingError) as raised:
        set_unit(engine, setting, value, now=CLINIC_NOW)
    assert str(raised.value).startswith(message)
    assert "\n" not in str(raised.value)
    assert _rows(engine) == before == {"weight_unit": "kg"}


def test_a_long_or_multiline_value_is_quoted_on_one_short_line() -> None:
    with pytest.raises(SettingError) as raised:
        unit_code("weight", "kg\n" + "x" * 500)
    message = str(raised.value)
    assert "\n" not in message
    assert len(message) < 150


@given(setting=st.sampled_from(SETTING_NAMES), text=st.text())
def test_any_text_is_a_known_unit_or_a_setting_error(setting: SettingName, text: str) -> None:
    try:
        code = unit_code(setting, text)
    except SettingError as exc:
        assert "\n" not in str(exc)
    else:
        assert code in KNOWN_CODES[setting]


@given(setting=st.text(), value=st.text())
def test_any_setting_and_value_parse_or_raise_a_setting_error(setting: str, value: str) -> None:
    try:
        name, code = parse_change(setting, value)
    except SettingError:
        return
    assert code in KNOWN_CODES[name]


# --------------------------------------------------------------------- CLI


def test_cli_shows_the_units_of_a_new_clinic(
    db_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["settings", "--db", str(db_path)], environ={}) == 0
    assert capsys.readouterr().out.splitlines() == [
        "weight: lb",
        "height: in",
        "temperature: °F",
        "lockout: 15 minutes",
        "idle-lock: 5 minutes",
        "pin-min: 6 digits",
        "passphrase-min: 12 characters",
        "mrn-system: urn:ma-tui:mrn",
        f"export-folder: {default_export_folder()}",
        "history-review: optional",
        "observation: 15 minutes",
    ]


@pytest.mark.parametrize(
    ("args", "printed", "row"),
    [
        (["weight", "kg"], "weight: kg", ("weight_unit", "kg")),
        (["height", "Centimeters"], "height: cm", ("height_unit", "cm")),
        (["temperature", "c"], "temperature: °C", ("temperature_unit", "Cel")),
        (["TEMPERATURE", "°F"], "temperature: °F", ("temperature_unit", "[degF]")),
        (["lockout", "30"], "lockout: 30 minutes", ("lockout_minutes", "30")),
        (["idle-lock", "1"], "idle-lock: 1 minute", ("idle_lock_minutes", "1")),
        (["Idle_Lock", "10 min"], "idle-lock: 10 minutes", ("idle_lock_minutes", "10")),
        (["pin-min", "8"], "pin-min: 8 digits", ("secret_pin_min", "8")),
        (
            ["history-review", "Required"],
            "history-review: required",
            ("history_review", "required"),
        ),
        (["observation", "30"], "observation: 30 minutes", ("observation_minutes", "30")),
        (
            ["Observation_Minutes", "0"],
            "observation: none (0 minutes)",
            ("observation_minutes", "0"),
        ),
        (
            ["Passphrase_Min", "16"],
            "passphrase-min: 16 characters",
            ("secret_passphrase_min", "16"),
        ),
    ],
)
def test_cli_set_changes_one_setting_and_prints_it(
    db_path: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    args: list[str],
    printed: str,
    row: tuple[str, str],
) -> None:
    signed = with_admin(db_path, tmp_path)
    assert main(["settings", "set", *args, *signed, "--db", str(db_path)], environ={}) == 0
    assert capsys.readouterr().out == printed + "\n"
    assert _file_rows(db_path) == dict([row])
    # The db option is accepted before the command too, and from the environment.
    assert main(["--db", str(db_path), "settings"], environ={}) == 0
    assert printed in capsys.readouterr().out.splitlines()
    assert main(["settings"], environ={"MA_TUI_DB": str(db_path)}) == 0
    assert printed in capsys.readouterr().out.splitlines()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["mass", "kg"],
            "ma-tui: unknown setting 'mass': use weight, height, temperature, lockout, idle-lock, "
            "pin-min, passphrase-min, mrn-system, export-folder, history-review or observation",
        ),
        (["weight", "stone"], "ma-tui: unknown weight unit 'stone': use lb or kg"),
        (["temperature", "k"], "ma-tui: unknown temperature unit 'k': use f or c"),
    ],
)
def test_cli_bad_setting_is_one_line_exit_2_and_changes_nothing(
    db_path: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    args: list[str],
    message: str,
) -> None:
    signed = with_admin(db_path, tmp_path)
    assert main(["settings", "set", "weight", "kg", *signed, "--db", str(db_path)], {}) == 0
    capsys.readouterr()
    assert main(["settings", "set", *args, *signed, "--db", str(db_path)], {}) == EXIT_USAGE
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.splitlines()
    assert len(lines) == 1
    assert lines[0].startswith(message)
    assert _file_rows(db_path) == {"weight_unit": "kg"}


def test_cli_bad_setting_does_not_create_the_database(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "new.db"
    assert main(["settings", "set", "weight", "stone", "--db", str(target)], environ={}) == 2
    assert capsys.readouterr().err.startswith("ma-tui: ")
    assert list(tmp_path.iterdir()) == []


def test_cli_settings_refuses_a_bad_database_cleanly(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("not a database\n")
    assert main(["settings", "set", "weight", "kg", "--db", str(notes)], environ={}) == 2
    err = capsys.readouterr().err
    assert err.startswith("ma-tui: ")
    assert "not a SQLite database" in err
    assert notes.read_text() == "not a database\n"


def test_after_set_temperature_c_a_bare_number_on_the_vitals_screen_is_celsius(
    db_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    signed = with_admin(db_path, tmp_path)
    assert main(["settings", "set", "temperature", "c", *signed, "--db", str(db_path)], {}) == 0
    engine = create_store_engine(sqlite_url(db_path))
    try:
        with Session(engine) as session:
            units = clinic_units(session)
    finally:
        engine.dispose()
    assert units.temperature == "Cel"
    reading = parse_temperature("38.1", units)
    assert (reading.unit_entered, reading.value) == ("Cel", 38.1)


# ------------------------------------------------- lockout and idle lock


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("lockout", "lockout"),
        (" LOCKOUT ", "lockout"),
        ("lockout_minutes", "lockout"),
        ("idle-lock", "idle-lock"),
        ("idle_lock", "idle-lock"),
        ("Idle Lock", "idle-lock"),
        ("idle-lock-minutes", "idle-lock"),
    ],
)
def test_minutes_setting_names(text: str, name: MinutesName) -> None:
    assert minutes_name(text) == name


@pytest.mark.parametrize(
    ("text", "minutes"),
    [("1", 1), ("15", 15), (" 240 ", 240), ("15m", 15), ("5 min", 5), ("30 Minutes", 30)],
)
def test_whole_minutes_from_1_to_240(text: str, minutes: int) -> None:
    for name in MINUTES_NAMES:
        assert parse_minutes(name, text) == minutes


@pytest.mark.parametrize(
    "text", ["0", "241", "-5", "1.5", "", "fifteen", "15h", "\uff11\uff15", "9" * 30]
)
def test_other_minutes_are_refused_with_the_range(text: str) -> None:
    with pytest.raises(SettingError) as raised:
        parse_minutes("lockout", text)
    message = str(raised.value)
    assert message.startswith("lockout is whole minutes from 1 to 240, not ")
    assert "\n" not in message
    assert len(message) < 150


def test_unset_clinic_locks_after_15_and_idles_after_5(engine: Engine) -> None:
    with Session(engine) as session:
        assert (lockout_minutes(session), idle_lock_minutes(session)) == (15, 5)


def test_minutes_round_trip_and_a_bad_stored_value_reads_the_default(engine: Engine) -> None:
    assert set_minutes(engine, "lockout", "30", now=CLINIC_NOW) == 30
    assert set_minutes(engine, "idle_lock", "2 min", now=CLINIC_NOW) == 2
    with Session(engine) as session:
        assert (lockout_minutes(session), idle_lock_minutes(session)) == (30, 2)
    assert _rows(engine) == {"lockout_minutes": "30", "idle_lock_minutes": "2"}
    with Session(engine) as session:
        row = session.get(ClinicSetting, "idle_lock_minutes")
        assert row is not None
        row.value = "forever"
        session.add(row)
        session.commit()
        assert idle_lock_minutes(session) == 5
    assert setting_lines(engine)[3:5] == ["lockout: 30 minutes", "idle-lock: 5 minutes"]


def test_bad_minutes_change_nothing(engine: Engine) -> None:
    set_minutes(engine, "lockout", "20", now=CLINIC_NOW)
    with pytest.raises(SettingError, match="lockout is whole minutes from 1 to 240"):
        set_minutes(engine, "lockout", "0", now=CLINIC_NOW)
    with pytest.raises(SettingError, match="unknown setting 'lock'"):
        set_minutes(engine, "lock", "10", now=CLINIC_NOW)
    assert _rows(engine) == {"lockout_minutes": "20"}


@given(setting=st.sampled_from(MINUTES_NAMES), text=st.text())
def test_any_text_is_minutes_in_range_or_a_setting_error(setting: MinutesName, text: str) -> None:
    try:
        minutes = parse_minutes(setting, text)
    except SettingError as exc:
        assert "\n" not in str(exc)
    else:
        assert 1 <= minutes <= 240


@given(setting=st.text(), value=st.text())
def test_any_change_parses_to_a_known_setting_or_a_setting_error(setting: str, value: str) -> None:
    try:
        change = parse_setting(setting, value)
    except SettingError as exc:
        assert "\n" not in str(exc)
        return
    if change.name in MINUTES_NAMES:
        assert 1 <= int(change.value) <= 240
    elif change.name == "mrn-system":
        assert change.value == parse_mrn_system(change.value)
        assert " " not in change.value
    elif change.name == "export-folder":
        assert Path(change.value).is_absolute()
    elif change.name == "history-review":
        assert change.value in ("required", "optional")
    elif change.name == "observation":
        assert 0 <= int(change.value) <= 60
    else:
        assert change.value in KNOWN_CODES[setting_name(change.name)]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["lockout", "0"], "ma-tui: lockout is whole minutes from 1 to 240, not '0'"),
        (["idle-lock", "241"], "ma-tui: idle-lock is whole minutes from 1 to 240, not '241'"),
        (["idle-lock", "soon"], "ma-tui: idle-lock is whole minutes from 1 to 240, not 'soon'"),
        (["observation", "61"], "ma-tui: observation is whole minutes from 0 to 60, not '61'"),
        (["observation", "-1"], "ma-tui: observation is whole minutes from 0 to 60, not '-1'"),
        (["observation", "1.5"], "ma-tui: observation is whole minutes from 0 to 60, not '1.5'"),
    ],
)
def test_cli_bad_minutes_are_one_line_exit_2_and_create_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    target = tmp_path / "new.db"
    assert main(["settings", "set", *args, "--db", str(target)], environ={}) == EXIT_USAGE
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == message + "\n"
    assert list(tmp_path.iterdir()) == []


# ------------------------------------------------------------ observation


@pytest.mark.parametrize(
    ("text", "minutes"), [("0", 0), ("15", 15), (" 60 ", 60), ("30m", 30), ("20 Minutes", 20)]
)
def test_observation_is_whole_minutes_from_0_to_60(text: str, minutes: int) -> None:
    assert parse_observation_minutes(text) == minutes


@given(text=st.text())
def test_any_text_is_observation_minutes_in_range_or_a_setting_error(text: str) -> None:
    try:
        minutes = parse_observation_minutes(text)
    except SettingError as exc:
        assert "\n" not in str(exc)
    else:
        assert 0 <= minutes <= 60


def test_unset_or_unusable_observation_reads_15(engine: Engine) -> None:
    with Session(engine) as session:
        assert observation_minutes(session) == 15
    for stored in ("90", "soon"):  # written by hand, never by ma-tui settings
        with Session(engine) as session:
            session.merge(ClinicSetting(key="observation_minutes", value=stored))
            session.commit()
            assert observation_minutes(session) == 15


def test_cli_sets_observation_with_its_audit_event(
    db_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from ma_tui.data.audit import events

    signed = with_admin(db_path, tmp_path)
    assert main(["settings", "set", "observation", "30", *signed, "--db", str(db_path)], {}) == 0
    assert capsys.readouterr().out == "observation: 30 minutes\n"
    engine = create_store_engine(sqlite_url(db_path))
    try:
        with Session(engine) as session:
            assert observation_minutes(session) == 30
            changed = events(session)[-1]
    finally:
        engine.dispose()
    assert (changed.action, changed.entity, changed.detail) == (
        "update",
        "clinic_setting",
        '{"setting":"observation"}',
    )


# ------------------------------------------------------------------- FHIR


def test_mrn_system_is_ma_tuis_own_until_set_then_the_ehrs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = str(tmp_path / "c.db")
    signed = with_admin(db, tmp_path)
    system = " urn:oid:2.16.840.1.113883.3.42 "
    assert main(["settings", "set", "mrn-system", system, *signed, "--db", db]) == 0
    assert capsys.readouterr().out == "mrn-system: urn:oid:2.16.840.1.113883.3.42\n"
    engine = create_store_engine(sqlite_url(Path(db)))
    with Session(engine) as session:
        assert read_mrn_system(session) == "urn:oid:2.16.840.1.113883.3.42"
    engine.dispose()


@pytest.mark.parametrize("bad", ["", "not a uri", "mrn", "urn:has space", "x" * 300])
def test_an_mrn_system_that_is_not_an_absolute_uri_is_refused(bad: str) -> None:
    with pytest.raises(SettingError, match="URI your EHR gives its MRNs"):
        parse_mrn_system(bad)


def test_clinic_id_is_made_once_and_kept(engine: Engine) -> None:
    with Session(engine) as session:
        assert read_mrn_system(session) == "urn:ma-tui:mrn"
    first = in_transaction(engine, clinic_id)  # made on first use, in its transaction
    assert in_transaction(engine, clinic_id) == first


def test_export_folder_is_an_absolute_folder(engine: Engine, tmp_path: Path) -> None:
    with Session(engine) as session:
        assert read_export_folder(session) == default_export_folder()
    change_setting(engine, parse_setting("export_folder", str(tmp_path / "out")), now=CLINIC_NOW)
    with Session(engine) as session:
        assert read_export_folder(session) == tmp_path / "out"
    for bad in ("", "relative/folder", "/tmp/a\x07b"):
        with pytest.raises(SettingError, match="export-folder"):
            parse_export_folder(bad)


def test_the_clinic_id_stays_the_same_from_one_export_to_the_next(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = str(tmp_path / "demo.db")
    assert main(["demo", "--db", db], environ={}) == 0
    bundles = []
    for _ in range(2):
        capsys.readouterr()
        signed = as_admin(tmp_path)
        assert main(["export", "fhir", "--patient", "1000105", *signed, "--db", db], {}) == 0
        bundles.append(json.loads(capsys.readouterr().out))
    ids = [[entry["resource"]["id"] for entry in bundle["entry"]] for bundle in bundles]
    assert ids[0]
    assert ids[0] == ids[1]


def test_a_change_and_its_audit_event_are_stored_together(engine: Engine) -> None:
    from ma_tui.data.audit import events

    assert set_minutes(engine, "lockout", "30", now=CLINIC_NOW) == 30
    with engine.begin() as connection:
        connection.exec_driver_sql(
            "CREATE TRIGGER refuse_audit BEFORE INSERT ON audit_event "
            "BEGIN SELECT RAISE(ABORT, 'refused'); END"
        )
    with pytest.raises(DatabaseUnavailable):
        set_unit(engine, "weight", "kg", now=CLINIC_NOW)
    assert _rows(engine) == {"lockout_minutes": "30"}
    with Session(engine) as session:
        (changed,) = events(session)
    assert (changed.action, changed.entity, changed.detail) == (
        "update",
        "clinic_setting",
        '{"setting":"lockout"}',
    )
    assert changed.os_user  # from the command line: the operating-system user


@pytest.mark.parametrize(
    ("make_folder", "why"),
    [
        (lambda tmp: Path("/tmp"), "every user of this machine may open it (mode 1777)"),
        (lambda tmp: _file_in(tmp), "it is not a folder"),
        (lambda tmp: _folder_in(tmp, 0o755), "every user of this machine may open it (mode 0755)"),
    ],
    ids=["tmp", "a file", "world-readable"],
)
def test_an_export_folder_others_could_read_is_refused(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    make_folder: Callable[[Path], Path],
    why: str,
) -> None:
    """Exports are plaintext PHI: /tmp, a file or a world-readable folder never holds them."""
    folder = make_folder(tmp_path)
    assert main(["settings", "set", "export-folder", str(folder)], environ={}) == 2
    err = capsys.readouterr().err
    assert err.startswith("ma-tui: export-folder ")
    assert f" is refused: {why}" in err


def test_a_private_folder_of_ones_own_is_an_export_folder(tmp_path: Path) -> None:
    folder = _folder_in(tmp_path, 0o700)
    assert parse_setting("export-folder", str(folder)).value == str(folder)


def _file_in(folder: Path) -> Path:
    path = folder / "not-a-folder"
    path.write_text("")
    return path


def _folder_in(parent: Path, mode: int) -> Path:
    folder = parent / "exports"
    folder.mkdir()
    folder.chmod(mode)
    return folder
