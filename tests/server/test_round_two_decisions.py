"""What the penetration test left to decide, decided and tested (SECURITY.md says why):

- absolute links come from DIARY_PUBLIC_URL, and other hosts are refused outside development;
- the patient's own weekly PDF leaves out the clinicians' notes and their names;
- single-use codes are stored as HMAC-SHA256 with a key from the secret key;
- a member of staff refused a record by id leaves a row in their clinic's audit log, and the
  rows no clinic owns (failed sign-ins for unknown emails) are the operator's: ``diary audit-log``;
- DIARY_SECURE_COOKIES=false is refused outside development;
- invitations answer the same whether or not the email has an account (account enumeration);
- the product's own words, the email and near-constant strings are refused as passwords.
"""

from __future__ import annotations

import hashlib
import io
import re
import uuid
from datetime import timedelta

import pytest
from bs4 import BeautifulSoup
from litestar.testing import TestClient
from pypdf import PdfReader
from sqlalchemy import select, update

from diary import accounts, codes, exports
from diary.models import AuditEvent, EnrolmentCode, Flag, FlagEvent, StaffInvite
from server import cli
from server.app import create_app
from server.settings import Settings, SettingsError
from tests.conftest import PASSWORD, Browser, run_db, signed_in
from tests.server.test_exports import NOW, clinic_a, diary_weeks, last_week, with_sessions  # noqa: F401

PUBLIC = "https://diary.example.org"


def query(db_url: str, statement):  # type: ignore[no-untyped-def]
    async def work(db):  # type: ignore[no-untyped-def]
        return list((await db.execute(statement)).scalars())
    return run_db(db_url, work)


def letter_code(html: str) -> str:
    return BeautifulSoup(html, "html.parser").select_one("#enrolment-code").get_text()


# --- links and hosts ------------------------------------------------------------------------


def test_letters_link_to_the_public_url_whatever_host_the_request_named(settings, world):  # type: ignore[no-untyped-def]
    with TestClient(create_app(settings.with_(public_url=PUBLIC)), base_url="http://evil.example") as client:
        nurse = Browser(client)
        nurse.sign_in(world.emails["nurse"])
        letter = nurse.post("/clinic/patients", {"name": "Lena Link", "clinic_number": "L-1"}).text
        assert f"{PUBLIC}/enrol" in letter and letter_code(letter)  # the QR code encodes the same address
        assert "evil.example" not in letter
        admin = Browser(client)
        client.cookies.clear()
        admin.sign_in(world.emails["admin"])
        invited = admin.post("/clinic/staff/invite", {"email": "new@test.example", "display_name": "N",
                                                      "role": "clinician"}).text
        assert f"{PUBLIC}/join?code=" in invited and "evil.example" not in invited


def test_outside_development_other_hosts_are_refused(settings, world):  # type: ignore[no-untyped-def]
    production = settings.with_(dev=False, public_url=PUBLIC)
    with TestClient(create_app(production), base_url="http://evil.example") as client:
        assert client.get("/login").status_code == 400
        assert client.get("/healthz").status_code == 200  # a load balancer asks by address
    with TestClient(create_app(production), base_url="http://diary.example.org") as client:
        assert client.get("/login").status_code == 200


@pytest.mark.parametrize(("env", "message"), [
    ({}, "DIARY_PUBLIC_URL must be set"),
    ({"DIARY_PUBLIC_URL": "http://diary.example.org"}, "https"),
    ({"DIARY_PUBLIC_URL": "https://diary.example.org/app"}, "DIARY_PUBLIC_URL"),
    ({"DIARY_PUBLIC_URL": PUBLIC, "DIARY_SECURE_COOKIES": "false"}, "DIARY_SECURE_COOKIES=false is refused"),
    ({"DIARY_PUBLIC_URL": PUBLIC, "DIARY_TRUSTED_PROXIES": "10.0.0.1,proxy.local"}, "DIARY_TRUSTED_PROXIES"),
    ({"DIARY_PUBLIC_URL": PUBLIC, "DIARY_CLIENT_TIMEOUT_S": "0"}, "DIARY_CLIENT_TIMEOUT_S"),
    ({"DIARY_PUBLIC_URL": PUBLIC, "DIARY_SQLITE_MAX_MB": "lots"}, "DIARY_SQLITE_MAX_MB"),
])
def test_production_settings_that_would_weaken_the_site_stop_the_start(env, message):  # type: ignore[no-untyped-def]
    with pytest.raises(SettingsError, match=message):
        Settings.from_env({"DIARY_SECRET_KEY": "s" * 40, **env})


