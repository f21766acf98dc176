"""Build a realistic clinic for the benchmark: N patients and their diaries.

The bulk path, documented here because it is not how the app writes:

1. The schema comes from the migrations (``diary.migrate.upgrade``), never create_all.
2. Clinic, staff, patients, their accounts and every walk and check-in are inserted
   with SQLAlchemy Core ``executemany`` in batches. The entry rows are built by the
   domain's own ``store.row_values``, so they are the rows ``store.put_entry`` writes.
   Patient accounts share one argon2 hash (hashing 10,000 passwords would take minutes
   and measures nothing); every patient can sign in with ``PASSWORD``.
3. Flags and queue summaries are computed through the domain layer at ``now``:
   ``flags.reassess`` and ``summary.refresh_entries``/``refresh_flags``, the same calls
   as ``journal.reassess_patient``, given the patient's entries from memory instead of
   reading back what was just written.

Histories come from ``diary.cohort`` (labelled synthetic patients): most stable, some
improving, some worsening, a few with rest pain or wounds. Each patient's walks are
thinned at random to the per-patient share of ``walks`` (a shortfall carries over to
the next patient), so the clinic holds the number of walks asked for while each
history keeps its 6-8 month span. Two extra patients serve the trend-cost
measurement: one with 10 walks, one with 10,000 (three walks a day for nine years).
"""

from __future__ import annotations

import argparse
import asyncio
import random
import time
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, insert, select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from diary import accounts, cohort, flags, migrate, store, summary
from diary.db import make_engine, make_sessionmaker, transaction
from diary.entries import CheckIn, Relief, Walk
from diary.models import EntryRow, Patient, Role, SuspectedType, User

PASSWORD = "bench-password-1"
CLINICIAN = "clinician@bench.test"
CLINIC = "Bench Vascular Clinic"
# Share of patients of each kind: most stable, a few with danger signs.
KIND_WEIGHTS = {"stable": 60, "improving": 12, "slowly_worsening": 9, "suddenly_worsening": 5,
                "neurogenic": 8, "rest_pain": 3, "wound": 3}
SHORT_HISTORY, LONG_HISTORY = 10, 10_000
# After the clinic's own patients: the two trend patients, and one that only the floor app writes to.
EXTRA = 3
BATCH_ROWS = 10_000
ASSESS_BATCH = 250
_FIRST = ("Margaret", "Arthur", "Doreen", "Kenneth", "Iris", "Stanley", "Gwen", "Harold", "Olive", "Frank",
          "Joan", "Derek", "Sheila", "Brian", "Maureen", "Colin", "Pat", "Ray", "Elsie", "Norman")
_LAST = ("Hughes", "Price", "Okafor", "Walsh", "Fenwick", "Moore", "Lloyd", "Bishop", "Grant", "Patel",
         "Evans", "Khan", "Murphy", "Nowak", "Singh", "Turner", "Davies", "Ahmed", "Clarke", "Wood")
_ENTRY_COLUMNS = [c.name for c in EntryRow.__table__.columns]


@dataclass
class Built:
    """What the benchmark needs to know about the clinic it built."""

    url: str
    patients: int = 0
    walks: int = 0
    check_ins: int = 0
    patient_ids: list[int] = field(default_factory=list)
    kinds: dict[str, int] = field(default_factory=dict)
    short_history: tuple[int, str] = (0, "")   # patient id, email
    long_history: tuple[int, str] = (0, "")
    floor_patient: int = 0
    seconds: dict[str, float] = field(default_factory=dict)


def patient_email(index: int) -> str:
    """The sign-in of the clinic's ``index``-th patient (from 0); the extra patients follow."""
    return f"patient{index}@bench.test"


def sync_url(url: str) -> str:
    """The URL the migrations take: plain sqlite:// or postgresql://."""
    return url.replace("+aiosqlite", "").replace("+asyncpg", "")


def _kinds(n: int, rng: random.Random) -> list[str]:
    names, weights = zip(*KIND_WEIGHTS.items())
    return rng.choices(names, weights=weights, k=n)


