"""What a clinician does with a flag or a patient: each change records who and when,
writes the audit log, and refreshes the patient's place in the queue."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from diary import audit, flags, summary, text
from diary.models import Flag, FlagStatus, Patient, User

MAX_SNOOZE_DAYS = 90


class ReviewError(ValueError):
    def __init__(self, field: str, message: str):
        self.field = field
        super().__init__(message)


async def clinic_flag(session: AsyncSession, clinic_id: int, patient_id: int, flag_id: int) -> Flag | None:
    """The flag only if it belongs to this patient of this clinic: scoped in the query."""
    query = (select(Flag).join(Patient, Patient.id == Flag.patient_id)
             .where(Flag.id == flag_id, Flag.patient_id == patient_id, Patient.clinic_id == clinic_id))
    return (await session.execute(query)).scalar_one_or_none()


async def act_on_flag(
    session: AsyncSession, patient: Patient, flag: Flag, user: User, action: str, now: datetime,
    note: str = "", days: str = "",
) -> Flag:
    snooze_days: int | None = None
    try:
        note = text.note(note)
    except text.TextError as exc:
        raise ReviewError("note", exc.sentence) from None
    if action == "acknowledge":
        await flags.change_status(session, flag, FlagStatus.acknowledged, user.id, now, note)
    elif action == "resolve":
        if not note:
            raise ReviewError("note", "Say how this was resolved: a note is needed to resolve a flag.")
        await flags.change_status(session, flag, FlagStatus.resolved, user.id, now, note)
    elif action == "note":
        if not note:
            raise ReviewError("note", "Write the note first.")
        await flags.add_note(session, flag, user.id, now, note)
    elif action == "snooze":
        snooze_days = text.whole_number(days.strip(), 1, MAX_SNOOZE_DAYS)
        if snooze_days is None:
            raise ReviewError("days", f"Snooze for 1 to {MAX_SNOOZE_DAYS} days.")
        await flags.snooze(session, flag, user.id, now, snooze_days)
    else:
        raise ReviewError("action", "Unknown action.")
    # The note itself is kept with the flag's history (erased with the patient);
    # the permanent log says only that there was one.
    await audit.record(session, action=f"flag.{action}", now=now, actor=user, patient_id=patient.id,
                       detail={"flag_id": flag.id, "rule": flag.rule, "with_note": bool(note), "days": snooze_days})
    await summary.refresh_flags(session, patient, now)
    return flag


async def mark_reviewed(session: AsyncSession, patient: Patient, user: User, now: datetime) -> None:
    await summary.mark_reviewed(session, patient, user.id, now)
    await audit.record(session, action="patient.reviewed", now=now, actor=user, patient_id=patient.id)
