"""Deleting what has expired: sign-in sessions, WebAuthn challenges, rate-limit counters.

None of these can be used once expired (each is checked when read); pruning
only keeps the tables small. Run hourly by the scheduler.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession

from diary import ratelimit
from diary.models import AuthChallenge, AuthSession


async def prune_expired(session: AsyncSession, now: datetime) -> dict[str, int]:
    """How many rows of each kind were deleted."""
    sessions = await session.execute(delete(AuthSession).where(AuthSession.expires_at <= now))
    challenges = await session.execute(delete(AuthChallenge).where(AuthChallenge.expires_at <= now))
    return {"sessions": sessions.rowcount or 0, "challenges": challenges.rowcount or 0,
            "rate_counters": await ratelimit.prune(session, now)}
