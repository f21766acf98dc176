"""The distance baselines kept between saves give the flags a full reassessment would.

A save reads two months of entries and brings the patient's kept baselines up
to date (``diary.baselines``). These tests save a half-year diary as it would
arrive, then change the past (an old walk edited, one backfilled, one
deleted, a clinician's baseline reset) and check after each step that the
baselines, and the flags, are those of the whole 200-day window.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from diary import baselines, flags, journal, store
from diary.entries import Relief, Walk
from diary.models import Flag, Patient, PatientSummary
from diary.trend import TrendConfig, assess
from diary.trend.distance import best_baselines
from diary.trend.timeline import Timeline
from tests.conftest import run_db

NOW = datetime.now(UTC).replace(microsecond=0)
CFG = TrendConfig()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def backend(request: pytest.FixtureRequest) -> str:
    return request.param


def walk(at: datetime, distance: float, entry_id: uuid.UUID | None = None) -> Walk:
    return Walk(id=entry_id or uuid.uuid4(), walked_at=at, distance_m=distance, pain_onset_m=distance * 0.7,
                stopped_by_pain=True, relief=Relief.stood_still)


async def whole_window(db, patient: Patient, now: datetime):  # type: ignore[no-untyped-def]
    """The baselines and findings of a reassessment that reads all 200 days."""
    entries = await store.entries_since(db, patient.id, now - flags.HISTORY_WINDOW)
    tl = Timeline(entries, now, patient.baseline_since)
    findings = assess(entries, now, CFG, baseline_since=patient.baseline_since)
    return best_baselines(tl, CFG), [(f.rule, f.severity, f.message) for f in findings]


async def check(db, patient_id: int, now: datetime) -> None:  # type: ignore[no-untyped-def]
    patient = await db.get(Patient, patient_id)
    kept = await baselines.rule_input(db, patient, now, CFG)
    expected_baselines, expected_findings = await whole_window(db, patient, now)
    assert kept.baselines == expected_baselines
    live = (await db.execute(select(Flag).where(Flag.patient_id == patient_id, Flag.status.in_(flags.LIVE),
                                                Flag.cleared_at.is_(None)))).scalars()
    assert sorted((f.rule, f.severity, f.message) for f in live) == sorted(expected_findings)


def test_kept_baselines_follow_every_change_to_the_diary(db_url, world):  # type: ignore[no-untyped-def]
    patient_id = world.ids["alice_patient"]
    start = NOW - timedelta(days=190)
    history = [walk(start + timedelta(days=d, hours=9), 420 + (d % 5) * 10) for d in range(0, 176)]
    recent = [walk(NOW - timedelta(days=d, hours=2), 240) for d in (9, 6, 4, 2)]

    async def diary_arrives(db):  # type: ignore[no-untyped-def]
        patient = await db.get(Patient, patient_id)
        for entry in history + recent:  # each saved, and assessed, shortly after the walk
            await journal.save_entry(db, patient, entry, entry.walked_at + timedelta(minutes=30))
        await journal.reassess_patient(db, patient, NOW)
        summary = await db.get(PatientSummary, patient_id)
        assert summary.baseline_state and summary.baseline_reach <= NOW - timedelta(days=14)
        await check(db, patient_id, NOW)
        rules = {f.rule for f in (await db.execute(select(Flag).where(Flag.patient_id == patient_id))).scalars()}
        assert "distance_decline" in rules   # 240 m against a baseline of about 440 m

    run_db(db_url, diary_arrives)

    old = history[60]

    async def the_past_changes(db):  # type: ignore[no-untyped-def]
        patient = await db.get(Patient, patient_id)
        # An old walk corrected upwards, and walks backfilled beside it: a better baseline window.
        await journal.save_entry(db, patient, walk(old.walked_at, 1500, old.id), NOW)
        await check(db, patient_id, NOW)
        extra = [walk(old.walked_at + timedelta(minutes=20 * i), 1500) for i in range(1, 40)]
        for entry in extra:
            await journal.save_entry(db, patient, entry, NOW)
        await check(db, patient_id, NOW)
        assert (await baselines.rule_input(db, patient, NOW, CFG)).baselines["maximum"].median_m > 1000
        for entry in extra:
            await journal.remove_entry(db, patient, entry.id, NOW)
        await check(db, patient_id, NOW)
        # A clinician resets the baseline to 30 days ago, then clears the reset.
        patient.baseline_since = NOW - timedelta(days=30)
        await journal.reassess_patient(db, patient, NOW)
        await check(db, patient_id, NOW)
        patient.baseline_since = None
        await journal.reassess_patient(db, patient, NOW)
        await check(db, patient_id, NOW)
        # Time passes: the daily pass a week on, then a save a month after that.
        await journal.reassess_patient(db, patient, NOW + timedelta(days=7))
        await check(db, patient_id, NOW + timedelta(days=7))
        later = NOW + timedelta(days=37)
        await journal.save_entry(db, patient, walk(later - timedelta(hours=1), 250), later)
        await check(db, patient_id, later)

    run_db(db_url, the_past_changes)


def test_a_save_reads_only_two_months_once_the_baselines_are_kept(db_url, world, monkeypatch):  # type: ignore[no-untyped-def]
    patient_id = world.ids["alice_patient"]
    history = [walk(NOW - timedelta(days=d, hours=3), 400) for d in range(1, 190)]
    reads: list[tuple[datetime, datetime]] = []
    walk_distances = store.walk_distances

    async def counted(db, pid, after, upto):  # type: ignore[no-untyped-def]
        reads.append((after, upto))
        return await walk_distances(db, pid, after, upto)

    async def saves(db):  # type: ignore[no-untyped-def]
        patient = await db.get(Patient, patient_id)
        for entry in history:
            db.add(store.EntryRow(id=entry.id, patient_id=patient_id, created_at=NOW, updated_at=NOW,
                                  **store.row_values(entry)))
        await db.flush()
        await journal.save_entry(db, patient, walk(NOW - timedelta(minutes=5), 400), NOW)
        assert len(reads) == 1   # the first assessment builds the baselines from the half year
        for minutes in (10, 60, 600):
            at = NOW + timedelta(minutes=minutes)
            await journal.save_entry(db, patient, walk(at - timedelta(minutes=5), 400), at)
        assert len(reads) == 1   # later saves bring them up to date from the recent walks
        await check(db, patient_id, NOW + timedelta(minutes=600))

    monkeypatch.setattr(store, "walk_distances", counted)
    run_db(db_url, saves)
