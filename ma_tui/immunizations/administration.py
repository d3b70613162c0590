"""The checks at the moment of giving an injection, and doses refused or deferred.

:func:`check_administration` looks at everything the MA is about to record and
returns every problem at once, each ``stop`` (not given without the provider),
``warn`` (the provider decides) or ``info`` (said, nothing asked):

- the two identifiers confirmed again at the chair;
- the lot: the product the vial is, not expired, doses on hand;
- the order: the product or vaccine group the provider ordered (HepA for HepB
  stops), the dose and route ordered;
- dose, route and site: the product's dose for a vaccine, never more than the vial
  for a medication; a route the product is given by; a site that suits the route;
- the product licensed for the patient's age;
- the allergy list against the product and its components;
- the patient's funding eligibility against the lot's source (vaccines);
- the VIS given before the dose, of the current edition (vaccines);
- no dose recorded in the future.

:func:`require_clear` turns the stops into one :class:`AdministrationStopped`.
A dose not given is a :class:`NotGiven` with an HL7 v3 ActReason code, the codes
FHIR R4's Immunization.statusReason example value set draws from.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from ma_tui.core.errors import NotAllowed
from ma_tui.data.catalogs.vaccines import ROUTES, SITES, Dose, Product, Severity
from ma_tui.immunizations.allergy import allergy_matches
from ma_tui.immunizations.durations import add_duration, describe
from ma_tui.immunizations.inventory import Eligibility, InventoryLot, funding_problem, lot_problem


@dataclass(frozen=True, slots=True)
class Order:
    """What the provider (or a standing order) asked for."""

    group: str | None = None  # a vaccine group: "hepb", "influenza"
    product_key: str | None = None  # a specific product, required for a medication
    dose: Dose | None = None
    route: str | None = None  # a key of ROUTES
    ordered_by: str | None = None


@dataclass(frozen=True, slots=True)
class PatientFacts:
    birth_date: date
    allergies: tuple[str, ...] = ()
    eligibility: Eligibility | None = None


@dataclass(frozen=True, slots=True)
class Administration:
    """What the MA is about to record as given."""

    product: Product
    lot: InventoryLot
    dose: Dose
    route: str
    site: str
    given_at: datetime  # aware
    identifiers_confirmed: bool
    vis_presented: date | None = None  # vaccines: the day the VIS was handed out
    vis_edition: date | None = None  # the edition handed out


@dataclass(frozen=True, slots=True)
class Problem:
    severity: Severity
    message: str


@dataclass(frozen=True, slots=True)
class AdministrationCheck:
    problems: tuple[Problem, ...]

    @property
    def stops(self) -> tuple[Problem, ...]:
        return tuple(p for p in self.problems if p.severity == "stop")

    @property
    def warnings(self) -> tuple[Problem, ...]:
        return tuple(p for p in self.problems if p.severity == "warn")

    @property
    def blocked(self) -> bool:
        return bool(self.stops)


class AdministrationStopped(NotAllowed):
    """A hard stop: the dose is not given without the provider; the message lists why."""


def check_administration(
    given: Administration, order: Order, patient: PatientFacts, now: datetime
) -> AdministrationCheck:
    """Every problem with giving this dose now (see the module doc)."""
    problems: list[Problem] = []
    day = given.given_at.date()
    if not given.identifiers_confirmed:
        problems.append(Problem("stop", "confirm two identifiers (name and date of birth) again"))
    if given.given_at > now:
        problems.append(Problem("stop", "a dose cannot be recorded as given in the future"))
    problems += _lot(given, day)
    problems += _order(given, order)
    problems += _dose(given, order)
    problems += _route_and_site(given, order)
    problems += _age(given.product, patient.birth_date, day)
    problems += [
        Problem(m.severity, m.message) for m in allergy_matches(given.product, patient.allergies)
    ]
    if given.product.is_vaccine:
        age_years = _age_years(patient.birth_date, day)
        funding = funding_problem(given.lot, patient.eligibility, age_years)
        if funding:
            problems.append(Problem("stop", funding))
        problems += _vis(given)
    return AdministrationCheck(tuple(problems))


def require_clear(check: AdministrationCheck) -> None:
    """Raise :class:`AdministrationStopped` naming every stop; return when there is none."""
    if check.blocked:
        raise AdministrationStopped("; ".join(p.message for p in check.stops))


def _age_years(birth: date, on: date) -> int:
    years = on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))
    return max(years, 0)


def _lot(given: Administration, day: date) -> list[Problem]:
    problems = []
    if given.lot.product_key != given.product.key:
        problems.append(Problem("stop", f"{given.lot.label()} is not {given.product.name}"))
    problem = lot_problem(given.lot, day)
    if problem:
        problems.append(Problem("stop", problem))
    return problems


def _order(given: Administration, order: Order) -> list[Problem]:
    product = given.product
    if order.group is None and order.product_key is None:
        return [Problem("stop", "no order for this dose: the provider orders it first")]
    if order.group is not None and product.group != order.group:
        return [
            Problem(
                "stop", f"ordered {order.group}; this is {product.name}: not the ordered vaccine"
            )
        ]
    if order.product_key is not None and order.product_key != product.key:
        severity: Severity = "warn" if order.group is not None and product.is_vaccine else "stop"
        return [Problem(severity, f"ordered product {order.product_key}; this is {product.name}")]
    return []


def _dose(given: Administration, order: Order) -> list[Problem]:
    product, dose = given.product, given.dose
    if dose.value <= 0:
        return [Problem("stop", "the dose must be above zero")]
    if dose.unit != product.dose.unit:
        return [Problem("stop", f"{product.name} is dosed in {product.dose.unit}, not {dose.unit}")]
    problems = []
    if product.is_vaccine and dose.value != product.dose.value:
        problems.append(
            Problem("stop", f"{product.name} is {_amount(product.dose)}, not {_amount(dose)}")
        )
    if not product.is_vaccine and dose.value > product.dose.value:
        problems.append(
            Problem("stop", f"{_amount(dose)} is more than the vial ({_amount(product.dose)})")
        )
    if order.dose is not None and (order.dose.unit, order.dose.value) != (dose.unit, dose.value):
        problems.append(Problem("stop", f"ordered {_amount(order.dose)}, not {_amount(dose)}"))
    if not product.is_vaccine and order.dose is None:
        problems.append(Problem("stop", "the order has no dose: ask the provider"))
    return problems


def _amount(dose: Dose) -> str:
    value = dose.value.normalize() if dose.value == dose.value.to_integral() else dose.value
    return f"{value:f} {dose.unit}"


def _route_and_site(given: Administration, order: Order) -> list[Problem]:
    problems = []
    if given.route not in ROUTES:
        return [Problem("stop", f"{given.route}: not a route; one of {', '.join(ROUTES)}")]
    if given.route not in given.product.routes:
        routes = " or ".join(given.product.routes)
        problems.append(
            Problem("stop", f"{given.product.name} is given {routes}, not {given.route}")
        )
    if order.route is not None and order.route != given.route:
        problems.append(Problem("stop", f"ordered {order.route}, not {given.route}"))
    site = SITES.get(given.site)
    if site is None:
        problems.append(Problem("stop", f"{given.site}: not a site; one of {', '.join(SITES)}"))
    elif given.route not in site[1]:
        problems.append(Problem("stop", f"{site[0]} is not a site for {given.route}"))
    return problems


def _age(product: Product, birth: date, day: date) -> list[Problem]:
    ages = product.ages
    if ages.start is not None and day < add_duration(birth, ages.start):
        return [Problem("stop", f"{product.name} is for ages {describe(ages.start)} and up")]
    if ages.until is not None and day >= add_duration(birth, ages.until):
        return [Problem("stop", f"{product.name} is for ages under {describe(ages.until)}")]
    return []


def _vis(given: Administration) -> list[Problem]:
    vis = given.product.vis
    if vis is None:
        return []
    if given.vis_presented is None:
        return [
            Problem("stop", f"give the VIS ({vis.name}, edition {vis.edition.isoformat()}) first")
        ]
    problems = []
    if given.vis_presented > given.given_at.date():
        problems.append(Problem("stop", "the VIS is given before the dose, not after"))
    if given.vis_edition is not None and given.vis_edition != vis.edition:
        problems.append(
            Problem(
                "warn",
                f"VIS edition {given.vis_edition.isoformat()} is not the current "
                f"{vis.edition.isoformat()}",
            )
        )
    return problems


class NotGivenReason(StrEnum):
    """HL7 v3 ActReason codes of FHIR R4's immunization-status-reason value set."""

    IMMUNE = "IMMUNE"
    MEDICAL_PRECAUTION = "MEDPREC"
    OUT_OF_STOCK = "OSTOCK"
    PATIENT_OBJECTION = "PATOBJ"


