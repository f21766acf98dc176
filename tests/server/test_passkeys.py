"""Passkeys, in-process: add one, sign in with it, what is refused, removal, and recovery with a code.

The ``webauthn`` package checks real signatures, so ``SoftAuthenticator`` is
a small software authenticator: an ES256 key, "none" attestation,
authenticatorData with the RP id hash, the UP and UV flags and a counter,
and clientDataJSON with the challenge and the origin. The test client talks
to http://testserver.local, so in development the RP id is testserver.local.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
from datetime import UTC, datetime, timedelta
from typing import Any

import cbor2
import pytest
from bs4 import BeautifulSoup
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from sqlalchemy import func, select, update

from diary.models import AuditEvent, AuthChallenge, AuthSession, Passkey
from diary.ratelimit import Limit
from server.settings import Settings, SettingsError
from tests.conftest import PASSWORD, run_db, signed_in

ORIGIN, RP_ID = "http://testserver.local", "testserver.local"
UP, UV, AT = 0x01, 0x04, 0x40


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class SoftAuthenticator:
    """One passkey on a pretend phone, answering ``create`` and ``get`` like a browser's JSON."""

    def __init__(self) -> None:
        self.key = ec.generate_private_key(ec.SECP256R1())
        self.credential_id = os.urandom(16)
        self.counter = 0
        self.user_handle = b""

    def _cose_key(self) -> bytes:
        numbers = self.key.public_key().public_numbers()
        return cbor2.dumps({1: 2, 3: -7, -1: 1, -2: numbers.x.to_bytes(32, "big"), -3: numbers.y.to_bytes(32, "big")})

    def _auth_data(self, flags: int, rp_id: str, attested: bool = False) -> bytes:
        data = hashlib.sha256(rp_id.encode()).digest() + bytes([flags]) + self.counter.to_bytes(4, "big")
        if attested:
            data += bytes(16) + len(self.credential_id).to_bytes(2, "big") + self.credential_id + self._cose_key()
        return data

    @staticmethod
    def _client_data(kind: str, options: dict[str, Any], origin: str) -> bytes:
        return json.dumps({"type": kind, "challenge": options["challenge"], "origin": origin,
                           "crossOrigin": False}).encode()

    def create(self, options: dict[str, Any], *, origin: str = ORIGIN, verified: bool = True) -> dict[str, Any]:
        self.user_handle = unb64url(options["user"]["id"])
        auth_data = self._auth_data(UP | AT | (UV if verified else 0), options["rp"]["id"], attested=True)
        attestation = cbor2.dumps({"fmt": "none", "attStmt": {}, "authData": auth_data})
        return {"id": b64url(self.credential_id), "rawId": b64url(self.credential_id), "type": "public-key",
                "authenticatorAttachment": "platform", "clientExtensionResults": {},
                "response": {"clientDataJSON": b64url(self._client_data("webauthn.create", options, origin)),
                             "attestationObject": b64url(attestation), "transports": ["internal", "made-up"]}}

    def get(self, options: dict[str, Any], *, origin: str = ORIGIN, verified: bool = True,
            counter: int | None = None) -> dict[str, Any]:
        self.counter = self.counter + 1 if counter is None else counter
        auth_data = self._auth_data(UP | (UV if verified else 0), options["rpId"])
        client_data = self._client_data("webauthn.get", options, origin)
        signature = self.key.sign(auth_data + hashlib.sha256(client_data).digest(), ec.ECDSA(hashes.SHA256()))
        return {"id": b64url(self.credential_id), "rawId": b64url(self.credential_id), "type": "public-key",
                "authenticatorAttachment": "platform", "clientExtensionResults": {},
                "response": {"clientDataJSON": b64url(client_data), "authenticatorData": b64url(auth_data),
                             "signature": b64url(signature), "userHandle": b64url(self.user_handle)}}


# --- helpers -------------------------------------------------------------------------


def add_passkey(browser, phone: SoftAuthenticator, **create: Any):  # type: ignore[no-untyped-def]
    begin = browser.api("POST", "/account/passkeys/register/begin")
    assert begin.status_code == 200, begin.text
    body = begin.json()
    return browser.api("POST", "/account/passkeys/register/finish",
                       json={"token": body["token"], "credential": phone.create(body["publicKey"], **create)})


