"""A stolen session cookie cannot be made permanent with a passkey.

Found by a penetration test: with only a patient's session cookie, an attacker added a passkey
(the password was never asked), and the passkey survived a password change, "sign out
everywhere" and a clinician's "sign out on every device". Now adding a passkey needs a fresh
proof (signed in, the password, or one of one's own passkeys, within the last few minutes);
changing the password offers to remove the passkeys; and signing out everywhere, by the
patient or by a clinician, removes them. All of it is audited, and the password typed again is
limited like a sign-in.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import select, update

from diary.models import AuditEvent, AuthSession, Passkey
from diary.ratelimit import Limit
from tests.conftest import PASSWORD, run_db, signed_in
from tests.server.test_passkeys import SoftAuthenticator, add_passkey, sign_in_with


@pytest.fixture
def settings(settings):  # type: ignore[no-untyped-def]
    return settings.with_(signin_account_limit=Limit(3, timedelta(minutes=15)))


def query(db_url: str, statement):  # type: ignore[no-untyped-def]
    async def work(db):  # type: ignore[no-untyped-def]
        return list((await db.execute(statement)).scalars())
    return run_db(db_url, work)


def age_proofs(db_url: str, minutes: int = 6) -> None:
    """Time passes: every session's last proof is now ``minutes`` old (the cookie is all a thief has)."""
    async def work(db):  # type: ignore[no-untyped-def]
        await db.execute(update(AuthSession).values(proved_at=datetime.now(UTC) - timedelta(minutes=minutes)))
    run_db(db_url, work)


def audited(db_url: str, action: str) -> list[AuditEvent]:
    return query(db_url, select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id))


@pytest.fixture
def alice(make_browser, world):  # type: ignore[no-untyped-def]
    return signed_in(make_browser, world, "alice")


def confirm(browser, password: str):  # type: ignore[no-untyped-def]
    browser.refresh_token("/account")
    return browser.post("/account/confirm", {"confirm_password": password})


def test_a_session_cookie_alone_cannot_add_a_passkey(alice, db_url):  # type: ignore[no-untyped-def]
    age_proofs(db_url)
    begin = alice.api("POST", "/account/passkeys/register/begin")
    assert begin.status_code == 403 and begin.json()["needs_proof"] is True
    assert "confirm it is you" in begin.json()["error"]
    page = BeautifulSoup(alice.client.get("/account").text, "html.parser")
    assert page.select_one("#passkey-add") is None and page.select_one("#confirm_password") is not None
    assert query(db_url, select(Passkey)) == []


def test_the_password_typed_again_lets_a_passkey_be_added_for_a_few_minutes(alice, db_url):  # type: ignore[no-untyped-def]
    age_proofs(db_url)
    wrong = confirm(alice, "not my password")
    assert wrong.status_code == 422 and "not your current password" in wrong.text
    assert alice.api("POST", "/account/passkeys/register/begin").status_code == 403
    right = confirm(alice, PASSWORD)
    assert right.url.path == "/account" and "add a passkey in the next few minutes" in right.text
    assert BeautifulSoup(right.text, "html.parser").select_one("#passkey-add") is not None
    assert add_passkey(alice, SoftAuthenticator()).status_code == 201
    assert [e.detail["for"] for e in audited(db_url, "account.password_check_failed")] == ["add_passkey"]
    assert [e.detail["method"] for e in audited(db_url, "account.confirmed")] == ["password"]
    age_proofs(db_url)
    assert alice.api("POST", "/account/passkeys/register/begin").status_code == 403  # the proof went stale


def test_a_passkey_of_ones_own_is_a_proof_too(alice, make_browser, world, db_url):  # type: ignore[no-untyped-def]
    phone = SoftAuthenticator()
    assert add_passkey(alice, phone).status_code == 201
    age_proofs(db_url)
    assert alice.api("POST", "/account/passkeys/register/begin").status_code == 403
    # Bob's passkey is no proof for Alice.
    bob = signed_in(make_browser, world, "bob")
    bobs = SoftAuthenticator()
    assert add_passkey(bob, bobs).status_code == 201
    begin = alice.api("POST", "/account/confirm/passkey/begin").json()
    assert [c["id"] for c in begin["publicKey"]["allowCredentials"]] == [
        query(db_url, select(Passkey.credential_id).where(Passkey.user_id == world.ids["alice"]))[0]]
    refused = alice.api("POST", "/account/confirm/passkey/finish",
                        json={"token": begin["token"], "credential": bobs.get(begin["publicKey"])})
    assert refused.status_code == 422
    begin = alice.api("POST", "/account/confirm/passkey/begin").json()
    done = alice.api("POST", "/account/confirm/passkey/finish",
                     json={"token": begin["token"], "credential": phone.get(begin["publicKey"])})
    assert done.status_code == 200 and done.json() == {"confirmed": True}
    assert add_passkey(alice, SoftAuthenticator()).status_code == 201