def test_the_new_settings_are_read_once_from_the_environment():
    settings = Settings.from_env({"DIARY_SECRET_KEY": "s" * 40, "DIARY_PUBLIC_URL": PUBLIC + "/",
                                  "DIARY_TRUSTED_PROXIES": "127.0.0.1, 10.0.0.0/8", "DIARY_CLIENT_TIMEOUT_S": "2.5",
                                  "DIARY_SQLITE_MAX_MB": "64"})
    assert settings.public_url == PUBLIC and settings.trusted_proxies == ("127.0.0.1", "10.0.0.0/8")
    assert settings.client_timeout == timedelta(seconds=2.5) and settings.sqlite_max_bytes == 64 * 1024 * 1024
    assert "s" * 40 not in repr(settings)  # the secret key stays out of any log of the settings
    development = Settings.from_env({"DIARY_DEV": "true", "DIARY_SECURE_COOKIES": "false"})
    assert development.public_url == "" and not development.secure_cookies


# --- the patient's own weekly PDF --------------------------------------------------------------


def test_the_patients_own_pdf_leaves_out_the_clinicians_notes(db_url, world, diary_weeks, make_browser,  # noqa: F811
                                                              settings):  # type: ignore[no-untyped-def]
    clinic, week = clinic_a(db_url, world), last_week()

    async def note(db):  # type: ignore[no-untyped-def]
        flag = Flag(patient_id=world.ids["alice_patient"], rule="rest_pain", rule_version="1", severity="urgent",
                    message="Rest pain reported.", raised_at=week.start + timedelta(days=1),
                    updated_at=week.start + timedelta(days=1))
        db.add(flag)
        await db.flush()
        db.add(FlagEvent(flag_id=flag.id, at=week.start + timedelta(days=2), action="noted",
                         by_user_id=world.ids["nurse"], severity="urgent", status="open",
                         note="Internal: query compliance, discuss at MDT"))
    run_db(db_url, note)
    with_sessions(db_url, lambda s: exports.run_export(s, settings.data_dir, clinic, week, NOW, "w"))
    nurse = signed_in(make_browser, world, "nurse")
    clinic_copy = pdf_text(nurse.client.get(f"/clinic/exports/{week.label}/pdf").content)
    assert "discuss at MDT" in clinic_copy  # the clinic's copy keeps them
    alice = signed_in(make_browser, world, "alice")
    own = pdf_text(alice.client.get(f"/diary/reports/{week.label}.pdf").content)
    assert "Alice" in own and week.label in own
    assert "discuss at MDT" not in own and "nurse@test.example" not in own and "Clinician notes" not in own


def pdf_text(data: bytes) -> str:
    return " ".join(re.sub(r"\s+", " ", page.extract_text()) for page in PdfReader(io.BytesIO(data)).pages)


# --- codes ------------------------------------------------------------------------------------


def test_codes_are_stored_keyed_and_a_code_from_before_still_works(make_browser, world, db_url):  # type: ignore[no-untyped-def]
    nurse = signed_in(make_browser, world, "nurse")
    code = letter_code(nurse.post("/clinic/patients", {"name": "Kay Keyed", "clinic_number": "K-1"}).text)
    [stored] = query(db_url, select(EnrolmentCode.code_hash).where(EnrolmentCode.used_at.is_(None)))
    plain = hashlib.sha256(codes.normalise_code(code).encode()).hexdigest()
    assert stored.startswith("hmac-sha256:") and plain not in stored
    # A code issued before migration 0009 (its plain hash marked sha256:) is still accepted.
    old = letter_code(nurse.post("/clinic/patients", {"name": "Olly Older", "clinic_number": "K-2"}).text)

    async def as_before(db):  # type: ignore[no-untyped-def]
        legacy = "sha256:" + hashlib.sha256(codes.normalise_code(old).encode()).hexdigest()
        await db.execute(update(EnrolmentCode).where(EnrolmentCode.code_hash == codes.code_hash(db, old))
                         .values(code_hash=legacy))
    run_db(db_url, as_before)
    joiner = make_browser()
    joiner.refresh_token("/enrol")
    done = joiner.post("/enrol", {"code": old, "email": "olly@test.example", "password": PASSWORD,
                                  "password_again": PASSWORD})
    assert done.url.path == "/diary", done.text


# --- who sees what was refused -------------------------------------------------------------------


