"""Counting attempts per key (an address, an account) in fixed windows, in the database.

The counters live in the database, not in process memory, so several app
processes count against the same limit. Each increment is one
``INSERT ... ON CONFLICT DO UPDATE`` statement, atomic on SQLite and PostgreSQL.
Only failures use up a limit: an attempt is counted before it is tried (``take``,
atomic under concurrency) and given back when it succeeds (``give_back``), so a
clinic's staff signing in from one address each morning never trip the limit,
while guessing does, even in a burst.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from diary.models import RateCounter


@dataclass(frozen=True)
class Limit:
    """At most ``attempts`` failures per ``window`` for one key."""

    attempts: int
    window: timedelta

    def window_start(self, now: datetime) -> int:
        seconds = int(self.window.total_seconds())
        return int(now.timestamp()) // seconds * seconds

    def retry_after(self, now: datetime) -> int:
        """Whole seconds until the current window ends."""
        end = self.window_start(now) + int(self.window.total_seconds())
        return max(1, math.ceil(end - now.timestamp()))


def key(kind: str, value: str) -> str:
    """A counter key; the value (an email, an address) is stored only as a hash."""
    return f"{kind}:{hashlib.sha256(value.strip().lower().encode()).hexdigest()[:32]}"


async def blocked(session: AsyncSession, limits: list[tuple[str, Limit]], now: datetime) -> int | None:
    """Seconds to wait if any key has used up its limit in the current window, else None (a read only)."""
    waits = []
    for counter_key, limit in limits:
        count = (await session.execute(select(RateCounter.count).where(
            RateCounter.key == counter_key, RateCounter.window_start == limit.window_start(now)))).scalar()
        if count is not None and count >= limit.attempts:
            waits.append(limit.retry_after(now))
    return max(waits) if waits else None


async def _count(session: AsyncSession, counter_key: str, limit: Limit, now: datetime) -> int:
    """One more attempt against the key, in one statement; the count after it."""
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    start = limit.window_start(now)
    statement = insert(RateCounter).values(
        key=counter_key, window_start=start, count=1, expires_at=datetime.fromtimestamp(start, UTC) + limit.window)
    statement = statement.on_conflict_do_update(
        index_elements=[RateCounter.key, RateCounter.window_start], set_={"count": RateCounter.count + 1},
    ).returning(RateCounter.count)
    return int((await session.execute(statement)).scalar_one())


async def record_failure(session: AsyncSession, limits: list[tuple[str, Limit]], now: datetime) -> None:
    """Count one failure against every key."""
    for counter_key, limit in limits:
        await _count(session, counter_key, limit, now)


async def take(session: AsyncSession, limits: list[tuple[str, Limit]], now: datetime) -> int | None:
    """Count this attempt before it is tried; seconds to wait if that went past a limit, else None.

    The check and the count are one statement per key (an upsert that returns the new
    count), so attempts sent at the same moment are each counted before any is tried:
    of 25 at once against a limit of 10, 15 are refused. Commit this before the slow part
    (a password hash, a code lookup), and give a success back with ``give_back``:
    only failures use up the limit."""
    waits = [limit.retry_after(now) for counter_key, limit in limits
             if await _count(session, counter_key, limit, now) > limit.attempts]
    return max(waits) if waits else None


async def give_back(session: AsyncSession, limits: list[tuple[str, Limit]], now: datetime) -> None:
    """Return an attempt ``take`` counted that turned out not to be a guess (it succeeded)."""
    for counter_key, limit in limits:
        here = (RateCounter.key == counter_key, RateCounter.window_start == limit.window_start(now))
        await session.execute(update(RateCounter).where(*here, RateCounter.count > 0)
                              .values(count=RateCounter.count - 1))
        await session.execute(delete(RateCounter).where(*here, RateCounter.count <= 0))


async def prune(session: AsyncSession, now: datetime) -> int:
    """Delete counters whose window has ended; returns how many."""
    result = await session.execute(delete(RateCounter).where(RateCounter.expires_at < now))
    return result.rowcount or 0
