"""The sterilization log in the database, and its use cases.

Each change (a load recorded, an indicator read, a load released or rejected, a
pack opened for a patient) loads the log it needs, applies the domain's rule
(``ma_tui.sterilization.loads``), stores the result and writes its audit event,
in one transaction. :func:`recall_for` lists what a failed biological indicator
reaches (``ma_tui.sterilization.recall``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from ma_tui.core.audit import AuditAction, audit
from ma_tui.core.errors import NotFound
from ma_tui.core.transaction import in_transaction, read_only
from ma_tui.data.audit import current_os_user
from ma_tui.data.models.patients import Patient
from ma_tui.data.models.staff import Staff
from ma_tui.data.models.sterilization import PackUse as PackUseRow
from ma_tui.data.models.sterilization import SterilePack, SterilizerLoad
from ma_tui.sterilization import loads as rules
from ma_tui.sterilization.loads import (
    BiResult,
    CycleType,
    Load,
    Pack,
    PackLabel,
    PackUse,
    Reading,
)
from ma_tui.sterilization.recall import Recall, recall_list

ENTITY = "sterilizer_load"


@dataclass(frozen=True, slots=True)
class Log:
    """Every load (oldest first) and every pack opened."""

    loads: tuple[Load, ...]
    uses: tuple[PackUse, ...]

    def load(self, number: int) -> Load:
        found = next((load for load in self.loads if load.number == number), None)
        if found is None:
            raise NotFound(f"no load L{number} in the log")
        return found


def _load(row: SterilizerLoad, packs: list[SterilePack]) -> Load:
    return Load(
        number=row.number,
        sterilizer=row.sterilizer,
        cycle_number=row.cycle_number,
        cycle_type=CycleType(row.cycle_type),
        started_at=row.started_at,
        temperature_c=Decimal(row.temperature_c),
        pressure_kpa=Decimal(row.pressure_kpa),
        exposure_minutes=row.exposure_minutes,
        operator=row.operator,
        packs=tuple(
            Pack(PackLabel(row.number, p.sequence), p.contents, p.implant)
            for p in sorted(packs, key=lambda p: p.sequence)
        ),
        chemical=Reading(row.chemical) if row.chemical else None,
        biological=BiResult(row.biological),
        bi_lot=row.bi_lot,
        bi_read_at=row.bi_read_at,
        released_by=row.released_by,
        released_at=row.released_at,
        rejected_by=row.rejected_by,
        rejected_at=row.rejected_at,
        reject_reason=row.reject_reason,
    )


def load_log(session: Session) -> Log:
    rows = session.exec(select(SterilizerLoad).order_by(col(SterilizerLoad.started_at))).all()
    packs: dict[int, list[SterilePack]] = {}
    for pack in session.exec(select(SterilePack)):
        packs.setdefault(pack.load_id, []).append(pack)
    uses = session.exec(
        select(PackUseRow, SterilePack, SterilizerLoad, Patient)
        .join(SterilePack, col(PackUseRow.pack_id) == col(SterilePack.id))
        .join(SterilizerLoad, col(SterilePack.load_id) == col(SterilizerLoad.id))
        .join(Patient, col(PackUseRow.patient_id) == col(Patient.id))
        .order_by(col(PackUseRow.used_at))
    ).all()
    return Log(
        tuple(_load(row, packs.get(row.id or 0, [])) for row in rows),
        tuple(
            PackUse(
                PackLabel(load.number, pack.sequence),
                use.patient_id,
                f"{patient.given_name} {patient.family_name}",
                use.procedure,
                use.used_at,
                use.used_by,
            )
            for use, pack, load, patient in uses
        ),
    )


def sterilization_log(engine: Engine) -> Log:
    return read_only(engine, load_log)


def save_load(session: Session, load: Load) -> int:
    """Store the load (new, or its readings and decisions); new packs with it. Its id."""
    row = session.exec(select(SterilizerLoad).where(SterilizerLoad.number == load.number)).first()
    new = row is None
    if row is None:
        row = SterilizerLoad(
            number=load.number,
            sterilizer=load.sterilizer,
            cycle_number=load.cycle_number,
            cycle_type=load.cycle_type.value,
            started_at=load.started_at,
            temperature_c=str(load.temperature_c),
            pressure_kpa=str(load.pressure_kpa),
            exposure_minutes=load.exposure_minutes,
            operator=load.operator,
            biological=load.biological.value,
        )
    row.chemical = load.chemical.value if load.chemical else None
    row.biological = load.biological.value
    row.bi_lot = load.bi_lot
    row.bi_read_at = load.bi_read_at
    row.released_by, row.released_at = load.released_by, load.released_at
    row.rejected_by, row.rejected_at = load.rejected_by, load.rejected_at
    row.reject_reason = load.reject_reason
    session.add(row)
    session.flush()
    assert row.id is not None
    if new:
        for pack in load.packs:
            session.add(
                SterilePack(
                    load_id=row.id,
                    sequence=pack.label.sequence,
                    contents=pack.contents,
                    implant=pack.implant,
                )
            )
    return row.id


def save_use(session: Session, use: PackUse) -> None:
    pack = session.exec(
        select(SterilePack)
        .join(SterilizerLoad)
        .where(SterilizerLoad.number == use.label.load, SterilePack.sequence == use.label.sequence)
    ).one()
    assert pack.id is not None
    session.add(
        PackUseRow(
            pack_id=pack.id,
            patient_id=use.patient_id,
            procedure=use.procedure,
            used_at=use.used_at,
            used_by=use.by,
        )
    )


# ------------------------------------------------------------------ use cases


def add_load(engine: Engine, load: Load, *, at: datetime, staff_id: int | None) -> int:
    """A load as it comes out of the sterilizer (made by ``loads.new_load``)."""

    def work(session: Session) -> int:
        load_id = save_load(session, load)
        _audit(session, AuditAction.CREATE, load, load_id, staff_id, at, None)
        return load_id

    return in_transaction(engine, work)


def _change(
    engine: Engine,
    number: int,
    change: Callable[[Load], Load],
    *,
    at: datetime,
    staff_id: int | None,
) -> Load:
    def work(session: Session) -> Load:
        changed = change(load_log(session).load(number))
        load_id = save_load(session, changed)
        _audit(session, AuditAction.UPDATE, changed, load_id, staff_id, at, None)
        return changed

    return in_transaction(engine, work)


def record_chemical(
    engine: Engine, number: int, reading: Reading, *, at: datetime, staff_id: int | None
) -> Load:
    return _change(
        engine, number, lambda load: rules.record_chemical(load, reading), at=at, staff_id=staff_id
    )


def record_biological(
    engine: Engine, number: int, result: BiResult, *, at: datetime, staff_id: int | None
) -> Load:
    """The spore test's result; a failure starts the recall (:func:`recall_for`)."""
    return _change(
        engine,
        number,
        lambda load: rules.record_biological(load, result, at),
        at=at,
        staff_id=staff_id,
    )


