"""Signing in and out, sessions, and enrolment with a single-use code."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select, update

from diary import accounts, patients
from diary.models import AuthSession, EnrolmentCode
from tests.conftest import PASSWORD, run_db, signed_in


def session_count(db_url: str) -> int:
    async def count(db):  # type: ignore[no-untyped-def]
        return (await db.execute(select(func.count()).select_from(AuthSession))).scalar_one()
    return run_db(db_url, count)


def test_a_wrong_password_and_a_wrong_email_get_the_same_answer(browser, world):  # type: ignore[no-untyped-def]
    wrong_password = browser.sign_in(world.emails["alice"], "not her password")
    wrong_email = browser.sign_in("nobody@test.example", PASSWORD)
    assert wrong_password.status_code == wrong_email.status_code == 401
    assert "do not match" in wrong_password.text and "do not match" in wrong_email.text


def test_signing_in_takes_a_patient_to_their_diary_and_a_clinician_to_the_clinic(make_browser, world):  # type: ignore[no-untyped-def]
    assert make_browser().sign_in(world.emails["alice"]).url.path == "/diary"
    assert make_browser().sign_in(world.emails["nurse"]).url.path == "/clinic"


def test_a_page_asks_an_anonymous_visitor_to_sign_in_and_returns_there(browser, world):  # type: ignore[no-untyped-def]
    response = browser.client.get("/diary/walks/new", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/login?next=/diary/walks/new"
    browser.refresh_token()
    landed = browser.client.post("/login", data={"email": world.emails["alice"], "password": PASSWORD,
                                                 "next": "/diary/walks/new", "_csrf_token": browser.token})
    assert landed.url.path == "/diary/walks/new"


def test_next_never_leaves_the_site(browser, world):  # type: ignore[no-untyped-def]
    browser.refresh_token()
    landed = browser.client.post("/login", data={"email": world.emails["alice"], "password": PASSWORD,
                                                 "next": "//evil.example/x", "_csrf_token": browser.token},
                                 follow_redirects=False)
    assert landed.headers["location"] == "/diary"


def test_sign_in_issues_a_new_session_id_and_sign_out_deletes_it(browser, world, db_url):  # type: ignore[no-untyped-def]
    browser.sign_in(world.emails["alice"])
    first = browser.client.cookies.get("diary_session")
    browser.sign_in(world.emails["alice"])
    second = browser.client.cookies.get("diary_session")
    assert first and second and first != second
    assert session_count(db_url) == 1  # the first session was ended, not left behind
    browser.post("/logout")
    assert session_count(db_url) == 0
    assert browser.client.get("/diary", follow_redirects=False).status_code == 303


def test_the_session_cookie_is_http_only_and_same_site(browser, world):  # type: ignore[no-untyped-def]
    browser.refresh_token()
    response = browser.client.post("/login", data={"email": world.emails["alice"], "password": PASSWORD,
                                                   "_csrf_token": browser.token}, follow_redirects=False)
    cookie = response.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie


def test_an_idle_clinician_session_expires(make_browser, world, db_url):  # type: ignore[no-untyped-def]
    nurse = signed_in(make_browser, world, "nurse")

    async def age(db):  # type: ignore[no-untyped-def]
        await db.execute(update(AuthSession).values(last_seen_at=datetime.now(UTC) - timedelta(minutes=31)))
    run_db(db_url, age)
    assert nurse.client.get("/clinic", follow_redirects=False).status_code == 303
    assert session_count(db_url) == 0


def new_code(db_url: str, world, number: str = "A-9") -> str:  # type: ignore[no-untyped-def]
    async def make(db):  # type: ignore[no-untyped-def]
        _, code = await patients.enrol_patient(db, clinic_id=world.ids["clinic_a"], name="Carol",
                                               clinic_number=number, now=datetime.now(UTC),
                                               code_valid_for=timedelta(days=14))
        return code
    return run_db(db_url, make)


def enrol(browser, code: str, email: str = "carol@test.example", password: str = PASSWORD):  # type: ignore[no-untyped-def]
    browser.refresh_token("/enrol")
    return browser.client.post("/enrol", data={"code": code, "email": email, "password": password,
                                               "password_again": password, "_csrf_token": browser.token})


def test_a_patient_enrols_with_a_code_and_lands_in_their_diary(browser, world, db_url):  # type: ignore[no-untyped-def]
    code = new_code(db_url, world)
    response = enrol(browser, code.lower().replace("-", " "))  # forgiving about case and spacing
    assert response.url.path == "/diary" and "Welcome, Carol" in response.text
    assert browser.api("GET", "/api/v1/entries").status_code == 200


def test_a_code_works_only_once(make_browser, world, db_url):  # type: ignore[no-untyped-def]
    code = new_code(db_url, world)
    enrol(make_browser(), code)
    again = enrol(make_browser(), code, email="someone-else@test.example")
    assert again.status_code == 422 and "already been used" in again.text


def test_an_expired_code_is_refused(browser, world, db_url):  # type: ignore[no-untyped-def]
    code = new_code(db_url, world)

    async def expire(db):  # type: ignore[no-untyped-def]
        await db.execute(update(EnrolmentCode).values(expires_at=datetime.now(UTC) - timedelta(seconds=1)))
    run_db(db_url, expire)
    response = enrol(browser, code)
    assert response.status_code == 422 and "expired" in response.text


def test_a_reissued_code_replaces_the_old_one(browser, world, db_url):  # type: ignore[no-untyped-def]
    old = new_code(db_url, world)

    async def reissue(db):  # type: ignore[no-untyped-def]
        patient = await patients.clinic_patient(db, world.ids["clinic_a"], 3)
        return await accounts.issue_enrolment_code(db, patient, datetime.now(UTC), timedelta(days=14))
    fresh = run_db(db_url, reissue)
    assert "no longer valid" in enrol(browser, old).text
    assert enrol(browser, fresh).url.path == "/diary"


@pytest.mark.parametrize(("password", "message"), [("short", "at least 8"), ("password123", "too common"),
                                                   ("x" * 129, "at most 128")])
def test_weak_passwords_are_refused_at_enrolment(browser, world, db_url, password, message):  # type: ignore[no-untyped-def]
    response = enrol(browser, new_code(db_url, world), password=password)
    assert response.status_code == 422 and message in response.text


def test_an_unknown_code_is_refused(browser, world):  # type: ignore[no-untyped-def]
    assert "not recognised" in enrol(browser, "AAAAA-BBBBB").text


def test_a_patient_cannot_open_the_clinic_pages(make_browser, world):  # type: ignore[no-untyped-def]
    alice = signed_in(make_browser, world, "alice")
    assert alice.client.get("/clinic").status_code == 404


def test_a_clinician_sees_only_their_own_clinic(make_browser, world):  # type: ignore[no-untyped-def]
    stranger = signed_in(make_browser, world, "stranger")
    text = stranger.client.get("/clinic").text
    assert "Alice" not in text and "Bob" not in text
