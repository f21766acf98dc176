"""Hostile and broken request bodies get a 4xx, never a 500, and nothing is written.

On the API's PUT and on the form posts (sign-in, enrolment, the walk and
check-in forms): bodies over the size limit, JSON nested 10,000 deep, bytes
that are not UTF-8, broken percent-encoding and multipart, JSON that is not
an object, numbers too big for a float, NaN, duplicate keys, huge strings.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from diary.models import EntryRow, User
from tests.conftest import run_db, signed_in

LIMIT = 256 * 1024  # Settings.max_body_bytes, the default the test settings keep
JSON = {"content-type": "application/json"}
FORM = {"content-type": "application/x-www-form-urlencoded"}
FORM_POSTS = ["/login", "/enrol", "/diary/walks", "/diary/check-ins"]


def walk(**overrides):  # type: ignore[no-untyped-def]
    body = {"type": "walk", "id": str(uuid.uuid4()), "distance_m": 400, "pain_onset_m": 200,
            "walked_at": (datetime.now(UTC) - timedelta(hours=1)).isoformat(), "relief": "stood_still"}
    return {**body, **overrides}


def rows(db_url: str) -> tuple[int, int]:
    """How many entries and user accounts the database holds."""

    async def count(db):  # type: ignore[no-untyped-def]
        entries = (await db.execute(select(func.count()).select_from(EntryRow))).scalar_one()
        users = (await db.execute(select(func.count()).select_from(User))).scalar_one()
        return entries, users

    return run_db(db_url, count)


@pytest.fixture
def alice(make_browser, world, db_url) -> Iterator:  # type: ignore[no-untyped-def]
    """Alice, signed in; the test fails if anything was written to the database while it ran."""
    browser = signed_in(make_browser, world, "alice")
    before = rows(db_url)
    yield browser
    assert rows(db_url) == before, "a refused request wrote to the database"


def put_raw_at(alice, entry_id: str, content: bytes, headers: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
    return alice.api("PUT", f"/api/v1/entries/{entry_id}", content=content, headers=headers or JSON)


def put_raw(alice, content: bytes, headers: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
    return put_raw_at(alice, str(uuid.uuid4()), content, headers)


def assert_refused(response, *allowed: int) -> None:  # type: ignore[no-untyped-def]
    assert response.status_code in (allowed or range(400, 500)), (response.status_code, response.text[:300])


def assert_api_problem(response, *allowed: int) -> None:  # type: ignore[no-untyped-def]
    """A refused API request answers JSON naming what was wrong."""
    assert_refused(response, *allowed)
    body = response.json()
    assert body["status_code"] == response.status_code and body["detail"]


# --- the API: PUT /api/v1/entries/{id} ---------------------------------------
# Each test sends many bodies on one signed-in session: signing in hashes a
# password, which is what makes a test slow.

def test_bodies_over_the_limit_are_413(alice):  # type: ignore[no-untyped-def]
    assert_api_problem(put_raw(alice, json.dumps(walk(note="x" * (LIMIT + 10))).encode()), 413)
    assert_api_problem(put_raw(alice, json.dumps(walk(note="é" * 500_000)).encode()), 413)  # a 1 MB string
    streamed = (b" " * 65536 for _ in range(LIMIT // 65536 + 2))  # chunked: no content-length to go by
    assert_refused(alice.api("PUT", f"/api/v1/entries/{uuid.uuid4()}", content=streamed, headers=JSON), 413)


def test_a_long_string_within_the_body_limit_is_422_naming_the_field(alice):  # type: ignore[no-untyped-def]
    body = walk(note="x" * 200_000)
    response = alice.api("PUT", f"/api/v1/entries/{body['id']}", json=body)
    assert_api_problem(response, 422)
    assert [e["field"] for e in response.json()["errors"]] == ["note"]


def test_json_nested_ten_thousand_deep_is_400(alice):  # type: ignore[no-untyped-def]
    deep = "[" * 10_000 + "]" * 10_000
    plain = json.dumps(walk(note=""))
    for where, raw in {"whole body": deep, "known field": plain.replace('"note": ""', f'"note": {deep}'),
                       "unknown key": plain[:-1] + f', "extra": {deep}}}'}.items():
        response = put_raw(alice, raw.encode())
        assert response.status_code == 400, where
        assert_api_problem(response, 400)


def test_bytes_that_are_not_utf8_are_400(alice):  # type: ignore[no-untyped-def]
    plain = json.dumps(walk(note="NOTE")).encode()
    for raw in (b"\xff\xfe" + plain, b"\xc3\x28" + plain, b"\x80" + plain, plain.replace(b"NOTE", b"\xed\xa0\x80"),
                plain.replace(b"NOTE", b"caf\xe9"), plain.decode().encode("utf-16")):
        assert_api_problem(put_raw(alice, raw), 400)


def test_json_that_is_not_an_object_is_refused(alice):  # type: ignore[no-untyped-def]
    for raw in ("[]", "[{}]", "42", '"walk"', "null", "true", "", "{}"):
        assert_api_problem(put_raw(alice, raw.encode()), 400, 422)


def test_numbers_a_float_cannot_hold_are_refused(alice):  # type: ignore[no-untyped-def]
    for field in ("distance_m", "pain_onset_m", "relief_minutes", "pain_score", "duration_min"):
        for literal in ("1e400", "-1e400", "1" * 5000, "NaN", "Infinity", "-Infinity"):
            body = walk(**{"pain_onset_m": None, field: 0})
            raw = json.dumps(body).replace(f'"{field}": 0', f'"{field}": {literal}')
            response = put_raw_at(alice, body["id"], raw.encode())
            assert response.status_code in (400, 422), (field, literal, response.text[:200])
            assert_api_problem(response, 400, 422)


def test_duplicate_keys_are_refused(alice):  # type: ignore[no-untyped-def]
    body = walk()
    response = put_raw_at(alice, body["id"], (json.dumps(body)[:-1] + ', "distance_m": 90000}').encode())
    assert_api_problem(response, 400)
    assert "distance_m" in response.json()["detail"]


def test_a_body_sent_as_a_form_is_refused(alice):  # type: ignore[no-untyped-def]
    assert_api_problem(put_raw(alice, b"distance_m=400&type=walk", headers=FORM), 400)


# --- the form posts ----------------------------------------------------------

def post_raw(browser, path: str, content, headers: dict[str, str], csrf_header: bool = True):  # type: ignore[no-untyped-def]
    """A raw form post; with the CSRF token in the header the body reaches the page itself,
    without it the CSRF check must read the body to look for the token."""
    extra = {"x-csrftoken": browser.token} if csrf_header else {}
    return browser.client.post(path, content=content, headers={**extra, **headers})


def test_forms_over_the_limit_are_413(alice):  # type: ignore[no-untyped-def]
    for path in FORM_POSTS:
        big = b"note=" + b"x" * (LIMIT + 10)
        assert_refused(post_raw(alice, path, big, FORM), 413)
        assert_refused(post_raw(alice, path, f"_csrf_token={alice.token}&".encode() + big, FORM, False), 413)
    for path in ("/diary/walks", "/diary/check-ins"):
        assert_refused(alice.post(path, {"note": "x" * 1_000_000}), 413)


BAD_FORMS = {
    "not utf-8": (b"email=\xff\xfe@x&password=\xc3\x28&note=\x80&distance_m=\xff", FORM),
    "raw utf-8, not percent-encoded": ("note=café&email=zoë@x&distance_m=200".encode(), FORM),
    "escapes that are not utf-8": (b"email=a%ff%fe@x&note=%ed%a0%80&distance_m=200", FORM),
    "broken escapes": (b"email=%zz%&password=%E0%A4%A&distance_m=%", FORM),
    "multipart without a boundary": (b"--x\r\n\r\n", {"content-type": "multipart/form-data"}),
    "broken multipart": (b'--b\r\nContent-Disposition: form-data; name="note\r\n\r\nhi',
                         {"content-type": "multipart/form-data; boundary=b"}),
    "multipart without an end": (b'--b\r\nContent-Disposition: form-data; name="note"\r\n\r\n' + b"x" * 1000,
                                 {"content-type": "multipart/form-data; boundary=b"}),
    "multipart not utf-8": (b'--b\r\nContent-Disposition: form-data; name="note"\r\n\r\n\xff\xfe\r\n--b--\r\n',
                            {"content-type": "multipart/form-data; boundary=b"}),
    "json": (b'{"note": [[[[]]]], "distance_m": 200}', JSON),
}


@pytest.mark.parametrize("csrf_header", [True, False], ids=["read by the page", "read by the CSRF check"])
def test_broken_forms_are_refused(alice, csrf_header):  # type: ignore[no-untyped-def]
    for path in FORM_POSTS:
        for kind, (content, headers) in BAD_FORMS.items():
            response = post_raw(alice, path, content, headers, csrf_header)
            assert 400 <= response.status_code < 500, (path, kind, response.status_code, response.text[:200])


def test_a_form_with_percent_encoded_utf8_is_read(make_browser, world):  # type: ignore[no-untyped-def]
    """The strict reading refuses only what a browser would not send."""
    alice = signed_in(make_browser, world, "alice")
    alice.post("/diary/check-ins", {"note": "café, zoë's walk: 100% ok"})
    listing = alice.api("GET", "/api/v1/entries").json()
    assert [e["note"] for e in listing["entries"]] == ["café, zoë's walk: 100% ok"]


def test_times_at_the_ends_of_the_calendar_are_422_naming_the_field(alice):  # type: ignore[no-untyped-def]
    for when in ("0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00", "1899-12-31T23:00:00+00:00"):
        body = walk(walked_at=when)
        response = alice.api("PUT", f"/api/v1/entries/{body['id']}", json=body)
        assert_api_problem(response, 422)
        assert [e["field"] for e in response.json()["errors"]] == ["walked_at"], when


def test_no_form_body_is_kept_in_memory_after_the_answer(make_browser, world):  # type: ignore[no-untyped-def]
    from litestar._parsers import parse_url_encoded_form_data

    from tests.conftest import signed_in

    alice = signed_in(make_browser, world, "alice")
    alice.post("/diary/check-ins", {"id": str(uuid.uuid4()), "recorded_at": "2026-11-20T10:00", "rest_pain": "yes",
                                    "note": "my private words"})
    assert parse_url_encoded_form_data.cache_info().currsize == 0
