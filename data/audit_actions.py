"""The kinds of audit event (``ma_tui.data.audit``), apart from the trail so that the
command line can offer them (``audit show --action``) without importing the database."""

from __future__ import annotations

from enum import StrEnum


class AuditAction(StrEnum):
    """What an event records; stored as its value in ``AuditEvent.action``."""

    VIEW = "view"  # a patient's record (or the audit trail) was shown
    CREATE = "create"
    UPDATE = "update"
    SIGN = "sign"
    CORRECT = "correct"  # a signed value marked entered-in-error and replaced
    SIGN_IN = "sign_in"
    SIGN_OUT = "sign_out"
    SIGN_IN_FAILED = "sign_in_failed"
    LOCK = "lock"  # a screen locked when idle, or an account locked
    UNLOCK = "unlock"
    BREAK_GLASS = "break_glass"  # access beyond the usual, with a reason
    IMPORT = "import"
    EXPORT = "export"
    AUDIT_KEY = "audit_key"  # from here on the trail is keyed (ma_tui.data.audit_key)
    INTEGRITY = "integrity"  # found at start: missing triggers, a trail cut or rewritten
