"""Weekly exports: scheduled once per clinic and week, caught up, retried, downloaded with permission."""

from __future__ import annotations

import asyncio
import csv
import io
import os
import subprocess
import sys
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from diary import exports, journal, patients
from diary.db import make_engine, make_sessionmaker
from diary.entries import parse_entry
from diary.models import AuditEvent, Clinic, Patient, WeeklyExport
from diary.weekly import Week
from server import cli
from tests.conftest import CODE_KEY, run_db, signed_in

NOW = datetime.now(UTC)
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def backend(request: pytest.FixtureRequest) -> str:
    return request.param


def with_sessions(db_url: str, work):  # type: ignore[no-untyped-def]
    async def go():  # type: ignore[no-untyped-def]
        engine = make_engine(db_url)
        try:
            return await work(make_sessionmaker(engine, code_key=CODE_KEY))
        finally:
            await engine.dispose()
    return asyncio.run(go())


@pytest.fixture
def diary_weeks(db_url, world):  # type: ignore[no-untyped-def]
    """Alice walked on most days of the last five weeks, with a note that looks like a formula;
    Ellen, enrolled long ago, logged nothing; Bob joined today."""
    async def build(db):  # type: ignore[no-untyped-def]
        await patients.enrol_patient(db, clinic_id=world.ids["clinic_a"], name="Ellen Empty", clinic_number="E-1",
                                     now=NOW - timedelta(days=90), code_valid_for=timedelta(days=14))
        alice = await db.get(Patient, world.ids["alice_patient"])
        for day in range(1, 36, 2):
            entry = parse_entry({"type": "walk", "id": str(uuid.uuid4()),
                                 "walked_at": (NOW - timedelta(days=day)).isoformat(), "distance_m": 400,
                                 "pain_onset_m": 250, "stopped_by_pain": True, "relief": "stood_still",
                                 "note": "=HYPERLINK(\"http://x\")" if day == 9 else ""})
            await journal.save_entry(db, alice, entry, entry.occurred_at)
    run_db(db_url, build)


def clinic_a(db_url: str, world) -> Clinic:  # type: ignore[no-untyped-def]
    async def get(db):  # type: ignore[no-untyped-def]
        return await db.get(Clinic, world.ids["clinic_a"])
    return run_db(db_url, get)


def rows(db_url: str) -> list[WeeklyExport]:
    async def get(db):  # type: ignore[no-untyped-def]
        return list((await db.execute(select(WeeklyExport).order_by(WeeklyExport.week))).scalars())
    return run_db(db_url, get)


def last_week(tz: str = "Europe/London") -> Week:
    return Week.containing(NOW, tz).previous()


def test_running_the_job_twice_for_the_same_week_exports_once(db_url, world, diary_weeks, tmp_path):  # type: ignore[no-untyped-def]
    clinic, week = clinic_a(db_url, world), last_week()
    first = with_sessions(db_url, lambda s: exports.run_export(s, tmp_path, clinic, week, NOW, "worker-1"))
    second = with_sessions(db_url, lambda s: exports.run_export(s, tmp_path, clinic, week, NOW, "worker-2"))
    assert (first, second) == (True, False)
    [record] = [r for r in rows(db_url) if r.clinic_id == clinic.id]
    assert record.status == "done" and record.claimed_by == "worker-1" and record.patients == 2  # Alice, Ellen
    folder = exports.export_dir(tmp_path, clinic.id, week)
    assert sorted(p.name for p in folder.iterdir()) == sorted(record.files.values())
    assert not [p for p in folder.iterdir() if p.name.endswith(".tmp")]


