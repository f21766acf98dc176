"""The strict Content-Security-Policy breaks nothing: every page, and the htmx and
offline scripts on them, run without a single violation in a real chromium."""

from __future__ import annotations

import re

import pytest

from tests.browser.conftest import PHONE, controlled, sign_in

PATIENT_PAGES = ["/diary", "/diary/walks/new", "/diary/walks/start", "/diary/check-ins/new", "/diary/reports",
                 "/account", "/offline"]
CLINIC_PAGES = ["/clinic", "/clinic/patients/new", "/clinic/exports", "/clinic/staff", "/clinic/settings", "/account"]
WATCH = """
window.__violations = [];
document.addEventListener('securitypolicyviolation',
  e => window.__violations.push(e.violatedDirective + ' blocked ' + (e.blockedURI || 'inline') + ' in ' + e.sourceFile));
"""
STAFF_PASSWORD = "a clinic of one's own"


@pytest.fixture
def watched(browser, live):  # type: ignore[no-untyped-def]
    """A phone whose pages report every CSP violation, from the first script on."""
    context = browser.new_context(base_url=live.base, **PHONE)
    context.set_default_timeout(10_000)
    context.add_init_script(WATCH)
    console: list[str] = []
    context.on("console", lambda m: console.append(m.text) if "Content Security Policy" in m.text else None)
    yield context, console
    context.close()


def violations(page, console: list[str]) -> list[str]:  # type: ignore[no-untyped-def]
    page.wait_for_load_state("networkidle")
    return page.evaluate("window.__violations") + console


def test_the_sign_in_page_is_served_with_the_policy(watched):  # type: ignore[no-untyped-def]
    context, console = watched
    page = context.new_page()
    response = page.goto("/login")
    assert "default-src 'self'" in response.headers["content-security-policy"]
    assert violations(page, console) == []


@pytest.mark.parametrize("path", PATIENT_PAGES)
def test_patient_pages_run_without_violations(watched, patient, path):  # type: ignore[no-untyped-def]
    context, console = watched
    sign_in(context, patient)
    page = context.new_page()
    page.goto(path)
    assert violations(page, console) == [], path


def test_logging_a_walk_and_deleting_it_in_place_run_without_violations(watched, patient):  # type: ignore[no-untyped-def]
    context, console = watched
    sign_in(context, patient)
    page = context.new_page()
    page.goto("/diary/walks/new")
    controlled(page)  # the service worker registered and took control under the policy
    page.locator('label.choice:has(input[name="distance_m"][value="500"])').tap()
    page.locator('label.choice:has(input[name="had_pain"][value="no"])').tap()
    page.get_by_role("button", name="Save walk").tap()
    page.wait_for_url(re.compile(r"/diary\?done=saved"))
    page.once("dialog", lambda dialog: dialog.accept())  # htmx's hx-confirm
    page.get_by_role("button", name="Delete").first.tap()
    page.get_by_text("The walk was deleted.").wait_for()  # swapped in place by htmx
    assert violations(page, console) == []


@pytest.fixture
def nurse(live):  # type: ignore[no-untyped-def]
    email = "csp-nurse@browser.example"
    try:
        live.diary("create-user", "--role", "admin", "--clinic", "Browser Clinic", email, stdin=STAFF_PASSWORD + "\n")
    except Exception:  # already made by an earlier test in this package
        pass
    return email


@pytest.mark.parametrize("path", CLINIC_PAGES)
def test_clinic_pages_run_without_violations(watched, nurse, patient, path):  # type: ignore[no-untyped-def]
    context, console = watched
    page = context.new_page()
    page.goto("/login")
    page.locator("#email").fill(nurse)
    page.locator("#password").fill(STAFF_PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.wait_for_url(re.compile("/clinic"))
    page.goto(path)
    if path == "/clinic":  # the list's search swaps results in with htmx
        page.locator('input[type="search"]').first.fill(patient.name)
        page.get_by_role("link", name=patient.name).first.wait_for()
    assert violations(page, console) == [], path
