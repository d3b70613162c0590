"""A visit left half-roomed by an older ma-tui resumes after the upgrade (revision 0009).

Drafts were stored flat; they now keep one part per step. The draft below is one an
0008 ma-tui would have saved mid-visit, every field set.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic import command

from ma_tui.data.migrate import alembic_config, upgrade
from ma_tui.data.store import create_store_engine, sqlite_url
from ma_tui.history.draft import HistorySection, MedicationStatus
from ma_tui.visits.holding import UnreadableDraft, open_visit
from ma_tui.visits.signing import sign_problems
from tests.conftest import CLINIC_NOW

HOLDER = "mia@exam-pc-3"
FLAT_DRAFT: dict[str, Any] = {
    "encounter_id": 1,
    "patient_id": 1,
    "step": "history",
    "identity_confirmed_at": "2026-11-23T15:20:00Z",
    "demographics_confirmed": True,
    "demographic_changes": {"phone": "555-555-0199"},
    "coverage_confirmed": False,
    "coverage_changes": {},
    "vitals": [
        {
            "code": "8867-4",
            "value_entered": "76",
            "unit_entered": "/min",
            "value": 76.0,
            "unit": "/min",
            "taken_at": "2026-11-23T15:22:00Z",
        }
    ],
    "vitals_form": {"values": {"pulse": "76"}, "line": "p76"},
    "vitals_unsettled": "",
    "reviewed": {"medical": False, "allergies": True},
    "new_entries": [{"section": "medical", "fields": {"name": "asthma", "code": "J45.909"}}],
    "medication_status": {"7": "stopped"},
    "entered_in_error": {"surgical": [4]},
    "chief_complaint": "cough for 5 days",
    "hpi": {"onset": "5 days"},
    "hpi_severity": 4,
    "room": "Exam 3",
    "field": "surgical-1",
    "checkin_typed": {"city": "Elsewh"},
    "history_form": {"section": "surgical", "values": ["appendec", ""], "editing": None},
    "hpi_severity_text": "4",
}


def _held_at_0008(tmp_path: Path, data: str) -> sa.Engine:
    """A database at revision 0008 where Dana's visit is being roomed, its draft ``data``."""
    engine = create_store_engine(sqlite_url(tmp_path / "old.db"))
    upgrade(engine, "0008")
    with engine.begin() as connection:
        connection.execute(
            sa.text(
                "INSERT INTO patient (mrn, family_name, given_name, birth_date, sex, "
                "interpreter_needed, active, created_at, updated_at) VALUES "
                "('7000001', 'Whitfield', 'Dana', '1968-04-12', 'female', 0, 1, "
                "'2026-01-05 15:00:00', '2026-01-05 15:00:00')"
            )
        )
        connection.execute(
            sa.text(
                "INSERT INTO encounter (patient_id, scheduled_at, visit_type, status, "
                "status_changed_at, walk_in, created_at) VALUES (1, '2026-11-23 15:00:00', "
                "'follow-up', 'rooming', '2026-11-23 15:20:00', 0, '2026-11-23 15:00:00')"
            )
        )
        connection.execute(
            sa.text(
                "INSERT INTO rooming_draft (encounter_id, data, holder, held_since, updated_at) "
                "VALUES (1, :data, :holder, '2026-11-23 15:20:00', '2026-11-23 15:24:00')"
            ),
            {"data": data, "holder": HOLDER},
        )
    return engine


def _stored_data(engine: sa.Engine) -> dict[str, Any]:
    with engine.connect() as connection:
        data = connection.execute(sa.text("SELECT data FROM rooming_draft")).scalar_one()
    loaded: dict[str, Any] = json.loads(data)
    return loaded


def test_a_flat_draft_resumes_after_the_upgrade_and_flattens_again(tmp_path: Path) -> None:
    engine = _held_at_0008(tmp_path, json.dumps(FLAT_DRAFT))
    upgrade(engine)

    draft = open_visit(engine, 1, staff_id=None, now=CLINIC_NOW, holder=HOLDER)
    assert (draft.step, draft.field, draft.room) == ("history", "surgical-1", "Exam 3")
    checkin = draft.checkin
    assert checkin.identity_confirmed_at == datetime.fromisoformat("2026-11-23T15:20:00+00:00")
    assert checkin.demographic_changes == {"phone": "555-555-0199"}
    assert checkin.typed == {"city": "Elsewh"}
    (pulse,) = draft.vitals.entries
    assert (pulse.code, pulse.value_entered, pulse.value) == ("8867-4", "76", 76.0)
    assert draft.vitals.form == {"values": {"pulse": "76"}, "line": "p76"}
    history = draft.history
    assert history.reviewed == {HistorySection.MEDICAL: False, HistorySection.ALLERGIES: True}
    assert history.entries(HistorySection.MEDICAL)[0].fields["name"] == "asthma"
    assert history.medication_status == {7: MedicationStatus.STOPPED}
    assert history.entered_in_error == {HistorySection.SURGICAL: [4]}
    assert history.form is not None
    assert history.form.values == ["appendec", ""]
    complaint = draft.complaint
    assert (complaint.chief_complaint, complaint.hpi, complaint.hpi_severity) == (
        "cough for 5 days",
        {"onset": "5 days"},
        4,
    )
    # The half-typed history entry still holds signing, as it did before the upgrade.
    assert sign_problems(draft) == ["History: add or clear the entry still in the add-form."]

    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0008")
    assert _stored_data(engine) == FLAT_DRAFT
    engine.dispose()


def test_a_draft_that_is_not_json_is_left_as_it_is_and_said_unreadable(tmp_path: Path) -> None:
    engine = _held_at_0008(tmp_path, "{not json")
    upgrade(engine)
    with engine.connect() as connection:
        data = connection.execute(sa.text("SELECT data FROM rooming_draft")).scalar_one()
    assert data == "{not json"
    with pytest.raises(UnreadableDraft, match="cannot be read"):
        open_visit(engine, 1, staff_id=None, now=CLINIC_NOW, holder=HOLDER)
    engine.dispose()
