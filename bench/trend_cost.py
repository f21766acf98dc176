"""The cost of assessing a new walk, for a patient with a short history and one with a long one.

Measured twice: in-process through the domain layer (``journal.save_entry`` in
its own transaction, as the API does: store, trend rules, flags, summary,
commit), and end to end, one ``PUT /api/v1/entries/{id}`` at a time.
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


async def domain_ms(db_url: str, patient_id: int, repeats: int) -> float:
    """Median milliseconds of one save, transaction and commit included."""
    engine = make_engine(db_url)
    sessions = make_sessionmaker(engine)
    times = []
    try:
        for _ in range(repeats + 2):
            now = datetime.now(UTC)
            started = time.perf_counter()
            async with transaction(sessions) as db:
                patient = await db.get(Patient, patient_id)
                await journal.save_entry(db, patient, _walk(now), now)
            times.append((time.perf_counter() - started) * 1000)
    finally:
        await engine.dispose()
    return statistics.median(times[2:])  # the first two warm caches


def http_ms(base: str, signed_in: SignedIn, repeats: int) -> float:
    """Median milliseconds of one PUT of a new walk, one request at a time."""
    times = []
    headers = {"x-csrftoken": signed_in.token, "cookie": signed_in.cookie_header()}
    with httpx.Client(base_url=base, timeout=30, headers=headers) as client:
        for _ in range(repeats + 2):
            walk = _walk(datetime.now(UTC))
            started = time.perf_counter()
            answer = client.put(f"/api/v1/entries/{walk.id}", content=walk.model_dump_json(),
                                headers={"content-type": "application/json"})
            times.append((time.perf_counter() - started) * 1000)
            if answer.status_code != 201:
                raise RuntimeError(f"PUT answered {answer.status_code}: {answer.text[:200]}")
    return statistics.median(times[2:])
