"""The first use, in chromium: every problem at once with the focus on it, the chart across a
desktop with a readable legend, the row an evidence link lands on, links in a thumb's reach,
and dark mode with axe finding no serious problem in either scheme."""

from __future__ import annotations

import subprocess
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from tests.browser.conftest import PHONE, shot, sign_in, token_of
from tests.browser.test_accessibility import serious_violations

DESKTOP = {"viewport": {"width": 1440, "height": 900}, "locale": "en-GB", "timezone_id": "Europe/London"}
CLINICIAN = "first-use-clinician@browser.example"


def log(context, entries: list[dict]) -> None:  # type: ignore[no-untyped-def]
    """Entries sent as the phone sends them, through the API, as the context's signed-in patient."""
    token = token_of(context.request.get("/diary").text())
    for entry in entries:
        response = context.request.put(f"/api/v1/entries/{entry['id']}", data=entry, headers={"x-csrftoken": token})
        assert response.status in (200, 201), response.text()


def history() -> list[dict]:
    """Months at 500 m, then weeks at 200 m, and rest pain on three check-ins: flags to review."""
    now = datetime.now(UTC)
    walks = [{"type": "walk", "id": str(uuid.uuid4()), "walked_at": (now - timedelta(days=d, hours=3)).isoformat(),
              "distance_m": 500 if d > 50 else 200, "pain_onset_m": 350 if d > 50 else 140, "stopped_by_pain": True,
              "relief": "stood_still", "relief_minutes": 3} for d in range(110, 0, -2)]
    checks = [{"type": "check_in", "id": str(uuid.uuid4()), "recorded_at": (now - timedelta(days=d)).isoformat(),
               "rest_pain": True} for d in (9, 5, 1)]
    return walks + checks


@pytest.fixture
def clinician(browser, live):  # type: ignore[no-untyped-def]
    """A clinician of the browser clinic, signed in on a desktop (light or dark as asked)."""
    def open_desktop(scheme: str = "light"):  # type: ignore[no-untyped-def]
        try:
            live.diary("create-user", "--role", "clinician", "--clinic", "Browser Clinic", CLINICIAN,
                       stdin="a walk in the park\n")
        except subprocess.CalledProcessError:
            pass  # made by an earlier test
        context = browser.new_context(base_url=live.base, bypass_csp=True, color_scheme=scheme, **DESKTOP)
        context.set_default_timeout(10_000)
        login = context.request.get("/login?next=/clinic")
        context.request.post("/login", form={"email": CLINICIAN, "password": "a walk in the park", "next": "/clinic",
                                             "_csrf_token": token_of(login.text())})
        opened.append(context)
        return context
    opened: list = []
    yield open_desktop
    for context in opened:
        context.close()


@pytest.fixture
def flagged(browser, live, patient):  # type: ignore[no-untyped-def]
    """The fixture's patient, with a history that raises flags; returns their patient page's path."""
    context = browser.new_context(base_url=live.base, **PHONE)
    sign_in(context, patient)
    log(context, history())
    context.close()
    return patient


def patient_page(context, name: str):  # type: ignore[no-untyped-def]
    page = context.new_page()
    page.goto("/clinic?q=" + name.split()[1])
    page.locator("#patients a", has_text=name).click()
    page.locator("#chart-h").wait_for()
    return page


def test_an_empty_walk_says_every_problem_at_once_and_takes_the_focus_there(phone, patient):  # type: ignore[no-untyped-def]
    sign_in(phone, patient)
    page = phone.new_page()
    page.goto("/diary/walks/new")
    page.get_by_role("button", name="Save walk").tap()
    summary = page.locator("[data-error-summary]")
    summary.wait_for()
    assert page.evaluate("() => document.activeElement.hasAttribute('data-error-summary')")
    assert summary.locator("li").count() == 2
    shot(page, "phone-walk-form-errors")
    summary.get_by_role("link", name="how far you walked", exact=False).tap()
    assert page.evaluate("() => document.activeElement.id") == "distance_m-1"


