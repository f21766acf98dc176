"""A person's own account: changing the password, ending sessions; a clinician ending a
patient's sessions; an admin changing a colleague's role. Every change of password or
role gives new sessions: the old ones stop working at once."""

from __future__ import annotations

from sqlalchemy import select

from diary.models import AuditEvent
from tests.conftest import PASSWORD, run_db, signed_in

NEW_PASSWORD = "a brand new sentence"


def is_signed_in(browser) -> bool:  # type: ignore[no-untyped-def]
    return browser.client.get("/account", follow_redirects=False).status_code == 200


def actions(db_url: str, action: str) -> list[AuditEvent]:
    async def read(db):  # type: ignore[no-untyped-def]
        return list((await db.execute(select(AuditEvent).where(AuditEvent.action == action))).scalars())
    return run_db(db_url, read)


def change(browser, current: str = PASSWORD, new: str = NEW_PASSWORD, again: str | None = None):  # type: ignore[no-untyped-def]
    browser.refresh_token("/account")
    return browser.post("/account/password", {"current_password": current, "password": new,
                                              "password_again": new if again is None else again})


def test_the_account_page_lists_where_the_person_is_signed_in(make_browser, world):  # type: ignore[no-untyped-def]
    phone = signed_in(make_browser, world, "alice")
    signed_in(make_browser, world, "alice")
    page = phone.client.get("/account", headers={"user-agent": "Mozilla/5.0 (Linux; Android 14) Chrome/131.0"})
    assert page.status_code == 200
    assert page.text.count("last used") == 2 and "(this device)" in page.text


def test_changing_the_password_signs_out_every_other_device(make_browser, world, db_url):  # type: ignore[no-untyped-def]
    phone, laptop = signed_in(make_browser, world, "alice"), signed_in(make_browser, world, "alice")
    old_cookie = phone.client.cookies.get("diary_session")
    done = change(phone)
    assert done.status_code == 200 and "Your password is changed" in done.text
    assert phone.client.cookies.get("diary_session") != old_cookie  # a new session id
    assert is_signed_in(phone) and not is_signed_in(laptop)
    assert make_browser().sign_in(world.emails["alice"]).status_code == 401
    assert make_browser().sign_in(world.emails["alice"], NEW_PASSWORD).url.path == "/diary"
    assert len(actions(db_url, "account.password_changed")) == 1


def test_the_old_session_cookie_is_dead_after_a_password_change(make_browser, world):  # type: ignore[no-untyped-def]
    phone = signed_in(make_browser, world, "alice")
    stolen = phone.client.cookies.get("diary_session")
    change(phone)
    thief = make_browser()
    thief.client.cookies.set("diary_session", stolen)
    assert not is_signed_in(thief)


def test_a_wrong_current_password_changes_nothing(make_browser, world):  # type: ignore[no-untyped-def]
    phone, laptop = signed_in(make_browser, world, "alice"), signed_in(make_browser, world, "alice")
    refused = change(phone, current="not my password")
    assert refused.status_code == 422 and "not your current password" in refused.text
    assert is_signed_in(phone) and is_signed_in(laptop)
    assert make_browser().sign_in(world.emails["alice"]).url.path == "/diary"


def test_the_new_password_follows_the_rules(make_browser, world):  # type: ignore[no-untyped-def]
    phone = signed_in(make_browser, world, "alice")
    assert "too common" in change(phone, new="sunshine1").text
    assert "at least 8" in change(phone, new="short").text
    assert "not the same" in change(phone, again="something else").text
    assert make_browser().sign_in(world.emails["alice"]).url.path == "/diary"


def test_a_person_can_sign_out_every_other_device(make_browser, world, db_url):  # type: ignore[no-untyped-def]
    phone, laptop, tablet = (signed_in(make_browser, world, "nurse") for _ in range(3))
    phone.refresh_token("/account")
    assert phone.post("/account/sessions/end-others").url.path == "/account"
    assert is_signed_in(phone) and not is_signed_in(laptop) and not is_signed_in(tablet)
    assert actions(db_url, "account.sessions_ended")[0].detail == {"ended": 2, "by": "self", "passkeys_removed": 0}


def test_a_clinician_can_sign_a_patient_out_everywhere(make_browser, world, db_url):  # type: ignore[no-untyped-def]
    alice_phone, bob = signed_in(make_browser, world, "alice"), signed_in(make_browser, world, "bob")
    nurse = signed_in(make_browser, world, "nurse")
    page = nurse.post(f"/clinic/patients/{world.ids['alice_patient']}/sessions/end")
    assert page.status_code == 200 and "signed out on 1 device" in page.text
    assert not is_signed_in(alice_phone) and is_signed_in(bob)
    (event,) = actions(db_url, "patient.sessions_ended")
    assert event.patient_id == world.ids["alice_patient"] and event.actor_user_id == world.ids["nurse"]


def test_a_clinician_of_another_clinic_cannot_sign_the_patient_out(make_browser, world):  # type: ignore[no-untyped-def]
    alice = signed_in(make_browser, world, "alice")
    stranger = signed_in(make_browser, world, "stranger")
    assert stranger.post(f"/clinic/patients/{world.ids['alice_patient']}/sessions/end").status_code == 404
    assert is_signed_in(alice)


def test_a_new_role_means_new_sessions(make_browser, world, db_url):  # type: ignore[no-untyped-def]
    nurse = signed_in(make_browser, world, "nurse")
    admin = signed_in(make_browser, world, "admin")
    assert admin.post(f"/clinic/staff/{world.ids['nurse']}/role", {"role": "admin"}).url.path == "/clinic/staff"
    assert not is_signed_in(nurse)
    again = make_browser()
    again.sign_in(world.emails["nurse"])
    assert again.client.get("/clinic/staff").status_code == 200  # now an admin
    assert actions(db_url, "staff.role_changed")[0].detail["to"] == "admin"


def test_an_admin_cannot_change_their_own_role_or_another_clinics_staff(make_browser, world):  # type: ignore[no-untyped-def]
    admin = signed_in(make_browser, world, "admin")
    own = admin.post(f"/clinic/staff/{world.ids['admin']}/role", {"role": "clinician"})
    assert own.status_code == 422 and "cannot change your own role" in own.text
    assert admin.post(f"/clinic/staff/{world.ids['stranger']}/role", {"role": "admin"}).status_code == 404
    nurse = signed_in(make_browser, world, "nurse")
    assert nurse.post(f"/clinic/staff/{world.ids['admin']}/role", {"role": "clinician"}).status_code == 404


def test_the_account_page_is_one_tap_from_the_diary_and_the_clinic(make_browser, world):  # type: ignore[no-untyped-def]
    from bs4 import BeautifulSoup

    for name, home in (("alice", "/diary"), ("nurse", "/clinic")):
        page = BeautifulSoup(signed_in(make_browser, world, name).client.get(home).text, "html.parser")
        assert page.find("a", href="/account") is not None, home
