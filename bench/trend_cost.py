"""The cost of assessing a new walk, for a patient with a short history and one with a long one.

Measured twice: in-process through the domain layer (``journal.save_entry``, as
the API calls it: store, trend rules, flags, summary), and end to end, one
``PUT /api/v1/entries/{id}`` at a time. The two patients take turns, so a change
in the machine's load affects both alike.
"""

from __future__ import annotations

import statistics
import time
import uuid
from datetime import UTC, datetime, timedelta

import httpx

from bench.servers import SignedIn
from diary import journal
from diary.db import make_engine, make_sessionmaker, transaction
from diary.entries import Relief, Walk
from diary.models import Patient


def _walk(now: datetime) -> Walk:
    return Walk(id=uuid.uuid4(), walked_at=now - timedelta(minutes=10), distance_m=310, pain_onset_m=220,
                stopped_by_pain=True, relief=Relief.stood_still, relief_minutes=3, pain_score=4)


async def domain_ms(db_url: str, patient_ids: tuple[int, int], repeats: int) -> tuple[float, float]:
    """Median milliseconds of ``journal.save_entry`` (store, trend rules, flags, summary;
    not the commit, whose fsync is the same for everyone) for each of the two patients,
    taken in turn so that both see the same machine."""
    engine = make_engine(db_url)
    sessions = make_sessionmaker(engine)
    times: dict[int, list[float]] = {pid: [] for pid in patient_ids}
    try:
        for _ in range(repeats + 2):
            for pid in patient_ids:
                now = datetime.now(UTC)
                async with transaction(sessions) as db:
                    patient = await db.get(Patient, pid)
                    started = time.perf_counter()
                    await journal.save_entry(db, patient, _walk(now), now)
                    times[pid].append((time.perf_counter() - started) * 1000)
    finally:
        await engine.dispose()
    first, second = (statistics.median(times[pid][2:]) for pid in patient_ids)  # two rounds warm the caches
    return first, second


def http_ms(base: str, signed_in: tuple[SignedIn, SignedIn], repeats: int) -> tuple[float, float]:
    """Median milliseconds of one PUT of a new walk, one request at a time, for each of
    two signed-in patients in turn."""
    clients = [httpx.Client(base_url=base, timeout=30, headers={"x-csrftoken": s.token,
                                                                 "cookie": s.cookie_header()}) for s in signed_in]
    times: list[list[float]] = [[], []]
    try:
        for _ in range(repeats + 2):
            for client, spent in zip(clients, times):
                walk = _walk(datetime.now(UTC))
                started = time.perf_counter()
                answer = client.put(f"/api/v1/entries/{walk.id}", content=walk.model_dump_json(),
                                    headers={"content-type": "application/json"})
                spent.append((time.perf_counter() - started) * 1000)
                if answer.status_code != 201:
                    raise RuntimeError(f"PUT answered {answer.status_code}: {answer.text[:200]}")
    finally:
        for client in clients:
            client.close()
    return statistics.median(times[0][2:]), statistics.median(times[1][2:])
