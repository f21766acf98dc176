"""What a new patient met: every problem at once, quick distances on Change, their own time zone,
the links within reach, and signing in (forgotten password, "keep me signed in" where it applies)."""

from __future__ import annotations

from datetime import UTC, datetime

from bs4 import BeautifulSoup

from tests.conftest import PASSWORD, signed_in
from tests.server.test_diary_pages import entries_of, new_form_values


def soup(response) -> BeautifulSoup:  # type: ignore[no-untyped-def]
    return BeautifulSoup(response.text, "html.parser")


def words(node) -> str:  # type: ignore[no-untyped-def]
    return " ".join(node.get_text(" ").split())


def summary_links(page: BeautifulSoup) -> list[tuple[str, str]]:
    box = page.select_one("[data-error-summary]")
    assert box is not None and box.get("role") == "alert" and box.get("tabindex") == "-1"
    return [(a["href"], words(a)) for a in box.select("a")]


def test_saving_an_empty_walk_says_every_problem_at_once(make_browser, world):  # type: ignore[no-untyped-def]
    alice = signed_in(make_browser, world, "alice")
    response = alice.post("/diary/walks", new_form_values(alice))  # nothing chosen: pain is "yes" by default
    assert response.status_code == 422
    page = soup(response)
    links = summary_links(page)
    assert [href for href, _ in links] == ["#distance_m-1", "#pain_onset_m-1"]
    assert "how far you walked" in links[0][1] and "when the pain began" in links[1][1]
    assert all(page.select_one(href) is not None for href, _ in links)  # each link lands on its question
    assert words(page.select_one("[data-error-summary] h2")) == "There are 2 problems"
    assert entries_of(alice) == []


def test_a_check_in_with_two_problems_says_both(make_browser, world):  # type: ignore[no-untyped-def]
    alice = signed_in(make_browser, world, "alice")
    values = new_form_values(alice, "/diary/check-ins/new")
    page = soup(alice.post("/diary/check-ins", {**values, "wound": "yes", "wound_days": "many",
                                                "recorded_at": "2999-01-01T10:00"}))
    assert [href for href, _ in summary_links(page)] == ["#wound_days", "#recorded_at"]


def test_change_reopens_a_walk_with_the_quick_distances_it_was_saved_with(make_browser, world):  # type: ignore[no-untyped-def]
    alice = signed_in(make_browser, world, "alice")
    alice.post("/diary/walks", {**new_form_values(alice), "distance_m": "500", "had_pain": "yes",
                                "pain_onset_m": "200", "stopped_by_pain": "yes", "relief": "stood_still"})
    alice.post("/diary/walks", {**new_form_values(alice), "distance_m_exact": "437", "had_pain": "yes",
                                "pain_onset_m_exact": "250", "stopped_by_pain": "yes", "relief": "sat_down"})
    typed, tapped = sorted(entries_of(alice), key=lambda e: e["distance_m"])
    form = soup(alice.client.get(f"/diary/entries/{tapped['id']}/edit"))
    assert [i["value"] for i in form.select('input[name="distance_m"][checked]')] == ["500"]
    assert [i["value"] for i in form.select('input[name="pain_onset_m"][checked]')] == ["200"]
    assert form.select_one("#distance_m_exact")["value"] == form.select_one("#pain_onset_m_exact")["value"] == ""
    form = soup(alice.client.get(f"/diary/entries/{typed['id']}/edit"))
    assert not form.select('input[name="distance_m"][checked]')
    assert (form.select_one("#distance_m_exact")["value"], form.select_one("#pain_onset_m_exact")["value"]) == ("437", "250")


