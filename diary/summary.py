"""Per-patient summaries for the review queue and the patient list.

The summary is refreshed on write (an entry saved or deleted, a flag raised or
changed, a patient marked reviewed), so the queue and the list read one
indexed row per patient and never scan a history. Reading a page costs the
same for a patient with ten walks as for one with ten thousand.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, func, inspect, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import defer

from diary import store
from diary.entries import CheckIn, Walk
from diary import severity
from diary.flags import HISTORY_WINDOW, LIVE
from diary.models import EntryRow, Flag, Patient, PatientSummary, SuspectedType
from diary.trend import TrendConfig, recent_medians
from diary.trend.distance import MAXIMUM, PAIN_FREE, Baseline, best_baselines
from diary.trend.timeline import Timeline

# The trend arrow: the 14-day median against the trend rules' own baseline (the
# best 28-day median of the 6 months before), the very comparison the distance
# rules make, so the arrow never says "steady" beside a flag saying the distance
# fell. A change of 10% or more shows as up or down.
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


@dataclass(frozen=True)
class Versus:
    """A recent median set against the baseline: ``direction`` up, down or steady; ``pct`` the change."""

    direction: str
    pct: int
    recent_m: float
    usual_m: float


def versus(recent_m: float | None, usual_m: float | None, config: TrendConfig | None = None) -> Versus | None:
    """None when either is unknown, or the baseline is too small to trust (as the rules do)."""
    cfg = config or TrendConfig()
    if recent_m is None or usual_m is None or usual_m < cfg.min_baseline_m:
        return None
    change = (recent_m - usual_m) / usual_m
    direction = "up" if change >= TREND_CHANGE else "down" if change <= -TREND_CHANGE else "steady"
    return Versus(direction, round(change * 100), recent_m, usual_m)


async def refresh_entries(session: AsyncSession, patient: Patient, now: datetime,
                          config: TrendConfig | None = None, entries: list[Walk | CheckIn] | None = None,
                          baselines: dict[str, Baseline | None] | None = None) -> PatientSummary:
    """Recompute the 14-day distance medians, their trend against the baseline, and the last entry.

    ``entries``: the patient's entries from at least 14 days back, if the caller
    has them already (a save loads them once for the trend rules and this).
    ``baselines``: the trend rules' best baselines at ``now`` (``diary.baselines``);
    without them they are found from ``entries``, which then reach back over the
    whole baseline span (``flags.HISTORY_WINDOW``)."""
    config = config or TrendConfig()
    summary = await summary_row(session, patient)
    if entries is None:
        entries = await store.entries_since(session, patient.id, now - HISTORY_WINDOW)
    if baselines is None:
        walks = [e for e in entries if isinstance(e, Walk)]
        baselines = best_baselines(Timeline(walks, now, patient.baseline_since), config)
    window = timedelta(days=config.recent_days)
    recent = [e for e in entries if isinstance(e, Walk) and e.occurred_at > now - window]
    current = recent_medians(recent, now, config)
    summary.walks_recent = current["count"]
    summary.max_median_m = current["max_distance_median_m"]
    summary.pain_free_median_m = current["pain_free_median_m"]
    usual = {key: b.median_m if b is not None else None for key, b in baselines.items()}
    summary.baseline_max_m, summary.baseline_pain_free_m = usual[MAXIMUM.key], usual[PAIN_FREE.key]
    trend = versus(summary.max_median_m, summary.baseline_max_m, config)
    summary.trend = trend.direction if trend else None
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
    top_flag: Flag | None = None  # the queue's: the flag its row is about


async def review_queue(session: AsyncSession, clinic_id: int, *, limit: int, offset: int) -> tuple[list[Row], int]:
    """Patients with live flags: worst first (emergency, urgent, review, info), then the oldest flag first."""
    where = (PatientSummary.clinic_id == clinic_id, PatientSummary.open_rank > 0)
    query = (
        select(Patient, PatientSummary, Flag).options(LIST_ONLY)
        .join(PatientSummary, PatientSummary.patient_id == Patient.id)
        .outerjoin(Flag, and_(Flag.id == PatientSummary.top_flag_id, Flag.patient_id == Patient.id))
        .where(*where, Patient.clinic_id == clinic_id, Patient.erased_at.is_(None))
        .order_by(PatientSummary.open_rank.desc(), PatientSummary.open_since.asc(), Patient.id)
        .limit(limit).offset(offset)
    )
    rows = [Row(p, s, f) for p, s, f in (await session.execute(query)).all()]
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
