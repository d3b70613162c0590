"""The audit trail: who did what to which record, when; append-only and hash-chained.

Every view of a patient's record, every create, update, sign and correction,
sign-in and sign-out (and a failed one), lock and unlock, import and export is one
``AuditEvent`` row, written by ``record`` in the transaction of the change it
describes: the event and the change are committed together or not at all.

Append-only
    Database triggers (migration 0006, and ``install_append_only`` on every start)
    refuse UPDATE and DELETE on ``audit_event``, and TRUNCATE on PostgreSQL.

Tamper-evident, and keyed
    Each event carries ``hash``, chained to the event before it (the one with the
    next lower id), so a row changed or removed behind the triggers' back (someone
    who dropped them) is found by ``verify``. For the event with id *n*::

        hash(n) = HMAC-SHA256( key, prev_hash(n) || canonical(n) )   keyed events
        hash(n) = SHA-256( prev_hash(n) || canonical(n) )            before the key

    as 64 lower-case hex digits. The key (``ma_tui.data.audit_key``) is kept in a
    file outside the database: without it no one can write a hash that verifies,
    so a rewritten trail is found even when its chain was recomputed. A trail that
    began before keys is continued: its first keyed event is an ``audit_key`` event
    (the switch point, naming the key's id and the last unkeyed event), and every
    event after it must be keyed; a new trail begins with one. An event that is
    unkeyed after the switch, or an ``audit_key`` event that is not keyed, is a
    rewrite. ``verify`` tells keyed from unkeyed by which hash matches.

    where ``prev_hash(n)`` is the stored ``hash`` of the event before it (for the
    first event it is NULL in the table and the empty string here), ``||`` is
    concatenation of the ASCII bytes, and ``canonical(n)`` is this JSON object::

        {"action":"sign","at":"2026-11-23T15:14:00.000000Z","detail":"{\\"vitals\\":9}",
         "entity":"encounter","entity_id":"42","id":57,"os_user":null,"patient_id":7,
         "staff_id":1}

    exactly: the nine keys ``action``, ``at``, ``detail``, ``entity``,
    ``entity_id``, ``id``, ``os_user``, ``patient_id``, ``staff_id`` in that
    (sorted) order; no white space anywhere (separators ``,`` and ``:``); every
    character outside ASCII escaped as ``\\uXXXX`` (UTF-16 surrogate pairs beyond
    the BMP), as JSON's own escapes otherwise (Python's ``json.dumps(obj,
    sort_keys=True, separators=(",", ":"), ensure_ascii=True)``); ``id``,
    ``staff_id`` and ``patient_id`` as JSON integers or null; ``at`` as the UTC
    time ``YYYY-MM-DDTHH:MM:SS.ffffffZ`` (always six digits of microseconds); every
    other field as the JSON string stored in its column, or null. ``detail`` is
    hashed as the stored text (itself JSON with sorted keys), not re-encoded. The id
    is part of the hash, so ``record`` assigns it before writing: one more than the
    last event's on SQLite, the table's own sequence on PostgreSQL.

    The chain shows a changed, removed, inserted or reordered event; it cannot show
    events cut off the end, nor a trail rewritten whole from its start without its
    ``audit_key`` event: for those the head of the trail is kept outside the
    database (``ma_tui.core.trail``: at every start, and ``audit verify
    --checkpoint``), and compared.

Clinical content
    A ``sign`` or ``correct`` event carries the hash of the rows it wrote
    (``ma_tui.data.audit_content``); ``verify`` recomputes it, so a signed value
    changed later is found too.

One chain, however many terminals
    ``record`` reads the last event's hash and appends after it in one transaction
    that no other writer can interleave with: on a SQLite file every transaction of
    ma-tui begins IMMEDIATE (``ma_tui.data.store``), which already serialises writers; on
    PostgreSQL ``record`` first takes a transaction-scoped advisory lock (which
    needs no privilege on the table, so a role granted only INSERT and SELECT on
    ``audit_event`` works). PostgreSQL transactions must run at READ COMMITTED (its
    default), so the read after the lock sees the previous writer's commit.
"""

from __future__ import annotations

import getpass
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, tzinfo
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlmodel import Session, col, or_, select

from ma_tui.data.audit_actions import AuditAction as AuditAction
from ma_tui.data.audit_content import content_problem
from ma_tui.data.audit_key import AuditKey, key_of
from ma_tui.data.models.audit import AuditEvent
from ma_tui.data.models.patients import Patient
from ma_tui.data.models.staff import Staff

