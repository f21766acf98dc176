"""axe-core (vendored from the npm registry) on the patient's pages, and the pages at 200% text size."""

from __future__ import annotations

import json

import pytest

from tests.browser.conftest import PHONE, VENDOR, controlled, shot, sign_in, token_of

AXE = next(VENDOR.glob("axe-core-*.min.js"))
PATIENT_PAGES = ["/diary", "/diary/walks/new", "/diary/check-ins/new", "/diary/walks/start", "/offline"]
BIG_TEXT = "html { font-size: 200% !important; }"


@pytest.fixture
def reader(browser, live):  # type: ignore[no-untyped-def]
    # bypass_csp: the injected axe script and the larger text must still load once a strict CSP is in place.
    context = browser.new_context(base_url=live.base, bypass_csp=True, **PHONE)
    context.set_default_timeout(10_000)
    yield context
    context.close()


def serious_violations(page) -> list[str]:  # type: ignore[no-untyped-def]
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    found = []
    for v in result["violations"]:
        if v["impact"] in ("serious", "critical"):
            targets = [json.dumps(n["target"]) for n in v["nodes"][:3]]
            found.append(f"{v['id']} ({v['impact']}): {v['help']} at {', '.join(targets)}")
    return found


def test_the_sign_in_page_has_no_serious_accessibility_problems(reader):  # type: ignore[no-untyped-def]
    page = reader.new_page()
    page.goto("/login")
    assert serious_violations(page) == []


@pytest.mark.parametrize("path", PATIENT_PAGES)
def test_patient_pages_have_no_serious_accessibility_problems(reader, patient, path):  # type: ignore[no-untyped-def]
    sign_in(reader, patient)
    page = reader.new_page()
    page.goto(path)
    assert serious_violations(page) == [], path


def test_the_offline_states_have_no_serious_accessibility_problems(reader, patient):  # type: ignore[no-untyped-def]
    """Entries waiting, one refused by the server, and the safety advice given with no connection."""
    sign_in(reader, patient)
    page = reader.new_page()
    page.goto("/diary/check-ins/new")
    controlled(page)
    reader.set_offline(True)
    page.wait_for_function("() => !navigator.onLine")
    page.locator('label.choice:has(input[name="sudden_onset"][value="yes"])').tap()
    page.get_by_role("button", name="Save check-in").tap()
    page.locator("#offline-advice .advice.emergency").wait_for()
    bad = {"type": "walk", "id": "00000000-0000-4000-8000-000000000a11",
           "walked_at": "2026-11-20T10:00:00+00:00", "distance_m": 100, "relief": "no_pain"}
    page.evaluate("e => { const r = DiaryQueue.record(e, [], null); r.status = 'rejected'; "
                  "r.errors = [{field: 'distance_m', message: 'must be at most 100000'}]; "
                  "return DiaryQueue.idbStore(indexedDB).put(r).then(() => DiaryOffline.refresh()); }", bad)
    page.locator(".offline-problem").wait_for()
    assert serious_violations(page) == []
    reader.set_offline(False)


def test_the_gps_walk_after_stop_has_no_serious_accessibility_problems(reader, patient):  # type: ignore[no-untyped-def]
    sign_in(reader, patient)
    reader.grant_permissions(["geolocation"])
    reader.set_geolocation({"latitude": 51.5, "longitude": -0.12, "accuracy": 5})
    page = reader.new_page()
    page.goto("/diary/walks/start")
    page.get_by_role("button", name="Start").tap()
    page.get_by_role("button", name="Pain started").tap()
    page.get_by_role("button", name="Stop").tap()
    page.locator("#walk-form").wait_for()
    assert serious_violations(page) == []


def test_clinician_pages_have_no_serious_accessibility_problems(reader, live):  # type: ignore[no-untyped-def]
    email = "a11y-clinician@browser.example"
    live.diary("create-user", "--role", "clinician", "--clinic", "Browser Clinic", email, stdin="a walk in the park\n")
    login = reader.request.get("/login")
    reader.request.post("/login", form={"email": email, "password": "a walk in the park",
                                        "_csrf_token": token_of(login.text())})
    page = reader.new_page()
    found = {}
    for path in ("/clinic", "/clinic/patients/new"):
        page.goto(path)
        assert page.url.endswith(path)
        found[path] = serious_violations(page)
    assert found == {path: [] for path in found}


@pytest.mark.parametrize("path, button", [
    ("/diary/walks/new", "Save walk"), ("/diary/check-ins/new", "Save check-in"), ("/diary", "Log a walk"),
    ("/diary/walks/start", "Start"), ("/login", "Sign in"),
])
def test_pages_stay_usable_at_200_percent_text(reader, patient, path, button):  # type: ignore[no-untyped-def]
    if path != "/login":
        sign_in(reader, patient)
    page = reader.new_page()
    page.goto(path)
    page.add_style_tag(content=BIG_TEXT)
    assert page.evaluate("parseFloat(getComputedStyle(document.documentElement).fontSize)") >= 32
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"{path} scrolls sideways by {overflow}px at 200% text"
    target = page.get_by_role("button", name=button, exact=True) if path != "/diary" else \
        page.get_by_role("link", name=button, exact=True)
    target.scroll_into_view_if_needed()
    box = target.bounding_box()
    assert box and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["viewport"]["width"], box
    target.click(trial=True)  # visible, enabled, not covered
    if path == "/diary/walks/new":
        shot(page, "phone-walk-form-200-percent")
