"""Static files under content-hashed names: cached for a year, never a cookie (server/static_files.py)."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from bs4 import BeautifulSoup

STATIC = Path(__file__).resolve().parents[2] / "web" / "static"


def linked(browser, path: str = "/login") -> list[str]:  # type: ignore[no-untyped-def]
    page = BeautifulSoup(browser.client.get(path).text, "html.parser")
    return [el.get("src") or el.get("href") for el in page.select("script[src], link[href]")
            if (el.get("src") or el.get("href")).startswith("/static/")]


def test_pages_link_every_static_file_by_a_hash_of_its_content(browser):  # type: ignore[no-untyped-def]
    urls = linked(browser)
    assert len(urls) >= 9
    for url in urls:
        match = re.fullmatch(r"/static/(.+)\.([0-9a-f]{10})(\.\w+)", url)
        assert match, url
        content = (STATIC / (match[1] + match[3])).read_bytes()
        assert hashlib.sha256(content).hexdigest()[:10] == match[2], url


def test_a_hashed_file_is_cached_for_a_year_and_sets_no_cookie(make_browser):  # type: ignore[no-untyped-def]
    fresh = make_browser()  # no cookie yet: a page would set the CSRF cookie
    for url in linked(make_browser()):
        response = fresh.client.get(url)
        assert response.status_code == 200, url
        assert response.headers["cache-control"] == "public, max-age=31536000, immutable", url
        assert "set-cookie" not in response.headers, url
        assert not fresh.client.cookies, url
    css = fresh.client.get([u for u in linked(fresh) if u.endswith(".css")][0])
    assert css.headers["content-type"] == "text/css; charset=utf-8"


def test_the_plain_name_and_an_older_hash_still_answer_but_are_checked_again(browser):  # type: ignore[no-untyped-def]
    """A page or service worker of the release before keeps working after an upgrade."""
    current = (STATIC / "app.css").read_bytes()
    for url in ("/static/app.css", "/static/app.0123456789.css"):
        response = browser.client.get(url)
        assert response.status_code == 200 and response.content == current, url
        assert response.headers["cache-control"] == "no-cache", url
        assert "set-cookie" not in response.headers


def test_only_shipped_files_are_served(browser):  # type: ignore[no-untyped-def]
    for url in ("/static/nothing.css", "/static/nothing.0123456789.css", "/static/../server/app.py",
                "/static/%2e%2e/pyproject.toml", "/static/pwa/../../diary/models.py", "/static/app"):
        assert browser.client.get(url).status_code == 404, url
