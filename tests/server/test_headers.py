"""Security headers, caching and compression, as a browser or a proxy sees them."""

from __future__ import annotations

import pytest

from server.headers import CONTENT_SECURITY_POLICY
from tests.conftest import csrf_from, signed_in

PATIENT_PAGES = ["/diary", "/diary/walks/new", "/diary/check-ins/new", "/diary/reports", "/account", "/api/v1/entries"]
CLINIC_PAGES = ["/clinic", "/clinic/patients/new", "/clinic/exports", "/account"]


def directives(policy: str) -> dict[str, str]:
    return {part.split(" ", 1)[0]: part.split(" ", 1)[1] for part in (p.strip() for p in policy.split(";")) if part}


def test_the_policy_allows_this_site_only_and_no_inline_code() -> None:
    policy = directives(CONTENT_SECURITY_POLICY)
    assert policy["default-src"] == "'self'"
    assert policy["script-src"] == "'self'" and policy["style-src"] == "'self'"
    assert "unsafe-inline" not in CONTENT_SECURITY_POLICY and "unsafe-eval" not in CONTENT_SECURITY_POLICY
    assert policy["frame-ancestors"] == "'none'" and policy["base-uri"] == "'none'"
    assert policy["form-action"] == "'self'" and policy["object-src"] == "'none'"


@pytest.mark.parametrize("path", ["/login", "/static/app.css", "/no-such-page", "/api/v1/entries", "/sw.js"])
def test_every_response_carries_the_security_headers(browser, path):  # type: ignore[no-untyped-def]
    response = browser.client.get(path, follow_redirects=False)
    assert response.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "no-referrer"
    assert response.headers["cross-origin-opener-policy"] == "same-origin"
    assert response.headers["x-frame-options"] == "DENY"
    assert "geolocation=(self)" in response.headers["permissions-policy"]


def test_hsts_is_sent_only_when_the_app_is_behind_https(make_browser, settings):  # type: ignore[no-untyped-def]
    assert "strict-transport-security" not in make_browser().client.get("/login").headers


def test_hsts_behind_https(settings):  # type: ignore[no-untyped-def]
    from litestar.testing import TestClient

    from server.app import create_app

    with TestClient(create_app(settings.with_(secure_cookies=True)), base_url="https://testserver.local") as client:
        assert client.get("/login").headers["strict-transport-security"].startswith("max-age=63072000")


@pytest.mark.parametrize("path", PATIENT_PAGES)
def test_no_patient_page_or_api_answer_is_cached(make_browser, world, path):  # type: ignore[no-untyped-def]
    response = signed_in(make_browser, world, "alice").client.get(path)
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"


@pytest.mark.parametrize("path", CLINIC_PAGES)
def test_no_clinic_page_is_cached(make_browser, world, path):  # type: ignore[no-untyped-def]
    response = signed_in(make_browser, world, "nurse").client.get(path)
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"


def test_static_files_are_compressed_and_may_be_cached(browser):  # type: ignore[no-untyped-def]
    response = browser.client.get("/static/htmx-2.0.11.min.js", headers={"accept-encoding": "gzip"})
    assert response.headers["content-encoding"] == "gzip"
    assert "no-store" not in response.headers.get("cache-control", "")
    assert int(response.headers["content-length"]) < len(response.content) / 2  # httpx decodes it for us


def test_api_answers_are_compressed(make_browser, world):  # type: ignore[no-untyped-def]
    alice = signed_in(make_browser, world, "alice")
    for index in range(8):
        alice.api("PUT", f"/api/v1/entries/00000000-0000-4000-8000-00000000000{index}", json={
            "type": "walk", "id": f"00000000-0000-4000-8000-00000000000{index}",
            "walked_at": "2026-11-20T10:00:00+00:00", "distance_m": 400, "pain_onset_m": 200,
            "stopped_by_pain": True, "relief": "stood_still", "relief_minutes": 3, "pain_sites": ["calf"],
            "side": "left", "sensations": ["cramping"], "terrain": "flat", "pain_score": 5, "source": "manual",
            "note": ""})
    response = alice.client.get("/api/v1/entries", headers={"accept-encoding": "gzip"})
    assert response.headers["content-encoding"] == "gzip"
    assert len(response.json()["entries"]) == 8


def test_pages_are_compressed(make_browser, world):  # type: ignore[no-untyped-def]
    response = signed_in(make_browser, world, "alice").client.get("/diary", headers={"accept-encoding": "gzip"})
    assert response.headers["content-encoding"] == "gzip"
    assert 'name="csrf-token"' in response.text


def test_a_request_without_cookies_gets_a_fresh_csrf_token_each_time(browser):  # type: ignore[no-untyped-def]
    # What another site's page can make a browser fetch carries no SameSite=Lax cookie, so
    # every answer holds a new random token: compression leaks nothing worth guessing (BREACH).
    tokens = set()
    for _ in range(3):
        browser.client.cookies.clear()
        tokens.add(csrf_from(browser.client.get("/login").text))
    assert len(tokens) == 3
    browser.client.cookies.clear()
    cookie = browser.client.get("/login").headers["set-cookie"].lower()
    assert "samesite=lax" in cookie


def test_no_template_has_inline_script_or_style() -> None:
    from pathlib import Path

    import re

    root = Path(__file__).resolve().parents[2] / "web" / "templates"
    offenders = []
    for path in root.rglob("*.html"):
        text = path.read_text()
        if re.search(r"<script(?![^>]*\bsrc=)[^>]*>", text) or re.search(r"<style\b|\sstyle=|\son[a-z]+=", text):
            offenders.append(str(path.relative_to(root)))
    assert offenders == []
