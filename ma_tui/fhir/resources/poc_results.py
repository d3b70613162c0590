"""Observation (laboratory) and Device: a visit's point-of-care results; export only.

Each stored result, final or entered-in-error (then with that status and the
reason as a note, under the same ids as when it was final), is written by
``ma_tui.labs.fhir``: one Observation per reading (a panel adds its own, with
``hasMember``), category ``laboratory``, coded in LOINC
with its flag and reference range, and the kit lot as a ``Device`` (``lotNumber``,
``expirationDate``) that every Observation of the result names in ``device``. The
readings are read again from the line the MA typed and the kit as it was copied
onto the result, so the export says what was stored. Ids are stable: exporting
twice gives the same ones. ma-tui does not import point-of-care results.
"""

from __future__ import annotations

from collections.abc import Iterator
from itertools import count
from typing import Any

from ma_tui.core.ages import age_in_years
from ma_tui.data.catalogs.poc_tests import poc_catalog
from ma_tui.data.models.labs import PocResult as PocResultRow
from ma_tui.data.models.labs import PocResultStatus
from ma_tui.data.models.patients import Patient
from ma_tui.data.models.visits import Encounter
from ma_tui.fhir.resources.outgoing import ExportRun
from ma_tui.labs import fhir as lab_fhir
from ma_tui.labs.kits import KitLot, QcState
from ma_tui.labs.line import parse_poc_line
from ma_tui.labs.record import PocResult
from ma_tui.labs.resulting import band_sex, stored_results

JSON = dict[str, Any]


def to_fhir(run: ExportRun, encounter: Encounter, subject: JSON) -> Iterator[JSON]:
    """Each result of the visit: its kit's Device, then its Observations."""
    patient = run.session.get(Patient, encounter.patient_id)
    assert patient is not None
    for row in stored_results(run.session, encounter.id or 0):
        yield from _result(run, row, patient, subject)


def _result(run: ExportRun, row: PocResultRow, patient: Patient, subject: JSON) -> Iterator[JSON]:
    test = poc_catalog().test(row.test_key)
    line = parse_poc_line(row.line)
    kit = KitLot(row.test_key, row.kit_name, row.kit_lot, row.kit_expires)
    performed_at = row.performed_at.astimezone(run.context.tz)
    result = PocResult(
        test,
        line.readings,
        kit,
        performed_at,
        QcState(row.qc_state),
        band_sex(patient),
        age_in_years(patient.birth_date, performed_at.date()),
    )
    device = lab_fhir.kit_device(kit, test, run.id("Device", f"poc-{row.id}"))
    numbers = count(1)
    yield device
    yield from lab_fhir.observations(
        result,
        subject=subject,
        device=lab_fhir.reference(device["id"]),
        encounter=run.ref("Encounter", row.encounter_id),
        performer=run.staff_display(row.performed_by_id),
        new_id=lambda: run.id("Observation", f"poc-{row.id}-{next(numbers)}"),
        in_error=(
            (row.error_reason or "no reason recorded")
            if row.status is PocResultStatus.ENTERED_IN_ERROR
            else None
        ),
    )
