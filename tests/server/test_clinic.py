"""The clinician dashboard: queue, patient list, patient page, flag actions, enrolment, staff.

Test users (see tests/conftest.py): ``nurse`` and ``admin`` of Clinic A (Alice and
Bob's clinic); ``stranger``, a clinician of Clinic B, who must see nothing of Clinic A.
"""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta
from urllib.parse import quote

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import select, update

from diary import journal, patients
from diary.entries import parse_entry
from diary.models import AuditEvent, EnrolmentCode, Flag, FlagEvent, Patient, SuspectedType
from tests.conftest import CODE_KEY, PASSWORD, run_db, signed_in

NOW = datetime.now(UTC)


def soup(response) -> BeautifulSoup:  # type: ignore[no-untyped-def]
    return BeautifulSoup(response.text, "html.parser")


def add_patient(db_url, world, name: str, number: str, entries=(), suspected="vascular", clinic="clinic_a") -> int:  # type: ignore[no-untyped-def]
    """A patient of the clinic, with entries saved as they arrived (each assessed at its own time)."""
    async def build(db):  # type: ignore[no-untyped-def]
        patient, _ = await patients.enrol_patient(db, clinic_id=world.ids[clinic], name=name, clinic_number=number,
                                                  now=NOW, code_valid_for=timedelta(days=14),
                                                  suspected_type=SuspectedType(suspected))
        for raw in entries:
            entry = parse_entry(raw)
            await journal.save_entry(db, patient, entry, entry.occurred_at + timedelta(minutes=1))
        await journal.reassess_patient(db, patient, NOW)
        return patient.id
    return run_db(db_url, build)


def check_in(days_ago: float, **fields) -> dict:  # type: ignore[no-untyped-def]
    return {"type": "check_in", "id": str(uuid.uuid4()),
            "recorded_at": (NOW - timedelta(days=days_ago)).isoformat(), **fields}


def walk(days_ago: float, distance: float) -> dict:
    return {"type": "walk", "id": str(uuid.uuid4()), "walked_at": (NOW - timedelta(days=days_ago)).isoformat(),
            "distance_m": distance, "pain_onset_m": round(distance * 0.7), "stopped_by_pain": True,
            "relief": "stood_still"}


@pytest.fixture
def clinic(db_url, world):  # type: ignore[no-untyped-def]
    """Clinic A with patients in each state of the queue."""
    ids = {
        "review_old": add_patient(db_url, world, "Rita Review", "Q-1", [check_in(5, rest_pain=True)]),
        "urgent_new": add_patient(db_url, world, "Uma Urgent", "Q-2", [check_in(2, wound=True, wound_days=3)]),
        "urgent_old": add_patient(db_url, world, "Ulric Older", "Q-3", [check_in(4, colour_change="black")]),
        "quiet": add_patient(db_url, world, "Quentin Quiet", "Q-4", [walk(d, 400) for d in (9, 6, 3, 1)],
                             suspected="neurogenic"),
        "other": add_patient(db_url, world, "Olga Other", "B-1", [check_in(1, wound=True)], clinic="clinic_b"),
    }
    return ids


@pytest.fixture
def nurse(make_browser, world):  # type: ignore[no-untyped-def]
    b = signed_in(make_browser, world, "nurse")
    b.refresh_token("/clinic")
    return b


def queue_names(page: BeautifulSoup) -> list[str]:
    return [row.select_one("td:nth-of-type(2) a").get_text() for row in page.select("#queue tbody tr")]


def test_the_queue_lists_urgent_first_then_oldest_first(nurse, clinic):  # type: ignore[no-untyped-def]
    page = soup(nurse.client.get("/clinic"))
    assert queue_names(page) == ["Ulric Older", "Uma Urgent", "Rita Review"]
    first = page.select_one("#queue tbody tr")
    assert "URGENT" in first.get_text().upper() and "black" in first.select_one("td.message").get_text()
    assert "Olga Other" not in page.get_text()  # another clinic's patient


