"""The phone app, in-process: manifest, service worker, offline pages, the GPS walk page.

The scripts themselves are tested with node (tests/js/) and in a real browser
(tests/browser/); here the server's side, and that the phone and the server
read the forms the same way.
"""

from __future__ import annotations

import json
import re
import struct
from datetime import datetime
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from litestar.datastructures import FormMultiDict

from diary import signs
from diary.advice import advice_for, phone_json
from server import forms
from server.routes import pwa
from tests.conftest import signed_in

ROOT = Path(__file__).resolve().parents[2]
STATIC = ROOT / "web" / "static"
CASES = json.loads((ROOT / "tests" / "js" / "form_cases.json").read_text())


def soup(response) -> BeautifulSoup:  # type: ignore[no-untyped-def]
    return BeautifulSoup(response.text, "html.parser")


def png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", path
    return struct.unpack(">II", data[16:24])


def test_the_manifest_makes_an_installable_app(browser):  # type: ignore[no-untyped-def]
    response = browser.client.get("/manifest.webmanifest")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/manifest+json")
    m = response.json()
    assert m["name"] == "Walking Diary" and 0 < len(m["short_name"]) <= 12
    assert (m["id"], m["start_url"], m["scope"], m["display"]) == ("/diary", "/diary", "/", "standalone")
    assert re.fullmatch(r"#[0-9a-f]{6}", m["theme_color"]) and re.fullmatch(r"#[0-9a-f]{6}", m["background_color"])
    icons = {(i["sizes"], i["purpose"]): i for i in m["icons"]}
    assert set(icons) == {("192x192", "any"), ("512x512", "any"), ("192x192", "maskable"), ("512x512", "maskable")}
    for (sizes, _), icon in icons.items():
        assert icon["type"] == "image/png"
        size = int(sizes.split("x")[0])
        assert png_size(STATIC / icon["src"].removeprefix("/static/")) == (size, size)
        assert browser.client.get(icon["src"]).status_code == 200


def test_the_theme_colour_matches_the_pages(browser):  # type: ignore[no-untyped-def]
    page = soup(browser.client.get("/login"))
    assert page.select_one('meta[name="theme-color"]')["content"] == pwa.THEME_COLOUR
    assert page.select_one('link[rel="manifest"]')["href"] == "/manifest.webmanifest"


def test_the_service_worker_is_served_from_the_root_and_never_cached(browser):  # type: ignore[no-untyped-def]
    response = browser.client.get("/sw.js")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/javascript")
    assert response.headers["cache-control"] in ("no-cache", "no-store")
    assert response.headers["service-worker-allowed"] == "/"
    source = response.text
    assert "__VERSION__" not in source and "__SHELL__" not in source
    assert re.search(r'var VERSION = "[0-9a-f]{16}"', source)


def test_the_service_worker_caches_the_app_shell_and_nothing_with_health_data(browser):  # type: ignore[no-untyped-def]
    source = browser.client.get("/sw.js").text
    shell = json.loads(re.search(r"var SHELL = (\[.*?\]);", source).group(1))
    plain = {unhashed(url) for url in shell}
    assert "/static/app.css" in plain and "/static/htmx-2.0.11.min.js" in plain and "/offline" in shell
    assert {"/static/pwa/offline.js", "/static/pwa/queue.js", "/static/pwa/icons/icon-192.png"} <= plain
    for url in shell:
        assert not re.match(r"^/(diary|api|clinic)(/|$)", url), url
        assert browser.client.get(url).status_code == 200, url  # one missing file would fail the install
    # The only writes to a cache are the shell, at install.
    assert source.count("cache.addAll(") == 1 and "cache.put(" not in source


def unhashed(url: str) -> str:
    """/static/app.3f2a9c1b0d.css -> /static/app.css (server.static_files)."""
    return re.sub(r"\.[0-9a-f]{10}(\.\w+)$", r"\1", url)


@pytest.mark.parametrize("path", ["/offline", "/offline/walk", "/offline/check-in", "/offline/gps"])
def test_every_file_an_offline_page_links_is_in_the_shell_under_the_same_name(browser, path):  # type: ignore[no-untyped-def]
    """The pages link content-hashed names: the service worker must cache exactly those,
    or a page opened with no connection would have no styles or scripts."""
    source = browser.client.get("/sw.js").text
    shell = set(json.loads(re.search(r"var SHELL = (\[.*?\]);", source).group(1)))
    page = soup(browser.client.get(path))
    linked = {el.get("src") or el.get("href") for el in page.select("script[src], link[href]")}
    linked = {url for url in linked if url.startswith("/static/")}
    assert linked and linked <= shell, linked - shell


