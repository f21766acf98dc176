"""A patient's measurements over time on the clinician's patient page (server/routes/clinic_measurements.py)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from bs4 import BeautifulSoup
from sqlalchemy import select

from diary import erasure
from diary.models import AuditEvent, Measurement, Patient, User
from tests.conftest import run_db, signed_in


def soup(response) -> BeautifulSoup:  # type: ignore[no-untyped-def]
    return BeautifulSoup(response.text, "html.parser")


def nurse_at(make_browser, world, patient_id: int):  # type: ignore[no-untyped-def]
    nurse = signed_in(make_browser, world, "nurse")
    nurse.refresh_token(f"/clinic/patients/{patient_id}")
    return nurse


def rows(page: BeautifulSoup) -> list[str]:
    return [" ".join(r.get_text(" ").split()) for r in page.select("#measurements tbody tr")]


def test_a_clinician_records_abi_and_toe_pressure_as_a_dated_series(make_browser, world, db_url):  # type: ignore[no-untyped-def]
    alice = world.ids["alice_patient"]
    nurse = nurse_at(make_browser, world, alice)
    url = f"/clinic/patients/{alice}/measurements"
    for kind, side, value, day in (("abi", "left", "0.81", "2026-03-02"), ("abi", "left", "0,64", "2026-10-20"),
                                   ("toe_pressure", "right", "38", "2026-10-20")):
        response = nurse.post(url, {"kind": kind, "side": side, "value": value, "measured_on": day, "note": ""},
                              follow_redirects=False)
        assert response.status_code == 303 and response.headers["location"].endswith("#measurements-h")
    page = soup(nurse.client.get(f"/clinic/patients/{alice}"))
    assert rows(page)[0].startswith("20 Oct 2026 Toe pressure Right 38 mmHg")
    assert rows(page)[1].startswith("20 Oct 2026 Resting ABI Left 0.64 (abnormal)")
    assert rows(page)[2].startswith("2 Mar 2026 Resting ABI Left 0.81 (abnormal)")
    assert "left 0.64 (abnormal), 20 Oct 2026" in page.select_one(".patient-head").get_text()

    async def audited(db):  # type: ignore[no-untyped-def]
        events = (await db.execute(select(AuditEvent).where(AuditEvent.action == "measurement.added"))).scalars()
        return [e.detail for e in events]
    details = run_db(db_url, audited)
    assert len(details) == 3 and all("value" not in d for d in details)  # the log holds no health values


def test_every_problem_with_a_measurement_is_said_at_once_and_nothing_is_kept(make_browser, world, db_url):  # type: ignore[no-untyped-def]
    alice = world.ids["alice_patient"]
    nurse = nurse_at(make_browser, world, alice)
    bad = {"kind": "abi", "side": "middle", "value": "4.2", "measured_on": "2999-01-01", "note": "x" * 501}
    page = nurse.post(f"/clinic/patients/{alice}/measurements", bad)
    assert page.status_code == 422
    summary = soup(page).select_one(".error-summary")
    links = [a["href"] for a in summary.select("a")]
    assert links == ["#m-side", "#m-value", "#m-measured_on", "#m-note"]
    assert "between 0 and 3" in summary.get_text()
    assert all(soup(page).select_one(href) is not None for href in links)  # each link lands on its field
    assert soup(page).select_one("#m-value")["value"] == "4.2"  # what was typed is kept
    # The same answer for htmx: the section alone, to swap in place.
    fragment = nurse.post(f"/clinic/patients/{alice}/measurements", bad, headers={"hx-request": "true"})
    assert fragment.status_code == 422 and "<html" not in fragment.text and 'id="measurements"' in fragment.text
    assert run_db(db_url, lambda db: _count(db)) == 0


async def _count(db) -> int:  # type: ignore[no-untyped-def]
    return len((await db.execute(select(Measurement))).scalars().all())


def test_a_mistaken_measurement_is_removed_and_kept_in_the_history(make_browser, world, db_url):  # type: ignore[no-untyped-def]
    alice = world.ids["alice_patient"]
    nurse = nurse_at(make_browser, world, alice)
    nurse.post(f"/clinic/patients/{alice}/measurements", {"kind": "abi", "value": "0.09", "measured_on": "2026-11-02"})
    [mid] = run_db(db_url, lambda db: _ids(db))
    fragment = nurse.post(f"/clinic/patients/{alice}/measurements/{mid}/remove", headers={"hx-request": "true"})
    assert fragment.status_code == 200 and rows(soup(fragment)) == []
    history = soup(fragment).select_one("details.removed").get_text(" ")
    assert "0.09" in history and "removed" in history and "nurse@test.example" in history
    assert nurse.post(f"/clinic/patients/{alice}/measurements/{mid}/remove").status_code == 404  # once only


async def _ids(db) -> list[int]:  # type: ignore[no-untyped-def]
    return list((await db.execute(select(Measurement.id))).scalars())


def test_the_patients_own_data_carries_their_measurements_and_erasure_removes_them(make_browser, world, db_url):  # type: ignore[no-untyped-def]
    alice = world.ids["alice_patient"]
    nurse_at(make_browser, world, alice).post(f"/clinic/patients/{alice}/measurements",
                                              {"kind": "toe_pressure", "side": "left", "value": "42",
                                               "measured_on": "2026-11-02", "note": "after the walk test"})
    document = json.loads(signed_in(make_browser, world, "alice").client.get("/diary/my-data.json").text)
    assert document["patient"]["measurements"] == [{"kind": "toe_pressure", "side": "left", "value": 42.0,
                                                    "measured_on": "2026-11-02", "note": "after the walk test"}]
    assert "resting_abi" not in document["patient"]

    async def erase(db):  # type: ignore[no-untyped-def]
        patient = await db.get(Patient, alice)
        return await erasure.erase_patient(db, patient, await db.get(User, world.ids["admin"]), datetime.now(UTC))
    assert run_db(db_url, erase)["measurements"] == 1
    assert run_db(db_url, lambda db: _count(db)) == 0
