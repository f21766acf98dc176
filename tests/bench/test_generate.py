"""The benchmark's clinic generator, at a tiny size, so the benchmark does not rot unseen."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import func, select

from bench import generate
from diary import accounts
from diary.db import make_engine, make_sessionmaker, transaction
from diary.models import EntryRow, PatientSummary


def test_it_builds_the_clinic_asked_for_with_flags_and_summaries(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'bench.sqlite3'}"
    built = asyncio.run(generate.build(url, patients=12, walks=600, now=datetime.now(UTC), log=lambda _: None))
    assert (built.patients, built.walks) == (12, 600)

    async def look():  # type: ignore[no-untyped-def]
        engine = make_engine(url)
        try:
            async with transaction(make_sessionmaker(engine)) as db:
                per_patient = dict((await db.execute(select(EntryRow.patient_id, func.count()).where(
                    EntryRow.kind == "walk").group_by(EntryRow.patient_id))).all())
                summaries = (await db.execute(select(func.count()).select_from(PatientSummary))).scalar_one()
                signed_in = await accounts.authenticate(db, generate.patient_email(3), generate.PASSWORD)
            return per_patient, summaries, signed_in
        finally:
            await engine.dispose()

    per_patient, summaries, signed_in = asyncio.run(look())
    assert per_patient[built.short_history[0]] == generate.SHORT_HISTORY
    assert per_patient[built.long_history[0]] == generate.LONG_HISTORY
    assert sum(per_patient[i] for i in built.patient_ids) == 600
    assert summaries == 12 + 2  # every patient with a diary is in the queue's table
    assert signed_in is not None  # the patients can sign in for the load
