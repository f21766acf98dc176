"""What a clinician reads: plain words, one-line headlines, arrows that agree with the flags,
times in the clinic's zone, the flag's own Note and Snooze boxes, weeks by their dates."""

from __future__ import annotations

import re

from bs4 import BeautifulSoup
from sqlalchemy import select

from diary import audit, exports
from diary.labels import WORDS
from diary.models import Clinic, Flag
from diary.trend import RULES
from diary.weekly import Week
from diary.zones import local_time
from tests.conftest import run_db, signed_in
from tests.server.test_clinic import NOW, add_patient, check_in, walk
from tests.server.test_exports import clinic_a, diary_weeks, last_week, with_sessions  # noqa: F401 (a fixture)

CODES = [*RULES, "stood_still", "sat_down", "bent_forward", "not_relieved", "patient.viewed", "flag.note",
         "acknowledged", "no_pain"]


def soup(response) -> BeautifulSoup:  # type: ignore[no-untyped-def]
    return BeautifulSoup(response.text, "html.parser")


def words(node) -> str:  # type: ignore[no-untyped-def]
    return " ".join(node.get_text(" ").split())


def set_zone(db_url, world, zone: str) -> None:  # type: ignore[no-untyped-def]
    async def work(db):  # type: ignore[no-untyped-def]
        (await db.get(Clinic, world.ids["clinic_a"])).timezone = zone
    run_db(db_url, work)


def flags_of(db_url, patient_id: int) -> list[Flag]:  # type: ignore[no-untyped-def]
    async def work(db):  # type: ignore[no-untyped-def]
        return list((await db.execute(select(Flag).where(Flag.patient_id == patient_id))).scalars())
    return run_db(db_url, work)


def queue_row(nurse, name: str):  # type: ignore[no-untyped-def]
    return [r for r in soup(nurse.client.get("/clinic")).select("#queue tbody tr") if name in r.get_text()][0]


def slow_decline() -> list[dict]:
    """Five months at 500 m, then seven weeks at 205 m: the last 14 days match the 14 before."""
    return [walk(d, 500) for d in range(180, 55, -2)] + [walk(d, 205) for d in range(49, 0, -2)]


def test_the_trend_arrow_and_the_distance_flag_compare_the_same_things(make_browser, world, db_url):  # type: ignore[no-untyped-def]
    """The first use: "steady" beside a flag saying the distance was 59% below the baseline."""
    patient = add_patient(db_url, world, "Stella Slow", "S-1", slow_decline())
    [flag] = [f for f in flags_of(db_url, patient) if f.rule == "distance_decline"]
    assert flag.data["maximum"]["decline_pct"] == 59 and "59% below the baseline of 500 m" in flag.message
    nurse = signed_in(make_browser, world, "nurse")
    row = queue_row(nurse, "Stella Slow")
    assert words(row.select_one("td.message")) == "Maximum distance 59% and pain-free 59% below usual"
    assert "Max 205 m ▼ 59% below usual" in words(row.select_one("td.distances"))
    assert "steady" not in words(row)
    key = words(soup(nurse.client.get("/clinic")).select_one(".trend-key"))
    assert "best 28-day median of the 6 months before" in key  # says what the arrow compares
    head = words(soup(nurse.client.get(f"/clinic/patients/{patient}")).select_one(".patient-head"))
    assert "205 m ▼ 59% below usual (usual 500 m)" in head


def test_a_queue_row_says_why_in_one_line_and_the_patient_page_says_it_all(make_browser, world, db_url):  # type: ignore[no-untyped-def]
    patient = add_patient(db_url, world, "Rhoda Rest", "R-1", [check_in(d, rest_pain=True) for d in (17, 9, 1)])
    nurse = signed_in(make_browser, world, "nurse")
    assert words(queue_row(nurse, "Rhoda Rest").select_one("td.message")) == "Rest pain for 16 days"
    card = soup(nurse.client.get(f"/clinic/patients/{patient}")).select_one("li.flag")
    assert words(card.select_one(".flag-headline")) == "Rest pain for 16 days"
    assert "Global Vascular Guidelines 2019" in words(card.select_one(".message"))  # the full text


def test_clinic_pages_show_every_time_in_the_clinics_zone_and_say_which_once(make_browser, world, db_url):  # type: ignore[no-untyped-def]
    set_zone(db_url, world, "America/New_York")
    patient = add_patient(db_url, world, "Sid Sudden", "X-1", [check_in(0.2, sudden_onset=True)])
    [flag] = flags_of(db_url, patient)
    nurse = signed_in(make_browser, world, "nurse")
    raised = local_time(flag.raised_at, "America/New_York")
    for path in ("/clinic", f"/clinic/patients/{patient}", "/clinic/exports"):
        page = soup(nurse.client.get(path))
        assert [words(n) for n in page.select(".zone-note")] == ["Times are New York time (America/New_York)."], path
        assert "UTC" not in page.get_text(), path
    assert raised in words(queue_row(nurse, "Sid Sudden"))
    card = soup(nurse.client.get(f"/clinic/patients/{patient}")).select_one("li.flag")
    assert f"Raised {raised}" in words(card)
    reported = local_time(check_in_time(flag), "America/New_York")
    assert reported in words(card.select_one(".flag-headline")) and reported in words(card.select_one(".message"))


def check_in_time(flag: Flag):  # type: ignore[no-untyped-def]
    from datetime import datetime
    return datetime.fromisoformat(flag.data["last_report"])