def test_the_summary_csv_has_the_documented_columns_and_quotes_formulas(db_url, world, diary_weeks, tmp_path):  # type: ignore[no-untyped-def]
    clinic, week = clinic_a(db_url, world), last_week()
    with_sessions(db_url, lambda s: exports.run_export(s, tmp_path, clinic, week, NOW, "w"))
    folder = exports.export_dir(tmp_path, clinic.id, week)
    summary = list(csv.DictReader(io.StringIO((folder / f"walking-diary-{week.label}-summary.csv").read_text("utf-8-sig"))))
    assert tuple(summary[0].keys()) == exports.SUMMARY_COLUMNS
    alice = [r for r in summary if r["name"] == "Alice"][0]
    assert alice["week"] == week.label and int(alice["walks"]) >= 3 and alice["max_median_m"] == "400.0"
    ellen = [r for r in summary if r["name"] == "Ellen Empty"][0]
    assert ellen["walks"] == "0" and ellen["fontaine_estimate_diary_based"] == "unknown"
    assert not [r for r in summary if r["name"] == "Bob"]  # enrolled after the week, nothing in it
    entries = (folder / f"walking-diary-{week.label}-entries.csv").read_text("utf-8-sig")
    assert "'=HYPERLINK" in entries or "=HYPERLINK" not in entries
    documented = (ROOT / "docs" / "exports.md").read_text()
    assert all(column in documented for column in exports.SUMMARY_COLUMNS)


def test_missed_weeks_are_caught_up_and_never_before_the_first_entry(db_url, world, diary_weeks, tmp_path):  # type: ignore[no-untyped-def]
    ran = with_sessions(db_url, lambda s: exports.run_due_exports(s, tmp_path, NOW, "catch-up"))
    labels = [w for _, w in ran]
    assert labels == sorted(labels) and 4 <= len(labels) <= 6
    assert last_week().label in labels
    again = with_sessions(db_url, lambda s: exports.run_due_exports(s, tmp_path, NOW, "catch-up"))
    assert again == []