def test_offline_an_empty_walk_gets_the_same_summary(phone, patient):  # type: ignore[no-untyped-def]
    from tests.browser.conftest import controlled
    sign_in(phone, patient)
    page = phone.new_page()
    page.goto("/diary/walks/new")
    controlled(page)
    phone.set_offline(True)
    page.wait_for_function("() => !navigator.onLine")
    page.get_by_role("button", name="Save walk").tap()
    summary = page.locator("[data-error-summary]")
    summary.wait_for()
    assert page.evaluate("() => document.activeElement.hasAttribute('data-error-summary')")
    assert summary.locator("li").count() >= 2
    phone.set_offline(False)


def test_the_summaries_and_account_are_within_a_thumbs_reach(phone, patient):  # type: ignore[no-untyped-def]
    sign_in(phone, patient)
    log(phone, history()[:20])
    page = phone.new_page()
    page.goto("/diary")
    for name in ("My weekly summaries", "My account"):
        box = page.get_by_role("link", name=name, exact=True).bounding_box()
        assert box["y"] + box["height"] <= PHONE["viewport"]["height"], (name, box)  # on the first screen
        assert box["height"] >= 48 and box["width"] >= 120, (name, box)


def test_the_chart_uses_the_width_of_a_desktop_and_its_legend_is_readable(clinician, flagged):  # type: ignore[no-untyped-def]
    page = patient_page(clinician(), flagged.name)
    chart = page.locator("figure.chart svg").bounding_box()
    section = page.locator("#chart-h").evaluate("h => h.parentElement.getBoundingClientRect().width")
    assert chart["width"] >= 0.95 * section, (chart, section)
    legend = page.locator("figure.chart svg g.legend text").first.bounding_box()
    assert legend["height"] >= 12, legend  # the legend's text as drawn on the screen
    shot(page, "desktop-patient-page")


def test_an_evidence_link_marks_the_row_it_lands_on(clinician, flagged):  # type: ignore[no-untyped-def]
    page = patient_page(clinician(), flagged.name)
    link = page.locator("li.flag .evidence a").first
    target = link.get_attribute("href")
    plain = page.locator("table.entries-table tbody tr:not(.flagged) td").first.evaluate(
        "td => getComputedStyle(td).backgroundColor")
    link.click()
    page.wait_for_function("t => location.hash === t", arg=target)
    row = page.locator(f"tr{target}")
    assert row.evaluate("tr => tr.matches(':target')")
    assert row.locator("td").first.evaluate("td => getComputedStyle(td).backgroundColor") != plain
    box = row.bounding_box()
    assert 0 <= box["y"] < DESKTOP["viewport"]["height"], box


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_clinic_pages_have_no_serious_accessibility_problems_in_either_scheme(clinician, flagged, scheme):  # type: ignore[no-untyped-def]
    context = clinician(scheme)
    page = patient_page(context, flagged.name)
    found = {"patient page": serious_violations(page)}
    for path in ("/clinic", "/clinic/exports", "/clinic/patients/new", "/account"):
        page.goto(path)
        found[path] = serious_violations(page)
    assert found == {path: [] for path in found}


@pytest.mark.parametrize("path", ["/login", "/diary", "/diary/walks/new", "/diary/check-ins/new", "/diary/reports",
                                  "/account", "/offline"])
def test_patient_pages_are_dark_in_dark_mode_with_no_serious_accessibility_problems(browser, live, patient, path):  # type: ignore[no-untyped-def]
    context = browser.new_context(base_url=live.base, bypass_csp=True, color_scheme="dark", **PHONE)
    context.set_default_timeout(10_000)
    try:
        if path != "/login":
            sign_in(context, patient)
        page = context.new_page()
        page.goto(path)
        background = page.evaluate("() => getComputedStyle(document.querySelector('main')).backgroundColor")
        red, green, blue = (int(x) for x in background[background.index("(") + 1:-1].split(",")[:3])
        assert max(red, green, blue) < 60, background  # dark, as the phone asked
        assert serious_violations(page) == [], path
    finally:
        context.close()


def test_a_walk_form_with_problems_has_no_serious_accessibility_problems_in_the_dark(browser, live, patient):  # type: ignore[no-untyped-def]
    context = browser.new_context(base_url=live.base, bypass_csp=True, color_scheme="dark", **PHONE)
    try:
        sign_in(context, patient)
        page = context.new_page()
        page.goto("/diary/walks/new")
        page.get_by_role("button", name="Save walk").tap()
        page.locator("[data-error-summary]").wait_for()
        assert serious_violations(page) == []
    finally:
        context.close()
