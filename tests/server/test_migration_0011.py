"""Migration 0011 carries a database of the release before forward: stored check-ins keep
their answers (the new questions not asked), clinics get an emergency number from their
time zone, flags keep their severity, and the rules read the old rows as documented."""

from __future__ import annotations

import asyncio
import sqlite3
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from diary import migrate, store
from diary.db import make_engine, make_sessionmaker
from diary.entries import CheckIn
from diary.models import Clinic, EntryRow, Flag, Patient
from diary.signs import reported, signs_of
from diary.trend import assess

NOW = datetime(2026, 12, 1, 12, tzinfo=UTC)


def _at(days: float) -> str:
    return (NOW - timedelta(days=days)).strftime("%Y-%m-%d %H:%M:%S.%f")


def _old_database(path: Path) -> None:
    migrate.upgrade(f"sqlite:///{path}", "0006")
    db = sqlite3.connect(path)
    db.executemany("INSERT INTO clinic (id, name, timezone) VALUES (?, ?, ?)",
                   [(1, "London", "Europe/London"), (2, "Chicago", "America/Chicago"), (3, "Paris", "Europe/Paris"),
                    (4, "Sydney", "Australia/Sydney")])
    db.execute("INSERT INTO patient (id, clinic_id, name, clinic_number, suspected_type, created_at) "
               "VALUES (1, 1, 'Old Patient', 'OLD-1', 'vascular', ?)", (_at(100),))
    # Check-ins as the older form saved them: "No" and "No change" preselected.
    rows = [
        (uuid.UUID(int=1), 30, dict(rest_pain=0, rest_pain_at_night=0, eased_by_hanging_leg=0, wound=1, wound_days=4,
                                   colour_change="black", cold_foot=0, sudden_onset=0)),
        (uuid.UUID(int=2), 10, dict(rest_pain=0, rest_pain_at_night=0, eased_by_hanging_leg=0, wound=0,
                                   colour_change=None, cold_foot=0, sudden_onset=0)),
        (uuid.UUID(int=3), 1, dict(rest_pain=1, rest_pain_at_night=1, eased_by_hanging_leg=0, wound=0,
                                  colour_change=None, cold_foot=1, sudden_onset=0)),
    ]
    for entry_id, days, answers in rows:
        columns = ", ".join(answers)
        db.execute(f"INSERT INTO entry (id, patient_id, kind, occurred_at, utc_offset_min, note, created_at, "
                   f"updated_at, {columns}) VALUES (?, 1, 'check_in', ?, 0, '', ?, ?, "
                   f"{', '.join('?' * len(answers))})",
                   (entry_id.hex, _at(days), _at(days), _at(days), *answers.values()))
    db.execute("INSERT INTO flag (id, patient_id, rule, rule_version, severity, status, message, evidence, data, "
               "raised_at, updated_at, note) VALUES (1, 1, 'tissue_loss', '1', 'urgent', 'open', 'Wound.', ?, '{}', ?, ?, '')",
               (f'["{uuid.UUID(int=1)}"]', _at(30), _at(30)))
    db.commit()
    db.close()


def test_a_database_of_the_release_before_is_carried_forward(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    _old_database(path)
    migrate.upgrade(f"sqlite:///{path}")

    async def read():  # type: ignore[no-untyped-def]
        engine = make_engine(f"sqlite+aiosqlite:///{path}")
        try:
            async with make_sessionmaker(engine)() as db:
                clinics = {c.name: c for c in (await db.execute(Clinic.__table__.select())).all()}
                entries = await store.entries_since(db, 1, NOW - timedelta(days=200))
                flag = await db.get(Flag, 1)
                patient = await db.get(Patient, 1)
                rows = {r.id: r for r in (await db.execute(EntryRow.__table__.select())).all()}
                return clinics, entries, flag, patient, rows
        finally:
            await engine.dispose()

    clinics, entries, flag, patient, rows = asyncio.run(read())
    assert {n: (c.emergency_number, c.phone) for n, c in clinics.items()} == {
        "London": ("999", ""), "Chicago": ("911", ""), "Paris": ("112", ""), "Sydney": ("000", "")}
    assert (patient.diabetes, patient.phone) == (None, "")
    assert (flag.severity, flag.status.value) == ("urgent", "open")
    assert all(isinstance(e, CheckIn) for e in entries)
    first, second, third = entries
    # The answers as given; the new questions were not asked.
    assert (first.wound, first.colour_change.value, first.rest_pain) == (True, "black", False)
    for entry in entries:
        assert entry.wound_healed is entry.numb_foot is entry.heart_symptoms is entry.infection_signs is None
        assert entry.received_at == entry.recorded_at  # received when made, as stored
    # Read as documented: the old "No wound" and "No change" do not clear the black toe and wound.
    findings = {f.rule: f for f in assess(entries, NOW)}
    assert findings["tissue_loss"].data["signs"] == ["wound", "dark_toe"]
    assert "2 later check-ins did not say it had healed" in findings["tissue_loss"].message
    # Rest pain with a cold foot on the same check-in: acute-on-chronic, urgent at once.
    assert findings["rest_pain"].severity == "urgent"
    assert signs_of(third) == ["rest_pain_pale_cold_numb"]
    assert reported(second) == []
