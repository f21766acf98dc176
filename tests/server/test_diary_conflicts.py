"""The diary's own forms carry the entry's version: an edit or a delete made from a
stale page is not saved over a newer one, and the patient is asked which to keep (issue 14)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from tests.conftest import signed_in
from tests.server.test_api import walk
from tests.server.test_diary_pages import entries_of, new_form_values, soup


def edit_form(b, entry_id: str) -> dict[str, str]:  # type: ignore[no-untyped-def]
    page = soup(b.client.get(f"/diary/entries/{entry_id}/edit"))
    form = page.select_one("form.entry-form")
    values = {i["name"]: i.get("value", "") for i in form.select("input") if i.get("name")
              and i["name"] != "_csrf_token" and i.get("type") not in ("radio", "checkbox")}
    values.update({i["name"]: i["value"] for i in form.select("input[type=radio][checked]")})
    return values


def test_the_edit_form_carries_the_version_and_a_stale_one_asks_which_to_keep(make_browser, world):  # type: ignore[no-untyped-def]
    alice = signed_in(make_browser, world, "alice")
    body = walk(walked_at=(datetime.now(UTC) - timedelta(hours=2)).isoformat())
    alice.api("PUT", f"/api/v1/entries/{body['id']}", json=body)
    form = edit_form(alice, body["id"])
    assert form["version"] == "1"
    # Another device changes the walk while this form is open.
    alice.api("PUT", f"/api/v1/entries/{body['id']}", json={**body, "distance_m": 650}, headers={"if-match": '"1"'})

    stale = alice.post("/diary/walks", {**form, "distance_m_exact": "480"})
    assert stale.status_code == 409
    notice = soup(stale).select_one("#conflict")
    assert "This walk was changed" in notice.get_text() and "650 m" in notice.get_text()
    page = soup(stale)
    assert page.select_one("#distance_m_exact")["value"] == "480"  # the patient's answer is kept
    assert page.select_one('input[name="version"]')["value"] == "2"
    assert entries_of(alice)[0]["distance_m"] == 650  # nothing was saved

    # Save again: the patient chose theirs.
    again = alice.post("/diary/walks", {**form, "distance_m_exact": "480", "version": "2"})
    assert again.status_code == 200 and "Your changes are saved" in again.text
    assert entries_of(alice)[0]["distance_m"] == 480


def test_an_edit_of_a_deleted_entry_offers_to_restore_it(make_browser, world):  # type: ignore[no-untyped-def]
    alice = signed_in(make_browser, world, "alice")
    body = walk(walked_at=(datetime.now(UTC) - timedelta(hours=2)).isoformat())
    alice.api("PUT", f"/api/v1/entries/{body['id']}", json=body)
    form = edit_form(alice, body["id"])
    alice.api("DELETE", f"/api/v1/entries/{body['id']}")

    late = alice.post("/diary/walks", {**form, "distance_m_exact": "480"})
    assert late.status_code == 409
    assert "This walk was deleted from your diary" in soup(late).select_one("#conflict").get_text()
    assert soup(late).select_one('input[name="restore"]')["value"] == "1"
    assert entries_of(alice) == []  # still deleted

    restored = alice.post("/diary/walks", {**form, "distance_m_exact": "480", "version": "", "restore": "1"})
    assert restored.status_code == 200
    assert [e["distance_m"] for e in entries_of(alice)] == [480]


def test_a_new_walk_form_sent_twice_saves_once_and_a_changed_resend_asks(make_browser, world):  # type: ignore[no-untyped-def]
    alice = signed_in(make_browser, world, "alice")
    form = {**new_form_values(alice), "distance_m": "500", "had_pain": "no", "walked_at": "2026-11-20T10:30"}
    assert alice.post("/diary/walks", form).status_code == 200
    assert "Your changes are saved" in alice.post("/diary/walks", form).text  # the same again: saved already
    # Back to the form, a different distance, Save: the walk in the diary is not silently replaced.
    changed = alice.post("/diary/walks", {**form, "distance_m": "800"})
    assert changed.status_code == 409 and "500 m" in soup(changed).select_one("#conflict").get_text()
    assert [e["distance_m"] for e in entries_of(alice)] == [500]


def test_a_delete_from_a_stale_page_shows_the_entry_as_it_is_now(make_browser, world):  # type: ignore[no-untyped-def]
    alice = signed_in(make_browser, world, "alice")
    body = walk(walked_at=(datetime.now(UTC) - timedelta(hours=2)).isoformat())
    alice.api("PUT", f"/api/v1/entries/{body['id']}", json=body)
    button = soup(alice.client.get("/diary")).select_one(f'form[data-offline-delete="{body["id"]}"]')
    version = button.select_one('input[name="version"]')["value"]
    assert version == "1"
    alice.api("PUT", f"/api/v1/entries/{body['id']}", json={**body, "distance_m": 650})

    stale = alice.post(f"/diary/entries/{body['id']}/delete", {"version": version}, headers={"hx-request": "true"})
    assert stale.status_code == 200
    assert "changed on another device, so it was not deleted" in stale.text and "650 m" in stale.text
    assert soup(stale).select_one('input[name="version"]')["value"] == "2"
    assert len(entries_of(alice)) == 1
    plain = alice.post(f"/diary/entries/{body['id']}/delete", {"version": version})
    assert "was changed on another device, so it was not deleted" in plain.text

    deleted = alice.post(f"/diary/entries/{body['id']}/delete", {"version": "2"}, headers={"hx-request": "true"})
    assert "was deleted" in deleted.text and entries_of(alice) == []
    # Tapped twice (or sent again by the phone): it is deleted, not an error.
    twice = alice.post(f"/diary/entries/{body['id']}/delete", {"version": "2"}, headers={"hx-request": "true"})
    assert twice.status_code == 200 and "was deleted" in twice.text


def test_the_form_takes_the_pages_clock_correction(make_browser, world):  # type: ignore[no-untyped-def]
    """A time the phone's clock filled in (the GPS walk, a form kept on the phone), two days slow."""
    alice = signed_in(make_browser, world, "alice")
    phone_time = datetime.now(UTC) - timedelta(days=2)
    form = {**new_form_values(alice), "distance_m": "500", "had_pain": "no", "clock_offset_s": "172800",
            "walked_at": phone_time.astimezone(ZoneInfo("Europe/London")).strftime("%Y-%m-%dT%H:%M")}
    assert alice.post("/diary/walks", form).status_code == 200
    [entry] = entries_of(alice)
    assert entry["clock_offset_s"] == 172800
    shown = soup(alice.client.get("/diary")).select_one("li.entry time")["datetime"]
    assert abs(datetime.fromisoformat(shown) - datetime.now(UTC)) < timedelta(minutes=2)


