"""Saving a patient's entry: store it, then reassess the trend at once."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from diary import flags, store
from diary.entries import CheckIn, Walk
from diary.models import Patient
from diary.trend import Finding, TrendConfig


async def save_entry(
    session: AsyncSession, patient: Patient, entry: Walk | CheckIn, now: datetime,
    config: TrendConfig | None = None,
) -> tuple[store.PutResult, list[Finding]]:
    """Create or replace the entry and update the patient's flags, in the caller's transaction."""
    result = await store.put_entry(session, patient.id, entry, now)
    findings = await flags.reassess(session, patient, now, config)
    return result, findings


async def remove_entry(
    session: AsyncSession, patient: Patient, entry_id: uuid.UUID, now: datetime, config: TrendConfig | None = None
) -> Walk | CheckIn | None:
    removed = await store.delete_entry(session, patient.id, entry_id)
    if removed is not None:
        await flags.reassess(session, patient, now, config)
    return removed
