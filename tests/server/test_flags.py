"""Findings become flags as entries arrive through the app: raised once, updated, escalated."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from diary import flags, journal
from diary.entries import parse_entry
from diary.db import make_engine, make_sessionmaker
from diary.models import Flag, FlagEvent, FlagStatus, Patient
from server.scheduler import build_scheduler, daily_trend_pass
from tests.conftest import run_db, signed_in

NOW = datetime.now(UTC)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def backend(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def alice(make_browser, world):  # type: ignore[no-untyped-def]
    return signed_in(make_browser, world, "alice")


def put(browser, entry: dict) -> None:  # type: ignore[no-untyped-def]
    response = browser.api("PUT", f"/api/v1/entries/{entry['id']}", json=entry)
    assert response.status_code in (200, 201), response.text


def check_in(days_ago: float, **fields) -> dict:  # type: ignore[no-untyped-def]
    return {"type": "check_in", "id": str(uuid.uuid4()),
            "recorded_at": (NOW - timedelta(days=days_ago)).isoformat(), **fields}


def walk(days_ago: float, distance: float) -> dict:
    return {"type": "walk", "id": str(uuid.uuid4()), "walked_at": (NOW - timedelta(days=days_ago)).isoformat(),
            "distance_m": distance, "pain_onset_m": distance * 0.7, "stopped_by_pain": True,
            "relief": "stood_still"}


def stored_flags(db_url: str) -> list[Flag]:
    async def load(db):  # type: ignore[no-untyped-def]
        return list((await db.execute(select(Flag).order_by(Flag.id))).scalars())
    return run_db(db_url, load)


def events(db_url: str) -> list[tuple[str, str]]:
    async def load(db):  # type: ignore[no-untyped-def]
        return [(e.action, e.severity) for e in (await db.execute(select(FlagEvent).order_by(FlagEvent.id))).scalars()]
    return run_db(db_url, load)


def set_status(db_url: str, flag_id: int, status: FlagStatus, by: int) -> None:
    async def change(db):  # type: ignore[no-untyped-def]
        await flags.change_status(db, await db.get(Flag, flag_id), status, by, datetime.now(UTC), note="seen")
    run_db(db_url, change)


def test_a_wound_raises_one_urgent_flag_with_its_evidence(alice, db_url):  # type: ignore[no-untyped-def]
    first = check_in(3, wound=True, wound_days=5)
    put(alice, first)
    [flag] = [f for f in stored_flags(db_url) if f.rule == "tissue_loss"]
    assert flag.severity == "urgent" and flag.status == FlagStatus.open
    assert first["id"] in flag.evidence


def test_the_same_episode_updates_the_open_flag_instead_of_raising_another(alice, db_url):  # type: ignore[no-untyped-def]
    put(alice, check_in(3, wound=True, wound_days=5))
    second = check_in(1, wound=True, wound_days=7)
    put(alice, second)
    wound_flags = [f for f in stored_flags(db_url) if f.rule == "tissue_loss"]
    assert len(wound_flags) == 1 and second["id"] in wound_flags[0].evidence
    assert events(db_url).count(("raised", "urgent")) == 1


def test_a_worse_severity_escalates_and_reopens_an_acknowledged_flag(alice, db_url, world):  # type: ignore[no-untyped-def]
    put(alice, check_in(2, rest_pain=True))
    [flag] = [f for f in stored_flags(db_url) if f.rule == "rest_pain"]
    assert flag.severity == "review"
    set_status(db_url, flag.id, FlagStatus.acknowledged, world.ids["nurse"])
    put(alice, check_in(1, rest_pain=True, rest_pain_at_night=True, eased_by_hanging_leg=True))
    [flag] = [f for f in stored_flags(db_url) if f.rule == "rest_pain"]
    assert flag.severity == "urgent" and flag.status == FlagStatus.open
    assert ("escalated", "urgent") in events(db_url)


def test_a_resolved_flag_is_not_raised_again_for_the_same_episode(alice, db_url, world):  # type: ignore[no-untyped-def]
    put(alice, check_in(2, rest_pain=True))
    [flag] = stored_flags(db_url)
    set_status(db_url, flag.id, FlagStatus.resolved, world.ids["nurse"])
    put(alice, walk(1, 400))  # any new entry triggers a reassessment
    assert [(f.rule, f.status) for f in stored_flags(db_url)] == [("rest_pain", FlagStatus.resolved)]


def test_a_new_episode_after_resolution_raises_a_new_flag(alice, db_url, world):  # type: ignore[no-untyped-def]
    old = check_in(30, rest_pain=True)
    put(alice, old)
    [flag] = stored_flags(db_url)
    set_status(db_url, flag.id, FlagStatus.resolved, world.ids["nurse"])
    put(alice, check_in(20, rest_pain=False))  # it stopped
    put(alice, check_in(1, rest_pain=True))   # and came back: a new episode
    rest = [f for f in stored_flags(db_url) if f.rule == "rest_pain"]
    assert [f.status for f in rest] == [FlagStatus.resolved, FlagStatus.open]
    assert old["id"] not in rest[1].evidence


def test_a_falling_walking_distance_is_flagged_for_review(alice, db_url):  # type: ignore[no-untyped-def]
    for day in range(60, 20, -3):
        put(alice, walk(day, 400))
    for day in (10, 7, 4, 1):
        put(alice, walk(day, 150))
    rules = {f.rule: f for f in stored_flags(db_url)}
    assert rules["distance_decline"].severity == "review"
    assert "400 m" in rules["distance_decline"].message and "150 m" in rules["distance_decline"].message
    assert "fontaine_iib" in rules


def test_the_patient_sees_safety_advice_not_the_clinical_wording(alice, db_url):  # type: ignore[no-untyped-def]
    put(alice, check_in(1, wound=True, wound_days=20))
    page = alice.client.get("/diary").text
    assert "Phone your care team today" in page
    [flag] = stored_flags(db_url)
    assert flag.message[:40] not in page


def test_the_daily_pass_raises_a_logging_gap_without_any_new_entry(db_url, world):  # type: ignore[no-untyped-def]
    async def log_walks(db):  # type: ignore[no-untyped-def]
        patient = await db.get(Patient, world.ids["alice_patient"])
        for week in range(10):
            for offset in (0, 2, 4):
                entry = parse_entry(walk(20 + week * 7 + offset, 400))
                await journal.save_entry(db, patient, entry, entry.occurred_at)  # assessed as it arrived
    run_db(db_url, log_walks)
    assert "logging_gap" not in {f.rule for f in stored_flags(db_url)}

    async def run() -> int:
        engine = make_engine(db_url)
        try:
            return await daily_trend_pass(make_sessionmaker(engine))
        finally:
            await engine.dispose()
    assert asyncio.run(run()) == 2  # both enrolled patients
    gap = [f for f in stored_flags(db_url) if f.rule == "logging_gap"]
    assert len(gap) == 1 and gap[0].severity == "info"


def test_diary_serve_schedules_the_daily_pass_and_the_hourly_housekeeping():
    scheduler = build_scheduler(sessions=None)  # type: ignore[arg-type]
    jobs = {job.id: job for job in scheduler.get_jobs()}
    assert set(jobs) == {"daily-trend-pass", "hourly-housekeeping"}
    assert "hour='3'" in str(jobs["daily-trend-pass"].trigger)
    assert "minute='7'" in str(jobs["hourly-housekeeping"].trigger)
