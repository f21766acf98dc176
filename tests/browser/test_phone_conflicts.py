"""The phone never silently overwrites what the diary holds (issue 14), on the phone viewport:
a lost answer after a stored post, a conflicting edit from a second device, a delete then a late
edit, the double save while the first is in flight, a delete with no connection, a failing entry
amid good ones."""

from __future__ import annotations

import sqlite3
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from tests.browser.conftest import enrol, entries, shot, sign_in, wait_for_path, waiting
from tests.browser.phone_helpers import (
    api, go_offline, go_online, keep_on_phone, open_controlled, queue, second_device, tap_choice, until, walk_entry,
)

expect = pytest.importorskip("playwright.sync_api", reason="Playwright for Python is not installed").expect


def logged(page, **changes):  # type: ignore[no-untyped-def]
    """A walk in the diary, two hours ago: its id."""
    body = walk_entry(walked_at=(datetime.now().astimezone() - timedelta(hours=2)).isoformat(), **changes)
    assert api(page, "PUT", f"/api/v1/entries/{body['id']}", body)["status"] == 201
    return body["id"]


def stored(page, entry_id: str):  # type: ignore[no-untyped-def]
    return api(page, "GET", f"/api/v1/entries/{entry_id}")


def edited_offline(phone, patient, distance: str):  # type: ignore[no-untyped-def]
    """A walk of 300 m in the diary, changed on the phone with no connection: (a page for the
    API, the edit page, the walk's id)."""
    sign_in(phone, patient)
    setup = phone.new_page()
    setup.goto("/diary")
    entry_id = logged(setup, distance_m=300, pain_onset_m=150)
    page = open_controlled(phone, f"/diary/entries/{entry_id}/edit")
    go_offline(phone, page)
    page.locator("#distance_m_exact").fill(distance)
    page.get_by_role("button", name="Save walk").tap()
    page.locator("#offline-status").get_by_text("Saved on this phone").wait_for()
    return setup, page, entry_id


def test_a_lost_answer_after_a_stored_post_changes_nothing(phone, live, browser):  # type: ignore[no-untyped-def]
    """Minutes walked at the patient's own pace, in a clinic in New York, from a phone in London."""
    who = enrol(live, clinic="New York Clinic")
    with sqlite3.connect(Path(live.env["DIARY_DATA_DIR"]) / "diary.sqlite3") as db:
        db.execute("update clinic set timezone = 'America/New_York' where name = 'New York Clinic'")
    sign_in(phone, who)
    setup = phone.new_page()
    setup.goto("/diary")
    gps = walk_entry(source="gps", distance_m=501.6, duration_min=10, pain_onset_m=None, relief="no_pain")
    assert api(setup, "PUT", f"/api/v1/entries/{gps['id']}", gps)["status"] == 201  # pace: 50.16 m a minute
    page = open_controlled(phone, "/diary/walks/new")
    assert float(page.locator("#walk-form").get_attribute("data-pace")) == pytest.approx(50.16)

    yesterday = (datetime.now(ZoneInfo("America/New_York")) - timedelta(days=1)).replace(hour=8, minute=15)
    page.locator("#distance_m_exact").fill("11")
    page.locator('select[name="unit"]').select_option("min")
    tap_choice(page, "had_pain", "no")
    page.locator("details.more summary").tap()
    page.locator("#walked_at").fill(yesterday.strftime("%Y-%m-%dT%H:%M"))
    entry_id = page.locator('input[name="id"]').input_value()

    answers: list[int] = []

    def lose_the_answer(route):  # type: ignore[no-untyped-def]
        if route.request.method != "POST":
            return route.continue_()
        answers.append(route.fetch(max_redirects=0).status)  # the diary stores it...
        route.abort("connectionreset")  # ...and the answer never reaches the phone

    phone.route("**/diary/walks", lose_the_answer)
    page.get_by_role("button", name="Save walk").tap()
    wait_for_path(page, "/offline")
    assert answers == [303]
    phone.unroute("**/diary/walks")
    page.locator("#offline-status").get_by_text("1 entry was already in your diary").wait_for()
    assert queue(page) == []
    [walk] = [e for e in entries(phone) if e["id"] == entry_id]
    assert (walk["distance_m"], walk["duration_min"], walk["distance_estimated"]) == (551.8, 11, True)
    assert walk["walked_at"] == yesterday.strftime("%Y-%m-%dT%H:%M:00-05:00")
    assert len(entries(phone)) == 2


def test_a_conflicting_edit_from_a_second_device_is_asked_about(phone, patient, browser, live):  # type: ignore[no-untyped-def]
    setup, page, entry_id = edited_offline(phone, patient, "450")
    # After saving, the form shows what was saved (not the old values, to save over the edit).
    assert page.locator("#distance_m_exact").input_value() == "450"

    other, other_page = second_device(browser, live, patient)
    other_page.goto(f"/diary/entries/{entry_id}/edit")
    other_page.locator("#distance_m_exact").fill("600")
    other_page.get_by_role("button", name="Save walk").tap()
    wait_for_path(other_page, "/diary", "done=updated")
    other.close()

    go_online(phone, page)
    question = page.locator(f'.offline-conflict[data-entry="{entry_id}"]')
    question.wait_for()
    said = question.inner_text().replace("\xa0", " ")
    assert "In your diary: 600 m, pain began at 150 m." in said
    assert "On this phone: 450 m, pain began at 150 m." in said
    page.evaluate("window.scrollTo(0, 0)")
    shot(page, "phone-conflict")
    assert stored(setup, entry_id)["body"]["distance_m"] == 600  # not overwritten
    question.get_by_role("button", name="Keep this phone's").tap()
    page.locator("#offline-status").get_by_text("1 entry sent to your diary").wait_for()
    after = stored(setup, entry_id)
    assert (after["body"]["distance_m"], after["etag"]) == (450, '"3"')
    assert queue(page) == []