TABLE = "audit_event"
APPEND_ONLY_MESSAGE = "audit_event is append-only"
# SQLite and PostgreSQL both; PostgreSQL also has the TRUNCATE trigger and a function.
TRIGGER_NO_UPDATE = "audit_event_no_update"
TRIGGER_NO_DELETE = "audit_event_no_delete"
TRIGGER_NO_TRUNCATE = "audit_event_no_truncate"
PG_TRIGGER_FUNCTION = "audit_event_append_only"
# pg_advisory_xact_lock key that serialises appends ("matuiaud" in ASCII).
PG_LOCK_KEY = 0x6D61_7475_6961_7564

HASH_FIELDS = (
    "action",
    "at",
    "detail",
    "entity",
    "entity_id",
    "id",
    "os_user",
    "patient_id",
    "staff_id",
)


# ------------------------------------------------------------------- the hash


def current_os_user() -> str:
    """Who is at this terminal to the operating system (``unknown`` if it cannot say):
    the user an event records when nobody is signed in, as on the command line."""
    try:
        return getpass.getuser()[:64]
    except (KeyError, OSError):  # no login name and no passwd entry
        return "unknown"


def format_at(at: datetime) -> str:
    """``at`` as hashed: UTC, ISO 8601, always with microseconds, ``Z``."""
    if at.tzinfo is None:
        raise ValueError("naive datetime given; pass an aware datetime (UTC or local)")
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def canonical_json(fields: Mapping[str, Any]) -> str:
    """The canonical form of one event (see the module docstring), from its columns."""
    at = fields["at"]
    if not isinstance(at, datetime):
        raise TypeError(f"at must be a datetime, not {type(at).__name__}")
    payload = {name: fields[name] for name in HASH_FIELDS} | {"at": format_at(at)}
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=True)


def event_hash(
    prev_hash: str | None, fields: Mapping[str, Any], key: AuditKey | None = None
) -> str:
    """HMAC-SHA256 with ``key`` (SHA-256 without) of ``prev_hash`` (empty for the
    first event) and the canonical JSON."""
    data = (prev_hash or "").encode("ascii") + canonical_json(fields).encode("ascii")
    return key.mac(data) if key is not None else hashlib.sha256(data).hexdigest()


def detail_json(detail: Mapping[str, Any]) -> str:
    """What ``record`` stores in ``detail``: JSON, sorted keys, no white space.

    Dates and times become ISO 8601 text (times in UTC, as ``format_at``); any other
    value that is not JSON is refused with ``TypeError``.
    """
    return json.dumps(
        detail,
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
        allow_nan=False,
        default=_json_default,
    )


def _json_default(value: object) -> str:
    if isinstance(value, datetime):
        return format_at(value)
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(f"cannot record a {type(value).__name__} in an audit event's detail")


def _fields(event: AuditEvent) -> dict[str, Any]:
    return {name: getattr(event, name) for name in HASH_FIELDS}


# ------------------------------------------------------------------- writing


def record(
    session: Session,
    *,
    action: AuditAction,
    at: datetime,
    staff_id: int | None = None,
    os_user: str | None = None,
    patient_id: int | None = None,
    entity: str | None = None,
    entity_id: str | int | None = None,
    detail: Mapping[str, Any] | None = None,
) -> AuditEvent:
    """Append one event, chained to the last, in the caller's transaction (flushed,
    not committed: the caller's commit writes it with the change it describes).

    ``staff_id`` is the signed-in person; ``os_user`` the operating-system user of a
    command-line use (or of a terminal before anyone signed in). ``entity`` and
    ``entity_id`` name the row acted on (``"encounter"``, 42); ``detail`` says what
    changed (stored as ``detail_json``).
    """
    action = AuditAction(action)
    if at.tzinfo is None:
        raise ValueError("naive datetime given; pass an aware datetime (UTC or local)")
    stored_detail = None if detail is None else detail_json(detail)
    session.flush()  # earlier events of this session are in the table, so read below
    connection = session.connection()
    lock_chain(connection)
    key = key_of(connection)
    last = connection.execute(
        sa.select(col(AuditEvent.id), col(AuditEvent.hash))
        .order_by(col(AuditEvent.id).desc())
        .limit(1)
    ).first()
    if last is None and key is not None and action is not AuditAction.AUDIT_KEY:
        # A new trail begins by naming its key: a trail rewritten without it lacks it.
        record(
            session,
            action=AuditAction.AUDIT_KEY,
            at=at,
            os_user=current_os_user(),
            detail={"key_id": key.key_id, "continues_after": None},
        )
        return record(
            session,
            action=action,
            at=at,
            staff_id=staff_id,
            os_user=os_user,
            patient_id=patient_id,
            entity=entity,
            entity_id=entity_id,
            detail=detail,
        )
    prev_hash = None if last is None else last[1]
    event = AuditEvent(
        id=_next_id(connection, None if last is None else last[0]),
        at=at.astimezone(UTC),
        staff_id=staff_id,
        os_user=os_user,
        patient_id=patient_id,
        action=action.value,
        entity=entity,
        entity_id=None if entity_id is None else str(entity_id),
        detail=stored_detail,
        prev_hash=prev_hash,
    )
    event.hash = event_hash(prev_hash, _fields(event), key)
    session.add(event)
    session.flush()
    return event


