"""Two app processes on one PostgreSQL database, as a clinic with several workers runs it:
a session made on one works on the other, a CSRF token minted by one verifies on the
other, and failed sign-ins count against one limit across both."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import httpx
import pytest

from tests.live import diary, live_env, running_server, token_of

pytestmark = [pytest.mark.live, pytest.mark.postgres]
PASSWORD = "two workers one diary"
SECRET = "shared-secret-for-both-workers-" + "k" * 20


@pytest.fixture(params=["postgres"])
def backend(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def two_servers(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[str, str, str]]:
    monkeypatch.setenv("DIARY_SECRET_KEY", SECRET)  # both workers share the one secret, as in production
    out = diary(live_env(tmp_path, db_url), "enrol-patient", "--clinic", "Two Workers", "--name", "Wyn Worker",
                "--clinic-number", "W-1")
    code = re.search(r"Enrolment code: (\S+)", out).group(1)
    with ExitStack() as stack:
        first = stack.enter_context(running_server(tmp_path / "a", "--no-scheduler", database_url=db_url))
        second = stack.enter_context(running_server(tmp_path / "b", "--no-scheduler", database_url=db_url))
        yield first, second, code


@pytest.fixture(autouse=True)
def data_dirs(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()


def enrol(base: str, code: str) -> httpx.Client:
    client = httpx.Client(base_url=base, follow_redirects=True, timeout=15)
    page = client.get("/enrol")
    done = client.post("/enrol", data={"code": code, "email": "wyn@workers.example", "password": PASSWORD,
                                       "password_again": PASSWORD, "_csrf_token": token_of(page.text)})
    assert done.url.path == "/diary", done.text
    return client


def same_browser_on(client: httpx.Client, base: str) -> httpx.Client:
    """Another worker behind the same address: the same cookies, another process."""
    other = httpx.Client(base_url=base, follow_redirects=True, timeout=15)
    for cookie in client.cookies.jar:
        other.cookies.set(cookie.name, cookie.value)
    return other


def walk() -> dict[str, object]:
    return {"type": "walk", "id": str(uuid.uuid4()), "walked_at": "2026-11-20T10:00:00+00:00",
            "distance_m": 420, "pain_onset_m": 250, "relief": "stood_still"}


def test_a_session_and_a_csrf_token_from_one_worker_work_on_the_other(two_servers):  # type: ignore[no-untyped-def]
    first, second, code = two_servers
    on_first = enrol(first, code)
    on_second = same_browser_on(on_first, second)
    page = on_second.get("/diary")
    assert page.status_code == 200 and page.url.path == "/diary"  # signed in there too

    token_from_first = token_of(on_first.get("/diary").text)
    entry = walk()
    saved = on_second.put(f"/api/v1/entries/{entry['id']}", json=entry, headers={"x-csrftoken": token_from_first})
    assert saved.status_code == 201
    assert on_first.get("/api/v1/entries").json()["total"] == 1

    token_from_second = token_of(page.text)
    signed_out = on_first.post("/logout", data={"_csrf_token": token_from_second})
    assert signed_out.url.path == "/login"
    assert on_second.get("/api/v1/entries").status_code == 401  # the session is gone on both


def test_failed_sign_ins_count_across_both_workers(two_servers):  # type: ignore[no-untyped-def]
    first, second, code = two_servers
    enrol(first, code).close()
    answers = []
    for attempt in range(11):  # the account limit is 10 failures in 15 minutes
        base = first if attempt % 2 == 0 else second
        with httpx.Client(base_url=base, timeout=15) as client:
            page = client.get("/login")
            answer = client.post("/login", data={"email": "wyn@workers.example", "password": "wrong guess!",
                                                 "_csrf_token": token_of(page.text)})
            answers.append(answer.status_code)
    assert answers == [401] * 10 + [429]
    with httpx.Client(base_url=second, timeout=15) as client:
        page = client.get("/login")
        right = client.post("/login", data={"email": "wyn@workers.example", "password": PASSWORD,
                                            "_csrf_token": token_of(page.text)})
        assert right.status_code == 429 and int(right.headers["retry-after"]) > 0
