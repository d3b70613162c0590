"""The demo clinic's vaccine and injection shelf, and a few patients' immunization history.

The shelf has one lot of each kind a clinic keeps: private and VFC flu, a Tdap lot
that expired last week (still on the shelf, so the hard stop can be seen), adult
hepatitis B, VFC MMR and two in-office medications. The history is what an EHR or
the state registry would have sent: enough that "due today" shows both a patient up
to date and patients with doses due or overdue.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from ma_tui.core.audit import AuditAction
from ma_tui.data.catalogs.vaccines import vaccine_catalog
from ma_tui.data.models.immunizations import Injection, InjectionStatus, LotFunding, VaccineLot
from ma_tui.demo.build import Build


@dataclass(frozen=True)
class DemoLot:
    product_key: str
    lot: str
    expires_in_days: int  # negative: expired that many days ago
    doses: int
    funding: LotFunding


SHELF = (
    DemoLot("flu_afluria", "AX5521", 210, 38, LotFunding.PRIVATE),
    DemoLot("flu_afluria", "FV1187", 210, 20, LotFunding.VFC),
    DemoLot("tdap_boostrix", "B7Y2K", -6, 4, LotFunding.PRIVATE),  # expired: the hard stop
    DemoLot("hepb_engerix_adult", "EN4471", 400, 10, LotFunding.PRIVATE),
    DemoLot("mmr_mmrii", "W012345", 300, 10, LotFunding.VFC),
    DemoLot("ceftriaxone_1g", "CF8812", 500, 25, LotFunding.PRIVATE),
    DemoLot("b12_cyanocobalamin", "B12092", 365, 30, LotFunding.PRIVATE),
)

# Doses other clinics gave (MRN: CVX, vaccine, days ago), as a registry sent them.
HISTORY: dict[str, tuple[tuple[str, str, int], ...]] = {
    "1000105": (("115", "Tdap", 365 * 6), ("141", "Influenza, injectable", 400)),
    "1000108": (
        ("115", "Tdap", 365 * 12),
        ("187", "Zoster recombinant", 900),
        ("187", "Zoster recombinant", 780),
    ),
    "1000103": (("115", "Tdap", 365 * 4), ("62", "HPV, quadrivalent", 365 * 4)),
    # Mateo, four months old: the birth dose and the two-month visit's.
    "1000118": (
        ("08", "Hep B, pediatric", 128),
        ("110", "DTaP-Hep B-IPV", 67),
        ("48", "Hib (PRP-T)", 67),
        ("133", "Pneumococcal conjugate PCV 13", 67),
    ),
}


def add_shelf(build: Build) -> None:
    """The lots on the shelf, added by the administrator when the clinic opened."""
    today = build.day.today
    added_at = build.day.local(today - timedelta(days=30), "08:15")
    admin = build.staff["admin"]
    for item in SHELF:
        product = vaccine_catalog().product(item.product_key)
        cvx = product.cvx.code if product.cvx and product.cvx.exportable else None
        maker = product.manufacturer
        lot_id = build.add(
            VaccineLot(
                product_key=item.product_key,
                ndc11=product.ndcs[0].ndc11 if product.ndcs else None,
                cvx=cvx,
                mvx=maker.mvx if maker and maker.confirmation.confirmed else None,
                lot=item.lot,
                expires=today + timedelta(days=item.expires_in_days),
                doses_on_hand=item.doses,
                funding=item.funding,
                added_at=added_at,
                added_by_id=admin,
            )
        )
        build.trail.note(
            added_at,
            AuditAction.CREATE,
            admin,
            None,
            entity="vaccine_lot",
            entity_id=lot_id,
            detail={"product": item.product_key, "doses": item.doses},
        )


def add_immunization_history(build: Build, patient_id: int, mrn: str, born: date) -> None:
    """The patient's doses given elsewhere, as the registry reported them."""
    today = build.day.today
    for cvx, name, days_ago in HISTORY.get(mrn, ()):
        given = today - timedelta(days=days_ago)
        if given < born:
            continue
        build.add(
            Injection(
                patient_id=patient_id,
                status=InjectionStatus.COMPLETED,
                occurred_on=given,
                name=name,
                cvx=cvx,
                primary_source=False,
                recorded_at=build.day.local(today - timedelta(days=30), "08:30"),
                recorded_by_id=build.staff["priya"],
            )
        )
