"""Where the clinic's database is named, and how a database that cannot be used is
refused (``StoreError``): apart from ``ma_tui.data.store`` so that the command line
reads its options, and decides how to start, without importing SQLAlchemy.
"""

from __future__ import annotations

import re
from pathlib import Path

from platformdirs import user_data_path

ENV_VAR = "MA_TUI_DB"
# The key of an encrypted (sqlcipher:) database; read by the command line, not here.
KEY_ENV_VAR = "MA_TUI_DB_KEY"
# ``sqlcipher:///PATH`` (ma-tui's own scheme) or SQLAlchemy's own spelling of it.
ENCRYPTED_SCHEMES = ("sqlcipher", "sqlite+pysqlcipher")
APP_NAME = "ma-tui"
DB_FILENAME = "clinic.db"
# A URL's scheme as SQLAlchemy's make_url reads it (its driver name).
_SCHEME = re.compile(r"([\w+]+)://")


class StoreError(Exception):
    """A database that cannot be used; the message is one line for the user."""


def default_database_path() -> Path:
    return user_data_path(APP_NAME, appauthor=False) / DB_FILENAME


def may_be_encrypted(chosen: str) -> bool:
    """``--db`` or ``$MA_TUI_DB`` as given might name an encrypted database: a URL
    whose scheme is one of ``ENCRYPTED_SCHEMES`` (a bare path never is). Errs on the
    side of yes: ``store.is_encrypted_url`` says for sure, once SQLAlchemy is loaded."""
    scheme = _SCHEME.match(chosen.strip())
    return scheme is not None and scheme.group(1).lower() in ENCRYPTED_SCHEMES