def test_a_new_release_gets_a_new_cache_name(tmp_path):  # type: ignore[no-untyped-def]
    """The cache name is a hash of the web files' content: a change replaces the old cache."""
    def version(signature):  # type: ignore[no-untyped-def]
        return re.search(r'var VERSION = "(\w+)"', pwa._worker_for(signature, 50.0)).group(1)

    changed = tmp_path / "app.css"
    changed.write_text("body { color: black }")
    base = pwa._signature()
    before = version((*base, (changed.as_posix(), 1, 21)))
    assert version((*base, (changed.as_posix(), 2, 21))) == before  # touched, not changed
    changed.write_text("body { color: green }")
    assert version((*base, (changed.as_posix(), 3, 21))) != before


def test_the_offline_page_works_for_anyone(browser):  # type: ignore[no-untyped-def]
    response = browser.client.get("/offline")
    assert response.status_code == 200 and response.headers["cache-control"] == "no-store"
    page = soup(response)
    assert "No connection" in page.select_one("h1").get_text()
    links = {a["href"] for a in page.select("nav.actions a")}
    assert links == {"/diary/walks/new", "/diary/walks/start", "/diary/check-ins/new"}
    assert page.select_one('meta[name="csrf-token"]')["content"]


@pytest.mark.parametrize("path, form", [("/offline/walk", "walk"), ("/offline/check-in", "check_in"),
                                        ("/offline/gps", "walk")])
def test_the_blank_forms_kept_on_the_phone_belong_to_no_one(make_browser, world, path, form):  # type: ignore[no-untyped-def]
    alice = signed_in(make_browser, world, "alice")
    response = alice.client.get(path)
    assert response.status_code == 200 and response.headers["cache-control"] == "no-store"
    page = soup(response)
    assert page.select_one(f'form[data-offline-form="{form}"]') is not None
    assert page.select_one('input[name="id"]')["value"] == ""  # each use gets its own UUID on the phone
    assert page.select_one('meta[name="diary-user"]') is None
    assert page.select_one('input[name="owner"]')["value"] == ""
    assert page.select_one("form.signout") is None
    assert "Alice" not in response.text


