"""Free text is kept as plain text: line breaks as LF, and no other control character.

Found by a penetration test: a note holding a NUL made PostgreSQL refuse the insert (a 500,
whose log line held the note and the distances); on SQLite the NUL was stored and written
raw into the CSV export. Names and clinic numbers had no length limit (a 100,000-character
name was accepted). Every free-text field now refuses C0 (tab included), DEL and C1 with a
422 naming the field, on both databases, and browsers' CR LF line breaks are kept as LF.
"""

from __future__ import annotations

import re
import sqlite3
import uuid
from contextlib import closing
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select

from diary import migrate, text
from diary.models import EntryRow, ErasureRequest, Flag, Patient, StaffInvite
from tests.conftest import run_db, signed_in

CONTROLS = ["\x00", "\x01", "\t", "\x0b", "\x1b", "\x7f", "\x85", "\x9f"]


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def backend(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def alice(make_browser, world):  # type: ignore[no-untyped-def]
    return signed_in(make_browser, world, "alice")


def walk(**overrides):  # type: ignore[no-untyped-def]
    return {"type": "walk", "id": str(uuid.uuid4()), "walked_at": (datetime.now(UTC) - timedelta(hours=1)).isoformat(),
            "distance_m": 430, "pain_onset_m": 210, "relief": "stood_still", **overrides}


def rows(db_url: str, model, *where):  # type: ignore[no-untyped-def]
    async def read(db):  # type: ignore[no-untyped-def]
        return list((await db.execute(select(model).where(*where))).scalars())
    return run_db(db_url, read)


# --- the rule itself -----------------------------------------------------------------------


@given(st.text(max_size=40))
def test_whatever_is_typed_is_refused_or_kept_without_control_characters(typed: str) -> None:
    try:
        kept = text.note(typed)
    except text.TextError as exc:
        assert exc.field == "note"
        return
    assert not re.search("[\x00-\x09\x0b-\x1f\x7f-\x9f]", kept)
    assert "\r" not in kept


def test_line_breaks_become_lf_and_a_single_line_field_refuses_them() -> None:
    assert text.note("first line\r\nsecond\rthird\n") == "first line\nsecond\nthird"
    with pytest.raises(text.TextError, match="one line"):
        text.line("Ann\nSmith", "name")
    with pytest.raises(text.TextError, match="at most 200"):
        text.line("A" * 100_000, "name")


# --- the API and the forms, on both databases ---------------------------------------------------


def test_the_api_refuses_a_note_with_a_control_character_naming_the_field(alice, db_url):  # type: ignore[no-untyped-def]
    for control in CONTROLS:
        body = walk(note=f"round the park{control}twice")
        refused = alice.api("PUT", f"/api/v1/entries/{body['id']}", json=body)
        assert refused.status_code == 422, (repr(control), refused.text)
        assert [e["field"] for e in refused.json()["errors"]] == ["note"]
        assert "plain text" in refused.json()["errors"][0]["message"]
    assert rows(db_url, EntryRow) == []


def test_the_api_keeps_crlf_line_breaks_as_lf(alice, db_url):  # type: ignore[no-untyped-def]
    body = walk(note="calf first,\r\nthen thigh\r\n")
    assert alice.api("PUT", f"/api/v1/entries/{body['id']}", json=body).status_code == 201
    assert alice.api("GET", f"/api/v1/entries/{body['id']}").json()["note"] == "calf first,\nthen thigh\n"
    [row] = rows(db_url, EntryRow)
    assert row.note == "calf first,\nthen thigh\n"


def test_the_walk_form_refuses_a_nul_and_keeps_textarea_line_breaks(alice, db_url):  # type: ignore[no-untyped-def]
    alice.refresh_token("/diary/walks/new")
    form = {"distance_m": "400", "had_pain": "yes", "pain_onset_m": "200", "relief": "stood_still"}
    refused = alice.post("/diary/walks", {**form, "note": "fine\x00really"})
    assert refused.status_code == 422 and "plain text" in refused.text
    assert rows(db_url, EntryRow) == []
    saved = alice.post("/diary/walks", {**form, "note": "two lines\r\nof note"})
    assert saved.status_code in (200, 303), saved.text
    [row] = rows(db_url, EntryRow)
    assert row.note == "two lines\nof note"


def test_clinic_fields_refuse_control_characters_and_overlong_text(make_browser, world, db_url):  # type: ignore[no-untyped-def]
    nurse = signed_in(make_browser, world, "nurse")
    for name, number, field in (("Ann\x00Smith", "C-1", "name"), ("A" * 100_000, "C-2", "name"),
                                ("Ann Smith", "C-\t3", "clinic_number"), ("Ann Smith", "9" * 65, "clinic_number")):
        refused = nurse.post("/clinic/patients", {"name": name, "clinic_number": number})
        assert refused.status_code == 422, (field, refused.status_code)
        assert f'id="{field}-error"' in refused.text or field.replace("_", " ") in refused.text.lower()
    assert [p.name for p in rows(db_url, Patient)] == ["Alice", "Bob"]
    admin = signed_in(make_browser, world, "admin")
    invited = admin.post("/clinic/staff/invite", {"email": "x@test.example", "display_name": "Dr\x1b[31m Red",
                                                  "role": "clinician"})
    assert invited.status_code == 422 and rows(db_url, StaffInvite) == []


def test_a_flag_note_and_an_erasure_reason_refuse_a_nul(make_browser, world, db_url):  # type: ignore[no-untyped-def]
    alice = signed_in(make_browser, world, "alice")
    body = {"type": "check_in", "id": str(uuid.uuid4()), "recorded_at": datetime.now(UTC).isoformat(),
            "rest_pain": False, "wound": True, "wound_days": 3}
    assert alice.api("PUT", f"/api/v1/entries/{body['id']}", json=body).status_code == 201
    [flag] = rows(db_url, Flag)
    nurse = signed_in(make_browser, world, "nurse")
    noted = nurse.post(f"/clinic/patients/{world.ids['alice_patient']}/flags/{flag.id}",
                       {"action": "note", "note": "phoned\x00her"})
    assert noted.status_code == 422 and "plain text" in noted.text.lower()
    assert rows(db_url, Flag)[0].note == ""
    assert alice.post("/account/my-data/erase").status_code in (200, 303)
    [request] = rows(db_url, ErasureRequest)
    admin = signed_in(make_browser, world, "admin")
    declined = admin.post(f"/clinic/erasure-requests/{request.id}/decline", {"reason": "ongoing\x00care"})
    assert declined.status_code == 422
    assert rows(db_url, ErasureRequest)[0].status == "pending"


def test_an_email_with_a_nul_signs_in_no_one_and_is_no_500(browser, world):  # type: ignore[no-untyped-def]
    assert browser.sign_in("alice\x00@test.example", "whatever it is").status_code == 401
    browser.refresh_token("/enrol")
    answer = browser.post("/enrol", {"code": "AAAAA-BBBBB", "email": "new\x00@test.example",
                                     "password": "a long new password", "password_again": "a long new password"})
    assert answer.status_code == 422


# --- what was stored before is carried forward -------------------------------------------------


def test_migration_0009_cleans_the_nuls_and_line_breaks_already_stored(tmp_path: Path):
    path = tmp_path / "old.sqlite3"
    migrate.upgrade(f"sqlite:///{path}", "0006")
    entry_id = uuid.uuid4().hex
    with closing(sqlite3.connect(path)) as db, db:
        db.execute("INSERT INTO clinic (id, name, timezone) VALUES (1, 'Old Clinic', 'Europe/London')")
        db.execute("INSERT INTO patient (id, clinic_id, name, clinic_number, suspected_type, created_at) "
                   "VALUES (1, 1, ?, ?, 'unknown', '2026-01-01 00:00:00')", ("Ada\x00 Old", "O-\t1"))
        db.execute("INSERT INTO entry (id, patient_id, kind, occurred_at, utc_offset_min, note, created_at, "
                   "updated_at, distance_m) VALUES (?, 1, 'walk', '2026-01-02 09:00:00', 0, ?, "
                   "'2026-01-02 09:00:00', '2026-01-02 09:00:00', 300)", (entry_id, "hill\x00 then\r\nrest\x07"))
        db.execute("INSERT INTO enrolment_code (patient_id, code_hash, created_at, expires_at) "
                   "VALUES (1, 'abc123', '2026-01-01 00:00:00', '2026-01-15 00:00:00')")
    migrate.upgrade(f"sqlite:///{path}")
    with closing(sqlite3.connect(path)) as db:
        assert db.execute("SELECT note FROM entry").fetchone()[0] == "hill then\nrest"
        assert db.execute("SELECT name, clinic_number FROM patient").fetchone() == ("Ada Old", "O- 1")
        assert db.execute("SELECT code_hash FROM enrolment_code").fetchone()[0] == "sha256:abc123"
