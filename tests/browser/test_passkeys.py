"""A real passkey in a real chromium: add it on /account, sign out, sign in with it and no password.

The phone's authenticator is chromium's virtual one (DevTools WebAuthn domain):
CTAP2, built in ("internal"), with resident keys and user verification, as a
phone with a screen lock has. Chromium refuses an IP address as an RP id, so the
page is opened at http://localhost (a secure context, like 127.0.0.1), and in
development the server takes its RP id, localhost, from the request.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.browser.conftest import PHONE, Live, Patient, shot, sign_in, wait_for_path

try:
    from playwright.sync_api import Browser, BrowserContext
except ImportError:  # pragma: no cover - the conftest skips
    pass


@pytest.fixture
def localhost_phone(browser: Browser, live: Live) -> Iterator[BrowserContext]:
    context = browser.new_context(base_url=live.base.replace("127.0.0.1", "localhost"), **PHONE)
    context.set_default_timeout(15_000)
    yield context
    context.close()


def test_a_patient_adds_a_passkey_and_signs_in_with_it_without_a_password(localhost_phone, patient: Patient):  # type: ignore[no-untyped-def]
    page = localhost_phone.new_page()
    cdp = localhost_phone.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    authenticator = cdp.send("WebAuthn.addVirtualAuthenticator", {"options": {
        "protocol": "ctap2", "transport": "internal", "hasResidentKey": True, "hasUserVerification": True,
        "isUserVerified": True, "automaticPresenceSimulation": True}})["authenticatorId"]

    sign_in(localhost_phone, patient)
    page.goto("/account")
    page.get_by_role("button", name="Add a passkey on this phone").click()
    wait_for_path(page, "/account", "done=passkey_added")
    assert "Your passkey is added" in page.locator("main").inner_text()
    assert page.locator(".passkey-list li").count() == 1
    [credential] = cdp.send("WebAuthn.getCredentials", {"authenticatorId": authenticator})["credentials"]
    assert credential["isResidentCredential"] and credential["rpId"] == "localhost"
    shot(page, "passkey-added")

    page.get_by_role("button", name="Sign out", exact=True).click()
    wait_for_path(page, "/login")
    assert page.context.request.get("/diary", max_redirects=0).status == 303
    page.get_by_label("Keep me signed in on this phone (90 days)").check()
    page.get_by_role("button", name="Sign in with a passkey").click()
    wait_for_path(page, "/diary")
    assert page.get_by_label("Password").count() == 0
    assert page.get_by_role("heading", name="My walking diary").is_visible()
    assert page.context.request.get("/diary", max_redirects=0).status == 200
    shot(page, "passkey-signed-in")
    session = [c for c in localhost_phone.cookies() if c["name"] == "diary_session"]
    assert session and session[0]["expires"] > 0  # kept on this phone, as the box asked
