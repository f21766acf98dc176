"""What the fault tests share: a PostgreSQL cluster of the test's own, and phones writing throughout.

``PgCluster`` runs ``initdb`` and ``pg_ctl`` on a free loopback port, as a user who is not
root (PostgreSQL refuses to run as root: as root, the ``postgres`` account runs it), in a
directory of its own under /tmp, so the test may stop and start it at will.

``Load`` is several phones sending new walks with ``PUT /api/v1/entries/{id}`` one after
another until told to stop, whatever the answers. Every note carries a private marker, so a
test can look for health data in the server's log. It keeps what was sent and what came back,
with the time, and answers the questions the tests ask of a fault.
"""

from __future__ import annotations

import asyncio
import os
import pwd
import shutil
import subprocess
import tempfile
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from glob import glob
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from diary.models import EntryRow
from tests.conftest import run_db
from tests.live import free_port
from tests.server.test_durability import Session

ENTRY_FIELDS = ("distance_m", "pain_onset_m", "relief", "note")


def _pg_bin(name: str) -> str | None:
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return candidates[-1] if candidates else None


class PgCluster:
    """A PostgreSQL cluster of the test's own: ``start``, ``stop`` (immediate: a crash), ``url``."""

    def __init__(self) -> None:
        self.initdb, self.pg_ctl = _pg_bin("initdb"), _pg_bin("pg_ctl")
        if not (self.initdb and self.pg_ctl):
            pytest.skip("PostgreSQL's initdb and pg_ctl are not installed: the restart test needs its own cluster")
        self.user = None
        if os.geteuid() == 0:
            try:
                self.user = pwd.getpwnam("postgres")
            except KeyError:
                pytest.skip("running as root with no postgres account to run a PostgreSQL cluster as")
        self.root = Path(tempfile.mkdtemp(prefix="diary-pg-"))
        self.data = self.root / "data"
        self.port = free_port()
        if self.user is not None:
            os.chown(self.root, self.user.pw_uid, self.user.pw_gid)
        self._run(self.initdb, "-D", str(self.data), "-U", "postgres", "-A", "trust", "-E", "UTF8",
                  "--no-sync", "--no-instructions")

    def _run(self, *command: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        extra = {"user": self.user.pw_uid, "group": self.user.pw_gid} if self.user is not None else {}
        return subprocess.run(command, capture_output=True, text=True, timeout=120, check=check,
                              cwd=self.root, **extra)  # type: ignore[arg-type]

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/diary"

    def start(self) -> None:
        options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c max_connections=60"
        self._run(self.pg_ctl, "-D", str(self.data), "-l", str(self.root / "postgres.log"), "-o", options,
                  "-w", "-t", "60", "start")

    def stop(self, mode: str = "immediate") -> None:
        self._run(self.pg_ctl, "-D", str(self.data), "-m", mode, "-w", "-t", "60", "stop", check=False)

    def accepts(self) -> bool:
        async def ping() -> bool:
            import asyncpg
            try:
                conn = await asyncpg.connect(f"postgresql://postgres@127.0.0.1:{self.port}/postgres", timeout=2)
            except (OSError, asyncpg.PostgresError, asyncio.TimeoutError):
                return False
            await conn.close()
            return True
        return asyncio.run(ping())

    def create_database(self) -> None:
        async def create() -> None:
            import asyncpg
            conn = await asyncpg.connect(f"postgresql://postgres@127.0.0.1:{self.port}/postgres")
            try:
                await conn.execute("CREATE DATABASE diary")
            finally:
                await conn.close()
        asyncio.run(create())

    def close(self) -> None:
        self.stop("fast")
        shutil.rmtree(self.root, ignore_errors=True)


@dataclass
class Answer:
    at: float  # time.monotonic() when the answer came
    status: int  # 0: no answer (the connection failed)
    retry_after: str | None


@dataclass
class Load:
    """Phones writing new walks without pause; each body is kept with what came of it."""

    base: str
    sessions: list[Session]
    clients_per_session: int = 2
    sent: dict[str, tuple[str, dict]] = field(default_factory=dict)  # id -> (email, body)
    answers: dict[str, Answer] = field(default_factory=dict)
    marker: str = field(default_factory=lambda: f"private-{uuid.uuid4().hex[:10]}")
    lock: threading.Lock = field(default_factory=threading.Lock)
    stopping: threading.Event = field(default_factory=threading.Event)
    threads: list[threading.Thread] = field(default_factory=list)

    def start(self) -> Load:
        for n in range(len(self.sessions) * self.clients_per_session):
            thread = threading.Thread(target=self._phone, args=(n, self.sessions[n % len(self.sessions)]), daemon=True)
            thread.start()
            self.threads.append(thread)
        return self

    def body(self, phone: int, n: int) -> dict:
        distance = 200 + (phone * 53 + n * 7) % 800
        return {"type": "walk", "id": str(uuid.uuid4()), "distance_m": distance, "pain_onset_m": distance // 3,
                "walked_at": (datetime.now(UTC) - timedelta(minutes=phone * 1000 + n)).isoformat(),
                "relief": "stood_still", "note": f"{self.marker} phone {phone} walk {n}: calf ached by the canal"}

    def _phone(self, phone: int, session: Session) -> None:
        with httpx.Client(base_url=self.base, cookies=session.cookies, headers={"x-csrftoken": session.token},
                          timeout=30) as client:
            n = 0
            while not self.stopping.is_set():
                body = self.body(phone, n)
                with self.lock:
                    self.sent[body["id"]] = (session.email, body)
                try:
                    response = client.put(f"/api/v1/entries/{body['id']}", json=body)
                    answer = Answer(time.monotonic(), response.status_code, response.headers.get("retry-after"))
                except httpx.TransportError:
                    answer = Answer(time.monotonic(), 0, None)
                with self.lock:
                    self.answers[body["id"]] = answer
                if answer.status >= 500:
                    time.sleep(0.05)  # a phone told to try again later does not hammer
                n += 1

    def stop(self) -> None:
        self.stopping.set()
        for thread in self.threads:
            thread.join(60)
            assert not thread.is_alive(), "a phone is still waiting for an answer"

    def statuses(self, since: float = 0.0, until: float = float("inf")) -> Counter[int]:
        with self.lock:
            return Counter(a.status for a in self.answers.values() if since <= a.at <= until)

    def acknowledged(self) -> set[str]:
        with self.lock:
            return {i for i, a in self.answers.items() if 200 <= a.status < 300}

    def first_success_after(self, moment: float) -> float | None:
        with self.lock:
            times = [a.at for a in self.answers.values() if 200 <= a.status < 300 and a.at >= moment]
        return min(times) if times else None

    def wait_for(self, count: int, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while len(self.acknowledged()) < count:
            assert time.monotonic() < deadline, f"only {len(self.acknowledged())} acknowledged: {self.statuses()}"
            time.sleep(0.05)

    def refusals_carry_retry_after(self) -> bool:
        with self.lock:
            return all(a.retry_after and a.retry_after.isdigit() for a in self.answers.values() if a.status == 503)


def stored(db_url: str) -> list[tuple[str, dict]]:
    async def read(db):  # type: ignore[no-untyped-def]
        rows = (await db.execute(select(EntryRow))).scalars().all()
        return [(str(row.id), {name: getattr(row, name) for name in ENTRY_FIELDS}) for row in rows]
    return run_db(db_url, read)


def assert_nothing_lost_or_half_stored(load: Load, rows: list[tuple[str, dict]]) -> None:
    """Every acknowledged walk is stored once, whole; whatever else is stored was sent, whole."""
    ids = [i for i, _ in rows]
    assert len(ids) == len(set(ids)), "an entry is stored twice"
    missing = load.acknowledged() - set(ids)
    assert not missing, f"{len(missing)} acknowledged entries are missing"
    for entry_id, columns in rows:
        assert entry_id in load.sent, "an entry nobody sent is stored"
        body = load.sent[entry_id][1]
        assert columns == {name: body[name] for name in ENTRY_FIELDS}, f"entry {entry_id} is not what was sent"


def log_since(path: Path, offset: int) -> str:
    with path.open("rb") as log:
        log.seek(offset)
        return log.read().decode("utf-8", "replace")
