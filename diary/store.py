"""Saving and reading a patient's entries.

Every function takes the patient's id and scopes its query by it, so an entry
of another patient is simply not found. ``put_entry`` creates or replaces by
the client's UUID, so a replayed submission never duplicates an entry.

Each entry counts its writes (``version``, its HTTP ETag), and a write may say
which version it expects (``Expect``), so a stale edit from a second device
cannot silently overwrite a newer one. A deleted entry leaves a tombstone
(``EntryTombstone``) so that a late write cannot bring it back unless the
patient chooses to restore it.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from datetime import UTC, datetime, timedelta, timezone
from typing import Any, Literal

from sqlalchemy import String, delete, func, or_, select, type_coerce
from sqlalchemy.ext.asyncio import AsyncSession

from diary.entries import STORED, CheckIn, Walk, same_answers
from diary.models import EntryRow, EntryTombstone, Patient

_TIME_FIELD = {"walk": "walked_at", "check_in": "recorded_at"}
_MODEL = {"walk": Walk, "check_in": CheckIn}
_COLUMNS = tuple(EntryRow.__table__.columns)
# The columns an entry is rebuilt from. The id, instant and list columns are read
# as the driver gives them (``_from_plain``), skipping SQLAlchemy's per-value result
# processing, which was half the cost of reading a window of entries.
_LISTS = ("pain_sites", "sensations", "infection_signs", "heart_symptoms", "cauda_equina_signs")
_RAW = {"id", "occurred_at", "created_at", *_LISTS}
# created_at is when the server received the entry: it is the entry's received_at.
_ENTRY_COLUMNS = tuple(c for c in _COLUMNS if c.name not in ("patient_id", "updated_at", "version"))
_ENTRY_SELECT = tuple(type_coerce(c, String).label(c.name) if c.name in _RAW else c for c in _ENTRY_COLUMNS)
_ENTRY_NAMES = tuple(c.name for c in _ENTRY_COLUMNS)


class EntryOwnedElsewhere(Exception):
    """The id is taken by an entry the caller may not see: answer as not found."""


@cache
def _fields(kind: str) -> tuple[str, ...]:
    return tuple(f for f in _MODEL[kind].model_fields if f not in ("id", "type", "received_at", _TIME_FIELD[kind]))


def row_values(entry: Walk | CheckIn) -> dict[str, Any]:
    """Column values for an entry: its fields, and its instant (corrected for the phone's
    clock, ``occurred_at``) with the writer's offset."""
    when = entry.occurred_at
    offset = when.utcoffset() or timedelta(0)
    values: dict[str, Any] = {
        "kind": entry.type,
        "occurred_at": when.astimezone(UTC),
        "utc_offset_min": int(offset.total_seconds() // 60),
    }
    dumped = entry.model_dump(mode="json")
    for name in _fields(entry.type):
        values[name] = dumped[name]
    return values


def to_entry(row: EntryRow) -> Walk | CheckIn:
    """Rebuild the interchange entry, in the offset it was written with, with when it was received."""
    return _rebuild(row.kind, row.id, row.occurred_at, row.utc_offset_min,
                    {name: getattr(row, name) for name in _fields(row.kind)}, row.created_at)


@cache
def _zone(offset_min: int) -> timezone:
    return timezone(timedelta(minutes=offset_min))


def _rebuild(kind: str, entry_id: uuid.UUID, at: datetime, offset_min: int, values: dict[str, Any],
             received: datetime | None = None) -> Walk | CheckIn:
    if values.get("clock_offset_s"):
        # Stored corrected (the rules' time); the entry keeps the phone's own.
        at = at - timedelta(seconds=values["clock_offset_s"])
    data: dict[str, Any] = {"type": kind, "id": entry_id, _TIME_FIELD[kind]: at.astimezone(_zone(offset_min)),
                            "received_at": received}
    data.update((name, value) for name, value in values.items() if value is not None)
    return _MODEL[kind].model_validate(data, context=STORED)


def _plain_time(value: str | datetime) -> datetime:
    """An instant as the driver gives it: text in UTC (SQLite) or a datetime (PostgreSQL)."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


@lru_cache(maxsize=4096)
def _list_text(value: str) -> tuple[str, ...] | None:
    """A stored list of choices (JSON text); few distinct ones occur, so each is parsed once.
    JSON null (a list not asked) stays None."""
    parsed = json.loads(value)
    return None if parsed is None else tuple(parsed)



@cache
def _plain_fields(kind: str) -> tuple[tuple[str, int], ...]:
    return tuple((name, _ENTRY_NAMES.index(name)) for name in _fields(kind))


_ID, _KIND, _AT, _OFFSET, _RECEIVED = (_ENTRY_NAMES.index(n) for n in (
    "id", "kind", "occurred_at", "utc_offset_min", "created_at"))


def _from_plain(row: Sequence[Any]) -> Walk | CheckIn:
    """``to_entry`` for a row of ``_ENTRY_SELECT``."""
    kind = row[_KIND]
    values = {name: _list_text(row[i]) if name in _LISTS and isinstance(row[i], str) else row[i]
              for name, i in _plain_fields(kind)}
    # The id as the driver gives it (32 hex digits on SQLite): pydantic reads it.
    return _rebuild(kind, row[_ID], _plain_time(row[_AT]), row[_OFFSET], values, _plain_time(row[_RECEIVED]))


@dataclass(frozen=True)
class Expect:
    """What a writer believes is stored: the HTTP preconditions of a write.

    ``if_match``: the versions it read (``"*"``: any stored entry); ``if_none_match``:
    versions it does not want to overwrite (``"*"``: create only, nothing may be
    stored). ``restore``: the patient chose to bring back a deleted entry. The
    default expects nothing: create or replace, as every write did before versions."""

    if_match: frozenset[int] | Literal["*"] | None = None
    if_none_match: frozenset[int] | Literal["*"] | None = None
    restore: bool = False

    def check(self, version: int | None) -> bool:
        """Whether a write may go ahead over ``version`` (None: nothing stored)."""
        if self.if_match is not None and (version is None or (self.if_match != "*" and version not in self.if_match)):
            return False
        if self.if_none_match is not None and version is not None and (
                self.if_none_match == "*" or version in self.if_none_match):
            return False
        return True


ANYTHING = Expect()


class PreconditionFailed(Exception):
    """The stored entry is not the one the writer expected (412): ``current`` is what is stored."""

    def __init__(self, current: Walk | CheckIn | None, version: int | None):
        super().__init__(str(version))
        self.current, self.version = current, version


class EntryGone(Exception):
    """The entry was deleted (410): a write brings it back only if the patient chose to restore it."""

    def __init__(self, deleted_at: datetime):
        super().__init__(deleted_at.isoformat())
        self.deleted_at = deleted_at


@dataclass(frozen=True)
class PutResult:
    created: bool
    previous: Walk | CheckIn | None
    version: int = 1
    restored: bool = False
    current: Walk | CheckIn | None = None

    @property
    def changed(self) -> bool:
        """False for a replay of what was stored already."""
        return self.previous is None or self.current is None or not same_entry(self.previous, self.current)


def same_entry(a: Walk | CheckIn, b: Walk | CheckIn) -> bool:
    """The same entry, field for field as the patient gave it (the server's ``received_at`` aside)."""
    return same_answers(a, b)


async def lock_patient(session: AsyncSession, patient_id: int) -> None:
    """Lock the patient's row until the transaction ends (PostgreSQL; SQLite's
    BEGIN IMMEDIATE already lets one writer in at a time, so there is nothing to do)."""
    if session.bind is not None and session.bind.dialect.name == "sqlite":
        return
    await session.execute(select(Patient.id).where(Patient.id == patient_id).with_for_update())


async def _tombstone(session: AsyncSession, patient_id: int, entry_id: uuid.UUID) -> EntryTombstone | None:
    stone = await session.get(EntryTombstone, entry_id)
    if stone is not None and stone.patient_id != patient_id:
        raise EntryOwnedElsewhere(str(entry_id))
    return stone


async def put_entry(session: AsyncSession, patient_id: int, entry: Walk | CheckIn, now: datetime,
                    expect: Expect = ANYTHING) -> PutResult:
    """Create the entry, or replace the patient's own entry with the same id, if ``expect`` holds.

    Raises PreconditionFailed when it does not, and EntryGone for a deleted entry
    unless ``expect.restore``. Each write that changes the entry counts one version;
    a replay of what is stored changes nothing.

    One patient's saves take turns: the patient's row is locked until the
    transaction ends. Without it, on PostgreSQL, two saves at once (a phone
    replaying its queue while the first send is still in flight) could both
    insert the same entry id or the patient's first summary row and fail with
    a unique violation. SQLite's BEGIN IMMEDIATE already serialises writers."""
    await lock_patient(session, patient_id)
    row = await session.get(EntryRow, entry.id)
    values = row_values(entry)
    if row is None:
        stone = await _tombstone(session, patient_id, entry.id)
        if stone is not None and not expect.restore:
            raise EntryGone(stone.deleted_at)
        if not expect.check(None):
            raise PreconditionFailed(None, None)
        version = stone.version + 1 if stone is not None else 1
        if stone is not None:
            await session.delete(stone)
        session.add(EntryRow(id=entry.id, patient_id=patient_id, created_at=now, updated_at=now, version=version,
                             **values))
        await session.flush()
        return PutResult(created=True, previous=None, version=version, restored=stone is not None, current=entry)
    if row.patient_id != patient_id:
        raise EntryOwnedElsewhere(str(entry.id))
    previous = to_entry(row)
    if not expect.check(row.version):
        raise PreconditionFailed(previous, row.version)
    result = PutResult(created=False, previous=previous, version=row.version, current=entry)
    if not result.changed:
        return result
    if row.kind != entry.type:
        # A walk replaced by a check-in (or back): clear the other kind's columns.
        for name in _fields(row.kind):
            setattr(row, name, None)
    for name, value in values.items():
        setattr(row, name, value)
    row.updated_at = now
    row.version += 1
    session.add(row)
    await session.flush()
    return PutResult(created=False, previous=previous, version=row.version, current=entry)


async def get_entry(session: AsyncSession, patient_id: int, entry_id: uuid.UUID) -> Walk | CheckIn | None:
    found = await get_versioned(session, patient_id, entry_id)
    return found[0] if found else None


async def get_versioned(session: AsyncSession, patient_id: int,
                        entry_id: uuid.UUID) -> tuple[Walk | CheckIn, int] | None:
    """The patient's entry and its version; raises EntryGone if it was deleted."""
    row = (
        await session.execute(select(EntryRow).where(EntryRow.id == entry_id, EntryRow.patient_id == patient_id))
    ).scalar_one_or_none()
    if row is not None:
        return to_entry(row), row.version
    stone = await session.get(EntryTombstone, entry_id)
    if stone is not None and stone.patient_id == patient_id:
        raise EntryGone(stone.deleted_at)
    return None


async def versions(session: AsyncSession, patient_id: int, entry_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, int]:
    """The versions of some of the patient's entries (for the pages that list them)."""
    if not entry_ids:
        return {}
    query = select(EntryRow.id, EntryRow.version).where(EntryRow.patient_id == patient_id,
                                                        EntryRow.id.in_(list(entry_ids)))
    return {entry_id: version for entry_id, version in (await session.execute(query)).all()}


async def delete_entry(session: AsyncSession, patient_id: int, entry_id: uuid.UUID, now: datetime,
                       expect: Expect = ANYTHING) -> Walk | CheckIn | None:
    """Delete the patient's entry if ``expect`` holds, leaving a tombstone; returns
    what was deleted, or None if not theirs. Raises EntryGone if it was deleted
    already, PreconditionFailed if it is not the version expected."""
    await lock_patient(session, patient_id)
    row = (
        await session.execute(select(EntryRow).where(EntryRow.id == entry_id, EntryRow.patient_id == patient_id))
    ).scalar_one_or_none()
    if row is None:
        stone = await session.get(EntryTombstone, entry_id)
        if stone is not None and stone.patient_id == patient_id:
            raise EntryGone(stone.deleted_at)
        return None
    entry = to_entry(row)
    if not expect.check(row.version):
        raise PreconditionFailed(entry, row.version)
    session.add(EntryTombstone(entry_id=entry_id, patient_id=patient_id, deleted_at=now, version=row.version + 1))
    await session.execute(delete(EntryRow).where(EntryRow.id == entry_id, EntryRow.patient_id == patient_id))
    return entry


async def list_entries(
    session: AsyncSession, patient_id: int, *, limit: int = 50, offset: int = 0, kind: str | None = None
) -> list[Walk | CheckIn]:
    """The patient's entries, newest first."""
    query = select(*_ENTRY_SELECT).where(EntryRow.patient_id == patient_id)
    if kind:
        query = query.where(EntryRow.kind == kind)
    query = query.order_by(EntryRow.occurred_at.desc(), EntryRow.id).limit(limit).offset(offset)
    return [_from_plain(r) for r in (await session.execute(query)).all()]


async def count_entries(session: AsyncSession, patient_id: int) -> int:
    query = select(func.count()).select_from(EntryRow).where(EntryRow.patient_id == patient_id)
    return int((await session.execute(query)).scalar_one())


async def entries_since(session: AsyncSession, patient_id: int, since: datetime,
                        walks_since: datetime | None = None) -> list[Walk | CheckIn]:
    """The patient's entries from ``since`` on, oldest first: the trend module's window.
    With ``walks_since``, walks only from then on (check-ins still from ``since``).

    Every save reads this window, so it reads plain rows rather than mapped objects
    (bench/RESULTS.md, "trend cost")."""
    query = (
        select(*_ENTRY_SELECT)
        .where(EntryRow.patient_id == patient_id, EntryRow.occurred_at >= since)
        .order_by(EntryRow.occurred_at)
    )
    if walks_since is not None:
        query = query.where(or_(EntryRow.kind != "walk", EntryRow.occurred_at >= walks_since))
    return [_from_plain(r) for r in (await session.execute(query)).all()]


async def gps_speed_m_per_min(session: AsyncSession, patient_id: int, limit: int = 20) -> float | None:
    """The patient's own walking speed from their recent GPS-measured walks, if any."""
    query = (
        select(EntryRow.distance_m, EntryRow.duration_min)
        .where(
            EntryRow.patient_id == patient_id,
            EntryRow.kind == "walk",
            EntryRow.source == "gps",
            EntryRow.duration_min > 0,
            EntryRow.distance_m > 0,
        )
        .order_by(EntryRow.occurred_at.desc())
        .limit(limit)
    )
    rows = (await session.execute(query)).all()
    if not rows:
        return None
    return sum(d for d, _ in rows) / sum(m for _, m in rows)


async def walk_distances(session: AsyncSession, patient_id: int, after: datetime,
                         upto: datetime) -> list[tuple[datetime, float, float | None]]:
    """(instant in UTC, distance, pain onset) of the patient's walks with
    ``after < time <= upto``, oldest first: what the distance baselines read."""
    query = (
        select(type_coerce(EntryRow.occurred_at, String), EntryRow.distance_m, EntryRow.pain_onset_m)
        .where(EntryRow.patient_id == patient_id, EntryRow.kind == "walk", EntryRow.occurred_at > after,
               EntryRow.occurred_at <= upto)
        .order_by(EntryRow.occurred_at)
    )
    return [(_plain_time(at), distance, onset) for at, distance, onset in (await session.execute(query)).all()]
