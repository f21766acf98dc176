"""Shared fixtures: a migrated database per test, the app, and named test users.

The test users, and what each may see:
- ``alice`` (patient, Clinic A): only her own entries.
- ``bob`` (patient, Clinic A): only his own entries; never Alice's.
- ``nurse`` (clinician, Clinic A): Alice's and Bob's records, no one else's.
- ``stranger`` (clinician, Clinic B): Clinic B only; nothing of Clinic A.
- ``admin`` (admin, Clinic A).

SQLite databases are copied from one migrated template, so every test starts
from a fresh, fully migrated schema. PostgreSQL runs when
``DIARY_TEST_POSTGRES_URL`` is set: the run creates a database of its own,
empties it between tests and drops it at the end.
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import hypothesis
import pytest
from litestar.testing import TestClient
from sqlalchemy import text

from diary import accounts, migrate, patients
from diary.codes import code_key
from diary.db import make_engine, make_sessionmaker, transaction
from diary.models import Role
from server.app import create_app
from server.settings import Settings

# In CI, property tests run a fixed (derandomized) set of examples, so a run
# never fails on a case no one has seen before; locally they explore anew.
hypothesis.settings.register_profile("ci", derandomize=True, deadline=None, print_blob=True)
if os.environ.get("CI"):
    hypothesis.settings.load_profile("ci")

PASSWORD = "correct horse battery"
SECRET_KEY = "test-secret-" + "x" * 40
# Codes are hashed with a key from the secret key: the tests' sessions carry the test app's.
CODE_KEY = code_key(SECRET_KEY)
PG_ENV = "DIARY_TEST_POSTGRES_URL"


@dataclass
class World:
    """Who exists in the test database, by name."""

    ids: dict[str, int]
    emails: dict[str, str]


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "diary.sqlite3"
    migrate.upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    base = os.environ.get(PG_ENV)
    if not base:
        pytest.skip(f"{PG_ENV} is not set: the PostgreSQL runs of the storage and API tests are skipped")
    import asyncpg

    name = f"diary_test_{uuid.uuid4().hex[:12]}"
    admin_dsn = re.sub(r"^postgresql\+\w+://", "postgresql://", base)

    async def run(sql: str) -> None:
        conn = await asyncpg.connect(admin_dsn)
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    asyncio.run(run(f'CREATE DATABASE "{name}"'))
    url = re.sub(r"/[^/?]+(\?|$)", f"/{name}\\1", admin_dsn, count=1) if "/" in admin_dsn.split("@")[-1] \
        else f"{admin_dsn}/{name}"
    try:
        migrate.upgrade(url)
        yield url
    finally:
        asyncio.run(run(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def _empty_postgres(url: str) -> None:
    async def work() -> None:
        engine = make_engine(url)
        try:
            async with engine.begin() as conn:
                tables = (await conn.execute(text(
                    "SELECT tablename FROM pg_tables WHERE schemaname='public' AND tablename <> 'alembic_version'"
                ))).scalars().all()
                await conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        finally:
            await engine.dispose()

    asyncio.run(work())


@pytest.fixture(params=["sqlite"])
def backend(request: pytest.FixtureRequest) -> str:
    """SQLite for every test; storage and API tests widen this to PostgreSQL too."""
    return request.param


@pytest.fixture
def db_url(backend: str, tmp_path: Path, sqlite_template: Path, request: pytest.FixtureRequest) -> str:
    if backend == "postgres":
        url = request.getfixturevalue("postgres_url")
        _empty_postgres(url)
        return url
    target = tmp_path / "diary.sqlite3"
    shutil.copy(sqlite_template, target)
    return f"sqlite+aiosqlite:///{target}"


@pytest.fixture
def settings(db_url: str, tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path, database_url=db_url, dev=True, secure_cookies=False,
                    secret_key=SECRET_KEY)


def run_db(url: str, work):  # type: ignore[no-untyped-def]
    """Run ``work(session)`` in one transaction on a short-lived engine."""

    async def go():  # type: ignore[no-untyped-def]
        engine = make_engine(url)
        try:
            async with transaction(make_sessionmaker(engine, code_key=CODE_KEY)) as db:
                return await work(db)
        finally:
            await engine.dispose()

    return asyncio.run(go())


async def build_world(db, now: datetime) -> World:  # type: ignore[no-untyped-def]
    """The named test users, in the caller's transaction (the ``world`` fixture, and module-wide setups)."""
    ids: dict[str, int] = {}
    emails: dict[str, str] = {}
    clinic_a = await accounts.get_or_create_clinic(db, "Clinic A")
    clinic_b = await accounts.get_or_create_clinic(db, "Clinic B")
    for name, clinic, role in (("nurse", clinic_a, Role.clinician), ("admin", clinic_a, Role.admin),
                               ("stranger", clinic_b, Role.clinician)):
        user = await accounts.create_user(db, clinic=clinic, role=role, email=f"{name}@test.example",
                                          password=PASSWORD, now=now)
        ids[name], emails[name] = user.id, user.email
    for index, name in enumerate(("alice", "bob")):
        patient, code = await patients.enrol_patient(
            db, clinic_id=clinic_a.id, name=name.title(), clinic_number=f"A-{index}", now=now,
            code_valid_for=timedelta(days=14))
        user = await accounts.redeem_enrolment_code(db, code, f"{name}@test.example", PASSWORD, now)
        ids[name], ids[f"{name}_patient"], emails[name] = user.id, patient.id, user.email
    ids["clinic_a"], ids["clinic_b"] = clinic_a.id, clinic_b.id
    return World(ids=ids, emails=emails)


