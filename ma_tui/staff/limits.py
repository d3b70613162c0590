"""The longest passphrase (``ma_tui.staff.policy``), for the screens that size their
fields by it: here, apart from the policy, so the sign-in screen imports no database."""

from __future__ import annotations

PASSPHRASE_MAX = 128
