"""A patient's own data: the download, and deletion asked for by the patient and decided by an admin.

Test users (tests/conftest.py): ``alice`` and ``bob``, patients of Clinic A; ``nurse``, a
clinician of Clinic A; ``admin``, Clinic A's admin; ``stranger``, a clinician of Clinic B.
``admin_b`` (made here) is Clinic B's admin: Alice's request is none of their business.
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import func, select

from diary import accounts, patient_data
from diary.entries import parse_document
from diary.models import (
    AuditEvent, AuthSession, Clinic, EntryRevision, EntryRow, ErasureRequest, Flag, Patient, PatientSummary, Role,
    User,
)
from tests.conftest import PASSWORD, run_db, signed_in

NOW = datetime.now(UTC)
BOTH_DATABASES = pytest.mark.parametrize(
    "backend", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True)


def walk(hours_ago: float = 2, **overrides):  # type: ignore[no-untyped-def]
    body = {"type": "walk", "id": str(uuid.uuid4()), "walked_at": (NOW - timedelta(hours=hours_ago)).isoformat(),
            "distance_m": 400, "pain_onset_m": 250, "stopped_by_pain": True, "relief": "stood_still"}
    body.update(overrides)
    return body


def put(browser, body) -> None:  # type: ignore[no-untyped-def]
    assert browser.api("PUT", f"/api/v1/entries/{body['id']}", json=body).status_code in (200, 201)


def count(db_url: str, model, *where) -> int:  # type: ignore[no-untyped-def]
    async def read(db):  # type: ignore[no-untyped-def]
        return (await db.execute(select(func.count()).select_from(model).where(*where))).scalar_one()
    return run_db(db_url, read)


def get(db_url: str, model, key):  # type: ignore[no-untyped-def]
    async def read(db):  # type: ignore[no-untyped-def]
        return await db.get(model, key)
    return run_db(db_url, read)


def actions(db_url: str, prefix: str) -> list[AuditEvent]:
    async def read(db):  # type: ignore[no-untyped-def]
        query = select(AuditEvent).where(AuditEvent.action.startswith(prefix)).order_by(AuditEvent.id)
        return list((await db.execute(query)).scalars())
    return run_db(db_url, read)


@pytest.fixture
def alice(make_browser, world):  # type: ignore[no-untyped-def]
    return signed_in(make_browser, world, "alice")


@pytest.fixture
def admin(make_browser, world):  # type: ignore[no-untyped-def]
    return signed_in(make_browser, world, "admin")


@pytest.fixture
def admin_b(make_browser, world, db_url):  # type: ignore[no-untyped-def]
    async def make(db):  # type: ignore[no-untyped-def]
        clinic = await db.get(Clinic, world.ids["clinic_b"])
        return (await accounts.create_user(db, clinic=clinic, role=Role.admin, email="admin-b@test.example",
                                           password=PASSWORD, now=NOW)).email
    world.emails["admin_b"] = run_db(db_url, make)
    return signed_in(make_browser, world, "admin_b")


# --- the download ---------------------------------------------------------------------


def test_the_download_is_the_interchange_format_with_exactly_the_patients_entries(alice, make_browser, world,
                                                                                  db_url):  # type: ignore[no-untyped-def]
    mine = [walk(hours_ago=h) for h in (30, 20, 10)]
    mine.append({"type": "check_in", "id": str(uuid.uuid4()), "recorded_at": NOW.isoformat(), "rest_pain": True})
    for body in mine:
        put(alice, body)
    bob = signed_in(make_browser, world, "bob")
    put(bob, walk(note="Bob's walk"))

    response = alice.client.get("/diary/my-data.json")
    assert response.status_code == 200
    assert response.headers["content-disposition"].startswith("attachment;")
    assert response.headers["cache-control"] == "no-store"
    entries = parse_document(response.content)
    assert [str(e.id) for e in entries] == [b["id"] for b in mine]  # oldest first, and only hers
    document = json.loads(response.content)
    assert document["patient"]["name"] == "Alice" and document["patient"]["clinic_number"] == "A-0"
    assert document["patient"]["email"] == "alice@test.example"
    assert "Bob" not in response.text

    [event] = actions(db_url, "data.downloaded")
    assert (event.actor_user_id, event.clinic_id, event.patient_id, event.address) == (
        world.ids["alice"], world.ids["clinic_a"], world.ids["alice_patient"], "testclient")


@BOTH_DATABASES
def test_a_long_history_comes_a_page_at_a_time_without_losing_or_repeating_entries(alice, monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setattr(patient_data, "PAGE", 3)
    same_time = (NOW - timedelta(hours=5)).isoformat()
    bodies = [walk(walked_at=same_time) for _ in range(4)] + [walk(hours_ago=h) for h in (9, 8, 1)]
    for body in bodies:
        put(alice, body)
    entries = parse_document(alice.client.get("/diary/my-data.json").content)
    assert sorted(str(e.id) for e in entries) == sorted(b["id"] for b in bodies)
    assert len(entries) == 7


def test_a_patient_with_no_entries_downloads_an_empty_list(alice):  # type: ignore[no-untyped-def]
    assert parse_document(alice.client.get("/diary/my-data.json").content) == []


def test_staff_have_no_diary_to_download(make_browser, world):  # type: ignore[no-untyped-def]
    assert signed_in(make_browser, world, "nurse").client.get("/diary/my-data.json").status_code == 404


def test_the_account_page_offers_the_data_to_patients_only(alice, admin):  # type: ignore[no-untyped-def]
    page = BeautifulSoup(alice.client.get("/account").text, "html.parser")
    assert page.select_one('a[href="/diary/my-data.json"]') is not None
    assert page.select_one('#my-data[hx-get="/account/my-data"]') is not None
    staff_page = BeautifulSoup(admin.client.get("/account").text, "html.parser")
    assert staff_page.select_one('a[href="/diary/my-data.json"]') is None and staff_page.select_one("#my-data") is None
    assert admin.client.get("/account/my-data").status_code == 404


# --- asking for deletion ----------------------------------------------------------------


def ask(alice) -> None:  # type: ignore[no-untyped-def]
    response = alice.post("/account/my-data/erase")
    assert response.status_code in (200, 303)


def pending_id(db_url: str) -> int:
    async def read(db):  # type: ignore[no-untyped-def]
        return (await db.execute(select(ErasureRequest.id).where(ErasureRequest.status == "pending"))).scalar_one()
    return run_db(db_url, read)


def test_a_patient_asks_once_sees_the_request_and_may_cancel_it(alice, admin, world, db_url):  # type: ignore[no-untyped-def]
    fragment = alice.client.get("/account/my-data", headers={"HX-Request": "true"})
    assert "Ask for my data to be deleted" in fragment.text and "<html" not in fragment.text
    assert "weekly summaries already sent to your clinic" in fragment.text  # what the clinic keeps
    ask(alice)
    ask(alice)  # a second click changes nothing
    assert count(db_url, ErasureRequest) == 1
    assert "You asked on" in alice.client.get("/account/my-data").text
    [event] = actions(db_url, "erasure.requested")
    assert (event.actor_user_id, event.clinic_id, event.patient_id, event.address) == (
        world.ids["alice"], world.ids["clinic_a"], world.ids["alice_patient"], "testclient")

    assert alice.post("/account/my-data/erase/cancel").status_code in (200, 303)
    assert count(db_url, ErasureRequest, ErasureRequest.status == "cancelled") == 1
    assert "You asked on" not in alice.client.get("/account/my-data").text
    assert "Alice" not in admin.client.get("/clinic/erasure-requests").text
    [cancelled] = actions(db_url, "erasure.cancelled")
    assert (cancelled.actor_user_id, cancelled.patient_id) == (world.ids["alice"], world.ids["alice_patient"])


@BOTH_DATABASES
def test_confirming_erases_the_patient_and_keeps_the_audit_log(alice, admin, make_browser, world, db_url):  # type: ignore[no-untyped-def]
    body = walk()
    put(alice, body)
    put(alice, {**body, "distance_m": 350})  # an edit: a revision is kept
    put(alice, {"type": "check_in", "id": str(uuid.uuid4()), "recorded_at": NOW.isoformat(), "wound": True,
                "wound_days": 3})  # an urgent flag: Alice is in the queue
    nurse = signed_in(make_browser, world, "nurse")
    assert "Alice" in nurse.client.get("/clinic").text
    nurse.client.get(f"/clinic/patients/{world.ids['alice_patient']}")
    ask(alice)
    audit_before = count(db_url, AuditEvent)

    listing = admin.client.get("/clinic/erasure-requests")
    assert "Alice" in listing.text and "A-0" in listing.text
    request_id = pending_id(db_url)
    wrong = admin.post(f"/clinic/erasure-requests/{request_id}/confirm", {"clinic_number": "A-1"})
    assert wrong.status_code == 422 and "exactly" in wrong.text
    assert count(db_url, EntryRow) == 2
    done = admin.post(f"/clinic/erasure-requests/{request_id}/confirm", {"clinic_number": "A-0"})
    assert done.status_code in (200, 303)

    patient_id, user_id = world.ids["alice_patient"], world.ids["alice"]
    for model, where in ((EntryRow, EntryRow.patient_id == patient_id),
                         (EntryRevision, EntryRevision.patient_id == patient_id),
                         (Flag, Flag.patient_id == patient_id), (PatientSummary, PatientSummary.patient_id == patient_id),
                         (AuthSession, AuthSession.user_id == user_id)):
        assert count(db_url, model, where) == 0, model.__name__
    patient, user = get(db_url, Patient, patient_id), get(db_url, User, user_id)
    assert (patient.name, patient.clinic_number, patient.erased_at is not None) == (
        "Erased patient", f"erased-{patient_id}", True)
    assert (user.email, user.is_active, user.password_hash) == (f"erased-{user_id}@erased.invalid", False, "!")

    assert count(db_url, AuditEvent) == audit_before + 1  # every earlier row kept, one more added
    assert len(actions(db_url, "patient.viewed")) == 1
    [confirmed] = actions(db_url, "erasure.confirmed")
    assert (confirmed.actor_user_id, confirmed.clinic_id, confirmed.patient_id, confirmed.address) == (
        world.ids["admin"], world.ids["clinic_a"], patient_id, "testclient")
    assert confirmed.detail["deleted"]["entries"] == 2

    assert alice.client.get("/diary", follow_redirects=False).status_code == 303  # signed out
    assert make_browser().sign_in("alice@test.example").status_code not in (200, 303)
    queue = nurse.client.get("/clinic").text
    assert "Alice" not in queue and "Erased patient" not in queue
    assert nurse.client.get(f"/clinic/patients/{patient_id}").status_code == 404
    assert "Bob" in queue  # the others are untouched


def test_declining_needs_a_reason_the_patient_then_reads(alice, admin, world, db_url):  # type: ignore[no-untyped-def]
    put(alice, walk())
    ask(alice)
    request_id = pending_id(db_url)
    empty = admin.post(f"/clinic/erasure-requests/{request_id}/decline", {"reason": "  "})
    assert empty.status_code == 422
    reason = "We must keep your diary while your treatment goes on."
    assert admin.post(f"/clinic/erasure-requests/{request_id}/decline", {"reason": reason}).status_code in (200, 303)
    assert count(db_url, ErasureRequest, ErasureRequest.status == "declined") == 1
    assert count(db_url, EntryRow) == 1
    assert reason.replace("'", "&#39;") in alice.client.get("/account/my-data").text
    [declined] = actions(db_url, "erasure.declined")
    assert (declined.actor_user_id, declined.patient_id, declined.address) == (
        world.ids["admin"], world.ids["alice_patient"], "testclient")
    assert reason not in json.dumps(declined.detail)  # kept on the request, not in the log forever


def test_no_one_else_sees_or_decides_the_request(alice, admin_b, make_browser, world, db_url):  # type: ignore[no-untyped-def]
    put(alice, walk())
    ask(alice)
    request_id = pending_id(db_url)
    assert "Alice" not in admin_b.client.get("/clinic/erasure-requests").text
    nurse = signed_in(make_browser, world, "nurse")
    stranger = signed_in(make_browser, world, "stranger")
    for person in (admin_b, nurse, stranger):
        for action, data in (("confirm", {"clinic_number": "A-0"}), ("decline", {"reason": "no"})):
            assert person.post(f"/clinic/erasure-requests/{request_id}/{action}", data).status_code == 404
    assert nurse.client.get("/clinic/erasure-requests").status_code == 404
    assert alice.post(f"/clinic/erasure-requests/{request_id}/confirm", {"clinic_number": "A-0"}).status_code == 404
    assert count(db_url, ErasureRequest, ErasureRequest.status == "pending") == 1
    assert count(db_url, EntryRow) == 1


def test_a_decided_request_cannot_be_decided_again(alice, admin, world, db_url):  # type: ignore[no-untyped-def]
    ask(alice)
    request_id = pending_id(db_url)
    admin.post(f"/clinic/erasure-requests/{request_id}/decline", {"reason": "Still in treatment."})
    again = admin.post(f"/clinic/erasure-requests/{request_id}/confirm", {"clinic_number": "A-0"})
    assert again.status_code == 404
    assert get(db_url, Patient, world.ids["alice_patient"]).erased_at is None


def test_an_erased_patient_is_left_out_of_future_exports(alice, admin, world, db_url, tmp_path):  # type: ignore[no-untyped-def]
    import asyncio

    from diary import exports
    from diary.db import make_engine, make_sessionmaker, transaction
    from diary.weekly import Week

    ask(alice)
    admin.post(f"/clinic/erasure-requests/{pending_id(db_url)}/confirm", {"clinic_number": "A-0"})

    async def ids():  # type: ignore[no-untyped-def]
        engine = make_engine(db_url)
        sessions = make_sessionmaker(engine)
        try:
            async with transaction(sessions) as db:
                clinic = await db.get(Clinic, world.ids["clinic_a"])
            return await exports.patient_ids(sessions, clinic, Week.containing(NOW, clinic.timezone))
        finally:
            await engine.dispose()
    assert asyncio.run(ids()) == [world.ids["bob_patient"]]
