"""A patient's request that their data be deleted, and the erasure an admin confirms.

The patient asks (one pending request at a time) and may cancel; an admin of
their clinic confirms or declines. Each step is audited. Confirming erases in
the caller's one transaction: the health data goes (entries, their revisions and tombstones,
flags and their history, the summary), so do the ways to sign in (sessions,
passkeys, challenges, enrolment codes); the patient and user rows stay,
blanked, because the audit log refers to them, and the audit log itself is
never changed. Weekly export files already produced are the clinic's records
and stay where they are.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from diary import audit, text
from diary.models import (
    AuthChallenge, AuthSession, EnrolmentCode, EntryRevision, EntryRow, EntryTombstone, ErasureRequest, Flag,
    FlagEvent, Measurement, Passkey, Patient, PatientDetailChange, PatientSummary, SuspectedType, User,
)

PENDING, CONFIRMED, DECLINED, CANCELLED = "pending", "confirmed", "declined", "cancelled"
MAX_REASON = 2000


class ErasureError(ValueError):
    """A problem the admin can fix, with the form field it concerns."""

    def __init__(self, field: str, message: str):
        self.field = field
        super().__init__(message)


@dataclass(frozen=True)
class Pending:
    request: ErasureRequest
    patient: Patient


async def latest_request(session: AsyncSession, patient_id: int) -> ErasureRequest | None:
    """The patient's most recent request, whatever its status."""
    query = (select(ErasureRequest).where(ErasureRequest.patient_id == patient_id)
             .order_by(ErasureRequest.requested_at.desc(), ErasureRequest.id.desc()).limit(1))
    return (await session.execute(query)).scalar_one_or_none()


async def _pending(session: AsyncSession, patient_id: int) -> ErasureRequest | None:
    query = select(ErasureRequest).where(ErasureRequest.patient_id == patient_id, ErasureRequest.status == PENDING)
    return (await session.execute(query.limit(1))).scalar_one_or_none()


async def request_erasure(session: AsyncSession, patient: Patient, user: User, now: datetime,
                          address: str | None = None) -> ErasureRequest:
    """The patient's pending request: the one already waiting, or a new one (audited)."""
    # Two clicks at once: the row lock makes the second wait, then find the first's
    # request (PostgreSQL; SQLite's BEGIN IMMEDIATE already serialises writers).
    await session.execute(select(Patient.id).where(Patient.id == patient.id).with_for_update())
    waiting = await _pending(session, patient.id)
    if waiting is not None:
        return waiting
    request = ErasureRequest(patient_id=patient.id, clinic_id=patient.clinic_id, requested_at=now,
                             requested_by=user.id, status=PENDING)
    session.add(request)
    await session.flush()
    await audit.record(session, action="erasure.requested", now=now, actor=user, patient_id=patient.id,
                       clinic_id=patient.clinic_id, address=address, detail={"request_id": request.id})
    return request


async def _decide(session: AsyncSession, request: ErasureRequest, status: str, by: User, now: datetime,
                  reason: str = "") -> bool:
    """Move a pending request on, once: of two simultaneous decisions only one wins."""
    changed = await session.execute(
        update(ErasureRequest).where(ErasureRequest.id == request.id, ErasureRequest.status == PENDING)
        .values(status=status, decided_at=now, decided_by=by.id, reason=reason))
    if changed.rowcount != 1:
        return False
    request.status, request.decided_at, request.decided_by, request.reason = status, now, by.id, reason
    return True


async def cancel_request(session: AsyncSession, patient: Patient, user: User, now: datetime,
                         address: str | None = None) -> bool:
    """The patient withdraws their pending request; False if there was none."""
    waiting = await _pending(session, patient.id)
    if waiting is None or not await _decide(session, waiting, CANCELLED, user, now):
        return False
    await audit.record(session, action="erasure.cancelled", now=now, actor=user, patient_id=patient.id,
                       clinic_id=patient.clinic_id, address=address, detail={"request_id": waiting.id})
    return True


async def clinic_pending(session: AsyncSession, clinic_id: int) -> list[Pending]:
    """The clinic's pending requests, oldest first."""
    query = (select(ErasureRequest, Patient).join(Patient, Patient.id == ErasureRequest.patient_id)
             .where(ErasureRequest.clinic_id == clinic_id, Patient.clinic_id == clinic_id,
                    ErasureRequest.status == PENDING)
             .order_by(ErasureRequest.requested_at, ErasureRequest.id))
    return [Pending(r, p) for r, p in (await session.execute(query)).all()]