def begin_sign_in(browser) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    browser.refresh_token("/login")
    begin = browser.api("POST", "/login/passkey/begin")
    assert begin.status_code == 200, begin.text
    return begin.json()


def finish_sign_in(browser, token: str, credential: dict[str, Any], **extra: Any):  # type: ignore[no-untyped-def]
    return browser.api("POST", "/login/passkey/finish", json={"token": token, "credential": credential, **extra})


def sign_in_with(browser, phone: SoftAuthenticator, **get: Any):  # type: ignore[no-untyped-def]
    begin = begin_sign_in(browser)
    return finish_sign_in(browser, begin["token"], phone.get(begin["publicKey"], **get))


def query(db_url: str, statement):  # type: ignore[no-untyped-def]
    async def work(db):  # type: ignore[no-untyped-def]
        return list((await db.execute(statement)).scalars())
    return run_db(db_url, work)


def execute(db_url: str, statement) -> None:  # type: ignore[no-untyped-def]
    async def work(db):  # type: ignore[no-untyped-def]
        await db.execute(statement)
    run_db(db_url, work)


def actions(db_url: str) -> list[str]:
    return query(db_url, select(AuditEvent.action).order_by(AuditEvent.id))


def failure_reasons(db_url: str) -> list[str]:
    events = query(db_url, select(AuditEvent).where(AuditEvent.action == "signin.failed").order_by(AuditEvent.id))
    assert all(e.detail["method"] == "passkey" for e in events)
    return [e.detail["reason"] for e in events]


@pytest.fixture
def alice(make_browser, world):  # type: ignore[no-untyped-def]
    return signed_in(make_browser, world, "alice")


@pytest.fixture
def phone(alice) -> SoftAuthenticator:  # type: ignore[no-untyped-def]
    """Alice's phone, with a passkey she added on her account page."""
    phone = SoftAuthenticator()
    added = add_passkey(alice, phone)
    assert added.status_code == 201, added.text
    return phone


# --- adding a passkey and signing in -------------------------------------------------------


def test_a_patient_adds_a_passkey_signs_out_and_signs_in_with_it(alice, phone, make_browser, db_url):  # type: ignore[no-untyped-def]
    page = BeautifulSoup(alice.client.get("/account?done=passkey_added").text, "html.parser")
    assert "passkey is added" in page.get_text()
    assert page.select_one("#passkey-add").get_text() == "Add a passkey on this phone"
    assert len(page.select(".passkey-list li")) == 1 and "not used yet" in page.select_one(".passkey-list li").get_text()
    alice.post("/logout")
    assert alice.client.get("/diary", follow_redirects=False).status_code == 303

    done = sign_in_with(alice, phone)
    assert done.status_code == 200, done.text
    assert done.json() == {"redirect": "/diary"}
    assert alice.client.get("/diary", follow_redirects=False).status_code == 200
    [session] = query(db_url, select(AuthSession))
    assert session.method == "passkey" and not session.keep_signed_in
    [stored] = query(db_url, select(Passkey))
    assert stored.sign_count == 1 and stored.last_used_at is not None and stored.transports == ["internal"]
    assert "last used" in alice.client.get("/account").text
    assert {"passkey.added", "signin.succeeded"} <= set(actions(db_url))


def test_keep_me_signed_in_applies_to_a_passkey_sign_in(phone, make_browser, db_url):  # type: ignore[no-untyped-def]
    browser = make_browser()
    begin = begin_sign_in(browser)
    done = finish_sign_in(browser, begin["token"], phone.get(begin["publicKey"]), keep_signed_in=True,
                          next="/diary/walks/new")
    assert done.json() == {"redirect": "/diary/walks/new"}
    assert "max-age" in done.headers["set-cookie"].lower()
    assert [s.keep_signed_in for s in query(db_url, select(AuthSession).where(AuthSession.method == "passkey"))] == [True]


def test_registration_asks_for_user_verification_and_excludes_passkeys_already_there(alice, phone):  # type: ignore[no-untyped-def]
    options = alice.api("POST", "/account/passkeys/register/begin").json()["publicKey"]
    assert options["rp"]["id"] == RP_ID
    assert options["authenticatorSelection"]["userVerification"] == "required"
    assert options["authenticatorSelection"]["residentKey"] == "preferred"
    assert [c["id"] for c in options["excludeCredentials"]] == [b64url(phone.credential_id)]


