"""The audit log: entry edits and deletes keep the previous values, exports are audited,
the log refuses changes in the database, and admins browse and export their own clinic's log.

Test users (tests/conftest.py): ``alice`` and ``bob``, patients of Clinic A; ``nurse``, a
clinician of Clinic A; ``admin``, Clinic A's admin; ``stranger``, a clinician of Clinic B.
``admin_b`` (made here) is Clinic B's admin and must see nothing of Clinic A.
"""

from __future__ import annotations

import csv
import io
import json
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import select, text

from diary import accounts, audit, exports
from diary.models import AuditEvent, Clinic, EntryRevision, Role, User
from diary.weekly import Week
from tests.conftest import PASSWORD, run_db, signed_in

NOW = datetime.now(UTC)


BOTH_DATABASES = pytest.mark.parametrize(
    "backend", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True)


def walk(**overrides):  # type: ignore[no-untyped-def]
    body = {"type": "walk", "id": str(uuid.uuid4()), "walked_at": (NOW - timedelta(hours=2)).isoformat(),
            "distance_m": 420, "pain_onset_m": 250, "stopped_by_pain": True, "relief": "stood_still",
            "note": "round the park"}
    body.update(overrides)
    return body


def events(db_url: str, action: str) -> list[AuditEvent]:
    async def read(db):  # type: ignore[no-untyped-def]
        query = select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
        return list((await db.execute(query)).scalars())
    return run_db(db_url, read)


def only_event(db_url: str, action: str) -> AuditEvent:
    found = events(db_url, action)
    assert len(found) == 1, f"{len(found)} rows of {action}"
    return found[0]


def add_events(db_url: str, rows: list[dict]) -> None:  # type: ignore[type-arg]
    async def write(db):  # type: ignore[no-untyped-def]
        for row in rows:
            actor = await db.get(User, row.pop("actor")) if "actor" in row else None
            await audit.record(db, actor=actor, **row)
    run_db(db_url, write)


def table_rows(response) -> list[list[str]]:  # type: ignore[no-untyped-def]
    rows = BeautifulSoup(response.text, "html.parser").select("#audit-rows tbody tr")
    return [[td.get_text(" ", strip=True) for td in row.find_all("td")] for row in rows
            if "Nothing in the log" not in row.get_text()]


@pytest.fixture
def admin_b(db_url, world):  # type: ignore[no-untyped-def]
    async def make(db):  # type: ignore[no-untyped-def]
        clinic = await db.get(Clinic, world.ids["clinic_b"])
        user = await accounts.create_user(db, clinic=clinic, role=Role.admin, email="admin-b@test.example",
                                          password=PASSWORD, now=NOW)
        return user.email
    world.emails["admin_b"] = run_db(db_url, make)
    return world


# --- entry edits and deletes ------------------------------------------------------------


def test_an_edit_keeps_the_previous_values_and_audits_it_without_health_values(make_browser, world, db_url):  # type: ignore[no-untyped-def]
    alice = signed_in(make_browser, world, "alice")
    body = walk()
    assert alice.api("PUT", f"/api/v1/entries/{body['id']}", json=body).status_code == 201
    assert alice.api("PUT", f"/api/v1/entries/{body['id']}", json=body).status_code == 200  # a replay: no edit
    assert events(db_url, "entry.edited") == []
    changed = alice.api("PUT", f"/api/v1/entries/{body['id']}", json={**body, "distance_m": 600, "note": "hill"})
    assert changed.status_code == 200

    event = only_event(db_url, "entry.edited")
    assert (event.actor_user_id, event.clinic_id, event.patient_id, event.address) == (
        world.ids["alice"], world.ids["clinic_a"], world.ids["alice_patient"], "testclient")
    assert event.detail == {"entry_id": body["id"], "kind": "walk"}  # no distance, no note

    async def revisions(db):  # type: ignore[no-untyped-def]
        return list((await db.execute(select(EntryRevision))).scalars())
    [revision] = run_db(db_url, revisions)
    assert (revision.action, str(revision.entry_id), revision.by_user_id) == ("edited", body["id"], world.ids["alice"])
    assert revision.previous["distance_m"] == 420 and revision.previous["note"] == "round the park"
    assert alice.api("GET", f"/api/v1/entries/{body['id']}").json()["distance_m"] == 600


