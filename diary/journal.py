"""Saving a patient's entry: store it, reassess the trend at once, refresh the summary.

An edit or a delete keeps the entry as it was in ``entry_revision`` and writes
``entry.edited`` / ``entry.deleted`` to the audit log (``entry.restored`` when
the patient brings back a deleted entry) (the entry's id and kind,
never its health values). Creating an entry is not audited: the entry row
itself says when it was created and for whom, and an append-only log that can
never be erased should not hold one row per walk of every patient.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from diary import audit, baselines, flags, store, summary
from diary.db import transaction
from diary.entries import CheckIn, Walk, dump_entry
from diary.models import EntryRevision, Patient, User
from diary.trend import Finding, TrendConfig


async def reassess_patient(
    session: AsyncSession, patient: Patient, now: datetime, config: TrendConfig | None = None,
    changed: Iterable[datetime] = (), *, locked: bool = False,
) -> list[Finding]:
    """Trend findings to flags, then the patient's summary for the queue. The rule
    windows' entries are read once and serve both; the distance baselines are kept
    between assessments (``diary.baselines``). ``changed``: the times of the
    entries this transaction saved, edited or deleted.

    The patient's row is locked first (unless the caller has, ``locked``), so that
    two assessments of one patient (a save and the daily pass) take turns over
    the kept baselines."""
    cfg = config or TrendConfig()
    if not locked:
        await store.lock_patient(session, patient.id)
    data = await baselines.rule_input(session, patient, now, cfg, changed)
    findings = await flags.reassess(session, patient, now, cfg, data.entries, data.baselines)
    await summary.refresh_entries(session, patient, now, cfg, data.entries, data.baselines)
    await summary.refresh_flags(session, patient, now)
    return findings


async def _keep_revision(
    session: AsyncSession, patient: Patient, previous: Walk | CheckIn, action: str, now: datetime,
    actor: User | None, address: str | None,
) -> None:
    """The entry as it was, apart from the audit log (an erasure deletes it), and the audit row."""
    session.add(EntryRevision(entry_id=previous.id, patient_id=patient.id, action=action, at=now,
                              by_user_id=actor.id if actor else None, previous=dump_entry(previous)))
    await audit.record(session, action=f"entry.{action}", now=now, actor=actor, patient_id=patient.id,
                       clinic_id=patient.clinic_id, address=address,
                       detail={"entry_id": str(previous.id), "kind": previous.type})


async def save_entry(
    session: AsyncSession, patient: Patient, entry: Walk | CheckIn, now: datetime,
    config: TrendConfig | None = None, *, actor: User | None = None, address: str | None = None,
    expect: store.Expect = store.ANYTHING,
) -> tuple[store.PutResult, list[Finding]]:
    """Create or replace the entry and update the patient's flags, in the caller's transaction.

    ``expect``: the version the writer read (store.Expect); raises
    store.PreconditionFailed or store.EntryGone, with nothing written, when the
    diary holds something else. Replacing keeps the previous values, whether or
    not the writer named a version (older phones do not); an identical replay
    (the phone sending an entry twice) changes nothing and keeps nothing. Bringing
    back a deleted entry is audited as ``entry.restored``."""
    result = await store.put_entry(session, patient.id, entry, now, expect)
    if result.previous is not None and result.changed:
        await _keep_revision(session, patient, result.previous, "edited", now, actor, address)
    if result.restored:
        await audit.record(session, action="entry.restored", now=now, actor=actor, patient_id=patient.id,
                           clinic_id=patient.clinic_id, address=address,
                           detail={"entry_id": str(entry.id), "kind": entry.type})
    changed = [entry.occurred_at] + ([result.previous.occurred_at] if result.previous is not None else [])
    return result, await reassess_patient(session, patient, now, config, changed, locked=True)


async def remove_entry(
    session: AsyncSession, patient: Patient, entry_id: uuid.UUID, now: datetime, config: TrendConfig | None = None,
    *, actor: User | None = None, address: str | None = None, expect: store.Expect = store.ANYTHING,
) -> Walk | CheckIn | None:
    """Delete the entry, keeping it in its revision history and leaving a tombstone.
    None if the patient has no such entry; raises store.EntryGone if it was
    deleted already, store.PreconditionFailed if it is not the version expected."""
    removed = await store.delete_entry(session, patient.id, entry_id, now, expect)
    if removed is not None:
        await _keep_revision(session, patient, removed, "deleted", now, actor, address)
        await reassess_patient(session, patient, now, config, [removed.occurred_at], locked=True)
    return removed


async def reassess_all(
    sessions: async_sessionmaker[AsyncSession], now: datetime, config: TrendConfig | None = None
) -> int:
    """The daily pass: reassess every enrolled patient, so rules that depend on
    the passing of time (a logging gap) fire even when nothing new is logged.
    One transaction per patient keeps each short; returns how many were assessed."""
    async with transaction(sessions) as db:
        enrolled = select(Patient.id).where(Patient.user_id.is_not(None), Patient.erased_at.is_(None))
        ids = list((await db.execute(enrolled)).scalars())
    for patient_id in ids:
        async with transaction(sessions) as db:
            patient = await db.get(Patient, patient_id)
            if patient is not None:
                await reassess_patient(db, patient, now, config)
    return len(ids)
