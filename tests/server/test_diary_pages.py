"""The patient's phone pages: log, edit and delete entries through the HTML forms."""

from __future__ import annotations

from bs4 import BeautifulSoup

from tests.conftest import signed_in


def soup(response) -> BeautifulSoup:  # type: ignore[no-untyped-def]
    return BeautifulSoup(response.text, "html.parser")


def new_form_values(b, path: str = "/diary/walks/new") -> dict[str, str]:  # type: ignore[no-untyped-def]
    page = soup(b.client.get(path))
    form = page.select_one("form.entry-form")
    assert form is not None
    return {i["name"]: i.get("value", "") for i in form.select("input[type=hidden]")
            if i.get("name") and i["name"] != "_csrf_token"}


def entries_of(b) -> list[dict]:  # type: ignore[no-untyped-def]
    return b.api("GET", "/api/v1/entries").json()["entries"]


def test_a_patient_logs_a_walk_with_the_form(make_browser, world):  # type: ignore[no-untyped-def]
    alice = signed_in(make_browser, world, "alice")
    values = new_form_values(alice)
    response = alice.post("/diary/walks", {
        **values, "distance_m": "300", "had_pain": "yes", "pain_onset_m": "200", "stopped_by_pain": "yes",
        "relief": "stood_still", "pain_sites": ["calf"], "side": "left", "pain_score": "5",
    })
    assert response.status_code == 200  # followed the redirect back to the diary
    assert "Your walk is saved" in response.text
    [entry] = entries_of(alice)
    assert (entry["distance_m"], entry["pain_onset_m"], entry["relief"]) == (300, 200, "stood_still")
    assert entry["pain_sites"] == ["calf"] and entry["stopped_by_pain"] is True
    listed = soup(alice.client.get("/diary")).select("ul.entries li.entry")
    assert len(listed) == 1 and "300 m" in listed[0].get_text()


def test_resubmitting_the_same_form_stores_the_walk_once(make_browser, world):  # type: ignore[no-untyped-def]
    alice = signed_in(make_browser, world, "alice")
    form = {**new_form_values(alice), "distance_m": "500", "had_pain": "no"}
    alice.post("/diary/walks", form)
    alice.post("/diary/walks", form)
    assert len(entries_of(alice)) == 1


def test_a_walk_without_pain_needs_only_the_distance(make_browser, world):  # type: ignore[no-untyped-def]
    alice = signed_in(make_browser, world, "alice")
    alice.post("/diary/walks", {**new_form_values(alice), "distance_m_exact": "1200", "had_pain": "no"})
    [entry] = entries_of(alice)
    assert entry["pain_onset_m"] is None and entry["relief"] == "no_pain" and entry["distance_m"] == 1200


def test_yards_are_converted_to_metres(make_browser, world):  # type: ignore[no-untyped-def]
    alice = signed_in(make_browser, world, "alice")
    alice.post("/diary/walks", {**new_form_values(alice), "distance_m_exact": "500", "unit": "yd",
                                "had_pain": "yes", "pain_onset_m_exact": "250", "relief": "stood_still"})
    [entry] = entries_of(alice)
    assert entry["distance_m"] == 457.2 and entry["pain_onset_m"] == 228.6
    assert entry["distance_estimated"] is False


def test_minutes_are_kept_and_converted_with_the_default_pace(make_browser, world):  # type: ignore[no-untyped-def]
    alice = signed_in(make_browser, world, "alice")
    alice.post("/diary/walks", {**new_form_values(alice), "distance_m_exact": "10", "unit": "min",
                                "had_pain": "yes", "pain_onset_m_exact": "4", "relief": "sat_down"})
    [entry] = entries_of(alice)
    assert entry["duration_min"] == 10 and entry["pain_onset_min"] == 4
    assert entry["distance_m"] == 500 and entry["pain_onset_m"] == 200  # 50 m a minute by default
    assert entry["distance_estimated"] is True


def test_minutes_use_the_patients_own_pace_from_gps_walks(make_browser, world):  # type: ignore[no-untyped-def]
    alice = signed_in(make_browser, world, "alice")
    gps = {"type": "walk", "id": "0b0e7f7e-1d7c-4c86-9a52-3f1b8f0c5e11", "walked_at": "2026-11-01T10:00:00+00:00",
           "distance_m": 700, "duration_min": 10, "source": "gps", "relief": "no_pain"}
    assert alice.api("PUT", f"/api/v1/entries/{gps['id']}", json=gps).status_code == 201
    alice.post("/diary/walks", {**new_form_values(alice), "distance_m_exact": "5", "unit": "min", "had_pain": "no"})
    newest = entries_of(alice)[0]
    assert newest["distance_m"] == 350 and newest["distance_estimated"] is True