async def clinic_request(session: AsyncSession, clinic_id: int, request_id: int) -> Pending | None:
    """One pending request, only if it is of this clinic: scoped in the query."""
    query = (select(ErasureRequest, Patient).join(Patient, Patient.id == ErasureRequest.patient_id)
             .where(ErasureRequest.id == request_id, ErasureRequest.clinic_id == clinic_id,
                    Patient.clinic_id == clinic_id, ErasureRequest.status == PENDING))
    found = (await session.execute(query)).first()
    return Pending(*found) if found else None


async def confirm(session: AsyncSession, pending: Pending, admin: User, typed_number: str, now: datetime,
                  address: str | None = None) -> dict[str, int] | None:
    """Erase the patient, once the admin has typed their clinic number. None if
    someone else decided the request first."""
    if typed_number.strip() != pending.patient.clinic_number:
        raise ErasureError("clinic_number", "Type the patient's clinic number exactly, to confirm.")
    if not await _decide(session, pending.request, CONFIRMED, admin, now):
        return None
    deleted = await erase_patient(session, pending.patient, admin, now)
    await audit.record(session, action="erasure.confirmed", now=now, actor=admin, patient_id=pending.patient.id,
                       clinic_id=pending.patient.clinic_id, address=address,
                       detail={"request_id": pending.request.id, "deleted": deleted})
    return deleted


async def decline(session: AsyncSession, pending: Pending, admin: User, reason: str, now: datetime,
                  address: str | None = None) -> bool:
    """Decline with a reason the patient will read. The reason stays on the request,
    not in the audit log."""
    try:
        reason = text.note(reason, "reason", MAX_REASON)
    except text.TextError as exc:
        raise ErasureError("reason", exc.sentence) from None
    if not reason:
        raise ErasureError("reason", "Say why: the patient will see this reason.")
    if not await _decide(session, pending.request, DECLINED, admin, now, reason):
        return False
    await audit.record(session, action="erasure.declined", now=now, actor=admin, patient_id=pending.patient.id,
                       clinic_id=pending.patient.clinic_id, address=address,
                       detail={"request_id": pending.request.id})
    return True


async def erase_patient(session: AsyncSession, patient: Patient, admin: User, now: datetime) -> dict[str, int]:
    """Delete the patient's health data and ways to sign in, blank who they were.
    Runs in the caller's transaction; returns how many rows of each kind went."""
    flag_ids = select(Flag.id).where(Flag.patient_id == patient.id).scalar_subquery()
    removals = {
        "entries": delete(EntryRow).where(EntryRow.patient_id == patient.id),
        "entry_revisions": delete(EntryRevision).where(EntryRevision.patient_id == patient.id),
        "entry_tombstones": delete(EntryTombstone).where(EntryTombstone.patient_id == patient.id),
        "flag_events": delete(FlagEvent).where(FlagEvent.flag_id.in_(flag_ids)),
        "flags": delete(Flag).where(Flag.patient_id == patient.id),
        "summaries": delete(PatientSummary).where(PatientSummary.patient_id == patient.id),
        "enrolment_codes": delete(EnrolmentCode).where(EnrolmentCode.patient_id == patient.id),
        "measurements": delete(Measurement).where(Measurement.patient_id == patient.id),
        "detail_changes": delete(PatientDetailChange).where(PatientDetailChange.patient_id == patient.id),
    }
    if patient.user_id is not None:
        removals.update({
            "sessions": delete(AuthSession).where(AuthSession.user_id == patient.user_id),
            "passkeys": delete(Passkey).where(Passkey.user_id == patient.user_id),
            "challenges": delete(AuthChallenge).where(AuthChallenge.user_id == patient.user_id),
        })
    deleted = {name: (await session.execute(statement)).rowcount or 0 for name, statement in removals.items()}
    patient.name, patient.clinic_number = "Erased patient", f"erased-{patient.id}"
    patient.date_of_birth = patient.affected_side = patient.baseline_since = None
    patient.diabetes, patient.phone = None, ""
    patient.suspected_type = SuspectedType.unknown
    patient.erased_at = now
    session.add(patient)
    if patient.user_id is not None:
        user = await session.get(User, patient.user_id)
        if user is not None:
            # "!" is no argon2 hash: no password can ever verify against it.
            user.is_active, user.email, user.password_hash = False, f"erased-{user.id}@erased.invalid", "!"
            user.display_name, user.erased_at = "", now
            session.add(user)
    await session.flush()
    return deleted