def test_a_delete_from_the_diary_page_keeps_the_deleted_entry(make_browser, world, db_url):  # type: ignore[no-untyped-def]
    alice = signed_in(make_browser, world, "alice")
    body = walk(distance_m=310, pain_onset_m=100)
    alice.api("PUT", f"/api/v1/entries/{body['id']}", json=body)
    assert alice.post(f"/diary/entries/{body['id']}/delete").status_code in (200, 303)
    assert alice.api("GET", f"/api/v1/entries/{body['id']}").status_code == 410  # gone, and stays so

    event = only_event(db_url, "entry.deleted")
    assert (event.actor_user_id, event.clinic_id, event.patient_id, event.address) == (
        world.ids["alice"], world.ids["clinic_a"], world.ids["alice_patient"], "testclient")
    assert event.detail == {"entry_id": body["id"], "kind": "walk"}

    async def revision(db):  # type: ignore[no-untyped-def]
        return (await db.execute(select(EntryRevision))).scalar_one()
    kept = run_db(db_url, revision)
    assert kept.action == "deleted" and kept.previous["distance_m"] == 310 and kept.previous["id"] == body["id"]


def test_deleting_another_patients_entry_keeps_and_audits_nothing(make_browser, world, db_url):  # type: ignore[no-untyped-def]
    alice, bob = signed_in(make_browser, world, "alice"), signed_in(make_browser, world, "bob")
    body = walk()
    alice.api("PUT", f"/api/v1/entries/{body['id']}", json=body)
    assert bob.api("DELETE", f"/api/v1/entries/{body['id']}").status_code == 404
    assert events(db_url, "entry.deleted") == []


# --- the log refuses changes ------------------------------------------------------------


@BOTH_DATABASES
@pytest.mark.parametrize("statement", ["UPDATE audit_event SET action = 'nothing'", "DELETE FROM audit_event"])
def test_the_database_refuses_to_change_or_delete_audit_rows(db_url, world, statement):  # type: ignore[no-untyped-def]
    add_events(db_url, [{"action": "patient.viewed", "now": NOW, "actor": world.ids["nurse"],
                         "patient_id": world.ids["alice_patient"]}])

    async def tamper(db):  # type: ignore[no-untyped-def]
        await db.execute(text(statement))
    with pytest.raises(Exception, match="append-only"):
        run_db(db_url, tamper)
    assert only_event(db_url, "patient.viewed").actor_user_id == world.ids["nurse"]


# --- weekly exports ---------------------------------------------------------------------


def clinic_a(db_url: str, world) -> Clinic:  # type: ignore[no-untyped-def]
    async def get(db):  # type: ignore[no-untyped-def]
        return await db.get(Clinic, world.ids["clinic_a"])
    return run_db(db_url, get)


def render(db_url: str, clinic: Clinic, out: Path):  # type: ignore[no-untyped-def]
    import asyncio

    from diary.db import make_engine, make_sessionmaker

    async def go():  # type: ignore[no-untyped-def]
        engine = make_engine(db_url)
        try:
            week = Week.containing(NOW, clinic.timezone)
            return await exports.render(make_sessionmaker(engine), clinic, week, ("csv",), out, NOW)
        finally:
            await engine.dispose()
    return asyncio.run(go())


def test_each_export_generated_is_audited(db_url, world, tmp_path):  # type: ignore[no-untyped-def]
    clinic = clinic_a(db_url, world)
    files, count = render(db_url, clinic, tmp_path)
    event = only_event(db_url, "export.generated")
    assert event.clinic_id == world.ids["clinic_a"] and event.actor_user_id is None
    assert event.detail["week"] == Week.containing(NOW, clinic.timezone).label
    assert event.detail["formats"] == ["csv"] and event.detail["patients"] == count == 2
    assert event.detail["source"] == "command"


