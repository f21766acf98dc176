"""Schemathesis against a real ``diary serve``: the API sends only what its OpenAPI schema says.

Generated from ``/schema/openapi.json``, with valid and invalid inputs, for every
operation, once as a signed-in patient (session cookie and ``x-csrftoken``) and
once anonymously. No answer may be a 5xx, and each must have a status code, a
content type and a body that the schema documents for that operation.

Why a real process rather than in-process ASGI: the requests go through uvicorn's
HTTP parsing and the body size limit as in production, and the app keeps its one
event loop (an in-process ASGI client starts a loop per request, which the
database pool does not survive). The run is fixed (derandomized) and bounded to
``EXAMPLES`` cases per operation, so it is the same run every time.
"""

from __future__ import annotations

import re
import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import requests
import schemathesis
from schemathesis import GenerationMode
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from tests.diary.test_entry_properties import check_ins, walks
from tests.live import diary, live_env, running_server, token_of

pytestmark = pytest.mark.live

EXAMPLES = 40
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
PASSWORD = "a walk in the park"


@dataclass
class Visitor:
    cookies: dict[str, str]
    csrf_token: str

    def session(self) -> requests.Session:
        session = requests.Session()
        session.cookies.update(self.cookies)
        session.headers["x-csrftoken"] = self.csrf_token
        return session


@dataclass
class Live:
    base: str
    patient: Visitor
    anonymous: Visitor
    entry_ids: dict[str, str]  # an entry of the patient's for each operation that takes an id


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    """A patient enrolled with the CLI's code, signed in over HTTP; and a visitor who only has a CSRF token."""
    data_dir: Path = tmp_path_factory.mktemp("schemathesis")
    out = diary(live_env(data_dir), "enrol-patient", "--clinic", "Fuzz Clinic", "--name", "Finn Fuzz",
                "--clinic-number", "F-1")
    code = re.search(r"Enrolment code: (\S+)", out).group(1)
    with running_server(data_dir) as base:
        with httpx.Client(base_url=base, follow_redirects=True, timeout=10) as client:
            page = client.get("/enrol")
            enrolled = client.post("/enrol", data={"code": code, "email": "finn@fuzz.example", "password": PASSWORD,
                                                   "password_again": PASSWORD, "_csrf_token": token_of(page.text)})
            assert enrolled.url.path == "/diary", enrolled.text
            patient = Visitor(dict(client.cookies), token_of(enrolled.text))
            entry_ids = {}
            for label in OPERATIONS:
                if "{entry_id}" in label:
                    entry_ids[label] = str(uuid.uuid4())
                    walk = {"type": "walk", "id": entry_ids[label], "walked_at": "2026-11-20T10:00:00+00:00",
                            "distance_m": 350, "pain_onset_m": 200, "relief": "stood_still"}
                    saved = client.put(f"/api/v1/entries/{walk['id']}", json=walk,
                                       headers={"x-csrftoken": patient.csrf_token})
                    assert saved.status_code == 201, saved.text
        with httpx.Client(base_url=base, timeout=10) as client:
            page = client.get("/login")
            anonymous = Visitor(dict(client.cookies), token_of(page.text))
        yield Live(base, patient, anonymous, entry_ids)


@pytest.fixture(scope="module")
def api_schema(live: Live) -> schemathesis.BaseSchema:
    return schemathesis.openapi.from_url(f"{live.base}/schema/openapi.json")


# Schemathesis's own pytest wrapper (``schemathesis.pytest.from_fixture``) fails on
# pytest 9, so each operation's cases are drawn with Hypothesis directly, valid and invalid.
OPERATIONS = ["GET /api/v1/entries", "GET /api/v1/entries/{entry_id}", "PUT /api/v1/entries/{entry_id}",
              "DELETE /api/v1/entries/{entry_id}"]
FIXED = settings(max_examples=EXAMPLES, derandomize=True, deadline=None, database=None,
                 suppress_health_check=list(HealthCheck))


def _address_the_body(case: schemathesis.Case) -> schemathesis.Case:
    """A PUT whose address carries the body's own id, so that a valid entry can be saved."""
    if isinstance(case.body, dict) and isinstance(case.body.get("id"), str):
        case.path_parameters = {**(case.path_parameters or {}), "entry_id": case.body["id"]}
    return case


