"""Emergency flags: first in the queue, not raised again as a wave when the rules change,
and received_at set by the server."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from diary import journal, summary
from diary.db import make_engine, make_sessionmaker
from diary.entries import parse_entry
from diary.models import EntryRow, Flag, FlagStatus, Patient, PatientSummary
from tests.conftest import run_db, signed_in

NOW = datetime.now(UTC)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def backend(request: pytest.FixtureRequest) -> str:
    return request.param


def check_in(days_ago: float, **fields) -> dict:  # type: ignore[no-untyped-def]
    return {"type": "check_in", "id": str(uuid.uuid4()), "recorded_at": (NOW - timedelta(days=days_ago)).isoformat(),
            **fields}


def put(browser, entry: dict):  # type: ignore[no-untyped-def]
    response = browser.api("PUT", f"/api/v1/entries/{entry['id']}", json=entry)
    assert response.status_code in (200, 201), response.text
    return response.json()


def stored(db_url: str, model, *where):  # type: ignore[no-untyped-def]
    async def load(db):  # type: ignore[no-untyped-def]
        return list((await db.execute(select(model).where(*where))).scalars())
    return run_db(db_url, load)


def test_a_new_emergency_comes_before_an_older_urgent_flag_in_the_queue(make_browser, world, db_url):  # type: ignore[no-untyped-def]
    bob = signed_in(make_browser, world, "bob")
    put(bob, check_in(20, wound=True, wound_days=3))  # urgent, weeks old
    alice = signed_in(make_browser, world, "alice")
    put(alice, check_in(0.1, sudden_onset=True))
    nurse = signed_in(make_browser, world, "nurse")
    from bs4 import BeautifulSoup

    queue = BeautifulSoup(nurse.client.get("/clinic").text, "html.parser").select("#queue tbody tr")
    assert [r.select_one("a").get_text() for r in queue] == ["Alice", "Bob"]
    assert queue[0]["class"] == ["row-emergency"] and queue[0].select_one(".sev-emergency").get_text() == "Emergency"
    [summary_row] = stored(db_url, PatientSummary, PatientSummary.patient_id == world.ids["alice_patient"])
    assert summary_row.open_rank == 4
    page = BeautifulSoup(nurse.client.get(f"/clinic/patients/{world.ids['alice_patient']}").text, "html.parser")
    assert page.select_one("li.flag.flag-emergency .sev-emergency") is not None


def test_received_at_is_the_servers_and_a_clients_value_is_ignored(make_browser, world, db_url):  # type: ignore[no-untyped-def]
    alice = signed_in(make_browser, world, "alice")
    entry = check_in(3, rest_pain=True, received_at="2001-01-01T00:00:00+00:00")
    answered = put(alice, entry)
    received = datetime.fromisoformat(answered["received_at"])
    assert abs((received - datetime.now(UTC)).total_seconds()) < 120
    listed = alice.api("GET", f"/api/v1/entries/{entry['id']}").json()
    assert datetime.fromisoformat(listed["received_at"]) == received
    again = put(alice, {**entry, "received_at": "garbage"})  # ignored, even when it would not read
    assert datetime.fromisoformat(again["received_at"]) == received
    assert stored(db_url, EntryRow)[0].created_at == received


def _assess(db_url: str, patient_id: int, now: datetime) -> None:
    async def work() -> None:
        engine = make_engine(db_url)
        try:
            async with make_sessionmaker(engine)() as db, db.begin():
                await journal.reassess_patient(db, await db.get(Patient, patient_id), now)
        finally:
            await engine.dispose()
    asyncio.run(work())


def _flag(db_url: str, patient_id: int, rule: str, severity: str, status: FlagStatus, evidence: list[str],
          at: datetime) -> None:
    """A flag as an older release left it."""
    async def add(db):  # type: ignore[no-untyped-def]
        flag = Flag(patient_id=patient_id, rule=rule, rule_version="1", severity=severity, status=status,
                    message="old words", evidence=evidence, raised_at=at, updated_at=at, status_changed_at=at)
        db.add(flag)
        await db.flush()
        await summary.refresh_flags(db, await db.get(Patient, patient_id), at)
    run_db(db_url, add)


def _save(db_url: str, patient_id: int, entry: dict, received: datetime) -> None:
    async def save(db):  # type: ignore[no-untyped-def]
        await journal.save_entry(db, await db.get(Patient, patient_id), parse_entry(entry), received)
    run_db(db_url, save)


def test_new_rules_do_not_raise_resolved_flags_again_as_a_wave(world, db_url):  # type: ignore[no-untyped-def]
    """A sudden change reported 5 days ago was an urgent flag the clinician resolved. The new
    rules call it an emergency (under 2 weeks); with nothing new it stays resolved."""
    patient_id = world.ids["alice_patient"]
    entry = check_in(5, sudden_onset=True)
    _save(db_url, patient_id, entry, NOW - timedelta(days=5))
    for flag in stored(db_url, Flag):
        run_db(db_url, lambda db, f=flag: _delete(db, f.id))
    _flag(db_url, patient_id, "acute_limb", "urgent", FlagStatus.resolved, [entry["id"]], NOW - timedelta(days=4))
    _assess(db_url, patient_id, NOW)
    assert [(f.rule, f.severity, f.status) for f in stored(db_url, Flag)] == [
        ("acute_limb", "urgent", FlagStatus.resolved)]
    # A new report after the resolution raises an emergency at once.
    _save(db_url, patient_id, check_in(0.1, sudden_onset=True), NOW)
    live = [f for f in stored(db_url, Flag) if f.status == FlagStatus.open]
    assert [(f.rule, f.severity) for f in live] == [("acute_limb", "emergency")]


def test_a_live_flag_graded_worse_by_new_rules_moves_up_but_stays_acknowledged(world, db_url):  # type: ignore[no-untyped-def]
    patient_id = world.ids["alice_patient"]
    entry = check_in(5, sudden_onset=True)
    _save(db_url, patient_id, entry, NOW - timedelta(days=5))
    for flag in stored(db_url, Flag):
        run_db(db_url, lambda db, f=flag: _delete(db, f.id))
    _flag(db_url, patient_id, "acute_limb", "urgent", FlagStatus.acknowledged, [entry["id"]], NOW - timedelta(days=4))
    _assess(db_url, patient_id, NOW)
    [flag] = stored(db_url, Flag)
    assert (flag.severity, flag.status) == ("emergency", FlagStatus.acknowledged)
    [row] = stored(db_url, PatientSummary, PatientSummary.patient_id == patient_id)
    assert row.open_rank == 4


async def _delete(db, flag_id: int) -> None:  # type: ignore[no-untyped-def]
    from sqlalchemy import delete

    from diary.models import FlagEvent

    await db.execute(delete(FlagEvent).where(FlagEvent.flag_id == flag_id))
    await db.execute(delete(Flag).where(Flag.id == flag_id))


def test_an_emergency_sign_always_raises_an_emergency_flag_and_the_home_page_advice(make_browser, world, db_url):  # type: ignore[no-untyped-def]
    alice = signed_in(make_browser, world, "alice")
    for fields in ({"heart_symptoms": ["chest_pain"]}, {"cauda_equina_signs": ["bladder_bowel"]},
                   {"wound": True, "infection_signs": ["fever"]}, {"sudden_onset_days_ago": 2}):
        put(alice, check_in(0.2, **fields))
    rules = {f.rule: f.severity for f in stored(db_url, Flag)}
    assert {rules[r] for r in ("heart_symptoms", "cauda_equina", "wound_infection", "acute_limb")} == {"emergency"}
    home = alice.client.get("/diary").text
    assert "Get help now" in home and "Go to a hospital emergency department now" in home
