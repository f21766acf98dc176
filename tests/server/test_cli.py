"""The ``diary`` command line."""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path

import pytest

from diary.entries import json_schema
from server import cli

ROOT = Path(__file__).resolve().parents[2]
WALK = {"type": "walk", "id": "3f2a6a57-5f0c-4a53-8d4f-0b5e7a6f4d10", "walked_at": "2026-11-01T10:00:00+00:00",
        "distance_m": 300, "pain_onset_m": 200, "relief": "stood_still"}
REST_PAIN = {"type": "check_in", "id": "9a1f4f0e-2b6d-4d8f-9a35-7d1c2b3e4f50",
             "recorded_at": "2026-11-02T08:00:00+00:00", "rest_pain": True, "rest_pain_at_night": True,
             "eased_by_hanging_leg": True}


@pytest.fixture
def env(monkeypatch, tmp_path):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("DIARY_DEV", "true")
    monkeypatch.setenv("DIARY_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("DIARY_DATABASE_URL", raising=False)
    return tmp_path


def test_assess_prints_findings_with_exactly_the_contract_fields(tmp_path, capsys):  # type: ignore[no-untyped-def]
    doc = tmp_path / "history.json"
    doc.write_text(json.dumps({"entries": [WALK, REST_PAIN]}))
    assert cli.main(["assess", str(doc)]) == 0
    findings = json.loads(capsys.readouterr().out)["findings"]
    assert findings and all(set(f) == {"rule", "severity", "entries", "message", "rule_version"} for f in findings)
    rest = [f for f in findings if f["rule"] == "rest_pain"]
    assert rest and rest[0]["severity"] == "urgent" and rest[0]["entries"] == [REST_PAIN["id"]]


def test_assess_reads_stdin_and_takes_now(monkeypatch, capsys):  # type: ignore[no-untyped-def]
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(json.dumps({"entries": [WALK]}).encode())))
    assert cli.main(["assess", "-", "--now", "2026-11-03T00:00:00+00:00"]) == 0
    assert json.loads(capsys.readouterr().out) == {"findings": []}


def test_assess_exits_2_on_invalid_json(tmp_path, capsys):  # type: ignore[no-untyped-def]
    doc = tmp_path / "broken.json"
    doc.write_text('{"entries": [')
    assert cli.main(["assess", str(doc)]) == 2
    assert "not valid JSON" in capsys.readouterr().err


def test_assess_exits_2_naming_the_entry_and_field(tmp_path, capsys):  # type: ignore[no-untyped-def]
    doc = tmp_path / "bad.json"
    doc.write_text(json.dumps({"entries": [WALK, {**WALK, "id": "5d7c9f0a-1111-4a53-8d4f-0b5e7a6f4d10",
                                                  "distance_m": -4}]}))
    assert cli.main(["assess", str(doc)]) == 2
    err = capsys.readouterr().err
    assert "entries[1]" in err and "5d7c9f0a-1111-4a53-8d4f-0b5e7a6f4d10" in err and "distance_m" in err


def test_assess_exits_2_on_a_missing_file_or_bad_now(tmp_path, capsys):  # type: ignore[no-untyped-def]
    assert cli.main(["assess", str(tmp_path / "nope.json")]) == 2
    doc = tmp_path / "ok.json"
    doc.write_text(json.dumps({"entries": [WALK]}))
    assert cli.main(["assess", str(doc), "--now", "yesterday"]) == 2
    assert cli.main(["assess", str(doc), "--now", "2026-11-03T00:00:00"]) == 2


def test_demo_loads_once_and_a_second_run_changes_nothing(env, capsys):  # type: ignore[no-untyped-def]
    assert cli.main(["demo"]) == 0
    first = capsys.readouterr().out
    assert "Demo data loaded." in first and "clinician@demo.test" in first and "patient2@demo.test" in first
    import sqlite3
    db = sqlite3.connect(env / "diary.sqlite3")
    counts = [db.execute(f"select count(*) from {t}").fetchone()[0] for t in ("entry", "app_user", "flag")]
    assert counts[0] > 300 and counts[2] > 0
    assert cli.main(["demo"]) == 0
    assert "already loaded" in capsys.readouterr().out
    assert [db.execute(f"select count(*) from {t}").fetchone()[0] for t in ("entry", "app_user", "flag")] == counts


def test_create_user_reads_the_password_from_stdin(env, monkeypatch, capsys):  # type: ignore[no-untyped-def]
    monkeypatch.setattr(sys, "stdin", io.StringIO("a long enough password\n"))
    assert cli.main(["create-user", "--role", "clinician", "--clinic", "North", "nurse@north.example"]) == 0
    monkeypatch.setattr(sys, "stdin", io.StringIO("short\n"))
    assert cli.main(["create-user", "--role", "admin", "--clinic", "North", "admin@north.example"]) == 2
    assert "at least 8" in capsys.readouterr().err


def test_the_app_refuses_to_start_without_a_secret_outside_development(monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.delenv("DIARY_DEV", raising=False)
    monkeypatch.delenv("DIARY_SECRET_KEY", raising=False)
    with pytest.raises(SystemExit, match="DIARY_SECRET_KEY"):
        cli.main(["migrate"])


def test_the_committed_json_schema_is_the_one_the_code_generates():
    committed = json.loads((ROOT / "docs" / "entry.schema.json").read_text())
    assert committed == json_schema(), "run: diary schema --out docs/entry.schema.json"
