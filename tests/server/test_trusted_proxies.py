"""X-Forwarded-For is believed only from the proxies named in DIARY_TRUSTED_PROXIES.

Found by a penetration test: uvicorn trusted X-Forwarded-For from 127.0.0.1 by default, so any
client that reached the app through a local proxy, or any local process, could name a new
address with each attempt: the per-address limits never tripped, and the audit log stored the
forged address. Against a real ``diary serve``.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from diary import migrate
from diary.models import AuditEvent
from tests.conftest import run_db
from tests.live import live_server, token_of

pytestmark = pytest.mark.live

ADDRESS_LIMIT = 30  # failed sign-ins from one address in 15 minutes (Settings.signin_address_limit)


def guesses(base: str, count: int) -> list[int]:
    """Failed sign-ins, each claiming another address: a wrong password, then bad passkey answers
    (the same per-address budget, without a password hash's cost per attempt)."""
    async def run() -> list[int]:
        async with httpx.AsyncClient(base_url=base, timeout=30) as client:
            token = token_of((await client.get("/login")).text)
            answers = [(await client.post("/login", headers={"x-forwarded-for": "203.0.113.1"}, data={
                "email": "guess@test.example", "password": "wrong guess!", "_csrf_token": token})).status_code]
            for n in range(1, count):
                answer = await client.post("/login/passkey/finish", content=b"{}", headers={
                    "x-forwarded-for": f"203.0.113.{n + 1}", "x-csrftoken": token, "content-type": "application/json"})
                answers.append(answer.status_code)
            return answers
    return asyncio.run(run())


def audited_addresses(url: str) -> set[str]:
    async def read(db):  # type: ignore[no-untyped-def]
        return set((await db.execute(select(AuditEvent.address).where(
            AuditEvent.action.in_(["signin.failed", "signin.throttled"])))).scalars())
    return run_db(url, read)


def test_a_forged_forwarded_address_neither_escapes_the_limit_nor_reaches_the_audit_log(tmp_path: Path):
    url = f"sqlite+aiosqlite:///{tmp_path / 'diary.sqlite3'}"
    migrate.upgrade(url)
    with live_server(tmp_path, "--no-scheduler") as server:
        answers = guesses(server.base, ADDRESS_LIMIT + 2)
    assert answers == [401] + [400] * (ADDRESS_LIMIT - 1) + [429, 429]
    assert audited_addresses(url) == {"127.0.0.1"}


def test_a_named_proxy_is_believed(tmp_path: Path):
    url = f"sqlite+aiosqlite:///{tmp_path / 'diary.sqlite3'}"
    migrate.upgrade(url)
    with live_server(tmp_path, "--no-scheduler", env={"DIARY_TRUSTED_PROXIES": "127.0.0.1"}) as server:
        answers = guesses(server.base, 3)
    assert answers == [401, 400, 400]
    assert audited_addresses(url) == {"203.0.113.1", "203.0.113.2", "203.0.113.3"}
