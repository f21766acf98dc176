"""What the phone-queue browser tests do again and again: tap, go offline, keep an entry, ask the API."""

from __future__ import annotations

import time
import uuid
from typing import Any

from tests.browser.conftest import PHONE, Live, Patient, sign_in

ALL = "DiaryQueue.idbStore(indexedDB).all()"


def tap_choice(page, name: str, value: str) -> None:  # type: ignore[no-untyped-def]
    page.locator(f'label.choice:has(input[name="{name}"][value="{value}"])').tap()


def go_offline(context, page) -> None:  # type: ignore[no-untyped-def]
    context.set_offline(True)
    page.wait_for_function("() => !navigator.onLine")


def go_online(context, page) -> None:  # type: ignore[no-untyped-def]
    context.set_offline(False)
    page.wait_for_function("() => navigator.onLine")


def walk_entry(**extra: Any) -> dict[str, Any]:
    return {"type": "walk", "id": str(uuid.uuid4()), "walked_at": "2026-11-20T10:00:00+00:00", "distance_m": 300,
            "pain_onset_m": 150, "relief": "stood_still", **extra}


def keep_on_phone(page, entry, form=()) -> None:  # type: ignore[no-untyped-def]
    """As the page keeps an entry, for the account signed in on it."""
    owner = page.evaluate("(document.querySelector('meta[name=diary-user]') || {}).content || null")
    page.evaluate("([e, f, o]) => DiaryQueue.idbStore(indexedDB).put(DiaryQueue.record(e, f, o))",
                  [entry, [list(p) for p in form], owner])


def queue(page) -> list[dict[str, Any]]:  # type: ignore[no-untyped-def]
    return page.evaluate(ALL)


def api(page, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """A request from the page, with its CSRF token: {status, etag, body}."""
    return page.evaluate("""async ([method, path, body, headers]) => {
        const token = document.querySelector('meta[name=csrf-token]').content;
        const r = await fetch(path, {method, headers: {'content-type': 'application/json', 'x-csrftoken': token,
                                                      ...headers}, body: body === null ? undefined : JSON.stringify(body)});
        let json = null; try { json = await r.json(); } catch (e) {}
        return {status: r.status, etag: r.headers.get('etag'), body: json};
    }""", [method, path, body, headers or {}])


def second_device(browser, live: Live, who: Patient):  # type: ignore[no-untyped-def]
    """The same patient signed in on another phone: a context and a page on /diary."""
    context = browser.new_context(base_url=live.base, **PHONE)
    context.set_default_timeout(10_000)
    sign_in(context, who)
    page = context.new_page()
    page.goto("/diary")
    return context, page


def until(check, seconds: float = 10, page=None):  # type: ignore[no-untyped-def]
    """Wait (letting Playwright run route handlers) until ``check()`` is true; its value."""
    deadline = time.monotonic() + seconds
    while True:
        value = check()
        if value or time.monotonic() > deadline:
            return value
        if page is not None:
            page.wait_for_timeout(100)
        else:
            time.sleep(0.1)


def open_controlled(context, path: str):  # type: ignore[no-untyped-def]
    """A page the service worker controls. Its first install caches the shell (slow on a busy
    machine); a page whose navigation began while another page's worker was activating is
    not claimed, and is loaded again once the worker is active."""
    page = context.new_page()
    page.goto(path)
    page.wait_for_function("() => navigator.serviceWorker.ready.then(() => true)", timeout=45_000)
    if not page.evaluate("() => navigator.serviceWorker.controller !== null"):
        page.reload()
    page.wait_for_function("() => navigator.serviceWorker.controller !== null", timeout=15_000)
    return page
