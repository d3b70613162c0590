"""The one transaction rule: a use case opens its transaction, does its work, and
commits once; the audit event of the change is written inside it.

Helpers take the ``Session`` they are given and never commit. ``in_transaction``
is how a use case runs its work: all of it is stored, or none of it. A SQLite file
kept busy by another terminal is waited for and retried (``retry_on_busy``); a
database that cannot be used becomes ``DatabaseUnavailable``, a ``UserError`` with
a message for the MA, never a raw driver error.

``Engine`` is named here for the screens, which hold one and hand it to use cases but
never import SQLAlchemy themselves.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session

from ma_tui.core.errors import DatabaseUnavailable
from ma_tui.data.store import DatabaseBusy, StoreError, retry_on_busy

__all__ = ["Engine", "in_transaction", "read_only"]

_T = TypeVar("_T")

BUSY_MESSAGE = (
    "The clinic's database stayed busy (another terminal or a backup is writing). "
    "Nothing was lost: try again in a moment."
)
FAILED_MESSAGE = (
    "The clinic's database could not be used just now. Nothing was half-written: "
    "try again, and call the clinic's IT if it goes on."
)


def in_transaction(engine: Engine, work: Callable[[Session], _T]) -> _T:
    """``work(session)`` in one transaction, committed once when it returns.

    Rows ``work`` returns stay readable after the commit (``expire_on_commit`` off).
    A ``UserError`` raised by ``work`` rolls everything back and goes on up as it is.
    """

    def attempt() -> _T:
        with Session(engine, expire_on_commit=False) as session, session.begin():
            return work(session)

    try:
        return retry_on_busy(attempt)
    except DatabaseBusy as exc:
        raise DatabaseUnavailable(BUSY_MESSAGE) from exc
    except StoreError as exc:
        raise DatabaseUnavailable(str(exc)) from exc
    except SQLAlchemyError as exc:
        raise DatabaseUnavailable(FAILED_MESSAGE) from exc


def read_only(engine: Engine, work: Callable[[Session], _T]) -> _T:
    """``work(session)`` for reads: the same errors as ``in_transaction``, nothing written."""

    def attempt() -> _T:
        with Session(engine, expire_on_commit=False) as session:
            return work(session)

    try:
        return retry_on_busy(attempt)
    except DatabaseBusy as exc:
        raise DatabaseUnavailable(BUSY_MESSAGE) from exc
    except StoreError as exc:
        raise DatabaseUnavailable(str(exc)) from exc
    except SQLAlchemyError as exc:
        raise DatabaseUnavailable(FAILED_MESSAGE) from exc