def lock_chain(connection: Connection) -> None:
    """On PostgreSQL, hold the append lock to the end of the transaction, so no other
    appender reads the same last hash (SQLite's IMMEDIATE transactions already do)."""
    if connection.dialect.name == "postgresql":
        connection.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": PG_LOCK_KEY})


@dataclass(frozen=True)
class ChainHead:
    """The last event: is its hash unkeyed, or keyed with a given key?"""

    id: int
    hash: str | None
    count: int
    fields: dict[str, Any]
    prev_hash: str | None

    def keyed_with(self, key: AuditKey) -> bool:
        return self.hash == event_hash(self.prev_hash, self.fields, key)

    @property
    def unkeyed(self) -> bool:
        return self.hash == event_hash(self.prev_hash, self.fields)


def chain_head(session: Session) -> ChainHead | None:
    """The trail's last event, or None for an empty trail."""
    columns = [col(getattr(AuditEvent, name)) for name in (*HASH_FIELDS, "prev_hash", "hash")]
    row = session.execute(sa.select(*columns).order_by(col(AuditEvent.id).desc()).limit(1)).first()
    if row is None:
        return None
    fields = dict(zip((*HASH_FIELDS, "prev_hash", "hash"), row, strict=True))
    count = session.execute(sa.select(sa.func.count()).select_from(AuditEvent)).scalar_one()
    return ChainHead(fields["id"], fields["hash"], count, fields, fields["prev_hash"])


def event_hash_at(session: Session, event_id: int) -> str | None:
    """The stored hash of event ``event_id``; None when there is no such event."""
    return session.execute(
        sa.select(col(AuditEvent.hash)).where(col(AuditEvent.id) == event_id)
    ).scalar_one_or_none()


def events_up_to(session: Session, event_id: int) -> int:
    return int(
        session.execute(
            sa.select(sa.func.count()).select_from(AuditEvent).where(col(AuditEvent.id) <= event_id)
        ).scalar_one()
    )


def _next_id(connection: Connection, last_id: int | None) -> int:
    """The new event's id, known before it is written because the hash covers it."""
    if connection.dialect.name == "postgresql":
        # The table's own sequence (so its ids never clash with another insert);
        # under the append lock, each new id is above the last one read.
        value = connection.execute(
            sa.text("SELECT nextval(pg_get_serial_sequence(:table, 'id'))"), {"table": TABLE}
        ).scalar_one()
        return int(value)
    return (last_id or 0) + 1


# ----------------------------------------------------------------- verifying

REASON_CHANGED = "contents changed since it was written"
REASON_NO_HASH = "it has no hash (written outside ma-tui's audit trail)"
REASON_FIRST = "it is the first event but links to an earlier one: events before it are missing"


def _reason_link(previous_id: int) -> str:
    return (
        f"its link to event {previous_id} does not match: an event between them was "
        f"removed, the events were reordered, or event {previous_id} was rewritten"
    )


REASON_UNKEYED = (
    "it is not keyed, yet the trail is keyed from an earlier event: it was rewritten "
    "without the audit key"
)
REASON_KEY_EVENT = "it keyed the trail but is not keyed itself: rewritten without the audit key"


REASON_NEEDS_KEY = (
    "from here on the trail is keyed: check it with the clinic's audit key (see README, Security)"
)


def _reason_unmatched(action: str, key: AuditKey | None, keyed_since: int | None) -> str:
    """Why an event matches neither hash: changed, or (at the switch to keys, where
    the key matters first) keyed with a key this check does not have."""
    if action != AuditAction.AUDIT_KEY or keyed_since is not None:
        return REASON_CHANGED
    if key is None:
        return REASON_NEEDS_KEY
    return f"{REASON_CHANGED} (or keyed with another key than {key.key_id})"


