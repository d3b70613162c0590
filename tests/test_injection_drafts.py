"""The injection screen's draft: kept per visit and order, read back safely, and
dropped in the transaction that records the dose (given or not)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from ma_tui.data.catalogs.vaccines import vaccine_catalog
from ma_tui.data.models.immunizations import InjectionDraft
from ma_tui.immunizations.administration import AdministrationStopped, NotGiven, NotGivenReason
from ma_tui.immunizations.chart import give_dose, injection_patient, record_not_given_dose
from ma_tui.immunizations.drafts import (
    KEPT_FIELDS,
    DraftKey,
    FormDraft,
    draft_from_json,
    draft_json,
    form_draft,
    load_injection_draft,
    save_injection_draft,
)
from tests.conftest import CLINIC_NOW, todays_encounter_id
from tests.test_injections import _flu, _lot_id

TYPED = {"scan": "0100333332024049", "order": "1", "site": "RD", "dob": "4/12/68"}


def _rows(engine: Engine) -> list[InjectionDraft]:
    with Session(engine) as session:
        return list(session.exec(select(InjectionDraft)).all())


def test_a_draft_is_kept_per_order_and_never_keeps_the_date_of_birth(demo_sqlite: Engine) -> None:
    visit = todays_encounter_id(demo_sqlite, "Whitfield")
    by_f8, by_order = DraftKey(visit, None), DraftKey(visit, 7)
    save_injection_draft(demo_sqlite, by_f8, form_draft(TYPED, 7), staff_id=None, now=CLINIC_NOW)
    assert load_injection_draft(demo_sqlite, by_order) is None
    back = load_injection_draft(demo_sqlite, by_f8)
    assert back == FormDraft({"scan": "0100333332024049", "order": "1", "site": "RD"}, 7)
    save_injection_draft(demo_sqlite, by_f8, FormDraft(), staff_id=None, now=CLINIC_NOW)
    assert _rows(demo_sqlite) == []  # nothing typed: nothing kept


def test_giving_the_dose_drops_its_draft_and_a_stop_keeps_it(demo_sqlite: Engine) -> None:
    patient = injection_patient(demo_sqlite, todays_encounter_id(demo_sqlite, "Whitfield"))
    key = DraftKey(patient.encounter_id, None)
    save_injection_draft(demo_sqlite, key, form_draft(TYPED), staff_id=None, now=CLINIC_NOW)
    expired = _flu(demo_sqlite, lot_id=_lot_id(demo_sqlite, "tdap_boostrix", "B7Y2K"))
    with pytest.raises(AdministrationStopped):
        give_dose(demo_sqlite, patient, expired, now=CLINIC_NOW, staff_id=None, draft=key)
    assert len(_rows(demo_sqlite)) == 1
    give_dose(demo_sqlite, patient, _flu(demo_sqlite), now=CLINIC_NOW, staff_id=None, draft=key)
    assert _rows(demo_sqlite) == []


def test_a_dose_not_given_drops_its_draft(demo_sqlite: Engine) -> None:
    patient = injection_patient(demo_sqlite, todays_encounter_id(demo_sqlite, "Whitfield"))
    key = DraftKey(patient.encounter_id, 3)
    save_injection_draft(demo_sqlite, key, form_draft(TYPED), staff_id=None, now=CLINIC_NOW)
    refused = NotGiven(
        vaccine_catalog().product("flu_afluria"), NotGivenReason.PATIENT_OBJECTION, CLINIC_NOW, ""
    )
    record_not_given_dose(demo_sqlite, patient, refused, staff_id=None, draft=key)
    assert _rows(demo_sqlite) == []


@given(
    st.dictionaries(st.sampled_from(["dob", "x", *KEPT_FIELDS]), st.text()),
    st.none() | st.integers(),
)
def test_a_draft_reads_back_as_it_was_kept(fields: dict[str, str], order_id: int | None) -> None:
    kept = form_draft(fields, order_id)
    assert set(kept.fields) <= set(KEPT_FIELDS)
    assert all(len(value) <= 200 for value in kept.fields.values())
    assert draft_from_json(draft_json(kept)) == kept


STORED_BY_HAND = [
    "",
    "[]",
    "null",
    '{"fields": []}',
    '{"fields": {"scan": 3, "site": "RD"}, "order_id": true}',
    '{"fields": {"dob": "4/12/68"}, "order_id": "7"}',
]


@given(st.text() | st.sampled_from(STORED_BY_HAND))
def test_any_stored_text_is_a_draft_or_none(text: str) -> None:
    draft = draft_from_json(text)
    assert draft is None or set(draft.fields) <= set(KEPT_FIELDS)
    assert draft is None or draft.order_id is None or type(draft.order_id) is int
