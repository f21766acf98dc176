"""Danger signs through the phone pages: every answer kept, contradictions asked about,
the advice at once with tap-to-call numbers, the sign on record asked about again."""

from __future__ import annotations

import itertools
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from bs4 import BeautifulSoup

from diary.models import Clinic
from tests.conftest import run_db, signed_in


def soup(response) -> BeautifulSoup:  # type: ignore[no-untyped-def]
    return BeautifulSoup(response.text, "html.parser")


def form_values(b, path: str = "/diary/check-ins/new") -> dict[str, str]:  # type: ignore[no-untyped-def]
    form = soup(b.client.get(path)).select_one("form.entry-form")
    return {i["name"]: i.get("value", "") for i in form.select("input[type=hidden]")
            if i.get("name") and i["name"] != "_csrf_token"}


def entries_of(b) -> list[dict]:  # type: ignore[no-untyped-def]
    return b.api("GET", "/api/v1/entries").json()["entries"]


def set_numbers(db_url: str, clinic_id: int, phone: str, emergency: str) -> None:
    async def change(db):  # type: ignore[no-untyped-def]
        clinic = await db.get(Clinic, clinic_id)
        clinic.phone, clinic.emergency_number = phone, emergency
    run_db(db_url, change)


@pytest.fixture
def alice(make_browser, world):  # type: ignore[no-untyped-def]
    return signed_in(make_browser, world, "alice")


REST = ("yes", "no", "")


@pytest.mark.parametrize("rest,night,hanging", list(itertools.product(REST, (False, True), (False, True))))
def test_every_combination_of_rest_pain_answers(alice, rest, night, hanging):  # type: ignore[no-untyped-def]
    data = {**form_values(alice), "rest_pain": rest}
    if night:
        data["rest_pain_at_night"] = "yes"
    if hanging:
        data["eased_by_hanging_leg"] = "yes"
    response = alice.post("/diary/check-ins", data)
    if rest == "no" and (night or hanging):
        # Contradictory: asked about beside the question, nothing saved, the ticks kept.
        assert response.status_code == 422
        page = soup(response)
        assert "You answered No" in page.select_one("#rest_pain-error").get_text()
        assert page.select_one('input[name="rest_pain_at_night"]').has_attr("checked") is night
        assert entries_of(alice) == []
        return
    [entry] = entries_of(alice)
    assert entry["rest_pain"] == {"yes": True, "no": False, "": None}[rest]
    assert entry["rest_pain_at_night"] == (True if night else (False if rest else None))
    assert entry["eased_by_hanging_leg"] == (True if hanging else (False if rest else None))
    advice = soup(response).select_one(".advice")
    if rest == "yes" or night or hanging:
        assert advice is not None and "Phone your care team today" in advice.get_text()
        assert "pain in the leg or foot at rest" in advice.select_one(".reported").get_text()
    else:
        assert advice is None and response.status_code == 200  # redirected to the diary


def test_a_sudden_change_answers_get_help_now_with_tap_to_call_links(alice, db_url, world):  # type: ignore[no-untyped-def]
    set_numbers(db_url, world.ids["clinic_a"], "020 7946 0000", "112")
    response = alice.post("/diary/check-ins", {**form_values(alice), "sudden_onset": "yes",
                                               "sudden_onset_days_ago": "0"})
    advice = soup(response).select_one(".advice.emergency")
    assert advice.h1.get_text() == "Get help now"
    assert "You told us: a sudden change in the leg (painful, pale, cold, numb or weak) that began that day." \
        in advice.get_text()
    assert "Call 112 now." in advice.get_text() and "today" not in advice.get_text()
    links = {a["href"] for a in advice.select("a")}
    assert {"tel:112", "tel:02079460000"} <= links


def test_the_check_in_form_names_the_clinics_emergency_number(alice, db_url, world):  # type: ignore[no-untyped-def]
    set_numbers(db_url, world.ids["clinic_a"], "", "911")
    page = soup(alice.client.get("/diary/check-ins/new"))
    assert page.select_one(".urgent-note a.tel")["href"] == "tel:911"


def test_contradictory_groups_and_dates_are_asked_about(alice):  # type: ignore[no-untyped-def]
    response = alice.post("/diary/check-ins", {
        **form_values(alice), "sudden_onset": "no", "sudden_onset_days_ago": "1", "wound": "no", "wound_days": "3",
        "heart_symptoms": ["none", "chest_pain"], "foot": ["none", "cold"]})
    assert response.status_code == 422
    page = soup(response)
    for field in ("sudden_onset", "wound", "heart_symptoms", "foot"):
        assert page.select_one(f"#{field}-error") is not None, field
    assert entries_of(alice) == []


def test_a_blank_check_in_is_saved_as_not_asked(alice):  # type: ignore[no-untyped-def]
    alice.post("/diary/check-ins", form_values(alice))
    [entry] = entries_of(alice)
    for name in ("rest_pain", "wound", "colour_change", "cold_foot", "sudden_onset", "heart_symptoms",
                 "cauda_equina_signs", "infection_signs"):
        assert entry[name] is None, name
    assert "No questions answered." in alice.client.get("/diary").text


