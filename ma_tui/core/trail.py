"""Opening the audit trail at start, and checking it against heads kept outside it.

Every start (``open_trail``, called by the command line before anything else):

- the audit key is read (``ma_tui.data.audit_key``), or made on the first start of
  a trail that has none; a keyed trail without its key, or with another, does not
  start (a terminal that wrote with its own key would fork the trail);
- a trail written before keys is continued keyed, from an ``audit_key`` event;
- an append-only trigger found missing is put back, and that is an ``integrity``
  event and a warning on stderr and on screen: someone changed the database
  outside ma-tui, and it must not go unsaid;
- the trail's head is compared with the one ma-tui saw at its last start on this
  database (kept beside the key): that event gone means the trail was cut, a
  different hash that it was rewritten; either is an ``integrity`` event and a
  warning. Then the new head is kept.

``ma-tui audit verify --checkpoint FILE`` writes such a head where the auditor
chooses (off this machine, ideally), and ``--since-checkpoint FILE`` checks the
whole chain and that it still passes through that head with as many events up to
it: events cut off the end, or a trail rewritten whole, are found.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.engine import Engine
from sqlmodel import Session

from ma_tui.core.audit import audit
from ma_tui.core.transaction import in_transaction, read_only
from ma_tui.data.audit import (
    AuditAction,
    VerifyResult,
    chain_head,
    event_hash_at,
    events_up_to,
    install_append_only,
    lock_chain,
    verify,
)
from ma_tui.data.audit_key import (
    AuditKey,
    Head,
    create_key,
    engine_key,
    head_path,
    key_path,
    read_head,
    read_key,
    use_key,
    write_head,
)
from ma_tui.data.store import StoreError

__all__ = ["open_trail", "use_key", "verify_since", "write_checkpoint"]


def open_trail(
    engine: Engine,
    *,
    environ: Mapping[str, str],
    now: datetime,
    checking: bool = False,
) -> list[str]:
    """Key the trail and check it (see the module docstring); the warnings to show.

    ``StoreError`` when the trail is keyed and this terminal has no key, or another
    one; with ``checking`` (``audit verify``) it goes on instead, changing nothing,
    and the verification says what it can.
    """
    path = key_path(environ)
    key = read_key(path)
    head = read_only(engine, chain_head)
    foreign = head is not None and not head.unkeyed and (key is None or not head.keyed_with(key))
    if foreign and not checking:
        if key is None:
            raise StoreError(
                f"the audit trail of this database is keyed, and there is no audit key at "
                f"{path}: restore the clinic's audit key there (README, Security)"
            )
        raise StoreError(
            f"the audit trail's last event is not keyed with the audit key at {path} "
            f"(key {key.key_id}): copy the clinic's audit key there; if it is the "
            "clinic's, the trail was changed: run ma-tui audit verify"
        )
    if foreign:
        if key is not None:
            use_key(engine, key)
        return []
    if key is None:
        key = create_key(path)
    use_key(engine, key)
    anchor = head_path(environ, engine)
    seen = _read_anchor(anchor, key)
    started = in_transaction(engine, lambda session: _start(session, key, seen, now))
    if started.head is not None:
        write_head(anchor, started.head, key)
    return started.warnings


@dataclass(frozen=True)
class _Started:
    warnings: list[str]
    head: Head | None


def _read_anchor(anchor: Path, key: AuditKey) -> Head | str | None:
    """The head kept at the last start; a warning when the file itself was changed."""
    try:
        return read_head(anchor, key)
    except StoreError as exc:
        return f"WARNING: {exc}; the trail's head could not be compared"


def _start(session: Session, key: AuditKey, seen: Head | str | None, now: datetime) -> _Started:
    lock_chain(session.connection())
    warnings: list[str] = []
    restored = install_append_only(session.connection())
    if restored:
        names = ", ".join(restored)
        warnings.append(
            f"WARNING: the audit trail's append-only triggers were missing ({names}): "
            "someone changed the database outside ma-tui. They are back, and this is "
            "recorded; run ma-tui audit verify."
        )
        _integrity(session, now, problem="triggers_missing", triggers=restored)
    head = chain_head(session)
    if head is not None and head.unkeyed:  # written before keys: continued keyed
        detail = {"key_id": key.key_id, "continues_after": head.id}
        audit(session, AuditAction.AUDIT_KEY, at=now, staff_id=None, detail=detail)
    if isinstance(seen, str):
        warnings.append(seen)
    elif seen is not None:
        problem = _head_problem(session, seen)
        if problem is not None:
            warnings.append(
                f"WARNING: the audit trail was {problem}. This is recorded; run "
                "ma-tui audit verify --since-checkpoint."
            )
            kind = "cut" if problem.startswith("cut") else "rewritten"
            _integrity(session, now, problem=kind, event=seen.last_id)
    session.flush()
    head = chain_head(session)
    at = now.astimezone(UTC).isoformat(timespec="seconds")
    kept = None if head is None else Head(head.id, head.hash or "", head.count, at, key.key_id)
    return _Started(warnings, kept)


def _head_problem(session: Session, seen: Head) -> str | None:
    """``cut: ...`` or ``rewritten: ...`` when the trail no longer passes through
    ``seen``; None when it does."""
    stored = event_hash_at(session, seen.last_id)
    if stored is None:
        return f"cut: event {seen.last_id}, its last event at {seen.at}, is gone"
    if stored != seen.last_hash:
        return f"rewritten: event {seen.last_id} is not the one it was at {seen.at}"
    if events_up_to(session, seen.last_id) != seen.count:
        return (
            f"rewritten: {seen.count} events led up to event {seen.last_id} at {seen.at}, "
            f"{events_up_to(session, seen.last_id)} do now"
        )
    return None


def _integrity(session: Session, now: datetime, **detail: object) -> None:
    audit(session, AuditAction.INTEGRITY, at=now, staff_id=None, detail=detail)


# ----------------------------------------------------------------- checkpoints


def write_checkpoint(engine: Engine, path: Path, *, now: datetime) -> VerifyResult:
    """Verify the whole trail and, when it holds, keep its head in ``path`` (0600)."""
    key = engine_key(engine)
    result = read_only(engine, lambda session: verify(session, key))
    if result.ok and result.last_id is not None and result.last_hash is not None:
        at = now.astimezone(UTC).isoformat(timespec="seconds")
        key_id = None if key is None else key.key_id
        write_head(path, Head(result.last_id, result.last_hash, result.count, at, key_id), key)
    return result


def verify_since(engine: Engine, path: Path) -> VerifyResult:
    """Verify the whole trail, and that it still passes through the head kept in
    ``path`` with as many events up to it. ``StoreError`` when there is no such
    checkpoint, or it was changed."""
    key = engine_key(engine)
    seen = read_head(path, key)
    if seen is None:
        raise StoreError(f"no audit checkpoint at {path}: write one with audit verify --checkpoint")

    def check(session: Session) -> VerifyResult:
        result = verify(session, key)
        if not result.ok:
            return result
        problem = _head_problem(session, seen)
        if problem is None:
            return result
        kind, _, why = problem.partition(": ")
        reason = f"the trail was {kind} since the checkpoint: {why}"
        return replace(result, ok=False, broken_id=seen.last_id, reason=reason)

    return read_only(engine, check)
