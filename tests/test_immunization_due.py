"""Due today: the routine schedule's rule table against immunization histories."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ma_tui.data.catalogs import CatalogError, strict
from ma_tui.data.catalogs.immunization_schedule import CATALOG, schedule
from ma_tui.immunizations.due import DueReport, DueStatus, GivenDose, due_today
from ma_tui.immunizations.durations import add_duration, describe
from ma_tui.immunizations.fhir import record_from_immunization

BIRTH = date(2025, 1, 15)


def _doses(*pairs: tuple[str, str]) -> list[GivenDose]:
    return [GivenDose(date.fromisoformat(day), cvx) for day, cvx in pairs]


def _status(report: DueReport) -> dict[str, tuple[DueStatus, int | None]]:
    return {item.group: (item.status, item.dose_number) for item in report.items}


# ------------------------------------------------------------------ dates


@pytest.mark.parametrize(
    ("start", "duration", "expected"),
    [
        ("2025-01-15", "2m", "2025-03-15"),
        ("2025-01-31", "1m", "2025-03-01"),  # CDSi: a day the month lacks is the 1st of the next
        ("2024-02-29", "1y", "2025-03-01"),
        ("2025-01-15", "6w", "2025-02-26"),
        ("2025-01-15", "0d", "2025-01-15"),
        ("2025-11-30", "15m", "2027-03-01"),
    ],
)
def test_durations_add_as_cdsi_adds_them(start: str, duration: str, expected: str) -> None:
    assert add_duration(date.fromisoformat(start), duration) == date.fromisoformat(expected)


def test_durations_read_as_words() -> None:
    assert [describe(d) for d in ("0d", "1m", "6w", "10y")] == [
        "birth",
        "1 month",
        "6 weeks",
        "10 years",
    ]


# ------------------------------------------------------------------ children


def test_a_newborn_is_due_hepb_at_birth() -> None:
    report = due_today(BIRTH, [], BIRTH)
    assert _status(report) == {"hepb": (DueStatus.DUE, 1)}
    assert report.items[0].reason.startswith("Hepatitis B dose 1 of 3: due since 2025-01-15")


def test_at_two_months_the_infant_series_are_due() -> None:
    history = _doses(("2025-01-15", "08"))
    report = due_today(BIRTH, history, date(2025, 3, 20))
    assert _status(report) == {
        "hepb": (DueStatus.DUE, 2),
        "dtap": (DueStatus.DUE, 1),
        "hib": (DueStatus.DUE, 1),
        "pneumococcal": (DueStatus.DUE, 1),
        "ipv": (DueStatus.DUE, 1),
    }


def test_a_missed_dose_becomes_overdue() -> None:
    report = due_today(BIRTH, _doses(("2025-01-15", "08")), date(2025, 4, 20))
    assert _status(report)["dtap"] == (DueStatus.OVERDUE, 1)
    dtap = next(i for i in report.items if i.group == "dtap")
    assert dtap.overdue_on == date(2025, 4, 15)
    assert "overdue since 2025-04-15" in dtap.reason
    assert report.items[0].status is DueStatus.OVERDUE  # overdue items come first


def _infant_series() -> list[GivenDose]:
    return _doses(
        ("2025-01-15", "08"),
        ("2025-03-15", "110"),  # DTaP-HepB-IPV counts for all three
        ("2025-03-15", "49"),
        ("2025-03-15", "133"),
        ("2025-05-15", "120"),  # DTaP-Hib-IPV
        ("2025-05-15", "133"),
        ("2025-07-15", "110"),
        ("2025-07-15", "49"),
        ("2025-07-15", "133"),
    )


def test_a_combination_vaccine_counts_for_each_of_its_groups() -> None:
    report = due_today(BIRTH, _infant_series(), date(2025, 12, 1))
    assert _status(report) == {
        "influenza": (DueStatus.DUE, 1),
        "covid19": (DueStatus.CONSIDER, None),
    }
    flu = next(i for i in report.items if i.group == "influenza")
    assert (flu.dose_number, flu.of) == (1, 2)


def test_a_child_under_nine_needs_a_second_flu_dose_four_weeks_later() -> None:
    history = [*_infant_series(), *_doses(("2025-11-01", "140"))]
    assert "influenza" not in _status(due_today(BIRTH, history, date(2025, 11, 20)))
    report = due_today(BIRTH, history, date(2025, 11, 29))
    assert _status(report)["influenza"] == (DueStatus.DUE, 2)


def test_at_four_years_the_preschool_doses_are_due() -> None:
    toddler = [
        *_infant_series(),
        *_doses(
            ("2026-01-15", "49"),
            ("2026-01-15", "133"),
            ("2026-01-15", "03"),
            ("2026-01-15", "21"),
            ("2026-01-15", "83"),
            ("2026-04-15", "20"),
            ("2026-07-15", "83"),
        ),
    ]
    report = due_today(BIRTH, toddler, date(2029, 2, 1))
    found = _status(report)
    assert found["dtap"] == (DueStatus.DUE, 5)
    assert found["ipv"] == (DueStatus.DUE, 4)
    assert found["mmr"] == (DueStatus.DUE, 2)
    assert found["varicella"] == (DueStatus.DUE, 2)
    assert {"hib", "pneumococcal", "hepa", "hepb"}.isdisjoint(found)


def test_a_fourth_dtap_at_four_years_makes_the_fifth_unneeded() -> None:
    late = _doses(
        ("2025-03-15", "20"),
        ("2025-05-15", "20"),
        ("2025-07-15", "20"),
        ("2029-01-20", "20"),
    )
    assert "dtap" not in _status(due_today(BIRTH, late, date(2029, 6, 1)))


def test_a_dose_given_too_soon_does_not_count() -> None:
    history = _doses(("2025-03-15", "20"), ("2025-03-29", "20"))
    report = due_today(BIRTH, history, date(2025, 5, 20))
    assert _status(report)["dtap"] == (DueStatus.DUE, 2)
    (skipped,) = [n for n in report.not_counted if n.group == "dtap"]
    assert skipped.dose.given_on == date(2025, 3, 29)
    assert skipped.why == "given less than 4 weeks after the dose before"


def test_the_four_day_grace_period_counts_a_dose_a_little_early() -> None:
    history = _doses(("2025-03-15", "20"), ("2025-04-09", "20"))  # 25 days: 3 short of 4 weeks
    report = due_today(BIRTH, history, date(2025, 7, 20))
    assert _status(report)["dtap"] == (DueStatus.DUE, 3)
    assert not [n for n in report.not_counted if n.group == "dtap"]


def test_doses_the_table_cannot_group_are_reported() -> None:
    report = due_today(BIRTH, _doses(("2025-01-15", "999")), date(2025, 2, 1))
    assert [d.cvx for d in report.unmapped] == ["999"]


# ------------------------------------------------------------------ adolescents


ELEVEN = date(2014, 3, 10)


def test_at_eleven_tdap_hpv_and_menacwy_are_due() -> None:
    found = _status(due_today(ELEVEN, [], date(2025, 4, 1)))
    assert found["tdap"] == (DueStatus.DUE, 1)
    assert found["hpv"] == (DueStatus.DUE, 1)
    assert found["menacwy"] == (DueStatus.DUE, 1)


def test_hpv_started_before_fifteen_needs_two_doses() -> None:
    history = _doses(("2025-04-01", "165"))
    assert "hpv" not in _status(due_today(ELEVEN, history, date(2025, 9, 1)))
    report = due_today(ELEVEN, history, date(2025, 10, 2))
    hpv = next(i for i in report.items if i.group == "hpv")
    assert (hpv.status, hpv.dose_number, hpv.of) == (DueStatus.DUE, 2, 2)
    done = due_today(ELEVEN, [*history, *_doses(("2025-10-02", "165"))], date(2026, 6, 1))
    assert "hpv" not in _status(done)


def test_hpv_started_at_fifteen_or_older_needs_three() -> None:
    sixteen = date(2009, 1, 1)
    history = _doses(("2025-02-01", "165"), ("2025-03-15", "165"))
    hpv = next(i for i in due_today(sixteen, history, date(2025, 8, 1)).items if i.group == "hpv")
    assert (hpv.dose_number, hpv.of) == (3, 3)


def test_menacwy_first_at_sixteen_needs_no_booster() -> None:
    sixteen = date(2009, 1, 1)
    assert "menacwy" not in _status(
        due_today(sixteen, _doses(("2025-02-01", "114")), date(2026, 2, 1))
    )
    booster = _status(due_today(ELEVEN, _doses(("2025-04-01", "114")), date(2030, 3, 15)))
    assert booster["menacwy"] == (DueStatus.DUE, 2)


# ------------------------------------------------------------------ adults


FIFTY = date(1975, 6, 1)


def test_at_fifty_zoster_and_pneumococcal_are_due() -> None:
    history = _doses(("2020-01-10", "115"), ("2025-10-01", "140"), ("2025-10-01", "08"))
    report = due_today(FIFTY, history, date(2025, 11, 3))
    found = _status(report)
    assert found["zoster"] == (DueStatus.DUE, 1)
    assert found["pneumococcal"] == (DueStatus.DUE, 1)
    assert "influenza" not in found
    assert "td" not in found


def test_a_childhood_pcv_does_not_count_for_the_adult_dose() -> None:
    history = _doses(("1975-08-01", "133"))
    assert _status(due_today(FIFTY, history, date(2025, 11, 3)))["pneumococcal"] == (
        DueStatus.DUE,
        1,
    )
    adult = _doses(("2025-07-01", "216"))
    assert "pneumococcal" not in _status(due_today(FIFTY, adult, date(2025, 11, 3)))


def test_recombinant_zoster_needs_two_doses_and_live_zoster_does_not_count() -> None:
    history = _doses(("2018-01-01", "121"), ("2025-07-01", "187"))
    zoster = next(
        i for i in due_today(FIFTY, history, date(2025, 11, 3)).items if i.group == "zoster"
    )
    assert (zoster.dose_number, zoster.status) == (2, DueStatus.DUE)
    assert zoster.overdue_on == date(2026, 1, 1)


def test_td_or_tdap_every_ten_years() -> None:
    adult = date(1990, 5, 5)
    assert "td" not in _status(due_today(adult, _doses(("2017-02-01", "115")), date(2026, 11, 23)))
    report = due_today(adult, _doses(("2015-02-01", "115")), date(2026, 11, 23))
    td = next(i for i in report.items if i.group == "td")
    assert td.due_on == date(2025, 2, 1)
    assert "last dose 2015-02-01" in td.reason
    never = next(i for i in due_today(adult, [], date(2026, 11, 23)).items if i.group == "td")
    assert "no tetanus-containing dose on record" in never.reason


def test_an_imported_registry_history_feeds_the_rules() -> None:
    imported = record_from_immunization(
        {
            "resourceType": "Immunization",
            "status": "completed",
            "vaccineCode": {"coding": [{"system": "http://hl7.org/fhir/sid/cvx", "code": "187"}]},
            "patient": {"reference": "Patient/1"},
            "occurrenceDateTime": "2025-07-01T09:00:00-05:00",
        }
    )
    assert imported.cvx is not None
    doses = [GivenDose(imported.day, imported.cvx)]
    assert _status(due_today(FIFTY, doses, date(2025, 11, 3)))["zoster"] == (DueStatus.DUE, 2)


# ------------------------------------------------------------------ the table


def test_the_table_groups_cvx_codes_and_pads_them() -> None:
    table = schedule()
    assert table.groups_of("8") == ("hepb",)
    assert set(table.groups_of("94")) == {"mmr", "varicella"}
    assert table.groups_of("999") == ()


@pytest.fixture
def edited(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Any]]:
    document: dict[str, Any] = json.loads((strict.CATALOG_DIR / CATALOG).read_text("utf-8"))
    monkeypatch.setattr(strict, "CATALOG_DIR", tmp_path)
    schedule.cache_clear()
    yield document
    schedule.cache_clear()


def _load(document: dict[str, Any]) -> None:
    (strict.CATALOG_DIR / CATALOG).write_text(json.dumps(document), "utf-8")
    schedule.cache_clear()
    schedule()


def test_a_rule_for_an_unknown_group_is_refused(edited: dict[str, Any]) -> None:
    edited["rules"][0]["group"] = "hepc"
    with pytest.raises(CatalogError, match=r"rules\[0\]\.group 'hepc' is not a group"):
        _load(edited)


def test_a_dose_without_timing_is_refused(edited: dict[str, Any]) -> None:
    edited["rules"][0]["doses"][1] = {"min_age": "4w"}
    with pytest.raises(CatalogError, match="needs due or due_after"):
        _load(edited)


def test_a_bad_duration_is_refused(edited: dict[str, Any]) -> None:
    edited["rules"][1]["doses"][0]["due"] = "2 months"
    with pytest.raises(CatalogError, match="not a duration"):
        _load(edited)


def test_unpaired_variants_are_refused(edited: dict[str, Any]) -> None:
    hpv = next(r for r in edited["rules"] if r.get("first_dose_from") == "15y")
    hpv["first_dose_from"] = "14y"
    with pytest.raises(CatalogError, match="variants must be one"):
        _load(edited)


# ------------------------------------------------------------------ properties


CVX_CODES = sorted({c for g in schedule().groups for c in g.cvx} | {"999", "500"})


@given(
    birth=st.dates(date(1930, 1, 1), date(2026, 1, 1)),
    history=st.lists(
        st.tuples(st.dates(date(1930, 1, 1), date(2026, 12, 31)), st.sampled_from(CVX_CODES)),
        max_size=25,
    ),
    on=st.dates(date(2020, 1, 1), date(2030, 12, 31)),
)
def test_any_history_gives_a_report_with_dates_that_make_sense(
    birth: date, history: list[tuple[date, str]], on: date
) -> None:
    if on < birth:
        on = birth
    report = due_today(birth, [GivenDose(day, cvx) for day, cvx in history], on)
    for item in report.items:
        assert item.due_on <= on
        if item.status is DueStatus.OVERDUE:
            assert item.overdue_on is not None
            assert item.overdue_on <= on
        if item.overdue_on is not None:
            assert item.overdue_on >= item.due_on
    assert len({(i.group, i.status, i.dose_number) for i in report.items}) == len(report.items)