def release_load(engine: Engine, number: int, *, at: datetime, staff_id: int | None) -> Load:
    """The load may be used; the signed-in staff member signs for it."""
    by = read_only(engine, lambda session: signer(session, staff_id))
    return _change(
        engine, number, lambda load: rules.release(load, by, at), at=at, staff_id=staff_id
    )


def signer(session: Session, staff_id: int | None) -> str:
    """Who signs the log: the staff member's name, else this terminal's user."""
    staff = session.get(Staff, staff_id) if staff_id is not None else None
    return staff.display_name if staff is not None else current_os_user()


def reject_load(
    engine: Engine, number: int, by: str, reason: str, *, at: datetime, staff_id: int | None
) -> Load:
    return _change(
        engine, number, lambda load: rules.reject(load, by, at, reason), at=at, staff_id=staff_id
    )


def use_pack(
    engine: Engine,
    label: PackLabel,
    *,
    patient_id: int,
    procedure: str,
    by: str | None = None,
    at: datetime,
    staff_id: int | None,
) -> PackUse:
    """The pack opened for a patient's procedure; refused for a pack that may not be used.
    ``by`` is who opened it: the signed-in staff member (``signer``) when not given."""

    def work(session: Session) -> PackUse:
        patient = session.get(Patient, patient_id)
        if patient is None:
            raise NotFound("no such patient")
        log = load_log(session)
        use = rules.use_pack(
            label,
            log.loads,
            log.uses,
            patient_id=patient_id,
            patient_name=f"{patient.given_name} {patient.family_name}",
            procedure=procedure,
            at=at,
            by=by if by is not None else signer(session, staff_id),
        )
        save_use(session, use)
        load = log.load(label.load)
        _audit(session, AuditAction.UPDATE, load, None, staff_id, at, patient_id, str(label))
        return use

    return in_transaction(engine, work)


def recall_for(engine: Engine, number: int) -> Recall:
    """Every patient and pack a failed biological indicator on load ``number`` reaches."""
    log = sterilization_log(engine)
    return recall_list(log.load(number), log.loads, log.uses)


def _audit(
    session: Session,
    action: AuditAction,
    load: Load,
    load_id: int | None,
    staff_id: int | None,
    at: datetime,
    patient_id: int | None,
    pack: str = "",
) -> None:
    detail: dict[str, object] = {"load": load.number, "status": load.status}
    detail["biological"] = load.biological.value
    if pack:
        detail["pack"] = pack
    audit(
        session,
        action,
        at=at,
        staff_id=staff_id,
        patient_id=patient_id,
        entity=ENTITY,
        entity_id=load_id if load_id is not None else load.number,
        detail=detail,
    )