def _suspected(kind: str) -> SuspectedType:
    return SuspectedType.unknown if kind == "neurogenic" else SuspectedType.vascular


def _entry_row(entry: Walk | CheckIn, patient_id: int) -> dict[str, Any]:
    row = dict.fromkeys(_ENTRY_COLUMNS)
    row.update(store.row_values(entry), id=entry.id, patient_id=patient_id, note="",
               created_at=entry.occurred_at, updated_at=entry.occurred_at, version=1)
    return row


def _thin(walks: list[Walk], quota: int, rng: random.Random) -> list[Walk]:
    if len(walks) <= quota:
        return walks
    return sorted(rng.sample(walks, quota), key=lambda w: w.walked_at)


def long_history(rng: random.Random, now: datetime, count: int) -> list[Walk | CheckIn]:
    """``count`` walks, about three a day, ending now: a patient of many years."""
    span = timedelta(days=count / 3)
    walks = []
    for i in range(count):
        at = now - span + span * (i + rng.random()) / count
        distance = round(300 * rng.lognormvariate(0, 0.12), 1)
        walks.append(Walk(id=uuid.UUID(int=rng.getrandbits(128), version=4), walked_at=min(at, now),
                          distance_m=distance, pain_onset_m=round(distance * 0.7, 1), stopped_by_pain=True,
                          relief=Relief.stood_still, relief_minutes=3, pain_score=4))
    return walks


async def _insert(db: AsyncSession, table: Any, rows: Sequence[dict[str, Any]]) -> None:
    for start in range(0, len(rows), BATCH_ROWS):
        await db.execute(insert(table), list(rows[start:start + BATCH_ROWS]))


async def _people(sessions: async_sessionmaker[AsyncSession], n: int, kinds: list[str], now: datetime,
                  rng: random.Random) -> tuple[int, int]:
    """The clinic, its clinician, and ``n`` + ``EXTRA`` patients with accounts. Returns (clinic id, first patient id)."""
    async with transaction(sessions) as db:
        clinic = await accounts.get_or_create_clinic(db, CLINIC)
        await accounts.create_user(db, clinic=clinic, role=Role.clinician, email=CLINICIAN, password=PASSWORD,
                                   now=now, display_name="Bench Clinician")
        first_user = int((await db.execute(select(func.max(User.id)))).scalar_one()) + 1
        first_patient = int((await db.execute(select(func.coalesce(func.max(Patient.id), 0)))).scalar_one()) + 1
        shared_hash = accounts.hash_password(PASSWORD)
        users, patients = [], []
        for i in range(n + EXTRA):
            users.append({"id": first_user + i, "clinic_id": clinic.id, "role": Role.patient,
                          "email": patient_email(i), "display_name": "", "password_hash": shared_hash,
                          "is_active": True, "created_at": now - timedelta(days=400), "password_changed_at": None})
            kind = kinds[i] if i < n else "stable"
            patients.append({"id": first_patient + i, "clinic_id": clinic.id, "user_id": first_user + i,
                             "name": f"{rng.choice(_FIRST)} {rng.choice(_LAST)} {i}", "clinic_number": f"B-{i:06d}",
                             "suspected_type": _suspected(kind), "created_at": now - timedelta(days=400)})
        await _insert(db, User.__table__, users)
        await _insert(db, Patient.__table__, patients)
        if db.bind.dialect.name == "postgresql":
            for table in ("app_user", "patient"):
                await db.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                      f"(SELECT max(id) FROM {table}))"))
        return clinic.id, first_patient


def _histories(n: int, walks: int, kinds: list[str], seed: int, now: datetime
               ) -> Iterable[tuple[int, list[Walk | CheckIn]]]:
    """(patient index, entries oldest first) for the clinic, then the two trend patients."""
    carry = 0
    per_patient = walks / n if n else 0
    for i in range(n):
        rng = random.Random(f"{seed}:{i}")
        made = cohort.generate_patient(kinds[i], rng, now)
        quota = round(per_patient * (i + 1)) - round(per_patient * i) + carry
        history = _thin([e for e in made.entries if isinstance(e, Walk)], quota, rng)
        carry = quota - len(history)
        checks = [e for e in made.entries if isinstance(e, CheckIn)]
        yield i, sorted(history + checks, key=lambda e: e.occurred_at)
    rng = random.Random(f"{seed}:trend")
    yield n, long_history(rng, now, SHORT_HISTORY * 3)[-SHORT_HISTORY:]
    yield n + 1, long_history(rng, now, LONG_HISTORY)


