"""Visit drafts keep one part per step of rooming

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-25

A draft (``rooming_draft.data``, JSON) was one flat object. Now the visit's own
fields stay at the top (encounter, patient, step, field, room) and each step of
``ma_tui.visits.steps`` keeps its part under its name: ``{"encounter_id": 3, ...,
"checkin": {...}, "vitals": {...}, "history": {...}, "complaint": {...}}``. The
stored drafts are rewritten here, so a visit left half-roomed by an older ma-tui
resumes where it was; downgrading writes them flat again.

The names are written out below, not taken from the models: a migration must mean
the same thing whatever the code does later. Data that is not a JSON object is
left as it is (opening the visit says its draft cannot be read). Offline (``--sql``)
there are no rows to read, so nothing is written out for them.
"""

import json
from collections.abc import Callable, Sequence
from typing import Any

import sqlalchemy as sa
from alembic import context, op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Each step's part of the draft: the flat name -> its name inside the part.
PARTS: dict[str, dict[str, str]] = {
    "checkin": {
        "identity_confirmed_at": "identity_confirmed_at",
        "demographics_confirmed": "demographics_confirmed",
        "demographic_changes": "demographic_changes",
        "coverage_confirmed": "coverage_confirmed",
        "coverage_changes": "coverage_changes",
        "checkin_typed": "typed",
    },
    "vitals": {
        "vitals": "entries",
        "vitals_form": "form",
        "vitals_unsettled": "unsettled",
    },
    "history": {
        "reviewed": "reviewed",
        "new_entries": "new_entries",
        "medication_status": "medication_status",
        "entered_in_error": "entered_in_error",
        "history_form": "form",
    },
    "complaint": {
        "chief_complaint": "chief_complaint",
        "hpi": "hpi",
        "hpi_severity": "hpi_severity",
        "hpi_severity_text": "hpi_severity_text",
    },
}

rooming_draft = sa.table(
    "rooming_draft",
    sa.column("encounter_id", sa.Integer()),
    sa.column("data", sa.Text()),
)
JSON = dict[str, Any]


def nested(flat: JSON) -> JSON:
    """A flat draft with each step's fields moved into its part."""
    draft = dict(flat)
    for step, names in PARTS.items():
        part = {inner: draft.pop(outer) for outer, inner in names.items() if outer in draft}
        draft[step] = part
    return draft


def flattened(draft: JSON) -> JSON:
    """A draft with parts, each step's fields put back at the top under their old names."""
    flat = dict(draft)
    for step, names in PARTS.items():
        part = flat.pop(step, None)
        if isinstance(part, dict):
            flat |= {outer: part[inner] for outer, inner in names.items() if inner in part}
    return flat


def upgrade() -> None:
    if not context.is_offline_mode():
        _rewrite(nested)


def downgrade() -> None:
    if not context.is_offline_mode():
        _rewrite(flattened)


def _rewrite(change: Callable[[JSON], JSON]) -> None:
    connection = op.get_bind()
    rows = connection.execute(sa.select(rooming_draft.c.encounter_id, rooming_draft.c.data))
    changed = []
    for encounter_id, data in rows.all():
        try:
            draft = json.loads(data)
        except ValueError:
            continue
        if isinstance(draft, dict):
            changed.append({"row_id": encounter_id, "new_data": json.dumps(change(draft))})
    if changed:
        connection.execute(
            sa.update(rooming_draft)
            .where(rooming_draft.c.encounter_id == sa.bindparam("row_id"))
            .values(data=sa.bindparam("new_data")),
            changed,
        )
