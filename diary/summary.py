"""Per-patient summaries for the review queue and the patient list.

The summary is refreshed on write (an entry saved or deleted, a flag raised or
changed, a patient marked reviewed), so the queue and the list read one
indexed row per patient and never scan a history. Reading a page costs the
same for a patient with ten walks as for one with ten thousand.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, inspect, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import defer

from diary import store
from diary.entries import CheckIn, Walk
from diary import severity
from diary.flags import LIVE
from diary.models import EntryRow, Flag, Patient, PatientSummary, SuspectedType
from diary.trend import TrendConfig, recent_medians

# A change of 10% or more between the last two 14-day medians shows as an arrow.
TREND_CHANGE = 0.10
# The lists read many summaries and show none of the kept baselines.
LIST_ONLY = defer(PatientSummary.baseline_state)


async def summary_row(session: AsyncSession, patient: Patient) -> PatientSummary:
    """The patient's summary row, created if it is not there yet (not flushed)."""
    summary = await session.get(PatientSummary, patient.id)
    if summary is None:
        summary = PatientSummary(patient_id=patient.id, clinic_id=patient.clinic_id)
        session.add(summary)
    elif "baseline_state" in inspect(summary).unloaded:  # read earlier for a list (LIST_ONLY)
        await session.refresh(summary, ["baseline_state"])
    return summary


def _trend(now_m: float | None, before_m: float | None) -> str | None:
    if now_m is None or before_m is None or before_m <= 0:
        return None
    change = (now_m - before_m) / before_m
    if change >= TREND_CHANGE:
        return "up"
    if change <= -TREND_CHANGE:
        return "down"
    return "steady"


async def refresh_entries(session: AsyncSession, patient: Patient, now: datetime,
                          config: TrendConfig | None = None,
                          entries: list[Walk | CheckIn] | None = None) -> PatientSummary:
    """Recompute the distance medians (last 28 days) and the last entry.

    ``entries``: the patient's entries from at least 28 days back, if the caller
    has them already (a save loads them once for the trend rules and this)."""
    config = config or TrendConfig()
    summary = await summary_row(session, patient)
    window = timedelta(days=config.recent_days)
    if entries is None:
        entries = await store.entries_since(session, patient.id, now - 2 * window)
    recent = [e for e in entries if isinstance(e, Walk) and e.occurred_at > now - 2 * window]
    current = recent_medians(recent, now, config)
    previous = recent_medians([w for w in recent if w.occurred_at <= now - window], now - window, config)
    summary.walks_recent = current["count"]
    summary.max_median_m = current["max_distance_median_m"]
    summary.pain_free_median_m = current["pain_free_median_m"]
    summary.previous_max_median_m = previous["max_distance_median_m"]
    summary.trend = _trend(summary.max_median_m, summary.previous_max_median_m)
    if entries:
        summary.last_entry_at = max(e.occurred_at for e in entries)
    else:  # nothing in the window: the last entry, if any, is older
        last = await session.execute(select(func.max(EntryRow.occurred_at)).where(EntryRow.patient_id == patient.id))
        summary.last_entry_at = last.scalar_one()
    summary.updated_at = now
    await session.flush()
    return summary


async def refresh_flags(session: AsyncSession, patient: Patient, now: datetime) -> PatientSummary:
    """Recompute the patient's place in the queue from their live, unsnoozed flags."""
    summary = await summary_row(session, patient)
    live = list((await session.execute(
        select(Flag).where(Flag.patient_id == patient.id, Flag.status.in_(LIVE)))).scalars())
    awake = [f for f in live if f.snoozed_until is None or f.snoozed_until <= now]
    snoozed = [f.snoozed_until for f in live if f.snoozed_until is not None and f.snoozed_until > now]
    awake.sort(key=lambda f: (severity.sort_key(f.severity), f.raised_at, f.id))
    top = awake[0] if awake else None
    summary.open_rank = severity.rank(top.severity) if top else 0
    summary.open_since = top.raised_at if top else None
    summary.open_count = len(awake)
    summary.top_flag_id = top.id if top else None
    summary.top_message = ("(No longer seen) " if top and top.cleared_at else "") + (top.message if top else "")
    summary.next_snooze_end = min(snoozed) if snoozed else None
    summary.updated_at = now
    await session.flush()
    return summary