def test_a_failed_export_is_audited_with_the_error_type_only(db_url, world, tmp_path, monkeypatch):  # type: ignore[no-untyped-def]
    async def broken(*_args):  # type: ignore[no-untyped-def]
        raise RuntimeError("walked 420 m on 2026-11-20")
    monkeypatch.setattr(exports, "load_week", broken)
    with pytest.raises(RuntimeError):
        render(db_url, clinic_a(db_url, world), tmp_path)
    event = only_event(db_url, "export.failed")
    assert event.clinic_id == world.ids["clinic_a"] and event.detail["error"] == "RuntimeError"
    assert "420" not in json.dumps(event.detail)
    assert events(db_url, "export.generated") == []


# --- admins browse the log --------------------------------------------------------------


@pytest.fixture
def logged(db_url, world):  # type: ignore[no-untyped-def]
    """60 views of Alice by the nurse over the last 60 days, one flag note on Bob, and a row of Clinic B."""
    rows = [{"action": "patient.viewed", "now": NOW - timedelta(days=day, minutes=5), "actor": world.ids["nurse"],
             "patient_id": world.ids["alice_patient"], "address": "10.0.0.1"} for day in range(60)]
    rows.append({"action": "flag.note", "now": NOW - timedelta(minutes=1), "actor": world.ids["admin"],
                 "patient_id": world.ids["bob_patient"], "detail": {"rule": "rest_pain"}, "address": "=cmd|'/c calc'"})
    rows.append({"action": "patient.viewed", "now": NOW, "actor": world.ids["stranger"],
                 "detail": {"secret": "clinic B only"}})
    add_events(db_url, rows)
    return world


def test_an_admin_sees_their_clinics_log_newest_first_a_page_at_a_time(make_browser, logged):  # type: ignore[no-untyped-def]
    admin = signed_in(make_browser, logged, "admin")
    everything = admin.client.get("/clinic/audit")
    assert everything.status_code == 200 and everything.headers["cache-control"] == "no-store"
    actions = [r[2] for r in table_rows(everything)]  # in plain words, not the codes
    assert actions.index("Note added to a flag") < actions.index("Viewed the record")  # the note is the newer
    assert "clinic B only" not in everything.text and "stranger@" not in everything.text

    first = admin.client.get("/clinic/audit?action=patient.viewed")
    second = admin.client.get("/clinic/audit?action=patient.viewed&page=2")
    assert len(table_rows(first)) == 50 and "Older" in first.text and "Newer" not in first.text
    assert len(table_rows(second)) == 10 and "Older" not in second.text and "Newer" in second.text
    assert not {tuple(r) for r in table_rows(first)} & {tuple(r) for r in table_rows(second)}


def test_admins_filter_by_action_actor_and_patient(make_browser, logged):  # type: ignore[no-untyped-def]
    admin = signed_in(make_browser, logged, "admin")
    assert [r[2] for r in table_rows(admin.client.get("/clinic/audit?action=flag"))] == ["Note added to a flag"]
    assert table_rows(admin.client.get("/clinic/audit?action=fla")) == []  # an area is a whole word
    assert len(table_rows(admin.client.get("/clinic/audit?actor=NURSE@&page=2"))) == 10
    bobs = table_rows(admin.client.get("/clinic/audit?patient=A-1"))
    assert "Note added to a flag" in [r[2] for r in bobs] and all(r[3].endswith("A-1") for r in bobs)
    assert table_rows(admin.client.get("/clinic/audit?patient=A-")) == []  # clinic numbers match exactly


def test_dates_are_whole_days_in_the_clinic_time_zone(make_browser, world, db_url):  # type: ignore[no-untyped-def]
    async def berlin(db):  # type: ignore[no-untyped-def]
        (await db.get(Clinic, world.ids["clinic_a"])).timezone = "Europe/Berlin"  # UTC+1 in November
    run_db(db_url, berlin)
    add_events(db_url, [{"action": "patient.viewed", "now": datetime.fromisoformat(at), "actor": world.ids["nurse"],
                         "detail": {"n": n}}
                        for n, at in enumerate(("2026-11-10T22:30:00+00:00", "2026-11-10T23:30:00+00:00",
                                                "2026-11-11T22:30:00+00:00", "2026-11-11T23:30:00+00:00"))])
    admin = signed_in(make_browser, world, "admin")
    shown = table_rows(admin.client.get("/clinic/audit?action=patient.viewed&from=2026-11-11&to=2026-11-11"))
    assert [r[4] for r in shown] == ["n: 2", "n: 1"]  # 00:30 and 23:30 on the 11th, Berlin time
    bad = admin.client.get("/clinic/audit?from=yesterday")
    assert "Enter a date like" in bad.text


