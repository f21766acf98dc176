"""No signal: entries are kept on the phone, shown as waiting, and sent once when the connection returns."""

from __future__ import annotations

import time
import uuid

import pytest

from tests.browser.conftest import controlled, entries, shot, sign_in, wait_for_path, waiting
from tests.browser.phone_helpers import ALL, go_offline, keep_on_phone, tap_choice, walk_entry

expect = pytest.importorskip("playwright.sync_api", reason="Playwright for Python is not installed").expect

PUT_BACK = "items => Promise.all(items.map(i => DiaryQueue.idbStore(indexedDB).put(i)))"


def test_two_entries_logged_offline_reach_the_diary_once(phone, patient):  # type: ignore[no-untyped-def]
    sign_in(phone, patient)
    page = phone.new_page()
    page.goto("/diary/walks/new")
    controlled(page)
    go_offline(phone, page)

    # A walk, on the form that was already open.
    tap_choice(page, "distance_m", "500")
    tap_choice(page, "had_pain", "no")
    page.get_by_role("button", name="Save walk").tap()
    status = page.locator("#offline-status")
    status.get_by_text("Saved on this phone; it will be sent when you are back online").wait_for()
    assert waiting(page) == 1

    # A check-in, on a form the service worker opens with no connection.
    page.goto("/diary/check-ins/new")
    assert page.get_by_role("heading", name="How are your legs and feet?").is_visible()
    tap_choice(page, "rest_pain", "yes")
    page.locator('input[name="rest_pain_at_night"]').check()
    page.get_by_role("button", name="Save check-in").tap()
    status.get_by_text("Saved on this phone").wait_for()
    assert waiting(page) == 2
    # The safety advice does not wait for the connection.
    advice = page.locator("#offline-advice .advice")
    assert "Phone your care team today" in advice.inner_text()
    page.evaluate("window.scrollTo(0, 0)")
    shot(page, "phone-offline")
    kept = page.evaluate(ALL)
    assert sorted(i["kind"] for i in kept) == ["check_in", "walk"]

    phone.set_offline(False)  # the online event sends them
    status.get_by_text("2 entries sent to your diary").wait_for()
    assert waiting(page) == 0
    saved = entries(phone)
    assert len(saved) == 2
    assert {e["id"] for e in saved} == {i["id"] for i in kept}
    walk = next(e for e in saved if e["type"] == "walk")
    check_in = next(e for e in saved if e["type"] == "check_in")
    assert (walk["distance_m"], walk["pain_onset_m"], walk["relief"]) == (500, None, "no_pain")
    assert (check_in["rest_pain"], check_in["rest_pain_at_night"]) == (True, True)

    # The same queue replayed twice, one after the other and at once: still two.
    for _ in range(2):
        page.evaluate(PUT_BACK, kept)
        page.evaluate("DiaryOffline.send()")
    page.evaluate(PUT_BACK, kept)
    page.evaluate("Promise.all([DiaryOffline.send(), DiaryQueue.replay({store: DiaryQueue.idbStore(indexedDB), "
                  "fetch: fetch.bind(window), token: document.querySelector('meta[name=csrf-token]').content})])")
    assert len(entries(phone)) == 2
    assert page.evaluate(ALL) == []


def test_background_sync_sends_with_no_page_open(phone, patient):  # type: ignore[no-untyped-def]
    sign_in(phone, patient)
    page = phone.new_page()
    page.goto("/diary/walks/new")
    controlled(page)
    assert page.evaluate("'SyncManager' in window")
    go_offline(phone, page)
    tap_choice(page, "distance_m", "200")
    tap_choice(page, "pain_onset_m", "100")
    tap_choice(page, "relief", "sat_down")
    page.get_by_role("button", name="Save walk").tap()
    page.locator("#offline-status").get_by_text("Saved on this phone").wait_for()
    page.close()
    assert phone.pages == []
    phone.set_offline(False)
    deadline = time.monotonic() + 15
    while not (saved := entries(phone)) and time.monotonic() < deadline:
        time.sleep(0.25)
    [walk] = saved
    assert (walk["distance_m"], walk["pain_onset_m"], walk["relief"]) == (200, 100, "sat_down")


def test_what_is_waiting_is_sent_when_a_page_opens(phone, patient):  # type: ignore[no-untyped-def]
    sign_in(phone, patient)
    keeper = phone.new_page()
    keeper.goto("/offline")
    # This page cannot send (its sends fail), so the entry is still waiting when the next page opens.
    keeper.route("**/api/v1/entries/*", lambda route: route.abort())
    entry = {"type": "walk", "id": str(uuid.uuid4()), "walked_at": "2026-11-20T10:00:00+00:00", "distance_m": 350,
             "pain_onset_m": 150, "relief": "stood_still"}
    # Kept on the phone with no Background Sync asked for: only a page can send it.
    keep_on_phone(keeper, entry)
    page = phone.new_page()
    page.goto("/diary")
    page.locator("#offline-status").get_by_text("1 entry sent to your diary").wait_for()
    assert [e["id"] for e in entries(phone)] == [entry["id"]]


