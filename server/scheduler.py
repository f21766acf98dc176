"""Scheduled work, run by APScheduler: in ``diary serve`` for a single process, or alone
in ``diary scheduler`` when several web processes run with ``--no-scheduler``.

- The daily trend pass reassesses every patient so that time-based rules (a
  patient who has stopped logging) are raised even when nothing new arrives.
- Every hour, expired sessions, WebAuthn challenges and rate-limit counters
  are deleted (none can be used once expired; this keeps the tables small).
- The weekly export runs on Monday at 06:00 in each clinic's time zone and
  produces last week's files. At start it also catches up weeks missed while
  nothing ran. Each (clinic, week) is claimed atomically in the database, so
  however many schedulers run, a week is exported once.

Running either job twice, or in two processes, is harmless.
"""

from __future__ import annotations

import logging
import os
import socket
from datetime import UTC, datetime
from pathlib import Path

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from diary import exports, housekeeping, journal
from diary.db import transaction
from diary.models import Clinic

log = logging.getLogger("diary.scheduler")
DAILY_TREND_JOB = "daily-trend-pass"
HOUSEKEEPING_JOB = "hourly-housekeeping"


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


async def daily_trend_pass(sessions: async_sessionmaker[AsyncSession]) -> int:
    count = await journal.reassess_all(sessions, datetime.now(UTC))
    log.info("daily trend pass: %d patients reassessed", count)
    return count


async def hourly_housekeeping(sessions: async_sessionmaker[AsyncSession]) -> dict[str, int]:
    async with transaction(sessions) as db:
        pruned = await housekeeping.prune_expired(db, datetime.now(UTC))
    log.info("housekeeping: expired rows deleted %s", pruned)
    return pruned


async def weekly_exports(sessions: async_sessionmaker[AsyncSession], data_dir: Path,
                         timezone: str | None = None) -> list[tuple[str, str]]:
    ran = await exports.run_due_exports(sessions, data_dir, datetime.now(UTC), worker_name(), timezone)
    for clinic, week in ran:
        log.info("weekly export done: %s %s", clinic, week)
    return ran


async def clinic_timezones(sessions: async_sessionmaker[AsyncSession]) -> list[str]:
    async with transaction(sessions) as db:
        return sorted(set((await db.execute(select(Clinic.timezone))).scalars()))


def build_scheduler(sessions: async_sessionmaker[AsyncSession], data_dir: Path | None = None,
                    timezones: list[str] = ()) -> AsyncIOScheduler:
    """The jobs. ``timezones``: one Monday 06:00 export job per clinic time zone."""
    # APScheduler narrates every job it adds and runs at INFO; the jobs log what they did themselves.
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    scheduler = AsyncIOScheduler(timezone=UTC)
    scheduler.add_job(
        daily_trend_pass, CronTrigger(hour=3, minute=15, timezone=UTC), args=[sessions], id=DAILY_TREND_JOB,
        coalesce=True, max_instances=1, misfire_grace_time=6 * 3600, replace_existing=True,
    )
    scheduler.add_job(
        hourly_housekeeping, CronTrigger(minute=7, timezone=UTC), args=[sessions], id=HOUSEKEEPING_JOB,
        coalesce=True, max_instances=1, replace_existing=True,
    )
    if data_dir is not None:
        for tz in timezones:
            scheduler.add_job(
                weekly_exports, CronTrigger(day_of_week="mon", hour=6, minute=0, timezone=tz),
                args=[sessions, data_dir, tz], id=f"weekly-exports-{tz}", coalesce=True, max_instances=1,
                misfire_grace_time=24 * 3600, replace_existing=True,
            )
        # Catch up at start: weeks missed while nothing ran.
        scheduler.add_job(weekly_exports, args=[sessions, data_dir], id="weekly-exports-catch-up",
                          next_run_time=datetime.now(UTC), max_instances=1, replace_existing=True)
    return scheduler