def test_the_queue_shows_medians_and_a_trend_arrow(nurse, db_url, world):  # type: ignore[no-untyped-def]
    add_patient(db_url, world, "Dora Decline", "Q-9",
                [walk(d, 500) for d in range(80, 14, -2)] + [walk(d, 150) for d in (12, 9, 6, 3, 1)])
    row = [r for r in soup(nurse.client.get("/clinic")).select("#queue tbody tr") if "Dora Decline" in r.get_text()][0]
    text = row.get_text(" ")
    # max / pain-free medians, each against the usual level (the trend rules' baseline of 500 m / 350 m)
    assert "Max 150 m ▼ 70% below usual" in " ".join(text.split())
    assert "Pain-free 105 m ▼ 70% below usual" in " ".join(text.split())


def test_patients_are_searchable_by_name_and_clinic_number(nurse, clinic):  # type: ignore[no-untyped-def]
    by_name = soup(nurse.client.get("/clinic?q=quent")).select_one("#patients")
    assert [a.get_text() for a in by_name.select("tbody a")] == ["Quentin Quiet"]
    by_number = soup(nurse.client.get("/clinic?q=q-2")).select_one("#patients")
    assert [a.get_text() for a in by_number.select("tbody a")] == ["Uma Urgent"]


def test_patients_filter_by_severity_diagnosis_and_review_age(nurse, clinic):  # type: ignore[no-untyped-def]
    def names(query: str) -> set[str]:
        return {a.get_text() for a in soup(nurse.client.get(f"/clinic?{query}")).select("#patients tbody a")}
    assert names("severity=urgent") == {"Uma Urgent", "Ulric Older"}
    assert names("severity=review") == {"Rita Review"}
    assert names("diagnosis=neurogenic") == {"Quentin Quiet"}
    nurse.post(f"/clinic/patients/{clinic['quiet']}/reviewed")
    assert "Quentin Quiet" not in names("not_reviewed=7")
    assert "Rita Review" in names("not_reviewed=7")


def test_htmx_search_returns_only_the_list(nurse, clinic):  # type: ignore[no-untyped-def]
    response = nurse.client.get("/clinic?q=uma", headers={"hx-request": "true", "hx-target": "patients"})
    assert "<html" not in response.text and soup(response).select_one("#patients")


def test_the_patient_list_is_paginated(nurse, db_url, world):  # type: ignore[no-untyped-def]
    for i in range(27):
        add_patient(db_url, world, f"Page Person {i:02d}", f"P-{i:02d}")
    first = soup(nurse.client.get("/clinic?q=page+person"))
    assert len(first.select("#patients tbody tr")) == 25 and "Page 1 of 2" in first.get_text()
    second = soup(nurse.client.get("/clinic?q=page+person&page=2"))
    assert [a.get_text() for a in second.select("#patients tbody a")] == ["Page Person 25", "Page Person 26"]


def test_the_patient_page_has_the_chart_with_marks_and_a_text_alternative(nurse, clinic):  # type: ignore[no-untyped-def]
    page = soup(nurse.client.get(f"/clinic/patients/{clinic['quiet']}"))
    svg = page.select_one("figure.chart svg")
    assert svg is not None and svg["role"] == "img"
    assert len(svg.select("g.mark.max")) == 4 and len(svg.select("g.mark.pain-free")) == 4
    assert "200 m" in svg.get_text()
    caption = page.select_one("figure.chart figcaption").get_text()
    assert "4 walks" in caption and "400 m" in caption
    assert len(page.select("table.entries-table tbody tr")) == 4


def test_flagged_entries_are_marked_and_linked_from_the_findings(nurse, clinic):  # type: ignore[no-untyped-def]
    page = soup(nurse.client.get(f"/clinic/patients/{clinic['urgent_new']}"))
    link = page.select_one(".flag .evidence a")["href"]
    assert page.select_one(link.replace("#", "tr#")) is not None  # the evidence row exists
    assert page.select_one(link.replace("#", "tr#"))["class"] == ["flagged"]
    assert page.select("figure.chart svg .flagged")