def test_chest_pain_on_a_walk_answers_at_once(alice):  # type: ignore[no-untyped-def]
    values = form_values(alice, "/diary/walks/new")
    response = alice.post("/diary/walks", {**values, "distance_m": "300", "had_pain": "no",
                                           "heart_symptoms": "chest_pain"})
    advice = soup(response).select_one(".advice.emergency")
    assert advice is not None and "Chest pain, pressure or tightness" in advice.get_text()
    [entry] = entries_of(alice)
    assert entry["heart_symptoms"] == ["chest_pain"]


def test_an_infected_wound_is_an_emergency_for_a_patient_with_diabetes(alice, db_url, world):  # type: ignore[no-untyped-def]
    from diary.models import Patient

    async def diabetic(db):  # type: ignore[no-untyped-def]
        (await db.get(Patient, world.ids["alice_patient"])).diabetes = True
    run_db(db_url, diabetic)
    response = alice.post("/diary/check-ins", {**form_values(alice), "wound": "yes",
                                               "infection_signs": ["spreading_redness", "warmth"]})
    advice = soup(response).select_one(".advice.emergency")
    assert "With diabetes" in advice.get_text()
    home = soup(alice.client.get("/diary"))
    assert home.select_one(".advice.emergency h2").get_text() == "Get help now"


def test_the_wound_on_record_is_asked_about_until_it_has_healed(alice):  # type: ignore[no-untyped-def]
    first = datetime.now(UTC) - timedelta(days=5)
    alice.api("PUT", f"/api/v1/entries/{(wound_id := uuid.uuid4())}", json={
        "type": "check_in", "id": str(wound_id), "recorded_at": first.isoformat(), "wound": True,
        "colour_change": "black"})
    page = soup(alice.client.get("/diary/check-ins/new"))
    legend = page.select_one("#wound legend").get_text()
    assert "Is the wound, sore or ulcer you told us about on" in legend and "still there" in legend
    assert {i["value"] for i in page.select('input[name="wound"]')} == {"yes", "healed"}
    assert "was black" in page.select_one("#colour_change legend").get_text()
    # A check-in that does not say it has healed keeps asking.
    alice.post("/diary/check-ins", {**form_values(alice), "rest_pain": "no"})
    assert "still there" in soup(alice.client.get("/diary/check-ins/new")).select_one("#wound legend").get_text()
    response = alice.post("/diary/check-ins", {**form_values(alice), "wound": "healed", "colour_change": "healed"})
    assert response.status_code in (200, 303)
    page = soup(alice.client.get("/diary/check-ins/new"))
    assert page.select_one("#wound legend").get_text() == "Do you have a wound, sore or ulcer on your foot or leg now?"
    assert "now?" in page.select_one("#colour_change legend").get_text()
    assert not page.select('input[name="colour_change"][checked]')  # nothing preselected


def test_the_phone_keeps_the_clinics_numbers_at_sign_in(alice, db_url, world):  # type: ignore[no-untyped-def]
    import json

    set_numbers(db_url, world.ids["clinic_a"], "+44 20 7946 0000", "999")
    meta = soup(alice.client.get("/diary")).select_one('meta[name="diary-contact"]')
    kept = json.loads(meta["content"])
    assert kept == {"clinic_name": "Clinic A", "clinic_phone": "+44 20 7946 0000", "clinic_tel": "tel:+442079460000",
                    "emergency": "999", "emergency_tel": "tel:999", "diabetes": None}


def test_the_offline_check_in_form_names_no_number_of_its_own(make_browser):  # type: ignore[no-untyped-def]
    page = soup(make_browser().client.get("/offline/check-in"))
    assert page.select_one('.urgent-note span[data-emergency]').get_text() == "your emergency number"
    assert page.select_one('meta[name="diary-contact"]') is None


def test_a_check_in_reopened_and_saved_unchanged_keeps_every_answer(alice):  # type: ignore[no-untyped-def]
    answers = {"sudden_onset": "no", "rest_pain": "yes", "rest_pain_at_night": "yes", "wound": "yes",
               "wound_days": "6", "infection_signs": ["swelling", "fever"], "colour_change": "pale",
               "foot": ["numb"], "heart_symptoms": "none", "cauda_equina_signs": ["legs_weaker"], "note": "as it was"}
    alice.post("/diary/check-ins", {**form_values(alice), **answers})
    [before] = entries_of(alice)
    edit = soup(alice.client.get(f"/diary/entries/{before['id']}/edit"))
    form = edit.select_one("form.entry-form")
    data: list[tuple[str, str]] = []
    for field in form.select("input"):
        if field.get("type") in ("radio", "checkbox") and not field.has_attr("checked"):
            continue
        if field.get("name") and field["name"] != "_csrf_token":
            data.append((field["name"], field.get("value", "")))
    data.append(("note", form.select_one("textarea[name=note]").get_text()))
    posted: dict[str, list[str]] = {}
    for name, value in data:
        posted.setdefault(name, []).append(value)
    response = alice.post("/diary/check-ins", posted)
    assert response.status_code == 200
    [after] = entries_of(alice)
    # Every answer as it was (the form shows the time to the minute, so seconds are not compared).
    assert {k: v for k, v in after.items() if k not in ("received_at", "recorded_at")} == {
        k: v for k, v in before.items() if k not in ("received_at", "recorded_at")}
    assert after["cauda_equina_signs"] == ["legs_weaker"] and after["heart_symptoms"] == []