def test_a_passkey_without_user_verification_is_refused(alice, phone, make_browser, db_url):  # type: ignore[no-untyped-def]
    unverified = add_passkey(alice, SoftAuthenticator(), verified=False)
    assert unverified.status_code == 422 and "could not be checked" in unverified.json()["error"]
    assert len(query(db_url, select(Passkey))) == 1
    refused = sign_in_with(make_browser(), phone, verified=False)
    assert refused.status_code == 422
    assert failure_reasons(db_url) == ["no_user_verification"]


# --- what is refused ------------------------------------------------------------------------


@pytest.mark.parametrize("backend", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)],
                         indirect=True)
def test_a_replayed_assertion_is_refused_in_any_process(phone, make_browser, db_url):  # type: ignore[no-untyped-def]
    # Each browser has an app instance of its own, as if each talked to another process.
    browser = make_browser()
    begin = begin_sign_in(browser)
    credential = phone.get(begin["publicKey"])
    other_process = make_browser()
    other_process.refresh_token("/login")
    assert finish_sign_in(other_process, begin["token"], credential).status_code == 200
    thief = make_browser()
    thief.refresh_token("/login")
    replayed = finish_sign_in(thief, begin["token"], credential)
    assert replayed.status_code == 422 and "already used" in replayed.json()["error"]
    assert thief.client.get("/diary", follow_redirects=False).status_code == 303
    assert failure_reasons(db_url) == ["challenge_unknown"]


def test_a_challenge_works_once_even_with_a_fresh_signature(phone, make_browser):  # type: ignore[no-untyped-def]
    browser = make_browser()
    begin = begin_sign_in(browser)
    assert finish_sign_in(browser, begin["token"], phone.get(begin["publicKey"])).status_code == 200
    again = finish_sign_in(browser, begin["token"], phone.get(begin["publicKey"]))
    assert again.status_code == 422


def test_a_failed_attempt_uses_up_its_challenge(phone, make_browser):  # type: ignore[no-untyped-def]
    browser = make_browser()
    begin = begin_sign_in(browser)
    assert finish_sign_in(browser, begin["token"], phone.get(begin["publicKey"], verified=False)).status_code == 422
    assert finish_sign_in(browser, begin["token"], phone.get(begin["publicKey"])).status_code == 422


def test_an_expired_challenge_is_refused(phone, make_browser, db_url):  # type: ignore[no-untyped-def]
    browser = make_browser()
    begin = begin_sign_in(browser)
    execute(db_url, update(AuthChallenge).values(expires_at=datetime.now(UTC) - timedelta(seconds=1)))
    late = finish_sign_in(browser, begin["token"], phone.get(begin["publicKey"]))
    assert late.status_code == 422 and "expired" in late.json()["error"]
    assert failure_reasons(db_url) == ["challenge_expired"]


def test_a_wrong_origin_is_refused(alice, phone, make_browser, db_url):  # type: ignore[no-untyped-def]
    assert add_passkey(alice, SoftAuthenticator(), origin="https://evil.example").status_code == 422
    refused = sign_in_with(make_browser(), phone, origin="https://evil.example")
    assert refused.status_code == 422
    assert failure_reasons(db_url) == ["wrong_origin"]


def test_a_counter_that_goes_backwards_is_refused_and_audited(phone, make_browser, db_url):  # type: ignore[no-untyped-def]
    assert sign_in_with(make_browser(), phone, counter=10).status_code == 200
    copied = sign_in_with(make_browser(), phone, counter=4)
    assert copied.status_code == 422 and "could not be trusted" in copied.json()["error"]
    [event] = query(db_url, select(AuditEvent).where(AuditEvent.action == "signin.failed"))
    assert event.detail["reason"] == "sign_count_not_increased" and event.actor_user_id is not None
    assert sign_in_with(make_browser(), phone, counter=11).status_code == 200