def act(nurse, patient_id: int, flag_id: int, **form):  # type: ignore[no-untyped-def]
    return nurse.post(f"/clinic/patients/{patient_id}/flags/{flag_id}", form, headers={"hx-request": "true"})


def flag_of(db_url, patient_id: int) -> Flag:  # type: ignore[no-untyped-def]
    async def load(db):  # type: ignore[no-untyped-def]
        return (await db.execute(select(Flag).where(Flag.patient_id == patient_id))).scalars().first()
    return run_db(db_url, load)


def test_flag_actions_record_who_and_when(nurse, clinic, db_url, world):  # type: ignore[no-untyped-def]
    pid = clinic["urgent_new"]
    flag = flag_of(db_url, pid)
    acknowledged = act(nurse, pid, flag.id, action="acknowledge")
    assert acknowledged.status_code == 200 and "acknowledged" in acknowledged.text and "<html" not in acknowledged.text
    assert act(nurse, pid, flag.id, action="note", note="Phoned, appointment Friday").status_code == 200
    refused = act(nurse, pid, flag.id, action="resolve", note="")
    assert refused.status_code == 422 and "note is needed" in refused.text
    assert act(nurse, pid, flag.id, action="resolve", note="Seen in clinic, dressing plan").status_code == 200
    flag = flag_of(db_url, pid)
    assert flag.status.value == "resolved" and flag.status_changed_by == world.ids["nurse"]
    assert flag.note == "Seen in clinic, dressing plan"

    async def trail(db):  # type: ignore[no-untyped-def]
        events = [(e.action, e.by_user_id) for e in (await db.execute(
            select(FlagEvent).where(FlagEvent.flag_id == flag.id).order_by(FlagEvent.id))).scalars()]
        rows = list((await db.execute(
            select(AuditEvent).where(AuditEvent.patient_id == pid).order_by(AuditEvent.id))).scalars())
        return events, rows
    events, rows = run_db(db_url, trail)
    audits = [a.action for a in rows]
    # The notes stay with the flag (erased with the patient), never in the permanent log.
    assert all("Phoned" not in str(a.detail) and "dressing" not in str(a.detail) for a in rows)
    assert [a.detail["with_note"] for a in rows if a.action.startswith("flag.")] == [False, True, True]
    assert events[1:] == [("acknowledged", world.ids["nurse"]), ("noted", world.ids["nurse"]),
                          ("resolved", world.ids["nurse"])]
    assert ["flag.acknowledge", "flag.note", "flag.resolve"] == [a for a in audits if a.startswith("flag.")]
    assert "Uma Urgent" not in queue_names(soup(nurse.client.get("/clinic")))


def test_a_snoozed_flag_leaves_the_queue_until_the_snooze_ends(nurse, clinic, db_url):  # type: ignore[no-untyped-def]
    pid = clinic["review_old"]
    flag = flag_of(db_url, pid)
    assert act(nurse, pid, flag.id, action="snooze", days="0").status_code == 422
    assert act(nurse, pid, flag.id, action="snooze", days="3").status_code == 200
    assert "Rita Review" not in queue_names(soup(nurse.client.get("/clinic")))

    async def end_snooze(db):  # type: ignore[no-untyped-def]
        await db.execute(update(Flag).where(Flag.id == flag.id).values(snoozed_until=NOW - timedelta(minutes=1)))
        from diary.models import PatientSummary
        await db.execute(update(PatientSummary).where(PatientSummary.patient_id == pid)
                         .values(next_snooze_end=NOW - timedelta(minutes=1)))
    run_db(db_url, end_snooze)
    assert "Rita Review" in queue_names(soup(nurse.client.get("/clinic")))


def test_marking_reviewed_shows_when_and_by_whom(nurse, clinic):  # type: ignore[no-untyped-def]
    nurse.post(f"/clinic/patients/{clinic['urgent_old']}/reviewed")
    row = soup(nurse.client.get("/clinic")).select("#queue tbody tr")[0]
    assert "nurse@test.example" in row.get_text()


