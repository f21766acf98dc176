"""Database engines and sessions for SQLite (default) and PostgreSQL.

SQLite is tuned for health data: WAL so readers never block the writer, a busy
timeout so concurrent writers wait instead of failing, foreign keys enforced,
and synchronous=FULL so an acknowledged write survives a power cut. Every
SQLite transaction starts with BEGIN IMMEDIATE: it takes the write lock up
front, so two transactions that read then write cannot deadlock on the lock
upgrade (which SQLite would report at once as "database is locked", without
waiting for the busy timeout).
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import DateTime, event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.types import TypeDecorator

SQLITE_BUSY_TIMEOUT_MS = 15_000
READ_ONLY = "diary_read_only"  # an execution option: this transaction only reads


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware instant, stored in UTC on every backend."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored: give a timezone")
        value = value.astimezone(UTC)
        # SQLite has no time zone type; the stored text is UTC by convention.
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def sqlite_url(data_dir: Path) -> str:
    return f"sqlite+aiosqlite:///{(data_dir / 'diary.sqlite3').resolve()}"


def normalise_url(url: str) -> str:
    """Accept the usual spellings and pick the async driver for each backend."""
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if backend == "postgresql":
        parsed = parsed.set(drivername="postgresql+asyncpg")
    elif backend == "sqlite":
        parsed = parsed.set(drivername="sqlite+aiosqlite")
    else:
        raise ValueError(f"unsupported database {backend!r}: use sqlite or postgresql")
    return parsed.render_as_string(hide_password=False)


def _tune_sqlite(engine: AsyncEngine) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.close()
        # Let SQLAlchemy's "begin" event below decide how transactions start.
        dbapi_connection.isolation_level = None

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection: Any) -> None:
        # A reader (read_transaction) begins deferred: under WAL it runs beside the
        # writer and never takes the write lock.
        connection.exec_driver_sql("BEGIN" if connection.get_execution_options().get(READ_ONLY) else "BEGIN IMMEDIATE")


def make_engine(url: str, *, echo: bool = False) -> AsyncEngine:
    url = normalise_url(url)
    if url.startswith("sqlite"):
        path = make_url(url).database
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_async_engine(
            url, echo=echo, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000},
            pool_size=8, max_overflow=8,
        )
        _tune_sqlite(engine)
        return engine
    return create_async_engine(url, echo=echo, pool_size=10, max_overflow=10, pool_pre_ping=True)


def make_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, class_=AsyncSession, expire_on_commit=False)


# Locks by engine, then by event loop (an asyncio.Lock belongs to one loop).
_TURNS: weakref.WeakKeyDictionary[Any, weakref.WeakKeyDictionary[Any, asyncio.Lock]] = weakref.WeakKeyDictionary()
_IN_TURN: ContextVar[bool] = ContextVar("diary_db_in_turn", default=False)


@asynccontextmanager
async def sqlite_turn(engine: AsyncEngine) -> AsyncIterator[None]:
    """On SQLite, this process's transactions take turns, first come, first served.

    Every SQLite transaction takes the write lock (BEGIN IMMEDIATE). One that finds
    it taken waits in SQLite's busy handler, which sleeps between tries (up to
    100 ms a try), so under load the lock lies free while the waiters sleep: the
    benchmark measured a p95 of 700 ms for a one-row SELECT at 4 clients, and 11 ms
    with this queue (bench/RESULTS.md). Other processes are still waited for by the
    busy timeout. A transaction opened inside another one in the same task does
    not queue again, so it behaves as before instead of waiting for itself.
    """
    if engine.dialect.name != "sqlite" or _IN_TURN.get():
        yield
        return
    by_loop = _TURNS.setdefault(engine.sync_engine, weakref.WeakKeyDictionary())
    loop = asyncio.get_running_loop()
    lock = by_loop.get(loop) or by_loop.setdefault(loop, asyncio.Lock())
    async with lock:
        token = _IN_TURN.set(True)
        try:
            yield
        finally:
            _IN_TURN.reset(token)


@asynccontextmanager
async def transaction(sessions: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    """One unit of work: commit on success, roll back everything on error."""
    async with sqlite_turn(sessions.kw["bind"]), sessions() as session, session.begin():
        yield session


@asynccontextmanager
async def read_transaction(sessions: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    """A unit of work that only reads. On SQLite it begins deferred and does not wait
    its turn behind this process's writers (WAL readers see the last commit); on
    PostgreSQL it is a READ ONLY transaction, so a stray write fails loudly."""
    async with sessions() as session, session.begin():
        await session.connection(execution_options={READ_ONLY: True, "postgresql_readonly": True})
        yield session