@dataclass(frozen=True)
class VerifyResult:
    """The outcome of ``verify``: ok with the number of events, or the first broken link."""

    ok: bool
    count: int  # events checked: all of them when ok, else up to the broken one
    broken_id: int | None = None
    reason: str | None = None
    last_hash: str | None = None  # the last event's hash, when ok (None: no events)
    keyed_since: int | None = None  # the first keyed event
    key_id: str | None = None
    last_id: int | None = None
    integrity: int = 0  # ``integrity`` events: what starts found wrong, and said

    def message(self) -> str:
        if self.ok:
            events = "event" if self.count == 1 else "events"
            keyed = ""
            if self.keyed_since is not None:
                keyed = f" (keyed since event {self.keyed_since}, key {self.key_id})"
            found = ""
            if self.integrity:
                found = (
                    f"; {self.integrity} found wrong at a start: "
                    "ma-tui audit show --action integrity"
                )
            return f"audit chain ok: {self.count} {events}{keyed}{found}"
        return f"audit chain BROKEN at event {self.broken_id}: {self.reason}"


def verify(session: Session, key: AuditKey | None = None) -> VerifyResult:
    """Walk the whole chain in id order, recomputing every hash (keyed with ``key``
    from the first event it matches on) and checking every link, and the clinical
    content each ``sign`` and ``correct`` event recorded."""
    columns = [col(getattr(AuditEvent, name)) for name in (*HASH_FIELDS, "prev_hash", "hash")]
    rows = session.execute(
        sa.select(*columns).order_by(col(AuditEvent.id)).execution_options(yield_per=2000)
    )
    previous_id: int | None = None
    previous_hash: str | None = None
    keyed_since: int | None = None
    count = integrity = 0
    wrote_content: list[tuple[int, dict[str, Any]]] = []  # checked once the chain holds
    for row in rows:
        fields = dict(zip((*HASH_FIELDS, "prev_hash", "hash"), row, strict=True))
        event_id = fields["id"]
        count += 1
        if previous_id is None and fields["prev_hash"] is not None:
            return VerifyResult(False, count, event_id, REASON_FIRST)
        if previous_id is not None and fields["prev_hash"] != previous_hash:
            return VerifyResult(False, count, event_id, _reason_link(previous_id))
        if fields["hash"] is None:
            return VerifyResult(False, count, event_id, REASON_NO_HASH)
        keyed = key is not None and event_hash(fields["prev_hash"], fields, key) == fields["hash"]
        if not keyed:
            if event_hash(fields["prev_hash"], fields) != fields["hash"]:
                reason = _reason_unmatched(fields["action"], key, keyed_since)
                return VerifyResult(False, count, event_id, reason)
            if keyed_since is not None:
                return VerifyResult(False, count, event_id, REASON_UNKEYED)
            if fields["action"] == AuditAction.AUDIT_KEY and key is not None:
                return VerifyResult(False, count, event_id, REASON_KEY_EVENT)
        elif keyed_since is None:
            keyed_since = event_id
        if fields["action"] in (AuditAction.SIGN, AuditAction.CORRECT):
            wrote_content.append((count, fields))
        integrity += fields["action"] == AuditAction.INTEGRITY
        previous_id, previous_hash = event_id, fields["hash"]
    for position, fields in wrote_content:
        problem = _content_problem(session, fields)
        if problem is not None:
            return VerifyResult(False, position, fields["id"], problem)
    return VerifyResult(
        True,
        count,
        last_hash=previous_hash,
        keyed_since=keyed_since,
        key_id=None if key is None or keyed_since is None else key.key_id,
        last_id=previous_id,
        integrity=integrity,
    )


def _content_problem(session: Session, fields: Mapping[str, Any]) -> str | None:
    if not fields["detail"]:
        return None
    try:
        detail = json.loads(fields["detail"])
    except ValueError:
        return None
    if not isinstance(detail, dict):
        return None
    return content_problem(session, fields["action"], fields["entity_id"], detail)


# ------------------------------------------------------------------- reading


@dataclass(frozen=True)
class AuditEntry:
    """One event as ``audit show`` lists it: the row, with names instead of ids."""

    id: int
    at: datetime  # aware UTC
    action: str
    staff_username: str | None
    os_user: str | None
    patient_mrn: str | None
    entity: str | None
    entity_id: str | None
    detail: str | None

    @property
    def user(self) -> str | None:
        """Who: the staff member signed in, else the operating-system user."""
        return self.staff_username or self.os_user