@pytest.fixture
def world(db_url: str) -> World:
    now = datetime.now(UTC)
    return run_db(db_url, lambda db: build_world(db, now))


def csrf_from(html: str) -> str:
    match = re.search(r'<meta name="csrf-token" content="([^"]+)"', html)
    assert match, "page has no CSRF token"
    return match.group(1)


class Browser:
    """A test client that signs in like a person and sends CSRF tokens like the pages do."""

    def __init__(self, client: TestClient):
        self.client = client
        self.token = ""

    def refresh_token(self, path: str = "/login") -> str:
        self.token = csrf_from(self.client.get(path).text)
        return self.token

    def sign_in(self, email: str, password: str = PASSWORD, **extra: str):  # type: ignore[no-untyped-def]
        self.refresh_token()
        response = self.client.post("/login", data={"email": email, "password": password,
                                                    "_csrf_token": self.token, **extra})
        self.refresh_token("/login")
        return response

    def post(self, path: str, data: dict | None = None, **kwargs):  # type: ignore[no-untyped-def]
        return self.client.post(path, data={**(data or {}), "_csrf_token": self.token}, **kwargs)

    def api(self, method: str, path: str, **kwargs):  # type: ignore[no-untyped-def]
        headers = {"x-csrftoken": self.token, **kwargs.pop("headers", {})}
        return self.client.request(method, path, headers=headers, **kwargs)


@pytest.fixture
def make_browser(settings: Settings) -> Iterator:
    """``make_browser()`` gives a fresh, signed-out browser.

    Each browser gets its own app instance on the same database, as if each
    talked to a different app process: an engine's pooled connections belong
    to the event loop of the test client that made them.
    """
    clients: list[TestClient] = []

    def make() -> Browser:
        client = TestClient(create_app(settings), base_url="http://testserver.local")
        client.__enter__()
        clients.append(client)
        return Browser(client)

    yield make
    for client in clients:
        client.__exit__(None, None, None)


@pytest.fixture
def browser(make_browser) -> Browser:  # type: ignore[no-untyped-def]
    return make_browser()


def signed_in(make_browser, world: World, name: str) -> Browser:  # type: ignore[no-untyped-def]
    b = make_browser()
    response = b.sign_in(world.emails[name])
    assert response.status_code in (200, 303), response.text
    return b
