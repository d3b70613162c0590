"""An injection as the chart keeps it, whichever way it came: given here, or imported.

:class:`InjectionRecord` holds what FHIR ``Immunization`` and
``MedicationAdministration`` carry, in ma-tui's own terms, so one record can be
built from a dose given at the chair (:func:`record_given`), a dose refused or
deferred (:func:`record_not_given`), or a resource from the EHR or a registry
(``ma_tui.immunizations.fhir``), and the due-today rules read them all alike.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal

from ma_tui.data.catalogs.vaccines import Dose
from ma_tui.immunizations.administration import Administration, NotGiven, NotGivenReason
from ma_tui.immunizations.inventory import Eligibility, FundingSource

Status = Literal["completed", "not-done"]


@dataclass(frozen=True, slots=True)
class InjectionRecord:
    is_vaccine: bool
    status: Status
    occurred: datetime | date  # a full date at least; a time when known
    name: str  # the product or vaccine as text
    cvx: str | None = None
    cvx_display: str | None = None
    ndc: str | None = None  # 5-4-2 with hyphens when known; as sent otherwise
    mvx: str | None = None
    manufacturer: str | None = None
    lot: str | None = None
    expires: date | None = None
    dose: Dose | None = None
    route: str | None = None  # a key of ROUTES
    site: str | None = None  # a key of SITES
    not_given_reason: NotGivenReason | None = None
    vis_name: str | None = None
    vis_edition: date | None = None
    vis_presented: date | None = None
    eligibility: Eligibility | None = None
    funding: FundingSource | None = None
    primary_source: bool = True  # given here (or by the reporting provider), not hearsay
    note: str | None = None

    @property
    def day(self) -> date:
        return self.occurred.date() if isinstance(self.occurred, datetime) else self.occurred

    @property
    def given(self) -> bool:
        return self.status == "completed"


def record_given(given: Administration, eligibility: Eligibility | None) -> InjectionRecord:
    """The record of a dose that passed :func:`check_administration` and was given."""
    product, lot = given.product, given.lot
    cvx = product.cvx if product.cvx is not None and product.cvx.exportable else None
    manufacturer = product.manufacturer
    return InjectionRecord(
        is_vaccine=product.is_vaccine,
        status="completed",
        occurred=given.given_at,
        name=product.name,
        cvx=cvx.code if cvx else None,
        cvx_display=cvx.display if cvx else None,
        ndc=lot.ndc11,
        mvx=manufacturer.mvx if manufacturer and manufacturer.confirmation.confirmed else None,
        manufacturer=manufacturer.name if manufacturer else None,
        lot=lot.lot,
        expires=lot.expires,
        dose=given.dose,
        route=given.route,
        site=given.site,
        vis_name=product.vis.name if product.vis else None,
        vis_edition=given.vis_edition or (product.vis.edition if product.vis else None),
        vis_presented=given.vis_presented,
        eligibility=eligibility,
        funding=lot.funding if product.is_vaccine else None,
    )


def record_not_given(not_given: NotGiven) -> InjectionRecord:
    """The record of a dose refused or deferred, with its reason."""
    product = not_given.product
    cvx = product.cvx if product.cvx is not None and product.cvx.exportable else None
    return InjectionRecord(
        is_vaccine=product.is_vaccine,
        status="not-done",
        occurred=not_given.recorded_at,
        name=product.name,
        cvx=cvx.code if cvx else None,
        cvx_display=cvx.display if cvx else None,
        not_given_reason=not_given.reason,
        note=not_given.note or None,
    )