def test_no_internal_code_is_shown_on_the_clinicians_pages(make_browser, world, db_url):  # type: ignore[no-untyped-def]
    entries = [walk(d, 300) | {"relief": relief, "relief_minutes": 2} for d, relief in
               ((6, "stood_still"), (4, "sat_down"), (3, "bent_forward"), (2, "not_relieved"))]
    entries += [check_in(1, rest_pain=True, wound=True, colour_change="black", cold_foot=True, sudden_onset=True)]
    patient = add_patient(db_url, world, "Cody Codes", "C-1", entries)
    assert {"rest_pain", "tissue_loss", "acute_limb"} <= {f.rule for f in flags_of(db_url, patient)}
    nurse = signed_in(make_browser, world, "nurse")
    page = words(soup(nurse.client.get(f"/clinic/patients/{patient}")).select_one("main"))
    for code in CODES:
        assert code not in page, code
    assert "Stood still (2 min)" in page and "Sat down" in page and "Viewed the record" in page
    assert "Possible acute limb ischaemia" in page and "Wound or tissue loss" in page


def test_every_rule_and_audit_action_has_its_words(make_browser, world):  # type: ignore[no-untyped-def]
    assert set(RULES) <= set(WORDS["rule"]) and set(audit.ACTIONS) <= set(WORDS["audit_action"])
    admin = signed_in(make_browser, world, "admin")
    page = soup(admin.client.get("/clinic/audit"))
    assert page.select_one('input[name="action"]') is None  # a list, not a box for codes
    options = {o["value"]: words(o) for o in page.select('select[name="action"] option')}
    assert set(audit.ACTIONS) <= set(options)
    assert options["patient.viewed"] == "Viewed the record" and options["flag"] == "All: flags"
    assert options[""] == "Any action"
    chosen = soup(admin.client.get("/clinic/audit?action=signin.succeeded"))
    assert chosen.select_one('select[name="action"] option[selected]')["value"] == "signin.succeeded"
    rows = [words(r.select("td")[2]) for r in chosen.select("table.audit tbody tr")]
    assert rows and set(rows) == {"Signed in"}


def test_a_flag_has_a_note_box_for_its_note_buttons_and_a_days_box_for_snoozing(make_browser, world, db_url):  # type: ignore[no-untyped-def]
    patient = add_patient(db_url, world, "Nell Note", "N-9", [check_in(1, rest_pain=True)])
    [flag] = flags_of(db_url, patient)
    nurse = signed_in(make_browser, world, "nurse")
    nurse.refresh_token(f"/clinic/patients/{patient}")
    card = soup(nurse.client.get(f"/clinic/patients/{patient}")).select_one(f"#flag-{flag.id}")
    note_form, snooze_form = card.select(".flag-actions form")
    assert [b["value"] for b in note_form.select("button")] == ["acknowledge", "note", "resolve"]
    assert note_form.select_one("textarea[name=note]") and not note_form.select_one("[name=days]")
    assert [b["value"] for b in snooze_form.select("button")] == ["snooze"]
    assert snooze_form.select_one("input[name=days]") and not snooze_form.select_one("[name=note]")
    assert words(snooze_form.select_one(f"label[for=days-{flag.id}]")) == "Snooze for"

    url = f"/clinic/patients/{patient}/flags/{flag.id}"
    bad_days = nurse.post(url, {"action": "snooze", "days": "0"}, headers={"hx-request": "true"})
    assert bad_days.status_code == 422
    said = soup(bad_days).select_one(f"#days-{flag.id}-error")
    assert said and "1 to 90 days" in said.get_text() and said.find_parent("form")["class"] == ["flag-snooze"]
    no_note = nurse.post(url, {"action": "resolve", "note": ""}, headers={"hx-request": "true"})
    said = soup(no_note).select_one(f"#note-{flag.id}-error")
    assert no_note.status_code == 422 and said.find_parent("form")["class"] == ["flag-note"]
    done = nurse.post(url, {"action": "acknowledge"}, headers={"hx-request": "true"})
    assert done.status_code == 200 and "Acknowledged" in words(soup(done))


def test_evidence_links_land_on_rows_of_the_page(make_browser, world, db_url):  # type: ignore[no-untyped-def]
    patient = add_patient(db_url, world, "Eve Evidence", "E-9", slow_decline())
    page = soup(signed_in(make_browser, world, "nurse").client.get(f"/clinic/patients/{patient}"))
    links = [a["href"] for a in page.select("li.flag .evidence a")]
    assert links and all(page.select_one(f"tr{href}.flagged") is not None for href in links)


def test_weekly_exports_are_listed_by_their_dates(make_browser, world, db_url, diary_weeks, settings):  # type: ignore[no-untyped-def]
    clinic, week = clinic_a(db_url, world), last_week()
    with_sessions(db_url, lambda s: exports.run_export(s, settings.data_dir, clinic, week, NOW, "w"))
    dates = Week.parse(week.label, "Europe/London").dates
    assert re.fullmatch(r"\d{1,2}( \w{3})?[–\s-]+\d{1,2} \w{3} \d{4}", dates.replace(" – ", "–")), dates
    listing = soup(signed_in(make_browser, world, "nurse").client.get("/clinic/exports"))
    assert words(listing.select_one("tbody td")).startswith(dates)
    mine = soup(signed_in(make_browser, world, "alice").client.get("/diary/reports"))
    assert words(mine.select_one("a.report")) == f"{dates} (PDF)"
