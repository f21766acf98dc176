"""Installable, and the service worker keeps only the app shell."""

from __future__ import annotations

import re

from tests.browser.conftest import controlled, sign_in


def test_chrome_finds_the_app_installable(phone, patient):  # type: ignore[no-untyped-def]
    sign_in(phone, patient)
    page = phone.new_page()
    page.goto("/diary")
    controlled(page)
    cdp = phone.new_cdp_session(page)
    manifest = cdp.send("Page.getAppManifest")
    assert manifest["url"].endswith("/manifest.webmanifest")
    assert manifest["errors"] == [], manifest["errors"]
    errors = cdp.send("Page.getInstallabilityErrors")["installabilityErrors"]
    # Playwright's contexts are incognito-like; nothing else may stand in the way.
    assert [e for e in errors if e["errorId"] != "in-incognito"] == [], errors


def test_the_service_worker_caches_the_shell_only_and_serves_the_offline_page(phone, patient):  # type: ignore[no-untyped-def]
    page = phone.new_page()
    # A cache from an older release, made before the service worker arrives.
    page.goto("/manifest.webmanifest")
    page.evaluate("caches.open('walking-diary-shell-0ld').then(c => c.put('/old', new Response('old')))")
    sign_in(phone, patient)
    page.goto("/diary")
    controlled(page)
    page.goto("/diary/walks/new")
    page.goto("/diary")  # pages with health data, visited with the service worker in charge
    names = page.evaluate("caches.keys()")
    assert len(names) == 1 and re.fullmatch(r"walking-diary-shell-[0-9a-f]{16}", names[0]), names
    urls = page.evaluate("caches.open(%r).then(c => c.keys()).then(ks => ks.map(r => new URL(r.url).pathname))"
                         % names[0])
    # The shell is cached under the content-hashed names the pages link (server/static_files.py).
    plain = {re.sub(r"\.[0-9a-f]{10}(\.\w+)$", r"\1", u) for u in urls}
    assert "/offline" in urls and "/static/app.css" in plain and "/static/pwa/offline.js" in plain
    linked = page.evaluate("() => [...document.querySelectorAll('script[src], link[rel=stylesheet]')]"
                           ".map(e => new URL(e.src || e.href).pathname)")
    assert linked and set(linked) <= set(urls), set(linked) - set(urls)
    assert not [u for u in urls if re.match(r"^/(diary|api|clinic)(/|$)", u)], urls

    phone.set_offline(True)
    page.goto("/diary")
    assert page.get_by_role("heading", name="No connection").is_visible()
    assert page.locator("form.signout").count() == 0  # the kept page belongs to no one
    page.goto("/clinic")
    assert page.get_by_role("heading", name="No connection").is_visible()
    phone.set_offline(False)
