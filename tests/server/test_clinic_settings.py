"""The clinic settings page (admins) and a patient's details after enrolment (clinicians):
validated, audited, kept as history, and used where patients see them."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import select

from diary.models import AuditEvent, Clinic, Flag, Patient, PatientDetailChange
from tests.conftest import run_db, signed_in


def soup(response) -> BeautifulSoup:  # type: ignore[no-untyped-def]
    return BeautifulSoup(response.text, "html.parser")


def rows(db_url: str, model, *where):  # type: ignore[no-untyped-def]
    async def load(db):  # type: ignore[no-untyped-def]
        return list((await db.execute(select(model).where(*where))).scalars())
    return run_db(db_url, load)


SETTINGS = {"name": "Clinic A", "timezone": "Europe/Dublin", "phone": "+353 1 555 0100", "emergency_number": "112"}


@pytest.fixture
def admin(make_browser, world):  # type: ignore[no-untyped-def]
    return signed_in(make_browser, world, "admin")


def test_an_admin_sets_the_clinics_numbers_and_they_are_audited(admin, db_url, world):  # type: ignore[no-untyped-def]
    page = soup(admin.client.get("/clinic/settings"))
    assert page.select_one("#emergency_number")["value"] == "999"  # Europe/London's, from the migration default
    response = admin.post("/clinic/settings", SETTINGS)
    assert response.status_code == 200 and "The clinic settings are saved." in response.text
    [clinic] = rows(db_url, Clinic, Clinic.id == world.ids["clinic_a"])
    assert (clinic.timezone, clinic.phone, clinic.emergency_number) == ("Europe/Dublin", "+353 1 555 0100", "112")
    [event] = rows(db_url, AuditEvent, AuditEvent.action == "clinic.settings_changed")
    assert event.actor_user_id == world.ids["admin"] and event.clinic_id == world.ids["clinic_a"]
    assert event.detail["changed"] == {"timezone": ["Europe/London", "Europe/Dublin"], "phone": ["", "+353 1 555 0100"],
                                       "emergency_number": ["999", "112"]}
    admin.post("/clinic/settings", SETTINGS)  # saving the same again changes and audits nothing
    assert len(rows(db_url, AuditEvent, AuditEvent.action == "clinic.settings_changed")) == 1


@pytest.mark.parametrize("field,value,message", [
    ("name", "  ", "Enter the clinic's name."),
    ("name", "Clinic B", "Another clinic already has this name."),
    ("timezone", "Mars/Olympus", "Choose a time zone from the list"),
    ("phone", "call me", "Enter a phone number of 6 to 15 digits"),
    ("phone", "12345", "Enter a phone number of 6 to 15 digits"),
    ("emergency_number", "9", "Enter the emergency number as 2 to 6 digits"),
    ("emergency_number", "999 then 1", "Enter the emergency number as 2 to 6 digits"),
])
def test_bad_settings_are_named_and_nothing_is_saved(admin, db_url, world, field, value, message):  # type: ignore[no-untyped-def]
    response = admin.post("/clinic/settings", {**SETTINGS, field: value})
    assert response.status_code == 422
    assert message in soup(response).select_one(f"#{field}-error").get_text()
    assert soup(response).select_one(f"#{field}")["aria-invalid"] == "true"
    [clinic] = rows(db_url, Clinic, Clinic.id == world.ids["clinic_a"])
    assert (clinic.phone, clinic.emergency_number) == ("", "999")


def test_only_an_admin_of_the_clinic_sees_its_settings(make_browser, world):  # type: ignore[no-untyped-def]
    nurse = signed_in(make_browser, world, "nurse")
    assert nurse.client.get("/clinic/settings").status_code == 404
    assert nurse.post("/clinic/settings", SETTINGS).status_code == 404
    alice = signed_in(make_browser, world, "alice")
    assert alice.client.get("/clinic/settings", follow_redirects=False).status_code in (303, 404)


def test_the_numbers_reach_the_advice_and_the_enrolment_letter(admin, make_browser, world):  # type: ignore[no-untyped-def]
    admin.post("/clinic/settings", SETTINGS)
    alice = signed_in(make_browser, world, "alice")
    form = soup(alice.client.get("/diary/check-ins/new"))
    assert form.select_one(".urgent-note a.tel")["href"] == "tel:112"
    values = {i["name"]: i.get("value", "") for i in form.select("form.entry-form input[type=hidden]")
              if i["name"] != "_csrf_token"}
    advice = soup(alice.post("/diary/check-ins", {**values, "wound": "yes"})).select_one(".advice")
    calls = [(a["href"], a.get_text()) for a in advice.select(".calls a")]  # same day: the care team first
    assert calls == [("tel:+35315550100", "Call your care team: +353 1 555 0100"), ("tel:112", "Emergency? Call 112")]
    nurse = signed_in(make_browser, world, "nurse")
    letter = soup(nurse.post("/clinic/patients", {"name": "New Patient", "clinic_number": "A-99"})).select_one(".letter")
    assert letter.select_one('a[href="tel:+35315550100"]') is not None
    assert letter.select_one('a[href="tel:112"]') is not None


DETAILS = {"affected_side": "left", "suspected_type": "vascular", "diabetes": "yes", "phone": "07700 900123"}


def test_a_clinician_changes_a_patients_details_with_history_and_audit(make_browser, world, db_url):  # type: ignore[no-untyped-def]
    nurse = signed_in(make_browser, world, "nurse")
    patient_id = world.ids["alice_patient"]
    response = nurse.post(f"/clinic/patients/{patient_id}/details", DETAILS)
    assert response.status_code == 200 and response.url.path == f"/clinic/patients/{patient_id}"
    [patient] = rows(db_url, Patient, Patient.id == patient_id)
    assert (patient.affected_side, patient.suspected_type.value, patient.diabetes, patient.phone) == (
        "left", "vascular", True, "07700 900123")
    history = rows(db_url, PatientDetailChange, PatientDetailChange.patient_id == patient_id)
    assert {(h.field, h.old, h.new) for h in history} == {
        ("affected_side", "", "left"), ("suspected_type", "unknown", "vascular"), ("diabetes", "", "yes"),
        ("phone", "", "07700 900123")}
    assert all(h.by_user_id == world.ids["nurse"] for h in history)
    [event] = rows(db_url, AuditEvent, AuditEvent.action == "patient.details_changed")
    assert event.detail == {"fields": ["affected_side", "suspected_type", "diabetes", "phone"]}  # no values
    page = soup(response)
    table = page.select_one('section[aria-labelledby="details-h"] table').get_text()
    assert "diabetes" in table and "not recorded" in table and "yes" in table
    assert "diabetes yes" in " ".join(page.select_one(".patient-head .meta").get_text().split())
    # Set back to not recorded: one more row of history.
    nurse.post(f"/clinic/patients/{patient_id}/details", {**DETAILS, "diabetes": ""})
    assert ("diabetes", "yes", "") in {(h.field, h.old, h.new) for h in rows(
        db_url, PatientDetailChange, PatientDetailChange.patient_id == patient_id)}


def test_bad_details_are_named_and_another_clinics_patient_is_not_found(make_browser, world, db_url):  # type: ignore[no-untyped-def]
    nurse = signed_in(make_browser, world, "nurse")
    patient_id = world.ids["alice_patient"]
    for field, value in (("phone", "not a phone"), ("affected_side", "middle"), ("diabetes", "maybe")):
        response = nurse.post(f"/clinic/patients/{patient_id}/details", {**DETAILS, field: value})
        assert response.status_code == 422, field
        assert soup(response).select_one(f"#{field}-error") is not None, field
    assert rows(db_url, PatientDetailChange) == []
    stranger = signed_in(make_browser, world, "stranger")
    assert stranger.client.get(f"/clinic/patients/{patient_id}/details").status_code == 404
    assert stranger.post(f"/clinic/patients/{patient_id}/details", DETAILS).status_code == 404


def test_diabetes_at_enrolment(make_browser, world, db_url):  # type: ignore[no-untyped-def]
    nurse = signed_in(make_browser, world, "nurse")
    nurse.post("/clinic/patients", {"name": "Di Abetes", "clinic_number": "A-77", "diabetes": "yes",
                                    "phone": "+44 7700 900124"})
    [patient] = rows(db_url, Patient, Patient.clinic_number == "A-77")
    assert patient.diabetes is True and patient.phone == "+44 7700 900124"


def test_recording_diabetes_regrades_an_infected_wound_at_once(make_browser, world, db_url):  # type: ignore[no-untyped-def]
    alice = signed_in(make_browser, world, "alice")
    entry_id = str(uuid.uuid4())
    alice.api("PUT", f"/api/v1/entries/{entry_id}", json={
        "type": "check_in", "id": entry_id, "recorded_at": (datetime.now(UTC) - timedelta(hours=1)).isoformat(),
        "wound": True, "infection_signs": ["pus"]})
    [flag] = rows(db_url, Flag, Flag.rule == "wound_infection")
    assert flag.severity == "urgent"
    nurse = signed_in(make_browser, world, "nurse")
    nurse.post(f"/clinic/patients/{world.ids['alice_patient']}/details", {**DETAILS, "diabetes": "yes"})
    [flag] = rows(db_url, Flag, Flag.rule == "wound_infection")
    assert flag.severity == "emergency"
    queue = soup(nurse.client.get("/clinic"))
    assert queue.select_one("#queue tbody tr")["class"] == ["row-emergency"]


def test_an_erasure_deletes_the_details_and_their_history(make_browser, world, db_url):  # type: ignore[no-untyped-def]
    from diary.erasure import erase_patient
    from diary.models import User

    nurse = signed_in(make_browser, world, "nurse")
    patient_id = world.ids["alice_patient"]
    nurse.post(f"/clinic/patients/{patient_id}/details", DETAILS)

    async def erase(db):  # type: ignore[no-untyped-def]
        deleted = await erase_patient(db, await db.get(Patient, patient_id), await db.get(User, world.ids["admin"]),
                                      datetime.now(UTC))
        return deleted["detail_changes"]
    assert run_db(db_url, erase) == 4
    [patient] = rows(db_url, Patient, Patient.id == patient_id)
    assert (patient.diabetes, patient.phone) == (None, "")
    assert rows(db_url, PatientDetailChange) == []