NOT_GIVEN_DISPLAY = {
    NotGivenReason.IMMUNE: "immunity",
    NotGivenReason.MEDICAL_PRECAUTION: "medical precaution",
    NotGivenReason.OUT_OF_STOCK: "product out of stock",
    NotGivenReason.PATIENT_OBJECTION: "patient objection",
}
# What the MA may type for each reason, by the start of a word.
NOT_GIVEN_WORDS = {
    NotGivenReason.IMMUNE: ("immune", "immunity"),
    NotGivenReason.MEDICAL_PRECAUTION: ("medical", "precaution", "deferred", "sick"),
    NotGivenReason.OUT_OF_STOCK: ("stock", "out"),
    NotGivenReason.PATIENT_OBJECTION: ("refused", "declined", "objection", "patient"),
}


@dataclass(frozen=True, slots=True)
class NotGiven:
    """A dose refused or deferred, with its reason: recorded like a given one."""

    product: Product
    reason: NotGivenReason
    recorded_at: datetime
    note: str = ""

    @property
    def refused(self) -> bool:
        return self.reason is NotGivenReason.PATIENT_OBJECTION


def not_given_reason(typed: str) -> tuple[NotGivenReason | None, str]:
    """The reason the start of one of its words names, or None and why not (never guesses)."""
    word = typed.strip().lower()
    if not word:
        return None, "give the reason: " + ", ".join(w[0] for w in NOT_GIVEN_WORDS.values())
    found = [r for r, words in NOT_GIVEN_WORDS.items() if any(w.startswith(word) for w in words)]
    if len(found) == 1:
        return found[0], ""
    if not found:
        return None, "not a reason; one of " + ", ".join(NOT_GIVEN_DISPLAY.values())
    return None, "which reason: " + " or ".join(NOT_GIVEN_DISPLAY[r] for r in found) + "?"


def dose_from_text(text: str, unit: str) -> Dose | None:
    """A dose typed as a number in the product's unit (``0.5``); None if it is not one."""
    try:
        value = Decimal(text.strip())
    except ArithmeticError:
        return None
    if not value.is_finite() or value <= 0 or value > 10000:
        return None
    return Dose(value, unit)


def problems_text(problems: Sequence[Problem]) -> str:
    return "\n".join(f"{p.severity.upper()}: {p.message}" for p in problems)
