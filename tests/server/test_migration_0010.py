"""Migration 0010 carries stored rows forward: the enrolment's ABI becomes the first measurement,
and the queue's trend arrows are worked out from the baselines the last assessment kept."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta

import pytest
from alembic import command
from sqlalchemy import text

from diary import migrate
from diary.db import make_engine
from diary.trend import TrendConfig
from diary.trend.baseline_state import fresh

ENROLLED = datetime(2026, 3, 4, 10, 30, tzinfo=UTC)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def backend(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def empty_url(backend, tmp_path, request):  # type: ignore[no-untyped-def]
    """A database with no tables (the shared fixtures come migrated to the head)."""
    if backend == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'old.sqlite3'}"
        return
    url = request.getfixturevalue("postgres_url")

    async def drop() -> None:
        engine = make_engine(url)
        async with engine.begin() as conn:
            await conn.execute(text("DROP SCHEMA public CASCADE"))
            await conn.execute(text("CREATE SCHEMA public"))
        await engine.dispose()
    asyncio.run(drop())
    yield url
    migrate.upgrade(url)  # the session's database is left at the head for the tests after


def sql(url: str, statements: list[tuple[str, dict]]) -> list:  # type: ignore[type-arg]
    async def run():  # type: ignore[no-untyped-def]
        engine = make_engine(url)
        results = []
        async with engine.begin() as conn:
            for statement, params in statements:
                result = await conn.execute(text(statement), params)
                results.append(result.all() if result.returns_rows else None)
        await engine.dispose()
        return results
    return asyncio.run(run())


def kept_baselines(now: datetime) -> str:
    """The baseline state an assessment at ``now`` kept for walks of 480 m then of 300 m."""
    walks = [(now - timedelta(days=d), 480.0 if d > 60 else 300.0, 300.0) for d in range(190, 20, -3)]
    return fresh(walks, now, TrendConfig(), None).to_json()


def test_stored_rows_are_carried_forward_to_0010_and_back(empty_url):  # type: ignore[no-untyped-def]
    url = empty_url
    migrate.upgrade(url, "0006")
    now = datetime(2026, 11, 30, 12, tzinfo=UTC)
    sql(url, [
        ("INSERT INTO clinic (id, name, timezone) VALUES (1, 'C', 'Europe/London')", {}),
        ("INSERT INTO patient (id, clinic_id, name, clinic_number, suspected_type, resting_abi, created_at) "
         "VALUES (1, 1, 'Ada', 'N-1', 'vascular', 0.72, :at), (2, 1, 'Bea', 'N-2', 'unknown', NULL, :at)",
         {"at": ENROLLED}),
        ("INSERT INTO patient_summary (patient_id, clinic_id, walks_recent, max_median_m, previous_max_median_m, "
         "trend, open_rank, open_count, top_message, baseline_state) "
         "VALUES (1, 1, 5, 150, 155, 'steady', 0, 0, '', :state), (2, 1, 0, NULL, NULL, NULL, 0, 0, '', NULL)",
         {"state": kept_baselines(now)}),
    ])
    migrate.upgrade(url)
    measurements, summaries = sql(url, [
        ("SELECT patient_id, kind, side, value, measured_on, note FROM measurement", {}),
        ("SELECT patient_id, trend, baseline_max_m, baseline_pain_free_m FROM patient_summary ORDER BY patient_id", {}),
    ])
    [(patient_id, kind, side, value, measured_on, note)] = measurements
    assert (patient_id, kind, side, value, note) == (1, "abi", None, 0.72, "Recorded at enrolment")
    assert str(measured_on) == str(date(2026, 3, 4))
    # 150 m against a usual 480 m: the old arrow said "steady" (150 against 155), the new one "down".
    assert summaries[0][:3] == (1, "down", 480.0) and summaries[0][3] == 300.0
    assert summaries[1] == (2, None, None, None)

    command.downgrade(migrate.alembic_config(url), "0006")
    [abi] = sql(url, [("SELECT resting_abi FROM patient ORDER BY id", {})])
    assert [row[0] for row in abi] == [0.72, None]