async def mark_reviewed(session: AsyncSession, patient: Patient, by_user_id: int, now: datetime) -> None:
    summary = await summary_row(session, patient)
    summary.last_reviewed_at, summary.last_reviewed_by = now, by_user_id
    await session.flush()


def _due(clinic_id: int, now: datetime):  # type: ignore[no-untyped-def]
    return select(Patient).join(PatientSummary, PatientSummary.patient_id == Patient.id).where(
        PatientSummary.clinic_id == clinic_id, PatientSummary.next_snooze_end <= now)


async def snoozes_due(session: AsyncSession, clinic_id: int, now: datetime) -> bool:
    """Whether a snooze of the clinic's has ended and ``wake_snoozed`` has work to do."""
    return (await session.execute(select(_due(clinic_id, now).exists()))).scalar_one()


async def wake_snoozed(session: AsyncSession, clinic_id: int, now: datetime) -> None:
    """Flags whose snooze has ended come back into the queue."""
    for patient in (await session.execute(_due(clinic_id, now))).scalars().all():
        await refresh_flags(session, patient, now)


@dataclass(frozen=True)
class Row:
    patient: Patient
    summary: PatientSummary


async def review_queue(session: AsyncSession, clinic_id: int, *, limit: int, offset: int) -> tuple[list[Row], int]:
    """Patients with live flags: worst first (emergency, urgent, review, info), then the oldest flag first."""
    where = (PatientSummary.clinic_id == clinic_id, PatientSummary.open_rank > 0)
    query = (
        select(Patient, PatientSummary).options(LIST_ONLY).join(PatientSummary, PatientSummary.patient_id == Patient.id)
        .where(*where, Patient.clinic_id == clinic_id, Patient.erased_at.is_(None))
        .order_by(PatientSummary.open_rank.desc(), PatientSummary.open_since.asc(), Patient.id)
        .limit(limit).offset(offset)
    )
    rows = [Row(p, s) for p, s in (await session.execute(query)).all()]
    total = (await session.execute(select(func.count()).select_from(PatientSummary).where(*where))).scalar_one()
    return rows, total


@dataclass(frozen=True)
class PatientFilter:
    search: str = ""
    severity: str = ""          # emergency, urgent, review, info, none, or "" for any
    diagnosis: str = ""         # vascular, neurogenic, unknown, or ""
    not_reviewed_days: int | None = None


async def find_patients(
    session: AsyncSession, clinic_id: int, flt: PatientFilter, now: datetime, *, limit: int, offset: int
) -> tuple[list[Row], int]:
    """All patients of the clinic, searched and filtered, by name; erased patients are gone."""
    conditions = [Patient.clinic_id == clinic_id, Patient.erased_at.is_(None)]
    known = flt.severity in severity.Severity._value2member_map_ or flt.severity == severity.NONE
    needs_summary = known or flt.not_reviewed_days is not None
    if flt.search:
        like = f"%{flt.search.strip().lower()}%"
        conditions.append(or_(func.lower(Patient.name).like(like), func.lower(Patient.clinic_number).like(like)))
    if known:
        conditions.append(func.coalesce(PatientSummary.open_rank, 0) == severity.rank(flt.severity))
    if flt.diagnosis in SuspectedType._value2member_map_:
        conditions.append(Patient.suspected_type == SuspectedType(flt.diagnosis))
    if flt.not_reviewed_days is not None:
        cutoff = now - timedelta(days=flt.not_reviewed_days)
        conditions.append(or_(PatientSummary.last_reviewed_at.is_(None), PatientSummary.last_reviewed_at < cutoff))
    base = select(Patient, PatientSummary).options(LIST_ONLY).outerjoin(PatientSummary, PatientSummary.patient_id == Patient.id)
    query = base.where(*conditions).order_by(func.lower(Patient.name), Patient.id).limit(limit).offset(offset)
    rows = [Row(p, s or PatientSummary(patient_id=p.id, clinic_id=p.clinic_id))
            for p, s in (await session.execute(query)).all()]
    # Counting needs the summaries only when a condition is on them.
    count = select(func.count()).select_from(Patient)
    if needs_summary:
        count = count.outerjoin(PatientSummary, PatientSummary.patient_id == Patient.id)
    count = count.where(*conditions)
    return rows, (await session.execute(count)).scalar_one()
