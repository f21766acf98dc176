"""``diary serve`` as a real process on loopback: enrol, sign in, and use the API over HTTP."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.live import diary, live_env, running_server, token_of

pytestmark = pytest.mark.live


@pytest.fixture
def live(tmp_path: Path) -> Iterator[tuple[str, str]]:
    out = diary(live_env(tmp_path), "enrol-patient", "--clinic", "Live Clinic", "--name", "Lena Live",
                "--clinic-number", "L-1")
    code = re.search(r"Enrolment code: (\S+)", out).group(1)
    with running_server(tmp_path) as base:
        yield base, code


def token(page: httpx.Response) -> str:
    return token_of(page.text)


def test_enrol_sign_in_and_log_a_walk_over_http(live):  # type: ignore[no-untyped-def]
    base, code = live
    with httpx.Client(base_url=base, follow_redirects=True, timeout=10) as client:
        page = client.get("/enrol")
        enrolled = client.post("/enrol", data={"code": code, "email": "lena@live.example",
                                               "password": "a walk in the park", "password_again": "a walk in the park",
                                               "_csrf_token": token(page)})
        assert enrolled.url.path == "/diary"
        client.post("/logout", data={"_csrf_token": token(enrolled)})
        assert client.get("/api/v1/entries").status_code == 401

        page = client.get("/login")
        signed_in = client.post("/login", data={"email": "lena@live.example", "password": "a walk in the park",
                                                "_csrf_token": token(page)})
        assert signed_in.url.path == "/diary"
        headers = {"x-csrftoken": token(signed_in)}
        walk = {"type": "walk", "id": str(uuid.uuid4()), "walked_at": "2026-11-20T10:00:00+00:00",
                "distance_m": 350, "pain_onset_m": 200, "relief": "stood_still"}
        assert client.put(f"/api/v1/entries/{walk['id']}", json=walk, headers=headers).status_code == 201
        assert client.put(f"/api/v1/entries/{walk['id']}", json=walk, headers=headers).status_code == 200
        assert client.put(f"/api/v1/entries/{walk['id']}", json=walk).status_code == 403
        listing = client.get("/api/v1/entries").json()
        assert listing["total"] == 1 and listing["entries"][0]["distance_m"] == 350