def test_a_filter_change_swaps_only_the_rows(make_browser, logged):  # type: ignore[no-untyped-def]
    admin = signed_in(make_browser, logged, "admin")
    fragment = admin.client.get("/clinic/audit?action=flag", headers={"HX-Request": "true", "HX-Target": "audit-rows"})
    assert fragment.text.lstrip().startswith('<div id="audit-rows">') and "<html" not in fragment.text
    assert len(table_rows(fragment)) == 1


def test_clinicians_patients_and_other_clinics_admins_see_nothing_of_the_log(make_browser, logged, admin_b):  # type: ignore[no-untyped-def]
    for name in ("nurse", "alice", "stranger"):
        person = signed_in(make_browser, logged, name)
        assert person.client.get("/clinic/audit").status_code == 404
        assert person.client.get("/clinic/audit.csv").status_code == 404
    other = signed_in(make_browser, logged, "admin_b")
    page = other.client.get("/clinic/audit")
    assert page.status_code == 200
    assert "Alice" not in page.text and "nurse@" not in page.text and "10.0.0.1" not in page.text
    assert "nurse@" not in other.client.get("/clinic/audit.csv").text


def test_the_nav_links_to_the_log_for_admins_only(make_browser, world):  # type: ignore[no-untyped-def]
    assert 'href="/clinic/audit"' in signed_in(make_browser, world, "admin").client.get("/clinic").text
    assert 'href="/clinic/audit"' not in signed_in(make_browser, world, "nurse").client.get("/clinic").text


def test_the_csv_export_has_the_filtered_rows_quotes_formulas_and_is_audited(make_browser, logged, db_url):  # type: ignore[no-untyped-def]
    admin = signed_in(make_browser, logged, "admin")
    response = admin.client.get("/clinic/audit.csv?patient=A-1&action=flag")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert response.headers["content-disposition"].startswith("attachment;")
    assert response.headers["cache-control"] == "no-store"
    rows = list(csv.DictReader(io.StringIO(response.text.lstrip("\ufeff"))))
    assert len(rows) == 1
    [row] = rows
    assert (row["action"], row["actor_email"], row["patient_clinic_number"], row["patient_name"]) == (
        "flag.note", "admin@test.example", "A-1", "Bob")
    assert row["address"] == "'=cmd|'/c calc'"  # a spreadsheet will not run it
    assert json.loads(row["detail"]) == {"rule": "rest_pain"}

    event = only_event(db_url, "audit.exported")
    assert (event.actor_user_id, event.clinic_id, event.address) == (
        logged.ids["admin"], logged.ids["clinic_a"], "testclient")
    assert event.detail == {"filter": {"action": "flag", "patient": "A-1"}}


def test_the_csv_export_walks_the_whole_log_in_batches(make_browser, logged, monkeypatch):  # type: ignore[no-untyped-def]
    from server.routes import audit_pages

    monkeypatch.setattr(audit_pages, "CSV_BATCH", 7)
    admin = signed_in(make_browser, logged, "admin")
    rows = list(csv.DictReader(io.StringIO(admin.client.get("/clinic/audit.csv?action=patient.viewed")
                                           .text.lstrip("\ufeff"))))
    assert len(rows) == 60
    times = [r["at_utc"] for r in rows]
    assert times == sorted(times, reverse=True) and len(set(times)) == 60


def test_a_row_links_to_the_patients_record(make_browser, logged):  # type: ignore[no-untyped-def]
    admin = signed_in(make_browser, logged, "admin")
    soup = BeautifulSoup(admin.client.get("/clinic/audit?patient=A-0").text, "html.parser")
    links = {a["href"] for a in soup.select("#audit-rows tbody a")}
    assert links == {f"/clinic/patients/{logged.ids['alice_patient']}"}