def test_the_gps_page_sends_anonymous_visitors_to_sign_in(browser):  # type: ignore[no-untyped-def]
    response = browser.client.get("/diary/walks/start", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=/diary/walks/start"


def test_the_gps_page_is_only_for_patients(make_browser, world):  # type: ignore[no-untyped-def]
    nurse = signed_in(make_browser, world, "nurse")
    assert nurse.client.get("/diary/walks/start").status_code == 404


def test_the_gps_page_measures_then_opens_the_walk_form(make_browser, world):  # type: ignore[no-untyped-def]
    alice = signed_in(make_browser, world, "alice")
    response = alice.client.get("/diary/walks/start")
    assert response.status_code == 200 and response.headers["cache-control"] == "no-store"
    page = soup(response)
    gps = page.select_one("#gps")
    assert gps is not None and gps.has_attr("hidden")  # shown by its script; without it, the plain form
    for control in ("#gps-start", "#gps-pain", "#gps-stop", "#gps-distance", "#gps-time"):
        assert page.select_one(control) is not None, control
    assert "Pain started" in page.select_one("#gps-pain").get_text()
    form = page.select_one("form#walk-form")
    assert form["action"] == "/diary/walks" and form["data-timezone"] == "Europe/London"
    assert float(form["data-pace"]) == 50
    assert form.select_one('input[name="source"]')["value"] == "manual"  # "gps" once the phone measured it
    assert re.fullmatch(r"[0-9a-f-]{36}", form.select_one('input[name="id"]')["value"])
    assert page.select_one("#gps-nojs") is not None


def test_a_walk_measured_by_the_phone_is_saved_as_gps(make_browser, world):  # type: ignore[no-untyped-def]
    alice = signed_in(make_browser, world, "alice")
    form = soup(alice.client.get("/diary/walks/start")).select_one("form#walk-form")
    values = {i["name"]: i.get("value", "") for i in form.select("input[type=hidden]") if i["name"] != "_csrf_token"}
    values.update(source="gps", duration_min="8.5", distance_m_exact="523", unit="m", had_pain="yes",
                  pain_onset_m_exact="310", stopped_by_pain="yes", relief="stood_still")
    assert alice.post("/diary/walks", values).status_code == 200
    [entry] = alice.api("GET", "/api/v1/entries").json()["entries"]
    assert (entry["source"], entry["distance_m"], entry["pain_onset_m"], entry["duration_min"]) == ("gps", 523, 310, 8.5)


def test_the_home_page_offers_a_measured_walk(make_browser, world):  # type: ignore[no-untyped-def]
    alice = signed_in(make_browser, world, "alice")
    page = soup(alice.client.get("/diary"))
    assert page.select_one('a[href="/diary/walks/start"]') is not None
    assert page.select_one("#offline-queue") is not None
    assert page.select_one('meta[name="diary-user"]')["content"] == str(world.ids["alice"])


@pytest.mark.parametrize("path", ["/login", "/diary", "/diary/walks/new", "/diary/check-ins/new", "/diary/walks/start",
                                  "/offline", "/offline/walk", "/offline/gps"])
def test_patient_pages_are_ready_for_a_strict_content_security_policy(make_browser, world, path):  # type: ignore[no-untyped-def]
    alice = signed_in(make_browser, world, "alice")
    page = soup(alice.client.get(path))
    scripts = page.select("script")
    assert scripts and all(s.get("src", "").startswith("/static/") and not s.get_text().strip() for s in scripts)
    assert {unhashed(s["src"]) for s in scripts} >= {"/static/pwa/offline.js", "/static/pwa/queue.js",
                                                      "/static/pwa/entry.js"}
    assert not page.select("style") and not page.select("[style]")
    assert not [el for el in page.find_all(True) if any(a.startswith("on") for a in el.attrs)]
    assert "javascript:" not in str(page)


def test_the_phone_scripts_use_no_eval():  # type: ignore[no-untyped-def]
    for path in [*(STATIC / "pwa").glob("*.js"), ROOT / "web" / "templates" / "pwa" / "sw.js"]:
        source = path.read_text()
        assert not re.search(r"\beval\(|new Function\(|innerHTML|setTimeout\(\s*['\"]", source), path


def test_the_offline_safety_advice_is_the_servers_word_for_word():  # type: ignore[no-untyped-def]
    source = (STATIC / "pwa" / "advice.js").read_text()
    phone = json.loads(re.search(r"/\* advice-json \*/(.*?)/\* end-advice-json \*/", source, re.S).group(1))
    assert phone == phone_json(), "run: python scripts/make_advice_js.py"


@pytest.mark.parametrize("case", CASES["cases"], ids=[c["name"] for c in CASES["cases"]])
def test_the_server_reads_the_forms_as_the_phone_does(case):  # type: ignore[no-untyped-def]
    """The same cases as tests/js/entry.test.mjs, through server/forms.py."""
    now = datetime.fromisoformat(CASES["now"])
    form = FormMultiDict(case["form"])
    if case["kind"] == "walk":
        result = forms.read_walk(form, case["timezone"], now, case["pace"])
    else:
        result = forms.read_check_in(form, case["timezone"], now)
    if "errors" in case:
        assert sorted(result.errors) == sorted(case["errors"])
        return
    assert result.errors == {} and result.entry is not None
    diabetes = case.get("diabetes")
    if "signs" in case:
        assert signs.signs_of(result.entry, diabetes) == case["signs"]
    if "advice" in case:
        advice = advice_for(result.entry, diabetes)
        assert (advice.grade.value if advice else None) == case["advice"]
    if "reported" in case:
        assert signs.reported(result.entry) == case["reported"]
    entry = result.entry.model_dump(mode="json")
    for key, want in case.get("expect", {}).items():
        got = entry[key]
        if key.endswith("_at"):
            assert datetime.fromisoformat(got) == datetime.fromisoformat(want), key
            assert datetime.fromisoformat(got).utcoffset() == datetime.fromisoformat(want).utcoffset(), key
        else:
            assert got == want, key


def test_a_page_for_nobody_says_so_and_a_page_the_phone_keeps_does_not(make_browser, world):  # type: ignore[no-untyped-def]
    """The phone's queue reads who is signed in from the page (issue 14): "" is nobody; a page
    the phone keeps for offline use is rendered for no one, so it cannot tell and says nothing."""
    visitor = make_browser()
    assert soup(visitor.client.get("/login")).select_one('meta[name="diary-user"]')["content"] == ""
    assert soup(visitor.client.get("/offline")).select_one('meta[name="diary-user"]') is None
    alice = signed_in(make_browser, world, "alice")
    assert soup(alice.client.get("/offline")).select_one('meta[name="diary-user"]')["content"] == str(world.ids["alice"])


def test_the_forms_carry_what_the_service_worker_needs_to_read_a_kept_post(make_browser, world):  # type: ignore[no-untyped-def]
    alice = signed_in(make_browser, world, "alice")
    form = soup(alice.client.get("/diary/walks/new")).select_one("#walk-form")
    hidden = {i["name"]: i.get("value", "") for i in form.select("input[type=hidden]")}
    assert hidden["timezone"] == form["data-timezone"] == "Europe/London"
    assert float(hidden["pace"]) == float(form["data-pace"])
    assert (hidden["version"], hidden["clock_offset_s"]) == ("", "")
    assert hidden["owner"] == str(world.ids["alice"])  # whose entry it is, should another sign in before it is sent
