"""An entry kept on the phone always belongs to the right account, survives another patient's
sign-out, is never lost without the patient being told, and gets the right time when the phone's
clock is out (issue 14), on the phone viewport."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.browser.conftest import enrol, entries, shot, sign_in, wait_for_path, waiting
from tests.browser.phone_helpers import go_offline, go_online, open_controlled, queue, tap_choice

expect = pytest.importorskip("playwright.sync_api", reason="Playwright for Python is not installed").expect


def log_walk(page, distance: str) -> None:  # type: ignore[no-untyped-def]
    """Log a walk on the form the page shows, with no connection: one more waiting on the phone."""
    before = waiting(page)
    tap_choice(page, "distance_m", distance)
    tap_choice(page, "had_pain", "no")
    page.get_by_role("button", name="Save walk").tap()
    expect(page.locator("#offline-count")).to_have_text(str(before + 1))
    page.locator("#offline-status").get_by_text("Saved on this phone").wait_for()


def two_walks_offline(phone, patient):  # type: ignore[no-untyped-def]
    """Signed in, two walks (500 m and 800 m) logged with no connection: the page."""
    sign_in(phone, patient)
    page = open_controlled(phone, "/diary/walks/new")
    go_offline(phone, page)
    log_walk(page, "500")
    log_walk(page, "800")
    assert waiting(page) == 2
    return page


def sign_out(page) -> list[str]:  # type: ignore[no-untyped-def]
    """Tap Sign out, accepting any question; the questions asked."""
    asked: list[str] = []
    page.on("dialog", lambda d: (asked.append(d.message), d.accept()))
    page.get_by_role("button", name="Sign out").tap()
    wait_for_path(page, "/login", "signed_out=1")
    return asked


def test_another_patients_sign_out_keeps_the_first_patients_entries(phone, patient, live):  # type: ignore[no-untyped-def]
    second = enrol(live)
    page = two_walks_offline(phone, patient)

    phone.clear_cookies()  # the clinic signs the first patient out
    go_online(phone, page)
    page.locator("#offline-status").get_by_text("You are signed out.").wait_for()  # and the phone knows
    sign_in(phone, second)  # another patient signs in on the same phone
    page.goto("/diary")
    page.locator("#offline-status").get_by_text("This phone also keeps 2 entries of another account").wait_for()
    assert waiting(page) == 0
    assert entries(phone) == []  # not sent as the second patient's
    assert sign_out(page) == []  # nothing of theirs to lose: no question...
    assert len(queue(page)) == 2  # ...and the first patient's walks are still on the phone

    sign_in(phone, patient)
    page.goto("/diary")
    page.locator("#offline-status").get_by_text("2 entries sent to your diary").wait_for()
    assert sorted(e["distance_m"] for e in entries(phone)) == [500, 800]


def test_a_walk_saved_with_nobody_signed_in_is_asked_about_never_assumed(phone, patient, live):  # type: ignore[no-untyped-def]
    second = enrol(live)
    sign_in(phone, patient)
    page = open_controlled(phone, "/diary")
    sign_out(page)
    go_offline(phone, page)
    page.goto("/diary/walks/new")  # the blank form the phone kept, with nobody signed in
    assert page.locator('meta[name="diary-user"]').count() == 0
    log_walk(page, "300")
    [kept] = queue(page)
    assert kept["owner"] is None

    go_online(phone, page)
    sign_in(phone, second)
    page.goto("/diary")
    question = page.locator(f'.offline-unclaimed[data-entry="{kept["id"]}"]')
    question.wait_for()
    assert "was saved on this phone while nobody was signed in. Is it yours?" in question.inner_text()
    page.evaluate("window.scrollTo(0, 0)")
    shot(page, "phone-whose-walk")
    assert entries(phone) == []  # never assumed to be theirs
    question.get_by_role("button", name="No, it is not mine").tap()
    expect(question).to_have_count(0)
    page.reload()
    page.locator("#offline-status").wait_for(state="attached")
    page.wait_for_timeout(500)
    expect(question).to_have_count(0)  # not asked again
    assert entries(phone) == []
    sign_out(page)

    sign_in(phone, patient)
    page.goto("/diary")
    question.get_by_role("button", name="Yes, it is mine").tap()
    page.locator("#offline-status").get_by_text("1 entry sent to your diary").wait_for()
    assert [(e["id"], e["distance_m"]) for e in entries(phone)] == [(kept["id"], 300)]


def test_cleared_storage_is_noticed_and_the_patient_told(phone, patient, live):  # type: ignore[no-untyped-def]
    phone.add_init_script("""(() => {
        const storage = navigator.storage;
        if (!storage || !storage.persist) return;
        const persist = storage.persist.bind(storage);
        window.persistAsked = 0;
        storage.persist = () => { window.persistAsked += 1; return persist(); };
    })()""")
    page = two_walks_offline(phone, patient)
    assert page.evaluate("() => window.persistAsked") >= 1  # the browser was asked to keep the queue

    cdp = phone.new_cdp_session(page)
    cdp.send("Storage.clearDataForOrigin", {"origin": live.base, "storageTypes": "indexeddb"})
    page.evaluate("() => document.dispatchEvent(new Event('visibilitychange'))")  # back to the page
    lost = page.locator(".offline-lost")
    expect(lost).to_have_count(2)
    assert "is no longer on this phone: the phone's storage was cleared before it was sent" in lost.first.inner_text()
    assert "please log it again" in lost.first.inner_text()
    assert waiting(page) == 0


@pytest.mark.parametrize("days", [-2, 2], ids=["behind", "ahead"])
def test_a_phone_clock_that_is_out_is_told_and_corrected(phone, patient, days):  # type: ignore[no-untyped-def]
    sign_in(phone, patient)
    real = datetime.now(UTC)
    phone.clock.install(time=real + timedelta(days=days))
    page = open_controlled(phone, "/diary")
    way = "behind" if days < 0 else "ahead"
    page.locator("#offline-clock").get_by_text(f"Your phone's clock is 2 days {way}").wait_for()
    shot(page, f"phone-clock-{way}")

    go_offline(phone, page)
    page.goto("/diary/walks/new")  # the form the phone kept: its time comes from the phone's clock
    log_walk(page, "500")
    [kept] = queue(page)
    assert kept["entry"]["clock_offset_s"] == pytest.approx(-days * 86400, abs=5)
    go_online(phone, page)
    page.locator("#offline-status").get_by_text("1 entry sent to your diary").wait_for()

    [walk] = entries(phone)
    # The entry keeps the phone's own time, and says how far out the phone was...
    assert abs(datetime.fromisoformat(walk["walked_at"]) - (real + timedelta(days=days))) < timedelta(minutes=5)
    assert walk["clock_offset_s"] == pytest.approx(-days * 86400, abs=5)
    # ...and the diary shows it (and the rules read it) at the right time.
    page.goto("/diary")
    shown = datetime.fromisoformat(page.locator("li.entry time").first.get_attribute("datetime"))
    assert abs(shown - real) < timedelta(minutes=5)
