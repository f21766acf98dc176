"""Danger signs in a real browser: an admin sets the clinic's numbers, the patient's phone
answers an emergency with the same words online and offline and calls those numbers, and
the clinic sees the emergency first. Screenshots go to docs/screenshots/."""

from __future__ import annotations

import re
import uuid
from pathlib import Path

import pytest

from diary.advice import advice_for
from diary.entries import CheckIn
from tests.browser.conftest import PHONE, controlled, sign_in

expect = pytest.importorskip("playwright.sync_api", reason="Playwright for Python is not installed").expect

DOCS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
STAFF_PASSWORD = "a walk in the park"
CLINIC_PHONE = "020 7946 0000"
DESKTOP = {"viewport": {"width": 1280, "height": 900}, "locale": "en-GB", "timezone_id": "Europe/London"}


def screenshot(page, name: str, full: bool = False) -> None:  # type: ignore[no-untyped-def]
    DOCS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(DOCS / f"{name}.png"), full_page=full)


def tap_choice(page, name: str, value: str) -> None:  # type: ignore[no-untyped-def]
    page.locator(f'label.choice:has(input[name="{name}"][value="{value}"])').tap()


@pytest.fixture
def desktop(browser, live):  # type: ignore[no-untyped-def]
    context = browser.new_context(base_url=live.base, **DESKTOP)
    context.set_default_timeout(10_000)
    yield context
    context.close()


