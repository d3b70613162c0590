"""One family of errors a person can act on.

A use case raises a ``UserError`` (or one of its kinds) when it refuses something or
cannot do it: its message is one line written for the MA, saying what happened and
what to do. Screens catch only ``UserError``; anything else is a bug, and is never
dressed up as a refusal ("Cannot room this visit") on screen.
"""

from __future__ import annotations


class UserError(Exception):
    """A refusal or a problem the person at the keyboard can act on.

    ``str(error)`` is the message to show, as it is.
    """


class InvalidInput(UserError):
    """What was typed cannot be taken: the message says why and how to fix it."""


class NotFound(UserError):
    """The record asked for is not there (any more)."""


class NotAllowed(UserError):
    """The signed-in person's role may not do this."""


class Conflict(UserError):
    """Someone else holds or changed the record: the message says who and since when."""


class DatabaseUnavailable(UserError):
    """The clinic's database cannot be used just now (busy, unreachable, full).

    Nothing was half-written: the use case's transaction was rolled back whole.
    """