def test_every_view_of_a_record_is_audited_and_shown(nurse, clinic, db_url, world):  # type: ignore[no-untyped-def]
    nurse.client.get(f"/clinic/patients/{clinic['quiet']}")
    page = soup(nurse.client.get(f"/clinic/patients/{clinic['quiet']}"))
    rows = page.select("table.audit tbody tr")
    assert len(rows) == 2 and all("Viewed the record" in r.get_text() for r in rows)  # plain words, not the code

    async def views(db):  # type: ignore[no-untyped-def]
        return list((await db.execute(select(AuditEvent).where(
            AuditEvent.patient_id == clinic["quiet"], AuditEvent.action == "patient.viewed"))).scalars())
    recorded = run_db(db_url, views)
    assert len(recorded) == 2 and {v.actor_user_id for v in recorded} == {world.ids["nurse"]}


def test_another_clinics_patient_is_not_found_anywhere(make_browser, world, clinic):  # type: ignore[no-untyped-def]
    stranger = signed_in(make_browser, world, "stranger")
    stranger.refresh_token("/clinic")
    pid = clinic["urgent_new"]
    assert stranger.client.get(f"/clinic/patients/{pid}").status_code == 404
    assert stranger.post(f"/clinic/patients/{pid}/reviewed").status_code == 404
    assert stranger.post(f"/clinic/patients/{pid}/codes").status_code == 404
    assert stranger.post(f"/clinic/patients/{pid}/codes/revoke").status_code == 404
    assert stranger.post(f"/clinic/patients/{pid}/flags/1", {"action": "acknowledge"}).status_code == 404
    assert "Uma Urgent" not in stranger.client.get("/clinic").text


def test_a_flag_of_another_patient_cannot_be_changed_through_this_one(nurse, clinic, db_url):  # type: ignore[no-untyped-def]
    other_flag = flag_of(db_url, clinic["other"])
    assert act(nurse, clinic["urgent_new"], other_flag.id, action="acknowledge").status_code == 404
    assert act(nurse, clinic["other"], other_flag.id, action="acknowledge").status_code == 404


def enrol(make_browser, code: str, email: str):  # type: ignore[no-untyped-def]
    b = make_browser()
    b.refresh_token("/enrol")
    return b.client.post("/enrol", data={"code": code, "email": email, "password": PASSWORD,
                                         "password_again": PASSWORD, "_csrf_token": b.token})


def code_on(response) -> str:  # type: ignore[no-untyped-def]
    return soup(response).select_one("#enrolment-code").get_text()


def test_enrolment_end_to_end_with_a_printable_qr_code(nurse, make_browser, db_url):  # type: ignore[no-untyped-def]
    page = nurse.post("/clinic/patients", {"name": "Nora New", "clinic_number": "N-1", "date_of_birth": "1950-03-02",
                                           "affected_side": "left", "suspected_type": "vascular", "resting_abi": "0.72"})
    assert page.status_code == 200
    code = code_on(page)
    assert re.fullmatch(r"[A-Z2-9]{5}-[A-Z2-9]{5}", code)
    qr = soup(page).select_one(".qr svg")
    assert qr is not None and qr.select_one("path")
    assert f"/enrol?code={code}" in page.text or quote(code) in page.text
    assert enrol(make_browser, code, "nora@test.example").url.path == "/diary"
    again = enrol(make_browser, code, "nora2@test.example")
    assert again.status_code == 422 and "already been used" in again.text

    async def stored(db):  # type: ignore[no-untyped-def]
        return (await db.execute(select(Patient).where(Patient.clinic_number == "N-1"))).scalar_one()
    nora = run_db(db_url, stored)
    assert (nora.affected_side, str(nora.date_of_birth)) == ("left", "1950-03-02")
    # The enrolment's ABI is the first of the patient's measurements, dated the day of enrolment.
    first = soup(nurse.client.get(f"/clinic/patients/{nora.id}")).select_one("#measurements tbody tr")
    assert "Resting ABI" in first.get_text() and "0.72 (abnormal)" in first.get_text()


