"""Transactions on SQLite: writers take the write lock up front; readers never wait for it."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from sqlalchemy import text

from diary.db import make_engine, make_sessionmaker, read_transaction, transaction


def test_a_reader_runs_beside_a_writer_and_sees_the_last_commit(tmp_path: Path) -> None:
    async def work() -> tuple[int, int]:
        engine = make_engine(f"sqlite:///{tmp_path / 'd.sqlite3'}")
        sessions = make_sessionmaker(engine)
        try:
            async with transaction(sessions) as db:
                await db.execute(text("CREATE TABLE t (a INTEGER)"))
                await db.execute(text("INSERT INTO t VALUES (1)"))
            async with transaction(sessions) as writer:
                await writer.execute(text("INSERT INTO t VALUES (2)"))  # holds the write lock
                async def read() -> int:
                    async with read_transaction(sessions) as reader:
                        return int((await reader.execute(text("SELECT count(*) FROM t"))).scalar_one())
                # A reader that took the write lock would wait 15 s here, then fail.
                seen_during = await asyncio.wait_for(read(), timeout=5)
            seen_after = await asyncio.wait_for(read(), timeout=5)
            return seen_during, seen_after
        finally:
            await engine.dispose()

    assert asyncio.run(work()) == (1, 2)


def test_a_reader_on_postgresql_cannot_write() -> None:
    import os

    url = os.environ.get("DIARY_TEST_POSTGRES_URL")
    if not url:
        pytest.skip("DIARY_TEST_POSTGRES_URL is not set: the PostgreSQL read-only check is skipped")

    async def work() -> None:
        engine = make_engine(url)
        try:
            async with read_transaction(make_sessionmaker(engine)) as reader:
                await reader.execute(text("CREATE TEMPORARY TABLE should_not_exist (a INTEGER)"))
        finally:
            await engine.dispose()

    with pytest.raises(Exception, match="read-only"):
        asyncio.run(work())
