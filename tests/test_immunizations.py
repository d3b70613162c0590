"""Injections at the chair: catalog, inventory, the checks before giving, the countdown, FHIR."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest
from fhir.resources.R4B import get_fhir_model_class
from hypothesis import given
from hypothesis import strategies as st

from ma_tui.data.catalogs.vaccines import ROUTES, SITES, Dose, Product, vaccine_catalog
from ma_tui.immunizations.administration import (
    Administration,
    AdministrationStopped,
    NotGiven,
    NotGivenReason,
    Order,
    PatientFacts,
    check_administration,
    dose_from_text,
    not_given_reason,
    require_clear,
)
from ma_tui.immunizations.allergy import allergy_matches
from ma_tui.immunizations.fhir import (
    FhirReadError,
    immunization_resource,
    medication_administration_resource,
    record_from_immunization,
    record_from_medication_administration,
)
from ma_tui.immunizations.inventory import (
    Eligibility,
    FundingSource,
    InventoryLot,
    LotEmpty,
    LotExpired,
    after_dose,
    check_lot,
    funding_problem,
)
from ma_tui.immunizations.observation import observation_countdown
from ma_tui.immunizations.record import InjectionRecord, record_given, record_not_given
from ma_tui.immunizations.scan import SCREEN_SEPARATOR, parse_vial_scan

TZ = timezone(timedelta(hours=-5))
NOW = datetime(2026, 11, 23, 10, 0, tzinfo=TZ)
TODAY = NOW.date()
ADULT = PatientFacts(date(1980, 4, 12))
PATIENT = {"reference": "urn:uuid:00000000-0000-4000-8000-000000000001"}
MIA = {"reference": "urn:uuid:00000000-0000-4000-8000-000000000002"}
DR_ORTIZ = {"reference": "urn:uuid:00000000-0000-4000-8000-000000000003"}


def _product(key: str) -> Product:
    return vaccine_catalog().product(key)


def _lot(product: Product, **changes: Any) -> InventoryLot:
    ndc = product.ndcs[0].ndc11 if product.ndcs else None
    lot = InventoryLot(product.key, ndc, "AX5521", date(2027, 6, 30), 10, FundingSource.PRIVATE)
    return replace(lot, **changes)


def _giving(product: Product, **changes: Any) -> Administration:
    given = Administration(
        product=product,
        lot=_lot(product),
        dose=product.dose,
        route=product.routes[0],
        site=product.default_site,
        given_at=NOW,
        identifiers_confirmed=True,
        vis_presented=TODAY if product.vis else None,
        vis_edition=product.vis.edition if product.vis else None,
    )
    return replace(given, **changes)


def _messages(given: Administration, order: Order, patient: PatientFacts = ADULT) -> list[str]:
    return [
        f"{p.severity}: {p.message}"
        for p in check_administration(given, order, patient, NOW).problems
    ]


# ------------------------------------------------------------------ catalog


def test_the_catalog_has_the_demo_products_with_confirmed_codes() -> None:
    catalog = vaccine_catalog()
    cvx = {p.key: p.cvx.code for p in catalog.products if p.cvx and p.cvx.exportable}
    assert cvx == {
        "flu_afluria": "140",
        "tdap_boostrix": "115",
        "hepb_engerix_adult": "43",
        "hepb_engerix_peds": "08",
        "hepa_havrix_adult": "52",
        "mmr_mmrii": "03",
        "hpv_gardasil9": "165",
        "pcv20_prevnar20": "216",
    }
    # Said plainly: the 2025-26 COVID-19 CVX and Seqirus' MVX could not be confirmed.
    covid = catalog.product("covid_comirnaty")
    assert covid.cvx is not None
    assert covid.cvx.code is None
    assert not covid.cvx.exportable
    assert not catalog.product("flu_afluria").manufacturer.confirmation.confirmed  # type: ignore[union-attr]
    medication = catalog.product("ceftriaxone_1g")
    assert (medication.kind, medication.cvx, medication.group) == ("medication", None, None)


def test_every_product_default_site_suits_its_route() -> None:
    for product in vaccine_catalog().products:
        assert set(product.routes) <= set(ROUTES)
        assert SITES[product.default_site][1] & set(product.routes), product.key


def test_an_ndc11_names_the_ndc10s_it_may_have_been() -> None:
    flu = _product("flu_afluria").ndcs[0]
    assert flu.ndc10_candidates == {"3333202404", "3333200244"}
    mmr = _product("mmr_mmrii").ndcs[0]
    assert mmr.ndc10_candidates == {"0006468100", "0000646810"}


# ------------------------------------------------------------------ inventory


def test_an_expired_lot_is_a_hard_stop() -> None:
    flu = _product("flu_afluria")
    expired = _lot(flu, expires=date(2026, 11, 22))
    with pytest.raises(LotExpired, match="is expired: do not give"):
        check_lot(expired, TODAY)
    given = _giving(flu, lot=expired)
    check = check_administration(given, Order(group="influenza"), ADULT, NOW)
    assert check.blocked
    assert "is expired" in check.stops[0].message
    with pytest.raises(AdministrationStopped, match="expired"):
        require_clear(check)


def test_a_lot_is_usable_on_its_expiry_day_and_counts_down() -> None:
    lot = _lot(_product("flu_afluria"), expires=TODAY, doses_on_hand=1)
    check_lot(lot, TODAY)
    empty = after_dose(lot)
    assert empty.doses_on_hand == 0
    with pytest.raises(LotEmpty):
        check_lot(empty, TODAY)
    with pytest.raises(LotEmpty):
        after_dose(empty)


@pytest.mark.parametrize(
    ("funding", "eligibility", "age", "ok"),
    [
        (FundingSource.VFC, Eligibility.V02, 5, True),
        (FundingSource.VFC, Eligibility.V03, 18, True),
        (FundingSource.VFC, Eligibility.V01, 5, False),
        (FundingSource.PRIVATE, Eligibility.V04, 5, False),
        (FundingSource.PRIVATE, Eligibility.V01, 5, True),
        (FundingSource.VFC, None, 5, False),
        (FundingSource.PRIVATE, None, 5, False),
        (FundingSource.VFC, Eligibility.V02, 19, False),
        (FundingSource.PRIVATE, None, 45, True),
        (FundingSource.PRIVATE, Eligibility.V02, 45, False),
        (FundingSource.OTHER, Eligibility.V07, 45, True),
        (FundingSource.OTHER, Eligibility.V01, 45, False),
    ],
)
def test_funding_eligibility_must_match_the_lots_source(
    funding: FundingSource, eligibility: Eligibility | None, age: int, ok: bool
) -> None:
    lot = _lot(_product("mmr_mmrii"), funding=funding)
    assert (funding_problem(lot, eligibility, age) is None) is ok


# ------------------------------------------------------------------ allergies


def test_an_allergy_match_stops_the_dose() -> None:
    mmr = _product("mmr_mmrii")
    patient = PatientFacts(date(2024, 1, 10), ("Gelatin",), Eligibility.V02)
    lot = _lot(mmr, funding=FundingSource.VFC)
    given = _giving(mmr, lot=lot)
    check = check_administration(given, Order(group="mmr"), patient, NOW)
    assert [p.severity for p in check.problems] == ["stop"]
    assert "allergy to Gelatin: gelatin (hydrolyzed porcine)" in check.stops[0].message


@pytest.mark.parametrize(
    ("key", "allergy", "severity"),
    [
        ("hepb_engerix_adult", "yeast", "stop"),
        ("hpv_gardasil9", "Baker's Yeast", "stop"),
        ("mmr_mmrii", "Neosporin", "stop"),  # an alias of neomycin in the allergen catalog
        ("flu_afluria", "eggs", "info"),
        ("flu_afluria", "flu shot", "stop"),  # the vaccine itself
        ("ceftriaxone_1g", "PCN", "warn"),
        ("ceftriaxone_1g", "Rocephin", "stop"),
        ("ceftriaxone_1g", "cephalosporin", "stop"),
        ("ceftriaxone_1g", "lidocaine", "stop"),
        ("covid_comirnaty", "PEG", "stop"),
        ("b12_cyanocobalamin", "cobalt", "stop"),
    ],
)
def test_allergies_match_by_name_or_alias(key: str, allergy: str, severity: str) -> None:
    (match,) = allergy_matches(_product(key), [allergy])
    assert match.severity == severity


def test_an_unrelated_allergy_does_not_match() -> None:
    assert allergy_matches(_product("tdap_boostrix"), ["peanut", "sulfa", ""]) == ()


# ------------------------------------------------------------------ the checks


def test_a_flu_shot_from_a_scanned_barcode_passes_every_check() -> None:
    scan = parse_vial_scan(f"]d201003333320240491727063010AX5521{SCREEN_SEPARATOR}21SN1")
    found = vaccine_catalog().by_ndc10(scan.ndc10)
    assert found is not None
    product, ndc = found
    assert scan.lot is not None
    assert scan.expires is not None
    lot = InventoryLot(product.key, ndc.ndc11, scan.lot, scan.expires, 10, FundingSource.PRIVATE)
    given = _giving(product, lot=lot)
    check = check_administration(given, Order(group="influenza", ordered_by="Dr Ortiz"), ADULT, NOW)
    assert not check.problems
    require_clear(check)
    record = record_given(given, None)
    assert (record.cvx, record.ndc, record.lot, record.expires) == (
        "140",
        "33332-0024-04",
        "AX5521",
        date(2027, 6, 30),
    )


def test_hep_a_for_a_hep_b_order_is_stopped() -> None:
    given = _giving(_product("hepa_havrix_adult"))
    assert _messages(given, Order(group="hepb")) == [
        "stop: ordered hepb; this is Havrix adult (hepatitis A, 1 mL): not the ordered vaccine"
    ]


def test_another_brand_of_the_ordered_vaccine_is_a_warning() -> None:
    given = _giving(_product("hepb_engerix_adult"))
    messages = _messages(given, Order(group="hepb", product_key="hepb_recombivax"))
    assert messages == [
        "warn: ordered product hepb_recombivax; this is Engerix-B adult (hepatitis B, 1 mL)"
    ]


def test_no_order_no_dose() -> None:
    assert _messages(_giving(_product("flu_afluria")), Order()) == [
        "stop: no order for this dose: the provider orders it first"
    ]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (
            {"dose": Dose(Decimal("1.0"), "mL")},
            "stop: Afluria (influenza, trivalent, 0.5 mL prefilled syringe) is 0.5 mL, not 1 mL",
        ),
        ({"dose": Dose(Decimal("0.5"), "mg")}, "is dosed in mL, not mg"),
        ({"route": "SC"}, "is given IM, not SC"),
        ({"site": "LUA"}, "stop: left upper arm is not a site for IM"),
        ({"site": "XX"}, "XX: not a site"),
        ({"route": "PO"}, "PO: not a route"),
        ({"identifiers_confirmed": False}, "confirm two identifiers"),
        ({"given_at": NOW + timedelta(minutes=5)}, "cannot be recorded as given in the future"),
        ({"vis_presented": None}, "give the VIS (Influenza (Inactivated or Recombinant)"),
        ({"vis_presented": TODAY + timedelta(days=1)}, "the VIS is given before the dose"),
        (
            {"vis_edition": date(2019, 8, 15)},
            "warn: VIS edition 2019-08-15 is not the current 2021-08-06",
        ),
    ],
)
def test_dose_route_site_identifiers_and_vis_are_checked(
    changes: dict[str, Any], message: str
) -> None:
    given = _giving(_product("flu_afluria"), **changes)
    assert any(message in m for m in _messages(given, Order(group="influenza"))), _messages(
        given, Order(group="influenza")
    )


def test_a_product_is_refused_outside_its_licensed_ages() -> None:
    peds = _product("hepb_engerix_peds")
    adult_patient = PatientFacts(date(1990, 1, 1))
    assert (
        "is for ages under 20 years"
        in _messages(_giving(peds), Order(group="hepb"), adult_patient)[0]
    )
    child = PatientFacts(date(2023, 6, 1), eligibility=Eligibility.V01)
    assert (
        "is for ages 20 years and up"
        in _messages(_giving(_product("hepb_engerix_adult")), Order(group="hepb"), child)[0]
    )


def test_a_medication_needs_an_ordered_dose_and_no_more_than_the_vial() -> None:
    ceftriaxone = _product("ceftriaxone_1g")
    half = Dose(Decimal("500"), "mg")
    given = _giving(ceftriaxone, dose=half)
    assert _messages(given, Order(product_key=ceftriaxone.key, dose=half)) == []
    assert _messages(given, Order(product_key=ceftriaxone.key)) == [
        "stop: the order has no dose: ask the provider"
    ]
    double = Dose(Decimal("2000"), "mg")
    assert (
        "2000 mg is more than the vial (1000 mg)"
        in _messages(
            _giving(ceftriaxone, dose=double), Order(product_key=ceftriaxone.key, dose=double)
        )[0]
    )
    assert _messages(given, Order(product_key=ceftriaxone.key, dose=Dose(Decimal(250), "mg"))) == [
        "stop: ordered 250 mg, not 500 mg"
    ]


def test_a_lot_of_another_product_is_stopped() -> None:
    given = _giving(_product("tdap_boostrix"), lot=_lot(_product("flu_afluria")))
    assert any("is not Boostrix" in m for m in _messages(given, Order(group="tdap")))


# ------------------------------------------------------------------ not given


@pytest.mark.parametrize(
    ("typed", "reason"),
    [
        ("ref", NotGivenReason.PATIENT_OBJECTION),
        ("declined", NotGivenReason.PATIENT_OBJECTION),
        ("immune", NotGivenReason.IMMUNE),
        ("sick", NotGivenReason.MEDICAL_PRECAUTION),
        ("stock", NotGivenReason.OUT_OF_STOCK),
    ],
)
def test_a_reason_not_given_is_read_by_the_start_of_a_word(
    typed: str, reason: NotGivenReason
) -> None:
    assert not_given_reason(typed) == (reason, "")


def test_an_ambiguous_or_unknown_reason_is_refused() -> None:
    assert not_given_reason("p") == (None, "which reason: medical precaution or patient objection?")
    assert not_given_reason("")[0] is None
    assert not_given_reason("zzz")[1].startswith("not a reason")


@given(st.text(max_size=40))
def test_any_reason_text_gives_a_reason_or_says_why_not(text: str) -> None:
    reason, why = not_given_reason(text)
    assert (reason is None) == bool(why)


@given(st.text(max_size=20))
def test_any_dose_text_gives_a_dose_or_none(text: str) -> None:
    dose = dose_from_text(text, "mL")
    assert dose is None or (0 < dose.value <= 10000 and dose.unit == "mL")


# ------------------------------------------------------------------ countdown


def test_the_observation_countdown() -> None:
    start = NOW
    running = observation_countdown(start, 15, start + timedelta(minutes=2, seconds=55))
    assert (running.done, running.text) == (False, "obs 12:05 left")
    assert running.ends_at == start + timedelta(minutes=15)
    ended = observation_countdown(start, 15, start + timedelta(minutes=18, seconds=30))
    assert (ended.done, ended.text, ended.over_by) == (
        True,
        "obs done 3 min ago",
        timedelta(minutes=3, seconds=30),
    )
    assert observation_countdown(start, 15, start + timedelta(minutes=15)).text == "obs done"
    early = observation_countdown(start, 30, start - timedelta(minutes=1))
    assert early.remaining == timedelta(minutes=30)


@pytest.mark.parametrize("minutes", [0, 121])
def test_the_observation_minutes_are_a_clinic_setting_within_reason(minutes: int) -> None:
    with pytest.raises(ValueError, match="1-120"):
        observation_countdown(NOW, minutes, NOW)


@given(st.integers(1, 120), st.integers(-3600, 3 * 3600))
def test_the_countdown_adds_up(minutes: int, seconds: int) -> None:
    countdown = observation_countdown(NOW, minutes, NOW + timedelta(seconds=seconds))
    assert countdown.remaining >= timedelta(0)
    assert countdown.over_by >= timedelta(0)
    assert not (countdown.remaining and countdown.over_by)
    if seconds >= 0:
        assert countdown.remaining - countdown.over_by == timedelta(
            minutes=minutes, seconds=-seconds
        )


# ------------------------------------------------------------------ FHIR


def _validate(resource: dict[str, Any]) -> None:
    get_fhir_model_class(resource["resourceType"]).model_validate(resource)


def test_a_given_vaccine_becomes_an_immunization_and_reads_back() -> None:
    child = PatientFacts(date(2016, 5, 2), eligibility=Eligibility.V02)
    hpv = _product("hpv_gardasil9")
    given = _giving(hpv, lot=_lot(hpv, funding=FundingSource.VFC))
    assert not check_administration(given, Order(group="hpv"), child, NOW).problems
    record = record_given(given, child.eligibility)
    resource = immunization_resource(
        record,
        resource_id="i-1",
        patient=PATIENT,
        administered_by=MIA,
        ordered_by=DR_ORTIZ,
        recorded=NOW,
    )
    _validate(resource)
    assert resource["vaccineCode"]["coding"] == [
        {"system": "http://hl7.org/fhir/sid/cvx", "code": "165", "display": "HPV9"},
        {"system": "http://hl7.org/fhir/sid/ndc", "code": "00006-4121-02"},
    ]
    assert resource["manufacturer"]["identifier"] == {
        "system": "http://hl7.org/fhir/sid/mvx",
        "value": "MSD",
    }
    assert [p["function"]["coding"][0]["code"] for p in resource["performer"]] == ["AP", "OP"]
    assert resource["education"] == [
        {
            "documentType": "HPV (Human Papillomavirus) Vaccine: What You Need to Know",
            "publicationDate": "2021-08-06",
            "presentationDate": "2026-11-23",
        }
    ]
    assert resource["programEligibility"][0]["coding"][0]["code"] == "V02"
    assert resource["fundingSource"]["coding"][0]["code"] == "public"
    assert resource["site"]["coding"][0] == {
        "system": "http://terminology.hl7.org/CodeSystem/v3-ActSite",
        "code": "LD",
        "display": "left deltoid",
    }
    assert resource["route"]["coding"][0]["code"] == "IM"
    assert resource["doseQuantity"] == {
        "value": 0.5,
        "unit": "mL",
        "system": "http://unitsofmeasure.org",
        "code": "mL",
    }
    assert record_from_immunization(resource) == record


def test_a_refused_dose_is_a_not_done_immunization() -> None:
    refused = NotGiven(
        _product("flu_afluria"), NotGivenReason.PATIENT_OBJECTION, NOW, "prefers next visit"
    )
    record = record_not_given(refused)
    resource = immunization_resource(record, resource_id="i-2", patient=PATIENT)
    _validate(resource)
    assert resource["status"] == "not-done"
    assert resource["statusReason"]["coding"][0]["code"] == "PATOBJ"
    assert "lotNumber" not in resource
    assert record_from_immunization(resource) == record


def test_an_injection_becomes_a_medication_administration_with_a_contained_batch() -> None:
    b12 = _product("b12_cyanocobalamin")
    dose = Dose(Decimal("1000"), "ug")
    given = _giving(b12, dose=dose)
    assert not check_administration(
        given, Order(product_key=b12.key, dose=dose), ADULT, NOW
    ).problems
    record = record_given(given, None)
    resource = medication_administration_resource(
        record, resource_id="m-1", patient=PATIENT, administered_by=MIA
    )
    _validate(resource)
    (medication,) = resource["contained"]
    assert medication["batch"] == {"lotNumber": "AX5521", "expirationDate": "2027-06-30"}
    assert resource["medicationReference"]["reference"] == "#med"
    assert resource["dosage"]["dose"]["code"] == "ug"
    assert record_from_medication_administration(resource) == record
    with pytest.raises(ValueError, match="MedicationAdministration"):
        immunization_resource(record, resource_id="x", patient=PATIENT)


def test_an_immunization_from_a_registry_is_read_without_guessing() -> None:
    imported = {
        "resourceType": "Immunization",
        "id": "reg-1",
        "status": "completed",
        "vaccineCode": {
            "coding": [
                {"system": "http://hl7.org/fhir/sid/cvx", "code": "115", "display": "Tdap"},
                {"system": "http://hl7.org/fhir/sid/ndc", "code": "58160-842-11"},
            ]
        },
        "patient": {"reference": "Patient/1"},
        "occurrenceDateTime": "2016-12-01",
        "primarySource": False,
        "lotNumber": "T7X",
    }
    _validate(imported)
    record = record_from_immunization(imported)
    assert (record.cvx, record.ndc, record.day, record.primary_source, record.name) == (
        "115",
        "58160-0842-11",
        date(2016, 12, 1),
        False,
        "Tdap",
    )
    bare = {
        **imported,
        "vaccineCode": {
            "coding": [{"system": "http://hl7.org/fhir/sid/ndc", "code": "5816084211"}]
        },
    }
    assert (
        record_from_immunization(bare).ndc == "5816084211"
    )  # ten digits: segmentation unknown, kept


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"occurrenceDateTime": "2016-12"}, "not a full date"),
        ({"status": "entered-in-error"}, "only completed and not-done"),
        (
            {
                "route": {
                    "coding": [
                        {
                            "system": "http://terminology.hl7.org/CodeSystem/v3-RouteOfAdministration",
                            "code": "PO",
                        }
                    ]
                }
            },
            "route 'PO'",
        ),
        ({"occurrenceDateTime": None}, "not valid FHIR R4: .*occurrence"),
        (
            {"occurrenceDateTime": None, "occurrenceString": "last fall"},
            "is text \\('last fall'\\)",
        ),
        ({"patient": None}, "not valid FHIR R4: patient: Field required"),
    ],
)
def test_an_unreadable_immunization_is_refused_with_the_field(
    changes: dict[str, Any], reason: str
) -> None:
    resource = {
        "resourceType": "Immunization",
        "status": "completed",
        "vaccineCode": {"text": "flu"},
        "patient": {"reference": "Patient/1"},
        "occurrenceDateTime": "2020-10-01",
        **changes,
    }
    resource = {key: value for key, value in resource.items() if value is not None}
    with pytest.raises(FhirReadError, match=reason):
        record_from_immunization(resource)


_DAYS = st.dates(date(2000, 1, 1), date(2030, 12, 31))
# Hypothesis takes naive bounds and adds the zone from ``timezones``.
_MOMENTS = st.datetimes(datetime(2000, 1, 1), datetime(2030, 12, 31), timezones=st.just(TZ))  # noqa: DTZ001


@st.composite
def vaccine_records(draw: st.DrawFn) -> InjectionRecord:
    product = draw(st.sampled_from([p for p in vaccine_catalog().products if p.is_vaccine]))
    not_done = draw(st.booleans())
    given = Administration(
        product=product,
        lot=InventoryLot(
            product.key,
            draw(st.sampled_from([None, *(n.ndc11 for n in product.ndcs)])),
            draw(st.text("ABCDEFGHJK0123456789", min_size=1, max_size=12)),
            draw(_DAYS),
            5,
            draw(st.sampled_from(FundingSource)),
        ),
        dose=product.dose,
        route=draw(st.sampled_from(product.routes)),
        site=draw(st.sampled_from(sorted(SITES))),
        given_at=draw(_MOMENTS),
        identifiers_confirmed=True,
        vis_presented=draw(st.none() | _DAYS),
    )
    eligibility = draw(st.none() | st.sampled_from(Eligibility))
    if not_done:
        reason = draw(st.sampled_from(NotGivenReason))
        return record_not_given(NotGiven(product, reason, given.given_at))
    record = record_given(given, eligibility)
    if record.funding is FundingSource.OTHER and eligibility in (
        Eligibility.V02,
        Eligibility.V03,
        Eligibility.V04,
        Eligibility.V05,
    ):
        record = replace(
            record, funding=FundingSource.VFC
        )  # public stock for a VFC child reads as VFC
    if record.funding is FundingSource.VFC and eligibility not in (
        Eligibility.V02,
        Eligibility.V03,
        Eligibility.V04,
        Eligibility.V05,
    ):
        record = replace(record, funding=FundingSource.OTHER)
    return record


@given(vaccine_records())
def test_any_vaccine_record_is_valid_fhir_and_reads_back(record: InjectionRecord) -> None:
    resource = immunization_resource(
        record, resource_id="i-9", patient=PATIENT, administered_by=MIA
    )
    _validate(resource)
    assert record_from_immunization(resource) == record


@given(
    product=st.sampled_from(vaccine_catalog().products),
    route=st.sampled_from([*ROUTES, "PO"]),
    site=st.sampled_from([*SITES, "XX"]),
    value=st.decimals(min_value=Decimal("0.01"), max_value=Decimal(5000), places=2),
    unit=st.sampled_from(["mL", "mg", "ug"]),
    birth=st.dates(date(1920, 1, 1), date(2026, 11, 23)),
    expires=st.dates(date(2025, 1, 1), date(2028, 1, 1)),
    eligibility=st.none() | st.sampled_from(Eligibility),
    funding=st.sampled_from(FundingSource),
    allergies=st.lists(
        st.sampled_from(["egg", "gelatin", "PCN", "latex", "yeast", "peanut", ""]), max_size=3
    ),
    group=st.none() | st.sampled_from(["influenza", "hepb", "hepa", "mmr"]),
)
def test_the_checks_never_raise_and_stop_whatever_is_wrong(
    product: Product,
    route: str,
    site: str,
    value: Decimal,
    unit: str,
    birth: date,
    expires: date,
    eligibility: Eligibility | None,
    funding: FundingSource,
    allergies: list[str],
    group: str | None,
) -> None:
    given = _giving(
        product,
        route=route,
        site=site,
        dose=Dose(value, unit),
        lot=_lot(product, expires=expires, funding=funding),
    )
    patient = PatientFacts(birth, tuple(allergies), eligibility)
    check = check_administration(given, Order(group=group, product_key=product.key), patient, NOW)
    if expires < TODAY or route not in product.routes or site not in SITES:
        assert check.blocked
    if group is not None and group != product.group:
        assert check.blocked


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=12),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3)
    ),
    max_leaves=12,
)


@given(
    st.dictionaries(
        st.sampled_from(
            [
                "status",
                "vaccineCode",
                "occurrenceDateTime",
                "route",
                "site",
                "doseQuantity",
                "statusReason",
                "programEligibility",
                "fundingSource",
                "education",
                "expirationDate",
                "manufacturer",
            ]
        ),
        _JSON,
        max_size=8,
    )
)
def test_any_immunization_shape_is_read_or_refused(fields: dict[str, Any]) -> None:
    resource = {
        "resourceType": "Immunization",
        "status": "completed",
        "occurrenceDateTime": "2020-01-01",
        **fields,
    }
    try:
        record_from_immunization(resource)
    except FhirReadError as refusal:
        assert str(refusal)
