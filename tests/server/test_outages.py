"""Telling "the database cannot answer, try again" from a bug, in-process.

The fault tests (test_fault_postgres.py, test_fault_sqlite.py) do this against a real server
and a real outage; here each piece is pinned down: which errors are outages, the 503 with
Retry-After for the API and for a page, the log that does not flood, the health checks, and
engines that never put a statement's parameters (health data) in an error's text.
"""

from __future__ import annotations

import asyncio
import errno
import logging
import sqlite3
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from litestar.testing import TestClient
from sqlalchemy import exc as sa_exc
from sqlalchemy import text

from diary import migrate
from diary.db import BUSY, DISK_FULL, UNAVAILABLE, make_engine, unavailable
from server.app import create_app
from server.errors import OutageLog
from tests.conftest import Browser

NOTE = "private: the ulcer on her left heel is weeping"


def walk() -> dict:
    return {"type": "walk", "id": str(uuid.uuid4()), "walked_at": (datetime.now(UTC) - timedelta(hours=1)).isoformat(),
            "distance_m": 612, "pain_onset_m": 300, "relief": "sat_down", "note": NOTE}


# --- which errors are outages ---------------------------------------------------------------


def sqlite_error(name: str) -> sqlite3.OperationalError:
    error = sqlite3.OperationalError("database or disk is full")
    error.sqlite_errorname = name  # type: ignore[attr-defined]
    return error


class PgError(Exception):
    def __init__(self, sqlstate: str) -> None:
        super().__init__("from the server")
        self.sqlstate = sqlstate


@pytest.mark.parametrize(("error", "kind"), [
    (sqlite_error("SQLITE_FULL"), DISK_FULL),
    (sqlite_error("SQLITE_IOERR_WRITE"), DISK_FULL),
    (sqlite_error("SQLITE_BUSY"), BUSY),
    (sqlite_error("SQLITE_CANTOPEN"), UNAVAILABLE),
    (OSError(errno.ENOSPC, "No space left on device"), DISK_FULL),
    (ConnectionRefusedError(errno.ECONNREFUSED, "Connect call failed"), UNAVAILABLE),
    (PgError("57P01"), UNAVAILABLE),  # admin shutdown
    (PgError("57P03"), UNAVAILABLE),  # cannot connect now (starting up)
    (PgError("08006"), UNAVAILABLE),  # connection failure
    (PgError("53100"), DISK_FULL),
    (PgError("53300"), BUSY),  # too many connections
    (sa_exc.TimeoutError("QueuePool limit reached"), BUSY),
])
def test_outages_are_told_apart_from_bugs(error: BaseException, kind: str) -> None:
    wrapped = sa_exc.OperationalError("INSERT INTO entry ...", {}, error)  # as SQLAlchemy raises them
    assert unavailable(error) == kind and unavailable(wrapped) == kind


@pytest.mark.parametrize("error", [
    sa_exc.IntegrityError("INSERT", {}, sqlite3.IntegrityError("UNIQUE constraint failed")),
    PgError("22021"),  # a NUL in text: bad input, which the app now refuses before the database
    PgError("40001"), KeyError("x"), FileNotFoundError(errno.ENOENT, "no such file"), ValueError("bug"),
])
def test_a_bug_is_not_an_outage(error: BaseException) -> None:
    assert unavailable(error) is None


# --- 503 with Retry-After, for the API and for pages ---------------------------------------------