def test_enrolment_form_errors_keep_what_was_typed(nurse):  # type: ignore[no-untyped-def]
    page = nurse.post("/clinic/patients", {"name": "Ned", "clinic_number": "N-2", "resting_abi": "low"})
    assert page.status_code == 422 and "ABI" in page.text
    assert soup(page).select_one("#name")["value"] == "Ned"


def test_a_revoked_or_expired_code_is_refused_and_can_be_reissued(nurse, make_browser, db_url):  # type: ignore[no-untyped-def]
    page = nurse.post("/clinic/patients", {"name": "Rex Revoked", "clinic_number": "R-1"})
    code = code_on(page)
    pid = int(re.search(r"/clinic/patients/(\d+)", page.text).group(1))
    nurse.post(f"/clinic/patients/{pid}/codes/revoke")
    refused = enrol(make_browser, code, "rex@test.example")
    assert refused.status_code == 422 and "no longer valid" in refused.text
    fresh = code_on(nurse.post(f"/clinic/patients/{pid}/codes"))

    async def expire(db):  # type: ignore[no-untyped-def]
        await db.execute(update(EnrolmentCode).where(EnrolmentCode.patient_id == pid, EnrolmentCode.used_at.is_(None))
                         .values(expires_at=NOW - timedelta(seconds=1)))
    run_db(db_url, expire)
    expired = enrol(make_browser, fresh, "rex@test.example")
    assert expired.status_code == 422 and "expired" in expired.text
    last = code_on(nurse.post(f"/clinic/patients/{pid}/codes"))
    assert enrol(make_browser, last, "rex@test.example").url.path == "/diary"


def test_only_an_admin_manages_clinicians(nurse, make_browser, world):  # type: ignore[no-untyped-def]
    assert nurse.client.get("/clinic/staff").status_code == 404
    admin = signed_in(make_browser, world, "admin")
    admin.refresh_token("/clinic/staff")
    page = admin.post("/clinic/staff/invite", {"email": "new.nurse@test.example", "display_name": "New Nurse",
                                               "role": "clinician"})
    code = soup(page).select_one(".notice .code").get_text()
    joiner = make_browser()
    joiner.refresh_token("/join")
    joined = joiner.client.post("/join", data={"code": code, "password": PASSWORD, "password_again": PASSWORD,
                                               "_csrf_token": joiner.token})
    assert joined.url.path == "/clinic"
    assert "new.nurse@test.example" in admin.client.get("/clinic/staff").text

    admin.post(f"/clinic/staff/{world.ids['nurse']}/active", {"active": "no"})
    assert nurse.client.get("/clinic", follow_redirects=False).status_code == 303  # signed out at once
    assert make_browser().sign_in(world.emails["nurse"]).status_code == 401
    assert admin.post(f"/clinic/staff/{world.ids['stranger']}/active", {"active": "no"}).status_code == 404
    assert admin.post(f"/clinic/staff/{world.ids['admin']}/active", {"active": "no"}).status_code == 422


def test_the_demo_gives_the_queue_patients_in_each_state(db_url):  # type: ignore[no-untyped-def]
    from diary import demo, summary
    from diary.db import make_engine, make_sessionmaker
    from diary.severity import name_of_rank
    import asyncio

    async def load():  # type: ignore[no-untyped-def]
        engine = make_engine(db_url)
        try:
            sessions = make_sessionmaker(engine, code_key=CODE_KEY)
            await demo.load_demo(sessions, NOW)
            async with sessions() as db:
                clinic_id = (await db.execute(select(Patient.clinic_id).where(Patient.clinic_number == "WD-1001"))).scalar()
                rows, _ = await summary.find_patients(db, clinic_id, summary.PatientFilter(), NOW, limit=50, offset=0)
                return {name_of_rank(r.summary.open_rank) for r in rows}
        finally:
            await engine.dispose()
    # The demo has a patient with an emergency and one with an infected wound (issue 13).
    assert asyncio.run(load()) >= {"emergency", "urgent", "review", "info", "none"}