def staff_page(desktop, live, role: str):  # type: ignore[no-untyped-def]
    email = f"{role}-{uuid.uuid4().hex[:6]}@browser.example"
    live.diary("create-user", "--role", role, "--clinic", "Browser Clinic", email, stdin=STAFF_PASSWORD + "\n")
    page = desktop.new_page()
    page.goto("/login")
    page.locator("#email").fill(email)
    page.locator("#password").fill(STAFF_PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.wait_for_url(re.compile("/clinic"))
    return page


def set_clinic_phone(desktop, live, shot: bool = False) -> None:  # type: ignore[no-untyped-def]
    page = staff_page(desktop, live, "admin")
    page.get_by_role("link", name="Clinic settings").click()
    page.locator("#phone").fill(CLINIC_PHONE)
    page.locator("#emergency_number").fill("999")
    page.get_by_role("button", name="Save the clinic settings").click()
    page.get_by_text("The clinic settings are saved.").wait_for()
    if shot:
        screenshot(page, "desktop-clinic-settings", full=True)
    page.close()


def fill_emergency(page) -> None:  # type: ignore[no-untyped-def]
    tap_choice(page, "sudden_onset", "yes")
    tap_choice(page, "sudden_onset_days_ago", "0")
    tap_choice(page, "rest_pain", "yes")
    tap_choice(page, "foot", "cold")
    tap_choice(page, "heart_symptoms", "none")


def advice_text(box) -> dict:  # type: ignore[no-untyped-def]
    return {"title": box.locator("h1, h2").first.inner_text(), "reported": box.locator(".reported").inner_text(),
            "lines": box.locator("li").all_inner_texts(),
            "calls": box.locator(".calls a").evaluate_all("links => links.map(a => [a.getAttribute('href'), a.textContent])")}


def test_the_same_emergency_advice_online_and_offline_calls_the_clinics_numbers(phone, patient, desktop, live):  # type: ignore[no-untyped-def]
    set_clinic_phone(desktop, live, shot=True)
    sign_in(phone, patient)
    page = phone.new_page()
    page.goto("/diary")  # a signed-in page: the phone keeps the clinic's numbers
    page.goto("/diary/check-ins/new")
    controlled(page)
    assert page.locator(".urgent-note a.tel").get_attribute("href") == "tel:999"
    screenshot(page, "phone-check-in-form")
    screenshot(page, "phone-check-in-form-full", full=True)

    # Offline: the same form, the advice at once from the phone.
    phone.set_offline(True)
    page.wait_for_function("() => !navigator.onLine")
    fill_emergency(page)
    page.get_by_role("button", name="Save check-in").tap()
    offline = page.locator("#offline-advice .advice.emergency")
    offline.wait_for()
    page.evaluate("document.getElementById('offline-advice').scrollIntoView()")
    screenshot(page, "phone-offline-advice")
    offline_words = advice_text(offline)
    kept = page.evaluate("DiaryQueue.idbStore(indexedDB).all()")[0]["entry"]
    expected = advice_for(CheckIn.model_validate(kept))
    assert offline_words["title"] == expected.title == "Get help now"
    assert offline_words["lines"] == [line.replace("{emergency}", "999") for line in expected.lines]
    assert offline_words["calls"] == [["tel:999", "Call 999: emergency"],
                                      ["tel:02079460000", "Call your care team: 020 7946 0000"]]

    # Online: the same answers, the server's advice: word for word the same.
    phone.set_offline(False)
    page.goto("/diary/check-ins/new")
    fill_emergency(page)
    page.get_by_role("button", name="Save check-in").tap()
    online = page.locator(".advice.emergency")
    online.wait_for()
    screenshot(page, "phone-advice-emergency")
    online_words = advice_text(online)
    assert {k: online_words[k] for k in ("title", "reported", "lines", "calls")} == \
        {k: offline_words[k] for k in ("title", "reported", "lines", "calls")}


def test_a_contradiction_is_asked_about_on_the_phone(phone, patient):  # type: ignore[no-untyped-def]
    sign_in(phone, patient)
    page = phone.new_page()
    page.goto("/diary/check-ins/new")
    tap_choice(page, "rest_pain", "no")
    page.locator('input[name="rest_pain_at_night"]').check()
    page.get_by_role("button", name="Save check-in").tap()
    error = page.locator("#rest_pain-error")
    error.wait_for()
    assert "You answered No" in error.inner_text()
    assert page.locator('input[name="rest_pain_at_night"]').is_checked()
    error.scroll_into_view_if_needed()
    screenshot(page, "phone-check-in-contradiction")


def test_the_clinic_sees_the_emergency_first_and_changes_details(phone, patient, desktop, live):  # type: ignore[no-untyped-def]
    sign_in(phone, patient)
    page = phone.new_page()
    page.goto("/diary/check-ins/new")
    tap_choice(page, "wound", "yes")
    page.locator("#wound_days").fill("20")
    page.get_by_role("button", name="Save check-in").tap()
    page.locator(".advice").wait_for()
    page.goto("/diary/check-ins/new")
    tap_choice(page, "sudden_onset", "yes")
    page.get_by_role("button", name="Save check-in").tap()
    page.locator(".advice.emergency").wait_for()

    nurse = staff_page(desktop, live, "clinician")
    rows = nurse.locator("#queue tbody tr")
    names = [rows.nth(i).locator("a").first.inner_text() for i in range(rows.count())]
    classes = [rows.nth(i).get_attribute("class") for i in range(rows.count())]
    mine = names.index(patient.name)
    # Emergencies first (other tests' patients may have one too), whatever is older below.
    assert classes[:mine + 1] == ["row-emergency"] * (mine + 1)
    screenshot(nurse, "desktop-queue-emergency")
    rows.nth(mine).locator("a").first.click()
    nurse.locator("li.flag.flag-emergency").first.wait_for()
    nurse.evaluate("document.getElementById('flags-h').scrollIntoView()")
    screenshot(nurse, "desktop-patient-emergency")
    nurse.get_by_role("link", name="Change details").first.click()
    nurse.locator('input[name="diabetes"][value="yes"]').check()
    nurse.locator("#phone").fill("07700 900123")
    screenshot(nurse, "desktop-patient-details", full=True)
    nurse.get_by_role("button", name="Save the details").click()
    history = nurse.locator('section[aria-labelledby="details-h"] table')
    history.wait_for()
    assert "diabetes" in history.inner_text()
    history.scroll_into_view_if_needed()
    screenshot(nurse, "desktop-patient-details-history")


def test_the_new_pages_have_no_serious_accessibility_problems(browser, live, patient, desktop):  # type: ignore[no-untyped-def]
    from tests.browser.test_accessibility import serious_violations

    context = browser.new_context(base_url=live.base, bypass_csp=True, **PHONE)
    try:
        sign_in(context, patient)
        page = context.new_page()
        page.goto("/diary/check-ins/new")
        assert serious_violations(page) == []
        tap_choice(page, "sudden_onset", "yes")
        page.get_by_role("button", name="Save check-in").tap()
        page.locator(".advice.emergency").wait_for()
        assert serious_violations(page) == []
    finally:
        context.close()
    admin = browser.new_context(base_url=live.base, bypass_csp=True, **DESKTOP)
    try:
        page = staff_page(admin, live, "admin")
        for path in ("/clinic/settings", "/clinic"):
            page.goto(path)
            assert serious_violations(page) == [], path
        page.goto(f"/clinic?q={patient.name.replace(' ', '+')}#all-patients")
        page.locator("#patients").get_by_role("link", name=patient.name).first.click()
        page.get_by_role("link", name="Change details").first.click()
        page.locator("#diabetes").wait_for()
        assert serious_violations(page) == []
    finally:
        admin.close()