def test_a_failed_export_is_recorded_and_retried_on_the_next_run(db_url, world, diary_weeks, tmp_path, monkeypatch):  # type: ignore[no-untyped-def]
    clinic, week = clinic_a(db_url, world), last_week()
    real = exports.render

    async def broken(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise OSError("disk full")
    monkeypatch.setattr(exports, "render", broken)
    with pytest.raises(OSError):
        with_sessions(db_url, lambda s: exports.run_export(s, tmp_path, clinic, week, NOW, "w1"))
    [failed] = rows(db_url)
    assert failed.status == "failed" and "disk full" in failed.error and failed.files == {}
    monkeypatch.setattr(exports, "render", real)
    assert with_sessions(db_url, lambda s: exports.run_export(s, tmp_path, clinic, week, NOW, "w2"))
    [done] = rows(db_url)
    assert done.status == "done" and done.attempts == 2


def test_a_stale_claim_is_taken_over(db_url, world, diary_weeks, tmp_path):  # type: ignore[no-untyped-def]
    clinic, week = clinic_a(db_url, world), last_week()

    async def dead_claim(sessions):  # type: ignore[no-untyped-def]
        async with sessions() as db, db.begin():
            assert await exports.claim(db, clinic.id, week, NOW - timedelta(hours=3), "died")
    with_sessions(db_url, dead_claim)
    assert with_sessions(db_url, lambda s: exports.run_export(s, tmp_path, clinic, week, NOW, "alive"))


RACE = """
import asyncio, sys
from datetime import datetime, UTC
from pathlib import Path
from diary import exports
from diary.db import make_engine, make_sessionmaker
from diary.models import Clinic
from diary.weekly import Week

async def main():
    engine = make_engine(sys.argv[1])
    sessions = make_sessionmaker(engine)
    async with sessions() as db:
        clinic = await db.get(Clinic, int(sys.argv[3]))
    week = Week.parse(sys.argv[4], clinic.timezone)
    ok = await exports.run_export(sessions, Path(sys.argv[2]), clinic, week, datetime.now(UTC), sys.argv[5])
    print("WON" if ok else "LOST")
    await engine.dispose()

asyncio.run(main())
"""


@pytest.mark.postgres
def test_two_processes_racing_on_postgresql_export_once(request, world, diary_weeks, tmp_path, backend, db_url):  # type: ignore[no-untyped-def]
    if backend != "postgres":
        pytest.skip("the race between processes is run against PostgreSQL")
    script = tmp_path / "race.py"
    script.write_text(RACE)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    args = [db_url, str(tmp_path / "data"), str(world.ids["clinic_a"]), last_week().label]
    racers = [subprocess.Popen([sys.executable, str(script), *args, f"racer-{i}"], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True, env=env) for i in range(2)]
    results = sorted(p.communicate(timeout=300)[0].strip() for p in racers)
    assert results == ["LOST", "WON"], [p.stderr for p in racers]
    assert len([r for r in rows(db_url) if r.status == "done"]) == 1


def test_clinicians_download_stored_weeks_and_each_download_is_audited(db_url, world, diary_weeks, tmp_path,
                                                                       make_browser, settings):  # type: ignore[no-untyped-def]
    clinic, week = clinic_a(db_url, world), last_week()
    with_sessions(db_url, lambda s: exports.run_export(s, settings.data_dir, clinic, week, NOW, "w"))
    nurse = signed_in(make_browser, world, "nurse")
    listing = nurse.client.get("/clinic/exports").text
    assert week.label in listing
    pdf = nurse.client.get(f"/clinic/exports/{week.label}/pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert pdf.headers["cache-control"] == "no-store"
    assert nurse.client.get(f"/clinic/exports/{week.label}/csv").text.lstrip("\ufeff").startswith("clinic,week")
    assert nurse.client.get(f"/clinic/exports/{week.label}/fhir").status_code == 200
    assert nurse.client.get(f"/clinic/exports/{week.label}/zip").status_code == 404
    assert nurse.client.get("/clinic/exports/2020-W01/pdf").status_code == 404
    stranger = signed_in(make_browser, world, "stranger")
    assert stranger.client.get(f"/clinic/exports/{week.label}/pdf").status_code == 404
    alice = signed_in(make_browser, world, "alice")
    assert alice.client.get(f"/clinic/exports/{week.label}/pdf").status_code == 404
    mine = alice.client.get(f"/diary/reports/{week.label}.pdf")
    assert mine.status_code == 200 and mine.content.startswith(b"%PDF")
    assert week.label in alice.client.get("/diary/reports").text
    assert alice.client.get("/diary/reports/2020-W01.pdf").status_code == 404

    async def downloads(db):  # type: ignore[no-untyped-def]
        return (await db.execute(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.action == "export.downloaded"))).scalar_one()
    assert run_db(db_url, downloads) == 4  # three by the nurse, one by Alice; refusals are not downloads


@pytest.fixture
def cli_env(monkeypatch, tmp_path):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("DIARY_DEV", "true")
    monkeypatch.setenv("DIARY_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("DIARY_DATABASE_URL", raising=False)
    return tmp_path


def test_the_export_command_writes_the_same_files(cli_env, capsys):  # type: ignore[no-untyped-def]
    assert cli.main(["demo"]) == 0
    out = cli_env / "out"
    out.mkdir()  # --out must exist (a missing one is refused, below)
    week = last_week().label
    assert cli.main(["export", "--week", week, "--clinic", "Demo Vascular Clinic", "--format", "csv",
                     "--format", "pdf", "--out", str(out)]) == 0
    names = sorted(p.name for p in out.iterdir())
    assert names == sorted([f"walking-diary-{week}.pdf", f"walking-diary-{week}-summary.csv",
                            f"walking-diary-{week}-entries.csv"])


@pytest.mark.parametrize(("args", "message"), [
    (["--week", "2026-47"], "ISO week"),
    (["--week", "2026-W47", "--clinic", "Nowhere"], "no clinic named"),
    (["--week", "2026-W47", "--format", "docx"], "unknown format"),
])
def test_the_export_command_exits_2_on_bad_input(cli_env, capsys, args, message):  # type: ignore[no-untyped-def]
    (cli_env / "out").mkdir()
    assert cli.main(["export", *args, "--out", str(cli_env / "out")]) == 2
    assert message in capsys.readouterr().err


def test_the_scheduler_runs_weekly_exports_on_monday_at_six_in_each_clinic_time_zone(tmp_path):  # type: ignore[no-untyped-def]
    from server.scheduler import build_scheduler
    scheduler = build_scheduler(sessions=None, data_dir=tmp_path, timezones=["Europe/London", "America/New_York"])  # type: ignore[arg-type]
    jobs = {job.id: job for job in scheduler.get_jobs()}
    london = jobs["weekly-exports-Europe/London"].trigger
    assert "day_of_week='mon'" in str(london) and "hour='6'" in str(london) and str(london.timezone) == "Europe/London"
    assert "weekly-exports-America/New_York" in jobs and "weekly-exports-catch-up" in jobs
