"""What a FHIR exchange refuses, or cannot do, in words for the person who asked.

Each is a ``ma_tui.core.errors.UserError``: its message is one line to show as it
is. A resource the import cannot take is never one of these: it is a line of the
import's report (``ma_tui.fhir.report``), and the rest of the import goes on.
"""

from __future__ import annotations

from ma_tui.core.errors import UserError


class FhirError(UserError):
    """An export or import that cannot be done as asked; the message says why."""


class ExportError(FhirError):
    """The selection matches nothing (or names no one thing); one line for the user."""


class ExportNotWritten(FhirError, OSError):
    """The Bundle could not be written where it goes (the folder, the disk refused).

    Also an ``OSError``, which it is, for callers that handle file errors as such.
    """
