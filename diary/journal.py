"""Saving a patient's entry: store it, reassess the trend at once, refresh the summary."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from diary import flags, store, summary
from diary.db import transaction
from diary.entries import CheckIn, Walk
from diary.models import Patient
from diary.trend import Finding, TrendConfig


async def reassess_patient(
    session: AsyncSession, patient: Patient, now: datetime, config: TrendConfig | None = None
) -> list[Finding]:
    """Trend findings to flags, then the patient's summary for the queue. The rule
    windows' entries are read once and serve both."""
    entries = await store.entries_since(session, patient.id, now - flags.HISTORY_WINDOW)
    findings = await flags.reassess(session, patient, now, config, entries)
    await summary.refresh_entries(session, patient, now, config, entries)
    await summary.refresh_flags(session, patient, now)
    return findings


async def save_entry(
    session: AsyncSession, patient: Patient, entry: Walk | CheckIn, now: datetime,
    config: TrendConfig | None = None,
) -> tuple[store.PutResult, list[Finding]]:
    """Create or replace the entry and update the patient's flags, in the caller's transaction."""
    result = await store.put_entry(session, patient.id, entry, now)
    return result, await reassess_patient(session, patient, now, config)


async def remove_entry(
    session: AsyncSession, patient: Patient, entry_id: uuid.UUID, now: datetime, config: TrendConfig | None = None
) -> Walk | CheckIn | None:
    removed = await store.delete_entry(session, patient.id, entry_id)
    if removed is not None:
        await reassess_patient(session, patient, now, config)
    return removed


async def reassess_all(
    sessions: async_sessionmaker[AsyncSession], now: datetime, config: TrendConfig | None = None
) -> int:
    """The daily pass: reassess every enrolled patient, so rules that depend on
    the passing of time (a logging gap) fire even when nothing new is logged.
    One transaction per patient keeps each short; returns how many were assessed."""
    async with transaction(sessions) as db:
        ids = list((await db.execute(select(Patient.id).where(Patient.user_id.is_not(None)))).scalars())
    for patient_id in ids:
        async with transaction(sessions) as db:
            patient = await db.get(Patient, patient_id)
            if patient is not None:
                await reassess_patient(db, patient, now, config)
    return len(ids)