def test_a_bad_form_shows_the_message_beside_the_field_and_keeps_what_was_typed(make_browser, world):  # type: ignore[no-untyped-def]
    alice = signed_in(make_browser, world, "alice")
    response = alice.post("/diary/walks", {
        **new_form_values(alice), "distance_m_exact": "300", "had_pain": "yes", "pain_onset_m_exact": "450",
        "relief": "stood_still", "relief_minutes": "900", "note": "windy day",
    })
    assert response.status_code == 422
    page = soup(response)
    assert "further than the whole walk" in page.select_one("#pain_onset_m-error").get_text()
    assert page.select_one("#relief_minutes-error") is not None
    assert page.select_one("#distance_m_exact")["value"] == "300"
    assert page.select_one("#pain_onset_m_exact")["value"] == "450"
    assert page.select_one("#relief_minutes")["value"] == "900"
    assert page.select_one("#note").get_text() == "windy day"
    assert page.select_one('input[name="relief"][value="stood_still"]').has_attr("checked")
    assert entries_of(alice) == []


def test_a_distance_out_of_range_is_refused_on_the_form(make_browser, world):  # type: ignore[no-untyped-def]
    alice = signed_in(make_browser, world, "alice")
    response = alice.post("/diary/walks", {**new_form_values(alice), "distance_m_exact": "250000", "had_pain": "no"})
    assert response.status_code == 422
    assert soup(response).select_one("#distance_m-error") is not None
    assert entries_of(alice) == []


def test_a_walk_far_in_the_future_is_refused_on_the_form(make_browser, world):  # type: ignore[no-untyped-def]
    alice = signed_in(make_browser, world, "alice")
    response = alice.post("/diary/walks", {**new_form_values(alice), "walked_at": "2099-01-01T10:00",
                                            "distance_m": "300", "had_pain": "no"})
    assert response.status_code == 422
    assert soup(response).select_one("#walked_at-error") is not None


def test_a_form_post_without_the_csrf_token_is_refused(make_browser, world):  # type: ignore[no-untyped-def]
    alice = signed_in(make_browser, world, "alice")
    values = {k: v for k, v in new_form_values(alice).items() if k != "_csrf_token"}
    response = alice.client.post("/diary/walks", data={**values, "distance_m": "300", "had_pain": "no"})
    assert response.status_code == 403
    assert entries_of(alice) == []


def test_a_patient_edits_a_walk(make_browser, world):  # type: ignore[no-untyped-def]
    alice = signed_in(make_browser, world, "alice")
    alice.post("/diary/walks", {**new_form_values(alice), "distance_m": "300", "had_pain": "no"})
    [entry] = entries_of(alice)
    form = soup(alice.client.get(f"/diary/entries/{entry['id']}/edit")).select_one("form.entry-form")
    # Saved with the "300 m" button: it comes back as that button, chosen, not typed in the box.
    assert form.select_one('input[name="distance_m"][value="300"]').has_attr("checked")
    assert form.select_one("#distance_m_exact")["value"] == ""
    values = {i["name"]: i.get("value", "") for i in form.select("input[type=hidden]") if i.get("name")}
    alice.post("/diary/walks", {**values, "distance_m_exact": "350", "had_pain": "no"})
    [changed] = entries_of(alice)
    assert changed["id"] == entry["id"] and changed["distance_m"] == 350


def test_a_patient_deletes_a_walk_in_place_with_htmx(make_browser, world):  # type: ignore[no-untyped-def]
    alice = signed_in(make_browser, world, "alice")
    alice.post("/diary/walks", {**new_form_values(alice), "distance_m": "300", "had_pain": "no"})
    [entry] = entries_of(alice)
    response = alice.api("POST", f"/diary/entries/{entry['id']}/delete", headers={"hx-request": "true"})
    assert response.status_code == 200 and "deleted" in response.text
    assert "<html" not in response.text  # a fragment, not a page
    assert entries_of(alice) == []


