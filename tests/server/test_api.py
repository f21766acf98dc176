"""The JSON API under /api/v1: on SQLite, and on PostgreSQL when configured."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from tests.conftest import signed_in


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def backend(request: pytest.FixtureRequest) -> str:
    return request.param


def walk(**overrides):  # type: ignore[no-untyped-def]
    body = {
        "type": "walk", "id": str(uuid.uuid4()),
        "walked_at": (datetime.now(UTC) - timedelta(hours=1)).isoformat(),
        "distance_m": 420, "pain_onset_m": 250, "stopped_by_pain": True, "relief": "stood_still",
        "relief_minutes": 3, "pain_sites": ["calf"], "side": "left", "sensations": ["cramping"],
        "terrain": "flat", "pain_score": 6, "source": "manual", "note": "round the park",
    }
    body.update(overrides)
    return body


def check_in(**overrides):  # type: ignore[no-untyped-def]
    body = {"type": "check_in", "id": str(uuid.uuid4()), "recorded_at": datetime.now(UTC).isoformat(),
            "rest_pain": False, "wound": False}
    body.update(overrides)
    return body


@pytest.fixture
def alice(make_browser, world):  # type: ignore[no-untyped-def]
    return signed_in(make_browser, world, "alice")


@pytest.fixture
def bob(make_browser, world):  # type: ignore[no-untyped-def]
    return signed_in(make_browser, world, "bob")


def test_it_stores_a_walk_and_returns_it_in_the_interchange_format(alice):  # type: ignore[no-untyped-def]
    body = walk(walked_at="2026-11-20T09:15:00+01:00")
    created = alice.api("PUT", f"/api/v1/entries/{body['id']}", json=body)
    assert created.status_code == 201, created.text
    fetched = alice.api("GET", f"/api/v1/entries/{body['id']}").json()
    assert fetched["walked_at"] == "2026-11-20T09:15:00+01:00"  # the writer's offset is kept
    for key in ("distance_m", "pain_onset_m", "relief", "pain_sites", "side", "sensations", "pain_score", "note"):
        assert fetched[key] == body[key]


def test_put_twice_stores_the_entry_once(alice):  # type: ignore[no-untyped-def]
    body = walk()
    first = alice.api("PUT", f"/api/v1/entries/{body['id']}", json=body)
    second = alice.api("PUT", f"/api/v1/entries/{body['id']}", json=body)
    assert (first.status_code, second.status_code) == (201, 200)
    listing = alice.api("GET", "/api/v1/entries").json()
    assert listing["total"] == 1 and len(listing["entries"]) == 1


def test_put_replaces_an_entry(alice):  # type: ignore[no-untyped-def]
    body = walk()
    alice.api("PUT", f"/api/v1/entries/{body['id']}", json=body)
    alice.api("PUT", f"/api/v1/entries/{body['id']}", json={**body, "distance_m": 600})
    assert alice.api("GET", f"/api/v1/entries/{body['id']}").json()["distance_m"] == 600


def test_a_walk_can_be_replaced_by_a_check_in_with_the_same_id(alice):  # type: ignore[no-untyped-def]
    body = walk()
    alice.api("PUT", f"/api/v1/entries/{body['id']}", json=body)
    replaced = alice.api("PUT", f"/api/v1/entries/{body['id']}", json=check_in(id=body["id"], rest_pain=True))
    assert replaced.status_code == 200
    fetched = alice.api("GET", f"/api/v1/entries/{body['id']}").json()
    assert fetched["type"] == "check_in" and "distance_m" not in fetched


def test_list_is_newest_first_and_paginated(alice):  # type: ignore[no-untyped-def]
    base = datetime.now(UTC) - timedelta(days=10)
    for day in range(5):
        body = walk(walked_at=(base + timedelta(days=day)).isoformat(), distance_m=100 + day, pain_onset_m=80)
        alice.api("PUT", f"/api/v1/entries/{body['id']}", json=body)
    body = check_in(recorded_at=(base + timedelta(days=6)).isoformat())
    alice.api("PUT", f"/api/v1/entries/{body['id']}", json=body)
    page = alice.api("GET", "/api/v1/entries?limit=4").json()
    assert page["total"] == 6 and len(page["entries"]) == 4
    assert page["entries"][0]["type"] == "check_in"
    assert [e["distance_m"] for e in page["entries"][1:]] == [104, 103, 102]
    rest = alice.api("GET", page["next"]).json()
    assert [e["distance_m"] for e in rest["entries"]] == [101, 100] and rest["next"] is None


def test_delete_removes_the_entry(alice):  # type: ignore[no-untyped-def]
    body = walk()
    alice.api("PUT", f"/api/v1/entries/{body['id']}", json=body)
    assert alice.api("DELETE", f"/api/v1/entries/{body['id']}").status_code == 204
    # Gone, not merely not found: it stays deleted (tests/server/test_entry_versions.py).
    assert alice.api("GET", f"/api/v1/entries/{body['id']}").status_code == 410


def test_another_patients_entry_is_not_found(alice, bob):  # type: ignore[no-untyped-def]
    body = walk()
    alice.api("PUT", f"/api/v1/entries/{body['id']}", json=body)
    url = f"/api/v1/entries/{body['id']}"
    assert bob.api("GET", url).status_code == 404
    assert bob.api("PUT", url, json={**body, "distance_m": 900}).status_code == 404
    assert bob.api("DELETE", url).status_code == 404
    assert bob.api("GET", "/api/v1/entries").json()["total"] == 0
    mine = alice.api("GET", url).json()
    assert mine["distance_m"] == 420  # untouched by Bob's attempts


def test_a_clinician_has_no_patient_api(make_browser, world):  # type: ignore[no-untyped-def]
    nurse = signed_in(make_browser, world, "nurse")
    assert nurse.api("GET", "/api/v1/entries").status_code == 404


def test_anonymous_requests_get_401(browser):  # type: ignore[no-untyped-def]
    assert browser.client.get("/api/v1/entries").status_code == 401


def test_a_put_without_the_csrf_header_is_refused_and_nothing_is_saved(alice):  # type: ignore[no-untyped-def]
    body = walk()
    refused = alice.client.put(f"/api/v1/entries/{body['id']}", json=body)
    assert refused.status_code == 403
    wrong = alice.api("PUT", f"/api/v1/entries/{body['id']}", json=body, headers={"x-csrftoken": "forged"})
    assert wrong.status_code == 403
    assert alice.api("GET", "/api/v1/entries").json()["total"] == 0


def test_the_body_id_must_match_the_address(alice):  # type: ignore[no-untyped-def]
    body = walk()
    response = alice.api("PUT", f"/api/v1/entries/{uuid.uuid4()}", json=body)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "id"


BAD_WALKS = [
    ({"distance_m": -1}, "distance_m"),
    ({"distance_m": 100_001}, "distance_m"),
    ({"distance_m": "far"}, "distance_m"),
    ({"pain_onset_m": 500, "distance_m": 400}, "pain_onset_m"),
    ({"walked_at": (datetime.now(UTC) + timedelta(hours=25)).isoformat()}, "walked_at"),
    ({"walked_at": "2026-11-20T09:15:00"}, "walked_at"),
    ({"relief_minutes": 721}, "relief_minutes"),
    ({"relief_minutes": -1}, "relief_minutes"),
    ({"pain_score": 11}, "pain_score"),
    ({"pain_score": -1}, "pain_score"),
    ({"relief": "prayed"}, "relief"),
    ({"pain_sites": ["knee"]}, "pain_sites.0"),
    ({"side": "middle"}, "side"),
    ({"sensations": ["itchy"]}, "sensations.0"),
    ({"terrain": "sand"}, "terrain"),
    ({"source": "watch"}, "source"),
    ({"stopped_by_pain": "perhaps"}, "stopped_by_pain"),
    ({"type": "swim"}, "type"),
]


@pytest.mark.parametrize(("change", "field"), BAD_WALKS, ids=[f for _, f in BAD_WALKS])
def test_bad_input_is_refused_naming_the_field_and_nothing_is_saved(alice, change, field):  # type: ignore[no-untyped-def]
    body = walk(**change)
    response = alice.api("PUT", f"/api/v1/entries/{body['id']}", json=body)
    assert response.status_code in (400, 422), response.text
    assert field in [e["field"] for e in response.json()["errors"]], response.json()
    assert alice.api("GET", "/api/v1/entries").json()["total"] == 0


def test_several_bad_fields_are_all_named(alice):  # type: ignore[no-untyped-def]
    body = walk(distance_m=-5, pain_score=12, relief="nope")
    fields = {e["field"] for e in alice.api("PUT", f"/api/v1/entries/{body['id']}", json=body).json()["errors"]}
    assert {"distance_m", "pain_score", "relief"} <= fields


def test_a_bad_check_in_is_refused(alice):  # type: ignore[no-untyped-def]
    body = check_in(wound=True, wound_days=-3, colour_change="green")
    response = alice.api("PUT", f"/api/v1/entries/{body['id']}", json=body)
    assert response.status_code in (400, 422)
    assert {"wound_days", "colour_change"} <= {e["field"] for e in response.json()["errors"]}


def test_malformed_json_gets_400(alice):  # type: ignore[no-untyped-def]
    entry_id = uuid.uuid4()
    response = alice.api("PUT", f"/api/v1/entries/{entry_id}", content=b'{"type": "walk", ',
                         headers={"content-type": "application/json"})
    assert response.status_code == 400
    assert "errors" in response.json()


def test_an_oversized_body_is_refused(alice):  # type: ignore[no-untyped-def]
    body = walk(note="x" * 400_000)
    response = alice.api("PUT", f"/api/v1/entries/{body['id']}", content=json.dumps(body).encode(),
                         headers={"content-type": "application/json"})
    assert response.status_code == 413
    assert alice.api("GET", "/api/v1/entries").json()["total"] == 0


def test_openapi_describes_the_entry_bodies(browser):  # type: ignore[no-untyped-def]
    spec = browser.client.get("/schema/openapi.json").json()
    put = spec["paths"]["/api/v1/entries/{entry_id}"]["put"]
    body = put["requestBody"]["content"]["application/json"]["schema"]
    assert [ref["$ref"].rsplit("/", 1)[1] for ref in body["oneOf"]] == ["Walk", "CheckIn"]
    walk_schema = spec["components"]["schemas"]["Walk"]["properties"]
    assert walk_schema["distance_m"]["maximum"] == 100000
    assert "get" in spec["paths"]["/api/v1/entries"]
