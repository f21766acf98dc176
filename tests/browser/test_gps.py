"""The GPS walk: the phone measures a known route of about 500 m, then the walk form opens filled in."""

from __future__ import annotations

import math

import pytest

from tests.browser.conftest import PHONE, entries, shot, sign_in, wait_for_path

expect = pytest.importorskip("playwright.sync_api", reason="Playwright for Python is not installed").expect

START = (51.5007, -0.1246)  # Westminster Bridge
M_PER_DEG = math.pi / 180 * 6_371_008.8
STEP_M = 10
SECONDS_PER_STEP = 8  # 1.25 m/s: a steady walk


def offset(point: tuple[float, float], north: float, east: float) -> tuple[float, float]:
    lat, lon = point
    return lat + north / M_PER_DEG, lon + east / (M_PER_DEG * math.cos(math.radians(lat)))


def haversine(a: tuple[float, float], b: tuple[float, float]) -> float:
    (lat1, lon1), (lat2, lon2) = (tuple(map(math.radians, p)) for p in (a, b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * 6_371_008.8 * math.asin(math.sqrt(h))


def route() -> list[tuple[float, float]]:
    """300 m north, then 200 m east, a fix every 10 m."""
    points = [START]
    for north, east, steps in ((STEP_M, 0, 30), (0, STEP_M, 20)):
        for _ in range(steps):
            points.append(offset(points[-1], north, east))
    return points


def within(actual: float, expected: float, share: float = 0.05) -> bool:
    return abs(actual - expected) <= expected * share


@pytest.fixture
def walker(browser, live):  # type: ignore[no-untyped-def]
    context = browser.new_context(base_url=live.base, permissions=["geolocation"],
                                  geolocation={"latitude": START[0], "longitude": START[1], "accuracy": 5}, **PHONE)
    context.set_default_timeout(10_000)
    yield context
    context.close()


def test_a_measured_walk_of_500_m_with_pain_at_200_m(walker, patient):  # type: ignore[no-untyped-def]
    points = route()
    length = sum(haversine(a, b) for a, b in zip(points, points[1:]))
    assert 495 < length < 505
    sign_in(walker, patient)
    page = walker.new_page()
    page.clock.install()  # the walk's minutes pass in moments
    page.goto("/diary")
    page.get_by_role("link", name="Start a walk").tap()
    wait_for_path(page, "/diary/walks/start")
    expect(page.locator("#walk-form")).to_be_hidden()
    page.get_by_role("button", name="Start").tap()

    seen = 0

    def fix(point: tuple[float, float], accuracy: float = 5, seconds: float = SECONDS_PER_STEP) -> None:
        nonlocal seen
        walker.set_geolocation({"latitude": point[0], "longitude": point[1], "accuracy": accuracy})
        seen += 1
        page.wait_for_function(f"() => DiaryGps.received() >= {seen}")
        page.clock.fast_forward(int(seconds * 1000))

    onset_at = 20  # 200 m along the route
    for i, point in enumerate(points):
        if i == 10:
            fix(offset(point, 0, 120), accuracy=80, seconds=1)   # a poor fix, far off: ignored
        if i == 25:
            fix(offset(point, 0, 300), accuracy=5, seconds=1)    # a jump no walker makes: ignored
        fix(point)
        if i == onset_at:
            page.get_by_role("button", name="Pain started").tap()
            expect(page.locator("#gps-onset")).to_contain_text("Pain started at 200 m")
    expect(page.locator("#gps-state")).to_contain_text("Measuring")
    shown = page.locator("#gps-distance").inner_text()
    assert shown.endswith(" m") and within(float(shown.removesuffix(" m")), length), shown
    page.evaluate("window.scrollTo(0, 0)")
    shot(page, "phone-gps")

    page.get_by_role("button", name="Stop").tap()
    form = page.locator("#walk-form")
    expect(form).to_be_visible()
    distance = float(form.locator("#distance_m_exact").input_value())
    onset = float(form.locator("#pain_onset_m_exact").input_value())
    assert within(distance, length), distance
    assert within(onset, 200), onset
    assert form.locator('input[name="source"]').input_value() == "gps"
    minutes = float(form.locator('input[name="duration_min"]').input_value())
    assert 6 < minutes < 8, minutes  # 50 steps of 8 s, and two of 1 s
    assert form.locator('input[name="had_pain"][value="yes"]').is_checked()
    page.locator('label.choice:has(input[name="stopped_by_pain"][value="yes"])').tap()
    page.locator('label.choice:has(input[name="relief"][value="stood_still"])').tap()
    shot(page, "phone-gps-form")
    page.get_by_role("button", name="Save walk").tap()
    wait_for_path(page, "/diary", "done=saved")

    [walk] = entries(walker)
    assert walk["source"] == "gps" and walk["relief"] == "stood_still" and walk["stopped_by_pain"] is True
    assert within(walk["distance_m"], length) and within(walk["pain_onset_m"], 200)
    assert walk["duration_min"] == minutes


def test_without_location_permission_the_page_says_so_and_offers_manual_entry(phone, patient, live):  # type: ignore[no-untyped-def]
    sign_in(phone, patient)
    page = phone.new_page()
    page.goto("/diary/walks/start")
    cdp = phone.new_cdp_session(page)
    cdp.send("Browser.setPermission", {"permission": {"name": "geolocation"}, "setting": "denied", "origin": live.base})
    page.get_by_role("button", name="Start").tap()
    expect(page.locator("#gps-problem")).to_contain_text("Location is turned off for this site")
    expect(page.locator("#walk-form")).to_be_visible()
    expect(page.get_by_role("button", name="Pain started")).to_be_hidden()
    assert page.locator('input[name="source"]').input_value() == "manual"
    page.locator('label.choice:has(input[name="distance_m"][value="300"])').tap()
    page.locator('label.choice:has(input[name="had_pain"][value="no"])').tap()
    page.get_by_role("button", name="Save walk").tap()
    wait_for_path(page, "/diary", "done=saved")
    [walk] = entries(phone)
    assert (walk["source"], walk["distance_m"]) == ("manual", 300)


def test_a_phone_with_no_geolocation_says_so(phone, patient):  # type: ignore[no-untyped-def]
    sign_in(phone, patient)
    page = phone.new_page()
    page.add_init_script("delete Navigator.prototype.geolocation")
    page.goto("/diary/walks/start")
    page.get_by_role("button", name="Start").tap()
    expect(page.locator("#gps-problem")).to_contain_text("cannot share its location")
    expect(page.locator("#walk-form")).to_be_visible()
