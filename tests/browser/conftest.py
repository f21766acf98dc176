"""Real-browser tests: Playwright for Python driving Debian's chromium against a real ``diary serve``.

They skip, saying why, when /usr/bin/chromium (or DIARY_TEST_CHROMIUM) is
missing or Playwright is not installed. One server and one browser serve all
of tests/browser; every test gets a fresh browser context (cookies, service worker,
IndexedDB) and, where it writes entries, a patient of its own.
"""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.live import diary, live_env, running_server, token_of

CHROMIUM = Path(os.environ.get("DIARY_TEST_CHROMIUM", "/usr/bin/chromium"))
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
VENDOR = Path(__file__).resolve().parent / "vendor"
PASSWORD = "a walk in the park"
PHONE = {  # a 390 x 844 phone with touch
    "viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True,
    "user_agent": "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
                  "Chrome/156.0.0.0 Mobile Safari/537.36",
    "locale": "en-GB", "timezone_id": "Europe/London",
}

try:
    from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright
except ImportError:  # pragma: no cover - depends on the machine
    sync_playwright = None  # type: ignore[assignment]


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "browser: drives a real chromium with Playwright")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/browser/" in item.nodeid.replace("\\", "/"):
            item.add_marker(pytest.mark.browser)


def why_no_browser() -> str | None:
    if sync_playwright is None:
        return "Playwright for Python is not installed (pip install -e '.[test]'): the browser tests are skipped"
    if not CHROMIUM.exists():
        return f"{CHROMIUM} not found (apt-get install chromium, or set DIARY_TEST_CHROMIUM): the browser tests are skipped"
    return None


@dataclass
class Live:
    base: str
    env: dict[str, str]

    def diary(self, *args: str, stdin: str | None = None) -> str:
        return diary(self.env, *args, stdin=stdin)


@dataclass
class Patient:
    email: str
    password: str
    name: str


# Package scope: Playwright's sync API keeps an event loop running in this
# thread while it is open, so it must close before the rest of the suite
# (which calls asyncio.run) goes on.
@pytest.fixture(scope="package")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    reason = why_no_browser()
    if reason:
        pytest.skip(reason)
    data = tmp_path_factory.mktemp("live")
    with running_server(data, "--no-scheduler") as base:
        yield Live(base=base, env=live_env(data))


@pytest.fixture
def patient(live: Live) -> Patient:
    return enrol(live)


def enrol(live: Live, clinic: str = "Browser Clinic") -> Patient:
    """A new patient: a code from ``diary enrol-patient``, then enrolment over HTTP."""
    name = f"Pat {uuid.uuid4().hex[:6]}"
    out = live.diary("enrol-patient", "--clinic", clinic, "--name", name, "--clinic-number", name)
    code = re.search(r"Enrolment code: (\S+)", out).group(1)
    email = f"{name.split()[1]}@browser.example"
    with httpx.Client(base_url=live.base, follow_redirects=True, timeout=20) as client:
        page = client.get("/enrol")
        done = client.post("/enrol", data={"code": code, "email": email, "password": PASSWORD,
                                           "password_again": PASSWORD, "_csrf_token": token_of(page.text)})
        assert done.url.path == "/diary", done.text
    return Patient(email=email, password=PASSWORD, name=name)


@pytest.fixture(scope="package")
def browser(live: Live) -> Iterator[Browser]:
    # Playwright's routes then see the service worker's own requests too (its
    # replays, and the forms it posts for a page): read when its driver starts.
    os.environ["PW_EXPERIMENTAL_SERVICE_WORKER_NETWORK_EVENTS"] = "1"
    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                     args=["--no-sandbox", "--disable-background-networking"])
        yield launched
        launched.close()


@pytest.fixture
def phone(browser: Browser, live: Live) -> Iterator[BrowserContext]:
    context = browser.new_context(base_url=live.base, **PHONE)
    context.set_default_timeout(10_000)
    yield context
    context.close()


def sign_in(context: BrowserContext, who: Patient) -> None:
    """Sign in through the context's own cookie jar, as the sign-in form does."""
    page = context.request.get("/login")
    response = context.request.post("/login", form={"email": who.email, "password": who.password,
                                                    "keep_signed_in": "yes", "_csrf_token": token_of(page.text())})
    assert response.url.endswith("/diary"), response.url


def entries(context: BrowserContext) -> list[dict[str, Any]]:
    response = context.request.get("/api/v1/entries?limit=200")
    assert response.status == 200, response.text()
    return response.json()["entries"]


def controlled(page: Page) -> None:
    """Wait until the service worker controls the page (installed, shell cached, claimed)."""
    # An arrow function, not an expression: Playwright evals a bare expression, which the CSP forbids.
    page.wait_for_function("() => navigator.serviceWorker && navigator.serviceWorker.controller !== null",
                           timeout=15_000)


def shot(page: Page, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path))
    return path


def waiting(page: Page) -> int:
    """The count of entries waiting, as the page shows it (0 when none are shown)."""
    count = page.locator("#offline-count")
    return int(count.inner_text()) if count.count() else 0


def wait_for_path(page: Page, path: str, query: str | None = None) -> None:
    """Wait until the page's address has this path (and query, if given)."""
    from urllib.parse import urlsplit

    def there(url: str) -> bool:
        parts = urlsplit(url)
        return parts.path == path and (query is None or parts.query == query)

    page.wait_for_url(there)