def test_an_unknown_passkey_and_bad_input_get_a_clear_answer_never_a_500(make_browser, world, db_url):  # type: ignore[no-untyped-def]
    browser = make_browser()
    begin = begin_sign_in(browser)
    stranger = SoftAuthenticator()
    unknown = finish_sign_in(browser, begin["token"], stranger.get(begin["publicKey"]))
    assert unknown.status_code == 422 and "not known here" in unknown.json()["error"]
    not_json = browser.api("POST", "/login/passkey/finish", content=b"{not json",
                           headers={"content-type": "application/json"})
    assert not_json.status_code == 400 and "error" in not_json.json()
    begin = begin_sign_in(browser)
    garbage = phone_garbage(stranger.get(begin["publicKey"]))
    for credential in garbage:
        answer = finish_sign_in(browser, begin["token"], credential)
        assert answer.status_code in (400, 422), answer.text
    assert set(failure_reasons(db_url)) >= {"credential_unknown", "malformed"}


def phone_garbage(good: dict[str, Any]) -> list[dict[str, Any]]:
    """Broken copies of an assertion: cut signature, nonsense base64, a missing response."""
    cut = json.loads(json.dumps(good))
    cut["response"]["signature"] = cut["response"]["signature"][:10]
    nonsense = json.loads(json.dumps(good))
    nonsense["response"]["authenticatorData"] = "!!!"
    return [cut, nonsense, {"id": good["id"]}, {"id": 5}]


def test_passkey_sign_in_failures_are_rate_limited_per_address(phone, settings, db_url, world):  # type: ignore[no-untyped-def]
    from litestar.testing import TestClient

    from server.app import create_app
    from tests.conftest import Browser

    strict = settings.with_(signin_address_limit=Limit(attempts=2, window=timedelta(minutes=15)))
    with TestClient(create_app(strict), base_url="http://testserver.local") as client:
        browser = Browser(client)
        for _ in range(2):
            assert sign_in_with(browser, phone, verified=False).status_code == 422
        blocked = sign_in_with(browser, phone)
        assert blocked.status_code == 429 and "Too many attempts" in blocked.json()["error"]
        assert int(blocked.headers["retry-after"]) > 0
    assert "signin.throttled" in actions(db_url)


def test_passkeys_are_off_outside_development_unless_an_origin_is_set(settings, world):  # type: ignore[no-untyped-def]
    from litestar.testing import TestClient

    from server.app import create_app
    from tests.conftest import Browser

    with TestClient(create_app(settings.with_(dev=False)), base_url="http://testserver.local") as client:
        browser = Browser(client)
        assert "Sign in with a passkey" not in browser.client.get("/login").text
        browser.refresh_token()
        assert browser.api("POST", "/login/passkey/begin").status_code == 404
    configured = settings.with_(dev=False, webauthn_origin="https://diary.example.org", webauthn_rp_id="example.org")
    with TestClient(create_app(configured), base_url="http://testserver.local") as client:
        browser = Browser(client)
        assert "Sign in with a passkey" in browser.client.get("/login").text
        browser.refresh_token()
        assert browser.api("POST", "/login/passkey/begin").json()["publicKey"]["rpId"] == "example.org"


@pytest.mark.parametrize(("env", "message"), [
    ({"DIARY_WEBAUTHN_ORIGIN": "http://diary.example.org"}, "https"),
    ({"DIARY_WEBAUTHN_ORIGIN": "https://diary.example.org/app"}, "DIARY_WEBAUTHN_ORIGIN"),
    ({"DIARY_WEBAUTHN_ORIGIN": "https://diary.example.org", "DIARY_WEBAUTHN_RP_ID": "other.org"}, "DIARY_WEBAUTHN_RP_ID"),
    ({"DIARY_WEBAUTHN_RP_ID": "example.org"}, "DIARY_WEBAUTHN_ORIGIN"),
])
def test_a_bad_passkey_setting_stops_the_start(env, message):  # type: ignore[no-untyped-def]
    with pytest.raises(SettingsError, match=message):
        Settings.from_env({"DIARY_SECRET_KEY": "s" * 40, "DIARY_PUBLIC_URL": "https://diary.example.org", **env})


def test_the_rp_id_defaults_to_the_origins_host():
    settings = Settings.from_env({"DIARY_SECRET_KEY": "s" * 40, "DIARY_PUBLIC_URL": "https://diary.example.org",
                                  "DIARY_WEBAUTHN_ORIGIN": "https://Diary.Example.org/"})
    assert (settings.webauthn_origin, settings.webauthn_rp_id) == ("https://Diary.Example.org", "diary.example.org")


