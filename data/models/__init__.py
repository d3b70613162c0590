"""The clinic's record as SQLModel tables.

One visit of rooming produces: a confirmed patient and coverage, an encounter whose
status moves on, one observation row per measured value, and history entries that
are carried from visit to visit. Nothing is deleted: a wrong value is marked
entered-in-error and a new one added, so every row keeps who wrote it and when.

Every column uses portable types (see ``ma_tui.data.types``) so the same model runs on
SQLite and PostgreSQL. Timestamps are aware UTC datetimes; dates are plain dates.

Each domain's tables are in its own module (``patients``, ``visits``,
``observations``, ``history``, ``immunizations``, ``screenings``, ``staff``, ``audit``,
``settings``, ``orders``, ``labs``, ``worklist``, ``rooms``, ``sterilization``); importing this
package registers every table in ``SQLModel.metadata``, which the migrations and
``create_all`` read.
"""

from ma_tui.data.models import (
    audit,
    history,
    immunizations,
    labs,
    observations,
    orders,
    patients,
    rooms,
    screenings,
    settings,
    staff,
    sterilization,
    visits,
    worklist,
)

__all__ = [
    "audit",
    "history",
    "immunizations",
    "labs",
    "observations",
    "orders",
    "patients",
    "rooms",
    "screenings",
    "settings",
    "staff",
    "sterilization",
    "visits",
    "worklist",
]
