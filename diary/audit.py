"""The audit log: who did what to which record, and when. Append-only.

The app only ever inserts rows here; nothing updates or deletes them.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from diary.models import AuditEvent, User


async def record(
    session: AsyncSession, *, action: str, now: datetime, actor: User | None = None,
    patient_id: int | None = None, clinic_id: int | None = None, detail: dict[str, Any] | None = None,
    address: str | None = None,
) -> None:
    session.add(AuditEvent(
        at=now, actor_user_id=actor.id if actor else None,
        clinic_id=clinic_id if clinic_id is not None else (actor.clinic_id if actor else None),
        patient_id=patient_id, action=action, detail=detail or {}, address=address,
    ))
    await session.flush()


async def for_patient(session: AsyncSession, patient_id: int, limit: int = 20) -> list[tuple[AuditEvent, User | None]]:
    query = (select(AuditEvent, User).outerjoin(User, User.id == AuditEvent.actor_user_id)
             .where(AuditEvent.patient_id == patient_id)
             .order_by(AuditEvent.at.desc(), AuditEvent.id.desc()).limit(limit))
    return [tuple(r) for r in (await session.execute(query)).all()]
