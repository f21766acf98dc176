"""The authorisation matrix, generated from the app's own route table.

Every route and method, for every kind of visitor (anonymous, patients alice and bob,
clinicians of Clinic A and B, admins of Clinic A and B), with their own object and with
someone else's (see tests/server/access_fixtures.py for who owns what):

- a route nobody guards must be listed in PUBLIC_ROUTES with the reason it is public;
- an anonymous visitor to a guarded page is sent to sign in (303), to the API gets 401;
- a signed-in user of the wrong role gets 404, never 403;
- the right role with their own object gets neither 401/403/404 nor a 5xx;
- the right role with someone else's object gets 404, and no answer about someone else's
  object contains what identifies it (a name, an email, a note): the scoping is in the query,
  since nothing is found, not in a filter applied to what was found. Someone else's object is
  asked for twice: as a page, and as htmx asks for a fragment.

A new route joins the matrix by itself. If its path has a parameter the matrix cannot fill,
its cases fail and say which filler to add; if it has a guard the matrix does not know, the
meta-test says so.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from server.app import create_app
from server.auth import patient_only, staff_only
from server.routes.account import signed_in_only
from server.routes.clinic_admin import admin_only
from server.settings import Settings
from tests.server.access_fixtures import (
    ADMINS, FILLERS, PATIENTS, SIGNED_IN, STAFF, USERS, Filled, Matrix, everyone_in, names_an_object,
)

SECRET = "test-secret-" + "x" * 40

# Routes anyone may call, signed in or not, and why. A route with no guard must be here.
PUBLIC_ROUTES = {
    "GET /": "the front door: sends a visitor to sign in, or a signed-in user to their home page",
    "GET /healthz": "the supervisor's liveness check: the process answers ok and nothing else",
    "GET /readyz": "the load balancer's readiness check: the database answers and is migrated; no data",
    "GET /login": "the sign-in page",
    "POST /login": "signing in",
    "POST /logout": "signing out ends the session the request carries, if any",
    "GET /enrol": "a new patient's first visit, with the code from their care team",
    "POST /enrol": "redeeming an enrolment code (throttled)",
    "GET /join": "a new staff member's first visit, with the invitation code",
    "POST /join": "accepting a staff invitation (throttled)",
    "POST /login/passkey/begin": "signing in with a passkey: the challenge",
    "POST /login/passkey/finish": "signing in with a passkey: the answer (throttled)",
    "GET /sw.js": "the service worker: no data, the browser fetches it before anyone signs in",
    "GET /manifest.webmanifest": "the web app manifest, for installing the app",
    "GET /offline": "the no-connection page of the app shell, rendered for no one",
    "GET /offline/walk": "a blank walk form of the app shell, rendered for no one",
    "GET /offline/check-in": "a blank check-in form of the app shell, rendered for no one",
    "GET /offline/gps": "a blank GPS walk page of the app shell, rendered for no one",
    "GET /static/{file_path}": "styles, scripts and icons",
    "GET /schema": "the OpenAPI description of the API (no data)",
    "GET /schema/openapi.json": "the OpenAPI description of the API (no data)",
    "GET /schema/{path}": "the OpenAPI description of the API (no data)",
}
# Who each guard lets in; a handler with several guards lets in who all of them let in.
GUARD_AUDIENCES: dict[Callable[..., Any], frozenset[str]] = {
    patient_only: PATIENTS, staff_only: STAFF, admin_only: ADMINS, signed_in_only: SIGNED_IN,
}
# OPTIONS is answered by Litestar for every path; HEAD of a static file is its GET without the body.
NOT_IN_MATRIX = {"OPTIONS", "HEAD"}


def _entry_body(values: dict[str, Filled]) -> dict[str, Any]:
    return {"json": {"type": "walk", "id": values["entry_id"].text, "walked_at": datetime.now(UTC).isoformat(),
                     "distance_m": 250, "pain_onset_m": None, "stopped_by_pain": False, "relief": "no_pain"}}


# A body where an empty one would be refused before the handler looks for the object.
BODIES: dict[str, Callable[[dict[str, Filled]], dict[str, Any]]] = {
    "PUT /api/v1/entries/{entry_id}": _entry_body,
    "POST /clinic/staff/{user_id}/role": lambda _: {"data": {"role": "clinician"}},
}


@dataclass(frozen=True)
class Handler:
    method: str
    path: str  # the path with bare parameter names: /clinic/patients/{patient_id}
    params: tuple[str, ...]
    guards: tuple[Callable[..., Any], ...]

    @property
    def key(self) -> str:
        return f"{self.method} {self.path}"

    @property
    def is_api(self) -> bool:
        return self.path.startswith("/api/")


@cache
def route_table() -> tuple[Handler, ...]:
    """Every (method, path) of the app, with the guards it resolves to (its routers' included)."""
    with tempfile.TemporaryDirectory() as folder:
        app = create_app(Settings(data_dir=Path(folder), dev=True, secure_cookies=False, secret_key=SECRET))
    handlers = []
    for route in app.routes:
        for handler in getattr(route, "route_handlers", []):
            for method in sorted(handler.http_methods - NOT_IN_MATRIX):
                guards = tuple(getattr(g, "func", g) for g in handler.resolve_guards())
                handlers.append(Handler(method, route.path_format, tuple(route.path_parameters), guards))
    return tuple(sorted(handlers, key=lambda h: (h.path, h.method)))


def audience(handler: Handler) -> tuple[frozenset[str] | None, str | None]:
    """(who may call it, None for anyone) and what is wrong with its guards, if anything."""
    if not handler.guards:
        if handler.key in PUBLIC_ROUTES:
            return None, None
        return None, (f"{handler.key} has no guard and is not in PUBLIC_ROUTES: guard it, or list it there "
                      "with the reason it is public")
    if handler.key in PUBLIC_ROUTES:
        return None, f"{handler.key} is guarded now: remove it from PUBLIC_ROUTES"
    unknown = [g for g in handler.guards if g not in GUARD_AUDIENCES]
    if unknown:
        names = ", ".join(f"{g.__module__}.{g.__qualname__}" for g in unknown)
        return None, f"{handler.key} has a guard the matrix does not know ({names}): add it to GUARD_AUDIENCES"
    who = frozenset(SIGNED_IN)
    for guard in handler.guards:
        who &= GUARD_AUDIENCES[guard]
    return who, None


@dataclass(frozen=True)
class Case:
    handler: Handler
    user: str
    which: str  # own, other, mixed (the first object the user's own, the rest someone else's), or "" (no object)

    @property
    def id(self) -> str:
        return " ".join(part for part in (self.handler.key, self.user, self.which) if part)


def cases() -> list[Case]:
    found = []
    for handler in route_table():
        who, problem = audience(handler)
        if problem is None and who is None:
            found.append(Case(handler, "anonymous", ""))
            continue
        objects = [p for p in handler.params if names_an_object(p)]
        kinds = [""] if not objects else ["own", "other", *(["mixed"] if len(objects) > 1 else [])]
        found.extend(Case(handler, user, which) for user in USERS for which in kinds)
    return found


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "case" in metafunc.fixturenames:
        found = cases()
        metafunc.parametrize("case", found, ids=[c.id for c in found])


@pytest.fixture(scope="module")
def matrix(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path):  # type: ignore[no-untyped-def]
    built, clients = everyone_in(tmp_path_factory.mktemp("access-matrix"), sqlite_template)
    built.objects["answers"] = []
    yield built
    for client in clients:
        client.__exit__(None, None, None)
    artifacts = Path(__file__).resolve().parents[1] / "artifacts"
    if artifacts.is_dir():  # what each case answered, for the reader of a run
        (artifacts / "access-matrix.txt").write_text("\n".join(built.objects["answers"]) + "\n", encoding="utf-8")


def fill(case: Case, matrix: Matrix, fresh: bool) -> dict[str, Filled]:
    values: dict[str, Filled] = {}
    first_object = True
    for param in case.handler.params:
        filler = FILLERS.get(param)
        if filler is None:
            pytest.fail(f"add a filler for parameter {param} (route {case.handler.key}) to FILLERS in "
                        "tests/server/access_fixtures.py")
        which = case.which or "own"
        if case.which == "mixed" and names_an_object(param):
            which = "own" if first_object else "other"
            first_object = False
        values[param] = filler(matrix, case.user, which, fresh, values)
    return values


def send(case: Case, matrix: Matrix, values: dict[str, Filled], headers: dict[str, str]) -> Any:
    browser = matrix.browsers[case.user]
    url = case.handler.path.format(**{name: value.text for name, value in values.items()})
    method = case.handler.method
    if method == "GET":
        return browser.client.get(url, headers=headers, follow_redirects=False)
    kwargs = BODIES[case.handler.key](values) if case.handler.key in BODIES else {}
    if method == "POST" and "json" not in kwargs:
        kwargs = {"data": {**kwargs.get("data", {}), "_csrf_token": browser.token}}
    return browser.client.request(method, url, headers={"x-csrftoken": browser.token, **headers},
                                  follow_redirects=False, **kwargs)


def to_sign_in(response: Any) -> bool:
    return response.status_code == 303 and response.headers.get("location", "").startswith("/login?next=")


def check(case: Case, who: frozenset[str] | None, values: dict[str, Filled], response: Any, how: str) -> None:
    status = response.status_code
    said = f"{case.id} {how}answered {status} {response.headers.get('location', '')} {response.text[:300]!r}"
    if case.which in ("other", "mixed"):
        # Nothing about someone else's object comes back, whatever the status.
        markers = [m for value in values.values() for m in value.markers]
        assert markers, f"the fillers of {case.handler.params} give no markers for someone else's object"
        shown = [m for m in markers if m in response.text]
        assert not shown, f"{case.id} {how}shows {shown} of someone else's object"
    if who is None:
        assert status < 500 and status != 403 and not to_sign_in(response), f"public route refused: {said}"
    elif case.user == "anonymous":
        if case.handler.is_api:
            assert status == 401, f"anonymous API call not refused with 401: {said}"
        else:
            assert to_sign_in(response), f"anonymous visitor not sent to sign in: {said}"
    elif case.user not in who:
        assert status == 404, f"{case.user} is not of the route's role, expected 404: {said}"
    elif case.which in ("other", "mixed"):
        assert status == 404, f"someone else's object, expected 404: {said}"
    else:
        assert not to_sign_in(response), f"{case.user} was signed out (did an earlier case end the session?): {said}"
        assert status not in (401, 403, 404) and status < 500, f"{case.user}'s own object refused: {said}"


def test_route_answers(case: Case, matrix: Matrix) -> None:
    who, problem = audience(case.handler)
    if problem:
        pytest.fail(problem)
    values = fill(case, matrix, fresh=(who is None or case.user in who) and case.which in ("own", ""))
    response = send(case, matrix, values, {})
    matrix.objects["answers"].append(f"{case.id}\t{response.status_code}")
    check(case, who, values, response, "")
    if case.which in ("other", "mixed"):
        # Asked for again as htmx asks for a fragment: some routes answer it by another branch.
        check(case, who, values, send(case, matrix, values, {"hx-request": "true"}), "(htmx) ")


# --- meta-tests: the matrix stays complete as routes are added -------------------------------


def test_every_route_is_public_by_the_list_or_guarded() -> None:
    problems = [problem for handler in route_table() if (problem := audience(handler)[1])]
    assert not problems, "\n".join(problems)


def test_public_routes_lists_only_routes_that_exist() -> None:
    existing = {handler.key for handler in route_table()}
    stale = sorted(set(PUBLIC_ROUTES) - existing)
    assert not stale, f"PUBLIC_ROUTES lists routes the app no longer has: {stale}"


def test_every_path_parameter_has_a_filler() -> None:
    missing = sorted({f"{p} (in {h.key})" for h in route_table() for p in h.params if p not in FILLERS})
    assert not missing, f"add a filler to FILLERS in tests/server/access_fixtures.py for: {missing}"


def test_the_matrix_covers_every_role_and_both_objects() -> None:
    """The generation itself: a guarded route with an object has an own and an other case for every user."""
    found = cases()
    entry = [c for c in found if c.handler.key == "GET /api/v1/entries/{entry_id}"]
    assert {(c.user, c.which) for c in entry} == {(u, w) for u in USERS for w in ("own", "other")}
    flag = {c.which for c in found if c.handler.key == "POST /clinic/patients/{patient_id}/flags/{flag_id}"}
    assert flag == {"own", "other", "mixed"}
