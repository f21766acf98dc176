"""After signing in, a person goes to a page of this site, never to another host.

Found by a penetration test: ``/login?next=%2F%09%2Fevil.example%2F`` put "/\\t/evil.example/"
in the page; after a passkey sign-in the page's script called ``location.assign`` on it, and
the browser, which drops tabs and line breaks and reads a backslash as a slash, went to
``//evil.example``. Every way of signing in is tried with every such address.
"""

from __future__ import annotations

import re
from urllib.parse import quote, urljoin, urlsplit

import pytest
from bs4 import BeautifulSoup
from hypothesis import given
from hypothesis import strategies as st

from server.routes.auth_pages import safe_next
from tests.conftest import PASSWORD, signed_in
from tests.server.test_passkeys import SoftAuthenticator, add_passkey, begin_sign_in, finish_sign_in

SITE = "https://diary.example.org/"
HOSTILE = [
    "/\t/evil.example/", "/\n/evil.example", "/\r/evil.example", "\t//evil.example", "/\\evil.example",
    "/\\/evil.example", "\\\\evil.example", "/%2F/evil.example", "/%2f%2fevil.example", "/%5Cevil.example",
    "/%09/evil.example", "/%252F/evil.example", "//evil.example", "///evil.example", "https://evil.example",
    "javascript:alert(1)", " /\t/evil.example", "/\x00/evil.example", "/\u0085/evil.example",
]


def browser_goes_to(target: str, base: str = SITE) -> str:
    """Where a browser navigates for ``location.assign(target)`` (WHATWG URL parsing): it strips
    leading and trailing C0 controls and spaces, drops tabs and line breaks anywhere, reads a
    backslash as a slash, and (the server having decoded %2F) sees a path that starts //."""
    cleaned = re.sub(r"[\t\n\r]", "", target.strip("".join(map(chr, range(0x21))))).replace("\\", "/")
    return urlsplit(urljoin(base, cleaned)).netloc


def lands_here(location: str) -> bool:
    return location.startswith("/") and browser_goes_to(location) == urlsplit(SITE).netloc


@pytest.mark.parametrize("target", HOSTILE)
def test_safe_next_refuses_anything_a_browser_would_take_elsewhere(target: str) -> None:
    assert safe_next(target) is None


@pytest.mark.parametrize("target", ["/diary", "/diary/walks/new", "/clinic/patients/7?tab=flags",
                                    "/clinic/audit?to=2026-11-30&actor=a%2Fb"])
def test_safe_next_keeps_a_path_of_this_site(target: str) -> None:
    assert safe_next(target) == target


@given(st.text(alphabet=st.sampled_from(["/", "\\", "\t", "\n", "\r", " ", "%", "2", "F", "5", "C", "0", "9",
                                         "e", ".", ":", "\x00", "\x0b", "\u2028"]), max_size=12))
def test_whatever_safe_next_keeps_a_browser_keeps_on_this_site(target: str) -> None:
    kept = safe_next(target)
    if kept is not None:
        assert lands_here(kept), repr(kept)


# --- every way of signing in ----------------------------------------------------------------


def hidden_next(html: str) -> str:
    field = BeautifulSoup(html, "html.parser").select_one('input[name="next"]')
    return field["value"] if field is not None else ""


@pytest.mark.parametrize("target", HOSTILE[:12])
def test_the_sign_in_page_never_carries_a_hostile_next(browser, target: str) -> None:  # type: ignore[no-untyped-def]
    page = browser.client.get("/login?next=" + quote(target, safe=""))
    if page.status_code == 400:  # a control character in the address: refused before any page
        assert "evil" not in page.text
        return
    assert page.status_code == 200
    carried = hidden_next(page.text)
    assert carried == "" or lands_here(carried)


def test_a_password_sign_in_goes_home_instead(browser, world) -> None:  # type: ignore[no-untyped-def]
    # A few of the addresses (each sign-in hashes a password); safe_next's own test takes them all.
    for target in ("/\t/evil.example/", "/\\evil.example", "/%2F/evil.example", "\n//evil.example"):
        browser.client.cookies.clear()
        answer = browser.sign_in(world.emails["alice"], next=target)
        assert answer.history and lands_here(answer.history[0].headers["location"]), target
        assert answer.url.path == "/diary"


def test_a_passkey_sign_in_goes_home_instead(make_browser, world) -> None:  # type: ignore[no-untyped-def]
    alice = signed_in(make_browser, world, "alice")
    phone = SoftAuthenticator()
    assert add_passkey(alice, phone).status_code == 201
    for target in HOSTILE:
        browser = make_browser()
        begin = begin_sign_in(browser)
        done = finish_sign_in(browser, begin["token"], phone.get(begin["publicKey"]), next=target)
        assert done.status_code == 200, done.text
        assert done.json()["redirect"] == "/diary", target


def test_the_sign_in_page_keeps_a_same_site_next(browser, world) -> None:  # type: ignore[no-untyped-def]
    anonymous = browser.client.get("/diary/walks/new", follow_redirects=False)
    assert anonymous.headers["location"] == "/login?next=/diary/walks/new"
    page = browser.client.get(anonymous.headers["location"])
    assert hidden_next(page.text) == "/diary/walks/new"
    assert browser.sign_in(world.emails["alice"], next="/diary/walks/new").url.path == "/diary/walks/new"


def enrol(browser, code: str, email: str, target: str):  # type: ignore[no-untyped-def]
    browser.refresh_token("/enrol")
    return browser.client.post("/enrol", follow_redirects=False, data={
        "code": code, "email": email, "password": PASSWORD, "password_again": PASSWORD, "next": target,
        "_csrf_token": browser.token})


def test_enrolment_recovery_and_invitation_go_to_the_diary_or_the_clinic(make_browser, world) -> None:  # type: ignore[no-untyped-def]
    target = "/\t/evil.example/"
    nurse = signed_in(make_browser, world, "nurse")
    letter = nurse.post("/clinic/patients", {"name": "Nia New", "clinic_number": "R-77"})
    code = BeautifulSoup(letter.text, "html.parser").select_one("#enrolment-code").get_text()
    first = enrol(make_browser(), code, "nia@test.example", target)
    assert first.status_code == 303 and first.headers["location"] == "/diary?welcome=1"

    recovery = nurse.post(f"/clinic/patients/{world.ids['alice_patient']}/codes")
    code = BeautifulSoup(recovery.text, "html.parser").select_one("#enrolment-code").get_text()
    again = enrol(make_browser(), code, world.emails["alice"], target)
    assert again.status_code == 303 and again.headers["location"] == "/diary?welcome=1"

    admin = signed_in(make_browser, world, "admin")
    invited = admin.post("/clinic/staff/invite", {"email": "newnurse@test.example", "display_name": "New Nurse",
                                                  "role": "clinician"})
    invite_code = re.search(r"code=([A-Z0-9-]+)", invited.text).group(1)
    joiner = make_browser()
    joiner.refresh_token("/join?code=" + invite_code)
    joined = joiner.client.post("/join", follow_redirects=False, data={
        "code": invite_code, "password": PASSWORD, "password_again": PASSWORD, "next": target,
        "_csrf_token": joiner.token})
    assert joined.status_code == 303 and joined.headers["location"] == "/clinic"