def test_a_rejected_entry_stays_with_the_servers_message_until_corrected(phone, patient):  # type: ignore[no-untyped-def]
    sign_in(phone, patient)
    page = phone.new_page()
    page.goto("/diary")
    # An entry the phone let through but the server refuses: the pain began beyond the walk.
    entry = walk_entry(distance_m=300, pain_onset_m=450)
    form = [("id", entry["id"]), ("walked_at", "2026-11-20T10:00"), ("distance_m_exact", "300"), ("unit", "m"),
            ("had_pain", "yes"), ("pain_onset_m_exact", "450"), ("relief", "stood_still")]
    keep_on_phone(page, entry, form)
    page.evaluate("DiaryOffline.send()")
    problem = page.locator(f'.offline-problem[data-entry="{entry["id"]}"]')
    problem.wait_for()
    assert "pain cannot begin beyond the total distance walked" in problem.inner_text()
    assert waiting(page) == 1
    assert entries(phone) == []
    page.reload()  # still there on the next page, and not sent again
    problem.wait_for()

    problem.get_by_role("button", name="Correct it").tap()
    wait_for_path(page, "/diary/walks")
    assert "further than the whole walk" in page.locator("#pain_onset_m-error").inner_text()
    assert page.locator("#pain_onset_m_exact").input_value() == "450"
    page.locator("#pain_onset_m_exact").fill("250")
    page.get_by_role("button", name="Save walk").tap()
    wait_for_path(page, "/diary", "done=saved")
    page.wait_for_function(f"() => {ALL}.then(items => items.length === 0)")  # it is in the diary now
    expect(page.locator(".offline-problem")).to_have_count(0)
    expect(page.locator("#offline-count")).to_have_count(0)
    [saved] = entries(phone)
    assert (saved["id"], saved["distance_m"], saved["pain_onset_m"]) == (entry["id"], 300, 250)


def test_signed_out_keeps_the_queue_and_asks_to_sign_in_again(phone, patient):  # type: ignore[no-untyped-def]
    sign_in(phone, patient)
    page = phone.new_page()
    page.goto("/diary")
    entry = walk_entry()
    keep_on_phone(page, entry)
    phone.clear_cookies()  # the session ended (and the CSRF cookie with it)
    page.evaluate("DiaryOffline.send()")
    status = page.locator("#offline-status")
    status.get_by_text("You are signed out.").wait_for()
    assert status.get_by_role("link", name="Sign in again").get_attribute("href") == "/login?next=%2Fdiary"
    assert waiting(page) == 1
    sign_in(phone, patient)
    page.goto("/diary")
    status.get_by_text("1 entry sent to your diary").wait_for()
    assert [e["id"] for e in entries(phone)] == [entry["id"]]


def test_a_stale_csrf_token_is_refreshed_and_the_entry_sent(phone, patient):  # type: ignore[no-untyped-def]
    sign_in(phone, patient)
    page = phone.new_page()
    page.goto("/diary")
    statuses: list[int] = []
    page.on("response", lambda r: statuses.append(r.status) if r.request.method == "PUT" else None)
    page.evaluate("document.querySelector('meta[name=csrf-token]').content = 'stale-token'")
    entry = walk_entry()
    keep_on_phone(page, entry)
    page.evaluate("DiaryOffline.send()")
    page.locator("#offline-status").get_by_text("1 entry sent to your diary").wait_for()
    assert statuses == [403, 201]
    assert [e["id"] for e in entries(phone)] == [entry["id"]]


def test_signing_out_with_entries_waiting_warns_then_clears_them(phone, patient):  # type: ignore[no-untyped-def]
    sign_in(phone, patient)
    page = phone.new_page()
    page.goto("/diary")
    page.route("**/api/v1/entries/*", lambda route: route.fulfill(status=503, body="down for maintenance"))
    keep_on_phone(page, walk_entry())
    dialogs: list[str] = []

    page.once("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    with page.expect_event("dialog"):  # asked once the phone's queue has been read
        page.get_by_role("button", name="Sign out").tap()
    page.wait_for_function("() => document.querySelector('#offline-count')")
    assert len(dialogs) == 1 and "1 entry is saved on this phone and not yet in your diary" in dialogs[0]
    assert page.url.endswith("/diary") and waiting(page) == 1

    page.once("dialog", lambda d: (dialogs.append(d.message), d.accept()))
    page.get_by_role("button", name="Sign out").tap()
    wait_for_path(page, "/login", "signed_out=1")
    assert len(dialogs) == 2
    assert page.evaluate(ALL) == []


def test_a_form_the_network_loses_is_kept_by_the_service_worker(phone, patient):  # type: ignore[no-untyped-def]
    """The phone thinks it is online, but the post never reaches the server."""
    sign_in(phone, patient)
    page = phone.new_page()
    page.goto("/diary/check-ins/new")
    controlled(page)
    tap_choice(page, "wound", "yes")
    page.locator("#wound_days").fill("3")
    phone.set_offline(True)
    page.evaluate("Object.defineProperty(navigator, 'onLine', {get: () => true})")
    page.get_by_role("button", name="Save check-in").tap()
    wait_for_path(page, "/offline")
    page.locator("#offline-status").get_by_text("Saved on this phone").wait_for()
    assert "Phone your care team today" in page.locator("#offline-advice").inner_text()
    [kept] = page.evaluate(ALL)
    assert (kept["entry"]["wound"], kept["entry"]["wound_days"]) == (True, 3)
    phone.set_offline(False)
    page.evaluate("DiaryOffline.send()")
    deadline = time.monotonic() + 10
    while not (saved := entries(phone)) and time.monotonic() < deadline:
        time.sleep(0.25)
    assert [e["id"] for e in saved] == [kept["id"]]
