"""The patient banner of the orders screens, read from the visit's chart."""

from __future__ import annotations

from datetime import date

from ma_tui.core.errors import UserError
from ma_tui.core.transaction import Engine
from ma_tui.patients.chart import banner_identity
from ma_tui.screens.widgets.common import PatientBanner
from ma_tui.visits.draft import allergy_line
from ma_tui.visits.holding import load_visit_chart


def show_visit_banner(
    banner: PatientBanner, engine: Engine, encounter_id: int, today: date
) -> None:
    """Name, age, date of birth, sex and allergies of the visit's patient."""
    try:
        chart = load_visit_chart(engine, encounter_id)
    except UserError as exc:
        banner.notify(str(exc), severity="warning", markup=False)
        return
    allergies = allergy_line(chart)
    banner.show(
        banner_identity(chart.patient, today), allergies, alert=allergies.startswith("Allergies: ")
    )