def test_a_patient_chooses_their_own_time_zone(make_browser, world):  # type: ignore[no-untyped-def]
    alice = signed_in(make_browser, world, "alice")
    alice.refresh_token("/account")
    home = soup(alice.client.get("/diary"))
    assert words(home.select_one(".zone-note")) == "Times are London time (Europe/London)."
    assert alice.post("/account/time-zone", {"timezone": "Mars/Olympus"}).status_code == 422
    moved = alice.post("/account/time-zone", {"timezone": "Australia/Perth"}, follow_redirects=False)
    assert moved.status_code == 303
    # A walk's time is read in the patient's zone, and shown in it.
    alice.post("/diary/walks", {**new_form_values(alice), "walked_at": "2026-11-20T08:15", "distance_m": "300",
                                "had_pain": "no"})
    [entry] = entries_of(alice)
    assert datetime.fromisoformat(entry["walked_at"]).astimezone(UTC) == datetime(2026, 11, 20, 0, 15, tzinfo=UTC)
    home = soup(alice.client.get("/diary"))
    assert words(home.select_one(".zone-note")) == "Times are Perth time (Australia/Perth)."
    assert words(home.select_one(f"#entry-{entry['id']} time")) == "Fri 20 Nov 2026, 08:15"
    account = soup(alice.client.get("/account"))
    assert account.select_one('#timezone-choice option[value="Australia/Perth"]').has_attr("selected")
    # Staff read the same walk in the clinic's time.
    nurse = signed_in(make_browser, world, "nurse")
    page = soup(nurse.client.get(f"/clinic/patients/{world.ids['alice_patient']}"))
    assert "Fri 20 Nov 2026, 00:15" in words(page.select_one(f"#entry-{entry['id']}"))
    # Back to the clinic's.
    alice.post("/account/time-zone", {"timezone": ""})
    assert "London time" in words(soup(alice.client.get("/diary")).select_one(".zone-note"))


def test_staff_have_no_time_zone_of_their_own(make_browser, world):  # type: ignore[no-untyped-def]
    nurse = signed_in(make_browser, world, "nurse")
    nurse.refresh_token("/account")
    assert soup(nurse.client.get("/account")).select_one("#timezone-choice") is None
    assert nurse.post("/account/time-zone", {"timezone": "Australia/Perth"}).status_code == 404


def test_the_summaries_and_account_links_come_before_the_diary(make_browser, world):  # type: ignore[no-untyped-def]
    alice = signed_in(make_browser, world, "alice")
    for _ in range(3):
        alice.post("/diary/walks", {**new_form_values(alice), "distance_m": "300", "had_pain": "no"})
    html = alice.client.get("/diary").text
    links = soup(alice.client.get("/diary")).select("nav.more-links a")
    assert [(a["href"], words(a)) for a in links] == [("/diary/reports", "My weekly summaries"), ("/account", "My account")]
    assert html.index('class="more-links"') < html.index('id="entries"')


def test_forgot_your_password_says_what_to_do_and_where(browser):  # type: ignore[no-untyped-def]
    page = soup(browser.client.get("/login"))
    forgot = page.select_one("details.forgot")
    assert words(forgot.select_one("summary")) == "Forgot your password?"
    assert "recovery code" in words(forgot) and forgot.select_one('a[href="/enrol"]') is not None


def test_keep_me_signed_in_is_offered_only_where_it_applies(make_browser, world):  # type: ignore[no-untyped-def]
    b = make_browser()
    assert soup(b.client.get("/login")).select_one('input[name="keep_signed_in"]') is not None
    assert soup(b.client.get("/login?next=/diary")).select_one('input[name="keep_signed_in"]') is not None
    # A clinician's desktop: sent to sign in on the way to the clinic, or signed out of it.
    to_clinic = b.client.get("/clinic", follow_redirects=True)
    assert to_clinic.url.path == "/login" and soup(to_clinic).select_one('input[name="keep_signed_in"]') is None
    nurse = signed_in(make_browser, world, "nurse")
    out = nurse.post("/logout", follow_redirects=False)
    assert out.headers["location"] == "/login?signed_out=1&next=/clinic"
    page = soup(nurse.client.get(out.headers["location"]))
    assert page.select_one('input[name="keep_signed_in"]') is None
    assert "Walking Diary for your clinic" in words(page.select_one("details.forgot"))
    # A patient who signs in there anyway lands in their diary, not on a clinic page they may not see.
    alice = make_browser()
    alice.refresh_token("/login?next=/clinic")
    landed = alice.post("/login", {"email": world.emails["alice"], "password": PASSWORD, "next": "/clinic"},
                        follow_redirects=False)
    assert landed.headers["location"] == "/diary"
