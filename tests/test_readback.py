import pytest
from hypothesis import given
from hypothesis import strategies as st

from ma_tui.vitals.readback import flag_label, format_number, readback


@pytest.mark.parametrize(
    ("entered", "unit_entered", "value", "unit", "expected"),
    [
        ("171", "[lb_av]", 77.56, "kg", "171 lb (77.6 kg)"),
        ("38.9", "Cel", 38.9, "Cel", "38.9 °C (102.0 °F)"),
        ("98.4", "[degF]", 36.89, "Cel", "98.4 °F (36.9 °C)"),
        ("13.6", "kg", 13.6, "kg", "13.6 kg (30 lb)"),
        ("65", "[in_i]", 165.1, "cm", "65 in (165.1 cm)"),
        ("92.5", "cm", 92.5, "cm", "92.5 cm (36.4 in)"),
        ("76", "/min", 76.0, "/min", "76 /min"),
        ("97", "%", 97.0, "%", "97 %"),
        (None, None, None, None, "—"),
    ],
)
def test_readback_shows_both_units(
    entered: str | None,
    unit_entered: str | None,
    value: float | None,
    unit: str | None,
    expected: str,
) -> None:
    assert readback(entered, unit_entered, value, unit) == expected


@given(st.floats(min_value=0, max_value=1e6, allow_nan=False))
def test_format_number_round_trips(value: float) -> None:
    assert abs(float(format_number(value, 2)) - value) <= 0.005 + 1e-9


def test_flag_labels() -> None:
    assert flag_label("H") == "HIGH"
    assert flag_label(None) == ""
