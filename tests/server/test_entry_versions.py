"""Entry versions (ETag, If-Match, If-None-Match: *), tombstones (410) and the phone's clock offset,
through the JSON API: on SQLite, and on PostgreSQL when configured (issue 14)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from diary.models import AuditEvent, EntryRevision, EntryTombstone, Patient, PatientSummary
from tests.conftest import run_db
from tests.server.test_api import alice, backend, bob, walk  # noqa: F401  (fixtures: SQLite and PostgreSQL)


def url(body) -> str:  # type: ignore[no-untyped-def]
    return f"/api/v1/entries/{body['id']}"


def rows(db_url, model, *where):  # type: ignore[no-untyped-def]
    async def work(db):  # type: ignore[no-untyped-def]
        return list((await db.execute(select(model).where(*where))).scalars())
    return run_db(db_url, work)


def test_every_read_and_write_answers_with_the_entrys_etag(alice):  # type: ignore[no-untyped-def]
    body = walk()
    created = alice.api("PUT", url(body), json=body)
    assert (created.status_code, created.headers["etag"]) == (201, '"1"')
    assert alice.api("GET", url(body)).headers["etag"] == '"1"'
    replaced = alice.api("PUT", url(body), json={**body, "distance_m": 500}, headers={"if-match": '"1"'})
    assert (replaced.status_code, replaced.headers["etag"]) == (200, '"2"')
    # The same body again changes nothing, so the version stays.
    again = alice.api("PUT", url(body), json={**body, "distance_m": 500})
    assert (again.status_code, again.headers["etag"]) == (200, '"2"')
    listing = alice.api("GET", "/api/v1/entries").json()
    assert listing["etags"] == {body["id"]: '"2"'}


def test_a_stale_edit_gets_412_and_changes_nothing(alice, db_url, world):  # type: ignore[no-untyped-def]
    body = walk()
    alice.api("PUT", url(body), json=body)
    # Another device edits it first.
    assert alice.api("PUT", url(body), json={**body, "distance_m": 600}, headers={"if-match": '"1"'}).status_code == 200
    # The phone's offline edit, made from version 1, arrives late.
    late = alice.api("PUT", url(body), json={**body, "distance_m": 450}, headers={"if-match": '"1"'})
    assert late.status_code == 412
    assert late.headers["etag"] == '"2"'
    assert late.json()["current"]["distance_m"] == 600  # what the diary holds, for the phone to show
    assert alice.api("GET", url(body)).json()["distance_m"] == 600
    # The patient chooses theirs: sent again at the version it now knows.
    mine = alice.api("PUT", url(body), json={**body, "distance_m": 450}, headers={"if-match": '"2"'})
    assert (mine.status_code, mine.headers["etag"]) == (200, '"3"')
    edits = rows(db_url, EntryRevision, EntryRevision.patient_id == world.ids["alice_patient"])
    assert [r.previous["distance_m"] for r in edits] == [420, 600]


def test_create_only_refuses_to_overwrite_and_shows_what_is_stored(alice):  # type: ignore[no-untyped-def]
    body = walk()
    first = alice.api("PUT", url(body), json=body, headers={"if-none-match": "*"})
    assert first.status_code == 201
    # The phone's replay of the same submission, whose first answer it never got.
    replay = alice.api("PUT", url(body), json={**body, "distance_m": 500}, headers={"if-none-match": "*"})
    assert replay.status_code == 412
    assert replay.json()["current"]["distance_m"] == 420
    assert alice.api("GET", url(body)).json()["distance_m"] == 420


def test_a_put_without_if_match_still_replaces_and_is_recorded(alice, db_url):  # type: ignore[no-untyped-def]
    """Entries queued by the previous release, and other API clients, send no version."""
    body = walk()
    alice.api("PUT", url(body), json=body)
    old_phone = alice.api("PUT", url(body), json={**body, "distance_m": 380})
    assert (old_phone.status_code, old_phone.headers["etag"]) == (200, '"2"')
    [revision] = rows(db_url, EntryRevision, EntryRevision.entry_id == uuid.UUID(body["id"]))
    assert (revision.action, revision.previous["distance_m"]) == ("edited", 420)
    assert [a.detail["entry_id"] for a in rows(db_url, AuditEvent, AuditEvent.action == "entry.edited")] == [body["id"]]


def test_a_deleted_entry_stays_deleted_unless_restored(alice, db_url, world):  # type: ignore[no-untyped-def]
    body = walk()
    alice.api("PUT", url(body), json=body)
    assert alice.api("DELETE", url(body), headers={"if-match": '"7"'}).status_code == 412
    assert alice.api("DELETE", url(body), headers={"if-match": '"1"'}).status_code == 204
    gone = alice.api("GET", url(body))
    assert gone.status_code == 410 and gone.json()["deleted_at"]
    # A late edit from the phone, with or without a version, does not bring it back.
    for headers in ({"if-match": '"1"'}, {}, {"if-none-match": "*"}):
        late = alice.api("PUT", url(body), json={**body, "distance_m": 999}, headers=headers)
        assert late.status_code == 410, headers
    assert alice.api("DELETE", url(body)).status_code == 410
    assert alice.api("GET", "/api/v1/entries").json()["total"] == 0
    # The patient chooses to restore it: it comes back, one version on.
    restored = alice.api("PUT", url(body) + "?restore=true", json={**body, "distance_m": 999},
                         headers={"if-none-match": "*"})
    assert (restored.status_code, restored.headers["etag"]) == (201, '"3"')
    assert alice.api("GET", url(body)).json()["distance_m"] == 999
    assert rows(db_url, EntryTombstone) == []
    assert [a.detail["entry_id"] for a in rows(db_url, AuditEvent, AuditEvent.action == "entry.restored")] == [
        body["id"]]


def test_another_patients_deleted_entry_is_simply_not_found(alice, bob):  # type: ignore[no-untyped-def]
    body = walk()
    alice.api("PUT", url(body), json=body)
    alice.api("DELETE", url(body))
    for method in ("GET", "DELETE"):
        assert bob.api(method, url(body)).status_code == 404
    assert bob.api("PUT", url(body) + "?restore=true", json=body).status_code == 404
    assert alice.api("GET", url(body)).status_code == 410


def test_fresh_creates_stay_idempotent(alice):  # type: ignore[no-untyped-def]
    body = walk()
    answers = [alice.api("PUT", url(body), json=body).status_code for _ in range(3)]
    assert answers == [201, 200, 200]
    assert alice.api("GET", "/api/v1/entries").json()["total"] == 1


@pytest.mark.parametrize("header", ["if-match", "if-none-match"])
@pytest.mark.parametrize("value", ["3", '"3', "W/3", '"1", nope'])
def test_an_unreadable_precondition_is_refused_naming_the_header(alice, header, value):  # type: ignore[no-untyped-def]
    body = walk()
    refused = alice.api("PUT", url(body), json=body, headers={header: value})
    assert refused.status_code == 400
    assert refused.json()["errors"][0]["field"].lower() == header
    assert alice.api("GET", "/api/v1/entries").json()["total"] == 0


def test_a_weak_tag_never_matches_if_match(alice):  # type: ignore[no-untyped-def]
    body = walk()
    alice.api("PUT", url(body), json=body)
    assert alice.api("PUT", url(body), json={**body, "distance_m": 300}, headers={"if-match": 'W/"1"'}).status_code == 412
    assert alice.api("PUT", url(body), json={**body, "distance_m": 300},
                     headers={"if-match": '"9", "1"'}).status_code == 200


def test_erasure_removes_the_tombstones(alice, db_url, world):  # type: ignore[no-untyped-def]
    from diary import erasure
    from diary.models import User

    body = walk()
    alice.api("PUT", url(body), json=body)
    alice.api("DELETE", url(body))
    patient_id = world.ids["alice_patient"]
    assert len(rows(db_url, EntryTombstone, EntryTombstone.patient_id == patient_id)) == 1

    async def erase(db):  # type: ignore[no-untyped-def]
        admin = await db.get(User, world.ids["admin"])
        return await erasure.erase_patient(db, await db.get(Patient, patient_id), admin, datetime.now(UTC))

    deleted = run_db(db_url, erase)
    assert deleted["entry_tombstones"] == 1
    assert rows(db_url, EntryTombstone) == []


def test_the_clock_offset_corrects_the_diary_and_the_entry_keeps_the_phones_time(alice, db_url, world):  # type: ignore[no-untyped-def]
    now = datetime.now(UTC).replace(microsecond=0)
    two_days = 2 * 24 * 3600
    # A phone two days behind: its time is two days early; the offset puts it right.
    behind = walk(walked_at=(now - timedelta(days=2, minutes=5)).isoformat(), clock_offset_s=two_days)
    assert alice.api("PUT", url(behind), json=behind).status_code == 201
    stored = alice.api("GET", url(behind)).json()
    assert datetime.fromisoformat(stored["walked_at"]) == now - timedelta(days=2, minutes=5)
    assert stored["clock_offset_s"] == two_days

    def summary(db):  # type: ignore[no-untyped-def]
        return db.get(PatientSummary, world.ids["alice_patient"])

    last = run_db(db_url, summary).last_entry_at
    assert abs(last - (now - timedelta(minutes=5))) < timedelta(seconds=1)  # the rules' time is corrected
    # A phone two days ahead is no longer refused as "in the future".
    ahead = walk(walked_at=(now + timedelta(days=2)).isoformat())
    refused = alice.api("PUT", url(ahead), json=ahead)
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "walked_at"
    accepted = alice.api("PUT", url(ahead), json={**ahead, "clock_offset_s": -two_days})
    assert accepted.status_code == 201, accepted.text
    # The diary lists them by the corrected time, and shows it on the page.
    listing = alice.api("GET", "/api/v1/entries").json()["entries"]
    assert [e["id"] for e in listing] == [ahead["id"], behind["id"]]
    page = alice.client.get("/diary").text
    corrected = (now - timedelta(minutes=5)).isoformat()
    assert f'datetime="{corrected}"' in page


def test_an_entry_without_clock_offset_reads_as_before(alice):  # type: ignore[no-untyped-def]
    body = walk()
    assert "clock_offset_s" not in body
    alice.api("PUT", url(body), json=body)
    assert alice.api("GET", url(body)).json()["clock_offset_s"] is None


def test_a_clock_offset_that_is_not_a_whole_number_of_seconds_is_refused(alice):  # type: ignore[no-untyped-def]
    body = walk(clock_offset_s="two days")
    refused = alice.api("PUT", url(body), json=body)
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "clock_offset_s"



@pytest.mark.filterwarnings("ignore:.*expression-based index")
def test_the_migration_seeds_tombstones_from_the_revision_history(db_url):  # type: ignore[no-untyped-def]
    """An entry deleted before versions existed (a ``deleted`` revision, no row) stays deleted."""
    import sqlalchemy as sa
    from alembic import command

    from diary.migrate import alembic_config
    from tests.conftest import build_world

    now = datetime.now(UTC).replace(microsecond=0)
    config = alembic_config(db_url)
    command.downgrade(config, "0011")  # the release before entry versions (0012)
    try:
        world = run_db(db_url, lambda db: build_world(db, now))
        patient_id = world.ids["alice_patient"]
        kept, deleted, edited = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
        entry = sa.table("entry", *(sa.column(n) for n in ("patient_id", "kind", "utc_offset_min", "note",
                                                           "distance_m")),
                         sa.column("id", sa.Uuid()), sa.column("occurred_at", sa.DateTime(timezone=True)),
                         sa.column("created_at", sa.DateTime(timezone=True)),
                         sa.column("updated_at", sa.DateTime(timezone=True)))
        revision = sa.table("entry_revision", sa.column("entry_id", sa.Uuid()), sa.column("patient_id"),
                            sa.column("action"), sa.column("at", sa.DateTime(timezone=True)),
                            sa.column("previous", sa.JSON()))
        at = now.replace(tzinfo=None) if db_url.startswith("sqlite") else now

        async def old_rows(db):  # type: ignore[no-untyped-def]
            for entry_id in (kept, edited):
                await db.execute(sa.insert(entry).values(id=entry_id, patient_id=patient_id, kind="walk",
                                                         utc_offset_min=0, note="", distance_m=300, occurred_at=at,
                                                         created_at=at, updated_at=at))
            for entry_id, action in ((deleted, "edited"), (deleted, "deleted"), (edited, "edited")):
                await db.execute(sa.insert(revision).values(entry_id=entry_id, patient_id=patient_id, action=action,
                                                            at=at, previous={}))

        run_db(db_url, old_rows)
    finally:
        command.upgrade(config, "head")

    [stone] = rows(db_url, EntryTombstone)
    assert (stone.entry_id, stone.patient_id, stone.version, stone.deleted_at) == (deleted, patient_id, 3, now)

    async def versions(db):  # type: ignore[no-untyped-def]
        from diary.models import EntryRow
        return {r.id: (r.version, r.clock_offset_s) for r in (await db.execute(select(EntryRow))).scalars()}

    assert run_db(db_url, versions) == {kept: (1, None), edited: (2, None)}