def _with_entry(case_and_entry: tuple[schemathesis.Case, dict[str, Any]]) -> schemathesis.Case:
    """A PUT of a valid walk or check-in (from the property tests' strategies) to its own id."""
    case, entry = case_and_entry
    case.body = entry
    case.path_parameters = {**(case.path_parameters or {}), "entry_id": entry["id"]}
    return case


def fuzz(api_schema: schemathesis.BaseSchema, label: str, visitor: Visitor, known_id: str | None) -> list[int]:
    """Send ``EXAMPLES`` generated requests to one operation; the status codes it answered.

    Valid and invalid cases; for an operation on one entry, also cases on an entry
    that exists, and for PUT bodies sent to their own id and valid entries, so success is tried too."""
    operation = api_schema.find_operation_by_label(label)
    assert operation is not None, f"{label} is not in the schema"
    cases = operation.as_strategy(GenerationMode.POSITIVE) | operation.as_strategy(GenerationMode.NEGATIVE)
    if known_id is not None:
        cases |= operation.as_strategy(GenerationMode.POSITIVE, path_parameters={"entry_id": known_id})
    if label.startswith("PUT "):
        cases |= operation.as_strategy(GenerationMode.POSITIVE).map(_address_the_body)
        cases |= st.tuples(operation.as_strategy(GenerationMode.POSITIVE), walks() | check_ins()).map(_with_entry)
    session, seen = visitor.session(), []

    @FIXED
    @given(case=cases)
    def run(case: schemathesis.Case) -> None:
        seen.append(case.call_and_validate(session=session, checks=CHECKS, timeout=10).status_code)

    run()
    return seen


def test_the_schema_describes_only_the_api(api_schema) -> None:  # type: ignore[no-untyped-def]
    labels = [result.ok().label for result in api_schema.get_all_operations()]
    assert sorted(labels) == sorted(OPERATIONS)


@pytest.mark.parametrize("label", OPERATIONS)
def test_the_api_keeps_to_its_schema_for_a_signed_in_patient(api_schema, live: Live, label: str) -> None:  # type: ignore[no-untyped-def]
    seen = fuzz(api_schema, label, live.patient, live.entry_ids.get(label))
    assert any(code < 300 for code in seen), f"no request to {label} succeeded: {sorted(set(seen))}"
    assert not {401, 403} & set(seen), "the patient's session or CSRF token was not accepted"


@pytest.mark.parametrize("label", OPERATIONS)
def test_the_api_tells_an_anonymous_visitor_only_401_or_404(api_schema, live: Live, label: str) -> None:  # type: ignore[no-untyped-def]
    # 400 too, for an address no request may have (a control character or bytes that are not UTF-8
    # in the query): server.request_guard refuses it before anything else, for anyone.
    assert set(fuzz(api_schema, label, live.anonymous, None)) <= {400, 401, 404}


def test_the_schemathesis_command_finds_nothing(live: Live, tmp_path: Path) -> None:
    """The ``st run`` pipeline too: examples, coverage (boundary and missing values), fuzzing and
    stateful sequences (a PUT followed by GET and DELETE of what it made), deterministic."""
    cookie = "; ".join(f"{name}={value}" for name, value in live.patient.cookies.items())
    run = subprocess.run(
        [str(Path(sys.executable).with_name("st")), "run", f"{live.base}/schema/openapi.json",
         "--checks", ",".join(check.__name__ for check in CHECKS), "--max-examples", str(EXAMPLES),
         "--generation-deterministic", "--continue-on-failure", "--no-color",
         "--header", f"Cookie: {cookie}", "--header", f"x-csrftoken: {live.patient.csrf_token}"],
        cwd=tmp_path, capture_output=True, text=True, timeout=300,  # its cache of past failures stays in tmp_path
    )
    assert run.returncode == 0, run.stdout[-8000:] + run.stderr[-2000:]
    assert "4 selected / 4 total" in run.stdout


def test_the_schema_is_served_as_json_with_no_browser_ui(live: Live) -> None:
    """The OpenAPI browser UIs load their scripts from elsewhere; only the JSON is served."""
    spec = httpx.get(f"{live.base}/schema/openapi.json", timeout=10)
    assert spec.headers["content-type"].startswith("application/vnd.oai.openapi+json") and spec.json()["paths"]
    for ui in ("swagger", "redoc", "elements", "rapidoc", "scalar"):
        page = httpx.get(f"{live.base}/schema/{ui}", timeout=10)
        assert page.status_code == 404 and "<script" not in page.text, ui