def test_another_patients_entry_cannot_be_edited_or_deleted(make_browser, world):  # type: ignore[no-untyped-def]
    alice = signed_in(make_browser, world, "alice")
    bob = signed_in(make_browser, world, "bob")
    alice.post("/diary/walks", {**new_form_values(alice), "distance_m": "300", "had_pain": "no"})
    [entry] = entries_of(alice)
    assert bob.client.get(f"/diary/entries/{entry['id']}/edit").status_code == 404
    assert bob.post(f"/diary/entries/{entry['id']}/delete").status_code == 404
    hijack = bob.post("/diary/walks", {"id": entry["id"], "distance_m": "5", "had_pain": "no"})
    assert hijack.status_code == 404
    assert entries_of(alice)[0]["distance_m"] == 300


def test_a_check_in_with_rest_pain_answers_with_safety_advice_at_once(make_browser, world):  # type: ignore[no-untyped-def]
    alice = signed_in(make_browser, world, "alice")
    values = new_form_values(alice, "/diary/check-ins/new")
    response = alice.post("/diary/check-ins", {**values, "rest_pain": "yes", "rest_pain_at_night": "yes"})
    assert response.status_code == 200
    advice = soup(response).select_one(".advice")
    assert advice is not None and "phone your care team today" in advice.get_text().lower()
    assert "999" in advice.get_text() and advice.select_one('a[href="tel:999"]') is not None
    [entry] = entries_of(alice)
    assert entry["rest_pain"] is True and entry["rest_pain_at_night"] is True


def test_a_sudden_change_in_the_leg_says_call_emergency_services(make_browser, world):  # type: ignore[no-untyped-def]
    alice = signed_in(make_browser, world, "alice")
    values = new_form_values(alice, "/diary/check-ins/new")
    response = alice.post("/diary/check-ins", {**values, "sudden_onset": "yes"})
    advice = soup(response).select_one(".advice.emergency")
    assert advice is not None and "Call 999 now" in advice.get_text() and advice.h1.get_text() == "Get help now"


def test_a_wound_answers_with_safety_advice(make_browser, world):  # type: ignore[no-untyped-def]
    alice = signed_in(make_browser, world, "alice")
    values = new_form_values(alice, "/diary/check-ins/new")
    response = alice.post("/diary/check-ins", {**values, "wound": "yes", "wound_days": "20"})
    text = soup(response).select_one(".advice").get_text()
    assert "20 days" in text


def test_a_quiet_check_in_just_saves(make_browser, world):  # type: ignore[no-untyped-def]
    alice = signed_in(make_browser, world, "alice")
    values = new_form_values(alice, "/diary/check-ins/new")
    response = alice.post("/diary/check-ins", {**values, "rest_pain": "no", "wound": "no"})
    assert "Your check-in is saved" in response.text
    assert soup(response).select_one(".advice") is None


def test_pages_with_health_data_are_not_cached(make_browser, world):  # type: ignore[no-untyped-def]
    alice = signed_in(make_browser, world, "alice")
    for path in ("/diary", "/diary/walks/new", "/diary/check-ins/new", "/api/v1/entries"):
        assert alice.client.get(path).headers["cache-control"] == "no-store", path


def test_the_walk_form_is_built_for_a_phone(make_browser, world):  # type: ignore[no-untyped-def]
    alice = signed_in(make_browser, world, "alice")
    page = soup(alice.client.get("/diary/walks/new"))
    assert page.select_one('meta[name="viewport"]')["content"].startswith("width=device-width")
    reliefs = [i["value"] for i in page.select('input[name="relief"]')]
    assert reliefs == ["stood_still", "sat_down", "bent_forward", "lay_down", "not_relieved"]
    assert len(page.select('input[name="distance_m"]')) >= 6  # quick choices
    for control in page.select("input:not([type=hidden]), select, textarea"):
        labelled = control.get("id") and page.select_one(f'label[for="{control["id"]}"]')
        assert labelled or control.find_parent("label") or control.get("aria-label"), control


def test_a_gps_walk_keeps_the_measured_minutes_and_pain_onset_time(make_browser, world):  # type: ignore[no-untyped-def]
    alice = signed_in(make_browser, world, "alice")
    alice.post("/diary/walks", {**new_form_values(alice), "source": "gps", "duration_min": "6.8",
                                "pain_onset_min": "2.8", "distance_m_exact": "500", "had_pain": "yes",
                                "pain_onset_m_exact": "200", "relief": "stood_still"})
    [entry] = entries_of(alice)
    assert (entry["source"], entry["duration_min"], entry["pain_onset_min"]) == ("gps", 6.8, 2.8)
    assert entry["distance_estimated"] is False