# --- removing ---------------------------------------------------------------------------


def test_removing_a_passkey_stops_it_signing_in(alice, phone, make_browser, db_url):  # type: ignore[no-untyped-def]
    [stored] = query(db_url, select(Passkey))
    removed = alice.post(f"/account/passkeys/{stored.id}/remove")
    assert removed.url.path == "/account" and "passkey is removed" in removed.text
    assert query(db_url, select(func.count()).select_from(Passkey)) == [0]
    assert sign_in_with(make_browser(), phone).status_code == 422
    assert "passkey.removed" in actions(db_url)


def test_another_users_passkey_cannot_be_removed(phone, make_browser, world, db_url):  # type: ignore[no-untyped-def]
    [stored] = query(db_url, select(Passkey))
    bob = signed_in(make_browser, world, "bob")
    assert bob.post(f"/account/passkeys/{stored.id}/remove").status_code == 404
    assert bob.post("/account/passkeys/99999/remove").status_code == 404
    assert len(query(db_url, select(Passkey))) == 1


def test_removing_needs_csrf_and_adding_needs_a_session(alice, phone, make_browser, db_url):  # type: ignore[no-untyped-def]
    [stored] = query(db_url, select(Passkey))
    forged = alice.client.post(f"/account/passkeys/{stored.id}/remove", data={})
    assert forged.status_code == 403 and len(query(db_url, select(Passkey))) == 1
    anonymous = make_browser()
    anonymous.refresh_token()
    assert anonymous.api("POST", "/account/passkeys/register/begin", follow_redirects=False).status_code == 303


# --- recovery with a code from the clinic -------------------------------------------------


def recovery_code(make_browser, world) -> str:  # type: ignore[no-untyped-def]
    nurse = signed_in(make_browser, world, "nurse")
    page = nurse.client.get(f"/clinic/patients/{world.ids['alice_patient']}")
    assert "Issue a recovery code" in page.text
    letter = nurse.post(f"/clinic/patients/{world.ids['alice_patient']}/codes")
    assert "recovery code" in letter.text
    return BeautifulSoup(letter.text, "html.parser").select_one("#enrolment-code").get_text()


def enrol(browser, code: str, email: str, password: str):  # type: ignore[no-untyped-def]
    browser.refresh_token("/enrol")
    return browser.client.post("/enrol", data={"code": code, "email": email, "password": password,
                                               "password_again": password, "_csrf_token": browser.token})


def test_a_recovery_code_sets_a_new_password_and_ends_sessions_and_passkeys(alice, phone, make_browser, world, db_url):  # type: ignore[no-untyped-def]
    code = recovery_code(make_browser, world)
    new_password = "a new walk by the river"
    back = enrol(make_browser(), code, world.emails["alice"].upper(), new_password)
    assert back.url.path == "/diary", back.text
    assert alice.client.get("/diary", follow_redirects=False).status_code == 303  # the old session is gone
    assert query(db_url, select(Passkey)) == []
    assert sign_in_with(make_browser(), phone).status_code == 422
    assert make_browser().sign_in(world.emails["alice"], PASSWORD).status_code == 401
    assert make_browser().sign_in(world.emails["alice"], new_password).url.path == "/diary"
    assert {"account.recovered", "enrolment.code_used"} <= set(actions(db_url))
    assert enrol(make_browser(), code, world.emails["alice"], "yet another long password").status_code == 422


def test_a_recovery_code_with_another_email_changes_nothing(alice, phone, make_browser, world, db_url):  # type: ignore[no-untyped-def]
    code = recovery_code(make_browser, world)
    wrong = enrol(make_browser(), code, "someone@else.example", "a new walk by the river")
    assert wrong.status_code == 422 and "not the email of your account" in wrong.text
    assert alice.client.get("/diary", follow_redirects=False).status_code == 200
    assert len(query(db_url, select(Passkey))) == 1
    assert make_browser().sign_in(world.emails["alice"], PASSWORD).url.path == "/diary"
    assert "account.recovered" not in actions(db_url)
    assert enrol(make_browser(), code, world.emails["alice"], "a new walk by the river").url.path == "/diary"