def test_a_check_in_that_conflicts_still_gives_its_safety_advice_at_once(make_browser, world):  # type: ignore[no-untyped-def]
    alice = signed_in(make_browser, world, "alice")
    form = {**new_form_values(alice, "/diary/check-ins/new"), "recorded_at": "2026-11-20T10:30", "rest_pain": "no",
            "wound": "no"}
    assert alice.post("/diary/check-ins", form).status_code == 200
    # The same form sent again, now reporting a wound: not saved over the first without asking...
    again = alice.post("/diary/check-ins", {**form, "wound": "yes", "wound_days": "3"})
    assert again.status_code == 409 and "This check-in was changed" in again.text
    assert entries_of(alice)[0]["wound"] is False
    # ...but the advice for a wound does not wait for the answer.
    from diary.advice import TITLES
    assert TITLES["same_day"] in soup(again).select_one("#conflict-advice").get_text()


def test_a_form_opened_for_another_account_is_never_saved_in_this_diary(make_browser, world):  # type: ignore[no-untyped-def]
    """Alice opened the form; Bob signed in on the phone before it was sent."""
    alice = signed_in(make_browser, world, "alice")
    bob = signed_in(make_browser, world, "bob")
    form = {**new_form_values(alice), "distance_m": "500", "had_pain": "no", "walked_at": "2026-11-20T10:30"}
    assert form["owner"] == str(world.ids["alice"])
    refused = bob.post("/diary/walks", form)
    assert refused.status_code == 409 and "another account was signed in on this phone" in refused.text
    assert entries_of(bob) == [] and entries_of(alice) == []
    assert alice.post("/diary/walks", form).status_code == 200  # the right account saves it
    assert len(entries_of(alice)) == 1