def test_a_late_edit_does_not_bring_back_a_deleted_entry(phone, patient, browser, live):  # type: ignore[no-untyped-def]
    setup, page, entry_id = edited_offline(phone, patient, "450")

    other, other_page = second_device(browser, live, patient)
    other_page.once("dialog", lambda d: d.accept())
    other_page.locator(f"#entry-{entry_id}").get_by_role("button", name="Delete").tap()
    other_page.get_by_text("The walk was deleted.").wait_for()
    other.close()

    go_online(phone, page)
    question = page.locator(f'.offline-conflict[data-entry="{entry_id}"]')
    question.wait_for()
    assert "was deleted from your diary" in question.inner_text()
    assert stored(setup, entry_id)["status"] == 410  # still deleted
    # Only the patient's choice brings it back, with the phone's answers.
    question.get_by_role("button", name="Put it back in my diary").tap()
    page.locator("#offline-status").get_by_text("1 entry sent to your diary").wait_for()
    assert stored(setup, entry_id)["body"]["distance_m"] == 450


def test_saving_again_while_the_first_save_is_in_flight_keeps_the_last(phone, patient):  # type: ignore[no-untyped-def]
    setup, page, entry_id = edited_offline(phone, patient, "400")

    held: list = []
    writes: list[str] = []

    def slow_network(route):  # type: ignore[no-untyped-def]
        if route.request.method in ("PUT", "DELETE"):
            writes.append(route.request.post_data or "")
            if not writes[1:]:  # the first write waits until the test lets it go
                held.append(route)
                return None
        return route.continue_()

    phone.route("**/api/v1/entries/*", slow_network)
    go_online(phone, page)
    assert until(lambda: held, page=page), "the first save was never sent"
    page.locator("#distance_m_exact").fill("450")  # the patient saves again while it is in flight
    page.get_by_role("button", name="Save walk").tap()
    assert until(lambda: [r.get("rev") for r in queue(page)] == [2], page=page), queue(page)
    held[0].continue_()
    assert until(lambda: not queue(page), page=page), queue(page)
    assert stored(setup, entry_id)["body"]["distance_m"] == 450
    assert '"distance_m":400' in writes[0] and all('"distance_m":450' in w for w in writes[1:]), writes


def test_a_delete_with_no_connection_is_kept_and_sent(phone, patient):  # type: ignore[no-untyped-def]
    sign_in(phone, patient)
    setup = phone.new_page()
    setup.goto("/diary")
    entry_id = logged(setup)
    page = open_controlled(phone, "/diary")
    go_offline(phone, page)
    dialogs: list[str] = []
    page.once("dialog", lambda d: (dialogs.append(d.message), d.accept()))
    page.locator(f"#entry-{entry_id}").get_by_role("button", name="Delete").tap()
    page.locator(f"#entry-{entry_id}").get_by_text("will be deleted from your diary when you are back online").wait_for()
    assert "You are offline" in dialogs[0]
    assert waiting(page) == 1
    [kept] = queue(page)
    assert (kept["op"], kept["base"]) == ("delete", '"1"')

    go_online(phone, page)
    page.locator("#offline-status").get_by_text("1 entry deleted from your diary").wait_for()
    assert stored(setup, entry_id)["status"] == 410
    assert entries(phone) == []


def test_a_failing_entry_does_not_hold_up_the_others(phone, patient):  # type: ignore[no-untyped-def]
    sign_in(phone, patient)
    page = open_controlled(phone, "/diary")
    kept = [walk_entry(distance_m=300 + n) for n in range(3)]
    for entry in kept:
        keep_on_phone(page, entry)
        page.wait_for_timeout(5)  # saved one after the other: the first is the oldest
    bad = kept[0]["id"]
    phone.route(f"**/api/v1/entries/{bad}", lambda route: route.fulfill(status=500, body="it broke")
                if route.request.method == "PUT" else route.continue_())
    page.evaluate("DiaryOffline.send()")
    stuck = page.locator(f'.offline-stuck[data-entry="{bad}"]')
    stuck.wait_for()
    assert "could not be sent yet. The diary could not save it just now (error 500)." in stuck.inner_text()
    assert "will be tried again at" in stuck.inner_text()
    assert sorted(e["id"] for e in entries(phone)) == sorted(e["id"] for e in kept[1:])
    assert waiting(page) == 1

    phone.unroute(f"**/api/v1/entries/{bad}")
    stuck.get_by_role("button", name="Try again now").tap()
    page.locator("#offline-status").get_by_text("1 entry sent to your diary").wait_for()
    assert len(entries(phone)) == 3
    expect(page.locator(".offline-stuck")).to_have_count(0)