async def _assess(sessions: async_sessionmaker[AsyncSession], batch: list[tuple[int, list[Walk | CheckIn]]],
                  now: datetime) -> None:
    """Flags and summaries through the domain layer, as ``journal.reassess_patient`` does."""
    since = now - flags.HISTORY_WINDOW
    async with transaction(sessions) as db:
        ids = [pid for pid, _ in batch]
        found = {p.id: p for p in (await db.execute(select(Patient).where(Patient.id.in_(ids)))).scalars()}
        for pid, entries in batch:
            window = [e for e in entries if e.occurred_at >= since]
            patient = found[pid]
            await flags.reassess(db, patient, now, None, window)
            await summary.refresh_entries(db, patient, now, None, window)
            await summary.refresh_flags(db, patient, now)


async def build(url: str, patients: int, walks: int, seed: int = 1, now: datetime | None = None,
                log: Any = print) -> Built:
    """Migrate the database at ``url`` (it should be empty) and fill it with a clinic."""
    now = now or datetime.now(UTC)
    started = time.perf_counter()
    await asyncio.to_thread(migrate.upgrade, sync_url(url))  # it runs an event loop of its own
    engine = make_engine(url)
    sessions = make_sessionmaker(engine)
    built = Built(url=url)
    rng = random.Random(seed)
    kinds = _kinds(patients, rng)
    try:
        _, first = await _people(sessions, patients, kinds, now, rng)
        built.seconds["people"] = time.perf_counter() - started
        rows: list[dict[str, Any]] = []
        batch: list[tuple[int, list[Walk | CheckIn]]] = []
        insert_s = assess_s = 0.0
        for i, entries in _histories(patients, walks, kinds, seed, now):
            pid = first + i
            built.patient_ids.append(pid)
            kind = kinds[i] if i < patients else "trend"
            built.kinds[kind] = built.kinds.get(kind, 0) + 1
            if i < patients:
                n_walks = sum(isinstance(e, Walk) for e in entries)
                built.walks += n_walks
                built.check_ins += len(entries) - n_walks
            rows += (_entry_row(e, pid) for e in entries)
            batch.append((pid, entries))
            if len(rows) >= BATCH_ROWS * 5 or len(batch) >= ASSESS_BATCH or i >= patients:
                t = time.perf_counter()
                async with transaction(sessions) as db:
                    await _insert(db, EntryRow.__table__, rows)
                insert_s += time.perf_counter() - t
                t = time.perf_counter()
                await _assess(sessions, batch, now)
                assess_s += time.perf_counter() - t
                rows, batch = [], []
                if len(built.patient_ids) % 2000 < ASSESS_BATCH:
                    log(f"  {len(built.patient_ids):,} patients, {built.walks:,} walks "
                        f"({time.perf_counter() - started:.0f} s)")
        built.patients = patients
        built.short_history = (first + patients, patient_email(patients))
        built.long_history = (first + patients + 1, patient_email(patients + 1))
        built.floor_patient = first + patients + 2
        built.patient_ids = built.patient_ids[:patients]
        built.seconds.update(insert=insert_s, assess=assess_s, total=time.perf_counter() - started)
    finally:
        await engine.dispose()
    return built


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Fill an empty database with a benchmark clinic.")
    parser.add_argument("--db", required=True, help="database URL (sqlite:///path or postgresql://...)")
    parser.add_argument("--patients", type=int, default=10_000)
    parser.add_argument("--walks", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    built = asyncio.run(build(args.db, args.patients, args.walks, args.seed))
    print(f"{built.patients:,} patients, {built.walks:,} walks, {built.check_ins:,} check-ins "
          f"in {built.seconds['total']:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