def test_a_full_database_answers_503_with_retry_after_and_recovers(settings, world, db_url):  # type: ignore[no-untyped-def]
    """The size cap stands in for the disk: SQLite refuses to grow the file (SQLITE_FULL)."""
    size = Path(db_url.split("///", 1)[1]).stat().st_size
    with TestClient(create_app(settings.with_(sqlite_max_bytes=size)), base_url="http://testserver.local") as client:
        alice = Browser(client)
        alice.sign_in(world.emails["alice"])
        answers = [alice.api("PUT", f"/api/v1/entries/{body['id']}", json=body) for body in (walk() for _ in range(40))]
        full = [a for a in answers if a.status_code == 503]
        assert full and {a.status_code for a in answers} <= {201, 503}
        assert full[0].headers["retry-after"] == "5" and full[0].json()["reason"] == "disk_full"
        assert NOTE not in full[0].text
        alice.refresh_token("/diary/walks/new")
        page = alice.post("/diary/walks", {"distance_m": "300", "had_pain": "no", "note": NOTE})
        assert page.status_code == 503 and page.headers["retry-after"] == "5"
        assert "try again in a minute" in page.text and "999" in page.text  # danger signs never wait
        assert client.get("/healthz").status_code == 200
        assert client.get("/api/v1/entries?limit=5", headers={"x-csrftoken": alice.token}).status_code == 200


def test_the_log_of_an_outage_is_one_traceback_then_a_line_a_second(caplog) -> None:  # type: ignore[no-untyped-def]
    now = [100.0]
    outage = OutageLog(logging.getLogger("test.outage"), clock=lambda: now[0])
    error = sa_exc.OperationalError("UPDATE ...", {}, ConnectionRefusedError(errno.ECONNREFUSED, "refused"))
    with caplog.at_level(logging.INFO, logger="test.outage"):
        for _ in range(500):  # 500 failed requests over 5 seconds
            outage.failed(UNAVAILABLE, error)
            now[0] += 0.01
        outage.answered("GET", 200)  # a read that worked proves nothing about writes
        outage.answered("PUT", 201)
        outage.answered("PUT", 201)
    records = caplog.records
    assert sum(1 for r in records if r.exc_info) == 1
    assert 4 <= len(records) <= 7
    assert "Database back after 5.0 s" in records[-1].getMessage() and "500 requests" in records[-1].getMessage()
    now[0] += 300  # a new outage, long after: a new traceback
    with caplog.at_level(logging.INFO, logger="test.outage"):
        outage.failed(DISK_FULL, error)
    assert caplog.records[-1].exc_info is not None


def test_an_engine_never_puts_parameters_in_an_error(tmp_path: Path) -> None:
    async def fail() -> str:
        engine = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'x.sqlite3'}")
        try:
            async with engine.begin() as conn:
                await conn.execute(text("CREATE TABLE t (note TEXT NOT NULL UNIQUE)"))
                await conn.execute(text("INSERT INTO t VALUES (:note)"), {"note": NOTE})
                await conn.execute(text("INSERT INTO t VALUES (:note)"), {"note": NOTE})
        except sa_exc.IntegrityError as exc:
            return str(exc)
        finally:
            await engine.dispose()
        return ""
    said = asyncio.run(fail())
    assert "UNIQUE constraint failed" in said and NOTE not in said and "hidden" in said


# --- the health checks -----------------------------------------------------------------------------


def test_healthz_and_readyz_answer_without_a_session_and_without_data(browser, world) -> None:  # type: ignore[no-untyped-def]
    for path in ("/healthz", "/readyz"):
        answer = browser.client.get(path)
        assert answer.status_code == 200 and answer.json() == {"status": "ok"}
        assert answer.headers["cache-control"] == "no-store"


def test_readyz_says_not_ready_until_the_migrations_are_applied(settings, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    behind = tmp_path / "behind.sqlite3"
    migrate.upgrade(f"sqlite:///{behind}", "0006")
    with TestClient(create_app(settings.with_(database_url=f"sqlite+aiosqlite:///{behind}"))) as client:
        ready = client.get("/readyz")
        assert ready.status_code == 503 and ready.json() == {"status": "unavailable", "reason": "migrations_pending"}
        assert int(ready.headers["retry-after"]) > 0
        assert client.get("/healthz").status_code == 200
    missing = settings.with_(database_url=f"sqlite+aiosqlite:///{tmp_path / 'nowhere' / 'no.sqlite3'}")
    with TestClient(create_app(missing)) as client:
        (tmp_path / "nowhere").rmdir()  # the directory goes away under the running app
        assert client.get("/readyz").status_code == 503
        assert client.get("/healthz").status_code == 200