def test_the_password_typed_again_is_limited_like_a_sign_in(alice, make_browser, world, db_url):  # type: ignore[no-untyped-def]
    age_proofs(db_url)
    answers = [confirm(alice, "guess number one").status_code for _ in range(3)]
    blocked = confirm(alice, PASSWORD)  # even the right one waits, as at sign-in
    assert answers == [422, 422, 422] and blocked.status_code == 429
    assert int(blocked.headers["retry-after"]) > 0 and "Too many attempts" in blocked.text
    assert audited(db_url, "account.password_check_throttled")
    # The same budget as signing in: the account is locked for a thief at the sign-in page too.
    assert make_browser().sign_in(world.emails["alice"]).status_code == 429


def change_password(browser, current: str, new: str, remove: bool):  # type: ignore[no-untyped-def]
    browser.refresh_token("/account")
    form = {"current_password": current, "password": new, "password_again": new}
    if remove:
        form["remove_passkeys"] = "yes"
    return browser.post("/account/password", form)


def test_changing_the_password_offers_to_remove_the_passkeys(alice, make_browser, db_url):  # type: ignore[no-untyped-def]
    thief = SoftAuthenticator()
    assert add_passkey(alice, thief).status_code == 201
    page = BeautifulSoup(alice.client.get("/account").text, "html.parser")
    offer = page.select_one('input[name="remove_passkeys"]')
    assert offer is not None and offer.has_attr("checked")
    assert change_password(alice, PASSWORD, "a quiet walk by the canal", remove=True).url.path == "/account"
    assert query(db_url, select(Passkey)) == []
    assert sign_in_with(make_browser(), thief).status_code == 422
    [event] = audited(db_url, "passkey.removed")
    assert event.detail == {"count": 1, "by": "password_change"}


def test_changing_the_password_keeps_the_passkeys_when_asked(alice, db_url):  # type: ignore[no-untyped-def]
    assert add_passkey(alice, SoftAuthenticator()).status_code == 201
    assert change_password(alice, PASSWORD, "a quiet walk by the canal", remove=False).url.path == "/account"
    assert len(query(db_url, select(Passkey))) == 1


def test_a_wrong_current_password_is_limited_and_audited(alice, db_url):  # type: ignore[no-untyped-def]
    answers = [change_password(alice, "a wrong guess", "a quiet walk by the canal", False).status_code
               for _ in range(4)]
    assert answers == [422, 422, 422, 429]
    assert [e.detail["for"] for e in audited(db_url, "account.password_check_failed")] == ["password_change"] * 3
    assert len(audited(db_url, "account.password_check_throttled")) == 1


def test_signing_out_everywhere_removes_the_passkeys(alice, make_browser, world, db_url):  # type: ignore[no-untyped-def]
    thief = SoftAuthenticator()
    assert add_passkey(alice, thief).status_code == 201
    page = alice.client.get("/account").text
    assert "and remove my passkeys" in page
    alice.refresh_token("/account")
    assert alice.post("/account/sessions/end-others").url.path == "/account"
    assert query(db_url, select(Passkey)) == [] and sign_in_with(make_browser(), thief).status_code == 422
    [ended] = audited(db_url, "account.sessions_ended")
    assert ended.detail["passkeys_removed"] == 1


def test_a_clinicians_sign_out_on_every_device_removes_them(alice, make_browser, world, db_url):  # type: ignore[no-untyped-def]
    thief = SoftAuthenticator()
    assert add_passkey(alice, thief).status_code == 201
    nurse = signed_in(make_browser, world, "nurse")
    done = nurse.post(f"/clinic/patients/{world.ids['alice_patient']}/sessions/end")
    assert "any passkeys were removed" in done.text
    assert query(db_url, select(Passkey)) == [] and sign_in_with(make_browser(), thief).status_code == 422
    [ended] = audited(db_url, "patient.sessions_ended")
    assert ended.detail == {"ended": 1, "passkeys_removed": 1}


def test_the_account_page_shows_each_passkey_its_name_added_and_last_used(alice, make_browser, db_url):  # type: ignore[no-untyped-def]
    phone = SoftAuthenticator()
    assert add_passkey(alice, phone).status_code == 201
    item = BeautifulSoup(alice.client.get("/account").text, "html.parser").select_one(".passkey-list li")
    assert "Passkey" in item.get_text() or item.strong.get_text()
    assert "added" in item.get_text() and "not used yet" in item.get_text()
    assert sign_in_with(make_browser(), phone).status_code == 200
    item = BeautifulSoup(alice.client.get("/account").text, "html.parser").select_one(".passkey-list li")
    assert "last used" in item.get_text()