def events(
    session: Session,
    *,
    patient_mrn: str | None = None,
    username: str | None = None,
    since: date | None = None,
    tz: tzinfo | None = UTC,
    action: AuditAction | None = None,
) -> list[AuditEntry]:
    """Events in the order they were written, optionally only those about one patient,
    by one user (staff username or operating-system user), of one ``action`` (the
    break-glass review: ``break_glass``), or from the start of the day ``since`` in
    ``tz`` on (``None``: this computer's local time)."""
    query = (
        select(AuditEvent, Staff.username, Patient.mrn)
        .join(Staff, col(Staff.id) == col(AuditEvent.staff_id), isouter=True)
        .join(Patient, col(Patient.id) == col(AuditEvent.patient_id), isouter=True)
        .order_by(col(AuditEvent.id))
    )
    if patient_mrn is not None:
        query = query.where(Patient.mrn == patient_mrn)
    if username is not None:
        query = query.where(or_(Staff.username == username, AuditEvent.os_user == username))
    if action is not None:
        query = query.where(AuditEvent.action == AuditAction(action).value)
    if since is not None:
        midnight = datetime.combine(since, time.min, tzinfo=tz)
        if tz is None:
            midnight = midnight.astimezone()  # local, with the offset of that day
        query = query.where(col(AuditEvent.at) >= midnight)
    entries = []
    for event, staff_username, mrn in session.exec(query).all():
        assert event.id is not None
        entries.append(
            AuditEntry(
                id=event.id,
                at=event.at,
                action=event.action,
                staff_username=staff_username,
                os_user=event.os_user,
                patient_mrn=mrn,
                entity=event.entity,
                entity_id=event.entity_id,
                detail=event.detail,
            )
        )
    return entries


# --------------------------------------------------------- the triggers


def install_append_only(connection: Connection) -> list[str]:
    """Create the triggers that refuse UPDATE and DELETE on the audit table, if missing;
    the names of those it had to create.

    Migration 0006 creates them; this puts back any that were dropped (a table
    rebuilt by a batch migration on SQLite loses its triggers). At start one found
    missing is a warning and an event, not a silent repair (``ma_tui.core.trail``).
    The same definitions as migration 0006.
    """
    if connection.dialect.name == "sqlite":
        present = set(
            connection.execute(
                sa.text("SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = :t"),
                {"t": TABLE},
            ).scalars()
        )
        created = []
        for trigger, event in ((TRIGGER_NO_UPDATE, "UPDATE"), (TRIGGER_NO_DELETE, "DELETE")):
            if trigger in present:
                continue
            connection.exec_driver_sql(
                f"CREATE TRIGGER {trigger} BEFORE {event} ON {TABLE} "
                f"BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY_MESSAGE}'); END"
            )
            created.append(trigger)
        return created
    if connection.dialect.name == "postgresql":
        present = set(
            connection.execute(
                sa.text(
                    "SELECT tgname FROM pg_trigger "
                    "WHERE tgrelid = CAST(:table AS regclass) AND NOT tgisinternal"
                ),
                {"table": TABLE},
            ).scalars()
        )
        missing = [
            (trigger, event, level)
            for trigger, event, level in (
                (TRIGGER_NO_UPDATE, "UPDATE", "ROW"),
                (TRIGGER_NO_DELETE, "DELETE", "ROW"),
                (TRIGGER_NO_TRUNCATE, "TRUNCATE", "STATEMENT"),
            )
            if trigger not in present
        ]
        if not missing:
            return []
        connection.exec_driver_sql(
            f"CREATE OR REPLACE FUNCTION {PG_TRIGGER_FUNCTION}() RETURNS trigger "
            "LANGUAGE plpgsql AS $$ BEGIN "
            f"RAISE EXCEPTION '{APPEND_ONLY_MESSAGE}' USING ERRCODE = 'restrict_violation'; "
            "END $$"
        )
        for trigger, event, level in missing:
            connection.exec_driver_sql(
                f"CREATE TRIGGER {trigger} BEFORE {event} ON {TABLE} "
                f"FOR EACH {level} EXECUTE FUNCTION {PG_TRIGGER_FUNCTION}()"
            )
        return [trigger for trigger, _, _ in missing]
    return []


def remove_append_only(connection: Connection) -> None:
    """Drop the triggers, in the caller's transaction: only for wiping a demo database
    (``ma_tui.demo.refresh``) and for tests that play the tamperer."""
    if connection.dialect.name not in ("sqlite", "postgresql"):
        return
    for trigger in (TRIGGER_NO_UPDATE, TRIGGER_NO_DELETE):
        on = f" ON {TABLE}" if connection.dialect.name == "postgresql" else ""
        connection.exec_driver_sql(f"DROP TRIGGER IF EXISTS {trigger}{on}")
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql(f"DROP TRIGGER IF EXISTS {TRIGGER_NO_TRUNCATE} ON {TABLE}")
