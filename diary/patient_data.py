"""Everything the diary holds about one patient, for them to download.

The entries are the interchange format of ``diary.entries`` (``{"entries":
[...]}``, which ``diary assess`` and the API read back); the profile travels
under a key of its own, which the interchange format ignores. Entries are read
a page at a time, each page in a short transaction of its own, so a long
history is never held in memory and no lock is held while a slow phone
downloads.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from diary.db import transaction
from diary.entries import dump_entry
from diary.measurements import as_json
from diary.models import Clinic, EntryRow, Measurement, Patient, User
from diary.store import to_entry

PAGE = 500


def profile(patient: Patient, user: User, clinic: Clinic, measurements: list[Measurement]) -> dict[str, Any]:
    """What the clinic recorded about the patient, in plain JSON values."""
    return {
        "name": patient.name, "email": user.email, "clinic": clinic.name, "clinic_number": patient.clinic_number,
        "date_of_birth": patient.date_of_birth.isoformat() if patient.date_of_birth else None,
        "affected_side": patient.affected_side, "suspected_type": patient.suspected_type.value,
        "measurements": [as_json(m) for m in measurements],
        "diabetes": patient.diabetes, "phone": patient.phone or None,
        "baseline_since": patient.baseline_since.isoformat() if patient.baseline_since else None,
        "enrolled_at": patient.created_at.isoformat(),
    }


async def entry_page(session: AsyncSession, patient_id: int, after: tuple[datetime, uuid.UUID] | None,
                     limit: int) -> list[EntryRow]:
    """The patient's entries oldest first, from just after ``after`` (the time and id of the last one read)."""
    query = select(EntryRow).where(EntryRow.patient_id == patient_id)
    if after is not None:
        at, entry_id = after
        query = query.where(or_(EntryRow.occurred_at > at, and_(EntryRow.occurred_at == at, EntryRow.id > entry_id)))
    query = query.order_by(EntryRow.occurred_at, EntryRow.id).limit(limit)
    return list((await session.execute(query)).scalars())


async def document_chunks(sessions: async_sessionmaker[AsyncSession], patient_id: int, head: dict[str, Any],
                          page: int | None = None) -> AsyncIterator[str]:
    """The JSON document in pieces: ``head``'s keys, then ``"entries": [...]``, ``page`` entries at a time."""
    page = page or PAGE
    opening = json.dumps(head, ensure_ascii=False)[:-1]
    yield (opening + ", " if head else "{") + '"entries": ['
    after: tuple[datetime, uuid.UUID] | None = None
    first = True
    while True:
        async with transaction(sessions) as db:
            rows = await entry_page(db, patient_id, after, page)
        if not rows:
            break
        pieces = [json.dumps(dump_entry(to_entry(row)), ensure_ascii=False) for row in rows]
        yield ("" if first else ",\n") + ",\n".join(pieces)
        first = False
        after = (rows[-1].occurred_at, rows[-1].id)
        if len(rows) < page:
            break
    yield "]}\n"
