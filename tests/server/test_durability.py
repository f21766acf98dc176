"""Durability under faults, against a real ``diary serve`` process.

Patients' phones send walks with ``PUT /api/v1/entries/{id}`` from many clients at
once. The server is killed with SIGKILL in the middle, restarted, and every entry
it had acknowledged must be there exactly once, with the content that was sent;
an entry in flight at the kill is either whole or absent. 24 writers at once
must never get an error: on SQLite, no "database is locked" as a 500.
"""

from __future__ import annotations

import sqlite3
import threading
import time
import uuid
from contextlib import closing
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from diary import accounts, patients
from diary.models import EntryRow
from tests.conftest import PASSWORD, run_db
from tests.live import live_server, token_of

pytestmark = pytest.mark.live

PATIENTS = 6
CLIENTS_PER_PATIENT = 4  # 24 concurrent writers
PER_CLIENT = 12  # entries each writer sends in the concurrency test
KILL_AFTER = 250  # acknowledged entries before the SIGKILL
ENTRY_FIELDS = ("distance_m", "pain_onset_m", "relief", "pain_sites", "note")


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def backend(request: pytest.FixtureRequest) -> str:
    return request.param


def enrol_patients(db_url: str, count: int, first: int = 0) -> list[str]:
    """``count`` enrolled patients with accounts, numbered from ``first``; their emails (password ``PASSWORD``)."""
    now = datetime.now(UTC)

    async def build(db):  # type: ignore[no-untyped-def]
        clinic = await accounts.get_or_create_clinic(db, "Durable Clinic")
        emails = []
        for n in range(first, first + count):
            _, code = await patients.enrol_patient(db, clinic_id=clinic.id, name=f"Walker {n}",
                                                   clinic_number=f"D-{n}", now=now,
                                                   code_valid_for=timedelta(days=1))
            user = await accounts.redeem_enrolment_code(db, code, f"walker{n}@durable.example", PASSWORD, now)
            emails.append(user.email)
        return emails

    return run_db(db_url, build)


@dataclass
class Session:
    """A signed-in patient: the cookies and CSRF token several clients (their phones) share."""

    email: str
    cookies: httpx.Cookies
    token: str


def sign_in(base: str, email: str) -> Session:
    with httpx.Client(base_url=base, follow_redirects=True, timeout=30) as client:
        page = client.get("/login")
        done = client.post("/login", data={"email": email, "password": PASSWORD, "_csrf_token": token_of(page.text)})
        assert done.url.path == "/diary", done.text
        return Session(email=email, cookies=httpx.Cookies(client.cookies), token=token_of(done.text))


def walk_body(client: int, n: int) -> dict:
    distance = 150 + (client * 37 + n * 11) % 900
    return {"type": "walk", "id": str(uuid.uuid4()),
            "walked_at": (datetime.now(UTC) - timedelta(minutes=client * 500 + n)).isoformat(),
            "distance_m": distance, "pain_onset_m": distance // 2, "stopped_by_pain": n % 2 == 0,
            "relief": "stood_still" if n % 3 else "sat_down", "relief_minutes": 2, "pain_sites": ["calf"],
            "side": "left", "terrain": "flat", "pain_score": n % 11, "source": "manual",
            "note": f"client {client} walk {n}"}


