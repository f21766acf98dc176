"""Scheduled work, run by APScheduler inside the app process (``diary serve``).

The daily trend pass reassesses every patient so that time-based rules (a
patient who has stopped logging) are raised even when nothing new arrives.
Running it twice, or in two processes, is harmless: a finding for an
ongoing episode updates its flag instead of raising another.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from diary import journal

log = logging.getLogger("diary.scheduler")
DAILY_TREND_JOB = "daily-trend-pass"


async def daily_trend_pass(sessions: async_sessionmaker[AsyncSession]) -> int:
    count = await journal.reassess_all(sessions, datetime.now(UTC))
    log.info("daily trend pass: %d patients reassessed", count)
    return count


def build_scheduler(sessions: async_sessionmaker[AsyncSession]) -> AsyncIOScheduler:
    scheduler = AsyncIOScheduler(timezone=UTC)
    scheduler.add_job(
        daily_trend_pass, CronTrigger(hour=3, minute=15, timezone=UTC), args=[sessions], id=DAILY_TREND_JOB,
        coalesce=True, max_instances=1, misfire_grace_time=6 * 3600, replace_existing=True,
    )
    return scheduler
