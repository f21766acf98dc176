"""``diary backup`` and ``diary restore``: a consistent copy of the SQLite database, and putting it back."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from contextlib import closing
from pathlib import Path

import httpx
import pytest

from diary.db import sqlite_url
from server import cli
from tests.live import live_env, live_server
from tests.server.test_cli import env  # noqa: F401  (DIARY_DATA_DIR is tmp_path, SQLite, development mode)
from tests.server.test_durability import (Writers, assert_stored_as_sent, enrol_patients, sign_in, sqlite_integrity,
                                          stored_entries)


@pytest.fixture
def database(env, db_url) -> Path:  # type: ignore[no-untyped-def]
    """A migrated database with one patient, where ``diary`` looks for it (DIARY_DATA_DIR/diary.sqlite3)."""
    enrol_patients(db_url, 1)
    return env / "diary.sqlite3"


def run_diary(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "server.cli", *args], env=env, capture_output=True, text=True,
                          timeout=120)


def patient_count(path: Path) -> int:
    with closing(sqlite3.connect(path)) as conn:
        return conn.execute("SELECT count(*) FROM patient").fetchone()[0]


def backup_of(database: Path, capsys) -> Path:  # type: ignore[no-untyped-def]
    dest = database.parent / "backup.sqlite3"
    assert cli.main(["backup", str(dest)]) == 0
    capsys.readouterr()
    return dest


@pytest.mark.live
def test_a_backup_taken_while_patients_write_restores_with_every_acknowledged_entry(db_url, tmp_path):  # type: ignore[no-untyped-def]
    emails = enrol_patients(db_url, 3)
    dest = tmp_path / "backups" / "diary.sqlite3"
    dest.parent.mkdir()
    with live_server(tmp_path, "--no-scheduler") as server:
        sessions = [sign_in(server.base, email) for email in emails]
        writers = Writers(server.base, sessions).start()
        writers.wait_for(60)
        acknowledged_before = writers.acknowledged()
        done = run_diary(live_env(tmp_path), "backup", str(dest))
        sent_by_the_end = set(writers.sent)
        writers.wait_for(len(acknowledged_before) + 40)  # the server kept taking writes all along
        in_use = run_diary(live_env(tmp_path), "restore", str(dest))
        writers.stop()
    assert done.returncode == 0, done.stderr
    assert "integrity check ok" in done.stdout
    assert in_use.returncode == 2 and "in use: stop diary serve" in in_use.stderr
    assert not list(tmp_path.glob("diary.sqlite3.before-restore-*"))
    assert not writers.refused()

    fresh = tmp_path / "fresh"
    fresh.mkdir()
    restored = run_diary(live_env(fresh), "restore", str(dest))
    assert restored.returncode == 0, restored.stderr
    stored = stored_entries(sqlite_url(fresh))
    assert_stored_as_sent(writers, stored, must_have=acknowledged_before)
    assert {id_ for id_, _ in stored} <= sent_by_the_end, "the backup holds an entry sent after it was taken"
    assert sqlite_integrity(fresh / "diary.sqlite3") == "ok"
    print(f"{len(acknowledged_before)} acknowledged before the backup, {len(stored)} in it, {len(writers.sent)} sent")
    with live_server(fresh, "--no-scheduler") as server:  # the restored app serves the same patients
        with httpx.Client(base_url=server.base, cookies=sessions[0].cookies, timeout=30) as client:
            total = client.get("/api/v1/entries?limit=1").json()["total"]
    assert total == sum(1 for id_, _ in stored if writers.sent[id_][0] == sessions[0].email)


def test_restore_keeps_the_current_database_aside(database, db_url, capsys):  # type: ignore[no-untyped-def]
    backup = backup_of(database, capsys)
    enrol_patients(db_url, 2, first=1)  # written after the backup
    assert cli.main(["restore", str(backup)]) == 0
    out = capsys.readouterr().out
    [aside] = database.parent.glob("diary.sqlite3.before-restore-*")
    assert str(aside) in out
    assert (patient_count(database), patient_count(aside)) == (1, 3)


def test_restore_replaces_a_damaged_current_database_and_keeps_it(database, capsys):  # type: ignore[no-untyped-def]
    backup = backup_of(database, capsys)
    database.write_bytes(b"\0" * 8192)  # what a failing disk may leave
    assert cli.main(["restore", str(backup)]) == 0
    [aside] = database.parent.glob("diary.sqlite3.before-restore-*")
    assert aside.read_bytes() == b"\0" * 8192 and patient_count(database) == 1


def test_restore_refuses_a_file_that_is_not_a_database(database, tmp_path, capsys):  # type: ignore[no-untyped-def]
    notes = tmp_path / "notes.txt"
    notes.write_text("not a database\n" * 100)
    before = database.read_bytes()
    assert cli.main(["restore", str(notes)]) == 2
    assert f"{notes} is not a SQLite database" in capsys.readouterr().err
    assert database.read_bytes() == before
    assert not list(tmp_path.glob("*before-restore*")) and not list(tmp_path.glob(".*partial"))


def test_restore_refuses_a_sqlite_database_of_another_app(database, tmp_path, capsys):  # type: ignore[no-untyped-def]
    other = tmp_path / "photos.db"
    with closing(sqlite3.connect(other)) as conn:
        conn.execute("CREATE TABLE photo (id INTEGER PRIMARY KEY, path TEXT)")
        conn.commit()
    assert cli.main(["restore", str(other)]) == 2
    assert "not a Walking Diary one" in capsys.readouterr().err
    assert patient_count(database) == 1


def test_restore_refuses_a_damaged_backup(database, capsys):  # type: ignore[no-untyped-def]
    backup = backup_of(database, capsys)
    data = bytearray(backup.read_bytes())
    page = 4096
    data[3 * page:6 * page] = b"\xde\xad\xbe\xef" * (3 * page // 4)  # three pages of the tables overwritten
    backup.write_bytes(bytes(data))
    assert cli.main(["restore", str(backup)]) == 2
    err = capsys.readouterr().err
    assert "integrity check" in err or "cannot be read" in err
    assert patient_count(database) == 1


def test_restore_refuses_a_backup_from_a_newer_version(database, capsys):  # type: ignore[no-untyped-def]
    backup = backup_of(database, capsys)
    with closing(sqlite3.connect(backup)) as conn:
        conn.execute("UPDATE alembic_version SET version_num = '9999'")
        conn.commit()
    assert cli.main(["restore", str(backup)]) == 2
    assert "migration '9999'" in capsys.readouterr().err


def test_restore_refuses_while_the_database_is_open(database, capsys):  # type: ignore[no-untyped-def]
    backup = backup_of(database, capsys)
    with closing(sqlite3.connect(database)) as app:  # an idle connection, as a waiting server holds
        app.execute("PRAGMA journal_mode=WAL")
        app.execute("SELECT count(*) FROM patient").fetchall()
        assert cli.main(["restore", str(backup)]) == 2
    assert "in use: stop diary serve and diary scheduler first" in capsys.readouterr().err
    assert not list(database.parent.glob("*before-restore*"))


def test_backup_into_a_directory_writes_a_dated_copy(database, tmp_path, capsys):  # type: ignore[no-untyped-def]
    shelf = tmp_path / "shelf"
    shelf.mkdir()
    assert cli.main(["backup", str(shelf)]) == 0
    [copy] = shelf.iterdir()
    assert copy.name.startswith("diary-") and copy.suffix == ".sqlite3"
    assert str(copy) in capsys.readouterr().out
    assert sqlite_integrity(copy) == "ok" and patient_count(copy) == 1
    assert not Path(f"{copy}-wal").exists()  # a file on its own, ready to be copied off the machine


@pytest.mark.parametrize("where", ["missing/backup.sqlite3", "a-file/backup.sqlite3"])
def test_backup_to_a_path_that_cannot_be_written_says_why(database, tmp_path, capsys, where):  # type: ignore[no-untyped-def]
    (tmp_path / "a-file").write_text("a file, not a directory")
    dest = tmp_path / where
    assert cli.main(["backup", str(dest)]) == 2
    err = capsys.readouterr().err
    assert f"cannot write {dest}" in err
    assert ("does not exist" if where.startswith("missing") else "is not a directory") in err


def test_backup_without_a_database_says_so(env, capsys):  # type: ignore[no-untyped-def]
    assert cli.main(["backup", str(env / "backup.sqlite3")]) == 2
    assert f"{env / 'diary.sqlite3'} does not exist" in capsys.readouterr().err
    assert not (env / "diary.sqlite3").exists()  # looking did not create an empty one


def test_backup_and_restore_on_postgresql_point_to_pg_dump(env, monkeypatch, capsys):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("DIARY_DATABASE_URL", "postgresql://diary@db.example/diary")
    assert cli.main(["backup", str(env / "backup.sqlite3")]) == 2
    assert "pg_dump -Fc" in capsys.readouterr().err
    assert cli.main(["restore", str(env / "backup.sqlite3")]) == 2
    assert "pg_restore" in capsys.readouterr().err