def test_a_staff_request_for_another_clinics_patient_is_audited_in_their_own_clinic(make_browser, world, db_url):  # type: ignore[no-untyped-def]
    stranger = signed_in(make_browser, world, "stranger")
    assert stranger.client.get(f"/clinic/patients/{world.ids['alice_patient']}").status_code == 404
    [event] = query(db_url, select(AuditEvent).where(AuditEvent.action == "access.not_found"))
    assert event.actor_user_id == world.ids["stranger"] and event.clinic_id == world.ids["clinic_b"]
    assert event.detail["ids"] == {"patient_id": str(world.ids["alice_patient"])}
    assert event.patient_id is None  # Clinic A's patient is not named in Clinic B's log


def test_the_operator_sees_failed_sign_ins_for_unknown_emails(browser, world, db_url, monkeypatch, capsys):  # type: ignore[no-untyped-def]
    browser.sign_in("nobody-here@test.example", "a wrong password")
    monkeypatch.setenv("DIARY_DEV", "true")
    monkeypatch.setenv("DIARY_DATABASE_URL", db_url)
    assert cli.main(["audit-log", "--days", "1"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0] == "at_utc,action,address,detail" and "signin.failed" in out
    assert "nobody-here" not in out  # an unknown email is never written down


# --- invitations and passwords ---------------------------------------------------------------------


def invite(admin, email: str):  # type: ignore[no-untyped-def]
    admin.refresh_token("/clinic/staff")
    return admin.post("/clinic/staff/invite", {"email": email, "display_name": "Someone", "role": "clinician"})


def test_an_invitation_answers_the_same_whether_or_not_the_email_has_an_account(make_browser, world, db_url):  # type: ignore[no-untyped-def]
    async def admin_b(db):  # type: ignore[no-untyped-def]
        clinic = await accounts.get_or_create_clinic(db, "Clinic B")
        from diary.models import Role
        await accounts.create_user(db, clinic=clinic, role=Role.admin, email="boss-b@test.example",
                                   password=PASSWORD, now=NOW)
    run_db(db_url, admin_b)
    boss = make_browser()
    boss.sign_in("boss-b@test.example")
    taken, fresh = invite(boss, world.emails["alice"]), invite(boss, f"fresh-{uuid.uuid4().hex[:6]}@test.example")
    assert taken.status_code == fresh.status_code == 200
    assert "already" not in taken.text and "join?code=" in taken.text and "join?code=" in fresh.text
    # The invitation to Alice's email cannot be used: said as for any unusable invitation.
    code = re.search(r"join\?code=([A-Z0-9-]+)", taken.text).group(1)
    joiner = make_browser()
    joiner.refresh_token("/join")
    refused = joiner.post("/join", {"code": code, "password": PASSWORD, "password_again": PASSWORD})
    unknown = joiner.post("/join", {"code": "ZZZZZ-ZZZZZ", "password": PASSWORD, "password_again": PASSWORD})
    said = [BeautifulSoup(r.text, "html.parser").select_one("#code-error").get_text() for r in (refused, unknown)]
    assert refused.status_code == unknown.status_code == 422 and said[0] == said[1]
    reasons = {e.detail["reason"]: e.clinic_id for e in query(db_url, select(AuditEvent).where(
        AuditEvent.action == "staff.join_refused"))}
    assert reasons == {"email_in_use": None, "unknown": None}  # the operator's rows, no clinic's
    # A colleague the admin already sees on the staff page is named as such.
    own = signed_in(make_browser, world, "admin")
    assert "already on your clinic" in invite(own, world.emails["nurse"]).text
    assert len(query(db_url, select(StaffInvite))) == 2


@pytest.mark.parametrize("password", ["walkingdiary", "claudication", " " * 8, "Walking Diary 1",
                                      "alice@test.example", "alice-test-example", "zzzzzzzzzz", "abababab"])
def test_the_products_words_the_email_and_near_constant_passwords_are_refused(password: str) -> None:
    with pytest.raises(accounts.AccountError, match="too"):
        accounts.check_password_rules(password, "alice@test.example")


def test_such_a_password_is_refused_on_the_page_too(make_browser, world):  # type: ignore[no-untyped-def]
    alice = signed_in(make_browser, world, "alice")
    alice.refresh_token("/account")
    for password in ("walkingdiary", " " * 8):
        refused = alice.post("/account/password", {"current_password": PASSWORD, "password": password,
                                                   "password_again": password})
        said = BeautifulSoup(refused.text, "html.parser").select_one("#password-error").get_text()
        assert refused.status_code == 422 and "too easy to guess" in said
    assert make_browser().sign_in(world.emails["alice"]).url.path == "/diary"  # the password did not change
