"""Portable column types shared by the models and the migrations.

Nothing here is specific to one database: every type maps to plain SQL types that
SQLite and PostgreSQL both store the same way.
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Dialect

SOURCE_ID_MAX = 200  # an imported resource's identifier, ``system|value``


class UTCDateTime(sa.types.TypeDecorator[datetime]):
    """An aware datetime stored as naive UTC.

    SQLite keeps no time zone and PostgreSQL converts to the session's zone; storing
    naive UTC and handing back aware UTC gives the same answer on both.
    """

    impl = sa.DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; pass an aware datetime (UTC or local)")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        assert isinstance(value, datetime)
        return value.replace(tzinfo=UTC)


def enum_column_type(enum: type[StrEnum]) -> sa.Enum:
    """Store an enum as its value in a VARCHAR: no native enum types to migrate."""
    return sa.Enum(
        enum,
        native_enum=False,
        create_constraint=False,
        length=32,
        values_callable=lambda members: [m.value for m in members],
        validate_strings=True,
    )


def utcnow() -> datetime:
    return datetime.now(UTC)