@dataclass
class Writers:
    """Clients that each PUT new walks one after another, until told to stop, ``per_client`` are sent,
    or the server goes away. Every body is kept with what came of it."""

    base: str
    sessions: list[Session]
    per_client: int | None = None
    sent: dict[str, tuple[str, dict]] = field(default_factory=dict)  # id -> (email, body)
    status: dict[str, int] = field(default_factory=dict)  # id -> HTTP status, for answered PUTs
    lost: set[str] = field(default_factory=set)  # ids whose PUT got no answer
    lock: threading.Lock = field(default_factory=threading.Lock)
    stopping: threading.Event = field(default_factory=threading.Event)
    threads: list[threading.Thread] = field(default_factory=list)

    def start(self) -> Writers:
        for n in range(len(self.sessions) * CLIENTS_PER_PATIENT):
            thread = threading.Thread(target=self._client, args=(n, self.sessions[n % len(self.sessions)]),
                                      daemon=True)
            thread.start()
            self.threads.append(thread)
        return self

    def _client(self, n: int, session: Session) -> None:
        headers = {"x-csrftoken": session.token}
        with httpx.Client(base_url=self.base, cookies=session.cookies, headers=headers, timeout=60) as client:
            i = 0
            while not self.stopping.is_set() and (self.per_client is None or i < self.per_client):
                body = walk_body(n, i)
                with self.lock:
                    self.sent[body["id"]] = (session.email, body)
                try:
                    response = client.put(f"/api/v1/entries/{body['id']}", json=body)
                except httpx.TransportError:
                    with self.lock:
                        self.lost.add(body["id"])
                    return
                with self.lock:
                    self.status[body["id"]] = response.status_code
                if i % 5 == 4:  # a reader among the writers, like the diary page does
                    try:
                        client.get("/api/v1/entries?limit=20")
                    except httpx.TransportError:
                        return
                i += 1

    def acknowledged(self) -> set[str]:
        with self.lock:
            return {id_ for id_, code in self.status.items() if 200 <= code < 300}

    def wait_for(self, count: int, timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        while len(self.acknowledged()) < count:
            assert time.monotonic() < deadline, f"only {len(self.acknowledged())} entries acknowledged in {timeout} s"
            assert any(t.is_alive() for t in self.threads), f"all writers ended early: {self.refused()}"
            time.sleep(0.05)

    def join(self, timeout: float = 120) -> None:
        for thread in self.threads:
            thread.join(timeout)
            assert not thread.is_alive(), "a writer is still waiting for an answer"

    def stop(self) -> None:
        self.stopping.set()
        self.join()

    def refused(self) -> dict[str, int]:
        with self.lock:
            return {id_: code for id_, code in self.status.items() if not 200 <= code < 300}


def send_at_once(base: str, session: Session, body: dict, copies: int) -> list[int]:
    """``copies`` clients PUT the same entry at the same moment: a phone's replay racing its first send."""
    start = threading.Barrier(copies)
    codes: list[int] = []

    def send() -> None:
        with httpx.Client(base_url=base, cookies=session.cookies, timeout=60) as client:
            start.wait()
            codes.append(client.put(f"/api/v1/entries/{body['id']}", json=body,
                                    headers={"x-csrftoken": session.token}).status_code)

    threads = [threading.Thread(target=send) for _ in range(copies)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return sorted(codes)


def stored_entries(db_url: str) -> list[tuple[str, dict]]:
    """Every entry row in the database: (id, the compared fields), read straight from the tables."""

    async def read(db):  # type: ignore[no-untyped-def]
        rows = (await db.execute(select(EntryRow))).scalars().all()
        return [(str(row.id), {name: getattr(row, name) for name in ENTRY_FIELDS}) for row in rows]

    return run_db(db_url, read)


def assert_stored_as_sent(writers: Writers, stored: list[tuple[str, dict]], must_have: set[str]) -> None:
    """Each stored entry is one that was sent, stored once and whole; each id in ``must_have`` is stored."""
    ids = [id_ for id_, _ in stored]
    assert len(ids) == len(set(ids)), "an entry is stored twice"
    assert set(ids) <= set(writers.sent), "an entry no client sent is stored"
    missing = must_have - set(ids)
    assert not missing, f"{len(missing)} acknowledged entries are missing, e.g. {sorted(missing)[:3]}"
    for id_, columns in stored:
        body = writers.sent[id_][1]
        assert columns == {name: body[name] for name in ENTRY_FIELDS}, f"entry {id_} is not what was sent"


def sqlite_integrity(path: Path) -> str:
    with closing(sqlite3.connect(path)) as conn:
        return "; ".join(row[0] for row in conn.execute("PRAGMA integrity_check"))


def test_acknowledged_entries_survive_sigkill_of_the_server(backend, db_url, tmp_path):  # type: ignore[no-untyped-def]
    pg_url = db_url if backend == "postgres" else None  # SQLite: the server finds tmp_path/diary.sqlite3
    emails = enrol_patients(db_url, PATIENTS)
    with live_server(tmp_path, "--no-scheduler", database_url=pg_url) as server:
        sessions = [sign_in(server.base, email) for email in emails]
        writers = Writers(server.base, sessions).start()
        writers.wait_for(KILL_AFTER)
        server.kill()
        writers.join()
    acknowledged = writers.acknowledged()
    in_flight = writers.lost
    assert not writers.refused(), f"the server refused entries before the kill: {set(writers.refused().values())}"
    assert len(in_flight) >= 1, "the kill landed when no request was in flight"

    with live_server(tmp_path, "--no-scheduler", database_url=pg_url) as server:
        stored = stored_entries(db_url)
        assert_stored_as_sent(writers, stored, must_have=acknowledged)
        kept = in_flight & {id_ for id_, _ in stored}
        print(f"{len(acknowledged)} acknowledged, {len(in_flight)} in flight at the kill, {len(kept)} of those stored")
        # Sessions are kept in the database: the phones carry on without signing in again.
        for session in sessions:
            with httpx.Client(base_url=server.base, cookies=session.cookies, timeout=30) as client:
                listing = client.get("/api/v1/entries?limit=1")
                assert listing.status_code == 200
                mine = [id_ for id_, _ in stored if writers.sent[id_][0] == session.email]
                assert listing.json()["total"] == len(mine)
                again = walk_body(99, 0)
                put = client.put(f"/api/v1/entries/{again['id']}", json=again,
                                 headers={"x-csrftoken": session.token})
                assert put.status_code == 201
    if backend == "sqlite":
        assert sqlite_integrity(tmp_path / "diary.sqlite3") == "ok"


def test_two_dozen_concurrent_writers_are_all_stored_without_an_error(backend, db_url, tmp_path):  # type: ignore[no-untyped-def]
    """On SQLite they queue for the write lock (BEGIN IMMEDIATE, a 15 s busy timeout); on PostgreSQL
    one patient's saves take turns on the patient's row. Four clients write for each patient."""
    emails = enrol_patients(db_url, PATIENTS)
    with live_server(tmp_path, "--no-scheduler", database_url=db_url if backend == "postgres" else None) as server:
        sessions = [sign_in(server.base, email) for email in emails]
        same = [walk_body(100 + n, 0) for n in range(len(sessions))]
        codes = [send_at_once(server.base, session, body, CLIENTS_PER_PATIENT) for session, body in zip(sessions, same)]
        writers = Writers(server.base, sessions, per_client=PER_CLIENT).start()
        writers.join()
        log = server.log_path.read_text()
    assert codes == [[200] * (CLIENTS_PER_PATIENT - 1) + [201]] * len(sessions), "one creates it, the others replace it"
    writers.sent.update({body["id"]: (session.email, body) for session, body in zip(sessions, same)})
    assert not writers.lost
    assert not writers.refused(), f"some PUTs failed: {sorted(set(writers.refused().values()))}"
    assert len(writers.acknowledged()) == PATIENTS * CLIENTS_PER_PATIENT * PER_CLIENT
    assert_stored_as_sent(writers, stored_entries(db_url), must_have=set(writers.sent))  # the raced ones once each
    assert "database is locked" not in log and "Traceback" not in log
