"""Every route answers a malformed path or query with a 4xx, never a 5xx, for pages and the API.

The routes come from the app's own route table (the access matrix's), so a new route is
walked by itself. Each is called by someone its guards let in, with hostile values in:

- each path parameter: numbers beyond 64 bits, negative ones, digits that pass ``isdigit``
  but not ``int`` ("²") or are not ASCII ("١٢"), a NUL, a newline, bytes that are not
  UTF-8, 5,000 characters;
- every query parameter a handler reads (its signature, and every ``.get("name")`` in
  ``server/``), all at once, with the same values and a date past the last day
  ``date`` knows.

Found by a penetration test: 500s for ``/clinic/audit?to=9999-12-31``, ``?page=²``,
``?signed_out=²``, a snooze of "²" days, ``{id}`` beyond 64 bits and ``/static/app.css%00.js``.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from tests.server.access_fixtures import ADMINS, PATIENTS, STAFF, everyone_in
from tests.server.test_access_matrix import Handler, audience, route_table

HOSTILE = {
    "huge": "9" * 40,
    "huge-negative": "-" + "9" * 30,
    "just-past-64-bits": str(2**63),
    "negative": "-1",
    "superscript-two": "%C2%B2",
    "arabic-digits": "%D9%A1%D9%A2",
    "nul": "1%00",
    "newline": "1%0A2",
    "not-utf8": "%FF%FE",
    "overlong": "x" * 5000,
}
# In the query, every name at once: shorter overlong values keep the address under httpx's limit.
QUERY_ONLY = {"last-day": "9999-12-31", "first-day": "0001-01-01", "overlong": "y" * 1000}
SERVER = Path(__file__).resolve().parents[2] / "server"


def query_names() -> list[str]:
    """Every name a handler may read from the query string (a superset: form fields too)."""
    names = set(re.findall(r"""\.get\(["']([a-z_]+)["']""", "\n".join(
        p.read_text() for p in SERVER.rglob("*.py"))))
    names |= {"limit", "offset", "next", "code", "page", "signed_out", "done", "days", "from", "to", "q"}
    return sorted(names)


def caller(handler: Handler) -> str:
    """Someone the route's guards let in: its most ordinary user."""
    who, problem = audience(handler)
    assert problem is None, problem
    if who is None:
        return "anonymous"
    for name, group in (("alice", PATIENTS), ("nurse", STAFF), ("admin", ADMINS)):
        if name in who:
            return name
    raise AssertionError(f"no known user may call {handler.key}")


@pytest.fixture(scope="module")
def people(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path):  # type: ignore[no-untyped-def]
    matrix, clients = everyone_in(tmp_path_factory.mktemp("hostile"), sqlite_template)
    yield matrix
    for client in clients:
        client.__exit__(None, None, None)


def send(people: Any, handler: Handler, url: str) -> Any:
    browser = people.browsers[caller(handler)]
    if handler.method == "GET":
        return browser.client.get(url, follow_redirects=False)
    data = {"_csrf_token": browser.token} if handler.method == "POST" else None
    return browser.client.request(handler.method, url, data=data, headers={"x-csrftoken": browser.token},
                                  follow_redirects=False)


def with_params(handler: Handler, value: str) -> str:
    return handler.path.format(**{name: value for name in handler.params})


def test_no_route_answers_a_hostile_path_parameter_with_a_5xx(people) -> None:  # type: ignore[no-untyped-def]
    failures = []
    routes = [h for h in route_table() if h.params]
    assert len(routes) > 15, "the route table should have many routes with parameters"
    for handler in routes:
        for label, value in HOSTILE.items():
            response = send(people, handler, with_params(handler, value))
            if response.status_code >= 500:
                failures.append(f"{handler.key} with {label}: {response.status_code} {response.text[:120]!r}")
    assert not failures, "\n".join(failures)


def test_no_page_or_api_answers_a_hostile_query_with_a_5xx(people) -> None:  # type: ignore[no-untyped-def]
    names = query_names()
    assert {"page", "signed_out", "to", "offset", "next"} <= set(names)
    failures = []
    for handler in (h for h in route_table() if h.method == "GET"):
        base = with_params(handler, "1") if not handler.params else None
        if base is None:  # routes with an object: the query is tried on someone's own object below
            continue
        for label, value in {**HOSTILE, **QUERY_ONLY}.items():
            response = send(people, handler, base + "?" + "&".join(f"{n}={value}" for n in names))
            if response.status_code >= 500:
                failures.append(f"{handler.key}?...={label}: {response.status_code} {response.text[:120]!r}")
    assert not failures, "\n".join(failures)


def test_a_hostile_query_on_a_record_page_is_no_5xx(people) -> None:  # type: ignore[no-untyped-def]
    """The patient page reads ?signed_out=; the audit page ?page=, ?from= and ?to=."""
    patient = people.ids["alice_patient"]
    nurse, admin = people.browsers["nurse"], people.browsers["admin"]
    for value in (*HOSTILE.values(), *QUERY_ONLY.values()):
        assert nurse.client.get(f"/clinic/patients/{patient}?signed_out={value}").status_code < 500
        for name in ("page", "from", "to"):
            assert admin.client.get(f"/clinic/audit?{name}={value}").status_code < 500


@pytest.mark.parametrize("path", ["/static/app.css%00.js", "/static/%00", "/static/app.css%0A",
                                  "/static/%FF.css", "/diary%00", "/api/v1/entries%00"])
def test_a_nul_or_a_bad_byte_in_a_path_is_a_bad_request(people, path) -> None:  # type: ignore[no-untyped-def]
    response = people.browsers["alice"].client.get(path, follow_redirects=False)
    assert response.status_code in (400, 404), (response.status_code, response.text[:200])


def test_a_snooze_of_superscript_days_is_refused_plainly(people) -> None:  # type: ignore[no-untyped-def]
    nurse = people.browsers["nurse"]
    flag, patient = people.objects["flag:alice"], people.ids["alice_patient"]
    for days in ("²", "٣", "9" * 5000, "-1", "0"):
        answer = nurse.client.post(f"/clinic/patients/{patient}/flags/{flag}",
                                   data={"action": "snooze", "days": days, "_csrf_token": nurse.token},
                                   follow_redirects=False)
        assert answer.status_code == 422 and "Snooze for 1 to 90 days" in answer.text, (days, answer.status_code)


def test_a_search_pasted_with_a_tab_still_finds_the_patient(people) -> None:  # type: ignore[no-untyped-def]
    """A clinic number copied from a spreadsheet brings a tab or a line break: not a malformed address."""
    found = people.browsers["nurse"].client.get("/clinic?q=A-0%09%0D%0A")
    assert found.status_code == 200 and "Alice" in found.text, found.text[:300]
