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
import errno
import socket
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
CODE_KEY = "diary_code_key"  # in session.info: the key codes are hashed with


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


def _tune_sqlite(engine: AsyncEngine, max_bytes: int | None = None) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=FULL")
        if max_bytes:
            cursor.execute("PRAGMA page_size")
            page_size = cursor.fetchone()[0]
            cursor.execute(f"PRAGMA max_page_count={max(1, int(max_bytes) // page_size)}")
        cursor.close()
        # Let SQLAlchemy's "begin" event below decide how transactions start.
        dbapi_connection.isolation_level = None

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection: Any) -> None:
        # A reader (read_transaction) begins deferred: under WAL it runs beside the
        # writer and never takes the write lock.
        connection.exec_driver_sql("BEGIN" if connection.get_execution_options().get(READ_ONLY) else "BEGIN IMMEDIATE")


def make_engine(url: str, *, echo: bool = False, sqlite_max_bytes: int | None = None) -> AsyncEngine:
    """An engine for ``url``. Errors never carry the statement's parameters
    (``hide_parameters``): those are health data, and an error's text ends up in the log.
    ``sqlite_max_bytes`` caps the size of a SQLite database (``PRAGMA max_page_count``):
    past it, writes fail as on a full disk."""
    url = normalise_url(url)
    if url.startswith("sqlite"):
        path = make_url(url).database
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_async_engine(
            url, echo=echo, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000},
            pool_size=8, max_overflow=8, hide_parameters=True,
        )
        _tune_sqlite(engine, sqlite_max_bytes)
        return engine
    return create_async_engine(url, echo=echo, pool_size=10, max_overflow=10, pool_pre_ping=True,
                               hide_parameters=True)


def make_sessionmaker(engine: AsyncEngine, *, code_key: bytes | None = None) -> async_sessionmaker[AsyncSession]:
    """Sessions on ``engine``. ``code_key`` (from the secret key) is what enrolment and invitation
    codes are hashed with (``diary.codes.code_hash``); each session carries it in ``session.info``."""
    info = {CODE_KEY: code_key} if code_key else {}
    return async_sessionmaker(engine, class_=AsyncSession, expire_on_commit=False, info=info)


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


# --- when the database cannot answer ---------------------------------------------------

DISK_FULL, UNAVAILABLE, BUSY = "disk_full", "database_unavailable", "database_busy"
# SQLite's extended result codes (sqlite3.Error.sqlite_errorname), by what they mean for a request.
_SQLITE_CODES = {"SQLITE_FULL": DISK_FULL, "SQLITE_IOERR": DISK_FULL, "SQLITE_CANTOPEN": UNAVAILABLE,
                 "SQLITE_BUSY": BUSY, "SQLITE_LOCKED": BUSY, "SQLITE_READONLY": UNAVAILABLE}
# PostgreSQL's SQLSTATE classes and codes: 08 connection exception, 57P operator intervention
# (shutdown, "cannot connect now"), 53 insufficient resources (53100 disk full), 40001/40P01 would be
# retries but are the app's own business, so they are not here.
_PG_STATES = (("53100", DISK_FULL), ("08", UNAVAILABLE), ("57P", UNAVAILABLE), ("53", BUSY))


_NETWORK_ERRNOS = {errno.ECONNREFUSED, errno.ECONNRESET, errno.EHOSTUNREACH, errno.ENETUNREACH, errno.ETIMEDOUT}


def _causes(exc: BaseException) -> list[BaseException]:
    seen: list[BaseException] = []
    stack = [exc]
    while stack and len(seen) < 12:
        current = stack.pop()
        if current is None or any(current is s for s in seen):
            continue
        seen.append(current)
        stack.extend(x for x in (getattr(current, "orig", None), current.__cause__, current.__context__) if x)
    return seen


def unavailable(exc: BaseException) -> str | None:
    """Why the database could not answer, when that is the trouble: ``disk_full``,
    ``database_unavailable`` (down, restarting, unreachable) or ``database_busy`` (every
    connection taken, a lock not granted in time). None for anything else, a bug included."""
    from sqlalchemy import exc as sa_exc

    for cause in _causes(exc):
        name = getattr(cause, "sqlite_errorname", None)
        if isinstance(name, str):
            for prefix, kind in _SQLITE_CODES.items():
                if name == prefix or name.startswith(prefix + "_"):
                    return kind
        state = getattr(cause, "sqlstate", None) or getattr(cause, "pgcode", None)
        if isinstance(state, str):
            found = next((kind for prefix, kind in _PG_STATES if state.startswith(prefix)), None)
            if found:
                return found
        if isinstance(cause, sa_exc.TimeoutError):  # the pool had no connection to give in time
            return BUSY
        if isinstance(cause, sa_exc.DBAPIError) and cause.connection_invalidated:
            return UNAVAILABLE
        if isinstance(cause, OSError) and cause.errno in (errno.ENOSPC, errno.EDQUOT):
            return DISK_FULL
        if isinstance(cause, (ConnectionError, TimeoutError, socket.gaierror)) or (
                isinstance(cause, OSError) and cause.errno in _NETWORK_ERRNOS):
            return UNAVAILABLE
        if type(cause).__name__ in ("ConnectionDoesNotExistError", "InterfaceError") and \
                "connection" in str(cause).lower() and "closed" in str(cause).lower():
            return UNAVAILABLE
    return None
