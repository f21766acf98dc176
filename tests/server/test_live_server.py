"""``diary serve`` as a real process on loopback: enrol, sign in, and use the API over HTTP."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

pytestmark = pytest.mark.live


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def diary(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "server.cli", *args], env=env, capture_output=True, text=True,
                          timeout=120, check=True)


@pytest.fixture
def live(tmp_path: Path) -> Iterator[tuple[str, str]]:
    env = {**os.environ, "DIARY_DEV": "true", "DIARY_DATA_DIR": str(tmp_path)}
    env.pop("DIARY_DATABASE_URL", None)
    out = diary(env, "enrol-patient", "--clinic", "Live Clinic", "--name", "Lena Live", "--clinic-number", "L-1").stdout
    code = re.search(r"Enrolment code: (\S+)", out).group(1)
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "server.cli", "serve", "--port", str(port)], env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.2)
        else:
            server.kill()
            pytest.fail("diary serve did not start: " + (server.stdout.read() if server.stdout else ""))
        yield base, code
    finally:
        server.terminate()
        server.wait(timeout=15)


def token(page: httpx.Response) -> str:
    return re.search(r'<meta name="csrf-token" content="([^"]+)"', page.text).group(1)


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
